//! What a machine can check of an original before it is certified (Decree 23/2015/NĐ-CP,
//! Art. 22: originals that may not be copied): a mark that the document is secret ("MẬT",
//! "TỐI MẬT", "TUYỆT MẬT") or may not be copied ("không được sao chụp"), a blank page, and an
//! illegible page (too little confident text). A refused original gets the reason in Vietnamese.

use crate::ocr::OcrPage;

/// Less ink than this share of the page (after binarisation) and no words: a blank page.
pub const BLANK_INK_RATIO: f64 = 0.002;
/// Fewer confident words than this on a page with ink: illegible.
pub const MIN_CONFIDENT_WORDS: usize = 3;
/// A word is confident from this Tesseract confidence.
pub const CONFIDENT: f32 = 60.0;

/// Why an original page may not be certified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PageRefusal {
    /// Marked secret.
    Secret(String),
    /// Marked as not to be copied.
    NoCopying,
    /// Nothing on it.
    Blank,
    /// Too little legible text.
    Illegible,
    /// Signs of alteration: correction fluid or tape over the text.
    Altered,
}

impl PageRefusal {
    /// The reason for the citizen, Vietnamese first.
    pub fn reason(&self) -> String {
        match self {
            PageRefusal::Secret(mark) => format!(
                "Bản chính có dấu \"{mark}\": không được chứng thực bản sao (the original is marked secret; Decree 23/2015, Art. 22)"
            ),
            PageRefusal::NoCopying => "Bản chính ghi \"không được sao chụp\": không được chứng thực bản sao (the original may not be copied; Decree 23/2015, Art. 22)".to_owned(),
            PageRefusal::Blank => "Trang trắng, không có nội dung (the page is blank)".to_owned(),
            PageRefusal::Illegible => "Trang không đọc được rõ (the page is illegible); bản chính bị mờ, nhòe hoặc hư hỏng không chứng thực được".to_owned(),
            PageRefusal::Altered => "Bản chính có dấu hiệu bị tẩy xóa, sửa chữa (vết bút xóa): không chứng thực được bản sao; xin gặp cán bộ (the original shows signs of correction fluid; Decree 23/2015, Art. 22)".to_owned(),
        }
    }
}

/// A letter without its Vietnamese marks, upper-cased (Đ → D).
fn base_letter(c: char) -> char {
    const GROUPS: [(&str, char); 7] = [
        ("ÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬàáảãạăằắẳẵặâầấẩẫậ", 'A'),
        ("ÈÉẺẼẸÊỀẾỂỄỆèéẻẽẹêềếểễệ", 'E'),
        ("ÌÍỈĨỊìíỉĩị", 'I'),
        ("ÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢòóỏõọôồốổỗộơờớởỡợ", 'O'),
        ("ÙÚỦŨỤƯỪỨỬỮỰùúủũụưừứửữự", 'U'),
        ("ỲÝỶỸỴỳýỷỹỵ", 'Y'),
        ("Đđ", 'D'),
    ];
    for (letters, base) in GROUPS {
        if letters.contains(c) {
            return base;
        }
    }
    c.to_ascii_uppercase()
}

/// `text` without marks, upper-case, words separated by single spaces.
pub fn fold(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_alphanumeric() {
                base_letter(c)
            } else {
                ' '
            }
        })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn is_upper_case_line(line: &str) -> bool {
    let letters: Vec<char> = line.chars().filter(|c| c.is_alphabetic()).collect();
    !letters.is_empty() && letters.iter().all(|c| !c.is_lowercase())
}

/// Checks one page's reading and its share of dark pixels.
pub fn check_page(page: &OcrPage, ink_ratio: f64) -> Result<(), PageRefusal> {
    let text = page.text();
    for line in text.lines() {
        // A secrecy stamp is a line of its own, in capitals. Marks are compared without their
        // diacritics (OCR misreads them on capitals) but only on a capitals-only line, so the
        // common word "mặt" (face, side) in running text never matches.
        if is_upper_case_line(line) {
            let folded = fold(line);
            for (mark, folded_mark) in [
                ("TUYỆT MẬT", "TUYET MAT"),
                ("TỐI MẬT", "TOI MAT"),
                ("MẬT", "MAT"),
            ] {
                if folded == folded_mark {
                    return Err(PageRefusal::Secret(mark.to_owned()));
                }
            }
        }
    }
    let folded = fold(&text);
    if folded.contains("KHONG DUOC SAO CHUP") || folded.contains("CAM SAO CHUP") {
        return Err(PageRefusal::NoCopying);
    }
    let confident = page
        .words
        .iter()
        .filter(|word| word.confidence >= CONFIDENT && word.text.chars().any(char::is_alphanumeric))
        .count();
    if page.words.is_empty() && ink_ratio < BLANK_INK_RATIO {
        return Err(PageRefusal::Blank);
    }
    if confident < MIN_CONFIDENT_WORDS {
        return Err(PageRefusal::Illegible);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ocr::OcrWord;

    fn page(lines: &[&str], confidence: f32) -> OcrPage {
        let mut words = Vec::new();
        for (index, line) in lines.iter().enumerate() {
            for word in line.split_whitespace() {
                words.push(OcrWord {
                    text: word.to_owned(),
                    confidence,
                    line: (1, 1, index as u32),
                    bounds: (0, 0, 1, 1),
                });
            }
        }
        OcrPage { words }
    }

    #[test]
    fn secrecy_and_no_copying_marks_refuse_the_original() {
        let body = "Họ và tên: Nguyễn Văn An, sinh ngày 12/03/2015";
        assert_eq!(check_page(&page(&[body], 90.0), 0.05), Ok(()));
        assert_eq!(
            check_page(&page(&["MẬT", body], 90.0), 0.05),
            Err(PageRefusal::Secret("MẬT".to_owned()))
        );
        // OCR read the mark as "MẶT": still a stamp on a line of its own in capitals.
        assert_eq!(
            check_page(&page(&["TỐI MẶT", body], 90.0), 0.05),
            Err(PageRefusal::Secret("TỐI MẬT".to_owned()))
        );
        // "mặt" in running text is not a stamp.
        assert_eq!(
            check_page(&page(&["Ảnh chụp mặt trước của thẻ", body], 90.0), 0.05),
            Ok(())
        );
        assert_eq!(
            check_page(&page(&[body, "Tài liệu không được sao chụp"], 90.0), 0.05),
            Err(PageRefusal::NoCopying)
        );
        assert!(PageRefusal::NoCopying.reason().contains("Art. 22"));
    }

    #[test]
    fn blank_and_illegible_pages_are_refused() {
        assert_eq!(check_page(&page(&[], 0.0), 0.0005), Err(PageRefusal::Blank));
        // Ink but nothing readable (a photo, a smudged page).
        assert_eq!(
            check_page(&page(&[], 0.0), 0.3),
            Err(PageRefusal::Illegible)
        );
        assert_eq!(
            check_page(&page(&["xyz qwv plk mn"], 30.0), 0.05),
            Err(PageRefusal::Illegible)
        );
    }

    #[test]
    fn folding_removes_vietnamese_marks() {
        assert_eq!(
            fold("Đường Nguyễn Trãi, Hà Nội!"),
            "DUONG NGUYEN TRAI HA NOI"
        );
    }
}
