//! What a machine can check of an original before it is certified (Decree 23/2015/NĐ-CP,
//! Art. 22: originals that may not be copied): a mark that the document is secret ("MẬT",
//! "TỐI MẬT", "TUYỆT MẬT") or may not be copied ("không được sao chụp"), a blank page, and an
//! illegible page (too little confident text, or mostly unreadable). A refused original gets the
//! reason in Vietnamese.
//!
//! A secrecy stamp is found wherever it is: alone on its row, boxed or framed (OCR reads the
//! frame as `[`, `|`), at another size than the text it overlaps (a stamp over the national
//! header), or after "TỐI"/"TUYỆT". A capital "MẶT"/"MẬT" that is a word of a phrase
//! ("MẶT BẰNG", "BẢO MẬT", "MẬT ĐỘ") at the text's own size and spacing is not a stamp.

use crate::layout::{Row, Word, rows};
use crate::matching::distance;
use crate::ocr::OcrPage;

/// Less ink than this share of the page (after binarisation) and no words: a blank page.
pub const BLANK_INK_RATIO: f64 = 0.002;
/// Fewer confident words than this on a page with ink: illegible.
pub const MIN_CONFIDENT_WORDS: usize = 3;
/// A word is confident from this Tesseract confidence.
pub const CONFIDENT: f32 = 60.0;
/// With at least this many words read, a page on which fewer than [`MIN_CONFIDENT_SHARE`] are
/// confident is mostly unreadable.
const MANY_WORDS: usize = 12;
/// See [`MANY_WORDS`].
const MIN_CONFIDENT_SHARE: f32 = 0.3;
/// The folded phrases that say an original may not be copied.
const NO_COPYING: [&str; 4] = [
    "KHONG DUOC SAO CHUP",
    "CAM SAO CHUP",
    "KHONG DUOC PHEP SAO CHUP",
    "NGHIEM CAM SAO CHUP",
];

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

fn is_upper_case(text: &str) -> bool {
    let letters: Vec<char> = text.chars().filter(|c| c.is_alphabetic()).collect();
    !letters.is_empty() && letters.iter().all(|c| !c.is_lowercase())
}

/// Whether the word reads "MẬT" (or "MẶT", "MAT": OCR misreads marks on capitals), in capitals.
fn is_secret_word(word: &Word) -> bool {
    is_upper_case(&word.text) && fold(&word.text) == "MAT"
}

/// The word is set apart from its row: alone, framed, far from its neighbours, or at another
/// size than they are.
fn stands_apart(row: &Row, index: usize) -> bool {
    let word = &row.words[index];
    if row.words.len() == 1 || word.text.contains(['[', ']', '|', '(', ')']) {
        return true;
    }
    let height = word.height();
    let typical = row.height();
    if height * 10 >= typical * 14 || height * 10 <= typical * 7 {
        return true;
    }
    let near = |other: &Word| {
        let gap = if other.left() >= word.right() {
            other.left() - word.right()
        } else {
            word.left().saturating_sub(other.right())
        };
        gap <= height
    };
    let before = index.checked_sub(1).map(|i| &row.words[i]);
    let after = row.words.get(index + 1);
    !before.is_some_and(near) && !after.is_some_and(near)
}

/// A secrecy stamp on the page, if there is one.
fn secrecy_mark(page: &OcrPage) -> Option<&'static str> {
    for row in rows(page, 0) {
        for (index, word) in row.words.iter().enumerate() {
            if !is_secret_word(word) {
                continue;
            }
            let before = index
                .checked_sub(1)
                .map(|i| &row.words[i])
                .filter(|previous| is_upper_case(&previous.text))
                .map(|previous| fold(&previous.text));
            match before.as_deref() {
                Some("TUYET") => return Some("TUYỆT MẬT"),
                Some("TOI") => return Some("TỐI MẬT"),
                _ if stands_apart(&row, index) => return Some("MẬT"),
                _ => {}
            }
        }
    }
    None
}

/// A secrecy stamp read inside a frame standing on its own (`page` OCRs each frame's inside
/// apart, `frames`): there a capital "MẬT" is a stamp even run into the text it covers
/// ("HỘMẬTCHỦ"), and a lone capital word folding to "MAT" is one too.
pub fn framed_secrecy_mark(inside: &OcrPage) -> Option<&'static str> {
    let text = inside.text();
    let folded = fold(&text);
    if folded.contains("TUYET MAT") {
        return Some("TUYỆT MẬT");
    }
    if folded.contains("TOI MAT") {
        return Some("TỐI MẬT");
    }
    let lone_word = inside.words.len() <= 2
        && inside
            .words
            .iter()
            .any(|word| is_upper_case(&word.text) && fold(&word.text) == "MAT");
    (text.contains("MẬT") || lone_word).then_some("MẬT")
}

/// Whether a frame's inside reads as one capital word a letter from "MẬT" ("MAI!", "M^T"):
/// alone no verdict, as many short words are that near, but the rough reading a stamp over
/// writing gives.
pub fn nearly_a_secrecy_mark(inside: &OcrPage) -> bool {
    let words: Vec<String> = inside
        .words
        .iter()
        .map(|word| fold(&word.text).replace(' ', ""))
        .filter(|folded| !folded.is_empty())
        .collect();
    let capitals = inside
        .words
        .iter()
        .all(|word| !word.text.chars().any(char::is_lowercase));
    capitals
        && words.len() == 1
        && (2..=4).contains(&words[0].chars().count())
        && strsim::levenshtein(&words[0], "MAT") <= 1
}

