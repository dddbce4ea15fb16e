//! The kiosk screen's settings (`[kiosk]` in the configuration): how long an untouched session
//! lasts, and which devices the screen drives — the real ones, or simulators fed from a
//! directory of sample images so `bansao run` and the tests need no hardware.

use std::path::{Path, PathBuf};
use std::time::Duration;

/// How long a session nobody touches lasts when the configuration does not say.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(120);

/// Which devices the screen drives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DeviceSource {
    /// The kiosk's real devices: a SANE scanner (`None`: the first one) and the camera
    /// `[kiosk] camera` names ([`crate::config::CameraSetting`]), which both looks at the
    /// citizen and reads the card held up to it.
    Real {
        /// A SANE device name (`scanimage -L`), or the first scanner.
        scanner: Option<String>,
    },
    /// Simulators fed from a directory: `cccd.jpg` (the card held to the reader: its QR code
    /// and portrait), `camera.jpg` (the citizen in front of the camera) and every other PNG or
    /// JPEG file, in name order, as the pages of the original put on the scanner.
    Simulated {
        /// The directory.
        inputs: PathBuf,
    },
}

/// The screen's settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScreenSettings {
    /// A session nobody touches for this long is wiped, with its images.
    pub idle_timeout: Duration,
    /// The devices.
    pub devices: DeviceSource,
}

impl Default for ScreenSettings {
    fn default() -> ScreenSettings {
        ScreenSettings {
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
            devices: DeviceSource::Real { scanner: None },
        }
    }
}

/// The screen settings from `[kiosk]`'s `idle_timeout_seconds`, `devices` (`"simulated"`,
/// `"real"`), `simulated_inputs` (a directory, relative to the node directory; default
/// `samples`) and `scanner` (`"sane"` or `"sane:DEVICE"`); problems are added to `problems`.
/// The camera is `[kiosk] camera`, parsed with the rest of `[kiosk]`.
pub fn screen_settings(
    idle_timeout_seconds: Option<u64>,
    devices: Option<&str>,
    simulated_inputs: Option<&Path>,
    scanner: Option<&str>,
    base: &Path,
    problems: &mut Vec<String>,
) -> ScreenSettings {
    let idle_timeout = match idle_timeout_seconds {
        None => DEFAULT_IDLE_TIMEOUT,
        Some(seconds @ 5..=3600) => Duration::from_secs(seconds),
        Some(other) => {
            problems.push(format!(
                "kiosk.idle_timeout_seconds {other} must be between 5 and 3600"
            ));
            DEFAULT_IDLE_TIMEOUT
        }
    };
    let scanner = match scanner.map(str::trim) {
        None | Some("sane") => None,
        Some(spec) => match spec.strip_prefix("sane:") {
            Some(device) if !device.is_empty() => Some(device.to_owned()),
            _ => {
                problems.push(format!(
                    "kiosk.scanner {spec:?} must be \"sane\" or \"sane:DEVICE\""
                ));
                None
            }
        },
    };
    let devices = match devices.map(str::trim) {
        None | Some("real") => DeviceSource::Real { scanner },
        Some("simulated") => DeviceSource::Simulated {
            inputs: base.join(simulated_inputs.unwrap_or(Path::new("samples"))),
        },
        Some(other) => {
            problems.push(format!(
                "kiosk.devices {other:?} must be \"real\" or \"simulated\""
            ));
            DeviceSource::Real { scanner }
        }
    };
    ScreenSettings {
        idle_timeout,
        devices,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn kiosk(extra: &str) -> Result<crate::config::NodeConfig, crate::config::ConfigError> {
        crate::config::NodeConfig::parse(
            &format!(
                "role = \"kiosk\"\nname = \"K\"\n[commune]\ncode = \"00001\"\nname = \"X\"\n[kiosk]\nid = \"KIOSK-1\"\n{extra}"
            ),
            Path::new("/node/bansao.toml"),
            Path::new("/node"),
        )
    }

    #[test]
    fn the_screen_settings_default_to_real_devices_and_two_minutes() {
        let config = kiosk("").unwrap();
        let screen = &config.kiosk().unwrap().devices.screen;
        assert_eq!(screen, &ScreenSettings::default());
        assert_eq!(screen.idle_timeout, Duration::from_secs(120));
    }

    #[test]
    fn simulated_devices_read_a_directory_inside_the_node_directory() {
        let config = kiosk(
            "devices = \"simulated\"\nsimulated_inputs = \"../samples\"\nidle_timeout_seconds = 30",
        )
        .unwrap();
        let screen = &config.kiosk().unwrap().devices.screen;
        assert_eq!(screen.idle_timeout, Duration::from_secs(30));
        assert_eq!(
            screen.devices,
            DeviceSource::Simulated {
                inputs: PathBuf::from("/node/../samples")
            }
        );
    }

    #[test]
    fn bad_screen_settings_are_all_reported() {
        let error = kiosk(
            "devices = \"fake\"\nidle_timeout_seconds = 1\nscanner = \"twain\"\ncamera = \"/dev/video0\"",
        )
        .unwrap_err()
        .to_string();
        for part in [
            "kiosk.devices \"fake\"",
            "kiosk.idle_timeout_seconds 1",
            "kiosk.scanner \"twain\"",
            "kiosk.camera \"/dev/video0\"",
        ] {
            assert!(error.contains(part), "{part}: {error}");
        }
    }
}
