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
//!
//! [`load_face_samples`] and [`pair_distances`] widen the measurement beyond those six photos:
//! every face of the registry packages' photos (group photos included: each face in one is
//! another person, unless [`SAME_PERSON`] says otherwise, and two overlapping detections are
//! one face, [`distinct_faces`]) is a sample, each ordered pair of samples a trial, per wear
//! level and per descriptor model ([`Descriptor`]). The samples fall in two parts, [`Part::Tuning`] and
//! [`Part::HeldOut`]; [`tune`] chooses thresholds on the first alone and [`part_rates`] reports
//! either part with Wilson 95 % bounds ([`wilson`]), under the distance alone or under the
//! kiosk's policy ([`Policy`]: a worn card's portrait decides nothing on its own).

use std::io::Cursor;

use image::imageops::FilterType;
use image::{DynamicImage, GrayImage, ImageFormat, Rgb, RgbImage};

use crate::face_match::{FaceDescriptor, FaceVerdict, FaceVerifier, portrait_is_worn};
use crate::faces::{Face, FaceCount, FaceDetector, face_sharpness};
#[cfg(feature = "sface")]
use crate::sface::SfaceVerifier;

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

/// Where deploy/setup.sh puts the other packages' face photos (group photos of
/// `@vladmandic/face-api` 1.7.15 and `insightface` 2.1), from the workspace's root.
pub const EXTRA_PHOTOS_DIR: &str = ".test-data/faces-extra";

/// Which half of the samples a trial belongs to: thresholds are chosen on [`Part::Tuning`]
/// only, and [`Part::HeldOut`] shows what they do on faces they were not chosen on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Part {
    /// Thresholds are chosen here.
    Tuning,
    /// Never looked at while choosing.
    HeldOut,
}

impl Part {
    /// `tuning` or `held_out`, for reports.
    pub fn code(self) -> &'static str {
        match self {
            Part::Tuning => "tuning",
            Part::HeldOut => "held_out",
        }
    }
}

/// One face of the measurement: whose it is, where it comes from, and its part.
#[derive(Debug, Clone)]
pub struct FaceSample {
    /// The person (a group photo's faces are each a person of their own).
    pub person: String,
    /// The photo and, for a group photo, the face's number in it.
    pub name: String,
    /// Whether the person may be East or Southeast Asian as the package describes the photo
    /// (insightface's `t1.jpg`); only counted, never used to choose.
    pub east_asian: bool,
    /// The part.
    pub part: Part,
    /// The photo the face is in.
    pub photo: DynamicImage,
    /// The face in it.
    pub face: Face,
}

/// Where a single-person photo of the `face_recognition` test images belongs: Obama's six
/// photos are split three and three (they are the only person with several photos), Biden
/// goes with the tuning part.
const SINGLE_PHOTOS: [(&str, &str, Part); 7] = [
    ("obama", "obama.jpg", Part::Tuning),
    ("obama", "obama2.jpg", Part::Tuning),
    ("obama", "obama3.jpg", Part::Tuning),
    ("obama", "obama_partial_face.jpg", Part::HeldOut),
    ("obama", "obama_partial_face2.jpg", Part::HeldOut),
    ("obama", "32bit.png", Part::HeldOut),
    ("biden", "biden.jpg", Part::Tuning),
];

/// The group photos and the lone portrait of the other packages (relative to
/// [`EXTRA_PHOTOS_DIR`]), their part, and whether the package shows East Asian faces there.
const GROUP_PHOTOS: [(&str, Part, bool); 8] = [
    ("face-api/sample1.jpg", Part::Tuning, false),
    ("face-api/sample2.jpg", Part::Tuning, false),
    ("face-api/sample3.jpg", Part::Tuning, false),
    ("face-api/sample4.jpg", Part::HeldOut, false),
    ("face-api/sample5.jpg", Part::HeldOut, false),
    ("face-api/sample6.jpg", Part::HeldOut, false),
    ("insightface/t1.jpg", Part::HeldOut, true),
    ("insightface/Tom_Hanks_54745.png", Part::HeldOut, false),
];

