//! Values in the kiosk's normal form: text NFC with single spaces and no stray punctuation at
//! either end, dates `DD/MM/YYYY` (from "12/03/2015", "12-3-2015", "ngày 12 tháng 3 năm 2015",
//! or a date after a time: "10 giờ 30 phút, ngày 05/09/2020"), years as four digits, personal
//! numbers as their digits, names in capitals put right where OCR dropped their tone marks.

use unicode_normalization::UnicodeNormalization;

use crate::names::correct_name;

/// What kind of value a field holds, from its key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    /// A date.
    Date,
    /// A year.
    Year,
    /// A personal identification number.
    PersonalNumber,
    /// A person's name.
    Name,
    /// Anything else.
    Text,
}

impl ValueKind {
    /// The kind of the field `key` holds (personal suffixes such as `_chong` included).
    pub fn of(key: &str) -> ValueKind {
        let base = ["_me", "_cha", "_chong", "_vo", "_nguoi_khai"]
            .iter()
            .find_map(|suffix| key.strip_suffix(suffix))
            .unwrap_or(key);
        match base {
            "ngay_sinh" | "ngay_dang_ky" | "ngay_chet" | "ngay_cap" | "ngay_het_han" => {
                ValueKind::Date
            }
            "nam_sinh" | "nam_tot_nghiep" => ValueKind::Year,
            "so_dinh_danh" => ValueKind::PersonalNumber,
            "ho_ten" | "ho_ten_chu_ho" => ValueKind::Name,
            _ => ValueKind::Text,
        }
    }
}

/// `text` NFC, with single spaces and without punctuation left at its ends by the layout.
pub fn tidy(text: &str) -> String {
    let joined: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let trimmed = joined
        .trim_start_matches([':', ',', ';', '-', '–', '.', '_', '|'])
        .trim_end_matches([':', ',', ';', '_', '|'])
        .trim();
    // A full stop ends a sentence-like value, not an abbreviation ("TP." keeps its own).
    let trimmed = match trimmed.strip_suffix('.') {
        Some(rest) if !rest.ends_with(|c: char| c.is_uppercase()) => rest.trim_end(),
        _ => trimmed,
    };
    trimmed.nfc().collect()
}

/// The numbers in `text`, each with how many digits it was written with.
fn numbers(text: &str) -> Vec<(u32, usize)> {
    text.split(|c: char| !c.is_ascii_digit())
        .filter(|part| !part.is_empty() && part.len() <= 4)
        .filter_map(|part| part.parse().ok().map(|number| (number, part.len())))
        .collect()
}

/// A date as `DD/MM/YYYY`: the first three numbers in a row that make one.
pub fn date(text: &str) -> Option<String> {
    let numbers = numbers(text);
    numbers.windows(3).find_map(|window| {
        let [(day, _), (month, _), (year, year_digits)] = window else {
            return None;
        };
        ((1..=31).contains(day)
            && (1..=12).contains(month)
            && *year_digits == 4
            && (1900..=2100).contains(year))
        .then(|| format!("{day:02}/{month:02}/{year}"))
    })
}

/// A date whose ones OCR read as slashes or bars (an italic "1" is a stroke like "/"):
/// "08//2//999" is "08/12/1999". Only a token of exactly the DD/MM/YYYY shape is put right,
/// its separators at the third and sixth places and every other place a digit or a stroke.
fn date_with_ones_read_as_strokes(text: &str) -> Option<String> {
    let stroke = |c: char| matches!(c, '/' | '|' | 'l' | 'I' | '!');
    text.split_whitespace().find_map(|token| {
        let token = token.trim_matches(|c: char| matches!(c, ',' | '.' | ';' | ':'));
        let chars: Vec<char> = token.chars().collect();
        if chars.len() != 10 || chars[2] != '/' || chars[5] != '/' {
            return None;
        }
        let repaired: String = chars
            .iter()
            .enumerate()
            .map(|(at, c)| match at {
                2 | 5 => Some('/'),
                _ if c.is_ascii_digit() => Some(*c),
                _ if stroke(*c) => Some('1'),
                _ => None,
            })
            .collect::<Option<String>>()?;
        date(&repaired)
    })
}

