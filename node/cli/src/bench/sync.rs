//! `bansao bench sync`: the sync engine's figures, each on fresh node directories with real
//! SQLite files and real QUIC on loopback (through the shaped relay for the lossy link).
//!
//! - `initial_push_10k`: 10,000 new copies kiosk → ward, one round, seconds (median of 5 pushes,
//!   each between a fresh kiosk and ward);
//! - `reconnect_unchanged_100k`: both hold the same 100,000 copies: protocol bytes of a round on
//!   a kept connection (QUIC's own bytes and the handshake are details), and its time;
//! - `reconnect_10_changed_100k`: 10 of them were approved at the ward: protocol bytes;
//! - `blobs_lossy_link`: 200 scans of 300 KB through 2 Mbit/s, 100 ms RTT, 1 % loss, cut once
//!   for longer than the idle timeout: goodput against the link's rate while it was up, and
//!   chunks sent twice per interrupted scan;
//! - `ward_rss_100k`: peak RSS (VmHWM) of a ward (`bansao run`, a child process) taking in a
//!   100,000-copy kiosk.

use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use bansao_store::Store;
use bansao_sync_net::{LinkProfile, Relay};

use crate::bench::{Figure, median};
use bansao_node::sync::service::{SyncNode, Tuning};
use bansao_node::sync::stream::SessionOutcome;
use bansao_testkit::world::{self, World};

/// Every benchmark's name, in the order they run.
pub const NAMES: [&str; 5] = [
    "initial_push_10k",
    "reconnect_unchanged_100k",
    "reconnect_10_changed_100k",
    "blobs_lossy_link",
    "ward_rss_100k",
];

/// What to run.
#[derive(Debug, Clone)]
pub struct BenchOptions {
    /// Where to put the node directories (removed afterwards unless `keep`).
    pub dir: PathBuf,
    /// Keep them.
    pub keep: bool,
    /// Only these benchmarks (all if empty).
    pub only: Vec<String>,
    /// Copies of the large collection (100,000 by default).
    pub large: u64,
    /// Scans of the lossy-link benchmark (200 by default).
    pub scans: u64,
}

const LOOPBACK: SocketAddr =
    SocketAddr::new(std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST), 0);

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?)
}

/// A small scan every bench copy shares (both sides hold it, so the document benchmarks
/// measure documents).
fn shared_scan() -> Vec<u8> {
    bansao_testkit::SAMPLE_SCAN.to_vec()
}

/// An incompressible 300 KB "JPEG" made from a seed.
fn random_scan(seed: u64, size: usize) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(size);
    bytes.extend_from_slice(&[0xFF, 0xD8, 0xFF, 0xE0]);
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    while bytes.len() < size {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        bytes.extend_from_slice(&state.to_le_bytes());
    }
    bytes.truncate(size);
    bytes
}

fn store_of(world: &World, node: &str) -> anyhow::Result<Store> {
    Ok(Store::open(&world.dir(node).join("bansao.sqlite"))?)
}

/// Starts `node`'s listener in-process; returns its address.
fn serve(
    runtime: &tokio::runtime::Runtime,
    dir: &Path,
    tuning: Tuning,
) -> anyhow::Result<SocketAddr> {
    let node = SyncNode::open(dir)?.with_tuning(tuning);
    let endpoint = runtime.block_on(async { node.bind(LOOPBACK) })?;
    let address = endpoint.local_addr()?;
    runtime.spawn(async move { node.serve(endpoint).await });
    Ok(address)
}

fn check_finished(outcome: &SessionOutcome, what: &str) -> anyhow::Result<()> {
    if let Some(error) = &outcome.error {
        bail!("{what}: the round did not finish: {error}");
    }
    Ok(())
}

