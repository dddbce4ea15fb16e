//! The perception tests: OCR, page checks, fields, faces and face verification on real images.
//!
//! One test binary for the crate (link time and disk); each module is one concern.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod face_match;
mod faces;
mod fields;
mod ocr;
