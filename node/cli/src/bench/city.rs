//! `bansao bench city`: the city's figures (issue 13), on real node directories (real SQLite with
//! `synchronous=FULL`, real keys):
//! - `city_intake_end_to_end`: a ward pushes `copies` approved copies to the city over real QUIC
//!   on loopback; the city (`[city] registration = "automatic"`) verifies and stores them, and
//!   its log round after the session registers each, logs every event (issue, approval,
//!   registration), signs a checkpoint and writes each copy's inclusion proof. Copies per second
//!   from the push's start until the last proof is written (target 20,000/s on 2 cores);
//! - the same work in stages, on a second world whose city is given the ward's database as the
//!   push would bring it (no network), each timed on its own: `city_stage_verify` (every
//!   signature of every copy checked, as intake does), `city_stage_register`,
//!   `city_stage_log_append`, `city_stage_checkpoint`, `city_stage_proofs`;
//! - `tlog_*`: inclusion proof size and verify time at 10 million leaves
//!   (`bansao_tlog::measure`, the log built in memory).

use std::io::Write;
use std::net::SocketAddr;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, bail, ensure};
use bansao_copy::CopyStatus;
use bansao_node::city::City;
use bansao_node::entropy;
use bansao_node::sync::service::{SyncNode, Tuning};
use bansao_store::Store;
use bansao_testkit::world::{self, World};

use crate::bench::{Figure, in_place};

/// What to measure.
#[derive(Debug, Clone)]
pub struct CityBenchOptions {
    /// Where the node directories go.
    pub dir: std::path::PathBuf,
    /// Keep them.
    pub keep: bool,
    /// Copies the ward pushes.
    pub copies: u64,
    /// Leaves of the in-memory log the proofs are measured on (0: skip).
    pub log_leaves: u64,
    /// Inclusion proofs sampled.
    pub samples: usize,
}

/// The issue's target.
const TARGET_COPIES_PER_SECOND: f64 = 20_000.0;

const LOOPBACK: SocketAddr =
    SocketAddr::new(std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST), 0);

/// Runs the city figures.
pub fn run(options: &CityBenchOptions, out: &mut dyn Write) -> anyhow::Result<()> {
    in_place(&options.dir, options.keep, || {
        measure(&options.dir, options, out)
    })
}

fn measure(dir: &Path, options: &CityBenchOptions, out: &mut dyn Write) -> anyhow::Result<()> {
    let machine = format!(
        "{} cores seen by the process",
        std::thread::available_parallelism().map_or(0, |cores| cores.get())
    );
    if options.copies > 0 {
        end_to_end(&dir.join("end-to-end"), options.copies, &machine)?.print(out)?;
        for figure in stages(&dir.join("stages"), options.copies, &machine)? {
            figure.print(out)?;
        }
    }
    if options.log_leaves > 0 {
        let figures =
            bansao_tlog::measure::measure_log(options.log_leaves, options.samples, &Instant::now)?;
        for figure in figures {
            Figure::new(figure.name, figure.value, figure.unit)
                .with("leaves", options.log_leaves)
                .with("samples", options.samples)
                .with("machine", machine.as_str())
                .print(out)?;
        }
    }
    Ok(())
}

/// A world whose ward holds `copies` approved copies and whose city registers automatically.
fn approved_at_ward(root: &Path, copies: u64) -> anyhow::Result<World> {
    let world = World::create(root)?;
    let scan = bansao_testkit::SAMPLE_SCAN.to_vec();
    let ids = world::issue_bulk(&world, copies, std::slice::from_ref(&scan))?;
    world.copy_database("kiosk", "ward")?;
    world::approve(&world, "ward", &ids)?;
    // The scan is at the city already: the figures are about documents.
    Store::open(&world.dir("city").join("bansao.sqlite"))?
        .put_blob(&bansao_copy::PageRef::of(&scan, "image/jpeg"), &scan)?;
    let config = world.dir("city").join("bansao.toml");
    let mut text = std::fs::read_to_string(&config)?;
    text.push_str("\n[city]\nregistration = \"automatic\"\ncheckpoint_interval_seconds = 1\n");
    std::fs::write(&config, text)?;
    Ok(world)
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?)
}

/// Whether every copy is registered at the city and carries its inclusion proof (read on a
/// connection of the bench's own, opened once: opening one checks the migrations).
fn all_registered_with_proofs(store: &Store, copies: u64) -> anyhow::Result<bool> {
    Ok(store.count_with_status(CopyStatus::Registered)? == copies
        && store.log_proofs_wanted(u64::MAX / 2, 1)?.is_empty()
        && store
            .log_head()?
            .is_some_and(|head| head.size >= 3 * copies))
}

