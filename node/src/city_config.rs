//! The city's own settings (`[city]` in its `bansao.toml`): whether ward-approved copies are
//! registered as they arrive or held for a person, how often the transparency log signs a
//! checkpoint, and after how long without contact the dashboard marks a kiosk stale. Parsed with the rest of the configuration (`config.rs`), problems reported with
//! the others.

use std::time::Duration;

use serde::Deserialize;

/// The `[city]` section as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawCity {
    registration: Option<String>,
    checkpoint_interval_seconds: Option<u64>,
    stale_after_hours: Option<u64>,
}

/// What the city does with a copy its ward approved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RegistrationPolicy {
    /// The city registers it with the registrar key as it arrives (after the sync that brought
    /// it, and at every log round).
    Automatic,
    /// It waits for city staff (`bansao city register`).
    Held,
}

impl RegistrationPolicy {
    /// The name in `bansao.toml`.
    pub fn as_str(self) -> &'static str {
        match self {
            RegistrationPolicy::Automatic => "automatic",
            RegistrationPolicy::Held => "held",
        }
    }
}

/// The default time between two checkpoints of the log.
pub const DEFAULT_CHECKPOINT_INTERVAL: Duration = Duration::from_secs(10);

/// What only the city is configured with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CityConfig {
    /// Registration of ward-approved copies.
    pub registration: RegistrationPolicy,
    /// At most one checkpoint per this interval (a checkpoint is signed only when the log grew).
    pub checkpoint_interval: Duration,
    /// The monitoring dashboard marks a ward or kiosk stale after this long without contact.
    pub stale_after: Duration,
}

/// The default time without contact after which the dashboard marks a node stale.
pub const DEFAULT_STALE_AFTER: Duration = Duration::from_secs(24 * 3600);

impl Default for CityConfig {
    fn default() -> CityConfig {
        CityConfig {
            registration: RegistrationPolicy::Held,
            checkpoint_interval: DEFAULT_CHECKPOINT_INTERVAL,
            stale_after: DEFAULT_STALE_AFTER,
        }
    }
}

/// Checks a `[city]` section, noting every problem.
pub(crate) fn city_settings(raw: RawCity, problems: &mut Vec<String>) -> CityConfig {
    let mut config = CityConfig::default();
    match raw.registration.as_deref() {
        None | Some("held") => {}
        Some("automatic") => config.registration = RegistrationPolicy::Automatic,
        Some(other) => problems.push(format!(
            "city.registration {other:?} must be \"automatic\" or \"held\""
        )),
    }
    if let Some(seconds) = raw.checkpoint_interval_seconds {
        if (1..=86_400).contains(&seconds) {
            config.checkpoint_interval = Duration::from_secs(seconds);
        } else {
            problems.push(format!(
                "city.checkpoint_interval_seconds {seconds} must be between 1 and 86400"
            ));
        }
    }
    if let Some(hours) = raw.stale_after_hours {
        if (1..=24 * 365).contains(&hours) {
            config.stale_after = Duration::from_secs(hours * 3600);
        } else {
            problems.push(format!(
                "city.stale_after_hours {hours} must be between 1 and 8760"
            ));
        }
    }
    config
}
