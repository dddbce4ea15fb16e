//! Measuring face verification honestly: simulated identity-card photos and the error rates of
//! [`crate::face_match`] on a set of genuine and impostor trials.
//!
//! A citizen's card photo is small, printed, sometimes faded and photographed again by the
//! kiosk; the live capture is a webcam frame. [`card_photo`] makes the first from a portrait (crop
//! around the face, shrink, wash out the colours, blur, heavy JPEG, on a card-coloured ground)
//! and [`webcam_frame`] the second. [`measure`] runs every ordered pair of photos — same person:
//! genuine, different people: impostor — at each degradation level, and counts false accepts
//! (an impostor called the same person), false rejects (a genuine pair called different) and
//! pairs sent to an official.

use std::io::Cursor;

use image::imageops::FilterType;
use image::{DynamicImage, GrayImage, ImageFormat, Rgb, RgbImage};

use crate::face_match::{FaceVerdict, FaceVerifier};
use crate::faces::{Face, FaceCount, FaceDetector};

/// How worn a simulated card photo is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CardWear {
    /// Width of the printed portrait in pixels, as the kiosk's camera sees it.
    pub portrait_width: u32,
    /// Gaussian blur (sigma, pixels).
    pub blur: f32,
    /// JPEG quality of the capture.
    pub jpeg_quality: u8,
    /// How much colour is left (1 = all, 0 = grey).
    pub saturation: f32,
}

/// The three wear levels the figures are measured at: a new card read closely, an older card,
/// and a faded card held at arm's length.
pub const WEAR_LEVELS: [CardWear; 3] = [
    CardWear {
        portrait_width: 200,
        blur: 0.6,
        jpeg_quality: 60,
        saturation: 0.8,
    },
    CardWear {
        portrait_width: 140,
        blur: 1.0,
        jpeg_quality: 40,
        saturation: 0.5,
    },
    CardWear {
        portrait_width: 100,
        blur: 1.3,
        jpeg_quality: 25,
        saturation: 0.2,
    },
];

/// A labelled photo of the trial set.
#[derive(Debug, Clone)]
pub struct LabelledPhoto {
    /// Who is on it.
    pub person: String,
    /// The file name, for reports.
    pub name: String,
    /// The photo.
    pub image: DynamicImage,
}

/// One comparison.
#[derive(Debug, Clone, PartialEq)]
pub struct Trial {
    /// The live photo's name.
    pub live: String,
    /// The card photo's name and wear level (index into [`WEAR_LEVELS`]).
    pub card: String,
    /// Wear level.
    pub wear: usize,
    /// Same person.
    pub genuine: bool,
    /// Descriptor distance, or `None` when a face was not found in one of the two images.
    pub distance: Option<f64>,
    /// The verifier's verdict (no face found counts as [`FaceVerdict::Uncertain`]: the kiosk
    /// retries and then sends the citizen to an official).
    pub verdict: FaceVerdict,
}

/// The error rates over a trial set.
#[derive(Debug, Clone, PartialEq)]
pub struct ErrorRates {
    /// Genuine trials.
    pub genuine: usize,
    /// Impostor trials.
    pub impostor: usize,
    /// Impostor trials answered "same person".
    pub false_accepts: usize,
    /// Genuine trials answered "different person".
    pub false_rejects: usize,
    /// Genuine trials sent to an official (uncertain or no face found).
    pub genuine_to_official: usize,
    /// Impostor trials sent to an official.
    pub impostor_to_official: usize,
    /// Every trial.
    pub trials: Vec<Trial>,
}

impl ErrorRates {
    /// False accept rate: impostors let through.
    pub fn far(&self) -> f64 {
        ratio(self.false_accepts, self.impostor)
    }

    /// False reject rate: genuine citizens refused outright.
    pub fn frr(&self) -> f64 {
        ratio(self.false_rejects, self.genuine)
    }

    /// Genuine citizens who need an official (not refused, but not accepted by the machine).
    pub fn genuine_referral_rate(&self) -> f64 {
        ratio(self.genuine_to_official, self.genuine)
    }
}

fn ratio(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

/// Colours towards grey by `1 - saturation`.
fn wash_out(image: &mut RgbImage, saturation: f32) {
    for pixel in image.pixels_mut() {
        let [r, g, b] = pixel.0.map(f32::from);
        let grey = 0.299 * r + 0.587 * g + 0.114 * b;
        pixel.0 = [r, g, b].map(|c| (grey + (c - grey) * saturation).clamp(0.0, 255.0) as u8);
    }
}

fn jpeg_round_trip(image: &RgbImage, quality: u8) -> RgbImage {
    let mut bytes = Vec::new();
    let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, quality);
    if DynamicImage::ImageRgb8(image.clone())
        .write_with_encoder(encoder)
        .is_err()
    {
        return image.clone();
    }
    image::load_from_memory_with_format(&bytes, ImageFormat::Jpeg)
        .map(|decoded| decoded.to_rgb8())
        .unwrap_or_else(|_| image.clone())
}

