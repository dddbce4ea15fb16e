//! The SANE scanner against SANE's own test backend (a virtual device in Debian's libsane1,
//! enabled here with a private SANE configuration directory): real `scanimage`, real SANE.

#![allow(clippy::unwrap_used)]

use std::time::Duration;

use bansao_hw::sane_scanner::{SaneScanner, SaneSettings};
use bansao_hw::scanner::{ScanError, Scanner};

fn settings(config: &std::path::Path, device: Option<&str>) -> SaneSettings {
    SaneSettings {
        device: device.map(str::to_owned),
        resolution: 150,
        feeder: false,
        timeout: Duration::from_secs(60),
        config_dir: Some(config.to_owned()),
    }
}

fn test_backend() -> tempfile::TempDir {
    let config = tempfile::tempdir().unwrap();
    std::fs::write(config.path().join("dll.conf"), "test\n").unwrap();
    config
}

#[test]
fn a_page_is_scanned_as_a_grey_png_at_the_asked_resolution() {
    let config = test_backend();
    let scanner = SaneScanner::new(settings(config.path(), None));
    let devices = scanner.devices().unwrap();
    assert!(
        devices.iter().any(|(name, _)| name == "test:0"),
        "{devices:?}"
    );
    let mut scanner = SaneScanner::new(settings(config.path(), Some("test:0")));
    let page = scanner.scan().unwrap();
    assert_eq!(page.media_type, "image/png");
    // The test device's default area, 80 × 100 mm, at 150 dpi: 472 × 590 pixels.
    let (width, height) = (page.image.width(), page.image.height());
    assert!(
        width.abs_diff(472) <= 2 && height.abs_diff(590) <= 2,
        "{width}x{height}"
    );
    assert_eq!(page.image.color(), image::ColorType::L8);
}

#[test]
fn a_missing_scanner_or_front_end_is_absent() {
    let config = test_backend();
    let mut scanner = SaneScanner::new(settings(config.path(), Some("epson2:libusb:009:001")));
    match scanner.scan() {
        Err(ScanError::Absent(reason) | ScanError::Failed(reason)) => {
            assert!(!reason.is_empty())
        }
        other => panic!("{other:?}"),
    }
    let empty = tempfile::tempdir().unwrap();
    std::fs::write(empty.path().join("dll.conf"), "").unwrap();
    let scanner = SaneScanner::new(settings(empty.path(), None));
    assert_eq!(scanner.devices().unwrap(), Vec::new());
}
