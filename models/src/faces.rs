//! Faces in a camera frame or on an identity card's photo: detection with rustface and the
//! SeetaFace frontal model shipped in `models/assets` (BSD-2-Clause, see its licence file).
//!
//! The kiosk needs exactly one face: none or several are clear retry states for the citizen
//! ("look at the camera", "only one person"), never a guess. Verification (the live face
//! against the card's photo) comes on top of this.

use image::GrayImage;
use rustface::{Detector, ImageData};

/// The SeetaFace frontal face detection model (1.2 MB), compiled in.
const MODEL: &[u8] = include_bytes!("../assets/seeta_fd_frontal_v1.0.bin");

/// A detected face: its box in pixels and the detector's score.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Face {
    /// Left edge.
    pub x: i32,
    /// Top edge.
    pub y: i32,
    /// Width.
    pub width: u32,
    /// Height.
    pub height: u32,
    /// Detection score (higher is surer).
    pub score: f64,
}

/// How many faces a frame shows, for the kiosk's face step.
#[derive(Debug, Clone, PartialEq)]
pub enum FaceCount {
    /// No face.
    None,
    /// Exactly one: the one to verify.
    One(Face),
    /// Several faces (their number).
    Several(usize),
}

/// The face detector could not start.
#[derive(Debug, thiserror::Error)]
#[error("không nạp được mô hình nhận diện khuôn mặt (cannot load the face model): {0}")]
pub struct FaceModelError(String);

/// A face detector, reused frame after frame. rustface's detector is not `Send`: each worker
/// thread makes its own.
pub struct FaceDetector {
    detector: Box<dyn Detector>,
}

impl std::fmt::Debug for FaceDetector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FaceDetector").finish_non_exhaustive()
    }
}

impl FaceDetector {
    /// The detector with the bundled model, tuned for faces of at least `min_face` pixels.
    pub fn new(min_face: u32) -> Result<FaceDetector, FaceModelError> {
        let model =
            rustface::read_model(MODEL).map_err(|error| FaceModelError(error.to_string()))?;
        let mut detector = rustface::create_detector_with_model(model);
        detector.set_min_face_size(min_face.max(20));
        detector.set_score_thresh(2.0);
        detector.set_pyramid_scale_factor(0.8);
        detector.set_slide_window_step(4, 4);
        Ok(FaceDetector { detector })
    }

    /// Every face in `image`, best first.
    pub fn detect(&mut self, image: &GrayImage) -> Vec<Face> {
        if image.width() < 20 || image.height() < 20 {
            return Vec::new();
        }
        let data = ImageData::new(image.as_raw(), image.width(), image.height());
        let mut faces: Vec<Face> = self
            .detector
            .detect(&data)
            .into_iter()
            .map(|info| Face {
                x: info.bbox().x(),
                y: info.bbox().y(),
                width: info.bbox().width(),
                height: info.bbox().height(),
                score: info.score(),
            })
            .collect();
        faces.sort_by(|a, b| b.score.total_cmp(&a.score));
        faces
    }

    /// How many faces `image` shows.
    pub fn count(&mut self, image: &GrayImage) -> FaceCount {
        let faces = self.detect(image);
        match faces.as_slice() {
            [] => FaceCount::None,
            [face] => FaceCount::One(*face),
            several => FaceCount::Several(several.len()),
        }
    }
}

/// How sharp the face in `face`'s box is: the variance of the Laplacian of its grey pixels,
/// the box first scaled to 96 × 96 so that a large face and a small one are judged alike (a
/// blurred or washed-out portrait scores low, a crisp frame high).
pub fn face_sharpness(image: &GrayImage, face: &Face) -> f64 {
    let left = face.x.max(0) as u32;
    let top = face.y.max(0) as u32;
    if left >= image.width() || top >= image.height() {
        return 0.0;
    }
    let width = face.width.min(image.width() - left);
    let height = face.height.min(image.height() - top);
    if width < 3 || height < 3 {
        return 0.0;
    }
    let crop = image::imageops::crop_imm(image, left, top, width, height).to_image();
    let side = 96;
    let crop = image::imageops::resize(&crop, side, side, image::imageops::FilterType::Triangle);
    let mut values = Vec::with_capacity(((side - 2) * (side - 2)) as usize);
    for y in 1..side - 1 {
        for x in 1..side - 1 {
            let at = |dx: i32, dy: i32| {
                f64::from(
                    crop.get_pixel((x as i32 + dx) as u32, (y as i32 + dy) as u32)
                        .0[0],
                )
            };
            values.push(at(-1, 0) + at(1, 0) + at(0, -1) + at(0, 1) - 4.0 * at(0, 0));
        }
    }
    let mean = values.iter().sum::<f64>() / values.len() as f64;
    values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / values.len() as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_blurred_face_is_less_sharp_than_the_same_face_crisp() {
        let mut image = GrayImage::new(120, 120);
        for (x, y, pixel) in image.enumerate_pixels_mut() {
            pixel.0 = [if (x / 6 + y / 6) % 2 == 0 { 30 } else { 220 }];
        }
        let face = Face {
            x: 10,
            y: 10,
            width: 100,
            height: 100,
            score: 1.0,
        };
        let blurred = image::imageops::blur(&image, 2.0);
        assert!(face_sharpness(&image, &face) > 2.0 * face_sharpness(&blurred, &face));
    }
}
