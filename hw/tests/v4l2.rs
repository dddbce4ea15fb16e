//! The V4L2 camera without a camera: a clear "absent", never a panic. (No video device exists
//! on the CI machine; the frame conversion is unit-tested in the module.)

#![allow(clippy::unwrap_used)]

use bansao_hw::camera::{Camera, CameraError};
use bansao_hw::v4l2_camera::V4l2Camera;

#[test]
fn a_camera_that_is_not_there_is_absent() {
    let mut camera = V4l2Camera::new(std::path::Path::new("/dev/video-bansao-none"));
    assert_eq!(camera.name(), "V4L2 camera /dev/video-bansao-none");
    match camera.capture() {
        Err(CameraError::Absent(reason)) => assert!(reason.contains("video-bansao-none")),
        other => panic!("{other:?}"),
    }
    // A path that is not a video device at all.
    let mut not_a_camera = V4l2Camera::new(std::path::Path::new("/dev/null"));
    assert!(not_a_camera.capture().is_err());
}
