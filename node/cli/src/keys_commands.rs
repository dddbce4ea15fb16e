//! `bansao keys …`: the key ceremonies at the command line (create the city, certify wards,
//! kiosks and officials, rotate and revoke keys, revoke copies, publish the trust list), thin
//! over `bansao_node::city`.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use bansao_copy::{CommuneCode, CopyId, KioskId, OfficialId};
use bansao_node::city::{City, Validity};
use bansao_node::config::{Commune, NodeRole};
use bansao_node::node_dir::NodeDir;
use bansao_node::ward::Ward;
use bansao_trust::KeyId;
use clap::Subcommand;

/// The key ceremonies.
#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Create the city: root key (keep offline), registrar key, empty lists, trust.cbor.
    InitCity {
        /// The city directory to create.
        #[arg(long)]
        dir: PathBuf,
        /// The city's name, e.g. "Sở Tư pháp Thành phố Hà Nội".
        #[arg(long)]
        name: String,
        /// Validity of the root certificate, in days.
        #[arg(long, default_value_t = 20 * 365)]
        root_days: i64,
    },
    /// Certify a ward (commune): creates its directory, key, certificate and configuration.
    CertifyWard {
        /// The city directory.
        #[arg(long)]
        city: PathBuf,
        /// The ward directory to create.
        #[arg(long)]
        dir: PathBuf,
        /// Five-digit commune code.
        #[arg(long)]
        commune_code: CommuneCode,
        /// Commune name, e.g. "Xã Tân Lập".
        #[arg(long)]
        commune_name: String,
        /// Node name, e.g. "UBND xã Tân Lập" (defaults to the commune name).
        #[arg(long)]
        name: Option<String>,
        /// Validity in days.
        #[arg(long, default_value_t = 5 * 365)]
        days: i64,
    },
    /// Certify a kiosk of a ward: creates its directory, key, certificate and configuration.
    CertifyKiosk {
        /// The city directory.
        #[arg(long)]
        city: PathBuf,
        /// The ward directory (its key signs the kiosk's certificate).
        #[arg(long)]
        ward: PathBuf,
        /// The kiosk directory to create.
        #[arg(long)]
        dir: PathBuf,
        /// The kiosk id, e.g. KIOSK-TANLAP-01.
        #[arg(long)]
        kiosk_id: KioskId,
        /// A name people recognise.
        #[arg(long)]
        name: Option<String>,
        /// Validity in days.
        #[arg(long, default_value_t = 5 * 365)]
        days: i64,
    },
    /// Certify an official of a ward; the key is kept in WARD/officials/ID.key, locked under
    /// the official's passphrase (asked twice on the terminal, or read from --passphrase-file).
    CertifyOfficial {
        /// The city directory.
        #[arg(long)]
        city: PathBuf,
        /// The ward directory.
        #[arg(long)]
        ward: PathBuf,
        /// A short id, e.g. tran-thi-binh.
        #[arg(long)]
        id: OfficialId,
        /// The official's full name.
        #[arg(long)]
        name: String,
        /// A file whose first line is the official's passphrase (at least 8 characters).
        #[arg(long)]
        passphrase_file: Option<PathBuf>,
        /// Validity in days.
        #[arg(long, default_value_t = 5 * 365)]
        days: i64,
    },
    /// Certify a member of the city's staff (a root ceremony): their key is kept in
    /// CITY/staff/ID.key, locked under their passphrase (asked twice on the terminal, or read
    /// from --passphrase-file); with it they sign in to the city's pages.
    CertifyStaff {
        /// The city directory.
        #[arg(long)]
        city: PathBuf,
        /// A short id, e.g. le-thi-hoa.
        #[arg(long)]
        id: OfficialId,
        /// The staff member's full name.
        #[arg(long)]
        name: String,
        /// A file whose first line is their passphrase (at least 8 characters).
        #[arg(long)]
        passphrase_file: Option<PathBuf>,
        /// Validity in days.
        #[arg(long, default_value_t = 5 * 365)]
        days: i64,
    },
    /// Lock an official's key kept in plain text (made before keys were locked) under their
    /// passphrase; until then the key cannot sign.
    LockOfficial {
        /// The ward directory.
        #[arg(long)]
        ward: PathBuf,
        /// The official's id.
        #[arg(long)]
        id: OfficialId,
        /// A file whose first line is the official's passphrase (at least 8 characters).
        #[arg(long)]
        passphrase_file: Option<PathBuf>,
    },
    /// Replace a node's or official's key; the old key is retired (earlier signatures stay valid).
    Rotate {
        /// The city directory.
        #[arg(long)]
        city: PathBuf,
        /// A kiosk or ward directory whose node key to rotate.
        #[arg(long, conflicts_with = "official")]
        node: Option<PathBuf>,
        /// The ward directory (for an official, and for a kiosk: its key certifies the new key).
        #[arg(long)]
        ward: Option<PathBuf>,
        /// The official id (with --ward).
        #[arg(long, requires = "ward")]
        official: Option<OfficialId>,
        /// For an official: a file whose first line is their passphrase (it opens the old key
        /// and locks the new one).
        #[arg(long, requires = "official")]
        passphrase_file: Option<PathBuf>,
    },
    /// Revoke a key: its signatures, and those of keys it certified, stop counting.
    Revoke {
        /// The city directory.
        #[arg(long)]
        city: PathBuf,
        /// The key id (16 hex digits, see `bansao trust export`).
        #[arg(long)]
        key: String,
        /// Why, in words people read.
        #[arg(long)]
        reason: String,
    },
    /// Revoke one copy.
    RevokeCopy {
        /// The city directory.
        #[arg(long)]
        city: PathBuf,
        /// The copy id.
        #[arg(long)]
        copy: String,
        /// Why.
        #[arg(long)]
        reason: String,
    },
    /// Certify the city's transparency log key (log.key, log.cert) for a city made before
    /// cities had one; it signs the log's checkpoints and nothing else.
    LogKey {
        /// The city directory.
        #[arg(long)]
        city: PathBuf,
    },
    /// Copy the city's current trust.cbor into node directories.
    Publish {
        /// The city directory.
        #[arg(long)]
        city: PathBuf,
        /// Node directories to update.
        #[arg(long, required = true, num_args = 1..)]
        to: Vec<PathBuf>,
    },
}

