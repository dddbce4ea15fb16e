//! `bansao bench issue` and `bansao bench faces`: the kiosk's figures.
//!
//! - `issue_a4_page`: machine time of one whole kiosk session for a one-page original — an A4
//!   page scanned at 300 dpi (grey paper, grain, a crooked page, JPEG) — through identity (the
//!   card's QR code), the face check against the card's portrait, page checks and OCR,
//!   classification and fields, signing and the durable SQLite commit, the sealed PDF, and the
//!   receipt's ESC/POS bytes written to a file printer. Median over the runs, each step's median
//!   as details. The engines are loaded once before the runs, as a kiosk does at start.
//! - `face_far`, `face_frr`, `face_referral`: error rates of the face check on genuine and
//!   impostor pairs of real photos against simulated ID-card photos at three wear levels
//!   (`bansao_models::evaluation`).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use bansao_hw::camera::SimulatedCamera;
use bansao_hw::image_input::open_image;
use bansao_hw::printer::FilePrinter;
use bansao_hw::scanner::SimulatedScanner;
use bansao_models::evaluation::{WEAR_LEVELS, load_trial_set, measure};
use bansao_models::face_match::FaceVerifier;
use bansao_models::faces::FaceDetector;

use super::{Figure, median};
use bansao_node::kiosk::Kiosk;
use bansao_node::kiosk_shell::perception::{Perception, face_models_dir};
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

/// Runs `issue_a4_page` `runs` times in a fresh world under `dir`.
pub fn run_issue(
    dir: &Path,
    photos: &Path,
    runs: usize,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let world = World::create(dir)?;
    let kiosk_dir = world.dir("kiosk");
    let inputs = dir.join("inputs");
    std::fs::create_dir_all(&inputs)?;
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

/// Measures the face check's error rates on the photos in `photos`.
pub fn run_faces(photos: &Path, models: Option<&Path>, out: &mut dyn Write) -> anyhow::Result<()> {
    let set = load_trial_set(photos).map_err(anyhow::Error::msg)?;
    let models = models.map_or_else(
        || {
            face_models_dir(&crate::kiosk_commands::with_environment(
                &bansao_node::config::KioskSettings::default(),
            ))
        },
        Path::to_path_buf,
    );
    let verifier = FaceVerifier::open(&models)?;
    let mut detector = FaceDetector::new(40)?;
    let rates = measure(&set, &mut detector, &verifier);
    let people = "5 photos of one person, 1 of another (face_recognition 1.3.0 test images)";
    let mut per_wear = Vec::new();
    for (index, wear) in WEAR_LEVELS.iter().enumerate() {
        let trials: Vec<_> = rates.trials.iter().filter(|t| t.wear == index).collect();
        let genuine: Vec<_> = trials.iter().filter(|t| t.genuine).collect();
        let accepted = genuine
            .iter()
            .filter(|t| t.verdict == bansao_models::face_match::FaceVerdict::Same)
            .count();
        let worst_genuine = genuine
            .iter()
            .filter_map(|t| t.distance)
            .fold(0.0f64, f64::max);
        let closest_impostor = trials
            .iter()
            .filter(|t| !t.genuine)
            .filter_map(|t| t.distance)
            .fold(f64::INFINITY, f64::min);
        per_wear.push(serde_json::json!({
            "portrait_px": wear.portrait_width,
            "jpeg_quality": wear.jpeg_quality,
            "genuine_accepted": format!("{accepted}/{}", genuine.len()),
            "largest_genuine_distance": (worst_genuine * 1000.0).round() / 1000.0,
            "smallest_impostor_distance": (closest_impostor * 1000.0).round() / 1000.0,
        }));
    }
    Figure::new("face_far", rates.far(), "ratio")
        .with("false_accepts", rates.false_accepts)
        .with("impostor_trials", rates.impostor)
        .with("set", people)
        .print(out)?;
    Figure::new("face_frr", rates.frr(), "ratio")
        .with("false_rejects", rates.false_rejects)
        .with("genuine_trials", rates.genuine)
        .print(out)?;
    Figure::new("face_referral", rates.genuine_referral_rate(), "ratio")
        .with(
            "meaning",
            "genuine citizens the machine sends to an official (uncertain)",
        )
        .with("by_wear", serde_json::Value::Array(per_wear))
        .print(out)?;
    Ok(())
}