/// Whether the folded text says the original may not be copied (a letter misread forgiven).
fn says_no_copying(folded: &str) -> bool {
    let tokens: Vec<&str> = folded.split(' ').collect();
    NO_COPYING.iter().any(|phrase| {
        let length = phrase.split(' ').count();
        tokens.len() >= length
            && (0..=tokens.len() - length)
                .any(|start| distance(&tokens[start..start + length].join(" "), phrase).is_some())
    })
}

/// Checks one page's reading and its share of dark pixels.
pub fn check_page(page: &OcrPage, ink_ratio: f64) -> Result<(), PageRefusal> {
    if let Some(mark) = secrecy_mark(page) {
        return Err(PageRefusal::Secret(mark.to_owned()));
    }
    if says_no_copying(&fold(&page.text())) {
        return Err(PageRefusal::NoCopying);
    }
    let readable = |word: &&crate::ocr::OcrWord| word.text.chars().any(char::is_alphanumeric);
    let confident = page
        .words
        .iter()
        .filter(readable)
        .filter(|word| word.confidence >= CONFIDENT)
        .count();
    if page.words.is_empty() && ink_ratio < BLANK_INK_RATIO {
        return Err(PageRefusal::Blank);
    }
    if confident < MIN_CONFIDENT_WORDS {
        return Err(PageRefusal::Illegible);
    }
    let words = page.words.iter().filter(readable).count();
    if words >= MANY_WORDS && (confident as f32) < MIN_CONFIDENT_SHARE * words as f32 {
        return Err(PageRefusal::Illegible);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ocr::OcrWord;

    /// Issue 12: a "MẬT" stamped over the national heading, in its frame, read "QưAyy!" as is
    /// and "MAI!", "MÃÀY", "M^T" with the heading's thin strokes taken off; the copy was issued.
    #[test]
    fn a_rough_reading_a_letter_from_mat_is_near_a_mark_and_words_are_not() {
        let inside = |lines: &[&str]| page(lines, 60.0);
        assert!(nearly_a_secrecy_mark(&inside(&["MAI!"])));
        assert!(nearly_a_secrecy_mark(&inside(&["M^T"])));
        assert!(!nearly_a_secrecy_mark(&inside(&["MÃÀY"])));
        assert!(!nearly_a_secrecy_mark(&inside(&["QưAyy!"])));
        // Lower case, several words or a longer word is writing, not a stamp.
        assert!(!nearly_a_secrecy_mark(&inside(&["Mai"])));
        assert!(!nearly_a_secrecy_mark(&inside(&["MAI", "LAN"])));
        assert!(!nearly_a_secrecy_mark(&inside(&["MARTIN"])));
    }

    #[test]
    fn a_secrecy_mark_inside_a_frame_is_found_even_run_into_other_text() {
        let inside = |lines: &[&str]| page(lines, 90.0);
        assert_eq!(framed_secrecy_mark(&inside(&["HỘMẬTCHỦ"])), Some("MẬT"));
        assert_eq!(framed_secrecy_mark(&inside(&["MẶT"])), Some("MẬT"));
        assert_eq!(framed_secrecy_mark(&inside(&["TỐI MẬT"])), Some("TỐI MẬT"));
        assert_eq!(
            framed_secrecy_mark(&inside(&["TUYỆT", "MẬT"])),
            Some("TUYỆT MẬT")
        );
        // A box round ordinary words is no stamp.
        assert_eq!(framed_secrecy_mark(&inside(&["MẶT BẰNG TẦNG MỘT"])), None);
        assert_eq!(framed_secrecy_mark(&inside(&["Số: 57/2023"])), None);
    }

    fn page(lines: &[&str], confidence: f32) -> OcrPage {
        let mut words = Vec::new();
        for (index, line) in lines.iter().enumerate() {
            let mut left = 100;
            for word in line.split_whitespace() {
                let width = 20 * word.chars().count() as u32;
                words.push(OcrWord {
                    text: word.to_owned(),
                    confidence,
                    line: (1, 1, index as u32),
                    bounds: (left, 100 + 60 * index as u32, width, 40),
                });
                left += width + 12;
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
        // "mặt" in running text is not a stamp, nor "MẶT BẰNG" in a heading.
        assert_eq!(
            check_page(&page(&["Ảnh chụp mặt trước của thẻ", body], 90.0), 0.05),
            Ok(())
        );
        assert_eq!(
            check_page(&page(&["SƠ ĐỒ MẶT BẰNG THỬA ĐẤT", body], 90.0), 0.05),
            Ok(())
        );
        // A boxed stamp read into the national header's row.
        assert_eq!(
            check_page(
                &page(&["CỘNG HÒA XÃ HỘI [MẬT] CHỦ NGHĨA VIỆT NAM", body], 90.0),
                0.05
            ),
            Err(PageRefusal::Secret("MẬT".to_owned()))
        );
        // In capitals, and with a letter misread.
        assert_eq!(
            check_page(&page(&[body, "TÀI LIỆU KHÔNG ĐƯỢC SAO CHUP"], 90.0), 0.05),
            Err(PageRefusal::NoCopying)
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
