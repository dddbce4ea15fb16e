//! A real camera through Video4Linux2 (the v4l crate): the kiosk's webcam, asked for 1280 × 720
//! (or whatever the driver gives), MJPEG when it offers it, YUYV otherwise. A few frames are
//! skipped after the stream starts, while the sensor settles its exposure.

use std::path::{Path, PathBuf};

use image::{DynamicImage, ImageFormat, RgbImage};
use v4l::FourCC;
use v4l::buffer::Type;
use v4l::io::mmap::Stream;
use v4l::io::traits::CaptureStream;
use v4l::video::Capture;

use crate::camera::{Camera, CameraError};
use crate::image_input::{InputImage, open_image};

/// Frames dropped after the stream starts (auto-exposure settles).
const SETTLE_FRAMES: usize = 5;

/// A V4L2 camera.
#[derive(Debug, Clone)]
pub struct V4l2Camera {
    path: PathBuf,
}

impl V4l2Camera {
    /// The camera at `path` (e.g. `/dev/video0`).
    pub fn new(path: &Path) -> V4l2Camera {
        V4l2Camera {
            path: path.to_owned(),
        }
    }
}

/// YUYV (4:2:2) to RGB, BT.601.
fn yuyv_to_rgb(data: &[u8], width: u32, height: u32) -> Option<RgbImage> {
    let needed = usize::try_from(u64::from(width) * u64::from(height) * 2).ok()?;
    let data = data.get(..needed)?;
    let mut rgb = Vec::with_capacity(needed / 2 * 3);
    for pair in data.chunks_exact(4) {
        let (y0, u, y1, v) = (
            f32::from(pair[0]),
            f32::from(pair[1]) - 128.0,
            f32::from(pair[2]),
            f32::from(pair[3]) - 128.0,
        );
        for y in [y0, y1] {
            rgb.push((y + 1.402 * v).clamp(0.0, 255.0) as u8);
            rgb.push((y - 0.344 * u - 0.714 * v).clamp(0.0, 255.0) as u8);
            rgb.push((y + 1.772 * u).clamp(0.0, 255.0) as u8);
        }
    }
    RgbImage::from_raw(width, height, rgb)
}

impl Camera for V4l2Camera {
    fn name(&self) -> String {
        format!("V4L2 camera {}", self.path.display())
    }

    fn capture(&mut self) -> Result<InputImage, CameraError> {
        let failed = |error: std::io::Error| CameraError::Failed(error.to_string());
        let device = v4l::Device::with_path(&self.path)
            .map_err(|error| CameraError::Absent(format!("{}: {error}", self.path.display())))?;
        let mut format = device.format().map_err(failed)?;
        format.width = 1280;
        format.height = 720;
        format.fourcc = FourCC::new(b"MJPG");
        let mut format = device.set_format(&format).map_err(failed)?;
        if format.fourcc != FourCC::new(b"MJPG") {
            format.fourcc = FourCC::new(b"YUYV");
            format = device.set_format(&format).map_err(failed)?;
        }
        let mut stream = Stream::with_buffers(&device, Type::VideoCapture, 4).map_err(failed)?;
        for _ in 0..SETTLE_FRAMES {
            stream.next().map_err(failed)?;
        }
        let (data, _) = stream.next().map_err(failed)?;
        let bytes = if format.fourcc == FourCC::new(b"MJPG") {
            data.to_vec()
        } else if format.fourcc == FourCC::new(b"YUYV") {
            let image = yuyv_to_rgb(data, format.width, format.height).ok_or_else(|| {
                CameraError::Failed("a YUYV frame shorter than its format".to_owned())
            })?;
            let mut png = Vec::new();
            DynamicImage::ImageRgb8(image)
                .write_to(&mut std::io::Cursor::new(&mut png), ImageFormat::Png)
                .map_err(|error| CameraError::Failed(error.to_string()))?;
            png
        } else {
            return Err(CameraError::Failed(format!(
                "the camera offers neither MJPEG nor YUYV ({})",
                format.fourcc
            )));
        };
        Ok(open_image(bytes)?)
    }
}

#[cfg(test)]
mod tests {
    use super::yuyv_to_rgb;

    #[test]
    fn yuyv_grey_and_short_frames() {
        // Two pixels of mid grey (Y = 128, no colour).
        let image = yuyv_to_rgb(&[128, 128, 128, 128], 2, 1).unwrap();
        assert_eq!(image.as_raw(), &vec![128u8; 6]);
        assert!(yuyv_to_rgb(&[0, 0], 2, 1).is_none());
    }
}
