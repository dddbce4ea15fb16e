//! Values in the kiosk's normal form: text NFC with single spaces and no stray punctuation at
//! either end, dates `DD/MM/YYYY` (from "12/03/2015", "12-3-2015", "ngày 12 tháng 3 năm 2015",
//! or a date after a time: "10 giờ 30 phút, ngày 05/09/2020"), years as four digits, personal
//! numbers as their digits, names in capitals put right where OCR dropped their tone marks.

use unicode_normalization::UnicodeNormalization;

use crate::matching::distance;
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
    /// A place or an authority (a birthplace, an address, where a record was registered).
    Place,
    /// An area (of land).
    Area,
    /// Sex: "Nam" or "Nữ".
    Sex,
    /// An ethnic group, one of the 54 of the official list.
    Ethnicity,
    /// A nationality.
    Nationality,
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
            "noi_sinh"
            | "noi_cu_tru"
            | "noi_dang_ky"
            | "que_quan"
            | "noi_thuong_tru"
            | "dia_chi"
            | "noi_chet"
            | "noi_dang_ky_khai_sinh"
            | "noi_cap" => ValueKind::Place,
            "dien_tich" => ValueKind::Area,
            "gioi_tinh" => ValueKind::Sex,
            "dan_toc" => ValueKind::Ethnicity,
            "quoc_tich" => ValueKind::Nationality,
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

