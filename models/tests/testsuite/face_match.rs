//! Face verification on real photos (the `face_recognition` package's test images, fetched by
//! deploy/setup.sh) against simulated identity-card photos of them: the error rates are printed
//! and held to what BENCHMARKS.md reports.

use std::path::PathBuf;

use bansao_models::evaluation::{LabelledPhoto, load_trial_set, measure};
use bansao_models::face_match::{FaceVerdict, FaceVerifier};
use bansao_models::faces::FaceDetector;

fn photos() -> Vec<LabelledPhoto> {
    load_trial_set(&crate::common::photos_dir()).unwrap_or_else(|error| panic!("{error}"))
}

fn verifier() -> FaceVerifier {
    let dir = PathBuf::from(std::env::var("BANSAO_FACE_MODELS").unwrap());
    FaceVerifier::open(&dir).unwrap()
}

#[test]
fn error_rates_on_simulated_card_photos() {
    let mut detector = FaceDetector::new(40).unwrap();
    let rates = measure(&photos(), &mut detector, &verifier());
    for trial in &rates.trials {
        println!(
            "{:>24} vs card {:>24} wear {} genuine {:5} distance {:?} {:?}",
            trial.live, trial.card, trial.wear, trial.genuine, trial.distance, trial.verdict
        );
    }
    println!(
        "FAR {:.3} FRR {:.3} genuine to official {:.3}",
        rates.far(),
        rates.frr(),
        rates.genuine_referral_rate()
    );
    assert_eq!((rates.genuine, rates.impostor), (60, 30));
    assert_eq!(rates.false_accepts, 0, "an impostor was accepted");
    assert_eq!(rates.false_rejects, 0, "a genuine citizen was refused");
    // A new card read closely: the machine says yes on its own.
    for trial in rates.trials.iter().filter(|t| t.genuine && t.wear == 0) {
        assert_eq!(trial.verdict, FaceVerdict::Same, "{trial:?}");
    }
    // The faded card at arm's length still never passes for Biden, nor Biden for Obama.
    for trial in rates.trials.iter().filter(|t| !t.genuine) {
        assert_eq!(trial.verdict, FaceVerdict::Different, "{trial:?}");
    }
}

#[test]
fn missing_models_are_a_clear_error() {
    let error = FaceVerifier::open(std::path::Path::new("/nonexistent/models")).unwrap_err();
    let text = error.to_string();
    assert!(
        text.contains("shape_predictor_5_face_landmarks.dat") && text.contains("no such file"),
        "{text}"
    );
    // A damaged model is refused before dlib reads it.
    let damaged = tempfile::tempdir().unwrap();
    let models = PathBuf::from(std::env::var("BANSAO_FACE_MODELS").unwrap());
    for file in [
        bansao_models::face_match::LANDMARKS_FILE,
        bansao_models::face_match::DESCRIPTOR_FILE,
    ] {
        let mut bytes = std::fs::read(models.join(file)).unwrap();
        bytes.truncate(bytes.len() / 2);
        std::fs::write(damaged.path().join(file), bytes).unwrap();
    }
    let text = FaceVerifier::open(damaged.path()).unwrap_err().to_string();
    assert!(text.contains("damaged or not the expected model"), "{text}");
}