fn end_to_end(root: &Path, copies: u64, machine: &str) -> anyhow::Result<Figure> {
    let world = approved_at_ward(root, copies)?;
    let city_dir = world.dir("city");
    let runtime = runtime()?;
    let city = SyncNode::open(&city_dir)?;
    let endpoint = runtime.block_on(async { city.bind(LOOPBACK) })?;
    let address = endpoint.local_addr()?;
    runtime.spawn(async move { city.serve(endpoint).await });
    let ward = SyncNode::open(&world.dir("ward"))?.with_tuning(Tuning::default());

    let started = Instant::now();
    let outcome = runtime.block_on(async {
        let endpoint = ward.bind(LOOPBACK)?;
        let outcome = ward.sync_once(&endpoint, &address.to_string()).await?;
        endpoint.wait_idle().await;
        Ok::<_, anyhow::Error>(outcome)
    })?;
    let pushed = started.elapsed();
    if let Some(error) = &outcome.error {
        bail!("city_intake_end_to_end: the push did not finish: {error}");
    }
    // The city's round runs on after the session: wait for the last proof.
    let patience = Duration::from_secs(3_600);
    let watch = Store::open(&city_dir.join("bansao.sqlite"))?;
    while !all_registered_with_proofs(&watch, copies)? {
        ensure!(
            started.elapsed() < patience,
            "city_intake_end_to_end: the city has not registered and logged {copies} copies after {} s",
            patience.as_secs()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let total = started.elapsed().as_secs_f64();
    let head = watch.log_head()?.context("the city's log")?;
    let rate = copies as f64 / total;
    Ok(Figure::new("city_intake_end_to_end", rate.round(), "copies/s")
        .with("copies", copies)
        .with("total_s", round(total, 3))
        .with("push_s", round(pushed.as_secs_f64(), 3))
        .with("round_after_push_s", round(total - pushed.as_secs_f64(), 3))
        .with("log_leaves", head.size)
        .with(
            "measures",
            "one ward push over QUIC on loopback (handshake, reconciliation, transfer, every signature verified, durable SQLite writes), then the city's automatic round: registration signed per copy, every event logged, a checkpoint, each copy's inclusion proof written; until the last proof is durable",
        )
        .with("machine", machine)
        .with("target", TARGET_COPIES_PER_SECOND))
}

fn stages(root: &Path, copies: u64, machine: &str) -> anyhow::Result<Vec<Figure>> {
    let world = approved_at_ward(root, copies)?;
    // The ward's database as its push would bring it, without the network.
    world.copy_database("ward", "city")?;
    let city_dir = world.dir("city");
    let mut city = City::open(&city_dir)?;

    let trust = city.trust()?;
    let store = Store::open(&city_dir.join("bansao.sqlite"))?;
    let ids = store
        .oldest_copies(CopyStatus::Countersigned, None, usize::MAX)?
        .iter()
        .map(|row| bansao_copy::CopyId::parse(&row.copy_id))
        .collect::<Result<Vec<_>, _>>()?;
    ensure!(ids.len() as u64 == copies, "{} copies to verify", ids.len());
    let actor = entropy::new_actor()?;
    let started = Instant::now();
    let mut signatures = 0usize;
    for batch in ids.chunks(1_000) {
        for bytes in store.copies_bytes(batch)? {
            let bytes = bytes.context("a stored copy")?;
            let document = bansao_copy::CopyDocument::load(&bytes, actor.clone())?;
            let report = bansao_node::copies::status_report(&document, &trust)
                .map_err(|error| anyhow::anyhow!("{error}"))?;
            signatures += 1 + report.decisions.len();
        }
    }
    let verify = started.elapsed().as_secs_f64();
    drop(store);

    let round = city.keep_log_timed(entropy::now(), &Instant::now)?;
    ensure!(
        round.registered.len() as u64 == copies && round.proofs_attached as u64 == copies,
        "the round registered {} and proved {} of {copies} copies",
        round.registered.len(),
        round.proofs_attached
    );
    let times = round.times;
    let per_second = |count: f64, time: Duration| (count / time.as_secs_f64().max(1e-9)).round();
    let sum = verify
        + times.register.as_secs_f64()
        + times.log.as_secs_f64()
        + times.checkpoint.as_secs_f64()
        + times.proofs.as_secs_f64();
    let count = copies as f64;
    Ok(vec![
        Figure::new(
            "city_stage_verify",
            (count / verify.max(1e-9)).round(),
            "copies/s",
        )
        .with("copies", copies)
        .with("signatures", signatures)
        .with("seconds", round_to(verify))
        .with(
            "measures",
            "each stored copy loaded (Automerge) and its status derived: every signature checked under the trust list, as intake does",
        )
        .with("machine", machine),
        Figure::new(
            "city_stage_register",
            per_second(count, times.register),
            "copies/s",
        )
        .with("copies", copies)
        .with("seconds", round_to(times.register.as_secs_f64()))
        .with(
            "measures",
            "City::register's rule per copy (status checked, decision signed, checked to count), each in its own immediate transaction; trust and registrar key read once a round",
        )
        .with("machine", machine),
        Figure::new(
            "city_stage_log_append",
            per_second(round.logged as f64, times.log),
            "events/s",
        )
        .with("events", round.logged)
        .with("copies_per_second", per_second(count, times.log))
        .with("seconds", round_to(times.log.as_secs_f64()))
        .with(
            "measures",
            "each queued copy loaded and its signatures checked again, its events appended with their tiles and root, 500 copies a transaction",
        )
        .with("machine", machine),
        Figure::new(
            "city_stage_checkpoint",
            round_to(times.checkpoint.as_secs_f64() * 1000.0),
            "ms",
        )
        .with("tree_size", round.tree_size)
        .with("machine", machine),
        Figure::new(
            "city_stage_proofs",
            per_second(count, times.proofs),
            "copies/s",
        )
        .with("copies", copies)
        .with("seconds", round_to(times.proofs.as_secs_f64()))
        .with(
            "measures",
            "each registered copy's inclusion proof built from the tiles and written into its document (status derived again), 500 copies a transaction",
        )
        .with("machine", machine),
        Figure::new("city_stages_together", (count / sum).round(), "copies/s")
            .with("copies", copies)
            .with("seconds", round_to(sum))
            .with("measures", "the stages' times added: no network, no sync session")
            .with("machine", machine)
            .with("target", TARGET_COPIES_PER_SECOND),
    ])
}

fn round(value: f64, places: i32) -> f64 {
    let scale = 10f64.powi(places);
    (value * scale).round() / scale
}

fn round_to(value: f64) -> f64 {
    round(value, 3)
}