/// Faces of one person in two group photos, by sample name (`photo#detection`): the second
/// sample is given the first one's person. Each pair was looked at, not inferred from the
/// models' distances (which were only what sent us to look).
///
/// - `face-api/sample1.jpg#3` (the smiling woman with long strawberry-blonde hair, right) and
///   `face-api/sample3.jpg#1` (the woman in the middle, hair tied back): the same face — hair
///   colour, brows, nose, mouth and chin — in two photos of what looks like one photographer's
///   series. Counted as two people, they were the closest tuning impostor pair left once
///   [`distinct_faces`] had removed a duplicate (dlib 0.398–0.500, SFace 0.77–1.06 across the
///   wear levels: inside each model's genuine Obama range, while every other tuning impostor is
///   beyond 0.50 and 1.12).
pub const SAME_PERSON: [(&str, &str); 1] = [("face-api/sample1.jpg#3", "face-api/sample3.jpg#1")];

/// The detections of one photo that are faces of their own: a detection whose box overlaps
/// a higher-scoring one's is dropped, since two people's faces do not share pixels in these
/// photos while rustface sometimes finds a second, weaker "face" on the same person (in
/// face-api's `sample1.jpg`, the neck and choker under the left woman's face, score 3.6 against
/// her face's 27: its card portrait showed her face, and the pair was counted as the closest
/// impostor, dlib 0.298). Returns the kept detections with their index in `faces`, so that
/// sample names do not change when a detection is dropped.
pub fn distinct_faces(faces: &[Face]) -> Vec<(usize, Face)> {
    let overlaps = |a: &Face, b: &Face| {
        let left = a.x.max(b.x);
        let right = (a.x + a.width as i32).min(b.x + b.width as i32);
        let top = a.y.max(b.y);
        let bottom = (a.y + a.height as i32).min(b.y + b.height as i32);
        left < right && top < bottom
    };
    faces
        .iter()
        .enumerate()
        .filter(|(index, face)| {
            !faces.iter().enumerate().any(|(other_index, other)| {
                other_index != *index
                    && overlaps(face, other)
                    && (other.score > face.score
                        || (other.score == face.score && other_index < *index))
            })
        })
        .map(|(index, face)| (index, *face))
        .collect()
}

/// Every face of the measurement: the single-person photos of `photos` ([`PHOTOS_DIR`]) with
/// their best face, and each distinct face ([`distinct_faces`]) of at least 40 pixels of the
/// group photos in `extra` ([`EXTRA_PHOTOS_DIR`]), one person each except as [`SAME_PERSON`]
/// says. The error names a missing photo, or a [`SAME_PERSON`] face that was not found.
pub fn load_face_samples(
    photos: &std::path::Path,
    extra: &std::path::Path,
    detector: &mut FaceDetector,
) -> Result<Vec<FaceSample>, String> {
    let mut samples = Vec::new();
    for (person, name, part) in SINGLE_PHOTOS {
        let photo = read_photo(photos, name)?;
        let faces = detector.detect(&photo.to_luma8());
        // The largest face is the person the photo is of (32bit.png has people behind him).
        if let Some(face) = faces
            .into_iter()
            .max_by_key(|face| face.width * face.height)
        {
            samples.push(FaceSample {
                person: person.to_owned(),
                name: name.to_owned(),
                east_asian: false,
                part,
                photo,
                face,
            });
        }
    }
    for (name, part, east_asian) in GROUP_PHOTOS {
        let mut photo = read_photo(extra, name)?;
        if photo.width() < 200 {
            // The 112-pixel aligned portrait: given room around it, as a portrait would have.
            photo = DynamicImage::ImageRgb8(image::imageops::resize(
                &photo.to_rgb8(),
                photo.width() * 3,
                photo.height() * 3,
                FilterType::CatmullRom,
            ));
            photo = DynamicImage::ImageRgb8(pad(&photo.to_rgb8(), photo.width() / 2));
        }
        for (index, face) in distinct_faces(&detector.detect(&photo.to_luma8())) {
            samples.push(FaceSample {
                person: format!("{name}#{index}"),
                name: format!("{name}#{index}"),
                east_asian,
                part,
                photo: photo.clone(),
                face,
            });
        }
    }
    for (first, second) in SAME_PERSON {
        let found = |name: &str| samples.iter().position(|sample| sample.name == name);
        let (Some(first), Some(second)) = (found(first), found(second)) else {
            return Err(format!(
                "{first} or {second} (SAME_PERSON) was not found: the detector's faces changed"
            ));
        };
        samples[second].person = samples[first].person.clone();
    }
    Ok(samples)
}

