//! `bansao bench faces`: the face check's error rates, per descriptor model, card wear level
//! and part, on every face the registry packages' photos give (`bansao_models::evaluation`).
//!
//! For each model (`dlib`, `sface`) it prints, per wear level (`new`, `older`, `faded`) and part
//! (`tuning`, `held_out`), under the thresholds chosen on the tuning part (`tuned`) and, for
//! dlib, under the kiosk's current ones (`kiosk`), each under the distance alone and under the
//! kiosk's policy (`policy`: `distance`, `worn_cards_referred`):
//! - `face_far`: impostor pairs accepted, with the Wilson 95 % bounds and the pair and identity
//!   counts;
//! - `face_referral`: genuine pairs the machine does not accept on its own (an official looks);
//! - `face_frr`: genuine pairs the distance alone would refuse;
//!
//! then `face_describe_ms`, the median time to describe one face (landmarks included).
//!
//! SFace is measured only in a build with `--features sface` (it needs tract-onnx, which CI
//! does not build); without it dlib alone is measured and one `face_model_skipped` line says so.

use std::io::Write;
use std::path::Path;
use std::time::Instant;

use bansao_models::evaluation::{
    Descriptor, FaceSample, Part, PartRates, Policy, Thresholds, WEAR_LEVELS, live_frame,
    load_face_samples, pair_distances, part_rates, tune,
};
use bansao_models::face_match::{DIFFERENT_ABOVE, FaceVerifier, SAME_BELOW};
use bansao_models::faces::FaceDetector;
#[cfg(feature = "sface")]
use bansao_models::sface::SfaceVerifier;

use super::{Figure, median};

/// Where `deploy/setup.sh` puts the other packages' photos, relative to the repository.
pub const DEFAULT_EXTRA_PHOTOS: &str = bansao_models::evaluation::EXTRA_PHOTOS_DIR;
/// Where `deploy/setup.sh` puts the SFace model, relative to the repository.
pub const DEFAULT_SFACE_MODELS: &str = ".models/sface";

const WEAR_NAMES: [&str; 3] = ["new", "older", "faded"];

/// Where the photos and models are.
#[derive(Debug, Clone)]
pub struct FaceBenchInputs<'a> {
    /// The `face_recognition` test images.
    pub photos: &'a Path,
    /// The other packages' photos.
    pub extra: &'a Path,
    /// dlib's models.
    pub dlib_models: &'a Path,
    /// SFace's model (read only in a build with the `sface` feature).
    pub sface_models: &'a Path,
}

/// Runs the measurement and prints its figures.
pub fn run(inputs: &FaceBenchInputs<'_>, out: &mut dyn Write) -> anyhow::Result<()> {
    let dlib = FaceVerifier::open(inputs.dlib_models)?;
    #[cfg(feature = "sface")]
    let sface = SfaceVerifier::open(inputs.sface_models)?;
    let mut sample_detector = FaceDetector::new(40)?;
    let samples = load_face_samples(inputs.photos, inputs.extra, &mut sample_detector)
        .map_err(anyhow::Error::msg)?;
    let mut live_detector = FaceDetector::new(60)?;
    let mut card_detector = FaceDetector::new(20)?;
    let models = [
        Descriptor::Dlib(&dlib),
        #[cfg(feature = "sface")]
        Descriptor::Sface(&dlib, &sface),
    ];
    for model in models {
        let pairs = pair_distances(&samples, model, &mut live_detector, &mut card_detector);
        let tuned =
            tune(&pairs).ok_or_else(|| anyhow::anyhow!("no tuning pairs for {}", model.code()))?;
        let mut sets = vec![("tuned", tuned)];
        if matches!(model, Descriptor::Dlib(_)) {
            sets.push((
                "kiosk",
                Thresholds {
                    same_below: SAME_BELOW,
                    different_above: DIFFERENT_ABOVE,
                },
            ));
        }
        for (thresholds_name, thresholds) in sets {
            for policy in [Policy::Distance, Policy::WornCardsReferred] {
                for part in [Part::Tuning, Part::HeldOut] {
                    for (wear, name) in WEAR_NAMES.iter().enumerate() {
                        let rates = part_rates(&samples, &pairs, thresholds, policy, wear, part);
                        print_rates(
                            out,
                            &Context {
                                model: model.code(),
                                thresholds_name,
                                thresholds,
                                policy,
                                part,
                                wear: name,
                                portrait_px: WEAR_LEVELS[wear].portrait_width,
                            },
                            &rates,
                        )?;
                    }
                }
            }
        }
        Figure::new("face_describe_ms", describe_ms(&samples, model), "ms")
            .with("model", model.code())
            .with(
                "meaning",
                "median time to describe one live face (landmarks included)",
            )
            .print(out)?;
    }
    #[cfg(not(feature = "sface"))]
    Figure::new("face_model_skipped", 0.0, "count")
        .with("model", "sface")
        .with("reason", "built without --features sface")
        .print(out)?;
    Ok(())
}