/// A year as four digits.
pub fn year(text: &str) -> Option<String> {
    numbers(text)
        .into_iter()
        .find(|(number, digits)| *digits == 4 && (1900..=2100).contains(number))
        .map(|(number, _)| number.to_string())
}

/// A personal number's digits, when the value is one (9 to 12 digits, maybe spaced).
fn personal_number(text: &str) -> Option<String> {
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    let only_number = text
        .chars()
        .all(|c| c.is_ascii_digit() || c.is_whitespace() || matches!(c, '.' | '-'));
    (only_number && (9..=12).contains(&digits.len())).then_some(digits)
}

/// A value in normal form, and whether it was put right from the names list (not read as is).
pub fn normal_value(key: &str, text: &str) -> (String, bool) {
    let text = tidy(text);
    match ValueKind::of(key) {
        ValueKind::Date => (
            date(&text)
                .or_else(|| date_with_ones_read_as_strokes(&text))
                .unwrap_or(text),
            false,
        ),
        ValueKind::Year => (year(&text).unwrap_or(text), false),
        ValueKind::PersonalNumber => (personal_number(&text).unwrap_or(text), false),
        ValueKind::Name => match correct_name(&text) {
            Some(corrected) => (corrected.nfc().collect(), true),
            None => (text, false),
        },
        ValueKind::Text => (text, false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_found_however_they_are_written() {
        assert_eq!(date("12/03/2015").as_deref(), Some("12/03/2015"));
        assert_eq!(date("5-9-2010").as_deref(), Some("05/09/2010"));
        assert_eq!(
            date("ngày 05 tháng 9 năm 2010").as_deref(),
            Some("05/09/2010")
        );
        assert_eq!(
            date("10 giờ 30 phút, ngày 05/09/2020").as_deref(),
            Some("05/09/2020")
        );
        assert_eq!(date("12/03/15"), None);
        assert_eq!(date("Không thời hạn"), None);
    }

    #[test]
    fn a_one_read_as_a_slash_in_a_date_is_put_right() {
        assert_eq!(normal_value("ngay_sinh", "08//2//999").0, "08/12/1999");
        assert_eq!(normal_value("ngay_sinh", "/7//0/1985").0, "17/10/1985");
        assert_eq!(normal_value("ngay_sinh", "2l/03/20|5").0, "21/03/2015");
        // Not the shape of a date: left as read, for a person to see.
        assert_eq!(normal_value("ngay_sinh", "0249/2020").0, "0249/2020");
        assert_eq!(normal_value("ngay_sinh", "ab/cd/efgh").0, "ab/cd/efgh");
    }

    #[test]
    fn values_lose_the_punctuation_the_layout_left() {
        assert_eq!(tidy("  Kinh, "), "Kinh");
        assert_eq!(tidy(": Việt  Nam."), "Việt Nam");
        assert_eq!(tidy("123/2015"), "123/2015");
        assert_eq!(tidy("TP. HCM"), "TP. HCM");
        // Decomposed marks (as some PDFs and keyboards give them) become NFC.
        assert_eq!(tidy("Nguye\u{302}\u{303}n"), "Nguyễn");
    }

    #[test]
    fn numbers_and_years_keep_their_digits() {
        assert_eq!(
            normal_value("so_dinh_danh", "001 088 001 234").0,
            "001088001234"
        );
        assert_eq!(
            normal_value("so_dinh_danh_vo", "036190004321").0,
            "036190004321"
        );
        assert_eq!(normal_value("nam_sinh_me", "1990.").0, "1990");
        assert_eq!(normal_value("ngay_sinh_chong", "1-2-1990").0, "01/02/1990");
    }
}
