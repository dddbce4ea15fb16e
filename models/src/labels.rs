//! The labels of a row: what words print a field's name, and which field they name.
//!
//! A label is a run of words ending at a colon ("Họ, chữ đệm, tên: …", several a row), a table
//! row's first cell, or a row of labels whose values stand on the row below (identity cards).
//! It is matched against the templates' wordings ([`crate::vocabulary`]) without diacritics and
//! with OCR's confusions forgiven ([`crate::matching`]), without the number a form gives its
//! line; a label found nowhere is still a label, under its own printed words.

use crate::checks::fold;
use crate::layout::{Row, Word};
use crate::matching::distance;
use crate::vocabulary::{CONCEPTS, Concept, ENGLISH_LABEL_WORDS, Person, person_of};

/// A label runs back at most this many words from its colon.
const LONGEST_LABEL_WORDS: usize = 9;
/// A label found nowhere in the vocabulary has at most this many words.
const LONGEST_UNKNOWN_LABEL_WORDS: usize = 5;

/// What a printed label stands for.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Meaning {
    /// A known field, maybe of a named person.
    Known(&'static Concept, Option<Person>),
    /// A person alone ("Chồng:", "Người đi khai sinh:"): that person's name.
    PersonName(Person),
}

/// A label found in a row: words `start..end` (the colon's word included).
#[derive(Debug, Clone)]
pub(crate) struct Label {
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) meaning: Option<Meaning>,
    pub(crate) printed: String,
}

/// The printed words of a label, without the colon and without the number the form gives its
/// line ("1. Họ, chữ đệm và tên", "II. Nơi sinh", "a) Ngày cấp").
pub(crate) fn label_text(words: &[Word]) -> String {
    let text: Vec<&str> = words.iter().map(|word| word.text.as_str()).collect();
    let joined = text.join(" ");
    let trimmed = joined
        .trim_end_matches([':', ';'])
        .trim_start_matches(|c: char| !c.is_alphanumeric())
        .trim();
    without_line_number(trimmed).to_owned()
}

/// `text` without a leading line number: one or two digits, a roman numeral or one letter,
/// then "." or ")" (and a space), when words follow it.
fn without_line_number(text: &str) -> &str {
    let Some((first, rest)) = text.split_once(' ') else {
        return text;
    };
    let Some(number) = first
        .strip_suffix('.')
        .or_else(|| first.strip_suffix(')'))
        .or_else(|| first.strip_suffix("/."))
    else {
        return text;
    };
    let digits = !number.is_empty()
        && number.chars().count() <= 2
        && number.chars().all(|c| c.is_ascii_digit());
    let roman = !number.is_empty()
        && number.chars().count() <= 4
        && number.chars().all(|c| matches!(c, 'I' | 'V' | 'X'));
    let letter = number.chars().count() == 1 && number.chars().all(char::is_lowercase);
    if (digits || roman || letter) && rest.chars().any(char::is_alphabetic) {
        rest.trim_start()
    } else {
        text
    }
}

/// Edits charged for label words after a known wording that name no person ("Quốc tịch
/// (Nationality)" read as "Quốc tịch CNationahty"): the field is still known, less surely.
const UNKNOWN_TAIL_EDITS: usize = 2;
/// At most this many such words.
const LONGEST_UNKNOWN_TAIL: usize = 3;

/// What a printed label means, with the edits it took; a bilingual label ("Họ và tên / Full
/// name") is also tried by its Vietnamese part alone.
pub(crate) fn meaning_of(printed: &str) -> Option<(Meaning, usize)> {
    let mut best: Option<(Meaning, usize, usize)> = None;
    let vietnamese = printed.split('/').next().unwrap_or(printed);
    for part in [printed, vietnamese] {
        let folded = fold(part);
        if folded.is_empty() {
            continue;
        }
        if let Some(person) = person_of(&folded) {
            consider(&mut best, Meaning::PersonName(person), 0, folded.len());
        }
        let tokens: Vec<&str> = folded.split(' ').collect();
        // The label's head names the field; its tail may name a person ("… của chồng").
        for split in (1..=tokens.len()).rev() {
            let head = tokens[..split].join(" ");
            let (person, tail_edits) = if split == tokens.len() {
                (None, 0)
            } else {
                match person_of(&tokens[split..].join(" ")) {
                    Some(person) => (Some(person), 0),
                    None if tokens.len() - split <= LONGEST_UNKNOWN_TAIL => {
                        (None, UNKNOWN_TAIL_EDITS)
                    }
                    None => continue,
                }
            };
            for concept in CONCEPTS {
                for wording in concept.wordings {
                    if let Some(edits) = distance(&head, wording) {
                        consider(
                            &mut best,
                            Meaning::Known(concept, person),
                            edits + tail_edits,
                            wording.len(),
                        );
                    }
                }
            }
        }
    }
    if best.is_none() {
        best = meaning_without_spaces(printed);
    }
    best.map(|(meaning, edits, _)| (meaning, edits))
}

