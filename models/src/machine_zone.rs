//! The machine-readable zone of an identity card or passport (ICAO 9303), read from the OCR's
//! rows, as fields.
//!
//! The zone repeats the card's personal number, dates of birth and expiry, sex and nationality
//! in OCR-B capitals with check digits. Printed in small type beside a portrait, the card's own
//! labels are often misread where the zone is still read whole; a zone whose every check digit
//! agrees (the `mrz` crate, which also repairs a misread only when a check digit proves it) is
//! proof of its numbers and dates. So its numbers and dates stand over the printed reading, and
//! its sex and nationality (no check digit covers them) only fill a field that was not read.

use std::collections::BTreeMap;

use crate::fields::ReadField;
use crate::layout::{Row, rows};
use crate::ocr::OcrPage;

/// The confidence, in thousandths, of a value every check digit agrees with.
const CHECKED_CONFIDENCE: u16 = 990;
/// The confidence of a value the zone gives without a check digit.
const UNCHECKED_CONFIDENCE: u16 = 800;
/// The label a field read from the zone keeps.
const ZONE_LABEL: &str = "Vùng đọc máy (MRZ)";

/// Adds to `fields` what a machine-readable zone on `pages` proves: the first zone whose every
/// check digit agrees, on any page.
pub fn complete_from_machine_zone(pages: &[OcrPage], fields: &mut BTreeMap<String, ReadField>) {
    for (page_index, page) in pages.iter().enumerate() {
        let page_rows = rows(page, page_index);
        let Some((zone, bounds)) = checked_zone(&page_rows) else {
            continue;
        };
        let field = |value: String, confidence_permille| ReadField {
            value,
            confidence_permille,
            label: ZONE_LABEL.to_owned(),
            page: page_index,
            bounds,
        };
        let mut proved = Vec::new();
        if let Some(number) = personal_number(&zone) {
            proved.push(("so_dinh_danh", number));
        }
        if let Some(date) = zone.date_of_birth.calendar() {
            proved.push(("ngay_sinh", day_month_year(date)));
        }
        if let Some(date) = zone.date_of_expiry.calendar() {
            proved.push(("ngay_het_han", day_month_year(date)));
        }
        for (key, value) in proved {
            fields.insert(key.to_owned(), field(value, CHECKED_CONFIDENCE));
        }
        let mut unchecked = Vec::new();
        match zone.sex {
            mrz::Sex::Male => unchecked.push(("gioi_tinh", "Nam")),
            mrz::Sex::Female => unchecked.push(("gioi_tinh", "Nữ")),
            _ => {}
        }
        if zone.nationality == "VNM" {
            unchecked.push(("quoc_tich", "Việt Nam"));
        }
        for (key, value) in unchecked {
            fields
                .entry(key.to_owned())
                .or_insert_with(|| field(value.to_owned(), UNCHECKED_CONFIDENCE));
        }
        return;
    }
}

/// The zone of `page_rows` whose check digits all agree, and the box of its rows.
fn checked_zone(page_rows: &[Row]) -> Option<(mrz::MrzData, (u32, u32, u32, u32))> {
    // Only rows that look like the zone (its filler '<', or long runs of capitals and digits)
    // are given to the parser, so a page of prose costs nothing.
    let zone_rows: Vec<&Row> = page_rows
        .iter()
        .filter(|row| {
            let text: String = row.words.iter().map(|word| word.text.as_str()).collect();
            text.contains('<')
                || (text.chars().count() >= 25
                    && text
                        .chars()
                        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()))
        })
        .collect();
    if zone_rows.len() < 2 {
        return None;
    }
    let text = zone_text(&zone_rows);
    let zone = mrz::find_and_parse(&text).ok()?;
    if !zone.checksum_consistent() {
        return None;
    }
    let left = zone_rows
        .iter()
        .filter_map(|row| row.words.first())
        .map(|word| word.left())
        .min()?;
    let top = zone_rows.iter().map(|row| row.top()).min()?;
    let right = zone_rows
        .iter()
        .filter_map(|row| row.words.last())
        .map(|word| word.right())
        .max()?;
    let bottom = zone_rows.iter().map(|row| row.top() + row.height()).max()?;
    Some((zone, (left, top, right - left, bottom - top)))
}

