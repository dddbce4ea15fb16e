//! Scanner and camera simulators over image files, and the image checks every device input
//! passes: PNG or JPEG only, a pixel budget checked before decoding, damaged files reported.

#![allow(clippy::unwrap_used)]

use std::io::Cursor;
use std::path::{Path, PathBuf};

use bansao_hw::camera::{Camera, CameraError, SimulatedCamera};
use bansao_hw::image_input::{ImageInputError, open_image};
use bansao_hw::scanner::{ScanError, Scanner, SimulatedScanner};

fn encoded(format: image::ImageFormat, width: u32, height: u32) -> Vec<u8> {
    let pixels = image::GrayImage::from_fn(width, height, |x, y| {
        image::Luma([((x * 7 + y * 3) % 256) as u8])
    });
    let mut bytes = Vec::new();
    image::DynamicImage::ImageLuma8(pixels)
        .write_to(&mut Cursor::new(&mut bytes), format)
        .unwrap();
    bytes
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for byte in bytes {
        crc ^= u32::from(*byte);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A PNG whose header claims `width × height` pixels and whose pixel data is missing.
fn png_header_only(width: u32, height: u32) -> Vec<u8> {
    let mut chunk = b"IHDR".to_vec();
    chunk.extend_from_slice(&width.to_be_bytes());
    chunk.extend_from_slice(&height.to_be_bytes());
    chunk.extend_from_slice(&[8, 0, 0, 0, 0]);
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend_from_slice(&13u32.to_be_bytes());
    png.extend_from_slice(&chunk);
    png.extend_from_slice(&crc32(&chunk).to_be_bytes());
    for empty in [b"IDAT", b"IEND"] {
        png.extend_from_slice(&0u32.to_be_bytes());
        png.extend_from_slice(empty);
        png.extend_from_slice(&crc32(empty).to_be_bytes());
    }
    png
}

/// Writes an image of `format` and size `width` × `height` as `name` in `dir`.
fn write_image(
    dir: &Path,
    name: &str,
    format: image::ImageFormat,
    width: u32,
    height: u32,
) -> PathBuf {
    write(dir, name, &encoded(format, width, height))
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn png_and_jpeg_are_taken_in_and_anything_else_is_refused_clearly() {
    let png = open_image(encoded(image::ImageFormat::Png, 240, 120)).unwrap();
    assert_eq!(
        (png.width(), png.height(), png.media_type),
        (240, 120, "image/png")
    );
    assert_eq!(png.luma().len(), 240 * 120);
    let jpeg = open_image(encoded(image::ImageFormat::Jpeg, 64, 48)).unwrap();
    assert_eq!(jpeg.media_type, "image/jpeg");

    assert_eq!(
        open_image(b"%PDF-1.7".to_vec()).unwrap_err(),
        ImageInputError::NotAnImage
    );
    let mut truncated = encoded(image::ImageFormat::Png, 240, 120);
    truncated.truncate(truncated.len() / 2);
    assert!(matches!(
        open_image(truncated),
        Err(ImageInputError::Damaged(_))
    ));
    let mut corrupt = encoded(image::ImageFormat::Jpeg, 64, 48);
    corrupt.truncate(200);
    assert!(matches!(
        open_image(corrupt),
        Err(ImageInputError::Damaged(_))
    ));
}

#[test]
fn a_100_megapixel_image_is_refused_before_it_is_decoded() {
    let error = open_image(png_header_only(10_000, 10_000)).unwrap_err();
    assert_eq!(
        error,
        ImageInputError::TooLarge {
            width: 10_000,
            height: 10_000
        }
    );
    assert!(error.to_string().starts_with("ảnh quá lớn"), "{error}");
    // A header within the budget but without pixels is damaged, not too large.
    assert!(matches!(
        open_image(png_header_only(2480, 3508)),
        Err(ImageInputError::Damaged(_))
    ));
}

#[test]
fn the_simulated_scanner_gives_pages_in_order_then_says_there_is_none() {
    let dir = tempfile::tempdir().unwrap();
    let first = write_image(dir.path(), "1.png", image::ImageFormat::Png, 100, 140);
    let second = write_image(dir.path(), "2.jpg", image::ImageFormat::Jpeg, 100, 140);
    let broken = write(dir.path(), "3.png", b"\x89PNG\r\n\x1a\nbroken");
    let missing = dir.path().join("4.png");
    let mut scanner = SimulatedScanner::new([first, second, broken, missing]);
    assert_eq!(scanner.scan().unwrap().media_type, "image/png");
    assert_eq!(scanner.scan().unwrap().media_type, "image/jpeg");
    assert!(matches!(
        scanner.scan(),
        Err(ScanError::Image(ImageInputError::Damaged(_)))
    ));
    assert!(matches!(scanner.scan(), Err(ScanError::Failed(_))));
    assert_eq!(scanner.scan().unwrap_err(), ScanError::NoPage);
    assert!(
        ScanError::NoPage
            .to_string()
            .starts_with("chưa có trang nào")
    );
}

#[test]
fn the_simulated_camera_gives_frames_then_is_gone() {
    let dir = tempfile::tempdir().unwrap();
    let frame = write_image(dir.path(), "face.jpg", image::ImageFormat::Jpeg, 320, 240);
    let mut camera = SimulatedCamera::new([frame.clone()]);
    assert_eq!(camera.capture().unwrap().width(), 320);
    assert!(matches!(camera.capture(), Err(CameraError::Absent(_))));

    let second = write_image(dir.path(), "second.png", image::ImageFormat::Png, 200, 100);
    let mut still = SimulatedCamera::still([frame, second]);
    assert_eq!(still.capture().unwrap().width(), 320);
    for _ in 0..3 {
        assert_eq!(
            still.capture().unwrap().width(),
            200,
            "the last frame stays"
        );
    }
    assert!(matches!(
        SimulatedCamera::still(Vec::<std::path::PathBuf>::new()).capture(),
        Err(CameraError::Absent(_))
    ));
}