/// A simulated photo of an identity card whose portrait was made from `face` in `photo`: a
/// 3 × 4 portrait around the face, worn as `wear` says, printed on a pale card with a few
/// dark bars where the card's text would be, and the card's QR code (black modules on white,
/// any size) in the top right corner when one is given.
pub fn card_photo(
    photo: &DynamicImage,
    face: &Face,
    wear: CardWear,
    qr: Option<&GrayImage>,
) -> RgbImage {
    let rgb = photo.to_rgb8();
    // The portrait: the face with room for hair and shoulders, 3:4.
    let side = f64::from(face.width.max(face.height));
    let centre_x = f64::from(face.x) + f64::from(face.width) / 2.0;
    let centre_y = f64::from(face.y) + f64::from(face.height) / 2.0;
    let (crop_width, crop_height) = (side * 1.8, side * 2.4);
    let left = (centre_x - crop_width / 2.0).max(0.0) as u32;
    let top = (centre_y - crop_height * 0.45).max(0.0) as u32;
    let crop_width = (crop_width as u32).min(rgb.width() - left.min(rgb.width() - 1));
    let crop_height = (crop_height as u32).min(rgb.height() - top.min(rgb.height() - 1));
    let portrait = image::imageops::crop_imm(&rgb, left, top, crop_width, crop_height).to_image();
    let height = (f64::from(wear.portrait_width) * 4.0 / 3.0) as u32;
    let mut portrait =
        image::imageops::resize(&portrait, wear.portrait_width, height, FilterType::Triangle);
    wash_out(&mut portrait, wear.saturation);
    let portrait = image::imageops::blur(&portrait, wear.blur);
    // The card: pale blue-green, the portrait on the left, text bars on the right.
    let margin = wear.portrait_width / 6;
    let (card_width, card_height) = (wear.portrait_width * 3, height + 2 * margin);
    let mut card = RgbImage::from_pixel(card_width, card_height, Rgb([214, 232, 226]));
    image::imageops::replace(&mut card, &portrait, i64::from(margin), i64::from(margin));
    let bar_left = wear.portrait_width + 2 * margin;
    let mut first_bar = 0;
    if let Some(qr) = qr {
        let side = qr.width().min(card_height - 2 * margin);
        let qr = image::imageops::resize(qr, side, side, FilterType::Nearest);
        let qr_left = card_width.saturating_sub(margin + side);
        for (x, y, pixel) in qr.enumerate_pixels() {
            let level = pixel.0[0];
            card.put_pixel(qr_left + x, margin + y, Rgb([level, level, level]));
        }
        first_bar = 6.min(7 * (side + margin) / height.max(1));
    }
    for row in first_bar..6 {
        let top = margin + row * height / 7;
        for y in top..(top + height / 24).min(card_height) {
            for x in bar_left..card_width - margin {
                card.put_pixel(x, y, Rgb([40, 40, 60]));
            }
        }
    }
    jpeg_round_trip(&card, wear.jpeg_quality)
}

/// A webcam-like frame of `photo`: at most 800 pixels on its long side, JPEG at quality 75.
pub fn webcam_frame(photo: &DynamicImage) -> RgbImage {
    let rgb = photo.to_rgb8();
    let long = rgb.width().max(rgb.height());
    let frame = if long > 800 {
        let scale = 800.0 / f64::from(long);
        image::imageops::resize(
            &rgb,
            (f64::from(rgb.width()) * scale) as u32,
            (f64::from(rgb.height()) * scale) as u32,
            FilterType::Triangle,
        )
    } else {
        rgb
    };
    jpeg_round_trip(&frame, 75)
}

/// The one face of `image`, if there is exactly one.
pub fn single_face(detector: &mut FaceDetector, image: &RgbImage) -> Option<Face> {
    let grey: GrayImage = DynamicImage::ImageRgb8(image.clone()).to_luma8();
    match detector.count(&grey) {
        FaceCount::One(face) => Some(face),
        _ => None,
    }
}

