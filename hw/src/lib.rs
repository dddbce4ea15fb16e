//! The kiosk's devices.
//!
//! - [`printer`]: the receipt printer — a receipt rendered as a faithful ESC/POS byte stream
//!   (Vietnamese lines as raster images, the QR code native or rastered) and drivers that send
//!   it to a file or device path or a network printer, with the printer's state (ready, paper
//!   out, cover open, offline) as a clear value.
//! - [`qr_reader`]: the citizen's identity QR code from a keyboard-wedge or serial reader, or
//!   decoded from a camera frame; a CCCD card's code read into checked fields.
//!
//! Still to come (issue 4): scanner (SANE), camera (V4L2), USB and serial printer drivers, and
//! simulators for the demo.

pub mod printer;
pub mod qr_reader;
