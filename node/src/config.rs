//! A node's configuration: one TOML file per node (`bansao.toml` in the node directory), parsed
//! and validated here, at the edge, and handed inward as plain structs.
//!
//! Every problem is reported with the file's name and, for syntax errors, the line; all
//! validation problems are reported together, not one per run.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use bansao_copy::{CommuneCode, KioskId};
use serde::Deserialize;

pub use crate::city_config::{CityConfig, RegistrationPolicy};
pub use crate::web_config::{
    DEFAULT_CITY_WEB_PORT, DEFAULT_KIOSK_WEB_PORT, DEFAULT_WARD_WEB_PORT, WebSettings,
};

/// The file name of a node's configuration inside its directory.
pub const CONFIG_FILE_NAME: &str = "bansao.toml";

/// What a node does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NodeRole {
    /// A kiosk in a commune hall or village cultural house: issues provisional copies.
    Kiosk,
    /// A ward (commune) node: officials review and counter-sign.
    Ward,
    /// The city node: registers, revokes, keeps the keys.
    City,
}

impl NodeRole {
    /// Lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            NodeRole::Kiosk => "kiosk",
            NodeRole::Ward => "ward",
            NodeRole::City => "city",
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    role: NodeRole,
    name: String,
    commune: Option<RawCommune>,
    kiosk: Option<RawKiosk>,
    city: Option<crate::city_config::RawCity>,
    #[serde(default)]
    storage: RawStorage,
    #[serde(default)]
    sync: RawSync,
    #[serde(default)]
    web: crate::web_config::RawWeb,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSync {
    listen: Option<String>,
    #[serde(default)]
    upstream: Vec<String>,
    interval_seconds: Option<u64>,
    lan_discovery: Option<bool>,
}

/// The UDP port bansao nodes listen on for sync by default.
pub const DEFAULT_SYNC_PORT: u16 = 7844;

/// How a node syncs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyncSettings {
    /// The UDP address the node accepts sync connections on (`None`: it does not listen).
    pub listen: Option<SocketAddr>,
    /// The nodes this node syncs up to, as `host:port` (a kiosk: its ward; a ward: the city).
    pub upstream: Vec<String>,
    /// How often a round of sync runs with each upstream and LAN peer.
    pub interval: Duration,
    /// Whether to find kiosks and officials' laptops of the same commune on the LAN (mDNS).
    pub lan_discovery: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCommune {
    code: String,
    name: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawKiosk {
    id: String,
    printer: Option<String>,
    paper: Option<String>,
    face_models: Option<PathBuf>,
    tessdata: Option<PathBuf>,
    idle_timeout_seconds: Option<u64>,
    devices: Option<String>,
    simulated_inputs: Option<PathBuf>,
    scanner: Option<String>,
    camera: Option<String>,
}

/// The camera in front of the citizen (the face check, a receipt's QR held up to it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CameraSetting {
    /// No camera.
    None,
    /// A Video4Linux2 camera (`v4l2:/dev/video0`).
    V4l2(PathBuf),
    /// A simulated camera (`files:DIR`): the images of a directory in name order, the last one
    /// kept in view.
    Files(PathBuf),
}

/// Where the kiosk's receipts go.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PrinterSetting {
    /// No printer: copies are issued, receipts are reported as not printed.
    None,
    /// A file or device path (`/dev/usb/lp0`): the ESC/POS stream is appended to it.
    File(PathBuf),
    /// A network printer (raw TCP, usually port 9100).
    Network(String),
    /// A USB printer by vendor and product id.
    Usb {
        /// USB vendor id.
        vendor_id: u16,
        /// USB product id.
        product_id: u16,
    },
    /// A serial printer.
    Serial {
        /// The port, e.g. `/dev/ttyUSB0`.
        path: String,
        /// Its speed.
        baud_rate: u32,
    },
}

/// A serial printer's speed when the configuration does not give one.
pub const DEFAULT_SERIAL_BAUD: u32 = 9600;

