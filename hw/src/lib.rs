//! The kiosk's devices: document scanner, camera, receipt printer (ESC/POS) and QR reader.
//!
//! Nothing lives here yet. What will: one small trait per device, real drivers (SANE, V4L2,
//! escpos over USB, network or serial) behind cargo features, and simulators reading image files
//! for tests and `bansao demo`. See issue 4.