/// Runs every ordered pair of different photos at every wear level.
pub fn measure(
    photos: &[LabelledPhoto],
    detector: &mut FaceDetector,
    verifier: &FaceVerifier,
) -> ErrorRates {
    let mut rates = ErrorRates {
        genuine: 0,
        impostor: 0,
        false_accepts: 0,
        false_rejects: 0,
        genuine_to_official: 0,
        impostor_to_official: 0,
        trials: Vec::new(),
    };
    // Live descriptors once per photo.
    let live: Vec<_> = photos
        .iter()
        .map(|photo| {
            let frame = webcam_frame(&photo.image);
            single_face(detector, &frame).and_then(|face| verifier.describe(&frame, &face))
        })
        .collect();
    for (card_index, card_source) in photos.iter().enumerate() {
        let source_face = single_face(detector, &card_source.image.to_rgb8());
        for (wear_index, wear) in WEAR_LEVELS.iter().enumerate() {
            let card_descriptor = source_face.as_ref().and_then(|face| {
                let card = card_photo(&card_source.image, face, *wear, None);
                single_face(detector, &card).and_then(|found| verifier.describe(&card, &found))
            });
            for (live_index, live_photo) in photos.iter().enumerate() {
                if live_index == card_index {
                    continue;
                }
                let genuine = live_photo.person == card_source.person;
                let distance = match (&live[live_index], &card_descriptor) {
                    (Some(a), Some(b)) => Some(a.distance(b)),
                    _ => None,
                };
                let verdict = distance.map_or(FaceVerdict::Uncertain, FaceVerdict::of_distance);
                if genuine {
                    rates.genuine += 1;
                    rates.false_rejects += usize::from(verdict == FaceVerdict::Different);
                    rates.genuine_to_official += usize::from(verdict == FaceVerdict::Uncertain);
                } else {
                    rates.impostor += 1;
                    rates.false_accepts += usize::from(verdict == FaceVerdict::Same);
                    rates.impostor_to_official += usize::from(verdict == FaceVerdict::Uncertain);
                }
                rates.trials.push(Trial {
                    live: live_photo.name.clone(),
                    card: card_source.name.clone(),
                    wear: wear_index,
                    genuine,
                    distance,
                    verdict,
                });
            }
        }
    }
    rates
}

/// The trial set: (person, file) in the `face_recognition` 1.3.0 package's test images — five
/// photos of one person and one of another, all the labelled faces available offline here.
pub const TRIAL_PHOTOS: [(&str, &str); 6] = [
    ("obama", "obama.jpg"),
    ("obama", "obama2.jpg"),
    ("obama", "obama3.jpg"),
    ("obama", "obama_partial_face.jpg"),
    ("obama", "obama_partial_face2.jpg"),
    ("biden", "biden.jpg"),
];

/// Where deploy/setup.sh puts the `face_recognition` package's test images (the trial set and
/// the tests' portraits), from the workspace's root.
pub const PHOTOS_DIR: &str = ".test-data/face_recognition-1.3.0/tests/test_images";

/// Reads the trial set from `dir`; the error names the file that is missing or not a photo.
pub fn load_trial_set(dir: &std::path::Path) -> Result<Vec<LabelledPhoto>, String> {
    TRIAL_PHOTOS
        .iter()
        .map(|(person, name)| {
            let bytes = read_photo_file(dir, name)?;
            load_photo(person, name, &bytes)
                .ok_or_else(|| format!("{} is not a photo", dir.join(name).display()))
        })
        .collect()
}

/// Reads and decodes the photo `name` of `dir` (in [`PHOTOS_DIR`], say); the error names the
/// file that is missing or not a photo.
pub fn read_photo(dir: &std::path::Path, name: &str) -> Result<DynamicImage, String> {
    let bytes = read_photo_file(dir, name)?;
    image::load_from_memory(&bytes)
        .map_err(|error| format!("{}: {error}", dir.join(name).display()))
}

/// The bytes of the photo `name` of `dir`; the error says where the photos come from.
fn read_photo_file(dir: &std::path::Path, name: &str) -> Result<Vec<u8>, String> {
    let path = dir.join(name);
    std::fs::read(&path).map_err(|error| {
        format!(
            "{}: {error} (deploy/setup.sh fetches the face photos)",
            path.display()
        )
    })
}

/// Decodes a photo file for the trial set.
pub fn load_photo(person: &str, name: &str, bytes: &[u8]) -> Option<LabelledPhoto> {
    image::ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .ok()?
        .decode()
        .ok()
        .map(|image| LabelledPhoto {
            person: person.to_owned(),
            name: name.to_owned(),
            image,
        })
}