/// The zone's lines as the parser wants them: each row's words run together (OCR splits a
/// line where the filler runs long), a line shorter than the zone's width padded with the
/// filler it lost at its end (the name line's), and an identity card's code "ID" where OCR
/// read its "I" as a "T", "1", "l" or "|" (no check digit covers it).
fn zone_text(zone_rows: &[&Row]) -> String {
    let lines: Vec<String> = zone_rows
        .iter()
        .map(|row| {
            row.words
                .iter()
                .map(|word| word.text.as_str())
                .collect::<String>()
                .to_uppercase()
        })
        .collect();
    let width = lines
        .iter()
        .map(|line| line.chars().count())
        .filter(|length| ZONE_WIDTHS.contains(length))
        .max();
    lines
        .into_iter()
        .map(|line| {
            let mut line = match line.get(..2) {
                Some("TD" | "1D" | "LD" | "|D") if line.get(2..5).is_some() => {
                    format!("ID{}", &line[2..])
                }
                _ => line,
            };
            if let Some(width) = width {
                let length = line.chars().count();
                if line.contains('<') && length < width && length * 2 >= width {
                    line.extend(std::iter::repeat_n('<', width - length));
                }
            }
            line
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The widths of ICAO 9303's zones: TD1 cards, TD2, passports.
const ZONE_WIDTHS: [usize; 3] = [30, 36, 44];

/// The holder's twelve-digit personal number: a Vietnamese card keeps it at the start of the
/// zone's optional data (its document number is the last nine digits of it).
fn personal_number(zone: &mrz::MrzData) -> Option<String> {
    let optional = zone
        .optional_data_1
        .as_deref()
        .or_else(|| zone.personal_number())?;
    let digits: String = optional.chars().take_while(char::is_ascii_digit).collect();
    (digits.len() == 12 && digits.ends_with(&zone.document_number)).then_some(digits)
}

fn day_month_year(date: mrz::Date) -> String {
    format!("{:02}/{:02}/{:04}", date.day, date.month, date.year)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn card(lines: &[&str]) -> OcrPage {
        let rows: Vec<Vec<(u32, &str)>> = lines.iter().map(|line| vec![(554, *line)]).collect();
        let rows: Vec<&[(u32, &str)]> = rows.iter().map(Vec::as_slice).collect();
        crate::layout::test_page(&rows, 90.0)
    }

    /// A Vietnamese card's zone, every check digit right (written by the `mrz` crate).
    fn vietnamese_zone() -> Vec<String> {
        let zone = mrz::format_td1(&mrz::Td1Fields {
            document_code: "ID".to_owned(),
            issuing_country: "VNM".to_owned(),
            document_number: "077431324".to_owned(),
            optional_data_1: Some("066077431324".to_owned()),
            surname: "DINH".to_owned(),
            given_names: "THANH BINH".to_owned(),
            nationality: "VNM".to_owned(),
            date_of_birth: mrz::MrzDate::Calendar(mrz::Date::new(1977, 9, 7)),
            sex: mrz::Sex::Male,
            date_of_expiry: mrz::MrzDate::Calendar(mrz::Date::new(2037, 9, 7)),
            optional_data_2: None,
        });
        zone.lines().map(str::to_owned).collect()
    }

    #[test]
    fn a_card_s_zone_gives_its_number_dates_sex_and_nationality() {
        let zone = vietnamese_zone();
        let lines: Vec<&str> = zone.iter().map(String::as_str).collect();
        let mut fields = BTreeMap::new();
        complete_from_machine_zone(&[card(&lines)], &mut fields);
        let value = |key: &str| fields.get(key).map(|field| field.value.as_str());
        assert_eq!(value("so_dinh_danh"), Some("066077431324"));
        assert_eq!(value("ngay_sinh"), Some("07/09/1977"));
        assert_eq!(value("ngay_het_han"), Some("07/09/2037"));
        assert_eq!(value("gioi_tinh"), Some("Nam"));
        assert_eq!(value("quoc_tich"), Some("Việt Nam"));
    }

    #[test]
    fn the_zone_s_proved_dates_stand_over_a_misreading_and_fill_only_what_is_missing() {
        let zone = vietnamese_zone();
        let lines: Vec<&str> = zone.iter().map(String::as_str).collect();
        let printed = |value: &str| ReadField {
            value: value.to_owned(),
            confidence_permille: 700,
            label: "Giới tính".to_owned(),
            page: 0,
            bounds: (0, 0, 1, 1),
        };
        let mut fields = BTreeMap::new();
        fields.insert("ngay_sinh".to_owned(), printed("07/09/1971"));
        fields.insert("gioi_tinh".to_owned(), printed("Nữ"));
        complete_from_machine_zone(&[card(&lines)], &mut fields);
        assert_eq!(fields["ngay_sinh"].value, "07/09/1977");
        // Sex has no check digit: the printed reading stands.
        assert_eq!(fields["gioi_tinh"].value, "Nữ");
    }

    #[test]
    fn a_zone_read_the_way_tesseract_reads_a_small_card_still_counts() {
        // As read on rendered cards: "ID" read as "TD", the name line's fillers lost, a line
        // split in two words where its filler runs long.
        let zone = vietnamese_zone();
        let line1 = zone[0].replacen("ID", "TD", 1);
        let (line2_start, line2_end) = zone[1].split_at(18);
        let line3 = zone[2].trim_end_matches('<').to_owned();
        let page = crate::layout::test_page(
            &[
                &[(554, line1.as_str())],
                &[(554, line2_start), (1200, line2_end)],
                &[(554, line3.as_str())],
            ],
            90.0,
        );
        let mut fields = BTreeMap::new();
        complete_from_machine_zone(&[page], &mut fields);
        let value = |key: &str| fields.get(key).map(|field| field.value.as_str());
        assert_eq!(value("so_dinh_danh"), Some("066077431324"));
        assert_eq!(value("ngay_sinh"), Some("07/09/1977"));
    }

    #[test]
    fn a_zone_a_check_digit_refutes_gives_nothing() {
        let mut zone = vietnamese_zone();
        // The birth date misread: 770907 as 770987, its check digit no longer agrees.
        zone[1] = zone[1].replacen("770907", "770987", 1);
        let lines: Vec<&str> = zone.iter().map(String::as_str).collect();
        let mut fields = BTreeMap::new();
        complete_from_machine_zone(&[card(&lines)], &mut fields);
        assert!(
            !fields.contains_key("ngay_sinh"),
            "a refuted zone gave {fields:?}"
        );
    }
}
