//! The receipt printer.
//!
//! A receipt is rendered once into an ESC/POS byte stream ([`receipt::render`]); a
//! [`ReceiptPrinter`] sends that stream to a device and reports the device's state. Rendering
//! needs no printer, so the stream can be checked byte for byte (the file driver writes exactly
//! it), and a printer that is absent, offline or out of paper is a [`PrinterState`], never a lost
//! copy: the copy is committed before its receipt is printed, and a receipt can be printed again.

pub mod devices;
#[cfg(any(feature = "usb-printer", feature = "serial-printer"))]
pub mod escpos_drivers;
pub mod raster;
pub mod receipt;

pub use devices::{FilePrinter, NetworkPrinter};
#[cfg(feature = "serial-printer")]
pub use escpos_drivers::SerialPrinter;
#[cfg(feature = "usb-printer")]
pub use escpos_drivers::UsbPrinter;
pub use receipt::{Paper, QrMode, Receipt, render, render_slip};

/// What a printer can do right now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrinterState {
    /// Ready to print.
    Ready,
    /// The paper roll is empty.
    PaperOut,
    /// The paper is about to run out (it still prints).
    PaperLow,
    /// The cover is open.
    CoverOpen,
    /// The printer does not answer.
    Offline(String),
}

impl PrinterState {
    /// Words for the citizen and the official, Vietnamese first.
    pub fn label(&self) -> String {
        match self {
            PrinterState::Ready => "Máy in sẵn sàng (printer ready)".to_owned(),
            PrinterState::PaperOut => "Máy in hết giấy (printer out of paper)".to_owned(),
            PrinterState::PaperLow => "Máy in sắp hết giấy (paper low)".to_owned(),
            PrinterState::CoverOpen => "Nắp máy in đang mở (printer cover open)".to_owned(),
            PrinterState::Offline(reason) => {
                format!("Không liên lạc được máy in (printer offline): {reason}")
            }
        }
    }

    /// Whether a receipt can be printed.
    pub fn can_print(&self) -> bool {
        matches!(self, PrinterState::Ready | PrinterState::PaperLow)
    }
}

/// Printing failed or could not be prepared.
#[derive(Debug, thiserror::Error)]
pub enum PrinterError {
    /// The font for Vietnamese lines could not be loaded.
    #[error("cannot use the font {path}: {reason}")]
    Font {
        /// The font file.
        path: String,
        /// Why.
        reason: String,
    },
    /// The QR code could not be drawn.
    #[error("cannot draw the QR code: {0}")]
    Qr(String),
    /// The ESC/POS stream could not be built.
    #[error("cannot build the ESC/POS stream: {0}")]
    EscPos(String),
    /// The printer is not in a state to print.
    #[error("{}", .0.label())]
    NotReady(PrinterState),
    /// Sending to the device failed.
    #[error("cannot send the receipt to {device}: {reason}")]
    Send {
        /// The device.
        device: String,
        /// Why.
        reason: String,
    },
    /// The job was sent but the printer did not confirm it afterwards (it dropped the job,
    /// went offline or ran out of paper while printing): the receipt may not be on paper.
    #[error(
        "Máy in không xác nhận đã in biên nhận ({device}): {reason}. The printer did not confirm the receipt."
    )]
    NotConfirmed {
        /// The device.
        device: String,
        /// Why.
        reason: String,
    },
}

/// A receipt printer.
pub trait ReceiptPrinter {
    /// The device, for people.
    fn name(&self) -> String;
    /// Its state now (asks the device when it can answer).
    fn state(&mut self) -> PrinterState;
    /// Prints one rendered receipt; a printer that is not ready is an error, not a lost job.
    fn print(&mut self, stream: &[u8]) -> Result<(), PrinterError>;
}
