//! Perception for the kiosk.
//!
//! - [`ocr`]: Vietnamese OCR of scanned pages (Tesseract through leptess), words with their
//!   confidences and positions;
//! - [`checks`]: the Decree 23 checks a machine can make on a page (secrecy and no-copying
//!   marks, blank, illegible), with the reason in Vietnamese;
//! - [`faces`]: face detection (rustface, SeetaFace model bundled): none, one or several;
//! - [`face_match`]: the live face against the card's photo (dlib ResNet descriptors): same,
//!   uncertain (an official decides) or different; `sface` (only with the `sface` feature):
//!   the second descriptor measured against it (OpenCV Zoo's SFace, run by tract);
//! - [`fields`]: every labelled value on the page as a field (label as printed, box,
//!   confidence), over [`layout`] (words back into rows and cells), [`vocabulary`] (the
//!   templates' wordings), [`matching`] (OCR-tolerant comparison) and [`normal`] (values in
//!   normal form); [`names`]: names printed in capitals put right where OCR drops their tone
//!   marks; [`gazetteer`]: places put right against Vietnam's administrative units;
//! - [`classify`]: the kind of document, from its title and its fields, with a confidence;
//! - [`binarise`]: a grey scan made black ink on white paper, the threshold following the
//!   paper's own level (grain, shading and blurred strokes);
//! - [`deskew`]: a crooked page measured (projection profiles) and made level;
//! - [`rules`]: a form's ruled lines taken off the page Tesseract reads;
//! - [`frames`], [`tilted_frames`]: boxes standing on their own, level or stamped at a slant
//!   (a secrecy stamp's), read apart;
//! - [`page`]: one scanned page end to end: binarisation, deskew, OCR, upside-down pages,
//!   checks;
//! - [`alteration`]: signs of alteration on a scan (correction fluid over the text).

pub mod alteration;
pub mod binarise;
pub mod checks;
pub mod classify;
pub mod deskew;
/// Face trial sets and their measurement, for benchmarks and tests (feature `testing`).
#[cfg(any(test, feature = "testing"))]
pub mod evaluation;
pub mod face_match;
pub mod faces;
pub mod fields;
pub mod frames;
pub mod gazetteer;
mod labels;
pub mod layout;
pub mod machine_zone;
pub mod matching;
pub mod names;
pub mod normal;
pub mod ocr;
pub mod page;
pub mod rules;
#[cfg(feature = "sface")]
pub mod sface;
pub mod tilted_frames;
pub mod vocabulary;