struct Context<'a> {
    model: &'a str,
    thresholds_name: &'a str,
    thresholds: Thresholds,
    policy: Policy,
    part: Part,
    wear: &'a str,
    portrait_px: u32,
}

fn round(value: f64) -> f64 {
    (value * 100_000.0).round() / 100_000.0
}

fn print_rates(
    out: &mut dyn Write,
    context: &Context<'_>,
    rates: &PartRates,
) -> anyhow::Result<()> {
    let base = |name: &'static str, value: f64| {
        Figure::new(name, round(value), "ratio")
            .with("model", context.model)
            .with("thresholds", context.thresholds_name)
            .with("same_below", round(context.thresholds.same_below))
            .with("different_above", round(context.thresholds.different_above))
            .with("policy", context.policy.code())
            .with("part", context.part.code())
            .with("wear", context.wear)
            .with("portrait_px", context.portrait_px)
            .with("identities", rates.identities)
            .with("east_asian_identities", rates.east_asian_identities)
    };
    base("face_far", rates.false_accepts.rate())
        .with("false_accepts", rates.false_accepts.count)
        .with("impostor_pairs", rates.false_accepts.total)
        .with("low_95", round(rates.false_accepts.low))
        .with("high_95", round(rates.false_accepts.high))
        .with(
            "closest_impostor",
            rates
                .closest_impostor
                .map_or(serde_json::Value::Null, |d| round(d).into()),
        )
        .with("pairs_without_distance", rates.undescribed)
        .print(out)?;
    base("face_referral", rates.referred.rate())
        .with("referred", rates.referred.count)
        .with("genuine_pairs", rates.referred.total)
        .with("low_95", round(rates.referred.low))
        .with("high_95", round(rates.referred.high))
        .print(out)?;
    base("face_frr", rates.false_rejects.rate())
        .with("refused_by_distance", rates.false_rejects.count)
        .with("genuine_pairs", rates.false_rejects.total)
        .with("low_95", round(rates.false_rejects.low))
        .with("high_95", round(rates.false_rejects.high))
        .print(out)?;
    Ok(())
}

/// The median time to describe the live face of each sample (up to 20 of them).
fn describe_ms(samples: &[FaceSample], model: Descriptor<'_>) -> f64 {
    let mut times = Vec::new();
    for sample in samples.iter().take(20) {
        let frame = live_frame(sample);
        let Ok(mut detector) = FaceDetector::new(60) else {
            continue;
        };
        let Some(face) = detector
            .detect(&image::DynamicImage::ImageRgb8(frame.clone()).to_luma8())
            .into_iter()
            .next()
        else {
            continue;
        };
        let started = Instant::now();
        let _ = model.describe(&frame, &face);
        times.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    (median(&mut times) * 10.0).round() / 10.0
}
