//! Perception for the kiosk: Vietnamese OCR (Tesseract through leptess), face detection
//! (rustface) and verification, document classification and field extraction.
//!
//! Nothing lives here yet; the demo issues copies from fields it is given. See issue 4.
