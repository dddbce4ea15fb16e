//! `bansao bench crash`: the crash lab. Processes are killed with SIGKILL while they issue
//! copies or take them in by sync — at random moments, and (with `strace`, when installed) at
//! the Nth `fsync` (SQLite's commits, the PDF, the receipt) or `pwrite64` (SQLite's page writes
//! inside a transaction) — and after every
//! kill the lab checks what a bad day must not break:
//! - the store opens, passes SQLite's integrity check and `check_contents` (every document,
//!   scan and chain row);
//! - every copy the killed process acknowledged (it prints `ACK <id>` only after
//!   `Kiosk::issue` returned, i.e. after the commit) is there and genuine;
//! - the kiosk's chain has no gap and no fork (sequence numbers 1..n, each once);
//! - at the end, sync resumes: one more round moves every copy to the ward.
//!
//! Figures, one JSON line each:
//! - `crash_issuance`: cycles of one or two issuing processes (two at once in every other
//!   cycle, on one kiosk store) killed at a random moment; acknowledged and lost copies;
//! - `crash_issuance_at_syscalls`: one process per chosen system call, killed at its Nth call;
//! - `crash_sync`: a ward (`bansao run`, a child process) killed while a kiosk pushes copies to
//!   it — in the first cycles at its Nth `fsync` (the commits of received frames), then at random
//!   moments; damaged stores, and whether a last round converges.
//!
//! The issuing child is `bansao bench crash --child-issue NODE` (hidden): it issues the demo's
//! sample copy in a loop, writes each sealed PDF and prints each receipt to a file.

use std::io::{BufRead, BufReader, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use bansao_copy::CopyId;
use bansao_hw::printer::{FilePrinter, ReceiptPrinter};
use bansao_store::Store;
use bansao_trust::TrustContext;
use rand_pcg::Pcg64;
use rand_pcg::rand_core::{Rng, SeedableRng};

use crate::bench::Figure;
use bansao_node::kiosk::{IssueError, Kiosk};
use bansao_node::kiosk_shell::receipt::{receipt_for, render_receipt};
use bansao_node::sync::service::SyncNode;
use bansao_node::{copies, entropy, files};
use bansao_testkit::sample_request;
use bansao_testkit::world::{self, World};

/// What to run.
#[derive(Debug, Clone)]
pub struct CrashOptions {
    /// Where to put the node directories (removed afterwards unless `keep`).
    pub dir: PathBuf,
    /// Keep them.
    pub keep: bool,
    /// Random kills during issuance.
    pub issuance_cycles: u64,
    /// Kills of the ward during sync.
    pub sync_cycles: u64,
    /// Copies the kiosk issues across the sync cycles.
    pub sync_copies: u64,
    /// Chosen system calls: kill at the Nth call for N in 1..=this (0: skip).
    pub syscall_depth: u64,
    /// Seed of the kill times.
    pub seed: u64,
}

/// The child mode: issues copies in a loop until killed; prints `ACK <id>` after each commit.
pub fn child_issue(node: &Path, out: &mut dyn Write) -> anyhow::Result<()> {
    let mut kiosk = Kiosk::open(node)?;
    let artifacts = node.join("artifacts");
    files::remove_partial_files(&artifacts);
    let mut printer = FilePrinter::new(&artifacts.join("receipts.escpos"));
    loop {
        let issued = match kiosk.issue(sample_request(), entropy::now()) {
            Ok(issued) => issued,
            // Another process issued between this one's read of the chain and its commit: the
            // store refused the fork; try again on the new head.
            Err(IssueError::Store(bansao_store::StoreError::ChainMismatch { .. })) => continue,
            Err(error) => return Err(error.into()),
        };
        let copy_id = issued.document.content().copy_id;
        writeln!(out, "ACK {copy_id}")?;
        out.flush()?;
        let pdf = kiosk.render_artifact(&issued.document, &issued.qr_text, entropy::now())?;
        files::write_atomic(&artifacts.join(format!("{copy_id}.pdf")), &pdf, 0o644)?;
        let stream = render_receipt(&receipt_for(&kiosk, &issued), true)?;
        printer.print(&stream)?;
    }
}

/// Runs the lab and prints its figures.
pub fn run(options: &CrashOptions, out: &mut dyn Write) -> anyhow::Result<()> {
    crate::bench::in_place(&options.dir, options.keep, || run_in(options, out))
}

fn run_in(options: &CrashOptions, out: &mut dyn Write) -> anyhow::Result<()> {
    let mut rng = Pcg64::seed_from_u64(options.seed);
    let exe = std::env::current_exe()?;
    if options.issuance_cycles > 0 {
        let world = World::create(&options.dir.join("issuance"))?;
        issuance(&world, &exe, options.issuance_cycles, &mut rng)?.print(out)?;
    }
    let strace = Command::new("strace").arg("-V").output().is_ok();
    if options.syscall_depth > 0 {
        if strace {
            let world = World::create(&options.dir.join("syscalls"))?;
            at_syscalls(&world, &exe, options.syscall_depth)?.print(out)?;
        } else {
            tracing::warn!("strace is not installed: crash_issuance_at_syscalls skipped");
        }
    }
    if options.sync_cycles > 0 {
        let world = World::create(&options.dir.join("sync"))?;
        let at_fsync = if strace {
            options.syscall_depth.min(options.sync_cycles)
        } else {
            0
        };
        sync(
            &world,
            &exe,
            options.sync_cycles,
            options.sync_copies,
            at_fsync,
            &mut rng,
        )?
        .print(out)?;
    }
    Ok(())
}

fn random_below(rng: &mut Pcg64, bound: u64) -> u64 {
    rng.next_u64() % bound.max(1)
}

/// An issuing child: its process and the acknowledgements it printed so far.
struct Issuer {
    child: Child,
    acknowledged: Arc<Mutex<Vec<String>>>,
    reader: std::thread::JoinHandle<()>,
}

fn start_issuer(mut command: Command) -> anyhow::Result<Issuer> {
    use std::os::unix::process::CommandExt;
    let mut child = command
        // Its own process group, so that a kill reaches every process under it (strace's tracee,
        // and the re-executed child `bansao` starts for its thread limit).
        .process_group(0)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .env("BANSAO_LOG", "error")
        .spawn()
        .context("cannot start the issuing process")?;
    let stdout = child.stdout.take().context("no stdout")?;
    let acknowledged = Arc::new(Mutex::new(Vec::new()));
    let reader = std::thread::spawn({
        let acknowledged = acknowledged.clone();
        move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(id) = line.strip_prefix("ACK ")
                    && let Ok(mut acknowledged) = acknowledged.lock()
                {
                    acknowledged.push(id.to_owned());
                }
            }
        }
    });
    Ok(Issuer {
        child,
        acknowledged,
        reader,
    })
}