fn usb_ids(ids: &str) -> Option<(u16, u16)> {
    let (vendor, product) = ids.split_once(':')?;
    Some((
        u16::from_str_radix(vendor, 16).ok()?,
        u16::from_str_radix(product, 16).ok()?,
    ))
}

fn serial_port(spec: &str) -> Option<(String, u32)> {
    let (path, baud_rate) = match spec.rsplit_once('@') {
        Some((path, baud)) => (path, baud.parse().ok().filter(|b| *b > 0)?),
        None => (spec, DEFAULT_SERIAL_BAUD),
    };
    (!path.is_empty()).then(|| (path.to_owned(), baud_rate))
}

/// The kiosk's devices and perception models.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KioskSettings {
    /// The receipt printer.
    pub printer: PrinterSetting,
    /// Receipt paper width: 80 mm (true) or 58 mm (false).
    pub paper_80mm: bool,
    /// The face verification models directory (`None`: `BANSAO_FACE_MODELS`, then
    /// `/usr/share/bansao/face-models`).
    pub face_models: Option<PathBuf>,
    /// Tesseract's data directory (`None`: Tesseract's own default, Debian's packages).
    pub tessdata: Option<PathBuf>,
    /// The camera (`[kiosk] camera`: `none`, `v4l2:/dev/videoN` or `files:DIR`).
    pub camera: CameraSetting,
    /// The citizen's screen: idle timeout and the devices it drives.
    pub screen: crate::kiosk_desk::settings::ScreenSettings,
}

impl Default for KioskSettings {
    fn default() -> KioskSettings {
        KioskSettings {
            printer: PrinterSetting::None,
            paper_80mm: true,
            face_models: None,
            tessdata: None,
            camera: CameraSetting::None,
            screen: crate::kiosk_desk::settings::ScreenSettings::default(),
        }
    }
}

/// A printer written as `KIND:WHERE`, or `None` when it is not one.
fn printer_setting(spec: &str, base: &Path) -> Option<PrinterSetting> {
    let (kind, place) = spec.split_once(':')?;
    match kind {
        "file" if !place.is_empty() => Some(PrinterSetting::File(base.join(place))),
        "tcp" if is_host_port(place) => Some(PrinterSetting::Network(place.to_owned())),
        "usb" => usb_ids(place).map(|(vendor_id, product_id)| PrinterSetting::Usb {
            vendor_id,
            product_id,
        }),
        "serial" => {
            serial_port(place).map(|(path, baud_rate)| PrinterSetting::Serial { path, baud_rate })
        }
        _ => None,
    }
}

fn kiosk_settings(raw: &RawKiosk, base: &Path, problems: &mut Vec<String>) -> KioskSettings {
    let printer = match raw.printer.as_deref().map(str::trim) {
        None | Some("none") => PrinterSetting::None,
        Some(spec) => printer_setting(spec, base).unwrap_or_else(|| {
            problems.push(format!(
                "kiosk.printer {spec:?} must be \"none\", \"file:PATH\" (a file or device such as /dev/usb/lp0), \"tcp:HOST:PORT\", \"usb:VID:PID\" (hex, e.g. usb:0416:5011) or \"serial:PORT[@BAUD]\" (e.g. serial:/dev/ttyUSB0@115200)"
            ));
            PrinterSetting::None
        }),
    };
    let paper_80mm = match raw.paper.as_deref() {
        None | Some("80mm") => true,
        Some("58mm") => false,
        Some(other) => {
            problems.push(format!(
                "kiosk.paper {other:?} must be \"80mm\" or \"58mm\""
            ));
            true
        }
    };
    let camera = match raw.camera.as_deref().map(str::trim) {
        None | Some("none") => CameraSetting::None,
        Some(spec) => match spec.split_once(':') {
            Some(("v4l2", path)) if !path.is_empty() => CameraSetting::V4l2(PathBuf::from(path)),
            Some(("files", dir)) if !dir.is_empty() => CameraSetting::Files(base.join(dir)),
            _ => {
                problems.push(format!(
                    "kiosk.camera {spec:?} must be \"none\", \"v4l2:/dev/videoN\" or \"files:DIR\" (a simulated camera showing the images of DIR)"
                ));
                CameraSetting::None
            }
        },
    };
    KioskSettings {
        printer,
        paper_80mm,
        face_models: raw.face_models.as_ref().map(|path| base.join(path)),
        tessdata: raw.tessdata.as_ref().map(|path| base.join(path)),
        screen: crate::kiosk_desk::settings::screen_settings(
            raw.idle_timeout_seconds,
            raw.devices.as_deref(),
            raw.simulated_inputs.as_deref(),
            raw.scanner.as_deref(),
            base,
            problems,
        ),
        camera,
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStorage {
    database: Option<PathBuf>,
    key: Option<PathBuf>,
    certificate: Option<PathBuf>,
    trust: Option<PathBuf>,
}

/// The commune a kiosk or ward serves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Commune {
    /// The five-digit administrative code.
    pub code: CommuneCode,
    /// Its name, e.g. "Xã Tân Lập".
    pub name: String,
}

/// Where a node keeps its files (absolute, resolved against the configuration's directory).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodePaths {
    /// The SQLite database.
    pub database: PathBuf,
    /// The node's private key (PKCS#8 PEM, mode 0600).
    pub key: PathBuf,
    /// The node's certificate (CBOR).
    pub certificate: PathBuf,
    /// The trust bundle the node verifies with.
    pub trust: PathBuf,
}