/// A label whose spaces OCR lost on a blurred scan ("Nơisinh", "Nămtốtnghiệp"): matched
/// against the wordings without their spaces, a known wording of at least two words only
/// (one edit more than with its spaces, so a spaced reading is always preferred).
fn meaning_without_spaces(printed: &str) -> Option<(Meaning, usize, usize)> {
    let folded = fold(printed.split('/').next().unwrap_or(printed));
    if folded.contains(' ') || folded.len() < 6 {
        return None;
    }
    let mut best = None;
    for concept in CONCEPTS {
        for wording in concept
            .wordings
            .iter()
            .filter(|wording| wording.contains(' '))
        {
            let joined = wording.replace(' ', "");
            if let Some(edits) = distance(&folded, &joined) {
                consider(
                    &mut best,
                    Meaning::Known(concept, None),
                    edits + 1,
                    joined.len(),
                );
            }
        }
    }
    best
}

/// Keeps the better of two readings: fewer edits, then the longer wording.
fn consider(
    best: &mut Option<(Meaning, usize, usize)>,
    meaning: Meaning,
    edits: usize,
    length: usize,
) {
    let better = match best {
        None => true,
        Some((_, best_edits, best_length)) => {
            edits < *best_edits || (edits == *best_edits && length > *best_length)
        }
    };
    if better {
        *best = Some((meaning, edits, length));
    }
}

fn begins_upper_case(word: &Word) -> bool {
    word.text
        .chars()
        .find(|c| c.is_alphabetic())
        .is_some_and(char::is_uppercase)
}

fn ends_label(word: &Word) -> bool {
    word.text.ends_with(':') || ends_as_a_misread_colon(word)
}

/// A word ending in ";", which is how OCR reads a damaged colon ("Ngày sinh;"): it ends a label
/// only when the words before it mean a known field.
fn ends_as_a_misread_colon(word: &Word) -> bool {
    word.text.ends_with(';')
}

/// The labels of a row, left to right.
pub(crate) fn labels(row: &Row) -> Vec<Label> {
    let words = &row.words;
    let mut found = Vec::new();
    let mut boundary = 0;
    for (colon, word) in words.iter().enumerate() {
        if !ends_label(word) {
            continue;
        }
        let earliest = boundary.max((colon + 1).saturating_sub(LONGEST_LABEL_WORDS));
        // The longest run before the colon that means a field, the fewest edits first.
        let mut best: Option<(usize, Meaning, usize)> = None;
        for start in earliest..=colon {
            let printed = label_text(&words[start..=colon]);
            if let Some((meaning, edits)) = meaning_of(&printed) {
                let better = match best {
                    None => true,
                    Some((_, _, best_edits)) => edits < best_edits,
                };
                if better {
                    best = Some((start, meaning, edits));
                }
            }
        }
        let label = match best {
            Some((start, meaning, _)) => {
                let (start, meaning) = with_its_vietnamese_half(row, boundary, start, meaning);
                Label {
                    start,
                    end: colon + 1,
                    meaning: Some(meaning),
                    printed: label_text(&words[start..=colon]),
                }
            }
            None if ends_as_a_misread_colon(word) => continue,
            None => {
                // A label of its own words: from the cell it is in, at most a few words, from
                // its first word in capitals.
                let cell_start = (earliest..=colon)
                    .rev()
                    .find(|index| row.starts_cell(*index))
                    .unwrap_or(earliest);
                let start = cell_start.max((colon + 1).saturating_sub(LONGEST_UNKNOWN_LABEL_WORDS));
                let start = (start..=colon)
                    .find(|index| begins_upper_case(&words[*index]))
                    .unwrap_or(start);
                let printed = label_text(&words[start..=colon]);
                if !printed.chars().any(char::is_alphabetic) {
                    continue;
                }
                Label {
                    start,
                    end: colon + 1,
                    meaning: None,
                    printed,
                }
            }
        };
        boundary = colon + 1;
        found.push(label);
    }
    if found.is_empty()
        && let Some(row_of_labels) = labels_without_colons(row)
    {
        return row_of_labels;
    }
    for label in bilingual_labels(row, &found) {
        let at = found
            .iter()
            .position(|other| other.start > label.start)
            .unwrap_or(found.len());
        found.insert(at, label);
    }
    // Cells of marks before the first (a stamp's or a photo's edge read as a letter) are not
    // the row's first cell.
    let cells = row.cells();
    let leading_marks = cells
        .iter()
        .take_while(|cell| cell.len() == 1 && is_a_mark(&cell[0]))
        .count();
    let first_start = row.cell_starts.get(leading_marks).copied().unwrap_or(0);
    if found.first().is_none_or(|label| label.start > first_start) {
        // A table row's first cell, or a row that is a label alone (its value below), with no
        // colon: only a known wording counts, read exactly enough.
        if let Some(first) = cells.get(leading_marks).copied() {
            let end = first_start + first.len();
            let stops_before = found.first().is_none_or(|label| label.start >= end);
            let printed = label_text(first);
            let words_in_label = printed.split_whitespace().count();
            let alone_allowed =
                cells.len() > leading_marks + 1 || printed.contains('/') || words_in_label >= 2;
            if stops_before
                && alone_allowed
                && let Some((meaning, edits)) = meaning_of(&printed)
                && edits == 0
                && !matches!(meaning, Meaning::PersonName(_))
            {
                found.insert(
                    0,
                    Label {
                        start: first_start,
                        end,
                        meaning: Some(meaning),
                        printed,
                    },
                );
            }
        }
    }
    found
}

