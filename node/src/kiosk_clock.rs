//! Whether a kiosk's clock can be trusted to date a copy.
//!
//! An offline kiosk has only its own clock, and a copy's date is signed into it. A clock that
//! went back (a flat RTC battery) would date a copy before the one issued before it; a clock
//! that jumped ahead (a year, from a bad NTP answer before the link dropped) would issue copies
//! dated in the future. The kiosk refuses to issue, with the reason, when `now` is earlier than
//! its last copy or than the trust list it holds, or implausibly far after its last contact
//! with the ward: the citizen is sent to the official and the clock is set right.

use bansao_copy::Timestamp;

/// How long after its last successful sync (or, never synced, after its trust list was signed)
/// a kiosk still issues: longer is taken for a clock that jumped ahead.
pub const MAX_DAYS_WITHOUT_CONTACT: i64 = 120;

/// The kiosk's clock cannot date a copy now.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClockError {
    /// Earlier than the last copy issued.
    #[error(
        "Đồng hồ ki-ốt chỉ {now}, trước bản sao gần nhất ({last}): hãy chỉnh đồng hồ và gặp cán bộ. \
         The kiosk's clock says {now}, before its last copy ({last}): set the clock and see an official."
    )]
    BeforeLastCopy {
        /// The clock now.
        now: String,
        /// The last copy's date.
        last: String,
    },
    /// Earlier than the trust list or the last sync, which the kiosk has already seen.
    #[error(
        "Đồng hồ ki-ốt chỉ {now}, trước lần liên lạc gần nhất với xã ({contact}): hãy chỉnh đồng hồ. \
         The kiosk's clock says {now}, before its last contact with the ward ({contact}): set the clock."
    )]
    BeforeLastContact {
        /// The clock now.
        now: String,
        /// The last contact.
        contact: String,
    },
    /// Implausibly long after the last contact.
    #[error(
        "Đồng hồ ki-ốt chỉ {now}, {days} ngày sau lần liên lạc gần nhất với xã ({contact}): hãy đồng bộ với xã hoặc chỉnh đồng hồ. \
         The kiosk's clock says {now}, {days} days after its last contact with the ward ({contact}): sync with the ward or set the clock."
    )]
    LongAfterLastContact {
        /// The clock now.
        now: String,
        /// The last contact.
        contact: String,
        /// Days between.
        days: i64,
    },
}

/// Checks `now` against the last copy's date and the last contact (the later of the last
/// successful sync and the trust list's signing time).
pub fn check_clock(
    now: Timestamp,
    last_copy: Option<Timestamp>,
    last_sync: Option<Timestamp>,
    trust_list_issued: Timestamp,
) -> Result<(), ClockError> {
    let shown = |at: Timestamp| format!("{} (giờ Việt Nam)", at.vietnam_local());
    if let Some(last) = last_copy
        && now < last
    {
        return Err(ClockError::BeforeLastCopy {
            now: shown(now),
            last: shown(last),
        });
    }
    let contact = last_sync.map_or(trust_list_issued, |sync| sync.max(trust_list_issued));
    if now < contact {
        return Err(ClockError::BeforeLastContact {
            now: shown(now),
            contact: shown(contact),
        });
    }
    let days = (now.unix() - contact.unix()) / 86_400;
    if days > MAX_DAYS_WITHOUT_CONTACT {
        return Err(ClockError::LongAfterLastContact {
            now: shown(now),
            contact: shown(contact),
            days,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn at(days: i64) -> Timestamp {
        Timestamp::from_unix(1_780_000_000 + days * 86_400).unwrap()
    }

    #[test]
    fn a_clock_that_went_back_before_the_last_copy_is_refused() {
        assert!(matches!(
            check_clock(at(9), Some(at(10)), Some(at(5)), at(0)),
            Err(ClockError::BeforeLastCopy { .. })
        ));
    }

    #[test]
    fn a_clock_behind_the_last_sync_or_the_trust_list_is_refused() {
        assert!(matches!(
            check_clock(at(4), None, Some(at(5)), at(0)),
            Err(ClockError::BeforeLastContact { .. })
        ));
        assert!(matches!(
            check_clock(at(-1), None, None, at(0)),
            Err(ClockError::BeforeLastContact { .. })
        ));
    }

    #[test]
    fn a_clock_a_year_ahead_of_the_last_sync_is_refused_and_weeks_offline_are_fine() {
        assert!(matches!(
            check_clock(at(370), Some(at(6)), Some(at(5)), at(0)),
            Err(ClockError::LongAfterLastContact { days: 365, .. })
        ));
        assert_eq!(check_clock(at(40), Some(at(6)), Some(at(5)), at(0)), Ok(()));
        // Never synced: counted from the trust list the kiosk was given.
        assert!(check_clock(at(121), None, None, at(0)).is_err());
        assert_eq!(check_clock(at(119), None, None, at(0)), Ok(()));
    }
}
