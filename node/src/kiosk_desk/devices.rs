//! The devices one screen session drives: a card reader (a camera the card is held to), the
//! camera in front of the citizen, the scanner and the receipt printer. A [`DeviceKit`] hands
//! out a fresh set for every session: the real devices, or simulators fed from a directory of
//! sample images ([`SimulatedKit`]).

use std::path::{Path, PathBuf};

use bansao_hw::camera::{Camera, SimulatedCamera};
use bansao_hw::printer::ReceiptPrinter;
use bansao_hw::sane_scanner::{SaneScanner, SaneSettings};
use bansao_hw::scanner::{Scanner, SimulatedScanner};

use crate::config::KioskSettings;
use crate::kiosk_camera::camera_or_absent;
use crate::kiosk_desk::settings::DeviceSource;
use crate::kiosk_shell::receipt::configured_printer;

/// The card photo a simulated reader shows, in a simulated inputs directory.
pub const SIMULATED_CARD: &str = "cccd.jpg";
/// The camera frame a simulated camera shows, in a simulated inputs directory.
pub const SIMULATED_CAMERA: &str = "camera.jpg";

/// The devices of one session.
pub struct DeskDevices {
    /// What reads the citizen's card: a camera the CCCD or the VNeID app's code is held to.
    pub card_reader: Box<dyn Camera>,
    /// The camera in front of the citizen.
    pub camera: Box<dyn Camera>,
    /// The document scanner.
    pub scanner: Box<dyn Scanner>,
    /// The receipt printer, or why there is none.
    pub printer: Result<Box<dyn ReceiptPrinter>, String>,
}

impl std::fmt::Debug for DeskDevices {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeskDevices")
            .field("card_reader", &self.card_reader.name())
            .field("camera", &self.camera.name())
            .field("scanner", &self.scanner.name())
            .finish_non_exhaustive()
    }
}

/// Hands out the devices of each new session.
pub trait DeviceKit {
    /// The devices for a new session, or why there are none (in Vietnamese, then English).
    fn session_devices(&mut self) -> Result<DeskDevices, String>;
}

/// Simulated devices fed from a directory (see [`DeviceSource::Simulated`]); the printer is the
/// configured one.
#[derive(Debug, Clone)]
pub struct SimulatedKit {
    inputs: PathBuf,
    settings: KioskSettings,
}

impl SimulatedKit {
    /// Simulators fed from `inputs`, the printer from `settings`.
    pub fn new(inputs: &Path, settings: &KioskSettings) -> SimulatedKit {
        SimulatedKit {
            inputs: inputs.to_owned(),
            settings: settings.clone(),
        }
    }

    /// The pages of the original: every PNG or JPEG file but the card and the camera frame, in
    /// name order.
    fn pages(&self) -> Result<Vec<PathBuf>, String> {
        let entries = std::fs::read_dir(&self.inputs).map_err(|error| {
            format!(
                "không mở được thư mục mẫu {} (cannot open the simulated inputs): {error}",
                self.inputs.display()
            )
        })?;
        let mut pages: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .filter(|path| {
                let name = path
                    .file_name()
                    .and_then(|name| name.to_str())
                    .unwrap_or("");
                let lower = name.to_lowercase();
                name != SIMULATED_CARD
                    && name != SIMULATED_CAMERA
                    && (lower.ends_with(".png")
                        || lower.ends_with(".jpg")
                        || lower.ends_with(".jpeg"))
            })
            .collect();
        pages.sort();
        Ok(pages)
    }
}

impl DeviceKit for SimulatedKit {
    fn session_devices(&mut self) -> Result<DeskDevices, String> {
        Ok(DeskDevices {
            card_reader: Box::new(SimulatedCamera::still([self.inputs.join(SIMULATED_CARD)])),
            camera: Box::new(SimulatedCamera::still([self.inputs.join(SIMULATED_CAMERA)])),
            scanner: Box::new(SimulatedScanner::new(self.pages()?)),
            printer: configured_printer(&self.settings),
        })
    }
}

/// The kiosk's real devices (see [`DeviceSource::Real`]): the card is read by the same camera.
#[derive(Debug, Clone)]
pub struct RealKit {
    scanner: Option<String>,
    settings: KioskSettings,
}

impl DeviceKit for RealKit {
    fn session_devices(&mut self) -> Result<DeskDevices, String> {
        Ok(DeskDevices {
            card_reader: camera_or_absent(&self.settings.camera),
            camera: camera_or_absent(&self.settings.camera),
            scanner: Box::new(SaneScanner::new(SaneSettings {
                device: self.scanner.clone(),
                ..SaneSettings::default()
            })),
            printer: configured_printer(&self.settings),
        })
    }
}

/// The kit the kiosk's settings name.
pub fn configured_kit(settings: &KioskSettings) -> Box<dyn DeviceKit + Send> {
    match &settings.screen.devices {
        DeviceSource::Simulated { inputs } => Box::new(SimulatedKit::new(inputs, settings)),
        DeviceSource::Real { scanner } => Box::new(RealKit {
            scanner: scanner.clone(),
            settings: settings.clone(),
        }),
    }
}