/// A date whose ones OCR read as slashes or bars (an italic "1" is a stroke like "/"), or
/// whose slashes it read as ones: "08//2//999" is "08/12/1999", "0210712013" is "02/07/2013".
/// Only a token of exactly the DD/MM/YYYY shape is put right, a slash or a stroke at the third
/// and sixth places and every other place a digit or a stroke, and only into a real date.
fn date_with_ones_read_as_strokes(text: &str) -> Option<String> {
    let stroke = |c: char| matches!(c, '/' | '|' | 'l' | 'I' | '!');
    let separator = |c: char| stroke(c) || c == '1';
    text.split_whitespace().find_map(|token| {
        let token = token.trim_matches(|c: char| matches!(c, ',' | '.' | ';' | ':'));
        let chars: Vec<char> = token.chars().collect();
        if chars.len() != 10 || !separator(chars[2]) || !separator(chars[5]) {
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

/// A date one of whose slashes OCR read as a "4", with the zero after it when the zero and the
/// slash ran together ("0249/2020" is 02/09/2020, "154072021" is 15/07/2021), the other maybe
/// lost: every way of reading the token's digits as day, month and four-digit year with each
/// separator a slash, nothing, a "4" or a "4" for "/0" is tried, and only when exactly one real
/// date comes out is it the reading.
fn date_with_a_slash_read_as_four(text: &str) -> Option<String> {
    text.split_whitespace().find_map(|token| {
        let token = token.trim_matches(|c: char| matches!(c, ',' | '.' | ';' | ':'));
        if !token.contains('4')
            || !token.chars().all(|c| c.is_ascii_digit() || c == '/')
            || !(8..=10).contains(&token.len())
        {
            return None;
        }
        let mut dates = std::collections::BTreeSet::new();
        readings_as_date(token, &mut Vec::new(), &mut dates);
        let mut found = dates.into_iter();
        match (found.next(), found.next()) {
            (Some(only), None) => Some(only),
            _ => None,
        }
    })
}

/// Every real date `rest` can be read as after the parts already read (`parts`: day, then
/// month, then year), into `dates`.
fn readings_as_date(
    rest: &str,
    parts: &mut Vec<String>,
    dates: &mut std::collections::BTreeSet<String>,
) {
    if parts.len() == 3 {
        if rest.is_empty() {
            let joined = parts.join("/");
            if let Some(real) = date(&joined) {
                dates.insert(real);
            }
        }
        return;
    }
    let widths: &[usize] = if parts.len() == 2 { &[4] } else { &[1, 2] };
    for width in widths {
        let Some(part) = rest.get(..*width) else {
            continue;
        };
        if !part.chars().all(|c| c.is_ascii_digit()) {
            continue;
        }
        let after = &rest[*width..];
        parts.push(part.to_owned());
        if parts.len() == 3 {
            readings_as_date(after, parts, dates);
        } else {
            // The separator: a slash, nothing, a "4", or a "4" that was "/0".
            if let Some(next) = after.strip_prefix('/') {
                readings_as_date(next, parts, dates);
            }
            readings_as_date(after, parts, dates);
            if let Some(next) = after.strip_prefix('4') {
                readings_as_date(next, parts, dates);
                let zero = format!("0{next}");
                readings_as_date(&zero, parts, dates);
            }
        }
        parts.pop();
    }
}

/// A date whose slashes OCR lost, one or both ("24/091988", "24091988"): a token of eight
/// digits and at most two separators, read DDMMYYYY, when that is a real date.
fn date_with_a_separator_lost(text: &str) -> Option<String> {
    text.split_whitespace().find_map(|token| {
        let token = token.trim_matches(|c: char| matches!(c, ',' | '.' | ';' | ':'));
        let separators = token
            .chars()
            .filter(|c| matches!(c, '/' | '-' | '.'))
            .count();
        let digits: String = token.chars().filter(char::is_ascii_digit).collect();
        let only = token
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '/' | '-' | '.'));
        if !only || separators > 2 || digits.len() != 8 {
            return None;
        }
        date(&format!(
            "{}/{}/{}",
            &digits[..2],
            &digits[2..4],
            &digits[4..]
        ))
    })
}

/// A place whose commas OCR read as full stops ("Bệnh viện Từ Dũ. Thành phố Hồ Chí Minh"): a word
/// ending in "." before a capital is followed by a comma, unless it is an abbreviation in
/// capitals ("TP. Hồ Chí Minh", "Q. 1").
fn with_its_commas(text: &str) -> String {
    let words: Vec<&str> = text.split(' ').collect();
    words
        .iter()
        .enumerate()
        .map(|(at, word)| {
            let before_a_capital = words
                .get(at + 1)
                .and_then(|next| next.chars().next())
                .is_some_and(char::is_uppercase);
            match word.strip_suffix('.') {
                Some(stem)
                    if before_a_capital
                        && stem.chars().any(char::is_lowercase)
                        && stem.chars().all(char::is_alphabetic) =>
                {
                    format!("{stem},")
                }
                _ => (*word).to_owned(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The words of Vietnamese addresses and authorities, folded, and how they are written: OCR
/// often puts a tone mark wrong on them ("tính Nam Định", "Ủy bạn nhân dân") while the words
/// themselves are fixed by the administrative divisions' names.
/// Words that are also names ("Phương", "Quán", "Tổ") are left out.
const PLACE_WORDS: [(&str, &str); 9] = [
    ("UY BAN NHAN DAN", "ủy ban nhân dân"),
    ("BENH VIEN", "bệnh viện"),
    ("THANH PHO", "thành phố"),
    ("THI TRAN", "thị trấn"),
    ("THI XA", "thị xã"),
    ("TINH", "tỉnh"),
    ("HUYEN", "huyện"),
    ("XA", "xã"),
    ("THON", "thôn"),
];

/// `word` written as `written`, its first letter in the case it was read in.
fn in_case_of(word: &str, written: &str) -> String {
    let upper = word.chars().next().is_some_and(char::is_uppercase);
    let all_upper = word
        .chars()
        .filter(|c| c.is_alphabetic())
        .all(char::is_uppercase)
        && word.chars().filter(|c| c.is_alphabetic()).count() > 1;
    if all_upper {
        return written.to_uppercase();
    }
    let mut chars = written.chars();
    match chars.next() {
        Some(first) if upper => first.to_uppercase().chain(chars).collect(),
        _ => written.to_owned(),
    }
}

/// A place with its division and authority words put right where a proper name follows them
/// ("tính Nam Định" is "tỉnh Nam Định"; "xa" alone, not before a name, stays).
fn place(text: &str) -> String {
    let tokens: Vec<&str> = text.split(' ').collect();
    let mut out: Vec<String> = Vec::with_capacity(tokens.len());
    let mut at = 0;
    // A place written all in capitals ("ỦY BAN NHÂN DÂN XÃ TÂN LẬP") has no case to tell by.
    let capitals = !text.chars().any(char::is_lowercase);
    'tokens: while at < tokens.len() {
        for (folded, written) in PLACE_WORDS {
            let length = folded.split(' ').count();
            if at + length > tokens.len() {
                continue;
            }
            let words = &tokens[at..at + length];
            let (last, punctuation) = split_punctuation(words[length - 1]);
            let mut candidate: Vec<&str> = words[..length - 1].to_vec();
            candidate.push(last);
            if crate::checks::fold(&candidate.join(" ")) != folded {
                continue;
            }
            let before_a_name = tokens
                .get(at + length)
                .and_then(|next| next.chars().next())
                .is_some_and(char::is_uppercase);
            let authority = length > 1;
            // A one-word division is written in lower case inside a place ("Tịnh Biên" is a
            // name), or begins it.
            let as_division = before_a_name
                && punctuation.is_empty()
                && (at == 0 || capitals || last.chars().next().is_some_and(char::is_lowercase));
            if !(authority || as_division) {
                continue;
            }
            let written_words: Vec<&str> = written.split(' ').collect();
            for (index, (read, right)) in candidate.iter().zip(&written_words).enumerate() {
                let mut word = in_case_of(read, right);
                if index == length - 1 {
                    word.push_str(punctuation);
                }
                out.push(word);
            }
            at += length;
            continue 'tokens;
        }
        out.push(tokens[at].to_owned());
        at += 1;
    }
    out.join(" ")
}

/// A word and the punctuation after it.
fn split_punctuation(token: &str) -> (&str, &str) {
    let end = token
        .char_indices()
        .rev()
        .take_while(|(_, c)| matches!(c, ',' | '.' | ';'))
        .last()
        .map_or(token.len(), |(at, _)| at);
    token.split_at(end)
}

/// What OCR reads for the small raised 2 of "m²": a plain 2, or, blurred, a question mark, a
/// quote or a degree sign (a unit "m" followed by one of these after a number is only m²).
const RAISED_TWO_READINGS: [char; 7] = ['2', '?', '\'', '"', '’', '”', '°'];

/// An area with its unit written "m²" (OCR reads the raised 2 as a plain one, or as a mark
/// when the scan is blurred).
fn area(text: &str) -> String {
    let Some(before_two) = text.strip_suffix(RAISED_TWO_READINGS) else {
        return text.to_owned();
    };
    match before_two.strip_suffix('m') {
        Some(number) if number.trim_end().ends_with(|c: char| c.is_ascii_digit()) => {
            format!("{number}m²")
        }
        _ => text.to_owned(),
    }
}

/// A year as four digits.
pub fn year(text: &str) -> Option<String> {
    numbers(text)
        .into_iter()
        .find(|(number, digits)| *digits == 4 && (1900..=2100).contains(number))
        .map(|(number, _)| number.to_string())
}

/// A personal number's digits, when the value is one (9 to 12 digits, maybe spaced), or ends
/// with one after a colon: the rest of a label OCR garbled past knowing ("xàÊx bràá nhân:
/// 056199211402") is not part of the number.
fn personal_number(text: &str) -> Option<String> {
    let only_digits = |text: &str| {
        let digits: String = text.chars().filter(char::is_ascii_digit).collect();
        let only_number = text
            .chars()
            .all(|c| c.is_ascii_digit() || c.is_whitespace() || matches!(c, '.' | '-'));
        (only_number && (9..=12).contains(&digits.len())).then_some(digits)
    };
    only_digits(text).or_else(|| {
        let (_, after) = text.rsplit_once(':')?;
        only_digits(after.trim())
    })
}

/// A value in normal form, and whether it was put right from the names list (not read as is).
pub fn normal_value(key: &str, text: &str) -> (String, bool) {
    let text = tidy(text);
    match ValueKind::of(key) {
        ValueKind::Date => date(&text)
            .or_else(|| date_with_ones_read_as_strokes(&text))
            .or_else(|| date_with_a_separator_lost(&text))
            .map(|read| (read, false))
            .or_else(|| date_with_a_slash_read_as_four(&text).map(|read| (read, true)))
            .unwrap_or((text, false)),
        ValueKind::Year => (year(&text).unwrap_or(text), false),
        ValueKind::Place => {
            let placed = place(&with_its_commas(&text));
            match crate::gazetteer::put_right_place(&placed) {
                Some(corrected) => (corrected, true),
                None => (placed, false),
            }
        }
        ValueKind::Area => (area(&text), false),
        ValueKind::PersonalNumber => (personal_number(&text).unwrap_or(text), false),
        // A name never ends in a full stop, though one in capitals looks like an abbreviation.
        ValueKind::Name => {
            let text = text.trim_end_matches('.').trim_end().to_owned();
            match correct_name(&text) {
                Some(corrected) => (corrected.nfc().collect(), true),
                None => (text, false),
            }
        }
        // Two entries far apart: one edit is still nearer one of them.
        ValueKind::Sex => one_of(&text, &["Nam", "Nữ"], true, |read, wording| {
            let edits = strsim::levenshtein(read, wording);
            (edits <= 1).then_some(edits)
        })
        .unwrap_or((text, false)),
        // A short group's name read with a letter too many or too few ("Taày") is still nearer
        // it than any other; a letter read as another ("tính", "Kinh") is not.
        ValueKind::Ethnicity => one_of(&text, ETHNIC_GROUPS, false, |read, wording| {
            distance(read, wording).or_else(|| {
                let one_letter_more_or_less =
                    read.chars().count().abs_diff(wording.chars().count()) == 1
                        && strsim::levenshtein(read, wording) == 1;
                (one_letter_more_or_less && wording.chars().count() >= 3).then_some(1)
            })
        })
        .unwrap_or((text, false)),
        ValueKind::Nationality => {
            one_of(&text, &["Việt Nam"], false, distance).unwrap_or((text, false))
        }
        ValueKind::Text => (text, false),
    }
}

/// The 54 ethnic groups of Vietnam's official list (General Statistics Office), as written on
/// civil status papers.
const ETHNIC_GROUPS: &[&str] = &[
    "Kinh",
    "Tày",
    "Thái",
    "Mường",
    "Khmer",
    "Hoa",
    "Nùng",
    "Mông",
    "H'Mông",
    "Dao",
    "Gia Rai",
    "Ê Đê",
    "Ba Na",
    "Sán Chay",
    "Chăm",
    "Cơ Ho",
    "Xơ Đăng",
    "Sán Dìu",
    "Hrê",
    "Ra Glai",
    "Mnông",
    "Thổ",
    "Xtiêng",
    "Khơ Mú",
    "Bru - Vân Kiều",
    "Cơ Tu",
    "Giáy",
    "Tà Ôi",
    "Mạ",
    "Giẻ Triêng",
    "Co",
    "Chơ Ro",
    "Xinh Mun",
    "Hà Nhì",
    "Chu Ru",
    "Lào",
    "Kháng",
    "La Chí",
    "Phù Lá",
    "La Hủ",
    "La Ha",
    "Pà Thẻn",
    "Chứt",
    "Lự",
    "Lô Lô",
    "Mảng",
    "Cờ Lao",
    "Bố Y",
    "Cống",
    "Ngái",
    "Si La",
    "Pu Péo",
    "Rơ Măm",
    "Brâu",
    "Ơ Đu",
];

/// The value of a field whose values are a closed list, written as the list writes it: the
/// entry its words (or, where `first_word_only`, its first word) match without diacritics,
/// exactly or within `edits` (folded read, folded entry), nearer it than any other entry. A
/// reading matched only with edits is marked put right, so it is shown less sure.
fn one_of(
    text: &str,
    entries: &[&str],
    first_word_only: bool,
    edits: impl Fn(&str, &str) -> Option<usize>,
) -> Option<(String, bool)> {
    let read = if first_word_only {
        text.split_whitespace().next()?
    } else {
        text
    };
    let folded = crate::checks::fold(read);
    if folded.is_empty() {
        return None;
    }
    let mut ranked: Vec<(usize, &str)> = entries
        .iter()
        .filter_map(|entry| {
            let wording = crate::checks::fold(entry);
            if folded == wording {
                return Some((0, *entry));
            }
            edits(&folded, &wording).map(|edits| (edits, *entry))
        })
        .collect();
    ranked.sort_by_key(|(edits, _)| *edits);
    match ranked.as_slice() {
        [(0, entry), ..] => Some(((*entry).to_owned(), false)),
        [(edits, entry)] | [(edits, entry), (_, _), ..]
            if ranked.len() == 1 || ranked[1].0 > *edits =>
        {
            Some(((*entry).to_owned(), true))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 12: a garbled label's rest came into the number ("xàÊx bràá nhân: 0561…").
    #[test]
    fn a_personal_number_after_the_rest_of_a_garbled_label_is_the_number() {
        assert_eq!(
            normal_value("so_dinh_danh_vo", "xàÊx bràá nhân: 056199211402").0,
            "056199211402"
        );
        assert_eq!(
            normal_value("so_dinh_danh", "036 192 004 417").0,
            "036192004417"
        );
        // Words after the colon are no number: left as read.
        assert_eq!(
            normal_value("so_dinh_danh", "số: không có").0,
            "số: không có"
        );
    }

    /// Issue 12: light damage read "Bệnh viện Từ Dũ. Thành phố Hồ Chí Minh" and "Taày".
    #[test]
    fn a_comma_read_as_a_full_stop_and_a_letter_too_many_in_a_group_are_put_right() {
        assert_eq!(
            normal_value("noi_cu_tru", "Bệnh viện Từ Dũ. Thành phố Hồ Chí Minh").0,
            "Bệnh viện Từ Dũ, Thành phố Hồ Chí Minh"
        );
        assert_eq!(
            normal_value("noi_sinh", "TP. Hồ Chí Minh").0,
            "TP. Hồ Chí Minh"
        );
        assert_eq!(normal_value("dan_toc", "Taày"), ("Tày".to_owned(), true));
        assert_eq!(normal_value("dan_toc", "Kinh").0, "Kinh");
    }

    /// Issue 12: light damage read "0249/2020", "154072021" and "0346/1992" for dates.
    #[test]
    fn a_date_whose_slash_was_read_as_a_four_is_read_back() {
        assert_eq!(
            normal_value("ngay_dang_ky", "0249/2020"),
            ("02/09/2020".to_owned(), true),
            "a date read back so is marked put right"
        );
        assert_eq!(normal_value("ngay_dang_ky", "154072021").0, "15/07/2021");
        assert_eq!(normal_value("ngay_sinh", "0346/1992").0, "03/06/1992");
        // Real dates with fours stay as they are, and a token two dates could be stays unread.
        assert_eq!(normal_value("ngay_sinh", "14/04/1994").0, "14/04/1994");
        assert_eq!(normal_value("ngay_sinh", "24091988").0, "24/09/1988");
        assert_eq!(date_with_a_slash_read_as_four("1441990"), None);
    }

    #[test]
    fn a_value_of_a_closed_list_is_written_as_the_list_writes_it() {
        // Read on a typewriter-like font and a card: tone marks lost, a letter wrong, the next
        // label run into the value.
        assert_eq!(
            normal_value("gioi_tinh", "Nam Quốc uch/Nanonaltv Việt Nam").0,
            "Nam"
        );
        assert_eq!(normal_value("gioi_tinh", "Mũ"), ("Nữ".to_owned(), true));
        assert_eq!(normal_value("gioi_tinh_vo", "Nu"), ("Nữ".to_owned(), false));
        assert_eq!(normal_value("dan_toc", "È Đê").0, "Ê Đê");
        assert_eq!(normal_value("dan_toc_me", "Tay").0, "Tày");
        assert_eq!(
            normal_value("quoc_tich", "Việ Nam"),
            ("Việt Nam".to_owned(), true)
        );
        assert_eq!(normal_value("quoc_tich", "Việt Ram").0, "Việt Nam");
        // What the list does not hold, or holds twice as near, stays as read.
        assert_eq!(normal_value("quoc_tich", "Lào").0, "Lào");
        assert_eq!(normal_value("dan_toc", "Xyz Abc").0, "Xyz Abc");
        assert_eq!(normal_value("gioi_tinh", "Ñ#").0, "Ñ#");
    }

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
    fn division_and_authority_words_are_put_right_before_a_name() {
        let place = |text: &str| normal_value("noi_sinh", text).0;
        assert_eq!(
            place("Bệnh viện Đa khoa tính Nam Định"),
            "Bệnh viện Đa khoa tỉnh Nam Định"
        );
        assert_eq!(
            normal_value("noi_dang_ky", "Ủy bạn nhân dân xã Tân Lập").0,
            "Ủy ban nhân dân xã Tân Lập"
        );
        assert_eq!(
            place("Xã Yên Bình, huyện Hữu Lũng, tinh Lạng Sơn"),
            "Xã Yên Bình, huyện Hữu Lũng, tỉnh Lạng Sơn"
        );
        assert_eq!(
            place("UỶ BAN NHÂN DÂN XA TÂN LẬP"),
            "ỦY BAN NHÂN DÂN XÃ TÂN LẬP"
        );
        // Not before a name, or a name itself: left as read.
        assert_eq!(place("nhà ở xa chợ"), "nhà ở xa chợ");
        assert_eq!(
            place("thị xã Tịnh Biên, tỉnh An Giang"),
            "thị xã Tịnh Biên, tỉnh An Giang"
        );
        assert_eq!(place("Bệnh viện Phương Đông"), "Bệnh viện Phương Đông");
        // Other fields are not touched.
        assert_eq!(normal_value("dan_toc", "tính").0, "tính");
        assert_eq!(normal_value("dien_tich", "320,5 m2").0, "320,5 m²");
        assert_eq!(normal_value("dien_tich", "320,5 m²").0, "320,5 m²");
    }

    #[test]
    fn an_area_whose_raised_two_was_read_as_a_mark_is_in_square_metres() {
        // Found on a heavily damaged land-use certificate: "320,5 m²" read "320,5 m?".
        assert_eq!(normal_value("dien_tich", "320,5 m?").0, "320,5 m²");
        assert_eq!(normal_value("dien_tich", "1.250 m’").0, "1.250 m²");
        assert_eq!(normal_value("dien_tich", "87m°").0, "87m²");
        // Not after a number, or not after the unit: left as read.
        assert_eq!(normal_value("dien_tich", "bao nhiêu m?").0, "bao nhiêu m?");
        assert_eq!(normal_value("dien_tich", "320,5?").0, "320,5?");
    }

    #[test]
    fn a_date_that_lost_a_slash_is_put_right() {
        // Found on a heavily blurred diploma: "24/09/1988" read "24/091988".
        assert_eq!(normal_value("ngay_sinh", "24/091988").0, "24/09/1988");
        assert_eq!(normal_value("ngay_sinh", "24091988").0, "24/09/1988");
        assert_eq!(normal_value("ngay_sinh", "99/091988").0, "99/091988");
    }

    #[test]
    fn a_date_whose_slashes_were_read_as_ones_is_put_right() {
        // Found in a ruled table of a birth certificate: "02/07/2013" read as "0210712013".
        assert_eq!(
            normal_value("ngay_sinh", "0210712013").0,
            "02/07/2013".to_owned()
        );
        // Not a date when put so: left as read.
        assert_eq!(
            normal_value("ngay_sinh", "4518912013").0,
            "4518912013".to_owned()
        );
    }

    #[test]
    fn a_one_read_as_a_slash_in_a_date_is_put_right() {
        assert_eq!(normal_value("ngay_sinh", "08//2//999").0, "08/12/1999");
        assert_eq!(normal_value("ngay_sinh", "/7//0/1985").0, "17/10/1985");
        assert_eq!(normal_value("ngay_sinh", "2l/03/20|5").0, "21/03/2015");
        // Not the shape of a date: left as read, for a person to see ("0249/2020" is read
        // back as a slash taken for a four: a_date_whose_slash_was_read_as_a_four_is_read_back).
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