/// How OCR reads the slash between a bilingual label's halves ("Nơi sinh / Place of birth").
const BILINGUAL_SEPARATORS: [char; 5] = ['/', '¡', 'ƒ', '|', '!'];

/// A label found by its English half alone ("Full name:") whose Vietnamese half stands before
/// the slash ("Họ, chữ đệm và tên khai sinh / Full name:") begins there: the Vietnamese words
/// are the label's, not the value of the label before, and they name the field when they can.
/// The half begins at the earliest run after `boundary` that means a field, or, when OCR
/// garbled it past meaning, at the start of the cell the label stands in.
fn with_its_vietnamese_half(
    row: &Row,
    boundary: usize,
    start: usize,
    meaning: Meaning,
) -> (usize, Meaning) {
    let words = &row.words;
    let is_separator = |text: &str| {
        let text = text.trim();
        text.chars().count() == 1 && text.chars().all(|c| BILINGUAL_SEPARATORS.contains(&c))
    };
    let ends_with_separator = |text: &str| {
        text.trim_end()
            .chars()
            .last()
            .is_some_and(|c| BILINGUAL_SEPARATORS.contains(&c))
    };
    // The separator alone is a word (the run found may begin with it: it reads as nothing);
    // stuck to the last Vietnamese word, it ends that word.
    let half_end = if is_separator(&words[start].text) {
        start
    } else {
        match start.checked_sub(1) {
            Some(before) if is_separator(&words[before].text) => before,
            Some(before) if ends_with_separator(&words[before].text) => start,
            _ => return (start, meaning),
        }
    };
    if half_end <= boundary {
        return (start, meaning);
    }
    let earliest = boundary.max(half_end.saturating_sub(LONGEST_LABEL_WORDS));
    for half_start in earliest..half_end {
        let half = label_text(&words[half_start..half_end]);
        if let Some((vietnamese, _)) = meaning_of(&half) {
            return (half_start, vietnamese);
        }
    }
    match (earliest..half_end)
        .rev()
        .find(|index| row.starts_cell(*index))
    {
        Some(cell_start) => (cell_start, meaning),
        None => (start, meaning),
    }
}

/// A word that is a mark, not writing: at most two letters or digits, and OCR unsure of it.
fn is_a_mark(word: &Word) -> bool {
    word.text.chars().filter(|c| c.is_alphanumeric()).count() <= 2
        && word.confidence < SURE_OF_A_MARK
}

/// Below this confidence a word of one or two letters is taken for a mark.
const SURE_OF_A_MARK: f32 = 60.0;

/// At most this many English words follow a bilingual label's slash.
const LONGEST_ENGLISH_TAIL: usize = 4;

