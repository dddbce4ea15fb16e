//! What kind of document a page is, and its fields, from the OCR of its pages.
//!
//! Classification looks for each kind's title (compared without diacritics, which OCR misreads
//! on capitals); fields are read from labelled lines ("Họ, chữ đệm, tên: …"), each with the
//! lowest confidence of the words it was read from. The citizen confirms or corrects every
//! field on the kiosk's screen, and corrections are recorded with the copy.

use std::collections::BTreeMap;

use bansao_copy::DocumentType;

use crate::checks::fold;
use crate::names::correct_name;

/// Below this confidence a lone letter at the end of a value is taken for a mark.
const SURE_OF_A_LONE_LETTER: f32 = 60.0;

/// The confidence (0–100) a name put right from the names list is given at most.
const NAME_CORRECTED_CONFIDENCE: f32 = 70.0;
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

/// Field labels by field name, without diacritics. A line may hold several labelled fields
/// ("Giới tính: Nam   Dân tộc: Kinh   Quốc tịch: Việt Nam"); the longest label that ends at a
/// colon wins, so "Họ, chữ đệm, tên người mẹ" is the mother's name, not the child's.
const LABELS: [(&str, &str); 18] = [
    ("HO CHU DEM TEN NGUOI ME", "ho_ten_me"),
    ("HO CHU DEM TEN NGUOI CHA", "ho_ten_cha"),
    ("HO TEN ME", "ho_ten_me"),
    ("HO TEN CHA", "ho_ten_cha"),
    ("HO CHU DEM TEN", "ho_ten"),
    ("HO VA TEN", "ho_ten"),
    ("NGAY THANG NAM SINH", "ngay_sinh"),
    ("NGAY SINH", "ngay_sinh"),
    ("GIOI TINH", "gioi_tinh"),
    ("DAN TOC", "dan_toc"),
    ("QUOC TICH", "quoc_tich"),
    ("NOI SINH", "noi_sinh"),
    ("QUE QUAN", "que_quan"),
    ("NOI THUONG TRU", "noi_thuong_tru"),
    ("SO DINH DANH CA NHAN", "so_dinh_danh"),
    ("SO", "so"),
    // Labels of fields that are not kept, known so that they end the field before them.
    ("NAM SINH", ""),
    ("NOI CU TRU", ""),
];

/// Each field's label for people: Vietnamese, then English.
const FIELD_LABELS: [(&str, &str, &str); 12] = [
    ("ho_ten", "Họ, chữ đệm, tên", "full name"),
    ("ngay_sinh", "Ngày sinh", "date of birth"),
    ("gioi_tinh", "Giới tính", "sex"),
    ("dan_toc", "Dân tộc", "ethnicity"),
    ("quoc_tich", "Quốc tịch", "nationality"),
    ("noi_sinh", "Nơi sinh", "place of birth"),
    ("que_quan", "Quê quán", "place of origin"),
    ("noi_thuong_tru", "Nơi thường trú", "permanent residence"),
    (
        "so_dinh_danh",
        "Số định danh cá nhân",
        "personal identification number",
    ),
    ("ho_ten_me", "Họ tên mẹ", "mother's name"),
    ("ho_ten_cha", "Họ tên cha", "father's name"),
    ("so", "Số", "number"),
];

/// Every field name this module produces.
pub const FIELD_NAMES: [&str; FIELD_LABELS.len()] = {
    let mut names = [""; FIELD_LABELS.len()];
    let mut index = 0;
    while index < FIELD_LABELS.len() {
        names[index] = FIELD_LABELS[index].0;
        index += 1;
    }
    names
};

/// A field's Vietnamese label (`None` for a name this module does not produce).
pub fn label_vi(name: &str) -> Option<&'static str> {
    FIELD_LABELS
        .iter()
        .find(|(known, _, _)| *known == name)
        .map(|(_, vi, _)| *vi)
}

/// A field's English label.
pub fn label_en(name: &str) -> Option<&'static str> {
    FIELD_LABELS
        .iter()
        .find(|(known, _, _)| *known == name)
        .map(|(_, _, en)| *en)
}

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