/// Runs a key ceremony.
pub fn run(
    command: KeysCommand,
    now: bansao_copy::Timestamp,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let validity = |days: i64| Validity {
        node_days: days,
        ..Validity::default()
    };
    match command {
        KeysCommand::InitCity {
            dir,
            name,
            root_days,
        } => {
            let city = City::init(
                &dir,
                &name,
                now,
                Validity {
                    root_days,
                    ..Validity::default()
                },
            )?;
            writeln!(
                out,
                "Đã tạo thành phố {name} trong {} (city created).",
                city.dir().display()
            )?;
            writeln!(
                out,
                "Giữ khóa gốc {} ngoại tuyến (keep the root key offline).",
                dir.join(bansao_node::city::ROOT_KEY_FILE).display()
            )?;
        }
        KeysCommand::CertifyWard {
            city,
            dir,
            commune_code,
            commune_name,
            name,
            days,
        } => {
            let mut city = City::open(&city)?;
            let commune = Commune {
                code: commune_code,
                name: commune_name.clone(),
            };
            let certificate = city.certify_ward(
                &dir,
                &commune,
                name.as_deref().unwrap_or(&commune_name),
                now,
                validity(days),
            )?;
            writeln!(
                out,
                "Đã cấp chứng thư cho xã {commune_name}: khóa {} (ward certified).",
                certificate.key_id()
            )?;
        }
        KeysCommand::CertifyKiosk {
            city,
            ward,
            dir,
            kiosk_id,
            name,
            days,
        } => {
            let mut city = City::open(&city)?;
            let ward = Ward::open(&ward)?;
            let certificate = city.certify_kiosk(
                &ward,
                &dir,
                &kiosk_id,
                name.as_deref().unwrap_or(kiosk_id.as_str()),
                now,
                validity(days),
            )?;
            writeln!(
                out,
                "Đã cấp chứng thư cho ki-ốt {kiosk_id}: khóa {} (kiosk certified).",
                certificate.key_id()
            )?;
        }
        KeysCommand::CertifyOfficial {
            city,
            ward,
            id,
            name,
            passphrase_file,
            days,
        } => {
            let mut city = City::open(&city)?;
            let ward = Ward::open(&ward)?;
            let passphrase = crate::passphrase::obtain(passphrase_file.as_deref(), &name, true)?;
            let certificate =
                city.certify_official(&ward, &id, &name, &passphrase, now, validity(days))?;
            writeln!(
                out,
                "Đã cấp chứng thư cho cán bộ {name}: khóa {} (official certified).",
                certificate.key_id()
            )?;
        }
        KeysCommand::CertifyStaff {
            city,
            id,
            name,
            passphrase_file,
            days,
        } => {
            let mut city = City::open(&city)?;
            let passphrase = crate::passphrase::obtain(passphrase_file.as_deref(), &name, true)?;
            let certificate = city.certify_staff(&id, &name, &passphrase, now, validity(days))?;
            writeln!(
                out,
                "Đã cấp chứng thư cho cán bộ Sở {name}: khóa {} (city staff certified; sign in to the city's pages as {id}).",
                certificate.key_id()
            )?;
        }
        KeysCommand::LockOfficial {
            ward,
            id,
            passphrase_file,
        } => {
            let ward = Ward::open(&ward)?;
            let passphrase =
                crate::passphrase::obtain(passphrase_file.as_deref(), id.as_str(), true)?;
            ward.lock_official(&id, &passphrase)?;
            writeln!(
                out,
                "Khóa của cán bộ {id} đã được bảo vệ bằng mật khẩu (official's key locked)."
            )?;
        }
        KeysCommand::Rotate {
            city,
            node,
            ward,
            official,
            passphrase_file,
        } => {
            let mut city = City::open(&city)?;
            let passphrase = match &official {
                Some(official) => Some(crate::passphrase::obtain(
                    passphrase_file.as_deref(),
                    official.as_str(),
                    false,
                )?),
                None => None,
            };
            let (key_path, certificate_path, issuer) = match (node, ward, official) {
                (_, Some(ward_dir), Some(official)) => {
                    let ward = NodeDir::read(&ward_dir)?.expect_role(NodeRole::Ward)?;
                    let (key, certificate) =
                        bansao_node::ward::official_files(&ward.path, &official);
                    (key, certificate, Some(ward.config.paths.key))
                }
                (Some(node), ward_dir, None) => {
                    let config = NodeDir::read(&node)?.config;
                    let issuer = match config.role() {
                        NodeRole::Kiosk => {
                            let ward_dir = ward_dir.context(
                                "rotating a kiosk key needs --ward (the ward key certifies it)",
                            )?;
                            let ward = NodeDir::read(&ward_dir)?.expect_role(NodeRole::Ward)?;
                            Some(ward.config.paths.key)
                        }
                        _ => None,
                    };
                    (config.paths.key, config.paths.certificate, issuer)
                }
                _ => anyhow::bail!(
                    "say which key to rotate: --node DIR, or --ward DIR --official ID"
                ),
            };
            let (old, certificate) = city.rotate(
                &key_path,
                &certificate_path,
                issuer.as_deref(),
                passphrase.as_ref(),
                now,
                Validity::default(),
            )?;
            writeln!(
                out,
                "Đã thay khóa {old} bằng khóa {} (key rotated; the old key is retired).",
                certificate.key_id()
            )?;
        }
        KeysCommand::Revoke { city, key, reason } => {
            let mut city = City::open(&city)?;
            let key_id = KeyId::from_hex(&key)?;
            city.revoke_key(key_id, &reason, now)?;
            writeln!(
                out,
                "Đã thu hồi khóa {key_id} (key revoked). Phát hành lại trust.cbor cho các nút."
            )?;
        }
        KeysCommand::RevokeCopy { city, copy, reason } => {
            let mut city = City::open(&city)?;
            let copy_id = CopyId::parse(&copy)?;
            city.revoke_copy(copy_id, &reason, now)?;
            writeln!(out, "Đã thu hồi bản sao {copy_id} (copy revoked).")?;
        }
        KeysCommand::LogKey { city } => {
            let mut city = City::open(&city)?;
            let certificate = city.certify_log_key(now, Validity::default())?;
            writeln!(
                out,
                "Đã cấp khóa nhật ký {} (log key certified). Phát hành lại trust.cbor cho các nút.",
                certificate.key_id()
            )?;
        }
        KeysCommand::Publish { city, to } => {
            let city = City::open(&city)?;
            let dirs: Vec<&Path> = to.iter().map(PathBuf::as_path).collect();
            city.distribute(&dirs)?;
            writeln!(
                out,
                "Đã cập nhật trust.cbor cho {} nút (trust list published).",
                dirs.len()
            )?;
        }
    }
    Ok(())
}
