//! Sample inputs for the kiosk: a photo of a citizen identity card (CCCD) with its QR code and a
//! portrait, and a webcam frame of the citizen, made from real face photos. The demo writes
//! them next to the sample scan so `bansao kiosk issue` can be tried, and the benchmark and the
//! end-to-end tests feed them to whole sessions. Nothing here is a real person's card: the
//! names and numbers are made up and every card says "MẪU" (sample) in its QR text's name.

use std::io::Cursor;
use std::path::{Path, PathBuf};

use anyhow::Context;
use bansao_models::evaluation::{WEAR_LEVELS, card_photo, webcam_frame};
use bansao_models::faces::{FaceCount, FaceDetector};
use image::{DynamicImage, ImageFormat, RgbImage};

/// A made-up citizen's CCCD QR text (format of Circular 06/2021; the number agrees with the
/// sex and year of birth, as `bansao_hw::qr_reader::cccd` checks).
pub const SAMPLE_CCCD_QR: &str = "025088001234|123456789|Nguyễn Văn Hùng MẪU|12031988|Nam|Xóm Đồng Chằm, xã Tân Lập, huyện Thanh Sơn, tỉnh Phú Thọ|15062021";

/// The face photos deploy/setup.sh fetches (the `face_recognition` package's test images).
pub fn face_photos_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(bansao_models::evaluation::PHOTOS_DIR)
}

/// The face photo `name` of [`face_photos_dir`]; the error names the file and where the photos
/// come from.
pub fn face_photo(name: &str) -> anyhow::Result<DynamicImage> {
    bansao_models::evaluation::read_photo(&face_photos_dir(), name).map_err(anyhow::Error::msg)
}

/// A photo of an identity card whose portrait is the one face of `portrait_photo` and whose
/// QR code says `qr_text`, as a new card read closely by the kiosk's camera (JPEG bytes).
pub fn identity_card_photo(
    portrait_photo: &DynamicImage,
    qr_text: &str,
) -> anyhow::Result<Vec<u8>> {
    let mut detector = FaceDetector::new(40)?;
    let face = match detector.count(&portrait_photo.to_luma8()) {
        FaceCount::One(face) => face,
        other => anyhow::bail!("the portrait photo must show one face, not {other:?}"),
    };
    let qr_png = bansao_artifact::qr_png(qr_text, 3)?;
    let qr = image::load_from_memory(&qr_png)
        .context("the QR image")?
        .to_luma8();
    let card = card_photo(portrait_photo, &face, WEAR_LEVELS[0], Some(&qr));
    jpeg(card)
}

/// A webcam-like frame of `photo` (JPEG bytes).
pub fn camera_frame(photo: &DynamicImage) -> anyhow::Result<Vec<u8>> {
    jpeg(webcam_frame(photo))
}

fn jpeg(image: RgbImage) -> anyhow::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    DynamicImage::ImageRgb8(image).write_to(&mut Cursor::new(&mut bytes), ImageFormat::Jpeg)?;
    Ok(bytes)
}

/// The lines of the sample birth certificate (made up: no real person), with the fields a
/// kiosk should read from it.
pub const BIRTH_CERTIFICATE_LINES: [&str; 16] = [
    "ỦY BAN NHÂN DÂN XÃ TÂN LẬP",
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "Độc lập - Tự do - Hạnh phúc",
    "Số: 123/2015",
    "GIẤY KHAI SINH",
    "Họ, chữ đệm, tên: Nguyễn Văn An",
    "Ngày, tháng, năm sinh: 12/03/2015",
    "Giới tính: Nam     Dân tộc: Kinh     Quốc tịch: Việt Nam",
    "Nơi sinh: Trạm Y tế xã Tân Lập, huyện Thanh Sơn, tỉnh Phú Thọ",
    "Quê quán: xã Tân Lập, huyện Thanh Sơn, tỉnh Phú Thọ",
    "Số định danh cá nhân: 025215000123",
    "Họ, chữ đệm, tên người mẹ: Trần Thị Bình",
    "Năm sinh: 1990     Dân tộc: Kinh     Quốc tịch: Việt Nam",
    "Họ, chữ đệm, tên người cha: Nguyễn Văn Hùng",
    "Năm sinh: 1988     Dân tộc: Kinh     Quốc tịch: Việt Nam",
    "Mẫu tổng hợp, không phải giấy tờ thật (synthetic sample)",
];

/// A4 at 300 dpi, in pixels.
pub const A4_300_DPI: (u32, u32) = (2480, 3508);

/// An A4 page at 300 dpi holding `lines` (DejaVu Sans at about 10 pt), as a scanner gives it:
/// grey paper with grain, ink not quite black, turned by `skew_degrees`, JPEG-compressed at
/// quality 85 (JPEG bytes).
pub fn scanned_a4_page(lines: &[&str], skew_degrees: f32) -> anyhow::Result<Vec<u8>> {
    scanned_a4_page_with_seal(lines, skew_degrees, false)
}

/// A round seal, as a commune stamps it (red ink, mid grey on a grey scan): two rings and a
/// filled star-like centre, over the text's last lines on the right, where a signer's seal
/// falls. `true` where the seal has ink.
fn seal_mask(width: u32, height: u32, text_bottom: u32) -> impl Fn(u32, u32) -> bool {
    let centre_x = f64::from(width) * 0.62;
    let centre_y = f64::from(text_bottom.min(height)) - 90.0;
    move |x, y| {
        let distance =
            ((f64::from(x) - centre_x).powi(2) + (f64::from(y) - centre_y).powi(2)).sqrt();
        (160.0..=172.0).contains(&distance)
            || (118.0..=124.0).contains(&distance)
            || distance <= 34.0
    }
}

/// [`scanned_a4_page`], with a commune's round seal stamped over the last lines when `seal`.
pub fn scanned_a4_page_with_seal(
    lines: &[&str],
    skew_degrees: f32,
    seal: bool,
) -> anyhow::Result<Vec<u8>> {
    let font = bansao_hw::printer::raster::TextRenderer::from_bytes(
        bansao_artifact::DEJAVU_SANS.to_vec(),
        "DejaVuSans.ttf",
        42.0,
    )?;
    let (width, height) = A4_300_DPI;
    let text = bansao_hw::printer::raster::text_page(&font, lines, width, 240, 36);
    let stamped = seal_mask(width, height, text.height().saturating_sub(240));
    let mut page = image::GrayImage::from_pixel(width, height, image::Luma([255]));
    image::imageops::replace(&mut page, &text, 0, 0);
    let page = bansao_models::deskew::rotate(&page, skew_degrees);
    let mut grain = 0x2545_F491_4F6C_DD1Du64;
    let scanned = image::GrayImage::from_fn(width, height, |x, y| {
        grain ^= grain << 13;
        grain ^= grain >> 7;
        grain ^= grain << 17;
        let ink = page
            .get_pixel(x.min(page.width() - 1), y.min(page.height() - 1))
            .0[0]
            < 128;
        let base: i32 = if ink {
            45
        } else if seal && stamped(x, y) {
            125
        } else {
            232
        };
        image::Luma([(base + (grain % 25) as i32 - 12).clamp(0, 255) as u8])
    });
    let mut bytes = Vec::new();
    let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, 85);
    DynamicImage::ImageLuma8(scanned).write_with_encoder(encoder)?;
    Ok(bytes)
}