/// The field name of a label that runs over `words` (`Some("")` for a known label whose field
/// is not kept).
fn field_of_label(words: &[&crate::ocr::OcrWord]) -> Option<&'static str> {
    let text: Vec<&str> = words
        .iter()
        .map(|word| word.text.trim_end_matches(':'))
        .collect();
    let folded = fold(&text.join(" "));
    LABELS
        .iter()
        .find(|(known, _)| folded == *known)
        .map(|(_, name)| *name)
}

/// The labelled fields of one line: `(field name, value words)` in order.
fn labelled_fields<'a>(
    line: &[&'a crate::ocr::OcrWord],
) -> Vec<(&'static str, Vec<&'a crate::ocr::OcrWord>)> {
    // Label ends: words that end with a colon (or are one) preceded by a known label.
    let mut labels: Vec<(usize, usize, &'static str)> = Vec::new();
    let mut boundary = 0;
    for (end, word) in line.iter().enumerate() {
        if !word.text.ends_with(':') {
            continue;
        }
        let last = if word.text == ":" { end } else { end + 1 };
        // The longest run of words before the colon that is a known label.
        let found = (boundary..last).find_map(|start| {
            field_of_label(&line[start..last]).map(|name| (start, end + 1, name))
        });
        if let Some(label) = found {
            labels.push(label);
            boundary = end + 1;
        }
    }
    let mut fields = Vec::new();
    for (index, (_, value_start, name)) in labels.iter().enumerate() {
        let value_end = labels
            .get(index + 1)
            .map_or(line.len(), |(next_start, _, _)| *next_start);
        if !name.is_empty() && *value_start < value_end {
            fields.push((*name, value_words(&line[*value_start..value_end])));
        }
    }
    fields
}

/// The words of a value up to where something else begins: a wide gap (a seal's ring or a
/// signature beside the text, another column) or marks that are not writing (OCR's reading of a
/// stamp: no letter or digit and not sure of itself).
fn value_words<'a>(words: &[&'a crate::ocr::OcrWord]) -> Vec<&'a crate::ocr::OcrWord> {
    let mut kept: Vec<&crate::ocr::OcrWord> = Vec::new();
    for word in words {
        let (left, _, _, height) = word.bounds;
        if let Some(previous) = kept.last() {
            let (previous_left, _, previous_width, previous_height) = previous.bounds;
            let gap = left.saturating_sub(previous_left + previous_width);
            if gap > 2 * previous_height.max(height).max(1) {
                break;
            }
        }
        let writing = word.text.chars().any(char::is_alphanumeric);
        if !writing && word.confidence < 80.0 {
            break;
        }
        kept.push(word);
    }
    // A last word OCR is unsure of and that is a single letter is a mark, not writing.
    while kept.len() > 1
        && kept.last().is_some_and(|word| {
            word.confidence < SURE_OF_A_LONE_LETTER && word.text.chars().count() == 1
        })
    {
        kept.pop();
    }
    kept
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
            for (name, words) in labelled_fields(&line) {
                if fields.contains_key(name) {
                    continue;
                }
                let text: Vec<&str> = words.iter().map(|word| word.text.as_str()).collect();
                let value = text.join(" ");
                let value = value.trim();
                if value.is_empty() {
                    continue;
                }
                let confidence = words
                    .iter()
                    .map(|word| word.confidence)
                    .fold(100.0f32, f32::min);
                let mut confidence = confidence;
                let value = match name {
                    "ngay_sinh" => date(value).unwrap_or_else(|| value.to_owned()),
                    "ho_ten" | "ho_ten_me" | "ho_ten_cha" => match correct_name(value) {
                        Some(corrected) => {
                            // Put right from the names list, not read: the review shows it.
                            confidence = confidence.min(NAME_CORRECTED_CONFIDENCE);
                            corrected
                        }
                        None => value.to_owned(),
                    },
                    _ => value.to_owned(),
                };
                fields.insert(
                    name.to_owned(),
                    ReadField {
                        value,
                        confidence_permille: (confidence.clamp(0.0, 100.0) * 10.0) as u16,
                    },
                );
            }
        }
    }
    fields
}