/// A validated node configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeConfig {
    /// A name for people.
    pub name: String,
    /// What the node does, with the settings only that role has.
    pub role: RoleConfig,
    /// File locations.
    pub paths: NodePaths,
    /// Sync.
    pub sync: SyncSettings,
    /// Web pages.
    pub web: WebSettings,
}

/// A role and its own settings: a kiosk always has its id and commune, a ward its commune.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RoleConfig {
    /// A kiosk.
    Kiosk(KioskConfig),
    /// A ward.
    Ward(WardConfig),
    /// The city.
    City(CityConfig),
}

/// What only a kiosk is configured with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KioskConfig {
    /// The kiosk's id, as its certificate names it.
    pub id: KioskId,
    /// The commune it issues copies for.
    pub commune: Commune,
    /// Its devices and perception models.
    pub devices: KioskSettings,
}

/// What only a ward is configured with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WardConfig {
    /// The commune it serves.
    pub commune: Commune,
}

impl RoleConfig {
    /// The role without its settings.
    pub fn role(&self) -> NodeRole {
        match self {
            RoleConfig::Kiosk(_) => NodeRole::Kiosk,
            RoleConfig::Ward(_) => NodeRole::Ward,
            RoleConfig::City(_) => NodeRole::City,
        }
    }
}

impl NodeConfig {
    /// The role without its settings.
    pub fn role(&self) -> NodeRole {
        self.role.role()
    }

    /// The commune a kiosk or ward serves (`None` for the city).
    pub fn commune(&self) -> Option<&Commune> {
        match &self.role {
            RoleConfig::Kiosk(kiosk) => Some(&kiosk.commune),
            RoleConfig::Ward(ward) => Some(&ward.commune),
            RoleConfig::City(_) => None,
        }
    }

    /// The city's settings (`None` for a kiosk or a ward).
    pub fn city(&self) -> Option<&CityConfig> {
        match &self.role {
            RoleConfig::City(city) => Some(city),
            _ => None,
        }
    }

    /// The kiosk's settings (`None` for a ward or the city).
    pub fn kiosk(&self) -> Option<&KioskConfig> {
        match &self.role {
            RoleConfig::Kiosk(kiosk) => Some(kiosk),
            _ => None,
        }
    }
}

/// The configuration could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read the configuration {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not valid TOML for a configuration.
    #[error("the configuration {path} is not valid: {message}")]
    Syntax {
        /// The file.
        path: PathBuf,
        /// The parser's message, with line and column.
        message: String,
    },
    /// The values do not make a valid configuration.
    #[error("the configuration {path} has problems:\n  - {}", problems.join("\n  - "))]
    Invalid {
        /// The file.
        path: PathBuf,
        /// Every problem found.
        problems: Vec<String>,
    },
}

