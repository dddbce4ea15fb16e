//! Vietnamese personal names as OCR reads them from certificates, which print names in
//! capitals: Tesseract's Vietnamese model drops or swaps the tone mark stacked on a capital
//! (NGUYỄN → NGUYÊN, TRẦN → TRẤN, TUẤN → TUẦN, THẮNG → THĂNG), a weakness neither a larger
//! scale nor Tesseract's other Vietnamese model removes (measured). A name word in capitals is
//! put right when it differs only in marks from exactly one well-known family name (for the
//! first word) or given-name syllable (for the others) and is not itself one: the reading a
//! person would make. A corrected word lowers the field's confidence so the review screen
//! points at it; the citizen confirms or corrects every field anyway.

use crate::checks::fold;

/// The most common family names (together well over 90 % of Vietnamese people).
const FAMILY_NAMES: [&str; 22] = [
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ",
    "Hồ", "Ngô", "Dương", "Lý", "Đinh", "Đoàn", "Lâm", "Trịnh", "Mai", "Trương",
];

/// Common middle and given-name syllables.
const GIVEN_NAMES: [&str; 136] = [
    "An",
    "Anh",
    "Ánh",
    "Bảo",
    "Bích",
    "Bình",
    "Cường",
    "Châu",
    "Chi",
    "Chiến",
    "Công",
    "Cúc",
    "Dũng",
    "Dung",
    "Duy",
    "Duyên",
    "Dương",
    "Đạt",
    "Điệp",
    "Đình",
    "Đông",
    "Đức",
    "Gia",
    "Giang",
    "Hà",
    "Hải",
    "Hạnh",
    "Hằng",
    "Hân",
    "Hậu",
    "Hiền",
    "Hiếu",
    "Hiệp",
    "Hòa",
    "Hoa",
    "Hoài",
    "Hoàng",
    "Hồng",
    "Huệ",
    "Hùng",
    "Hưng",
    "Hương",
    "Hường",
    "Hữu",
    "Huy",
    "Huyền",
    "Khang",
    "Khánh",
    "Khoa",
    "Khôi",
    "Kiên",
    "Kim",
    "Lan",
    "Lâm",
    "Liên",
    "Linh",
    "Loan",
    "Long",
    "Lộc",
    "Luân",
    "Lực",
    "Ly",
    "Mai",
    "Mạnh",
    "Minh",
    "My",
    "Mỹ",
    "Nam",
    "Nga",
    "Ngân",
    "Nghĩa",
    "Ngọc",
    "Nguyên",
    "Nhàn",
    "Nhân",
    "Nhật",
    "Nhi",
    "Như",
    "Nhung",
    "Oanh",
    "Phát",
    "Phong",
    "Phú",
    "Phúc",
    "Phụng",
    "Phương",
    "Phượng",
    "Quang",
    "Quân",
    "Quốc",
    "Quý",
    "Quyên",
    "Quỳnh",
    "Sang",
    "Sơn",
    "Tài",
    "Tâm",
    "Tân",
    "Thái",
    "Thanh",
    "Thành",
    "Thảo",
    "Thắng",
    "Thị",
    "Thịnh",
    "Thơ",
    "Thu",
    "Thuận",
    "Thủy",
    "Thư",
    "Thương",
    "Tiến",
    "Tín",
    "Toàn",
    "Trang",
    "Trâm",
    "Trí",
    "Trinh",
    "Trọng",
    "Trung",
    "Tú",
    "Tuấn",
    "Tùng",
    "Tuyết",
    "Uyên",
    "Văn",
    "Vân",
    "Việt",
    "Vinh",
    "Vĩnh",
    "Vy",
    "Xuân",
    "Yến",
    "Bá",
    "Khắc",
    "Diệu",
];

/// The one entry of `known` that `word` (in capitals) differs from only in marks, when `word`
/// is not itself an entry.
fn closest(word: &str, known: &[&str]) -> Option<String> {
    let upper: Vec<String> = known.iter().map(|name| name.to_uppercase()).collect();
    if upper.iter().any(|name| name == word) {
        return None;
    }
    let folded = fold(word);
    let mut matches = upper.iter().filter(|name| fold(name) == folded);
    match (matches.next(), matches.next()) {
        (Some(only), None) => Some(only.clone()),
        _ => None,
    }
}

/// `value` (a person's name as read) with its capital words put right; `None` when nothing
/// changed. Words not in capitals are read reliably and left alone.
pub fn correct_name(value: &str) -> Option<String> {
    let mut changed = false;
    let words: Vec<String> = value
        .split_whitespace()
        .enumerate()
        .map(|(index, word)| {
            let capitals =
                word.chars().any(char::is_alphabetic) && word.chars().all(|c| !c.is_lowercase());
            let known: &[&str] = if index == 0 {
                &FAMILY_NAMES
            } else {
                &GIVEN_NAMES
            };
            match closest(word, known).filter(|_| capitals) {
                Some(corrected) => {
                    changed = true;
                    corrected
                }
                None => word.to_owned(),
            }
        })
        .collect();
    changed.then(|| words.join(" "))
}

#[cfg(test)]
mod tests {
    use super::correct_name;

    #[test]
    fn capital_names_lose_no_marks_and_right_or_mixed_case_names_stay() {
        assert_eq!(
            correct_name("NGUYÊN ĐỨC THĂNG").as_deref(),
            Some("NGUYỄN ĐỨC THẮNG")
        );
        assert_eq!(
            correct_name("TRẤN THỊ YÊN").as_deref(),
            Some("TRẦN THỊ YẾN")
        );
        assert_eq!(
            correct_name("BÙI VĂN TUẦN").as_deref(),
            Some("BÙI VĂN TUẤN")
        );
        assert_eq!(
            correct_name("ĐĂNG QUỐC VIỆT").as_deref(),
            Some("ĐẶNG QUỐC VIỆT")
        );
        // Already right, a given name Nguyên, ambiguous folds (Thu/Thư), mixed case: unchanged.
        assert_eq!(correct_name("NGUYỄN VĂN AN"), None);
        assert_eq!(correct_name("LÊ NGUYÊN"), None);
        assert_eq!(correct_name("LÊ THỤ"), None);
        assert_eq!(correct_name("Nguyên Văn An"), None);
    }
}
