//! The QR code on the front of a chip-based citizen identity card (căn cước công dân, CCCD,
//! Circular 06/2021/TT-BCA): `number|old id|full name|date of birth|sex|permanent address|
//! date of issue`, dates as `DDMMYYYY`, for example
//! `001099012345|123456789|Nguyễn Văn An|01011999|Nam|Số 1, Phường X, Hà Nội|15062021`.
//!
//! The 12-digit personal identification number (Circular 59/2021/TT-BCA, Art. 4) is: 3 digits of
//! the province (or country) of birth registration, 1 digit coding sex and century of birth,
//! 2 digits of the year of birth, 6 random digits. A code whose number disagrees with its own
//! sex or date of birth was misread or forged, and is refused.

use time::{Date, Month};

/// What a CCCD QR code says, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CitizenId {
    /// The 12-digit personal identification number.
    pub number: String,
    /// The old 9-digit identity card number, if the citizen had one.
    pub old_number: Option<String>,
    /// Full name, as printed.
    pub full_name: String,
    /// Date of birth.
    pub date_of_birth: Date,
    /// Sex as printed ("Nam" or "Nữ").
    pub sex: Sex,
    /// Permanent address.
    pub address: String,
    /// Date the card was issued.
    pub issued_on: Date,
}

/// Sex as the card records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sex {
    /// Nam.
    Male,
    /// Nữ.
    Female,
}

/// A scanned code is not a usable CCCD code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CccdError {
    /// Not seven `|`-separated fields.
    #[error("mã QR không phải của thẻ căn cước (not a citizen identity card code): {0}")]
    NotCccd(String),
    /// A field does not hold what it should.
    #[error(
        "mã QR của thẻ căn cước bị sai ở {field} (the card's code is wrong in {field}): {reason}"
    )]
    Field {
        /// The field.
        field: &'static str,
        /// Why.
        reason: String,
    },
}

fn field_error(field: &'static str, reason: impl Into<String>) -> CccdError {
    CccdError::Field {
        field,
        reason: reason.into(),
    }
}

fn digits(text: &str, count: usize) -> bool {
    text.len() == count && text.bytes().all(|b| b.is_ascii_digit())
}

fn date(text: &str, field: &'static str) -> Result<Date, CccdError> {
    if !digits(text, 8) {
        return Err(field_error(field, format!("{text:?} is not DDMMYYYY")));
    }
    let number = |range: std::ops::Range<usize>| text[range].parse::<u32>().unwrap_or(0);
    let month = Month::try_from(number(2..4) as u8)
        .map_err(|_| field_error(field, format!("{text:?} has no month {}", number(2..4))))?;
    Date::from_calendar_date(number(4..8) as i32, month, number(0..2) as u8)
        .map_err(|error| field_error(field, format!("{text:?}: {error}")))
}

impl CitizenId {
    /// Parses and checks a CCCD QR text.
    pub fn parse(text: &str) -> Result<CitizenId, CccdError> {
        let fields: Vec<&str> = text.trim().split('|').map(str::trim).collect();
        let [number, old_number, full_name, birth, sex, address, issued] = fields[..] else {
            return Err(CccdError::NotCccd(format!(
                "{} fields, a card's code has 7",
                fields.len()
            )));
        };
        if !digits(number, 12) {
            return Err(field_error("số định danh (number)", "not 12 digits"));
        }
        let old_number = match old_number {
            "" => None,
            old if digits(old, 9) => Some(old.to_owned()),
            _ => return Err(field_error("số CMND (old number)", "not 9 digits")),
        };
        if full_name.is_empty() || full_name.chars().any(|c| c.is_ascii_digit()) {
            return Err(field_error("họ và tên (name)", "empty or with digits"));
        }
        let date_of_birth = date(birth, "ngày sinh (date of birth)")?;
        let sex = match sex {
            "Nam" => Sex::Male,
            "Nữ" => Sex::Female,
            other => return Err(field_error("giới tính (sex)", format!("{other:?}"))),
        };
        let issued_on = date(issued, "ngày cấp (date of issue)")?;
        if issued_on < date_of_birth {
            return Err(field_error(
                "ngày cấp (date of issue)",
                "before the date of birth",
            ));
        }
        // The number codes sex and century of birth (0/1: 1900s, 2/3: 2000s, ... even = male)
        // and the last two digits of the year of birth.
        let code = u32::from(number.as_bytes()[3] - b'0');
        let year = date_of_birth.year();
        let expected_code =
            ((year / 100 - 19).rem_euclid(5) * 2) as u32 + u32::from(sex == Sex::Female);
        if code != expected_code || number[4..6] != format!("{:02}", year % 100) {
            return Err(field_error(
                "số định danh (number)",
                "its sex, century and year codes disagree with the card's sex and date of birth",
            ));
        }
        Ok(CitizenId {
            number: number.to_owned(),
            old_number,
            full_name: full_name.to_owned(),
            date_of_birth,
            sex,
            address: address.to_owned(),
            issued_on,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str =
        "001099012345|123456789|Nguyễn Văn An|01011999|Nam|Số 1, Phường X, Hà Nội|15062021";

    #[test]
    fn a_card_code_reads_into_checked_fields() {
        let id = CitizenId::parse(SAMPLE).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(id.number, "001099012345");
        assert_eq!(id.old_number.as_deref(), Some("123456789"));
        assert_eq!(id.full_name, "Nguyễn Văn An");
        assert_eq!(id.sex, Sex::Male);
        assert_eq!(id.date_of_birth.to_string(), "1999-01-01");
        assert_eq!(id.issued_on.to_string(), "2021-06-15");
        // A girl born in 2010, no old card.
        let girl = CitizenId::parse("036310001234||Trần Thị Hoa|05092010|Nữ|Xã Tân Lập|01022026");
        assert_eq!(girl.map(|id| id.sex), Ok(Sex::Female));
    }

    #[test]
    fn misread_or_foreign_codes_are_refused_with_the_reason() {
        for (text, expected) in [
            ("HC1:NCFOXN%TS3DH", "not a citizen identity card code"),
            ("00109901234|123456789|A|01011999|Nam|X|15062021", "number"),
            ("001099012345|12345|A|01011999|Nam|X|15062021", "old number"),
            (
                "001099012345|123456789|A|31021999|Nam|X|15062021",
                "date of birth",
            ),
            ("001099012345|123456789|A|01011999|Male|X|15062021", "sex"),
            (
                "001099012345|123456789|A|01011999|Nam|X|15061990",
                "before the date of birth",
            ),
            // Number says a man born in '99, card says a woman.
            (
                "001099012345|123456789|A|01011999|Nữ|X|15062021",
                "disagree",
            ),
            // Number says born in '98.
            (
                "001098012345|123456789|A|01011999|Nam|X|15062021",
                "disagree",
            ),
        ] {
            let error = CitizenId::parse(text).unwrap_err().to_string();
            assert!(error.contains(expected), "{text}: {error}");
        }
    }
}
