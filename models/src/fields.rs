//! Every labelled value on the page, as a field.
//!
//! The labels of each row are found by [`crate::labels`]. A label about a person takes the
//! person it names ("… người mẹ", "… chồng"), the section it stands in ("Bên vợ", "Thông tin
//! người chồng") or the table column under which its value stands ("Chồng | Vợ"). A value
//! stands after its label, below it, or goes on at the start of the next row. Values are put in
//! normal form ([`crate::normal`]); each field keeps the label as printed, the box it was read
//! from and the lowest confidence of its words, so the official sees where it came from. The
//! citizen confirms or corrects every field on the kiosk's screen.

use std::collections::BTreeMap;

use crate::checks::fold;
use crate::labels::{Label, Meaning, label_text, labels, meaning_of};
use crate::layout::{Row, Word, rows};
use crate::normal::normal_value;
use crate::ocr::OcrPage;
use crate::vocabulary::{CONCEPTS, KIND_SYNONYMS, Person, field_names, person_of};
use bansao_copy::DocumentType;

/// Below this confidence a lone letter at the end of a value is taken for a mark.
const SURE_OF_A_LONE_LETTER: f32 = 60.0;
/// The confidence (0–100) a name put right from the names list is given at most.
const NAME_CORRECTED_CONFIDENCE: f32 = 70.0;
/// A value stops at a gap wider than this many word heights.
const VALUE_GAP_HEIGHTS: u32 = 3;

/// Every canonical field key this module produces (persons' variants aside).
pub fn field_keys() -> impl Iterator<Item = &'static str> {
    CONCEPTS.iter().map(|concept| concept.key)
}

/// A field's Vietnamese label (`None` for a key this module does not know).
pub fn label_vi(key: &str) -> Option<String> {
    field_names(key).map(|(vi, _)| vi)
}

/// A field's English label.
pub fn label_en(key: &str) -> Option<String> {
    field_names(key).map(|(_, en)| en)
}

/// A field as read.
#[derive(Debug, Clone, PartialEq)]
pub struct ReadField {
    /// The value, in normal form.
    pub value: String,
    /// The lowest confidence of its words, in thousandths.
    pub confidence_permille: u16,
    /// The label as printed ("Họ, chữ đệm, tên người mẹ").
    pub label: String,
    /// The page the value is on (from 0).
    pub page: usize,
    /// The value's box on its page: left, top, width, height in pixels.
    pub bounds: (u32, u32, u32, u32),
}