impl NodeConfig {
    /// Reads and validates a configuration file.
    pub fn load(path: &Path) -> Result<NodeConfig, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        let base = path.parent().unwrap_or(Path::new("."));
        NodeConfig::parse(&text, path, base)
    }

    /// Parses and validates configuration text; `path` names it in messages and relative paths
    /// are resolved against `base`.
    pub fn parse(text: &str, path: &Path, base: &Path) -> Result<NodeConfig, ConfigError> {
        let raw: RawConfig = toml::from_str(text).map_err(|error| ConfigError::Syntax {
            path: path.to_owned(),
            message: error.to_string().trim().to_owned(),
        })?;
        let mut problems = Vec::new();
        if raw.name.trim().is_empty() {
            problems.push("`name` must not be empty".to_owned());
        }
        let commune = raw
            .commune
            .map(|commune| parse_commune(commune, &mut problems));
        let kiosk = raw.kiosk.map(|kiosk| {
            let id = KioskId::parse(&kiosk.id)
                .map_err(|error| problems.push(format!("kiosk.id: {error}")))
                .ok();
            (id, kiosk_settings(&kiosk, base, &mut problems))
        });
        let city_section = raw.city;
        if raw.role != NodeRole::City && city_section.is_some() {
            problems.push("only the city has a [city] section".to_owned());
        }
        let role = match (raw.role, commune, kiosk) {
            (NodeRole::Kiosk, commune, Some((id, devices))) => {
                let commune = commune.or_else(|| {
                    problems.push(
                        "a kiosk needs a [commune] section with `code` and `name`".to_owned(),
                    );
                    None
                });
                match (id, commune.flatten()) {
                    (Some(id), Some(commune)) => Some(RoleConfig::Kiosk(KioskConfig {
                        id,
                        commune,
                        devices,
                    })),
                    _ => None,
                }
            }
            (NodeRole::Kiosk, commune, None) => {
                if commune.is_none() {
                    problems.push(
                        "a kiosk needs a [commune] section with `code` and `name`".to_owned(),
                    );
                }
                problems.push("a kiosk needs a [kiosk] section with `id`".to_owned());
                None
            }
            (NodeRole::Ward, commune, kiosk) => {
                if kiosk.is_some() {
                    problems.push("a ward has no [kiosk] section".to_owned());
                }
                match commune {
                    Some(Some(commune)) => Some(RoleConfig::Ward(WardConfig { commune })),
                    Some(None) => None,
                    None => {
                        problems.push(
                            "a ward needs a [commune] section with `code` and `name`".to_owned(),
                        );
                        None
                    }
                }
            }
            (NodeRole::City, commune, kiosk) => {
                if commune.is_some() {
                    problems.push(
                        "a city node serves every commune: remove the [commune] section".to_owned(),
                    );
                }
                if kiosk.is_some() {
                    problems.push("a city has no [kiosk] section".to_owned());
                }
                Some(RoleConfig::City(crate::city_config::city_settings(
                    city_section.unwrap_or_default(),
                    &mut problems,
                )))
            }
        };
        let sync = sync_settings(raw.role, raw.sync, &mut problems);
        let web = crate::web_config::web_settings(raw.role, raw.web, &mut problems);
        let role = match role {
            Some(role) if problems.is_empty() => role,
            _ => {
                return Err(ConfigError::Invalid {
                    path: path.to_owned(),
                    problems,
                });
            }
        };
        let resolve = |given: Option<PathBuf>, default: &str| {
            base.join(given.unwrap_or_else(|| PathBuf::from(default)))
        };
        Ok(NodeConfig {
            name: raw.name,
            role,
            paths: NodePaths {
                database: resolve(raw.storage.database, "bansao.sqlite"),
                key: resolve(raw.storage.key, "node.key"),
                certificate: resolve(raw.storage.certificate, "node.cert"),
                trust: resolve(raw.storage.trust, "trust.cbor"),
            },
            sync,
            web,
        })
    }
}