/// CPU seconds this process has used (user + system), from /proc/self/stat.
fn process_cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return f64::NAN;
    };
    // Fields after the command name (which may hold spaces): utime is the 14th, stime the 15th.
    let Some(rest) = stat.rsplit_once(')').map(|(_, rest)| rest) else {
        return f64::NAN;
    };
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |index: usize| fields.get(index).and_then(|f| f.parse::<f64>().ok());
    match (ticks(11), ticks(12)) {
        // The kernel's USER_HZ is 100 on Linux.
        (Some(user), Some(system)) => (user + system) / 100.0,
        _ => f64::NAN,
    }
}

fn wire_bytes(outcome: &SessionOutcome) -> u64 {
    outcome.stats.bytes_sent + outcome.stats.bytes_received
}

/// Pushes measured, each from a fresh kiosk to a fresh ward: on a shared 2-core VM one push
/// varies by ±15 %, so the figure is their median.
const INITIAL_PUSHES: usize = 5;

/// One push of 10,000 new copies kiosk → ward.
struct Push {
    seconds: f64,
    cpu_seconds: f64,
    wire_bytes: u64,
}

fn initial_push_once(root: &Path, copies: u64) -> anyhow::Result<Push> {
    let world = World::create(root)?;
    let scan = shared_scan();
    world::issue_bulk(&world, copies, std::slice::from_ref(&scan))?;
    store_of(&world, "ward")?.put_blob(&bansao_copy::PageRef::of(&scan, "image/jpeg"), &scan)?;
    let runtime = runtime()?;
    let ward = serve(&runtime, &world.dir("ward"), Tuning::default())?;
    let kiosk = SyncNode::open(&world.dir("kiosk"))?;
    let (elapsed, cpu, outcome) = runtime.block_on(async {
        let endpoint = kiosk.bind(LOOPBACK)?;
        let cpu_before = process_cpu_seconds();
        let started = Instant::now();
        let outcome = kiosk.sync_once(&endpoint, &ward.to_string()).await?;
        let elapsed = started.elapsed();
        let cpu = process_cpu_seconds() - cpu_before;
        endpoint.wait_idle().await;
        Ok::<_, anyhow::Error>((elapsed, cpu, outcome))
    })?;
    check_finished(&outcome, "initial_push_10k")?;
    let stored = store_of(&world, "ward")?.copy_count()?;
    if stored != copies {
        bail!("initial_push_10k: the ward holds {stored} copies, not {copies}");
    }
    Ok(Push {
        seconds: elapsed.as_secs_f64(),
        cpu_seconds: cpu,
        wire_bytes: wire_bytes(&outcome),
    })
}

fn initial_push_10k(root: &Path) -> anyhow::Result<Figure> {
    const COPIES: u64 = 10_000;
    let mut pushes = Vec::with_capacity(INITIAL_PUSHES);
    for run in 1..=INITIAL_PUSHES {
        pushes.push(initial_push_once(&root.join(format!("run-{run}")), COPIES)?);
    }
    let round = |value: f64, places: i32| {
        let scale = 10f64.powi(places);
        (value * scale).round() / scale
    };
    let mut seconds: Vec<f64> = pushes.iter().map(|push| push.seconds).collect();
    let mut cpu: Vec<f64> = pushes.iter().map(|push| push.cpu_seconds).collect();
    let runs: Vec<f64> = seconds.iter().map(|value| round(*value, 3)).collect();
    let elapsed = median(&mut seconds);
    let wire = pushes.iter().map(|push| push.wire_bytes).max().unwrap_or(0);
    Ok(Figure::new("initial_push_10k", round(elapsed, 3), "s")
        .with("copies", COPIES)
        .with("runs_s", runs)
        .with("fastest_s", round(seconds[0], 3))
        .with("slowest_s", round(seconds[seconds.len() - 1], 3))
        .with("copies_per_second", (COPIES as f64 / elapsed).round())
        .with("protocol_bytes", wire)
        .with("document_bytes_per_copy", wire / COPIES)
        .with("cpu_seconds_both_nodes_median", round(median(&mut cpu), 2))
        .with("measures", format!("median of {INITIAL_PUSHES} pushes, each from a fresh kiosk to a fresh ward"))
        .with("includes", "QUIC handshake, reconciliation, transfer, verification of every signature, durable SQLite writes")
        .with("target_s", 1.0))
}

