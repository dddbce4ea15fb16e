//! Shared fixtures for the integration tests: a fixed test sealer, synthetic
//! scans made with the `image` crate, and a realistic [`ArtifactContent`].

// Test helpers outside `#[test]` functions unwrap too: a failure is a test failure.
#![allow(clippy::unwrap_used)]
#![allow(dead_code)]

use std::io::Cursor;

use bansao_artifact::{ArtifactContent, PageImage, PageImageFormat, Sealer};
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};

/// Signs with an Ed25519 key made from fixed bytes.
pub struct TestSealer {
    key: SigningKey,
}

impl TestSealer {
    pub fn new(seed: u8) -> Self {
        Self {
            key: SigningKey::from_bytes(&[seed; 32]),
        }
    }

    pub fn verifying_key(&self) -> VerifyingKey {
        self.key.verifying_key()
    }
}

impl Sealer for TestSealer {
    fn key_id(&self) -> [u8; 8] {
        let bytes = self.key.verifying_key().to_bytes();
        bytes[..8].try_into().unwrap()
    }

    fn sign(&self, message: &[u8]) -> Signature {
        self.key.sign(message)
    }
}

/// A small greyscale "scan": a light page with a few dark text-like bars and a frame.
pub fn scan_png(width: u32, height: u32) -> Vec<u8> {
    let image = image::GrayImage::from_fn(width, height, |x, y| {
        let frame = x < 4 || y < 4 || x >= width - 4 || y >= height - 4;
        let bar = (y / 12) % 3 == 1 && x > width / 10 && x < width * 9 / 10 && (x / 7) % 9 != 0;
        image::Luma([if frame || bar { 40 } else { 236 }])
    });
    let mut png = Cursor::new(Vec::new());
    image.write_to(&mut png, image::ImageFormat::Png).unwrap();
    png.into_inner()
}

/// The same kind of scan as an RGB JPEG.
pub fn scan_jpeg(width: u32, height: u32) -> Vec<u8> {
    let image = image::RgbImage::from_fn(width, height, |x, y| {
        let bar = (y / 10) % 3 == 1 && x > width / 8 && x < width * 7 / 8;
        if bar {
            image::Rgb([30, 30, 90])
        } else {
            image::Rgb([250, 245, 230])
        }
    });
    let mut jpeg = Cursor::new(Vec::new());
    image.write_to(&mut jpeg, image::ImageFormat::Jpeg).unwrap();
    jpeg.into_inner()
}

/// A Base45-alphabet QR payload of `len` characters.
pub fn qr_payload(len: usize) -> String {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";
    let mut text = String::from("BS1:");
    let mut state: u32 = 7;
    while text.len() < len {
        state = state.wrapping_mul(1_103_515_245).wrapping_add(12345);
        text.push(ALPHABET[(state >> 16) as usize % ALPHABET.len()] as char);
    }
    text
}

/// Bytes that look like a CBOR map, with every byte value in them.
pub fn metadata_cbor() -> Vec<u8> {
    let mut bytes = vec![0xa2, 0x61, b'v', 0x01, 0x61, b'b', 0x59, 0x01, 0x00];
    bytes.extend(0..=255u8);
    bytes
}

pub fn content(pages: Vec<PageImage>) -> ArtifactContent {
    ArtifactContent {
        copy_id: "BS-2026-TL-000123".to_string(),
        document_type_label: "Giấy khai sinh (birth certificate)".to_string(),
        commune_label: "Ủy ban nhân dân xã Tân Lập, tỉnh Phú Thọ".to_string(),
        issued_at_label: "23/11/2026 16:05 (giờ Việt Nam)".to_string(),
        status_label: "Bản sao tạm thời — chờ ký duyệt (provisional)".to_string(),
        signer_lines: vec![
            "Nguyễn Thị Hoa — công chức tư pháp - hộ tịch (kiosk officer)".to_string(),
            "Trần Văn Bình — Phó Chủ tịch UBND xã (chờ ký · pending)".to_string(),
        ],
        qr_text: qr_payload(560),
        metadata_cbor: metadata_cbor(),
        created_at: time::macros::datetime!(2026-11-23 16:05:42 +07:00),
        pages,
    }
}

pub fn png_page() -> PageImage {
    PageImage {
        bytes: scan_png(310, 438),
        format: PageImageFormat::Png,
    }
}

pub fn jpeg_page() -> PageImage {
    PageImage {
        bytes: scan_jpeg(438, 310),
        format: PageImageFormat::Jpeg,
    }
}
