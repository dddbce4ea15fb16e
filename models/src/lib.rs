//! Perception for the kiosk.
//!
//! - [`ocr`]: Vietnamese OCR of scanned pages (Tesseract through leptess), words with their
//!   confidences and positions.
//!
//! Still to come (issue 4): preprocessing (deskew, orientation, binarisation), document
//! classification and field extraction, the Decree 23 checks, face detection (rustface) and
//! verification.

pub mod ocr;