/// One round on an open connection: elapsed time, the outcome, and the UDP bytes both ways.
async fn timed_round(
    node: &SyncNode,
    connection: &quinn::Connection,
    peer: bansao_trust::KeyId,
    address: &str,
) -> (Duration, SessionOutcome, u64) {
    let before = connection.stats();
    let started = Instant::now();
    let outcome = node.round(connection, peer, address).await;
    let elapsed = started.elapsed();
    let after = connection.stats();
    let udp =
        (after.udp_tx.bytes - before.udp_tx.bytes) + (after.udp_rx.bytes - before.udp_rx.bytes);
    (elapsed, outcome, udp)
}

/// Both reconnect figures, on one 100,000-copy world held by kiosk and ward alike.
fn reconnects(world: &World, copies: &[bansao_copy::CopyId]) -> anyhow::Result<Vec<Figure>> {
    world.copy_database("kiosk", "ward")?;
    let runtime = runtime()?;
    let ward = serve(&runtime, &world.dir("ward"), Tuning::default())?;
    let kiosk = SyncNode::open(&world.dir("kiosk"))?;
    let address = ward.to_string();
    let large = copies.len();
    runtime.block_on(async {
        let endpoint = kiosk.bind(LOOPBACK)?;
        let started = Instant::now();
        let (connection, peer) = kiosk.connect(&endpoint, &address).await?;
        let handshake = started.elapsed();
        let handshake_stats = connection.stats();
        let handshake_udp = handshake_stats.udp_tx.bytes + handshake_stats.udp_rx.bytes;
        let mut times = Vec::new();
        let mut first = None;
        let mut last_udp = 0;
        for _ in 0..5 {
            let (elapsed, outcome, udp) = timed_round(&kiosk, &connection, peer, &address).await;
            check_finished(&outcome, "reconnect_unchanged")?;
            if outcome.stats.documents_sent + outcome.stats.documents_received > 0 {
                bail!("reconnect_unchanged: documents moved: {:?}", outcome.stats);
            }
            times.push(elapsed.as_secs_f64() * 1000.0);
            last_udp = udp;
            first.get_or_insert((elapsed, outcome, udp));
        }
        let Some((first_time, first_outcome, first_udp)) = first else {
            bail!("no round ran");
        };
        let unchanged = Figure::new("reconnect_unchanged_100k", wire_bytes(&first_outcome) as f64, "bytes")
            .with("copies", large as u64)
            .with("round_ms_first", (first_time.as_secs_f64() * 1e4).round() / 10.0)
            .with("round_ms_median_of_5", (median(&mut times) * 10.0).round() / 10.0)
            .with("frames", first_outcome.stats.frames_sent + first_outcome.stats.frames_received)
            .with("reconcile_rounds", first_outcome.stats.reconcile_rounds)
            .with("udp_bytes_first_round", first_udp)
            .with("udp_bytes_fifth_round", last_udp)
            .with("quic_handshake_ms", (handshake.as_secs_f64() * 1e4).round() / 10.0)
            .with("quic_handshake_udp_bytes", handshake_udp)
            .with("measures", "protocol frame bytes of one round on a kept connection (how `bansao run` syncs); UDP bytes add QUIC headers and ACKs, and in the first rounds of a connection quinn's path-MTU probes; the first round builds both sides' reconciliation sets, later rounds reuse them")
            .with("target_bytes", 2048)
            .with("target_ms", 100);

        // Ten copies are approved at the ward; the kiosk's next round brings them down.
        let changed: Vec<_> = copies.iter().step_by(large / 10).take(10).copied().collect();
        let world = world.clone();
        let to_approve = changed.clone();
        tokio::task::spawn_blocking(move || world::approve(&world, "ward", &to_approve)).await??;
        let (elapsed, outcome, udp) = timed_round(&kiosk, &connection, peer, &address).await;
        check_finished(&outcome, "reconnect_10_changed")?;
        if outcome.stats.documents_received != 10 {
            bail!("reconnect_10_changed: {} documents received, not 10", outcome.stats.documents_received);
        }
        let changed_figure = Figure::new("reconnect_10_changed_100k", wire_bytes(&outcome) as f64, "bytes")
            .with("copies", large as u64)
            .with("changed", 10)
            .with("round_ms", (elapsed.as_secs_f64() * 1e4).round() / 10.0)
            .with("udp_bytes_round", udp)
            .with("reconcile_rounds", outcome.stats.reconcile_rounds)
            .with("target_bytes", 25_600);
        connection.close(0u32.into(), b"done");
        endpoint.wait_idle().await;
        Ok(vec![unchanged, changed_figure])
    })
}