/// The words of a value up to where something else begins: a wide gap (a seal's ring or a
/// signature beside the text, another column) or marks that are not writing (OCR's reading of
/// a stamp: no letter or digit and not sure of itself).
fn value_words(words: &[Word]) -> Vec<Word> {
    let mut kept: Vec<Word> = Vec::new();
    for word in words {
        if let Some(previous) = kept.last() {
            let gap = word.left().saturating_sub(previous.right());
            if gap > VALUE_GAP_HEIGHTS * previous.height().max(word.height()) {
                break;
            }
        }
        let writing = word.text.chars().any(char::is_alphanumeric);
        if !writing && kept.is_empty() {
            // Marks before a value are a rule's end or a stamp's ink, never the value.
            continue;
        }
        if !writing && word.confidence < 80.0 {
            break;
        }
        kept.push(word.clone());
    }
    while kept
        .last()
        .is_some_and(|word| !word.text.chars().any(char::is_alphanumeric))
    {
        kept.pop();
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

/// The columns of a table's header row ("Chồng | Vợ"): each person's horizontal span. In a
/// header of two words, one the husband or the wife and the other a short word OCR misread
/// ("Chồng | Vự"), the other is the spouse.
fn header_columns(row: &Row) -> Option<Vec<(u32, u32, Person)>> {
    let cells = row.cells();
    let mut columns = Vec::new();
    let mut misread = None;
    for cell in &cells {
        let folded = fold(&label_text(cell));
        let left = cell.first().map_or(0, Word::left);
        let right = cell.last().map_or(0, Word::right);
        if let Some(person) = person_of(&folded) {
            columns.push((left, right, person));
        } else if cells.len() == 2
            && misread.is_none()
            && (1..=3).contains(&folded.chars().count())
            && folded.chars().all(char::is_alphabetic)
        {
            misread = Some((left, right));
        } else if !matches!(
            folded.as_str(),
            "" | "THONG TIN" | "NOI DUNG" | "MUC" | "CHI TIET"
        ) {
            return None;
        }
    }
    if let (Some((left, right)), [(_, _, person)]) = (misread, columns.as_slice()) {
        let spouse = match person {
            Person::Husband => Person::Wife,
            Person::Wife => Person::Husband,
            _ => return None,
        };
        columns.push((left, right, spouse));
    }
    (columns.len() >= 2).then_some(columns)
}

/// The words of `following` that stand in the column of `row`'s label `number`: from a little
/// left of the label to where the row's next label begins.
fn in_label_column(row: &Row, labels: &[Label], number: usize, following: &Row) -> Vec<Word> {
    let left = row.words[labels[number].start]
        .left()
        .saturating_sub(row.height() * 2);
    let right = labels
        .get(number + 1)
        .map_or(u32::MAX, |next_label| row.words[next_label.start].left());
    following
        .words
        .iter()
        .filter(|word| word.left() >= left && word.left() < right)
        .cloned()
        .collect()
}

/// The header column a cell stands under (most overlap, or the nearest centre).
fn column_of(columns: &[(u32, u32, Person)], left: u32, right: u32) -> Option<Person> {
    let centre = (left + right) / 2;
    columns
        .iter()
        .min_by_key(|(column_left, column_right, _)| {
            let column_centre = (column_left + column_right) / 2;
            column_centre.abs_diff(centre)
        })
        .map(|(_, _, person)| *person)
}

/// A row that names a section's person alone ("Bên chồng", "THÔNG TIN NGƯỜI MẸ:").
fn section_person(row: &Row) -> Option<Person> {
    if row.cell_starts.len() != 1 || row.words.len() > 5 {
        return None;
    }
    person_of(&fold(&label_text(&row.words)))
}

/// One value found: key, label, words.
struct Found {
    key: String,
    label: String,
    words: Vec<Word>,
}

/// The key a label's value is stored under, and the section's person after it.
fn key_of(meaning: Option<Meaning>, printed: &str, context: Person) -> (String, Person) {
    match meaning {
        Some(Meaning::Known(concept, person)) if concept.personal => {
            let person = person.unwrap_or(context);
            (format!("{}{}", concept.key, person.suffix()), person)
        }
        Some(Meaning::Known(concept, _)) => (concept.key.to_owned(), Person::Main),
        Some(Meaning::PersonName(person)) => (format!("ho_ten{}", person.suffix()), person),
        None => (fold(printed).to_lowercase().replace(' ', "_"), context),
    }
}

/// The fields of one page's rows, in the order found.
fn page_fields(rows: &[Row]) -> Vec<Found> {
    let mut found = Vec::new();
    let mut context = Person::Main;
    let mut header: Option<Vec<(u32, u32, Person)>> = None;
    let mut consumed = vec![false; rows.len()];
    let row_labels: Vec<Vec<Label>> = rows.iter().map(labels).collect();
    let text_right = rows
        .iter()
        .filter(|row| row.words.len() >= 3)
        .filter_map(|row| row.words.last().map(Word::right))
        .max()
        .unwrap_or(0);
    for (index, row) in rows.iter().enumerate() {
        if consumed[index] {
            continue;
        }
        let labels = &row_labels[index];
        if labels.is_empty() {
            if let Some(person) = section_person(row) {
                context = person;
                header = None;
            } else if let Some(columns) = header_columns(row) {
                header = Some(columns);
            }
            continue;
        }
        for (number, label) in labels.iter().enumerate() {
            let value_end = labels
                .get(number + 1)
                .map_or(row.words.len(), |next| next.start);
            let (key, person) = key_of(label.meaning, &label.printed, context);
            let personal = matches!(
                label.meaning,
                Some(Meaning::Known(concept, _)) if concept.personal
            ) || matches!(label.meaning, Some(Meaning::PersonName(_)));
            // A table row under a "Chồng | Vợ" header: one value a column.
            let mut column_key = None;
            if let (Some(columns), true, Some(Meaning::Known(concept, None))) =
                (&header, personal, label.meaning)
            {
                // Each person's column holds its own "label: value".
                let own = value_words(&row.words[label.end..value_end]);
                let label_left = row.words[label.start].left();
                let label_right = row.words[label.end - 1].right();
                let in_its_own_cell = own
                    .first()
                    .and_then(|first| row.words.iter().position(|word| word == first))
                    .is_some_and(|at| !row.starts_cell(at));
                if in_its_own_cell
                    && let Some(column_person) = column_of(columns, label_left, label_right)
                {
                    column_key = Some(format!("{}{}", concept.key, column_person.suffix()));
                }
                let cells: Vec<&[Word]> = row
                    .cells()
                    .into_iter()
                    .filter(|cell| {
                        cell.first()
                            .is_some_and(|word| word.left() >= row.words[label.end - 1].right())
                    })
                    .collect();
                if column_key.is_none() && !cells.is_empty() {
                    for cell in cells {
                        let left = cell.first().map_or(0, Word::left);
                        let right = cell.last().map_or(0, Word::right);
                        let Some(column_person) = column_of(columns, left, right) else {
                            continue;
                        };
                        found.push(Found {
                            key: format!("{}{}", concept.key, column_person.suffix()),
                            label: label.printed.clone(),
                            words: value_words(cell),
                        });
                    }
                    continue;
                }
            }
            if personal || matches!(label.meaning, Some(Meaning::Known(..))) {
                context = if personal { person } else { Person::Main };
            }
            let mut words = value_words(&row.words[label.end..value_end]);
            if let [word] = words.as_slice()
                && word.text.chars().count() == 1
                && word.confidence < SURE_OF_A_LONE_LETTER
            {
                // A lone letter OCR is unsure of, beside a label, is a stamp's or a rule's
                // mark: the value is elsewhere (below).
                words.clear();
            }
            let next = index + 1;
            if words.is_empty()
                && next < rows.len()
                && row_labels[next].is_empty()
                && !consumed[next]
            {
                // The value stands below its label, in the label's column.
                let below = in_label_column(row, labels, number, &rows[next]);
                // The next label, read a letter wrong, is no value (the value row was lost).
                let is_a_label = matches!(
                    meaning_of(&label_text(&below)),
                    Some((Meaning::Known(..), _))
                );
                if !is_a_label {
                    if number + 1 == labels.len() {
                        consumed[next] = true;
                    }
                    words = value_words(&below);
                }
            } else if !words.is_empty()
                && labels.len() > 1
                && next < rows.len()
                && row_labels[next].is_empty()
                && !consumed[next]
            {
                // In a row of labels side by side (a column each), a value going on goes on in
                // its own column of the next row: after a comma, or in lower case.
                let below = in_label_column(row, labels, number, &rows[next]);
                // The last column's value that reached the writing's right margin goes on too.
                let line_full = number + 1 == labels.len()
                    && words.last().map_or(0, Word::right) + 3 * row.height() >= text_right;
                let goes_on = line_full
                    || words.last().is_some_and(|word| word.text.ends_with(','))
                    || below.first().is_some_and(|word| {
                        word.text.chars().next().is_some_and(char::is_lowercase)
                    });
                if goes_on && !below.is_empty() {
                    words.extend(value_words(&below));
                    if number + 1 == labels.len() {
                        consumed[next] = true;
                    }
                }
            } else if !words.is_empty() && number + 1 == labels.len() {
                // A long value goes on at the start of the next row: after a comma, or when the
                // next row begins in lower case, and the next row is no label of its own.
                // So does a value that filled its line (it ends at the page's right margin of
                // writing) on a row of its own that starts under the value or at the margin.
                for continuation in next..(next + 2).min(rows.len()) {
                    let following = &rows[continuation];
                    let last_right = words.last().map_or(0, Word::right);
                    let line_full = last_right + 3 * row.height() >= text_right;
                    let goes_on = words.last().is_some_and(|word| word.text.ends_with(','))
                        || following.words.first().is_some_and(|word| {
                            word.text.chars().next().is_some_and(char::is_lowercase)
                        });
                    let first_left = following.words.first().map_or(0, Word::left);
                    let indented = first_left + row.height()
                        >= words[0].left().min(row.words[label.end - 1].right());
                    let at_the_margin = first_left.abs_diff(row.words[0].left()) <= row.height();
                    let wrapped = line_full
                        && (indented || at_the_margin)
                        && following.words.first().is_some_and(|word| {
                            word.text.chars().next().is_some_and(char::is_alphanumeric)
                        });
                    if !((goes_on && indented) || wrapped)
                        || !row_labels[continuation].is_empty()
                        || consumed[continuation]
                        || following.cell_starts.len() > 1
                    {
                        break;
                    }
                    words.extend(value_words(&following.words));
                    consumed[continuation] = true;
                }
            }
            found.push(Found {
                key: column_key.unwrap_or(key),
                label: label.printed.clone(),
                words,
            });
        }
    }
    found
}

/// A field from the words of its value.
fn read_field(found: &Found) -> Option<ReadField> {
    let text: Vec<&str> = found.words.iter().map(|word| word.text.as_str()).collect();
    let (value, corrected) = normal_value(&found.key, &text.join(" "));
    if value.is_empty() {
        return None;
    }
    let mut confidence = found
        .words
        .iter()
        .map(|word| word.confidence)
        .fold(100.0f32, f32::min);
    if corrected {
        // Put right from the names list, not read: the review shows it.
        confidence = confidence.min(NAME_CORRECTED_CONFIDENCE);
    }
    let page = found.words.first().map_or(0, |word| word.page);
    let on_page = found.words.iter().filter(|word| word.page == page);
    let left = on_page.clone().map(Word::left).min().unwrap_or(0);
    let top = on_page.clone().map(|word| word.bounds.1).min().unwrap_or(0);
    let right = on_page.clone().map(Word::right).max().unwrap_or(0);
    let bottom = on_page
        .map(|word| word.bounds.1 + word.bounds.3)
        .max()
        .unwrap_or(0);
    Some(ReadField {
        value,
        confidence_permille: (confidence.clamp(0.0, 100.0) * 10.0) as u16,
        label: found.label.clone(),
        page,
        bounds: (left, top, right - left, bottom - top),
    })
}

/// Every labelled field of the pages; where a key is found twice, the first stands.
pub fn extract(pages: &[OcrPage]) -> BTreeMap<String, ReadField> {
    let mut fields = BTreeMap::new();
    for (page_index, page) in pages.iter().enumerate() {
        for found in page_fields(&rows(page, page_index)) {
            if fields.contains_key(&found.key) || found.key.is_empty() {
                continue;
            }
            if let Some(field) = read_field(&found) {
                fields.insert(found.key, field);
            }
        }
    }
    crate::machine_zone::complete_from_machine_zone(pages, &mut fields);
    fields
}

/// The fields of a paper of `kind` under that kind's keys ([`KIND_SYNONYMS`]): a field read
/// under another wording of the same thing takes its key, unless that key was read too.
pub fn settle_for_kind(kind: DocumentType, fields: &mut BTreeMap<String, ReadField>) {
    for (synonym_kind, read_as, meant) in KIND_SYNONYMS {
        if *synonym_kind == kind
            && !fields.contains_key(*meant)
            && let Some(mut field) = fields.remove(*read_as)
        {
            field.value = normal_value(meant, &field.value).0;
            fields.insert((*meant).to_owned(), field);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(rows: &[&[(u32, &str)]]) -> OcrPage {
        crate::layout::test_page(rows, 91.0)
    }

    fn values(page: &OcrPage) -> BTreeMap<String, String> {
        extract(std::slice::from_ref(page))
            .into_iter()
            .map(|(key, field)| (key, field.value))
            .collect()
    }

    #[test]
    fn several_labels_a_row_and_the_persons_they_name() {
        let read = values(&page(&[
            &[(100, "Họ, chữ đệm, tên: Nguyễn Văn An")],
            &[(100, "Giới tính: Nam   Dân tộc: Kinh   Quốc tịch: Việt Nam")],
            &[(100, "Họ, chữ đệm, tên người mẹ: Trần Thị Bình")],
            &[(100, "Năm sinh: 1990   Dân tộc: Kinh")],
            &[(100, "Nơi đăng ký: Ủy ban nhân dân xã Tân Lập")],
            &[(100, "Thời gian họp: 19 giờ")],
        ]));
        assert_eq!(read["ho_ten"], "Nguyễn Văn An");
        assert_eq!(read["gioi_tinh"], "Nam");
        assert_eq!(read["dan_toc"], "Kinh");
        assert_eq!(read["quoc_tich"], "Việt Nam");
        assert_eq!(read["ho_ten_me"], "Trần Thị Bình");
        assert_eq!(read["nam_sinh_me"], "1990");
        assert_eq!(read["dan_toc_me"], "Kinh");
        assert_eq!(read["noi_dang_ky"], "Ủy ban nhân dân xã Tân Lập");
        // A label the vocabulary has never seen is a field under its own words.
        assert_eq!(read["thoi_gian_hop"], "19 giờ");
    }

    #[test]
    fn a_table_under_husband_and_wife_columns() {
        let read = values(&page(&[
            &[(900, "Chồng"), (1700, "Vợ")],
            &[
                (100, "Họ, chữ đệm, tên"),
                (900, "LÊ VĂN BÌNH"),
                (1700, "PHẠM THỊ CHÂU"),
            ],
            &[
                (100, "Ngày, tháng, năm sinh"),
                (900, "21/11/1987"),
                (1700, "30/01/1990"),
            ],
        ]));
        assert_eq!(read["ho_ten_chong"], "LÊ VĂN BÌNH");
        assert_eq!(read["ho_ten_vo"], "PHẠM THỊ CHÂU");
        assert_eq!(read["ngay_sinh_chong"], "21/11/1987");
        assert_eq!(read["ngay_sinh_vo"], "30/01/1990");
    }

    #[test]
    fn values_below_their_labels_and_values_on_two_rows() {
        let read = values(&page(&[
            &[(100, "Họ và tên / Full name:")],
            &[(100, "NGUYỄN VĂN AN")],
            &[(100, "Giới tính / Sex:"), (900, "Quốc tịch / Nationality:")],
            &[(100, "Nam"), (900, "Việt Nam")],
            &[(100, "Nơi cư trú: Thôn Đồng, xã Tân Lập,")],
            &[(400, "huyện Thanh Sơn, tỉnh Phú Thọ")],
            &[(100, "Có giá trị đến: 12/03/2040")],
        ]));
        assert_eq!(read["ho_ten"], "NGUYỄN VĂN AN");
        assert_eq!(read["gioi_tinh"], "Nam");
        assert_eq!(read["quoc_tich"], "Việt Nam");
        assert_eq!(
            read["noi_cu_tru"],
            "Thôn Đồng, xã Tân Lập, huyện Thanh Sơn, tỉnh Phú Thọ"
        );
        assert_eq!(read["ngay_het_han"], "12/03/2040");
    }

    #[test]
    fn a_bilingual_label_found_by_its_english_half_keeps_its_vietnamese_half() {
        // Found on a heavily damaged identity card laid out label above value: the English
        // half of the first label was garbled, and the second label was taken for its value.
        let read = values(&page(&[
            &[
                (200, "Số đính danh cá nhân / Personal sdenifcatfqn number:"),
                (1252, "Họ, chữ đệm và tên khai sinh / Full name:"),
            ],
            &[(200, "036192004417"), (1252, "ĐỖ THỊ THU HẰNG")],
            &[
                (200, "Quốc tịch / Natlonality:"),
                (1252, "Nơi đẳng ký khai sinh ¡ Place of bìrth registration:"),
            ],
            &[(200, "Việt Nam"), (1252, "Bệnh viện Đa khoa tỉnh Nam Định")],
        ]));
        assert_eq!(
            read.get("so_dinh_danh").map(String::as_str),
            Some("036192004417"),
            "{read:?}"
        );
        assert_eq!(
            read.get("ho_ten").map(String::as_str),
            Some("ĐỖ THỊ THU HẰNG"),
            "{read:?}"
        );
        assert_eq!(
            read.get("quoc_tich").map(String::as_str),
            Some("Việt Nam"),
            "{read:?}"
        );
        assert_eq!(
            read.get("noi_dang_ky_khai_sinh").map(String::as_str),
            Some("Bệnh viện Đa khoa tỉnh Nam Định"),
            "{read:?}"
        );
    }

    #[test]
    fn a_label_whose_colon_was_read_as_a_semicolon_finds_its_field() {
        // Found on a diploma laid out label above value: "Ngày sinh;" was no label, so it was
        // the name's value and the date of birth was lost.
        let read = values(&page(&[
            &[(200, "Họ và tên:"), (1252, "Ngày sinh;")],
            &[(200, "PHAN THỊ MỸ LINH"), (1252, "08/12/1999")],
            &[(200, "Nơi cư trú: Thôn Đồng; xóm Bãi")],
        ]));
        assert_eq!(
            read.get("ho_ten").map(String::as_str),
            Some("PHAN THỊ MỸ LINH")
        );
        assert_eq!(
            read.get("ngay_sinh").map(String::as_str),
            Some("08/12/1999")
        );
        // Within a value, a semicolon after words that mean no field ends nothing.
        assert_eq!(
            read.get("noi_cu_tru").map(String::as_str),
            Some("Thôn Đồng; xóm Bãi")
        );
    }

    /// Issue 12: a marriage certificate laid out as two columns under "Chồng | Vợ", each
    /// person's "label: value" in their column, with "Vợ" read "Vự", gave none of the
    /// persons' fields (and the husband's name was a line of the signature block).
    #[test]
    fn each_spouse_s_column_of_labels_and_values_under_a_misread_header() {
        let read = values(&page(&[
            &[(661, "Chồng"), (1751, "Vự")],
            &[
                (251, "Họ, chữ đệm, tên: KIỀU ĐỨC THỊNH."),
                (1301, "Họ, chữ đệm, tên: BÙI THU HƯỜNG."),
            ],
            &[
                (251, "Ngày, tháng, năm sinh: 22/12/1991."),
                (1301, "Ngày, tháng, năm sinh: 14-11-1988."),
            ],
            &[(251, "Dân tộc: Khmer."), (1301, "Dân tộc: Kinh.")],
        ]));
        assert_eq!(
            read.get("ho_ten_chong").map(String::as_str),
            Some("KIỀU ĐỨC THỊNH")
        );
        assert_eq!(
            read.get("ho_ten_vo").map(String::as_str),
            Some("BÙI THU HƯỜNG")
        );
        assert_eq!(
            read.get("ngay_sinh_chong").map(String::as_str),
            Some("22/12/1991")
        );
        assert_eq!(
            read.get("ngay_sinh_vo").map(String::as_str),
            Some("14/11/1988")
        );
        assert_eq!(read.get("dan_toc_chong").map(String::as_str), Some("Khmer"));
        assert_eq!(
            read.get("dan_toc_vo").map(String::as_str),
            Some("Kinh"),
            "{read:?}"
        );
    }

    /// Issue 12: the same certificate's addresses go on in their own columns of the next row.
    #[test]
    fn a_value_goes_on_in_its_own_column_of_the_next_row() {
        let read = values(&page(&[
            &[(661, "Chồng"), (1751, "Vợ")],
            &[
                (252, "Nơi cư trú: Xóm Chùa, xã Quảng Phú,"),
                (1302, "Nơi cư trú: Số 2, đường Lê Lợi, xã Cấm"),
            ],
            &[
                (250, "huyện Quảng Trạch, tỉnh Quảng Bình."),
                (1300, "Hà, thành phố Hội An, tỉnh Quảng Nam."),
            ],
            &[
                (252, "Số định danh cá nhân: 044091835295."),
                (1302, "Số định danh cá nhân: 049188792962."),
            ],
        ]));
        assert_eq!(
            read.get("noi_cu_tru_chong").map(String::as_str),
            Some("Xóm Chùa, xã Quảng Phú, huyện Quảng Trạch, tỉnh Quảng Bình")
        );
        // "xã Cấm" and "Hà" make the commune of Hội An the gazetteer knows.
        assert_eq!(
            read.get("noi_cu_tru_vo").map(String::as_str),
            Some("Số 2, đường Lê Lợi, xã Cẩm Hà, thành phố Hội An, tỉnh Quảng Nam"),
            "{read:?}"
        );
        assert_eq!(
            read.get("so_dinh_danh_vo").map(String::as_str),
            Some("049188792962")
        );
    }

    #[test]
    fn a_label_below_a_label_is_not_its_value() {
        // Found on a damaged scan laid out label above value: the name's row was lost, and the
        // next label, one letter misread, was taken for the name.
        let read = values(&page(&[
            &[(100, "Họ, chữ đệm, tên")],
            &[(100, "Ngày, tháng, nām sinb")],
            &[(100, "03/06/1992")],
        ]));
        assert_eq!(read.get("ho_ten"), None, "{read:?}");
    }

    #[test]
    fn a_row_of_labels_without_colons_takes_the_values_below_each() {
        // Found on a boxed birth certificate: "Giới tính | Dân tộc | Quốc tịch" over "Nam |
        // Nùng | Việt Nam" gave the sex "Dân tộc" and no ethnicity or nationality.
        let read = values(&page(&[
            &[(100, "Giới tính"), (800, "Dân tộc"), (1500, "Quốc tịch")],
            &[(100, "Nam"), (800, "Nùng"), (1500, "Việt Nam")],
        ]));
        assert_eq!(read.get("gioi_tinh").map(String::as_str), Some("Nam"));
        assert_eq!(read.get("dan_toc").map(String::as_str), Some("Nùng"));
        assert_eq!(read.get("quoc_tich").map(String::as_str), Some("Việt Nam"));
    }

    #[test]
    fn a_lone_unsure_letter_beside_a_label_is_no_value() {
        // Found where a seal overlaps a form's last row: "Ngày đăng ký | n", the date below.
        let mut unsure = page(&[&[(100, "Ngày đăng ký"), (900, "n")], &[(100, "31/03/2010")]]);
        unsure.words[3].confidence = 30.0;
        let read = values(&unsure);
        assert_eq!(
            read.get("ngay_dang_ky").map(String::as_str),
            Some("31/03/2010")
        );
    }

    #[test]
    fn a_person_read_a_letter_wrong_still_opens_their_section() {
        // "người đi khai sinh" read "người đt khai sinh": the declarant's paper was filed
        // under the father above.
        let read = values(&page(&[
            &[(100, "Họ và tên cha: TẠ VĂN KHÔI")],
            &[(100, "Họ, chữ đệm, tên người đt khai sinh: Tạ Văn Khôi")],
            &[(100, "Giấy tờ tùy thân: Căn cước công dân số 075088968647")],
        ]));
        assert!(read.contains_key("giay_to_tuy_than_nguoi_khai"), "{read:?}");
        assert!(!read.contains_key("giay_to_tuy_than_cha"), "{read:?}");
    }

    #[test]
    fn the_place_a_birth_was_registered_is_a_birth_certificate_s_place_of_registration() {
        let pages = [page(&[&[(
            100,
            "Nơi đăng ký khai sinh: Ủy ban nhân dân xã Cẩm Hà",
        )]])];
        let mut read = extract(&pages);
        let card = read.clone();
        settle_for_kind(DocumentType::BirthCertificate, &mut read);
        assert_eq!(read["noi_dang_ky"].value, "Ủy ban nhân dân xã Cẩm Hà");
        // On an identity card it stays the holder's birth registration.
        assert!(card.contains_key("noi_dang_ky_khai_sinh"));
    }

    #[test]
    fn a_bilingual_label_does_not_take_the_value_before_it() {
        // Found on a damaged identity card: the date was read into the next label, whose
        // English part alone ("Sex") had been enough to name it.
        let read = values(&page(&[&[(
            100,
            "Ngày sinh / Date of birth: 03/06/1992   Giới tính / Sex: Nữ   Quốc tịch CNationahty: Việt Nam",
        )]]));
        assert_eq!(read["ngay_sinh"], "03/06/1992");
        assert_eq!(read["gioi_tinh"], "Nữ");
        assert_eq!(read["quoc_tich"], "Việt Nam");
    }

    #[test]
    fn a_numbered_label_in_a_table_cell_finds_its_field() {
        // A residence confirmation laid out as a table, its lines numbered, no colons: every
        // field was lost because "1. Họ, chữ đệm và tên" was no known wording.
        let read = values(&page(&[
            &[(279, "1. Họ, chữ đệm và tên"), (1042, "ĐOÀN KIM BẢO LAN")],
            &[(277, "2. Ngày, tháng, năm sinh"), (1043, "05/01/1986")],
            &[(277, "3. Giới tính"), (1042, "Nữ")],
            &[(277, "II. Quốc tịch"), (1042, "Việt Nam")],
            &[(277, "b) Nơi thường trú: Thôn 3, xã Tân Lập")],
        ]));
        assert_eq!(read["ho_ten"], "ĐOÀN KIM BẢO LAN");
        assert_eq!(read["ngay_sinh"], "05/01/1986");
        assert_eq!(read["gioi_tinh"], "Nữ");
        assert_eq!(read["quoc_tich"], "Việt Nam");
        assert_eq!(read["noi_thuong_tru"], "Thôn 3, xã Tân Lập");
    }

    #[test]
    fn a_value_that_filled_its_line_goes_on_at_the_margin_below() {
        // "… tỉnh Phú" and "Thọ" on the next line, at the margin, as a form wraps a long value.
        let read = values(&page(&[
            &[(
                252,
                "Nơi sinh: Bệnh viện Đa khoa tỉnh Phú Thọ huyện Tam Nông",
            )],
            &[(
                252,
                "Nơi đăng ký: Ủy ban nhân dân xã Phú Thịnh, huyện Tam Nông, tỉnh Phú",
            )],
            &[(251, "Thọ")],
            &[(
                252,
                "Nơi cư trú: Tổ dân phố 15, đường Lê Lợi, xã Tân Lập, huyện Tư",
            )],
            &[(700, "Nghĩa, tỉnh Quảng Ngãi")],
            &[(252, "Dân tộc: Kinh")],
            &[(252, "Ghi chú")],
        ]));
        assert_eq!(
            read["noi_dang_ky"],
            "Ủy ban nhân dân xã Phú Thịnh, huyện Tam Nông, tỉnh Phú Thọ"
        );
        assert_eq!(
            read["noi_cu_tru"],
            "Tổ dân phố 15, đường Lê Lợi, xã Tân Lập, huyện Tư Nghĩa, tỉnh Quảng Ngãi"
        );
        // A short value does not take the line below it.
        assert_eq!(read["dan_toc"], "Kinh");
    }

    #[test]
    fn a_mark_before_a_label_alone_leaves_it_a_label() {
        // The edge of a card's portrait read as "k" left of "Nơi thường trú": the label was no
        // first cell, and its value below was lost.
        let mut card = page(&[
            &[(100, "k"), (784, "Nơi thường trú")],
            &[(784, "xã Ea Tu, thành phố Buôn Ma Thuột, tỉnh Đắk Lắk")],
        ]);
        card.words[0].confidence = 20.0;
        let read = values(&card);
        assert_eq!(
            read.get("noi_thuong_tru").map(String::as_str),
            Some("xã Ea Tu, thành phố Buôn Ma Thuột, tỉnh Đắk Lắk")
        );
    }

    #[test]
    fn a_label_whose_spaces_were_lost_still_finds_its_field() {
        // Found on a heavily blurred diploma: "Nơisinh:", "Nămtốtnghiệp:".
        let read = values(&page(&[&[(
            100,
            "Nơisinh: Khánh Hòa   Nămtốtnghiệp: 2006",
        )]]));
        assert_eq!(read.get("noi_sinh").map(String::as_str), Some("Khánh Hòa"));
        assert_eq!(read.get("nam_tot_nghiep").map(String::as_str), Some("2006"));
    }

    #[test]
    fn a_misread_label_still_finds_its_field() {
        // OCR read "Ngày sinh" as "Ngáy 5inh" and "Quốc tịch" as "Quôc tich".
        let read = values(&page(&[&[(
            100,
            "Ngáy 5inh: 05-9-2010   Quôc tich: Việt Nam",
        )]]));
        assert_eq!(read["ngay_sinh"], "05/09/2010");
        assert_eq!(read["quoc_tich"], "Việt Nam");
    }

    #[test]
    fn each_field_keeps_its_printed_label_and_box() {
        let fields = extract(&[page(&[&[(100, "Số hiệu: A0123456")]])]);
        let field = &fields["so_hieu"];
        assert_eq!(field.label, "Số hiệu");
        assert_eq!(field.value, "A0123456");
        assert_eq!(field.page, 0);
        let (left, top, width, height) = field.bounds;
        assert!(
            left > 100 && top == 100 && width == 160 && height == 40,
            "{:?}",
            field.bounds
        );
        assert_eq!(field.confidence_permille, 910);
    }
}