fn pad(image: &RgbImage, border: u32) -> RgbImage {
    let mut padded = RgbImage::from_pixel(
        image.width() + 2 * border,
        image.height() + 2 * border,
        Rgb([128, 128, 128]),
    );
    image::imageops::replace(&mut padded, image, i64::from(border), i64::from(border));
    padded
}

/// The live frame of a sample: the camera sees that one person, about three face widths
/// across, as a webcam frame ([`webcam_frame`]).
pub fn live_frame(sample: &FaceSample) -> RgbImage {
    let rgb = sample.photo.to_rgb8();
    let side = sample.face.width.max(sample.face.height) * 3;
    let centre_x = sample.face.x + (sample.face.width / 2) as i32;
    let centre_y = sample.face.y + (sample.face.height / 2) as i32;
    let left = (centre_x - (side / 2) as i32).max(0) as u32;
    let top = (centre_y - (side / 2) as i32).max(0) as u32;
    let width = side.min(rgb.width().saturating_sub(left));
    let height = (side * 4 / 3).min(rgb.height().saturating_sub(top));
    let crop = image::imageops::crop_imm(&rgb, left, top, width, height).to_image();
    webcam_frame(&DynamicImage::ImageRgb8(crop))
}

/// A face descriptor model measured here.
#[derive(Debug, Clone, Copy)]
pub enum Descriptor<'a> {
    /// dlib's ResNet.
    Dlib(&'a FaceVerifier),
    /// SFace, aligned on dlib's landmarks (with the `sface` feature).
    #[cfg(feature = "sface")]
    Sface(&'a FaceVerifier, &'a SfaceVerifier),
}

impl Descriptor<'_> {
    /// `dlib` or `sface`, for reports.
    pub fn code(&self) -> &'static str {
        match self {
            Descriptor::Dlib(_) => "dlib",
            #[cfg(feature = "sface")]
            Descriptor::Sface(..) => "sface",
        }
    }

    /// dlib's verifier, whose landmarks every model here aligns on.
    pub fn landmarks(&self) -> &FaceVerifier {
        match self {
            Descriptor::Dlib(verifier) => verifier,
            #[cfg(feature = "sface")]
            Descriptor::Sface(landmarks, _) => landmarks,
        }
    }

    /// The descriptor of `face` in `image`.
    pub fn describe(&self, image: &RgbImage, face: &Face) -> Option<FaceDescriptor> {
        match self {
            Descriptor::Dlib(verifier) => verifier.describe(image, face),
            #[cfg(feature = "sface")]
            Descriptor::Sface(landmarks, sface) => {
                sface.describe(image, &landmarks.landmarks(image, face)?)
            }
        }
    }
}

/// One ordered pair of samples at one wear level: the live frame of `live` against the card
/// made from `card`.
#[derive(Debug, Clone, PartialEq)]
pub struct PairDistance {
    /// Index of the live sample.
    pub live: usize,
    /// Index of the card sample.
    pub card: usize,
    /// Wear level (index into [`WEAR_LEVELS`]).
    pub wear: usize,
    /// Same person.
    pub genuine: bool,
    /// The part both samples are in.
    pub part: Part,
    /// The distance, or `None` when a face was not found or not described.
    pub distance: Option<f64>,
    /// The kiosk would judge the card's portrait worn ([`portrait_is_worn`]; so too when its
    /// face or landmarks were not found).
    pub card_worn: bool,
}

/// The face nearest the middle of `image`: the one the camera is pointed at.
fn centred_face(detector: &mut FaceDetector, image: &RgbImage) -> Option<Face> {
    let (middle_x, middle_y) = (
        f64::from(image.width()) / 2.0,
        f64::from(image.height()) / 2.0,
    );
    let off_centre = |face: &Face| {
        let x = f64::from(face.x) + f64::from(face.width) / 2.0 - middle_x;
        let y = f64::from(face.y) + f64::from(face.height) / 2.0 - middle_y;
        x * x + y * y
    };
    detector
        .detect(&DynamicImage::ImageRgb8(image.clone()).to_luma8())
        .into_iter()
        .min_by(|a, b| off_centre(a).total_cmp(&off_centre(b)))
}

