//! The kiosk's devices.
//!
//! - [`printer`]: the receipt printer — a receipt rendered as a faithful ESC/POS byte stream
//!   (Vietnamese lines as raster images, the QR code native or rastered) and drivers that send
//!   it to a file or device path or a network printer, with the printer's state (ready, paper
//!   out, cover open, offline) as a clear value.
//!
//! Still to come (issue 4): scanner (SANE), camera (V4L2), QR readers, USB and serial printer
//! drivers, and simulators for the demo.

pub mod printer;
