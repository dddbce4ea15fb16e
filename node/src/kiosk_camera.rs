//! The camera in front of the citizen, as `[kiosk] camera` names it: none, a V4L2 device, or a
//! simulated one showing a directory's newest image. The kiosk's screen looks at the citizen and
//! reads the card with it; the status screen reads a receipt's QR with it.

use bansao_hw::camera::{Camera, CameraError};
use bansao_hw::image_input::InputImage;

use crate::config::{CameraSetting, KioskSettings};

/// The camera `[kiosk] camera` names (`None`: the kiosk has none).
pub fn configured_camera(settings: &KioskSettings) -> Option<Box<dyn Camera + Send>> {
    camera_for(&settings.camera)
}

/// The camera a setting names (`None` for [`CameraSetting::None`]).
pub fn camera_for(setting: &CameraSetting) -> Option<Box<dyn Camera + Send>> {
    match setting {
        CameraSetting::None => None,
        CameraSetting::V4l2(path) => Some(Box::new(bansao_hw::v4l2_camera::V4l2Camera::new(path))),
        CameraSetting::Files(dir) => Some(Box::new(DirectoryCamera { dir: dir.clone() })),
    }
}

/// The camera a setting names, or, for [`CameraSetting::None`], one that is always absent (a
/// screen step that needs a camera then says so and what to do).
pub fn camera_or_absent(setting: &CameraSetting) -> Box<dyn Camera + Send> {
    camera_for(setting).unwrap_or_else(|| Box::new(NoCamera))
}

/// The camera of a kiosk configured without one: every capture says so.
#[derive(Debug, Clone, Copy)]
pub struct NoCamera;

impl Camera for NoCamera {
    fn name(&self) -> String {
        "no camera ([kiosk] camera = \"none\")".to_owned()
    }

    fn capture(&mut self) -> Result<InputImage, CameraError> {
        Err(CameraError::Absent(
            "this kiosk has no camera configured ([kiosk] camera = \"none\")".to_owned(),
        ))
    }
}

/// A simulated camera whose frame is the last image (in name order) in its directory now: put a
/// photo of a receipt there and the camera shows it.
#[derive(Debug, Clone)]
pub struct DirectoryCamera {
    /// The directory.
    pub dir: std::path::PathBuf,
}

impl Camera for DirectoryCamera {
    fn name(&self) -> String {
        format!("simulated camera {}", self.dir.display())
    }

    fn capture(&mut self) -> Result<InputImage, CameraError> {
        let entries = std::fs::read_dir(&self.dir)
            .map_err(|error| CameraError::Absent(format!("{}: {error}", self.dir.display())))?;
        let newest = entries
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .filter(|path| path.is_file())
            .max()
            .ok_or_else(|| CameraError::Absent(format!("{} is empty", self.dir.display())))?;
        let bytes = std::fs::read(&newest)
            .map_err(|error| CameraError::Failed(format!("{}: {error}", newest.display())))?;
        Ok(bansao_hw::image_input::open_image(bytes)?)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn a_kiosk_without_a_camera_says_so_on_every_capture() {
        let mut camera = camera_or_absent(&CameraSetting::None);
        let error = camera.capture().unwrap_err().to_string();
        assert!(error.contains("[kiosk] camera"), "{error}");
        assert!(camera_for(&CameraSetting::None).is_none());
    }

    #[test]
    fn a_directory_camera_shows_its_newest_image_and_says_when_it_is_empty() {
        let dir = tempfile::tempdir().unwrap();
        let mut camera = DirectoryCamera {
            dir: dir.path().to_owned(),
        };
        assert!(
            camera
                .capture()
                .unwrap_err()
                .to_string()
                .contains("is empty")
        );
        let image = image::RgbImage::from_pixel(8, 6, image::Rgb([200, 10, 10]));
        image.save(dir.path().join("a.png")).unwrap();
        image::RgbImage::from_pixel(4, 3, image::Rgb([0, 0, 0]))
            .save(dir.path().join("b.png"))
            .unwrap();
        let frame = camera.capture().unwrap();
        assert_eq!((frame.width(), frame.height()), (4, 3));
    }
}