/// Every ordered pair of samples of one part (a sample is never paired with itself, nor
/// across parts), at every wear level, with `model`'s distance. `live_detector` finds faces
/// in live frames, `card_detector` on cards (the kiosk's two).
pub fn pair_distances(
    samples: &[FaceSample],
    model: Descriptor<'_>,
    live_detector: &mut FaceDetector,
    card_detector: &mut FaceDetector,
) -> Vec<PairDistance> {
    let live: Vec<Option<FaceDescriptor>> = samples
        .iter()
        .map(|sample| {
            let frame = live_frame(sample);
            centred_face(live_detector, &frame).and_then(|face| model.describe(&frame, &face))
        })
        .collect();
    let mut pairs = Vec::new();
    for (wear_index, wear) in WEAR_LEVELS.iter().enumerate() {
        let cards: Vec<(Option<FaceDescriptor>, bool)> = samples
            .iter()
            .map(|sample| {
                let card = card_photo(&sample.photo, &sample.face, *wear, None);
                let grey = DynamicImage::ImageRgb8(card.clone()).to_luma8();
                let Some(face) = card_detector.detect(&grey).into_iter().next() else {
                    return (None, true);
                };
                let worn = model
                    .landmarks()
                    .landmarks(&card, &face)
                    .is_none_or(|landmarks| {
                        portrait_is_worn(landmarks.eye_distance(), face_sharpness(&grey, &face))
                    });
                (model.describe(&card, &face), worn)
            })
            .collect();
        for (card_index, card_sample) in samples.iter().enumerate() {
            for (live_index, live_sample) in samples.iter().enumerate() {
                if live_index == card_index || live_sample.part != card_sample.part {
                    continue;
                }
                let (card_descriptor, card_worn) = &cards[card_index];
                let distance = match (&live[live_index], card_descriptor) {
                    (Some(a), Some(b)) => Some(a.distance(b)),
                    _ => None,
                };
                pairs.push(PairDistance {
                    live: live_index,
                    card: card_index,
                    wear: wear_index,
                    genuine: live_sample.person == card_sample.person,
                    part: card_sample.part,
                    distance,
                    card_worn: *card_worn,
                });
            }
        }
    }
    pairs
}

/// Two thresholds on a model's distance: below `same_below` the same person, above
/// `different_above` another, between them an official decides.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    /// Below: the same person.
    pub same_below: f64,
    /// Above: another person.
    pub different_above: f64,
}

impl Thresholds {
    /// The verdict for `distance` (`None`, no face described, is uncertain).
    pub fn verdict(&self, distance: Option<f64>) -> FaceVerdict {
        match distance {
            None => FaceVerdict::Uncertain,
            Some(d) if d < self.same_below => FaceVerdict::Same,
            Some(d) if d <= self.different_above => FaceVerdict::Uncertain,
            Some(_) => FaceVerdict::Different,
        }
    }
}

/// Thresholds chosen on the tuning part alone: "same" stops 5 % short of the closest
/// impostor at any wear level (so no tuning impostor is accepted), "different" starts 5 %
/// beyond the farthest genuine pair (so no tuning genuine citizen is refused), and never below
/// "same".
pub fn tune(pairs: &[PairDistance]) -> Option<Thresholds> {
    let tuning = pairs.iter().filter(|pair| pair.part == Part::Tuning);
    let closest_impostor = tuning
        .clone()
        .filter(|pair| !pair.genuine)
        .filter_map(|pair| pair.distance)
        .min_by(f64::total_cmp)?;
    let farthest_genuine = tuning
        .filter(|pair| pair.genuine)
        .filter_map(|pair| pair.distance)
        .max_by(f64::total_cmp)?;
    let same_below = closest_impostor * 0.95;
    Some(Thresholds {
        same_below,
        different_above: (farthest_genuine * 1.05).max(same_below),
    })
}

/// A proportion with its Wilson 95 % interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Proportion {
    /// How many.
    pub count: usize,
    /// Out of.
    pub total: usize,
    /// Lower bound.
    pub low: f64,
    /// Upper bound.
    pub high: f64,
}

impl Proportion {
    /// `count / total` (0 when there is nothing).
    pub fn rate(&self) -> f64 {
        ratio(self.count, self.total)
    }
}

