//! Face verification: is the face in the live capture the person on the identity card's photo?
//!
//! dlib's ResNet face descriptor (128 numbers, trained so that one person's faces lie within
//! 0.6 of each other) computed on a face aligned by dlib's 5-point landmark model, both from the
//! PyPI package `face_recognition_models` (CC0 / public domain), read from a directory the
//! node's configuration names. The faces themselves come from [`crate::faces`] (rustface).
//!
//! The answer has three values, not two: a card photo is small, printed and often old, so the
//! band between "surely the same" and "surely not" goes to an official instead of becoming a
//! yes. The thresholds and the error rates measured with them are in BENCHMARKS.md.

use std::path::{Path, PathBuf};

use dlib_face_recognition::{
    FaceEncoderNetwork, FaceEncoderTrait, ImageMatrix, LandmarkPredictor, LandmarkPredictorTrait,
    Rectangle,
};
use image::RgbImage;
use sha2::{Digest, Sha256};

use crate::faces::Face;

/// dlib's 5-point landmark model, in the models directory.
pub const LANDMARKS_FILE: &str = "shape_predictor_5_face_landmarks.dat";
/// dlib's ResNet face descriptor model, in the models directory.
pub const DESCRIPTOR_FILE: &str = "dlib_face_recognition_resnet_model_v1.dat";

/// The SHA-256 of each model file. The thresholds are measured with exactly these models, and
/// dlib's C++ deserialiser is not a parser to hand a damaged or foreign file.
const MODEL_SHA256: [(&str, &str); 2] = [
    (
        LANDMARKS_FILE,
        "c4b1e9804792707d3a405c2c16a80a20269e6675021f64a41d30fffafbc41888",
    ),
    (
        DESCRIPTOR_FILE,
        "55533b28a95800a551ba546ba62fe69625c7e95a7061c338adffead08719da30",
    ),
];

/// Distances below this are the same person: stricter than dlib's 0.6 (99.38 % on LFW), since a
/// false accept certifies a copy for the wrong person while an uncertain answer only costs an
/// official's glance.
pub const SAME_BELOW: f64 = 0.50;
/// Distances above this are another person; between the two, an official decides. A worn card
/// photo pushes one person's distances up to ~0.67 (measured, BENCHMARKS.md), so refusing
/// outright at dlib's 0.6 would turn away genuine citizens; up to 0.70 they go to an official.
pub const DIFFERENT_ABOVE: f64 = 0.70;

/// The verifier could not start.
#[derive(Debug, thiserror::Error)]
pub enum FaceMatchError {
    /// A model file is missing or unreadable.
    #[error(
        "không nạp được mô hình so khớp khuôn mặt {path} (cannot load the face verification model): {reason}"
    )]
    Model {
        /// The file.
        path: PathBuf,
        /// dlib's words.
        reason: String,
    },
}

/// A face's descriptor.
#[derive(Debug, Clone, PartialEq)]
pub struct FaceDescriptor(Vec<f64>);

impl FaceDescriptor {
    /// The Euclidean distance between two descriptors (0 = identical).
    pub fn distance(&self, other: &FaceDescriptor) -> f64 {
        self.0
            .iter()
            .zip(&other.0)
            .map(|(a, b)| (a - b) * (a - b))
            .sum::<f64>()
            .sqrt()
    }
}

/// What the comparison says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaceVerdict {
    /// The same person.
    Same,
    /// Cannot tell: an official must look.
    Uncertain,
    /// Another person.
    Different,
}

impl FaceVerdict {
    /// The verdict for a descriptor distance.
    pub fn of_distance(distance: f64) -> FaceVerdict {
        if distance < SAME_BELOW {
            FaceVerdict::Same
        } else if distance <= DIFFERENT_ABOVE {
            FaceVerdict::Uncertain
        } else {
            FaceVerdict::Different
        }
    }
}

/// The two models, loaded once and reused. dlib's networks are not `Sync`: one per worker.
pub struct FaceVerifier {
    landmarks: LandmarkPredictor,
    descriptor: FaceEncoderNetwork,
}

impl std::fmt::Debug for FaceVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FaceVerifier").finish_non_exhaustive()
    }
}

impl FaceVerifier {
    /// Loads the models from `dir` (31 MB), after checking they are the expected files.
    pub fn open(dir: &Path) -> Result<FaceVerifier, FaceMatchError> {
        let load_error = |file: &str, reason: String| FaceMatchError::Model {
            path: dir.join(file),
            reason,
        };
        for (file, expected) in MODEL_SHA256 {
            let bytes = std::fs::read(dir.join(file)).map_err(|error| {
                let reason = if error.kind() == std::io::ErrorKind::NotFound {
                    "không có tệp (no such file)".to_owned()
                } else {
                    error.to_string()
                };
                load_error(file, reason)
            })?;
            if hex::encode(Sha256::digest(&bytes)) != expected {
                return Err(load_error(
                    file,
                    "tệp bị hỏng hoặc không đúng phiên bản (damaged or not the expected model)"
                        .to_owned(),
                ));
            }
        }
        let landmarks_path = dir.join(LANDMARKS_FILE);
        let descriptor_path = dir.join(DESCRIPTOR_FILE);
        let landmarks = LandmarkPredictor::open(&landmarks_path)
            .map_err(|reason| load_error(LANDMARKS_FILE, reason))?;
        let descriptor = FaceEncoderNetwork::open(&descriptor_path)
            .map_err(|reason| load_error(DESCRIPTOR_FILE, reason))?;
        Ok(FaceVerifier {
            landmarks,
            descriptor,
        })
    }

    /// The descriptor of `face` in `image` (aligned on its landmarks, cropped to 150 × 150).
    pub fn describe(&self, image: &RgbImage, face: &Face) -> Option<FaceDescriptor> {
        let (width, height) = (i64::from(image.width()), i64::from(image.height()));
        let rectangle = Rectangle {
            left: i64::from(face.x).clamp(0, width - 1),
            top: i64::from(face.y).clamp(0, height - 1),
            right: (i64::from(face.x) + i64::from(face.width)).clamp(0, width - 1),
            bottom: (i64::from(face.y) + i64::from(face.height)).clamp(0, height - 1),
        };
        if rectangle.width() < 8 || rectangle.height() < 8 {
            return None;
        }
        let matrix = ImageMatrix::from_image(&as_dlib_image(image)?);
        let landmarks = self.landmarks.face_landmarks(&matrix, &rectangle);
        let descriptors = self.descriptor.get_face_encodings(&matrix, &[landmarks], 0);
        descriptors
            .first()
            .map(|encoding| FaceDescriptor(encoding.as_ref().to_vec()))
    }
}

/// The same pixels as the `image` 0.24 buffer dlib's wrapper takes.
fn as_dlib_image(image: &RgbImage) -> Option<dlib_image::RgbImage> {
    dlib_image::RgbImage::from_raw(image.width(), image.height(), image.as_raw().clone())
}