/// SIGKILL to the process group `child` leads (`kill(1)`: no unsafe code here).
fn kill_group(child: &Child) {
    let _ = Command::new("kill")
        .args(["-KILL", "--", &format!("-{}", child.id())])
        .stderr(Stdio::null())
        .status();
}

fn issuing_command(exe: &Path, node: &Path) -> Command {
    let mut command = Command::new(exe);
    command.args(["bench", "crash", "--child-issue"]).arg(node);
    command
}

/// Kills (SIGKILL) the issuer's whole process group and reaps it; returns what it had
/// acknowledged.
fn kill(mut issuer: Issuer) -> Vec<String> {
    kill_group(&issuer.child);
    let _ = issuer.child.kill();
    let _ = issuer.child.wait();
    let _ = issuer.reader.join();
    issuer
        .acknowledged
        .lock()
        .map(|acknowledged| acknowledged.clone())
        .unwrap_or_default()
}

/// What `store check` finds wrong in node `node`'s store (empty: nothing), and the store.
fn store_problems(node: &Path) -> anyhow::Result<(Store, TrustContext, Vec<String>)> {
    let trust = TrustContext::from_bundle(&files::read(&node.join("trust.cbor"))?)?;
    let mut store = Store::open(&node.join("bansao.sqlite"))?;
    let mut problems = Vec::new();
    if let Err(error) = store.integrity_check() {
        problems.push(format!("integrity check: {error}"));
    }
    let report = store.check_contents(
        |document| copies::document_damage(document, &trust).map(|_| ()),
        entropy::now(),
    )?;
    for damage in &report.damage {
        problems.push(format!(
            "{} {}: {}",
            damage.part.as_str(),
            damage.id,
            damage.reason
        ));
    }
    Ok((store, trust, problems))
}

/// What one check after a kill found wrong (empty: nothing).
fn check_kiosk(node: &Path, acknowledged: &[String]) -> anyhow::Result<Vec<String>> {
    let (store, trust, mut problems) = store_problems(node)?;
    let actor = entropy::new_actor()?;
    for id in acknowledged {
        let copy_id = CopyId::parse(id).map_err(|e| anyhow::anyhow!("{id}: {e}"))?;
        match store.load_copy(copy_id, actor.clone()) {
            Ok(document) => {
                if let Err(reason) = copies::document_damage(&document, &trust) {
                    problems.push(format!("acknowledged copy {id} is damaged: {reason}"));
                }
            }
            Err(error) => problems.push(format!("acknowledged copy {id} is lost: {error}")),
        }
    }
    let head = store.chain_head(world::KIOSK_ID)?;
    let count = store.copy_count()?;
    if head.last_sequence != count {
        problems.push(format!(
            "the chain's head is at {} with {count} copies stored",
            head.last_sequence
        ));
    }
    Ok(problems)
}