/// The Wilson score interval at 95 % for `count` of `total` (the whole [0, 1] when `total` is
/// 0): unlike `p ± 1.96 σ` it stays honest at 0 of n, where the upper bound is about 3.8 / n.
pub fn wilson(count: usize, total: usize) -> Proportion {
    if total == 0 {
        return Proportion {
            count,
            total,
            low: 0.0,
            high: 1.0,
        };
    }
    let z = 1.959_963_984_540_054_f64;
    let n = total as f64;
    let p = count as f64 / n;
    let denominator = 1.0 + z * z / n;
    let centre = (p + z * z / (2.0 * n)) / denominator;
    let half = z / denominator * (p * (1.0 - p) / n + z * z / (4.0 * n * n)).sqrt();
    Proportion {
        count,
        total,
        low: if count == 0 {
            0.0
        } else {
            (centre - half).max(0.0)
        },
        high: if count == total {
            1.0
        } else {
            (centre + half).min(1.0)
        },
    }
}

/// How a distance becomes the machine's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    /// The thresholds alone.
    Distance,
    /// The kiosk's: on a worn card's portrait a "same" goes to an official too (as a
    /// "different" does), so only a new card's portrait lets anyone through unseen.
    WornCardsReferred,
}

impl Policy {
    /// `distance` or `worn_cards_referred`, for reports.
    pub fn code(self) -> &'static str {
        match self {
            Policy::Distance => "distance",
            Policy::WornCardsReferred => "worn_cards_referred",
        }
    }

    /// The machine's answer to `pair` under `thresholds`.
    pub fn verdict(self, thresholds: Thresholds, pair: &PairDistance) -> FaceVerdict {
        match (self, thresholds.verdict(pair.distance)) {
            (Policy::WornCardsReferred, FaceVerdict::Same) if pair.card_worn => {
                FaceVerdict::Uncertain
            }
            (_, verdict) => verdict,
        }
    }
}

/// The figures of one model, wear level and part under `thresholds`.
#[derive(Debug, Clone, PartialEq)]
pub struct PartRates {
    /// Impostors accepted.
    pub false_accepts: Proportion,
    /// Genuine citizens the distance alone would refuse (the kiosk refers them instead when
    /// the card is worn).
    pub false_rejects: Proportion,
    /// Genuine citizens sent to an official (uncertain, refused or no face described).
    pub referred: Proportion,
    /// Different people among the pairs.
    pub identities: usize,
    /// Of whom East or Southeast Asian as the package presents them.
    pub east_asian_identities: usize,
    /// Pairs with no distance (a face not found or not described).
    pub undescribed: usize,
    /// The smallest impostor distance.
    pub closest_impostor: Option<f64>,
}

