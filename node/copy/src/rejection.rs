//! Why an official refuses to certify a copy: the grounds of Decree 23/2015/NĐ-CP, Article 22
//! (originals that may not be used to certify a copy), each with a short code for scripts and
//! its words in Vietnamese and English, plus `other`.
//!
//! A rejection's signed `reason` is `"<code>: <Vietnamese words>"`, followed by `" — <note>"`
//! when the official wrote one, so the ground reads for people and parses back for programs.

use std::fmt;
use std::str::FromStr;

/// A ground for refusing to certify a copy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RejectionGround {
    /// Art. 22.1: the original is erased, altered, or has content added or removed improperly.
    Altered,
    /// Art. 22.2: the original is damaged or worn.
    Damaged,
    /// Art. 22.2: its content cannot be made out.
    Illegible,
    /// Art. 22.3: it bears a secrecy stamp of a competent authority.
    Secret,
    /// Art. 22.3: it says it may not be copied.
    NoCopyMark,
    /// Art. 22.4: its content is unlawful or against social ethics.
    Unlawful,
    /// Art. 22.5: issued or certified abroad and not consular-legalised.
    ForeignNotLegalised,
    /// Art. 22.6: drawn up by a person without the certification and seal of an authority.
    NoAuthoritySeal,
    /// Another ground, explained in the note.
    Other,
}

/// The text is not one of the codes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{given:?} is not a rejection reason; use one of: {}", RejectionGround::codes().join(", "))]
pub struct UnknownGround {
    /// The text given.
    pub given: String,
}

impl RejectionGround {
    /// Every ground, in the decree's order.
    pub const ALL: [RejectionGround; 9] = [
        RejectionGround::Altered,
        RejectionGround::Damaged,
        RejectionGround::Illegible,
        RejectionGround::Secret,
        RejectionGround::NoCopyMark,
        RejectionGround::Unlawful,
        RejectionGround::ForeignNotLegalised,
        RejectionGround::NoAuthoritySeal,
        RejectionGround::Other,
    ];

    /// The short code for scripts.
    pub fn code(self) -> &'static str {
        match self {
            RejectionGround::Altered => "altered",
            RejectionGround::Damaged => "damaged",
            RejectionGround::Illegible => "illegible",
            RejectionGround::Secret => "secret",
            RejectionGround::NoCopyMark => "no-copy-mark",
            RejectionGround::Unlawful => "unlawful",
            RejectionGround::ForeignNotLegalised => "foreign-not-legalised",
            RejectionGround::NoAuthoritySeal => "no-authority-seal",
            RejectionGround::Other => "other",
        }
    }

    /// Every code, in the decree's order.
    pub fn codes() -> Vec<&'static str> {
        RejectionGround::ALL.iter().map(|g| g.code()).collect()
    }

    /// The ground in Vietnamese, as an official reads it.
    pub fn label_vi(self) -> &'static str {
        match self {
            RejectionGround::Altered => {
                "Bản chính bị tẩy xóa, sửa chữa, thêm, bớt nội dung không hợp lệ"
            }
            RejectionGround::Damaged => "Bản chính bị hư hỏng, cũ nát",
            RejectionGround::Illegible => "Bản chính không xác định được nội dung",
            RejectionGround::Secret => "Bản chính đóng dấu mật của cơ quan có thẩm quyền",
            RejectionGround::NoCopyMark => "Bản chính ghi rõ không được sao chụp",
            RejectionGround::Unlawful => "Bản chính có nội dung trái pháp luật, đạo đức xã hội",
            RejectionGround::ForeignNotLegalised => {
                "Giấy tờ nước ngoài chưa được hợp pháp hóa lãnh sự"
            }
            RejectionGround::NoAuthoritySeal => {
                "Giấy tờ cá nhân tự lập không có xác nhận, đóng dấu của cơ quan có thẩm quyền"
            }
            RejectionGround::Other => "Lý do khác",
        }
    }

    /// The ground in English.
    pub fn label_en(self) -> &'static str {
        match self {
            RejectionGround::Altered => "the original is erased, altered, or added to",
            RejectionGround::Damaged => "the original is damaged or worn",
            RejectionGround::Illegible => "the original's content cannot be made out",
            RejectionGround::Secret => "the original bears a secrecy stamp",
            RejectionGround::NoCopyMark => "the original says it may not be copied",
            RejectionGround::Unlawful => "the original's content is unlawful",
            RejectionGround::ForeignNotLegalised => "a foreign document not legalised",
            RejectionGround::NoAuthoritySeal => {
                "a personal document without an authority's certification and seal"
            }
            RejectionGround::Other => "another reason",
        }
    }

    /// The signed reason text of a rejection on this ground with the official's note.
    pub fn reason_text(self, note: Option<&str>) -> String {
        let mut text = format!("{}: {}", self.code(), self.label_vi());
        if let Some(note) = note.map(str::trim).filter(|n| !n.is_empty()) {
            text.push_str(" — ");
            text.push_str(note);
        }
        text
    }

    /// The ground a signed reason text names (`None` for a reason not written this way).
    pub fn of_reason(reason: &str) -> Option<RejectionGround> {
        let (code, _) = reason.split_once(':')?;
        code.parse().ok()
    }
}

impl fmt::Display for RejectionGround {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for RejectionGround {
    type Err = UnknownGround;

    fn from_str(text: &str) -> Result<RejectionGround, UnknownGround> {
        RejectionGround::ALL
            .into_iter()
            .find(|ground| ground.code() == text.trim())
            .ok_or_else(|| UnknownGround {
                given: text.to_owned(),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_ground_round_trips_through_its_code_and_reason_text() {
        for ground in RejectionGround::ALL {
            assert_eq!(ground.code().parse::<RejectionGround>(), Ok(ground));
            let text = ground.reason_text(Some("  dấu giáp lai bị mờ "));
            assert_eq!(RejectionGround::of_reason(&text), Some(ground), "{text}");
            assert!(text.ends_with(" — dấu giáp lai bị mờ"), "{text}");
            assert!(!ground.reason_text(None).contains(" — "));
        }
        let error = "forged".parse::<RejectionGround>().unwrap_err().to_string();
        assert!(error.contains("no-copy-mark"), "{error}");
        assert_eq!(RejectionGround::of_reason("bản chính giả"), None);
    }
}
