//! Points in time as bansao stores and shows them: UTC with whole seconds, written as RFC 3339
//! (`2026-11-23T09:15:00Z`), shown to people in Vietnam's local time (UTC+7, no daylight saving).

use std::fmt;

use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, UtcOffset};

/// Vietnam's offset from UTC.
pub const VIETNAM_OFFSET: UtcOffset = match UtcOffset::from_hms(7, 0, 0) {
    Ok(offset) => offset,
    Err(_) => UtcOffset::UTC,
};

/// A UTC instant with whole-second precision.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(OffsetDateTime);

/// Text that is not an RFC 3339 UTC time, or a time out of range.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not an RFC 3339 time: {0:?}")]
pub struct TimestampError(pub String);

impl Timestamp {
    /// From Unix seconds.
    pub fn from_unix(seconds: i64) -> Result<Timestamp, TimestampError> {
        OffsetDateTime::from_unix_timestamp(seconds)
            .map(Timestamp)
            .map_err(|_| TimestampError(seconds.to_string()))
    }

    /// From any `OffsetDateTime`, converted to UTC and truncated to the second.
    pub fn from_datetime(datetime: OffsetDateTime) -> Timestamp {
        let utc = datetime.to_offset(UtcOffset::UTC);
        Timestamp(utc.replace_nanosecond(0).unwrap_or(utc))
    }

    /// Parses RFC 3339 text (any offset; stored as UTC).
    pub fn parse(text: &str) -> Result<Timestamp, TimestampError> {
        OffsetDateTime::parse(text, &Rfc3339)
            .map(Timestamp::from_datetime)
            .map_err(|_| TimestampError(text.to_owned()))
    }

    /// Unix seconds.
    pub fn unix(self) -> i64 {
        self.0.unix_timestamp()
    }

    /// The instant.
    pub fn datetime(self) -> OffsetDateTime {
        self.0
    }

    /// RFC 3339 in UTC, e.g. `2026-11-23T09:15:00Z`.
    pub fn to_rfc3339(self) -> String {
        // A UTC time with whole seconds between years 0 and 9999 always formats.
        self.0
            .format(&Rfc3339)
            .unwrap_or_else(|_| self.0.unix_timestamp().to_string())
    }

    /// For people: Vietnam local time, `23/11/2026 16:15`.
    pub fn vietnam_local(self) -> String {
        let local = self.0.to_offset(VIETNAM_OFFSET);
        format!(
            "{:02}/{:02}/{} {:02}:{:02}",
            local.day(),
            u8::from(local.month()),
            local.year(),
            local.hour(),
            local.minute()
        )
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_rfc3339())
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Timestamp({})", self.to_rfc3339())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_in_utc_shown_in_vietnam_time() {
        let time = Timestamp::parse("2026-11-23T16:15:30+07:00").unwrap();
        assert_eq!(time.to_rfc3339(), "2026-11-23T09:15:30Z");
        assert_eq!(time.vietnam_local(), "23/11/2026 16:15");
        assert_eq!(Timestamp::from_unix(time.unix()).unwrap(), time);
        assert!(Timestamp::parse("yesterday").is_err());
    }
}