/// A commune section, or `None` (with the problems noted) when its values are not usable.
fn parse_commune(raw: RawCommune, problems: &mut Vec<String>) -> Option<Commune> {
    let code = CommuneCode::parse(&raw.code)
        .map_err(|error| problems.push(format!("commune.code: {error}")))
        .ok();
    if raw.name.trim().is_empty() {
        problems.push("commune.name must not be empty".to_owned());
        return None;
    }
    Some(Commune {
        code: code?,
        name: raw.name,
    })
}

/// Whether `address` is `host:port` with a usable port.
fn is_host_port(address: &str) -> bool {
    match address.rsplit_once(':') {
        Some((host, port)) => !host.trim().is_empty() && port.parse::<u16>().is_ok_and(|p| p != 0),
        None => false,
    }
}

fn sync_settings(role: NodeRole, raw: RawSync, problems: &mut Vec<String>) -> SyncSettings {
    let listen = match raw.listen.as_deref() {
        None => Some(SocketAddr::from(([0, 0, 0, 0], DEFAULT_SYNC_PORT))),
        Some("off") => None,
        Some(text) => match text.parse::<SocketAddr>() {
            Ok(address) => Some(address),
            Err(_) => {
                problems.push(format!(
                    "sync.listen {text:?} must be an IP address and port, e.g. \"0.0.0.0:{DEFAULT_SYNC_PORT}\", or \"off\""
                ));
                None
            }
        },
    };
    for address in &raw.upstream {
        if !is_host_port(address) {
            problems.push(format!(
                "sync.upstream {address:?} must be host:port, e.g. \"ward.tanlap.example:{DEFAULT_SYNC_PORT}\""
            ));
        }
    }
    if role == NodeRole::City && !raw.upstream.is_empty() {
        problems.push("the city node has no upstream: remove sync.upstream".to_owned());
    }
    let interval_seconds = raw.interval_seconds.unwrap_or(300);
    if !(5..=86_400).contains(&interval_seconds) {
        problems.push(format!(
            "sync.interval_seconds {interval_seconds} must be between 5 and 86400"
        ));
    }
    let lan_discovery = raw.lan_discovery.unwrap_or(role == NodeRole::Kiosk);
    if lan_discovery && listen.is_none() {
        problems.push(
            "sync.lan_discovery needs sync.listen: LAN peers connect to this node".to_owned(),
        );
    }
    SyncSettings {
        listen,
        upstream: raw.upstream,
        interval: Duration::from_secs(interval_seconds),
        lan_discovery,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<NodeConfig, ConfigError> {
        NodeConfig::parse(text, Path::new("bansao.toml"), Path::new("/srv/bansao"))
    }

    #[test]
    fn example_configs_parse() {
        let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../config");
        let mut seen = 0;
        for entry in std::fs::read_dir(&examples).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "toml") {
                let config = NodeConfig::load(&path).unwrap_or_else(|e| panic!("{e}"));
                let stem = path.file_stem().unwrap().to_string_lossy().to_string();
                assert_eq!(
                    config.role().as_str(),
                    stem,
                    "{} declares the role of its name",
                    path.display()
                );
                assert_eq!(
                    config.web.listen,
                    Some(config.role().default_web_listen()),
                    "{} shows its role's default [web] listen",
                    path.display()
                );
                seen += 1;
            }
        }
        assert_eq!(seen, 3, "one example per role");
    }

    #[test]
    fn kiosk_devices_are_parsed_and_checked() {
        let kiosk = |extra: &str| {
            parse(&format!(
                "role = \"kiosk\"\nname = \"K\"\n[commune]\ncode = \"00001\"\nname = \"X\"\n[kiosk]\nid = \"KIOSK-1\"\n{extra}"
            ))
        };
        let config = kiosk("").unwrap();
        assert_eq!(config.kiosk().unwrap().devices, KioskSettings::default());
        let config =
            kiosk("printer = \"file:receipts.escpos\"\npaper = \"58mm\"\nface_models = \"m\"")
                .unwrap();
        assert_eq!(
            config.kiosk().unwrap().devices.printer,
            PrinterSetting::File(PathBuf::from("/srv/bansao/receipts.escpos"))
        );
        assert!(!config.kiosk().unwrap().devices.paper_80mm);
        assert_eq!(
            config.kiosk().unwrap().devices.face_models,
            Some(PathBuf::from("/srv/bansao/m"))
        );
        let config = kiosk("printer = \"tcp:10.0.0.5:9100\"").unwrap();
        assert_eq!(
            config.kiosk().unwrap().devices.printer,
            PrinterSetting::Network("10.0.0.5:9100".to_owned())
        );
        let config = kiosk("camera = \"files:frames\"").unwrap();
        assert_eq!(
            config.kiosk().unwrap().devices.camera,
            CameraSetting::Files(PathBuf::from("/srv/bansao/frames"))
        );
        let config = kiosk("camera = \"v4l2:/dev/video2\"").unwrap();
        assert_eq!(
            config.kiosk().unwrap().devices.camera,
            CameraSetting::V4l2(PathBuf::from("/dev/video2"))
        );
        let error = kiosk("camera = \"webcam\"").unwrap_err().to_string();
        assert!(error.contains("kiosk.camera \"webcam\""), "{error}");
        let error = kiosk("printer = \"usb\"\npaper = \"a4\"")
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("kiosk.printer \"usb\"") && error.contains("kiosk.paper \"a4\""),
            "{error}"
        );
    }

    #[test]
    fn defaults_resolve_inside_the_node_directory() {
        let config = parse("role = \"ward\"\nname = \"UBND xã Tân Lập\"\n[commune]\ncode = \"00001\"\nname = \"Xã Tân Lập\"\n").unwrap();
        assert_eq!(
            config.paths.database,
            Path::new("/srv/bansao/bansao.sqlite")
        );
        assert_eq!(config.paths.trust, Path::new("/srv/bansao/trust.cbor"));
    }

    #[test]
    fn sync_settings_have_defaults_per_role_and_are_checked() {
        let ward = parse("role = \"ward\"\nname = \"W\"\n[commune]\ncode = \"00001\"\nname = \"X\"\n[sync]\nupstream = [\"city.example:7844\"]\n").unwrap();
        assert_eq!(
            ward.sync.listen,
            Some(SocketAddr::from(([0, 0, 0, 0], 7844)))
        );
        assert_eq!(ward.sync.upstream, vec!["city.example:7844".to_owned()]);
        assert!(!ward.sync.lan_discovery);
        assert_eq!(ward.sync.interval, Duration::from_secs(300));
        let message = parse("role = \"city\"\nname = \"C\"\n[sync]\nlisten = \"nowhere\"\nupstream = [\"x\"]\ninterval_seconds = 1\n")
            .unwrap_err()
            .to_string();
        for expected in [
            "sync.listen",
            "host:port",
            "no upstream",
            "interval_seconds",
        ] {
            assert!(message.contains(expected), "{expected}: {message}");
        }
        let message = parse("role = \"kiosk\"\nname = \"K\"\n[commune]\ncode = \"00001\"\nname = \"X\"\n[kiosk]\nid = \"KIOSK-1\"\n[sync]\nlisten = \"off\"\n")
            .unwrap_err()
            .to_string();
        assert!(message.contains("lan_discovery needs"), "{message}");
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let error = parse("role = \"kiosk\"\nname = \"\"\n[commune]\ncode = \"1\"\nname = \"X\"\n")
            .unwrap_err();
        let message = error.to_string();
        assert!(message.contains("`name` must not be empty"), "{message}");
        assert!(message.contains("five-digit"), "{message}");
        assert!(message.contains("[kiosk] section"), "{message}");
    }

    #[test]
    fn syntax_errors_name_the_line_and_unknown_keys_are_refused() {
        let message = parse("role = \"city\"\nname = \"Hà Nội\"\ncolour = \"blue\"\n")
            .unwrap_err()
            .to_string();
        assert!(message.contains("colour"), "{message}");
        assert!(
            message.contains("line 3") || message.contains("3 |"),
            "{message}"
        );
        let message = parse("role = \"village\"\nname = \"x\"\n")
            .unwrap_err()
            .to_string();
        assert!(message.contains("village"), "{message}");
    }
}