/// Labels without a colon that a bilingual paper prints as "Vietnamese / English" with the
/// value after them on the same row ("Ngày sinh / Date of birth 07/09/1977", "Số/No 0660…"):
/// the words before a slash between letters mean a known field, and the English words after it
/// (those [`ENGLISH_LABEL_WORDS`] has, read with OCR's confusions) belong to the label. Words
/// already in a label found by its colon are left alone.
fn bilingual_labels(row: &Row, found: &[Label]) -> Vec<Label> {
    let words = &row.words;
    let taken = |index: usize| {
        found
            .iter()
            .any(|label| (label.start..label.end).contains(&index))
    };
    let mut labels = Vec::new();
    let mut boundary = 0;
    for (index, word) in words.iter().enumerate() {
        if taken(index) {
            boundary = index + 1;
            continue;
        }
        let Some((before, after)) = word.text.split_once('/') else {
            continue;
        };
        let letter_before = before.chars().last().is_none_or(char::is_alphabetic);
        let letter_after = after.chars().next().is_none_or(char::is_alphabetic);
        if !letter_before || !letter_after || (before.is_empty() && index == 0) {
            continue;
        }
        // The Vietnamese part: the run ending at the slash that means a field, fewest edits.
        let mut best: Option<(usize, Meaning, usize)> = None;
        let earliest = boundary.max(index.saturating_sub(LONGEST_LABEL_WORDS));
        for start in earliest..=index {
            let mut parts: Vec<&str> = words[start..index]
                .iter()
                .map(|word| word.text.as_str())
                .collect();
            parts.push(before);
            let printed = parts.join(" ");
            if let Some((meaning @ Meaning::Known(..), edits)) = meaning_of(&printed)
                && best
                    .as_ref()
                    .is_none_or(|(_, _, best_edits)| edits < *best_edits)
            {
                best = Some((start, meaning, edits));
            }
        }
        let Some((start, meaning, _)) = best else {
            continue;
        };
        // The English part: the words after the slash that English labels print.
        let is_english = |text: &str| {
            let folded = fold(text);
            !folded.is_empty()
                && !folded.contains(' ')
                && ENGLISH_LABEL_WORDS
                    .iter()
                    .any(|english| distance(&folded, english).is_some())
        };
        let mut end = index + 1;
        let mut english = usize::from(is_english(after));
        while end < words.len()
            && english < LONGEST_ENGLISH_TAIL
            && !taken(end)
            && is_english(&words[end].text)
        {
            end += 1;
            english += 1;
        }
        labels.push(Label {
            start,
            end,
            meaning: Some(meaning),
            printed: label_text(&words[start..end]),
        });
        boundary = end;
    }
    labels
}

/// A row of several labels and nothing else, without colons ("Giới tính | Dân tộc | Quốc
/// tịch", the values on the row below, each under its label): every cell a known wording,
/// read exactly enough; a cell of a stamp's or a rule's marks (no two letters or digits) is
/// not counted against it.
pub(crate) fn labels_without_colons(row: &Row) -> Option<Vec<Label>> {
    let mut found = Vec::new();
    for (cell, &start) in row.cells().into_iter().zip(&row.cell_starts) {
        let printed = label_text(cell);
        if printed.chars().filter(|c| c.is_alphanumeric()).count() < 2 {
            continue;
        }
        match meaning_of(&printed) {
            Some((meaning @ Meaning::Known(..), 0)) => found.push(Label {
                start,
                end: start + cell.len(),
                meaning: Some(meaning),
                printed,
            }),
            _ => return None,
        }
    }
    (found.len() >= 2).then_some(found)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::rows;

    fn row_labels(text: &str) -> Vec<(String, String)> {
        let page = crate::layout::test_page(&[&[(100, text)]], 91.0);
        let row = &rows(&page, 0)[0];
        labels(row)
            .into_iter()
            .map(|label| {
                let key = match label.meaning {
                    Some(Meaning::Known(concept, _)) => concept.key.to_owned(),
                    _ => "?".to_owned(),
                };
                let value: Vec<&str> = row.words[label.end..]
                    .iter()
                    .take_while(|_| true)
                    .map(|word| word.text.as_str())
                    .collect();
                (key, value.join(" "))
            })
            .collect()
    }

    #[test]
    fn a_bilingual_label_without_a_colon_ends_with_its_english() {
        // An identity card read without colons: all but the name were lost.
        let found = row_labels("Ngày sinh / Date of birth 07/09/1977");
        assert_eq!(found, [("ngay_sinh".to_owned(), "07/09/1977".to_owned())]);
        let found = row_labels("Số/No 066077431324");
        assert_eq!(found, [("so".to_owned(), "066077431324".to_owned())]);
        let found = row_labels("Giới tính / Sex Nam Quốc tịch / Nationality Việt Nam");
        assert_eq!(found[0].0, "gioi_tinh");
        assert_eq!(found[1], ("quoc_tich".to_owned(), "Việt Nam".to_owned()));
        // A date's slashes and a number's are no label.
        assert!(row_labels("Hà Nội, 07/09/1977 số 29/KH").is_empty());
    }

    #[test]
    fn a_line_number_goes_only_before_words() {
        assert_eq!(without_line_number("1. Họ và tên"), "Họ và tên");
        assert_eq!(without_line_number("XII. Nơi sinh"), "Nơi sinh");
        assert_eq!(without_line_number("a) Ngày cấp"), "Ngày cấp");
        assert_eq!(without_line_number("Số 12. Hà Nội"), "Số 12. Hà Nội");
        assert_eq!(without_line_number("123. Đường"), "123. Đường");
        assert_eq!(without_line_number("1. 2"), "1. 2");
    }
}