fn issuance(world: &World, exe: &Path, cycles: u64, rng: &mut Pcg64) -> anyhow::Result<Figure> {
    let node = world.dir("kiosk");
    let mut acknowledged: Vec<String> = Vec::new();
    let mut problems = Vec::new();
    let mut concurrent_cycles = 0;
    let started = Instant::now();
    for cycle in 0..cycles {
        let processes = if cycle % 2 == 1 { 2 } else { 1 };
        if processes == 2 {
            concurrent_cycles += 1;
        }
        let issuers: Vec<Issuer> = (0..processes)
            .map(|_| start_issuer(issuing_command(exe, &node)))
            .collect::<anyhow::Result<_>>()?;
        // Long enough for a few copies most of the time, short enough to land anywhere.
        std::thread::sleep(Duration::from_millis(30 + random_below(rng, 400)));
        for issuer in issuers {
            acknowledged.extend(kill(issuer));
        }
        for problem in check_kiosk(&node, &acknowledged)? {
            problems.push(format!("cycle {cycle}: {problem}"));
        }
    }
    let resumed = sync_resumes(world)?;
    if !resumed {
        problems.push("the kiosk's copies did not all reach the ward afterwards".to_owned());
    }
    let lost = problems.iter().filter(|p| p.contains("is lost")).count();
    finish(
        Figure::new("crash_issuance", cycles as f64, "cycles")
            .with("concurrent_cycles", concurrent_cycles)
            .with("acknowledged", acknowledged.len())
            .with("lost", lost)
            .with("sync_resumed", resumed)
            .with("seconds", started.elapsed().as_secs_f64().round()),
        problems,
    )
}

fn finish(figure: Figure, problems: Vec<String>) -> anyhow::Result<Figure> {
    let figure = figure.with("problems", problems.len());
    if let Some(first) = problems.first() {
        bail!(
            "{}: {} problems, the first: {first}",
            figure.name,
            problems.len()
        );
    }
    Ok(figure)
}

fn at_syscalls(world: &World, exe: &Path, depth: u64) -> anyhow::Result<Figure> {
    let node = world.dir("kiosk");
    let mut acknowledged: Vec<String> = Vec::new();
    let mut problems = Vec::new();
    let mut killed = 0u64;
    let mut cycles = 0u64;
    // fsync: every durable point (SQLite's commits, the PDF and its folder, the receipt);
    // pwrite64: SQLite's page writes in the middle of a transaction.
    for syscall in ["fsync", "pwrite64"] {
        for nth in 1..=depth {
            cycles += 1;
            let mut command = Command::new("strace");
            command
                .args(["-f", "-qq", "-o", "/dev/null", "-e"])
                .arg(format!("trace={syscall}"))
                .arg("-e")
                .arg(format!("inject={syscall}:signal=KILL:when={nth}"))
                .arg(exe)
                .args(["bench", "crash", "--child-issue"])
                .arg(&node);
            let mut issuer = start_issuer(command)?;
            // strace ends when its tracee is killed; a tracee that never reached its Nth call
            // in time is killed by hand.
            let deadline = Instant::now() + Duration::from_secs(20);
            while issuer.child.try_wait()?.is_none() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(20));
            }
            if issuer.child.try_wait()?.is_some() {
                killed += 1;
            }
            acknowledged.extend(kill(issuer));
            for problem in check_kiosk(&node, &acknowledged)? {
                problems.push(format!("{syscall} #{nth}: {problem}"));
            }
        }
    }
    let resumed = sync_resumes(world)?;
    if !resumed {
        problems.push("the kiosk's copies did not all reach the ward afterwards".to_owned());
    }
    finish(
        Figure::new("crash_issuance_at_syscalls", cycles as f64, "cycles")
            .with("killed_at_the_call", killed)
            .with("acknowledged", acknowledged.len())
            .with("sync_resumed", resumed),
        problems,
    )
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?)
}

const LOOPBACK: SocketAddr =
    SocketAddr::new(std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST), 0);