/// The figures of the pairs of `part` at `wear` under `thresholds` and `policy`. A genuine pair
/// is counted refused when the distance alone says "different", whatever the policy.
pub fn part_rates(
    samples: &[FaceSample],
    pairs: &[PairDistance],
    thresholds: Thresholds,
    policy: Policy,
    wear: usize,
    part: Part,
) -> PartRates {
    let chosen: Vec<&PairDistance> = pairs
        .iter()
        .filter(|pair| pair.wear == wear && pair.part == part)
        .collect();
    let verdicts = |genuine: bool| {
        chosen
            .iter()
            .filter(move |pair| pair.genuine == genuine)
            .map(move |pair| policy.verdict(thresholds, pair))
    };
    let genuine = verdicts(true).count();
    let impostor = verdicts(false).count();
    let accepted = verdicts(false)
        .filter(|verdict| *verdict == FaceVerdict::Same)
        .count();
    let refused = verdicts(true)
        .filter(|verdict| *verdict == FaceVerdict::Different)
        .count();
    let referred = verdicts(true)
        .filter(|verdict| *verdict != FaceVerdict::Same)
        .count();
    let people: std::collections::BTreeSet<&str> = samples
        .iter()
        .filter(|sample| sample.part == part)
        .map(|sample| sample.person.as_str())
        .collect();
    let east_asian: std::collections::BTreeSet<&str> = samples
        .iter()
        .filter(|sample| sample.part == part && sample.east_asian)
        .map(|sample| sample.person.as_str())
        .collect();
    PartRates {
        false_accepts: wilson(accepted, impostor),
        false_rejects: wilson(refused, genuine),
        referred: wilson(referred, genuine),
        identities: people.len(),
        east_asian_identities: east_asian.len(),
        undescribed: chosen.iter().filter(|pair| pair.distance.is_none()).count(),
        closest_impostor: chosen
            .iter()
            .filter(|pair| !pair.genuine)
            .filter_map(|pair| pair.distance)
            .min_by(f64::total_cmp),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wilson_bounds_match_published_values() {
        // 0 of 1,000: the upper bound is 0.38 %, not 0.
        let none = wilson(0, 1000);
        assert_eq!(none.low, 0.0);
        assert!((none.high - 0.003_826).abs() < 1e-5, "{none:?}");
        // 10 of 100: [5.52 %, 17.44 %].
        let some = wilson(10, 100);
        assert!((some.low - 0.0552).abs() < 1e-3, "{some:?}");
        assert!((some.high - 0.1744).abs() < 1e-3, "{some:?}");
        assert_eq!(wilson(0, 0).high, 1.0);
    }

    fn face(x: i32, y: i32, side: u32, score: f64) -> Face {
        Face {
            x,
            y,
            width: side,
            height: side,
            score,
        }
    }

    /// The 0.298 "impostor" of the wider set: rustface found sample1.jpg's left woman twice,
    /// her face (score 27) and, overlapping it, her neck (3.6); they were two people.
    #[test]
    fn a_weaker_detection_overlapping_a_face_is_not_another_person() {
        let faces = [
            face(386, 376, 234, 27.2),
            face(822, 440, 220, 25.2),
            face(451, 552, 249, 3.6),
            face(1503, 214, 186, 2.8),
        ];
        let kept: Vec<usize> = distinct_faces(&faces).iter().map(|(i, _)| *i).collect();
        assert_eq!(kept, [0, 1, 3]);
        // Boxes that only touch are two faces; equal scores keep the first.
        let touching = [face(0, 0, 10, 1.0), face(10, 0, 10, 1.0)];
        assert_eq!(distinct_faces(&touching).len(), 2);
        let same = [face(0, 0, 10, 1.0), face(2, 2, 10, 1.0)];
        assert_eq!(distinct_faces(&same), [(0, same[0])]);
    }

    fn pair(genuine: bool, part: Part, distance: f64) -> PairDistance {
        PairDistance {
            live: 0,
            card: 1,
            wear: 0,
            genuine,
            part,
            distance: Some(distance),
            card_worn: false,
        }
    }

    /// Issue 12: the kiosk accepted a close impostor on a worn card (dlib 0.488, older card).
    #[test]
    fn under_the_kiosk_policy_a_close_impostor_on_a_worn_card_is_referred_not_accepted() {
        let thresholds = Thresholds {
            same_below: 0.50,
            different_above: 0.70,
        };
        let worn = PairDistance {
            card_worn: true,
            ..pair(false, Part::HeldOut, 0.488)
        };
        let new = pair(false, Part::HeldOut, 0.488);
        assert_eq!(
            Policy::Distance.verdict(thresholds, &worn),
            FaceVerdict::Same
        );
        assert_eq!(
            Policy::WornCardsReferred.verdict(thresholds, &worn),
            FaceVerdict::Uncertain
        );
        assert_eq!(
            Policy::WornCardsReferred.verdict(thresholds, &new),
            FaceVerdict::Same
        );
        let far = PairDistance {
            card_worn: true,
            ..pair(false, Part::HeldOut, 0.9)
        };
        assert_eq!(
            Policy::WornCardsReferred.verdict(thresholds, &far),
            FaceVerdict::Different,
            "the distance alone still counts a genuine pair refused"
        );
    }

    #[test]
    fn thresholds_are_chosen_on_the_tuning_part_alone() {
        let pairs = [
            pair(true, Part::Tuning, 0.30),
            pair(false, Part::Tuning, 0.60),
            // A held-out impostor closer than any tuning one must not move the threshold.
            pair(false, Part::HeldOut, 0.20),
            pair(true, Part::HeldOut, 0.90),
        ];
        let thresholds = tune(&pairs).expect("thresholds");
        assert!(
            (thresholds.same_below - 0.57).abs() < 1e-9,
            "{thresholds:?}"
        );
        assert!(
            (thresholds.different_above - 0.57).abs() < 1e-9,
            "{thresholds:?}"
        );
    }
}
