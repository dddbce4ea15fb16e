//! `bansao bench ward`: the official's day at scale, on a real ward directory (real SQLite with
//! `synchronous=FULL`, the official's key unlocked with its passphrase):
//! - `batch_approve_1000`: approving 1,000 clean queued copies, each signed and stored durably on
//!   its own with the next certification number (target ≤ 2 s);
//! - `queue_page_10k`: the server's time for the review queue page (the ward's query and the
//!   rendered HTML, as `GET /queue` serves it) with 10,000 provisional copies waiting
//!   (target ≤ 200 ms).

use std::io::Write;
use std::path::Path;
use std::time::Instant;

use anyhow::{Context, ensure};
use bansao_copy::OfficialId;
use bansao_node::entropy;
use bansao_node::ward::{BatchOutcome, Ward};
use bansao_testkit::world::{self, OFFICIAL_ID, World, official_passphrase};
use bansao_web::pages::Chrome;
use bansao_web::pages::queue::{QueueQuery, render};

use crate::bench::{Figure, in_place, median};

/// What to measure.
#[derive(Debug, Clone)]
pub struct WardBenchOptions {
    /// Where the node directories go.
    pub dir: std::path::PathBuf,
    /// Keep them.
    pub keep: bool,
    /// Copies approved in one batch.
    pub batch: u64,
    /// Copies waiting while the queue page is timed.
    pub waiting: u64,
    /// Renders of the queue page timed.
    pub renders: usize,
}

/// Runs the ward figures.
pub fn run(options: &WardBenchOptions, out: &mut dyn Write) -> anyhow::Result<()> {
    in_place(&options.dir, options.keep, || {
        measure(&options.dir, options, out)
    })
}

fn measure(dir: &Path, options: &WardBenchOptions, out: &mut dyn Write) -> anyhow::Result<()> {
    let world = World::create(dir)?;
    let scan = bansao_testkit::SAMPLE_SCAN.to_vec();
    let ids = world::issue_bulk(&world, options.batch + options.waiting, &[scan])?;
    world.copy_database("kiosk", "ward")?;
    let mut ward = Ward::open(&world.dir("ward"))?;
    let unlocking = Instant::now();
    let official = ward.official(
        &OfficialId::parse(OFFICIAL_ID)?,
        &official_passphrase()?,
        entropy::now(),
    )?;
    let unlock_ms = unlocking.elapsed().as_secs_f64() * 1000.0;

    let batch: Vec<_> = ids
        .iter()
        .take(usize::try_from(options.batch)?)
        .copied()
        .collect();
    let started = Instant::now();
    let outcomes = ward.approve_clean(&batch, &official, 900, entropy::now())?;
    let seconds = started.elapsed().as_secs_f64();
    let approved = outcomes
        .iter()
        .filter(|outcome| matches!(outcome, BatchOutcome::Approved { .. }))
        .count();
    ensure!(
        approved == batch.len(),
        "only {approved} of {} clean copies were approved",
        batch.len()
    );
    let last = outcomes
        .iter()
        .rev()
        .find_map(|outcome| match outcome {
            BatchOutcome::Approved {
                certification_number,
                ..
            } => Some(certification_number.clone()),
            BatchOutcome::Skipped { .. } => None,
        })
        .context("no approval")?;
    Figure::new("batch_approve_1000", seconds, "s")
        .with("copies", approved)
        .with("per_copy_ms", seconds * 1000.0 / approved.max(1) as f64)
        .with("last_number", last)
        .with("unlock_key_ms", unlock_ms)
        .with("target", 2.0)
        .print(out)?;

    let waiting = ward
        .node
        .store
        .count_with_status(bansao_copy::CopyStatus::Provisional)?;
    let chrome = Chrome {
        person: Some(official.name().to_owned()),
        csrf: "0".repeat(64),
        ..Chrome::public(
            ward.commune().name.clone(),
            "/queue",
            bansao_web::pages::WARD_NAV,
        )
    };
    let mut times = Vec::new();
    let mut bytes = 0;
    for _ in 0..options.renders.max(1) + 1 {
        let started = Instant::now();
        let html = render(&ward, &QueueQuery::default(), chrome.clone())
            .map_err(|error| anyhow::anyhow!("{error}"))?;
        times.push(started.elapsed().as_secs_f64() * 1000.0);
        bytes = html.len();
    }
    // The first render warms SQLite's page cache; it is reported apart.
    let first = times.remove(0);
    Figure::new("queue_page_10k", median(&mut times), "ms")
        .with("waiting", waiting)
        .with("rows_shown", bansao_web::pages::queue::PAGE_SIZE)
        .with("html_bytes", bytes)
        .with("first_render_ms", first)
        .with("renders", times.len())
        .with("target", 200.0)
        .print(out)?;
    Ok(())
}
