//! Tesseract reads Vietnamese from a page drawn with a real font, one engine for several pages.

use crate::common;

use std::path::Path;

use bansao_models::checks::PageRefusal;
use bansao_models::ocr::{OcrEngine, OcrError};
use bansao_models::page::read_page;
use common::{character_accuracy, page, scanned};

#[test]
fn vietnamese_text_is_read_with_its_diacritics_and_confidences() {
    let mut engine = OcrEngine::new(None, "vie").unwrap();
    let birth_certificate = page(&[
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "GIẤY KHAI SINH",
        "Họ, chữ đệm, tên: NGUYỄN VĂN AN",
        "Ngày, tháng, năm sinh: 12/03/2015",
    ]);
    let read = engine.read(&birth_certificate, 300).unwrap();
    let text = read.text();
    // Lines without diacritics on capitals come back exactly.
    for expected in [
        "Độc lập - Tự do - Hạnh phúc",
        "Ngày, tháng, năm sinh: 12/03/2015",
    ] {
        assert!(text.contains(expected), "{expected:?} not in:\n{text}");
    }
    // Debian's `vie` data misreads some marks on capitals (CHỦ → CHÚ, GIẤY → GIẦY, NGUYỄN →
    // NGUYÊN, seen here): measured, not hidden. Field extraction must correct for it.
    let truth = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\nGIẤY KHAI SINH\n\
                 Họ, chữ đệm, tên: NGUYỄN VĂN AN\nNgày, tháng, năm sinh: 12/03/2015";
    let accuracy = character_accuracy(truth, &text);
    eprintln!(
        "OCR character accuracy on a clean synthetic page: {:.1} %",
        accuracy * 100.0
    );
    assert!(accuracy >= 0.95, "{accuracy}:\n{text}");
    assert!(read.mean_confidence() > 80.0, "{}", read.mean_confidence());

    // The same engine reads the next page; a blank page has no words.
    let blank = engine.read(&page(&[]), 300).unwrap();
    assert!(blank.words.is_empty(), "{:?}", blank.words);
    assert_eq!(blank.mean_confidence(), 0.0);
    let again = engine
        .read(&page(&["Bản sao đúng với bản chính"]), 300)
        .unwrap();
    assert!(
        again.text().contains("Bản sao đúng với bản chính"),
        "{}",
        again.text()
    );
}

#[test]
fn missing_language_data_and_unreadable_images_are_clear_errors() {
    let error = OcrEngine::new(Some(Path::new("/nonexistent/tessdata")), "vie").unwrap_err();
    assert!(matches!(error, OcrError::Init { .. }), "{error}");
    assert!(
        error.to_string().contains("/nonexistent/tessdata"),
        "{error}"
    );
    let mut engine = OcrEngine::new(None, "vie").unwrap();
    let error = engine.read(b"not an image", 300).unwrap_err();
    assert!(matches!(error, OcrError::Image(_)), "{error}");
}

#[test]
fn a_page_is_read_on_grey_paper_and_upside_down_and_checked() {
    let mut engine = OcrEngine::new(None, "vie").unwrap();
    let original = page(&[
        "GIẤY KHAI SINH",
        "Họ, chữ đệm, tên: Trần Thị Hoa",
        "Nơi sinh: Trạm Y tế xã Tân Lập",
    ]);

    let upright = read_page(&mut engine, &scanned(&original, false), 300).unwrap();
    assert!(!upright.upside_down);
    assert_eq!(upright.verdict, Ok(()));
    assert!(
        upright.ocr.text().contains("Trần Thị Hoa"),
        "{}",
        upright.ocr.text()
    );

    // Put down crooked: 3° off level.
    let crooked =
        bansao_models::deskew::rotate(&image::load_from_memory(&original).unwrap().to_luma8(), 3.0);
    let crooked = read_page(&mut engine, &image::DynamicImage::ImageLuma8(crooked), 300).unwrap();
    assert!(
        (crooked.skew_degrees.abs() - 3.0).abs() <= 0.5,
        "{}",
        crooked.skew_degrees
    );
    assert!(
        crooked.ocr.text().contains("Trần Thị Hoa"),
        "{}",
        crooked.ocr.text()
    );

    let turned = read_page(&mut engine, &scanned(&original, true), 300).unwrap();
    assert!(turned.upside_down, "{}", turned.ocr.text());
    assert!(
        turned.ocr.text().contains("Trần Thị Hoa"),
        "{}",
        turned.ocr.text()
    );

    let secret = page(&["MẬT", "GIẤY KHAI SINH", "Họ, chữ đệm, tên: Trần Thị Hoa"]);
    let reading = read_page(&mut engine, &scanned(&secret, false), 300).unwrap();
    assert_eq!(
        reading.verdict,
        Err(PageRefusal::Secret("MẬT".to_owned())),
        "{}",
        reading.ocr.text()
    );

    // A clean black-and-white file (no grey at all) is read too.
    let clean = image::load_from_memory(&original).unwrap();
    let clean = read_page(&mut engine, &clean, 300).unwrap();
    assert!(clean.ink_ratio > 0.01, "{}", clean.ink_ratio);
    assert_eq!(clean.verdict, Ok(()));

    let blank = read_page(&mut engine, &scanned(&page(&[]), false), 300).unwrap();
    assert_eq!(blank.verdict, Err(PageRefusal::Blank));
    assert!(blank.ink_ratio < 0.002, "{}", blank.ink_ratio);
}

#[test]
fn correction_fluid_over_the_text_is_a_sign_of_alteration() {
    let mut engine = OcrEngine::new(None, "vie").unwrap();
    let lines = [
        "GIẤY KHAI SINH",
        "Họ, chữ đệm, tên: Trần Thị Hoa",
        "Ngày, tháng, năm sinh: 05/09/2010",
        "Nơi sinh: Trạm Y tế xã Tân Lập",
    ];
    let clean = scanned(&page(&lines), false);
    let reading = read_page(&mut engine, &clean, 300).unwrap();
    assert_eq!(reading.verdict, Ok(()), "the clean page is accepted");
    // A smooth, bright dab over the date of birth, as correction fluid leaves on a scan.
    let mut altered = clean.to_luma8();
    let (width, height) = altered.dimensions();
    for y in height * 45 / 100..height * 58 / 100 {
        for x in width * 45 / 100..width * 80 / 100 {
            altered.put_pixel(x, y, image::Luma([236]));
        }
    }
    let reading = read_page(&mut engine, &image::DynamicImage::ImageLuma8(altered), 300).unwrap();
    assert_eq!(reading.verdict, Err(PageRefusal::Altered));
    assert!(PageRefusal::Altered.reason().contains("tẩy xóa"));
}
