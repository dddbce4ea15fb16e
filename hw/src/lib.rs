//! The kiosk's devices.
//!
//! - [`printer`]: the receipt printer — a receipt rendered as a faithful ESC/POS byte stream
//!   (Vietnamese lines as raster images, the QR code native or rastered) and drivers that send
//!   it to a file or device path or a network printer, with the printer's state (ready, paper
//!   out, cover open, offline) as a clear value.
//! - [`qr_reader`]: the citizen's identity QR code from a keyboard-wedge or serial reader, or
//!   decoded from a camera frame; a CCCD card's code read into checked fields.
//! - [`scanner`] and [`camera`]: one page or one frame at a time, from a real device (to come:
//!   SANE and V4L2 behind cargo features) or from image files (simulators);
//! - [`image_input`]: every image taken in is PNG or JPEG, refused above 40 megapixels before
//!   it is decoded, and reported damaged when it is.
//!
//! Still to come (issue 4): SANE and V4L2 drivers, USB and serial printer drivers.

pub mod camera;
pub mod image_input;
pub mod printer;
pub mod qr_reader;
pub mod scanner;