/// One round kiosk → ward in-process (the ward started here); whether the ward then holds
/// every copy the kiosk holds.
fn sync_resumes(world: &World) -> anyhow::Result<bool> {
    let runtime = runtime()?;
    let ward = SyncNode::open(&world.dir("ward"))?;
    let kiosk = SyncNode::open(&world.dir("kiosk"))?;
    let outcome = runtime.block_on(async {
        let endpoint = ward.bind(LOOPBACK)?;
        let address = endpoint.local_addr()?;
        let serving = ward.clone();
        tokio::spawn(async move { serving.serve(endpoint).await });
        let client = kiosk.bind(LOOPBACK)?;
        let outcome = kiosk.sync_once(&client, &address.to_string()).await?;
        client.wait_idle().await;
        Ok::<_, anyhow::Error>(outcome)
    })?;
    let at_kiosk = Store::open(&world.dir("kiosk").join("bansao.sqlite"))?.copy_count()?;
    let at_ward = Store::open(&world.dir("ward").join("bansao.sqlite"))?.copy_count()?;
    Ok(outcome.finished && at_kiosk == at_ward)
}

fn sync(
    world: &World,
    exe: &Path,
    cycles: u64,
    copies: u64,
    at_fsync: u64,
    rng: &mut Pcg64,
) -> anyhow::Result<Figure> {
    // The kiosk keeps issuing between the ward's crashes, so every cycle has copies to push.
    let per_cycle = (copies / cycles.max(1)).max(1);
    let mut kiosk_issuer = Kiosk::open(&world.dir("kiosk"))?;
    let ward_dir = world.dir("ward");
    let port = crate::bench::sync::free_udp_port()?;
    world.listen("ward", port)?;
    let address = format!("127.0.0.1:{port}");
    let runtime = runtime()?;
    let kiosk = SyncNode::open(&world.dir("kiosk"))?;
    let mut problems = Vec::new();
    let mut rounds_cut = 0u64;
    let started = Instant::now();
    let mut killed_at_fsync = 0u64;
    let mut issued = 0u64;
    for cycle in 0..cycles {
        use std::os::unix::process::CommandExt;
        for _ in 0..per_cycle {
            kiosk_issuer.issue(sample_request(), entropy::now())?;
            issued += 1;
        }
        // The first cycles kill the ward at its Nth fsync (N = 1, 2, ...: its successive
        // commits of received frames), the others at a random moment.
        let mut command = if cycle < at_fsync {
            let mut command = Command::new("strace");
            command
                .args(["-f", "-qq", "-o", "/dev/null", "-e", "trace=fsync", "-e"])
                .arg(format!("inject=fsync:signal=KILL:when={}", cycle + 1))
                .arg(exe);
            command
        } else {
            Command::new(exe)
        };
        let mut ward = command
            .process_group(0)
            .args(["run", "--node"])
            .arg(&ward_dir)
            .env("BANSAO_LOG", "error")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("cannot start the ward")?;
        // A ward under strace is slow: give it time to reach its Nth fsync.
        let kill_after = if cycle < at_fsync {
            Duration::from_secs(3)
        } else {
            Duration::from_millis(100 + random_below(rng, 600))
        };
        let cut = runtime.block_on(async {
            let endpoint = kiosk.bind(LOOPBACK)?;
            let round = async {
                // The ward needs a moment to listen.
                for _ in 0..50 {
                    match kiosk.sync_once(&endpoint, &address).await {
                        Ok(outcome) if outcome.peer.is_some() => return outcome.finished,
                        _ => tokio::time::sleep(Duration::from_millis(50)).await,
                    }
                }
                false
            };
            let cut = tokio::select! {
                finished = round => !finished,
                () = tokio::time::sleep(kill_after) => true,
            };
            endpoint.close(0u32.into(), b"cycle over");
            Ok::<_, anyhow::Error>(cut)
        })?;
        if cycle < at_fsync && ward.try_wait()?.is_some() {
            killed_at_fsync += 1;
        }
        kill_group(&ward);
        let _ = ward.kill();
        let _ = ward.wait();
        if cut {
            rounds_cut += 1;
        }
        let (_, _, found) = store_problems(&ward_dir)?;
        problems.extend(
            found
                .into_iter()
                .map(|problem| format!("cycle {cycle}: {problem}")),
        );
    }
    drop(runtime);
    let converged = sync_resumes(world)?;
    if !converged {
        problems.push("the ward did not hold every copy after a last round".to_owned());
    }
    finish(
        Figure::new("crash_sync", cycles as f64, "cycles")
            .with("copies", issued)
            .with("ward_killed_at_its_nth_fsync", killed_at_fsync)
            .with("rounds_cut", rounds_cut)
            .with("converged", converged)
            .with("seconds", started.elapsed().as_secs_f64().round()),
        problems,
    )
}