fn blobs_lossy_link(root: &Path, scan_count: u64) -> anyhow::Result<Figure> {
    const SCAN_BYTES: usize = 300 * 1024;
    const RATE: u64 = 2_000_000;
    const CUT: Duration = Duration::from_secs(8);
    let world = World::create(root)?;
    let scans: Vec<Vec<u8>> = (0..scan_count)
        .map(|n| random_scan(n + 1, SCAN_BYTES))
        .collect();
    world::issue_bulk(&world, scan_count, &scans)?;
    let total_bytes = scan_count * SCAN_BYTES as u64;
    let chunk = bansao_sync::blobs::CHUNK_SIZE as u64;
    let chunks_needed = scan_count * (SCAN_BYTES as u64).div_ceil(chunk);
    let tuning = Tuning {
        idle_timeout: Duration::from_secs(4),
        keep_alive: Duration::from_secs(1),
        ..Tuning::default()
    };
    let runtime = runtime()?;
    let ward = serve(&runtime, &world.dir("ward"), tuning.clone())?;
    let profile = LinkProfile {
        rate_bits_per_second: RATE,
        one_way_delay: Duration::from_millis(50),
        loss: 0.01,
        queue_bytes: 128 * 1024,
        seed: 7,
    };
    let kiosk = SyncNode::open(&world.dir("kiosk"))?.with_tuning(tuning);
    let ward_db = world.dir("ward").join("bansao.sqlite");
    let expected = Duration::from_secs_f64(total_bytes as f64 * 8.0 / RATE as f64);
    runtime.block_on(async {
        let relay = Relay::start(ward, profile).await?;
        let relay_address = relay.local_addr().to_string();
        let endpoint = kiosk.bind(LOOPBACK)?;
        let started = Instant::now();
        let cut_at = expected.mul_f64(0.4);
        let (mut chunks_sent, mut sessions, mut interrupted) = (0u64, 0u64, 0u64);
        let mut cut_done = false;
        loop {
            let round = kiosk.sync_once(&endpoint, &relay_address);
            tokio::pin!(round);
            let result = if cut_done {
                round.await
            } else {
                tokio::select! {
                    result = &mut round => result,
                    () = tokio::time::sleep(cut_at.saturating_sub(started.elapsed())) => {
                        relay.set_cut(true);
                        let result = round.await;
                        let db = ward_db.clone();
                        interrupted = tokio::task::spawn_blocking(move || {
                            Store::open(&db)?.blob_transfers_in_progress()
                        }).await??;
                        tokio::time::sleep(CUT.saturating_sub(started.elapsed().saturating_sub(cut_at))).await;
                        relay.set_cut(false);
                        cut_done = true;
                        result
                    }
                }
            };
            if let Ok(outcome) = &result {
                sessions += 1;
                chunks_sent += outcome.stats.chunks_sent;
                if outcome.finished && cut_done {
                    break;
                }
            }
            if started.elapsed() > expected * 4 + CUT {
                bail!("blobs_lossy_link: not done after {:?}", started.elapsed());
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let elapsed = started.elapsed();
        let db = ward_db.clone();
        let missing = tokio::task::spawn_blocking(move || {
            Ok::<_, anyhow::Error>(Store::open(&db)?.missing_blobs("00001", 1_000_000)?.len())
        })
        .await??;
        if missing != 0 {
            bail!("blobs_lossy_link: {missing} scans still missing at the ward");
        }
        let up = elapsed.saturating_sub(CUT);
        let goodput = total_bytes as f64 * 8.0 / up.as_secs_f64();
        let resent = chunks_sent.saturating_sub(chunks_needed);
        let stats = relay.stats();
        endpoint.wait_idle().await;
        Ok(Figure::new("blobs_lossy_link", (goodput / RATE as f64 * 1000.0).round() / 10.0, "% of link")
            .with("scans", scan_count)
            .with("scan_bytes", SCAN_BYTES as u64)
            .with("goodput_bits_per_second", goodput.round())
            .with("link", "2 Mbit/s each way, 50 ms one way (100 ms RTT), 1 % loss, 128 KiB drop-tail queue, seed 7")
            .with("cut_seconds", CUT.as_secs())
            .with("elapsed_seconds", (elapsed.as_secs_f64() * 10.0).round() / 10.0)
            .with("sessions", sessions)
            .with("chunks_needed", chunks_needed)
            .with("chunks_sent", chunks_sent)
            .with("chunks_resent", resent)
            .with("scans_interrupted", interrupted)
            .with("chunks_resent_per_interrupted_scan", if interrupted == 0 { 0.0 } else { resent as f64 / interrupted as f64 })
            .with("relay_kiosk_to_ward_dropped_loss", stats.client_to_server.dropped_by_loss)
            .with("relay_kiosk_to_ward_dropped_queue", stats.client_to_server.dropped_by_queue)
            .with("measures", "scan bytes delivered ÷ (elapsed − cut) against the link rate")
            .with("target_percent", 90))
    })
}

pub(crate) fn free_udp_port() -> anyhow::Result<u16> {
    Ok(std::net::UdpSocket::bind(LOOPBACK)?.local_addr()?.port())
}

fn vm_hwm_kib(pid: u32) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .context("no VmHWM in /proc/PID/status")
}

fn ward_rss(world: &World, large: u64) -> anyhow::Result<Figure> {
    // An empty ward (the ward's key and trust, a fresh database), running as `bansao run` in a
    // child process.
    let ward_dir = world.dir("ward-rss");
    let _ = std::fs::remove_dir_all(&ward_dir);
    std::fs::create_dir_all(&ward_dir)?;
    for file in ["bansao.toml", "node.key", "node.cert", "trust.cbor"] {
        std::fs::copy(world.dir("ward").join(file), ward_dir.join(file))?;
    }
    let port = free_udp_port()?;
    world.listen("ward-rss", port)?;
    let exe = std::env::current_exe()?;
    let mut child = std::process::Command::new(exe)
        .args(["run", "--node"])
        .arg(&ward_dir)
        .env("BANSAO_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .spawn()
        .context("cannot start the ward")?;
    let pid = child.id();
    let result = (|| {
        let runtime = runtime()?;
        let kiosk = SyncNode::open(&world.dir("kiosk"))?;
        let address = format!("127.0.0.1:{port}");
        let (elapsed, outcome) = runtime.block_on(async {
            let endpoint = kiosk.bind(LOOPBACK)?;
            // Wait for the ward to listen.
            let mut tries = 0;
            loop {
                match kiosk.connect(&endpoint, &address).await {
                    Ok((connection, _)) => {
                        connection.close(0u32.into(), b"ready");
                        break;
                    }
                    Err(_) if tries < 50 => {
                        tries += 1;
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                    Err(error) => return Err(error.into()),
                }
            }
            let idle_hwm = vm_hwm_kib(pid)?;
            let started = Instant::now();
            let outcome = kiosk.sync_once(&endpoint, &address).await?;
            let elapsed = started.elapsed();
            endpoint.wait_idle().await;
            Ok::<_, anyhow::Error>(((elapsed, idle_hwm), outcome))
        })?;
        check_finished(&outcome, "ward_rss_100k")?;
        let hwm = vm_hwm_kib(pid)?;
        let stored = store_of(world, "ward-rss")?.copy_count()?;
        if stored != large {
            bail!("ward_rss_100k: the ward holds {stored} copies, not {large}");
        }
        Ok(Figure::new(
            "ward_rss_100k",
            (hwm as f64 / 1024.0 * 10.0).round() / 10.0,
            "MiB",
        )
        .with("copies", large)
        .with(
            "ward_hwm_before_sync_mib",
            (elapsed.1 as f64 / 1024.0 * 10.0).round() / 10.0,
        )
        .with(
            "push_seconds",
            (elapsed.0.as_secs_f64() * 10.0).round() / 10.0,
        )
        .with(
            "measures",
            "VmHWM of the ward process (`bansao run`) after taking in every copy",
        )
        .with("target_mib", 150))
    })();
    let _ = child.kill();
    let _ = child.wait();
    result
}

/// The world of `large` copies at the kiosk: generated, or reused from an earlier run kept in
/// the same directory (`--dir D --keep`).
fn large_world(
    dir: &Path,
    large: u64,
    out: &mut dyn Write,
) -> anyhow::Result<(World, Vec<bansao_copy::CopyId>)> {
    let root = dir.join(format!("large-{large}"));
    let ready = root.join("ready");
    if ready.exists() {
        let world = World { root: root.clone() };
        let store = store_of(&world, "kiosk")?;
        let copies = store
            .sync_items("00001")?
            .into_iter()
            .map(|item| item.copy_id)
            .collect::<Vec<_>>();
        if copies.len() as u64 == large {
            return Ok((world, copies));
        }
    }
    let _ = std::fs::remove_dir_all(&root);
    let world = World::create(&root)?;
    let started = Instant::now();
    let copies = world::issue_bulk(&world, large, &[shared_scan()])?;
    let note = format!(
        "{large} copies generated in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    writeln!(out, "{}", serde_json::json!({ "note": note }))?;
    std::fs::write(&ready, b"")?;
    Ok((world, copies))
}

/// Runs the benchmarks `options` selects, printing each figure as it is measured.
pub fn run(options: &BenchOptions, out: &mut dyn Write) -> anyhow::Result<()> {
    for name in &options.only {
        if !NAMES.contains(&name.as_str()) {
            bail!("no benchmark {name:?}; there are: {}", NAMES.join(", "));
        }
    }
    let wanted = |name: &str| options.only.is_empty() || options.only.iter().any(|n| n == name);
    std::fs::create_dir_all(&options.dir)
        .with_context(|| format!("cannot create {}", options.dir.display()))?;
    let result = (|| {
        if wanted("initial_push_10k") {
            initial_push_10k(&options.dir.join("push"))?.print(out)?;
        }
        let large_wanted = [
            "reconnect_unchanged_100k",
            "reconnect_10_changed_100k",
            "ward_rss_100k",
        ]
        .iter()
        .any(|name| wanted(name));
        if large_wanted {
            let (world, copies) = large_world(&options.dir, options.large, out)?;
            if wanted("reconnect_unchanged_100k") || wanted("reconnect_10_changed_100k") {
                for figure in reconnects(&world, &copies)? {
                    if wanted(figure.name) {
                        figure.print(out)?;
                    }
                }
            }
            if wanted("ward_rss_100k") {
                ward_rss(&world, options.large)?.print(out)?;
            }
        }
        if wanted("blobs_lossy_link") {
            blobs_lossy_link(&options.dir.join("blobs"), options.scans)?.print(out)?;
        }
        Ok(())
    })();
    if !options.keep {
        let _ = std::fs::remove_dir_all(&options.dir);
    }
    result
}
