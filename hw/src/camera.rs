//! The camera in front of the citizen: a [`Camera`] captures one frame for the face check (or
//! for reading a QR code shown to it).
//!
//! The simulator reads image files in order. A V4L2 driver comes behind a cargo feature.

use std::collections::VecDeque;
use std::path::PathBuf;

use crate::image_input::{ImageInputError, InputImage, open_image};

/// Why no frame could be captured.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CameraError {
    /// No camera is connected.
    #[error("không tìm thấy máy ảnh (no camera): {0}")]
    Absent(String),
    /// The camera failed.
    #[error("máy ảnh gặp lỗi (the camera failed): {0}")]
    Failed(String),
    /// The frame cannot be used.
    #[error(transparent)]
    Image(#[from] ImageInputError),
}

/// A camera.
pub trait Camera {
    /// The device, for people.
    fn name(&self) -> String;
    /// Captures one frame.
    fn capture(&mut self) -> Result<InputImage, CameraError>;
}

/// A camera whose frames are image files, in order; when they run out, the camera is gone (or,
/// made with [`SimulatedCamera::still`], it keeps showing the last one, as a real camera keeps
/// showing a citizen who does not move).
#[derive(Debug, Clone)]
pub struct SimulatedCamera {
    frames: VecDeque<PathBuf>,
    keep_last: bool,
}

impl SimulatedCamera {
    /// A camera that will show these files, then nothing.
    pub fn new(frames: impl IntoIterator<Item = PathBuf>) -> SimulatedCamera {
        SimulatedCamera {
            frames: frames.into_iter().collect(),
            keep_last: false,
        }
    }

    /// A camera that shows these files and then keeps showing the last.
    pub fn still(frames: impl IntoIterator<Item = PathBuf>) -> SimulatedCamera {
        SimulatedCamera {
            frames: frames.into_iter().collect(),
            keep_last: true,
        }
    }
}

impl Camera for SimulatedCamera {
    fn name(&self) -> String {
        "simulated camera".to_owned()
    }

    fn capture(&mut self) -> Result<InputImage, CameraError> {
        let path = if self.keep_last && self.frames.len() == 1 {
            self.frames.front().cloned()
        } else {
            self.frames.pop_front()
        }
        .ok_or_else(|| CameraError::Absent("no more frames".to_owned()))?;
        let bytes = std::fs::read(&path)
            .map_err(|error| CameraError::Failed(format!("{}: {error}", path.display())))?;
        Ok(open_image(bytes)?)
    }
}
