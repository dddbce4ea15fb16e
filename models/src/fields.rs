//! What kind of document a page is, and its fields, from the OCR of its pages.
//!
//! Classification looks for each kind's title (compared without diacritics, which OCR misreads
//! on capitals); fields are read from labelled lines ("Họ, chữ đệm, tên: …"), each with the
//! lowest confidence of the words it was read from. The citizen confirms or corrects every
//! field on the kiosk's screen, and corrections are recorded with the copy.

use std::collections::BTreeMap;

use bansao_copy::DocumentType;

use crate::checks::fold;
use crate::ocr::OcrPage;

/// Titles by kind, without diacritics; the first found wins, so longer titles come first.
const TITLES: [(&str, DocumentType); 8] = [
    ("GIAY CHUNG NHAN KET HON", DocumentType::MarriageCertificate),
    (
        "BANG TOT NGHIEP TRUNG HOC PHO THONG",
        DocumentType::HighSchoolDiploma,
    ),
    ("BANG TOT NGHIEP DAI HOC", DocumentType::UniversityDiploma),
    ("BANG CU NHAN", DocumentType::UniversityDiploma),
    ("BANG KY SU", DocumentType::UniversityDiploma),
    ("CAN CUOC CONG DAN", DocumentType::CitizenIdentityCard),
    ("GIAY KHAI SINH", DocumentType::BirthCertificate),
    ("TRICH LUC KHAI SINH", DocumentType::BirthCertificate),
];

/// Field labels by field name, without diacritics (longest first where one contains another).
const LABELS: [(&str, &str); 14] = [
    ("HO CHU DEM TEN NGUOI ME", "ho_ten_me"),
    ("HO CHU DEM TEN NGUOI CHA", "ho_ten_cha"),
    ("HO TEN ME", "ho_ten_me"),
    ("HO TEN CHA", "ho_ten_cha"),
    ("HO CHU DEM TEN", "ho_ten"),
    ("HO VA TEN", "ho_ten"),
    ("NGAY THANG NAM SINH", "ngay_sinh"),
    ("NGAY SINH", "ngay_sinh"),
    ("GIOI TINH", "gioi_tinh"),
    ("NOI SINH", "noi_sinh"),
    ("QUE QUAN", "que_quan"),
    ("NOI THUONG TRU", "noi_thuong_tru"),
    ("SO DINH DANH CA NHAN", "so_dinh_danh"),
    ("SO", "so"),
];

/// A field as read.
#[derive(Debug, Clone, PartialEq)]
pub struct ReadField {
    /// The value.
    pub value: String,
    /// The lowest confidence of its words, in thousandths.
    pub confidence_permille: u16,
}

/// The kind of the document whose pages read `pages`.
pub fn classify(pages: &[OcrPage]) -> DocumentType {
    let folded: Vec<String> = pages.iter().map(|page| fold(&page.text())).collect();
    for (title, kind) in TITLES {
        if folded.iter().any(|text| text.contains(title)) {
            return kind;
        }
    }
    DocumentType::Other
}

/// Normalises a date as `DD/MM/YYYY` when it can be read as one.
fn date(value: &str) -> Option<String> {
    let numbers: Vec<u32> = value
        .split(|c: char| !c.is_ascii_digit())
        .filter(|part| !part.is_empty())
        .filter_map(|part| part.parse().ok())
        .collect();
    match numbers[..] {
        [day, month, year, ..]
            if (1..=31).contains(&day)
                && (1..=12).contains(&month)
                && (1900..=2100).contains(&year) =>
        {
            Some(format!("{day:02}/{month:02}/{year}"))
        }
        _ => None,
    }
}

/// Fields from labelled lines of the pages.
pub fn extract(pages: &[OcrPage]) -> BTreeMap<String, ReadField> {
    let mut fields = BTreeMap::new();
    for page in pages {
        let mut lines: Vec<Vec<&crate::ocr::OcrWord>> = Vec::new();
        for word in &page.words {
            match lines.last_mut() {
                Some(line) if line.first().is_some_and(|first| first.line == word.line) => {
                    line.push(word)
                }
                _ => lines.push(vec![word]),
            }
        }
        for line in lines {
            let text: Vec<&str> = line.iter().map(|word| word.text.as_str()).collect();
            let joined = text.join(" ");
            let Some((label, value)) = joined.split_once(':') else {
                continue;
            };
            let label = fold(label);
            let Some((_, name)) = LABELS.iter().find(|(known, _)| label == *known) else {
                continue;
            };
            let value = value.trim();
            if value.is_empty() || fields.contains_key(*name) {
                continue;
            }
            // The words after the colon, for the confidence.
            let label_words = joined[..joined.len() - value.len()]
                .split_whitespace()
                .count();
            let confidence = line
                .iter()
                .skip(label_words.saturating_sub(1))
                .map(|word| word.confidence)
                .fold(100.0f32, f32::min);
            let value = if *name == "ngay_sinh" {
                date(value).unwrap_or_else(|| value.to_owned())
            } else {
                value.to_owned()
            };
            fields.insert(
                (*name).to_owned(),
                ReadField {
                    value,
                    confidence_permille: (confidence.clamp(0.0, 100.0) * 10.0) as u16,
                },
            );
        }
    }
    fields
}
