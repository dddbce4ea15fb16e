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
/// official's glance. Not safe on worn cards: the wider measurement's held-out part has
/// impostors at 0.488 (older card) and 0.475 (faded) (BENCHMARKS.md, face check), so on a worn
/// card's portrait ([`portrait_is_worn`]) the kiosk refers a "same" to an official too.
pub const SAME_BELOW: f64 = 0.50;
/// Distances above this are another person; between the two, an official decides. A worn card
/// photo pushes one person's distances up to ~0.67 (measured, BENCHMARKS.md), so refusing
/// outright at dlib's 0.6 would turn away genuine citizens; up to 0.70 they go to an official.
pub const DIFFERENT_ABOVE: f64 = 0.70;

/// A card portrait whose eyes are closer than this many pixels is worn (small, or photographed
/// from afar): on the simulated cards of BENCHMARKS.md the new card has 38–45 px between the
/// eyes, the older one 27–32 and the faded one 19–22.
pub const WORN_EYE_DISTANCE_PX: f64 = 35.0;
/// A card portrait less sharp than this ([`crate::faces::face_sharpness`]) is worn (blurred or
/// faded): measured 95–200 on the new card, 27–43 on the older, 9–22 on the faded.
pub const WORN_SHARPNESS: f64 = 60.0;

/// Whether a card portrait is too worn for its distance to refuse anyone: then a "different"
/// answer goes to an official instead (issue 12: on a faded card 3.9 % of genuine citizens
/// were refused outright).
pub fn portrait_is_worn(eye_distance: f64, sharpness: f64) -> bool {
    eye_distance < WORN_EYE_DISTANCE_PX || sharpness < WORN_SHARPNESS
}

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
    /// A descriptor from its numbers (a model's output).
    pub fn from_values(values: Vec<f64>) -> FaceDescriptor {
        FaceDescriptor(values)
    }

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

/// dlib's five landmarks of a face: the two corners of each eye and the base of the nose, in
/// image pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FaceLandmarks {
    points: [(f64, f64); 5],
}

impl FaceLandmarks {
    /// Landmarks from dlib's five points, in dlib's order (one eye's corners, the other's, the
    /// base of the nose).
    pub fn from_points(points: [(f64, f64); 5]) -> FaceLandmarks {
        FaceLandmarks { points }
    }

    fn eye_centres(&self) -> [(f64, f64); 2] {
        let centre = |a: (f64, f64), b: (f64, f64)| ((a.0 + b.0) / 2.0, (a.1 + b.1) / 2.0);
        let first = centre(self.points[0], self.points[1]);
        let second = centre(self.points[2], self.points[3]);
        if first.0 <= second.0 {
            [first, second]
        } else {
            [second, first]
        }
    }

    /// The centre of the eye on the image's left.
    pub fn left_eye(&self) -> (f64, f64) {
        self.eye_centres()[0]
    }

    /// The centre of the eye on the image's right.
    pub fn right_eye(&self) -> (f64, f64) {
        self.eye_centres()[1]
    }

    /// The base of the nose.
    pub fn nose_base(&self) -> (f64, f64) {
        self.points[4]
    }

    /// The distance between the eye centres, in pixels: how large the face is for the models.
    pub fn eye_distance(&self) -> f64 {
        let [left, right] = self.eye_centres();
        ((right.0 - left.0).powi(2) + (right.1 - left.1).powi(2)).sqrt()
    }

    /// How far the face is turned, 0 (frontal) to 1 (in profile): the nose's offset from the
    /// middle of the eyes, over half the eye distance.
    pub fn turn(&self) -> f64 {
        let [left, right] = self.eye_centres();
        let middle = (left.0 + right.0) / 2.0;
        let half = self.eye_distance() / 2.0;
        if half <= 0.0 {
            return 1.0;
        }
        ((self.points[4].0 - middle).abs() / half).min(1.0)
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
        let rectangle = dlib_rectangle(image, face)?;
        let matrix = ImageMatrix::from_image(&as_dlib_image(image)?);
        let landmarks = self.landmarks.face_landmarks(&matrix, &rectangle);
        let descriptors = self.descriptor.get_face_encodings(&matrix, &[landmarks], 0);
        descriptors
            .first()
            .map(|encoding| FaceDescriptor(encoding.as_ref().to_vec()))
    }

    /// The five landmarks of `face` in `image` (for another model's alignment, and for judging
    /// a frame: face size and turn).
    pub fn landmarks(&self, image: &RgbImage, face: &Face) -> Option<FaceLandmarks> {
        let rectangle = dlib_rectangle(image, face)?;
        let matrix = ImageMatrix::from_image(&as_dlib_image(image)?);
        let landmarks = self.landmarks.face_landmarks(&matrix, &rectangle);
        let points: Vec<(f64, f64)> = landmarks
            .iter()
            .map(|point| (point.x() as f64, point.y() as f64))
            .collect();
        let points: [(f64, f64); 5] = points.try_into().ok()?;
        Some(FaceLandmarks::from_points(points))
    }
}

/// dlib's box for `face`, inside `image`; `None` when too small to describe.
fn dlib_rectangle(image: &RgbImage, face: &Face) -> Option<Rectangle> {
    {
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
        Some(rectangle)
    }
}

/// The same pixels as the `image` 0.24 buffer dlib's wrapper takes.
fn as_dlib_image(image: &RgbImage) -> Option<dlib_image::RgbImage> {
    dlib_image::RgbImage::from_raw(image.width(), image.height(), image.as_raw().clone())
}
