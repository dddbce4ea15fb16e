//! The document scanner: a [`Scanner`] gives one page at a time as an image file (PNG or
//! JPEG, 300 dpi for a real scanner), or a clear state when it cannot.
//!
//! The simulator reads image files in order (tests and the demo). A SANE driver for real
//! scanners comes behind a cargo feature (it needs libsane).

use std::collections::VecDeque;
use std::path::PathBuf;

use crate::image_input::{ImageInputError, InputImage, open_image};

/// Why a page could not be scanned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScanError {
    /// No scanner is connected.
    #[error("không tìm thấy máy quét (no scanner): {0}")]
    Absent(String),
    /// The feeder or glass is empty.
    #[error("chưa có trang nào trên máy quét (no page on the scanner)")]
    NoPage,
    /// The scanner failed.
    #[error("máy quét gặp lỗi (the scanner failed): {0}")]
    Failed(String),
    /// The scanned image cannot be used.
    #[error(transparent)]
    Image(#[from] ImageInputError),
}

/// A document scanner.
pub trait Scanner {
    /// The device, for people.
    fn name(&self) -> String;
    /// Scans the next page.
    fn scan(&mut self) -> Result<InputImage, ScanError>;
}

/// A scanner that "scans" image files, in order.
#[derive(Debug, Clone)]
pub struct SimulatedScanner {
    pages: VecDeque<PathBuf>,
}

impl SimulatedScanner {
    /// A scanner whose pages are these files.
    pub fn new(pages: impl IntoIterator<Item = PathBuf>) -> SimulatedScanner {
        SimulatedScanner {
            pages: pages.into_iter().collect(),
        }
    }
}

impl Scanner for SimulatedScanner {
    fn name(&self) -> String {
        "simulated scanner".to_owned()
    }

    fn scan(&mut self) -> Result<InputImage, ScanError> {
        let path = self.pages.pop_front().ok_or(ScanError::NoPage)?;
        let bytes = std::fs::read(&path)
            .map_err(|error| ScanError::Failed(format!("{}: {error}", path.display())))?;
        Ok(open_image(bytes)?)
    }
}

/// At most `pages` pages from another scanner, then [`ScanError::NoPage`] (a flatbed scans its
/// glass again on every call: the kiosk asks for as many pages as the citizen has).
#[derive(Debug)]
pub struct TakePages<S> {
    inner: S,
    left: usize,
}

impl<S: Scanner> TakePages<S> {
    /// `inner`, for `pages` pages.
    pub fn new(inner: S, pages: usize) -> TakePages<S> {
        TakePages { inner, left: pages }
    }
}

impl<S: Scanner> Scanner for TakePages<S> {
    fn name(&self) -> String {
        self.inner.name()
    }

    fn scan(&mut self) -> Result<InputImage, ScanError> {
        if self.left == 0 {
            return Err(ScanError::NoPage);
        }
        self.left -= 1;
        self.inner.scan()
    }
}
