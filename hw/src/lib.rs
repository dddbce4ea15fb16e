//! The kiosk's devices.
//!
//! - [`printer`]: the receipt printer — a receipt rendered as a faithful ESC/POS byte stream
//!   (Vietnamese lines as raster images, the QR code native or rastered) and drivers that send
//!   it to a file or device path, a network, USB or serial printer, with the printer's state
//!   (ready, paper out, cover open, offline) as a clear value.
//! - [`qr_reader`]: the citizen's identity QR code from a keyboard-wedge or serial reader, or
//!   decoded from a camera frame; a CCCD card's code read into checked fields.
//! - [`scanner`] and [`camera`]: one page or one frame at a time, from a real device or from
//!   image files (simulators); [`sane_scanner`]: real scanners through SANE's `scanimage`;
//!   `v4l2_camera` (feature `v4l2-camera`): real cameras through Video4Linux2;
//! - [`image_input`]: every image taken in is PNG or JPEG, refused above 40 megapixels before
//!   it is decoded, and reported damaged when it is.

pub mod camera;
pub mod image_input;
pub mod printer;
pub mod qr_reader;
pub mod sane_scanner;
pub mod scanner;
#[cfg(feature = "v4l2-camera")]
pub mod v4l2_camera;
