//! Reading the citizen's identity QR code (CCCD card or the VNeID app's code) at the kiosk.
//!
//! Three kinds of reader, one trait:
//! - a keyboard-wedge or serial reader: each code arrives as one line of text, from standard
//!   input, a serial device node (`/dev/ttyACM0`, configured by udev) or any byte stream —
//!   [`LineQrReader`];
//! - the camera: codes decoded from grey-scale frames with rxing, which reads distorted and
//!   badly lit codes far better than rqrr — [`decode_frame`];
//! - a simulator that hands out prepared codes — [`SimulatedQrReader`].
//!
//! [`cccd`] turns a card's code into checked fields.

pub mod cccd;

use std::collections::VecDeque;
use std::io::BufRead;
use std::sync::mpsc;
use std::time::Duration;

/// Reading failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QrReaderError {
    /// The reader is gone (unplugged, its stream ended).
    #[error("đầu đọc mã QR không còn kết nối (the QR reader is disconnected): {0}")]
    Disconnected(String),
}

/// A QR reader.
pub trait QrReader {
    /// The device, for people.
    fn name(&self) -> String;
    /// The next code read within `timeout` (`None`: nothing was scanned in time).
    fn read(&mut self, timeout: Duration) -> Result<Option<String>, QrReaderError>;
}

/// A reader that types each code as a line: a keyboard-wedge scanner or a serial one.
///
/// The stream is read on a thread of its own, so [`QrReader::read`] can give up after its
/// timeout without losing a code that arrives later.
#[derive(Debug)]
pub struct LineQrReader {
    name: String,
    lines: mpsc::Receiver<Result<String, String>>,
    gone: Option<String>,
}

impl LineQrReader {
    /// Reads codes from `stream`, one per line (blank lines are ignored).
    pub fn new(name: &str, stream: impl BufRead + Send + 'static) -> LineQrReader {
        let (sender, lines) = mpsc::channel();
        std::thread::Builder::new()
            .name("qr-reader".to_owned())
            .spawn(move || {
                for line in stream.lines() {
                    let line = line.map_err(|error| error.to_string());
                    let end = line.is_err();
                    if sender.send(line).is_err() || end {
                        return;
                    }
                }
                let _ = sender.send(Err("the stream ended".to_owned()));
            })
            .map_or_else(
                |error| LineQrReader {
                    name: name.to_owned(),
                    lines: mpsc::channel().1,
                    gone: Some(error.to_string()),
                },
                |_| LineQrReader {
                    name: name.to_owned(),
                    lines,
                    gone: None,
                },
            )
    }

    /// Reads codes from a serial or HID device node, or any file, one per line.
    pub fn open(path: &std::path::Path) -> Result<LineQrReader, QrReaderError> {
        let file = std::fs::File::open(path)
            .map_err(|error| QrReaderError::Disconnected(format!("{}: {error}", path.display())))?;
        Ok(LineQrReader::new(
            &path.display().to_string(),
            std::io::BufReader::new(file),
        ))
    }
}

impl QrReader for LineQrReader {
    fn name(&self) -> String {
        format!("QR reader {}", self.name)
    }

    fn read(&mut self, timeout: Duration) -> Result<Option<String>, QrReaderError> {
        if let Some(reason) = &self.gone {
            return Err(QrReaderError::Disconnected(reason.clone()));
        }
        let deadline = std::time::Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(Ok(line)) => {
                    // Keyboard wedges may end lines with CR; the code is what is between.
                    let code = line.trim_matches(['\r', '\n']).trim();
                    if !code.is_empty() {
                        return Ok(Some(code.to_owned()));
                    }
                }
                Ok(Err(reason)) => {
                    self.gone = Some(reason.clone());
                    return Err(QrReaderError::Disconnected(reason));
                }
                Err(mpsc::RecvTimeoutError::Timeout) => return Ok(None),
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    let reason = "the reader thread stopped".to_owned();
                    self.gone = Some(reason.clone());
                    return Err(QrReaderError::Disconnected(reason));
                }
            }
        }
    }
}

/// The QR code in a grey-scale camera frame (`width × height` bytes, one per pixel), if one
/// can be read.
pub fn decode_frame(luma: Vec<u8>, width: u32, height: u32) -> Option<String> {
    let mut hints = rxing::DecodeHints {
        TryHarder: Some(true),
        ..Default::default()
    };
    rxing::helpers::detect_in_luma_with_hints(
        luma,
        width,
        height,
        Some(rxing::BarcodeFormat::QR_CODE),
        &mut hints,
    )
    .ok()
    .map(|result| result.getText().to_owned())
}

/// Hands out prepared codes, one per read, then nothing (tests and the demo).
#[derive(Debug, Default)]
pub struct SimulatedQrReader {
    codes: VecDeque<String>,
}

impl SimulatedQrReader {
    /// A reader that will "scan" `codes` in order.
    pub fn new(codes: impl IntoIterator<Item = String>) -> SimulatedQrReader {
        SimulatedQrReader {
            codes: codes.into_iter().collect(),
        }
    }
}

impl QrReader for SimulatedQrReader {
    fn name(&self) -> String {
        "simulated QR reader".to_owned()
    }

    fn read(&mut self, _timeout: Duration) -> Result<Option<String>, QrReaderError> {
        Ok(self.codes.pop_front())
    }
}
