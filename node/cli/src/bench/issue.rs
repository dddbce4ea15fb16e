//! `bansao bench issue`: the kiosk's session time.
//!
//! - `issue_a4_page`: machine time of one whole kiosk session for a one-page original — an A4
//!   page scanned at 300 dpi (grey paper, grain, a crooked page, JPEG) — through identity (the
//!   card's QR code), the face check against the card's portrait, page checks and OCR,
//!   classification and fields, signing and the durable SQLite commit, the sealed PDF, and the
//!   receipt's ESC/POS bytes written to a file printer. Median over the runs, each step's median
//!   as details. The engines are loaded once before the runs, as a kiosk does at start.
//!
//! `bansao bench faces` is in `faces.rs`, `bansao bench screen` in `screen.rs`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use bansao_hw::camera::SimulatedCamera;
use bansao_hw::image_input::open_image;
use bansao_hw::printer::FilePrinter;
use bansao_hw::scanner::SimulatedScanner;

use super::{Figure, median};
use bansao_node::kiosk::Kiosk;
use bansao_node::kiosk_shell::perception::Perception;
use bansao_node::kiosk_shell::{SessionDevices, run_session};
use bansao_testkit::World;
use bansao_testkit::specimens;

/// Where `deploy/setup.sh` puts the face photos, relative to the repository.
pub const DEFAULT_PHOTOS: &str = ".test-data/face_recognition-1.3.0/tests/test_images";

fn read_photo(dir: &Path, name: &str) -> anyhow::Result<Vec<u8>> {
    std::fs::read(dir.join(name)).with_context(|| {
        format!(
            "{} (the face photos come with deploy/setup.sh; or give --photos DIR)",
            dir.join(name).display()
        )
    })
}

/// The inputs of one kiosk session, written into one directory as a simulated kit reads them:
/// the identity card photographed (`cccd.jpg`), the citizen in front of the camera
/// (`camera.jpg`) and a one-page birth certificate scanned at 300 dpi, 0.8° crooked
/// (`page.jpg`).
#[derive(Debug, Clone)]
pub struct SessionInputs {
    /// `cccd.jpg`.
    pub card: PathBuf,
    /// `camera.jpg`.
    pub camera: PathBuf,
    /// `page.jpg`.
    pub scan: PathBuf,
}

/// Writes [`SessionInputs`] into `inputs` (created), the faces from `photos`.
pub fn session_inputs(inputs: &Path, photos: &Path) -> anyhow::Result<SessionInputs> {
    std::fs::create_dir_all(inputs)?;
    let write = |name: &str, bytes: &[u8]| -> anyhow::Result<PathBuf> {
        let path = inputs.join(name);
        std::fs::write(&path, bytes)?;
        Ok(path)
    };
    let portrait = image::load_from_memory(&read_photo(photos, "obama.jpg")?)?;
    let live = image::load_from_memory(&read_photo(photos, "obama2.jpg")?)?;
    let card = write(
        "cccd.jpg",
        &specimens::identity_card_photo(&portrait, specimens::SAMPLE_CCCD_QR)?,
    )?;
    let camera = write("camera.jpg", &specimens::camera_frame(&live)?)?;
    let scan = write(
        "page.jpg",
        &specimens::scanned_a4_page(&specimens::BIRTH_CERTIFICATE_LINES, 0.8)?,
    )?;
    Ok(SessionInputs { card, camera, scan })
}

/// Runs `issue_a4_page` `runs` times in a fresh world under `dir`.
pub fn run_issue(
    dir: &Path,
    photos: &Path,
    runs: usize,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let world = World::create(dir)?;
    let kiosk_dir = world.dir("kiosk");
    let SessionInputs { card, camera, scan } = session_inputs(&dir.join("inputs"), photos)?;
    let receipts = dir.join("receipts.escpos");

    let mut kiosk = Kiosk::open(&kiosk_dir)?;
    let started = Instant::now();
    let mut perception = Perception::open(&crate::kiosk_commands::with_environment(
        &kiosk.settings.devices,
    ))?;
    let load_ms = started.elapsed().as_secs_f64() * 1000.0;
    if let Some(problem) = perception.verifier_problem() {
        anyhow::bail!("the face models are needed for this benchmark: {problem}");
    }
    let card_image = open_image(std::fs::read(&card)?)?;
    let mut totals = Vec::new();
    let mut steps: Vec<(String, Vec<f64>)> = Vec::new();
    let mut issued = 0;
    // One warm-up session (first use of every code path), then the measured ones.
    for run in 0..=runs {
        let devices = SessionDevices {
            scanner: Box::new(SimulatedScanner::new([scan.clone()])),
            camera: Box::new(SimulatedCamera::still([camera.clone()])),
            id_card: Some(card_image.clone()),
            printer: Ok(Box::new(FilePrinter::new(&receipts))),
            corrections: Vec::new(),
            artifacts_dir: Some(dir.join("artifacts")),
        };
        let started = Instant::now();
        let report = run_session(
            &mut kiosk,
            &mut perception,
            devices,
            &bansao_node::entropy::now,
        );
        let total = started.elapsed().as_secs_f64() * 1000.0;
        if report.outcome != "issued" {
            anyhow::bail!(
                "the benchmark session was not issued: {} {:?}",
                report.outcome,
                report.reason
            );
        }
        if run == 0 {
            continue;
        }
        issued += 1;
        totals.push(total);
        for timing in report.timings {
            match steps.iter_mut().find(|(step, _)| *step == timing.step) {
                Some((_, values)) => values.push(timing.ms),
                None => steps.push((timing.step, vec![timing.ms])),
            }
        }
    }
    let mut breakdown = serde_json::Map::new();
    for (step, values) in &mut steps {
        breakdown.insert(
            step.clone(),
            ((median(values) * 10.0).round() / 10.0).into(),
        );
    }
    let mut sorted = totals.clone();
    let median_ms = median(&mut sorted);
    Figure::new("issue_a4_page", median_ms.round(), "ms")
        .with("target_ms", 1500)
        .with("runs", issued)
        .with("min_ms", sorted.first().copied().unwrap_or(0.0).round())
        .with("max_ms", sorted.last().copied().unwrap_or(0.0).round())
        .with("steps_median_ms", serde_json::Value::Object(breakdown))
        .with(
            "page",
            "A4, 300 dpi, 2480x3508 grey JPEG, 0.8 degrees crooked",
        )
        .with("engines_load_ms", load_ms.round())
        .print(out)?;
    Ok(())
}
