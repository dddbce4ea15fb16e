//! `bansao demo --serve --dir DIR`: a kiosk, a ward and a city running on this machine, syncing,
//! each with its web site, until Ctrl-C or SIGTERM.
//!
//! The first start makes the three node directories (`DIR/city`, `DIR/ward`, `DIR/kiosk`) by
//! the demo's key ceremonies ([`crate::demo::ceremonies`]: root, registrar and log keys, the
//! ward, the kiosk, the official; then a city staff member), issues one sample copy at the
//! kiosk so the official's queue is not empty, and leaves sample inputs in `DIR/samples`. The
//! ceremonies run in `DIR/setup` and the finished directories are moved into place, so a start
//! stopped half-way leaves nothing that looks like a demo. Every later start on the same DIR
//! resumes the same nodes: nothing is made again and nothing is lost.
//!
//! At every start the demo writes each node's `[sync]` and `[web]` (the ports may change with
//! `--ports`): the kiosk syncs up to the ward and the ward to the city over QUIC on loopback,
//! every [`ROUND_SECONDS`] seconds; each node's site is on its own TCP port and its sync (ward,
//! city) on the UDP port of the same number. Then the three run exactly as `bansao run` runs
//! one ([`crate::sync_commands::ready_node`], [`crate::sync_commands::serve_ready`]: the same
//! sync service and the same `web_parts`), in one process, each node directory locked.

use std::io::Write;
use std::net::{SocketAddr, TcpListener, UdpSocket};
use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, bail};
use bansao_copy::OfficialId;
use bansao_node::city::{City, Validity};
use bansao_node::city_staff::staff_files;
use bansao_node::config::{CONFIG_FILE_NAME, NodeRole};
use bansao_node::kiosk::Kiosk;
use bansao_node::node_lock::NodeLock;
use bansao_node::{entropy, files};
use bansao_testkit::sample_request;
use bansao_trust::Passphrase;

use crate::demo::{DemoFaces, OFFICIAL_ID, OFFICIAL_PASSPHRASE, say};
use crate::exit::UsageError;
use crate::sync_commands::{ReadyNode, ready_node, runtime, serve_ready, stop_signal};

/// The demo's city staff member.
pub(crate) const STAFF_ID: &str = "le-thi-hoa";
/// Their name.
const STAFF_NAME: &str = "Lê Thị Hoa";
/// Their passphrase (written to DIR/staff.passphrase; a real staff member's is theirs alone).
pub(crate) const STAFF_PASSPHRASE: &str = "hoa-sở-tư-pháp-2026";
/// Seconds between the rounds of sync (the shortest `sync.interval_seconds` allows).
pub const ROUND_SECONDS: u32 = 5;
/// Where the first start runs the ceremonies before moving the nodes into place.
const SETUP_DIR: &str = "setup";
/// The nodes, in the order they are started and their ports given.
const NODES: [(&str, NodeRole); 3] = [
    ("kiosk", NodeRole::Kiosk),
    ("ward", NodeRole::Ward),
    ("city", NodeRole::City),
];

/// The TCP ports of the three sites (the ward's and the city's sync use the UDP port of the
/// same number).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoPorts {
    /// The kiosk's site.
    pub kiosk: u16,
    /// The ward's site and sync.
    pub ward: u16,
    /// The city's site and sync.
    pub city: u16,
}

impl Default for DemoPorts {
    /// Each role's default `[web] listen` port.
    fn default() -> DemoPorts {
        DemoPorts {
            kiosk: NodeRole::Kiosk.default_web_listen().port(),
            ward: NodeRole::Ward.default_web_listen().port(),
            city: NodeRole::City.default_web_listen().port(),
        }
    }
}

impl DemoPorts {
    /// `KIOSK,WARD,CITY`, three different ports from 1 to 65535.
    pub fn parse(text: &str) -> Result<DemoPorts, UsageError> {
        let usage = || {
            UsageError(format!(
                "--ports {text:?}: give three different ports KIOSK,WARD,CITY, e.g. 8480,8481,8482"
            ))
        };
        let ports: Vec<u16> = text
            .split(',')
            .map(|part| part.trim().parse::<u16>().ok().filter(|port| *port != 0))
            .collect::<Option<_>>()
            .ok_or_else(usage)?;
        let &[kiosk, ward, city] = ports.as_slice() else {
            return Err(usage());
        };
        if kiosk == ward || ward == city || kiosk == city {
            return Err(usage());
        }
        Ok(DemoPorts { kiosk, ward, city })
    }

    fn of(&self, role: NodeRole) -> u16 {
        match role {
            NodeRole::Kiosk => self.kiosk,
            NodeRole::Ward => self.ward,
            NodeRole::City => self.city,
        }
    }
}

/// Runs the demo's three nodes in `dir` until Ctrl-C or SIGTERM, making them first if `dir`
/// has none.
pub fn run(
    dir: &Path,
    ports: DemoPorts,
    faces: &DemoFaces,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let present: Vec<bool> = NODES
        .iter()
        .map(|(name, _)| dir.join(name).join(CONFIG_FILE_NAME).exists())
        .collect();
    let resuming = present.iter().all(|present| *present);
    if !resuming {
        if present.iter().any(|present| *present)
            || NODES.iter().any(|(name, _)| dir.join(name).exists())
        {
            bail!(
                "{} holds only part of a demo's nodes (city, ward, kiosk): give a new directory, or the one a demo made",
                dir.display()
            );
        }
        create(dir, faces, out)?;
    }

    // Locked before anything is written: a second start on this DIR stops here.
    let mut locks = Vec::new();
    for (name, _) in NODES {
        locks.push(NodeLock::acquire(&dir.join(name))?);
    }
    if resuming {
        say(
            out,
            &format!(
                "Bản trình diễn tiếp tục với các nút đã có trong {} (the demo resumes its nodes)",
                dir.display()
            ),
        )?;
    }
    ensure_staff(dir, out)?;
    check_ports_free(ports)?;
    simulated_kiosk_devices(&dir.join("kiosk"))?;
    for (name, role) in NODES {
        write_network(&dir.join(name), role, ports)?;
    }

    let runtime = runtime()?;
    let mut ready: Vec<ReadyNode> = Vec::new();
    for ((name, _), lock) in NODES.iter().zip(locks) {
        ready.push(ready_node(&dir.join(name), lock, &runtime, out)?);
    }
    let url = |node: &ReadyNode, path: &str| {
        node.web_address().map_or_else(
            || "(off)".to_owned(),
            |address| format!("http://{address}{path}"),
        )
    };
    say(out, "")?;
    say(
        out,
        "Bản trình diễn đang chạy: ki-ốt, xã và thành phố trên máy này (the demo is running: a kiosk, a ward and a city on this machine)",
    )?;
    say(
        out,
        &format!(
            "  Ki-ốt (the kiosk):                    {}",
            url(&ready[0], "/")
        ),
    )?;
    say(
        out,
        &format!(
            "  Xã, trang của cán bộ (the ward):      {} — mã (id) {OFFICIAL_ID}, mật khẩu (passphrase) {OFFICIAL_PASSPHRASE}",
            url(&ready[1], "/sign-in")
        ),
    )?;
    say(
        out,
        &format!(
            "  Thành phố, cán bộ Sở (the city):      {} — mã (id) {STAFF_ID}, mật khẩu (passphrase) {STAFF_PASSPHRASE}",
            url(&ready[2], "/sign-in")
        ),
    )?;
    say(
        out,
        "  Đây là mật khẩu của bản trình diễn, in ra cho mọi người thấy: đừng bao giờ dùng cho khóa thật.",
    )?;
    say(
        out,
        "  (These are the demo's passphrases, printed for anyone to read: never use them for real keys.)",
    )?;
    say(
        out,
        &format!(
            "  Đồng bộ mỗi {ROUND_SECONDS} giây qua QUIC: ki-ốt → xã (UDP {}) → thành phố (UDP {}) (sync every {ROUND_SECONDS} s)",
            ports.ward, ports.city
        ),
    )?;
    let samples = dir.join("samples");
    let identity = if samples.join("cccd.jpg").exists() && samples.join("camera.jpg").exists() {
        format!(
            " --id-photo {} --face {}",
            samples.join("cccd.jpg").display(),
            samples.join("camera.jpg").display()
        )
    } else {
        String::new()
    };
    say(
        out,
        &format!(
            "  Một phiên ki-ốt (a kiosk session): bansao kiosk issue --node {}{identity} --scan {}",
            dir.join("kiosk").display(),
            samples.join("giay-khai-sinh.png").display()
        ),
    )?;
    say(
        out,
        "  Dừng bằng Ctrl-C; chạy lại lệnh này để tiếp tục (stop with Ctrl-C; run this again to resume).",
    )?;
    out.flush()?;

    let served: Vec<anyhow::Result<()>> = runtime.block_on(async {
        let stop = Arc::new(tokio::sync::watch::channel(false).0);
        tokio::spawn({
            let stop = stop.clone();
            async move {
                stop_signal().await;
                stop.send_replace(true);
            }
        });
        let mut nodes = ready.into_iter();
        let (Some(kiosk), Some(ward), Some(city)) = (nodes.next(), nodes.next(), nodes.next())
        else {
            return vec![Err(anyhow::anyhow!("the demo needs its three nodes"))];
        };
        // Each stops the others when it ends.
        let (kiosk, ward, city) = tokio::join!(
            serve_ready(kiosk, stop.clone()),
            serve_ready(ward, stop.clone()),
            serve_ready(city, stop.clone()),
        );
        vec![kiosk, ward, city]
    });
    // Every blocking store task has finished when the runtime is gone.
    drop(runtime);
    for ((name, _), result) in NODES.iter().zip(served) {
        result.with_context(|| format!("the demo's {name} stopped"))?;
    }
    say(
        out,
        "Đã dừng (stopped). Mọi thứ được giữ lại trong thư mục (everything is kept in the directory).",
    )?;
    Ok(())
}

/// The first start: the ceremonies in `DIR/setup`, a staff member, one sample copy, samples;
/// then the finished nodes and files moved into `DIR`.
fn create(dir: &Path, faces: &DemoFaces, out: &mut dyn Write) -> anyhow::Result<()> {
    let setup = dir.join(SETUP_DIR);
    if setup.exists() {
        // What an earlier first start left when it was stopped: keys nobody used yet.
        std::fs::remove_dir_all(&setup)
            .with_context(|| format!("cannot clear {}", setup.display()))?;
    }
    std::fs::create_dir_all(&setup)
        .with_context(|| format!("cannot create {}", setup.display()))?;
    say(
        out,
        "Bản trình diễn bansao: tạo thành phố, xã và ki-ốt (bansao demo --serve: making a city, a ward and a kiosk)",
    )?;
    let (city, _official, _trust_path) = crate::demo::ceremonies(&setup, out)?;
    drop(city);
    ensure_staff(&setup, out)?;

    let mut kiosk = Kiosk::open(&setup.join("kiosk"))?;
    let copy = kiosk.issue(sample_request(), entropy::now())?;
    say(
        out,
        &format!(
            "Ki-ốt cấp một bản sao mẫu, mã {}: nó chờ cán bộ duyệt ở xã (the kiosk issues a sample copy; it waits for the official)",
            copy.document.content().copy_id
        ),
    )?;
    drop(kiosk);
    crate::demo::write_samples(&setup, faces)?;
    // The same inputs inside the kiosk's directory, where its simulated devices read them.
    crate::demo::write_samples(&setup.join("kiosk"), faces)?;

    // Kiosk last: a demo counts as made when all three nodes are in place.
    for name in [
        "trust.cbor",
        "official.passphrase",
        "staff.passphrase",
        "samples",
        "city",
        "ward",
        "kiosk",
    ] {
        std::fs::rename(setup.join(name), dir.join(name))
            .with_context(|| format!("cannot move {} into {}", name, dir.display()))?;
    }
    std::fs::remove_dir(&setup).with_context(|| format!("cannot remove {}", setup.display()))?;
    say(out, "")?;
    Ok(())
}

/// The city staff member of the demo in `dir` (made by the first start, or here when `dir` is
/// the directory of the day's demo, `bansao demo --dir`, which has none): a root ceremony,
/// their passphrase in `DIR/staff.passphrase`, the new trust list handed to the ward and the
/// kiosk and written to `DIR/trust.cbor`.
fn ensure_staff(dir: &Path, out: &mut dyn Write) -> anyhow::Result<()> {
    let city_dir = dir.join("city");
    let staff_id = OfficialId::parse(STAFF_ID)?;
    if staff_files(&city_dir, &staff_id).0.exists() {
        return Ok(());
    }
    say(
        out,
        &format!(
            "Thành phố cấp khóa cho cán bộ Sở {STAFF_NAME} (the city certifies a staff member)"
        ),
    )?;
    let mut city = City::open(&city_dir)?;
    let passphrase = Passphrase::new(STAFF_PASSPHRASE.to_owned())?;
    city.certify_staff(
        &staff_id,
        STAFF_NAME,
        &passphrase,
        entropy::now(),
        Validity::default(),
    )?;
    files::write_atomic(
        &dir.join("staff.passphrase"),
        format!("{STAFF_PASSPHRASE}\n").as_bytes(),
        0o600,
    )?;
    city.distribute(&[&dir.join("ward"), &dir.join("kiosk")])?;
    files::write_atomic(&dir.join("trust.cbor"), &city.bundle()?, 0o644)?;
    Ok(())
}

/// The kiosk's devices for a machine without them: receipts go to `kiosk/receipts.escpos`
/// (the ESC/POS bytes a thermal printer would be sent), and the sample inputs are in
/// `kiosk/samples` (the identity card, the camera frame, the scan), which the screen's simulated
/// devices show; the status screen's camera shows the newest image in `kiosk/camera`. The place
/// to name any other simulated device the kiosk's configuration comes to know.
fn simulated_kiosk_devices(kiosk_dir: &Path) -> anyhow::Result<()> {
    let path = kiosk_dir.join(CONFIG_FILE_NAME);
    let mut config = read_table(&path)?;
    let kiosk = config
        .get_mut("kiosk")
        .and_then(toml::Value::as_table_mut)
        .with_context(|| format!("{} has no [kiosk] section", path.display()))?;
    kiosk.insert(
        "printer".to_owned(),
        toml::Value::String("file:receipts.escpos".to_owned()),
    );
    // The screen's card reader, camera and scanner show the samples.
    kiosk.insert(
        "devices".to_owned(),
        toml::Value::String("simulated".to_owned()),
    );
    kiosk.insert(
        "simulated_inputs".to_owned(),
        toml::Value::String("samples".to_owned()),
    );
    // The status screen's camera: the newest image put in `kiosk/camera`, e.g. a photo of a
    // receipt.
    std::fs::create_dir_all(kiosk_dir.join("camera"))
        .with_context(|| format!("cannot make {}", kiosk_dir.join("camera").display()))?;
    kiosk.insert(
        "camera".to_owned(),
        toml::Value::String("files:camera".to_owned()),
    );
    write_table(&path, &config)
}

/// A port in use is an error naming it, before anything starts.
fn check_ports_free(ports: DemoPorts) -> anyhow::Result<()> {
    for (name, role) in NODES {
        let address = SocketAddr::from(([127, 0, 0, 1], ports.of(role)));
        TcpListener::bind(address).with_context(|| {
            format!(
                "cổng {} đang bận (port {} is in use: the {name}'s web pages cannot be served on {address}; give others with --ports KIOSK,WARD,CITY)",
                address.port(),
                address.port()
            )
        })?;
        if role != NodeRole::Kiosk {
            UdpSocket::bind(address).with_context(|| {
                format!(
                    "cổng UDP {} đang bận (UDP port {} is in use: the {name} cannot listen for sync on {address}; give others with --ports KIOSK,WARD,CITY)",
                    address.port(),
                    address.port()
                )
            })?;
        }
    }
    Ok(())
}

/// Writes the node's `[sync]` and `[web]` for this machine: loopback only, rounds every
/// [`ROUND_SECONDS`], no LAN discovery; the kiosk dials the ward, the ward the city.
fn write_network(node_dir: &Path, role: NodeRole, ports: DemoPorts) -> anyhow::Result<()> {
    let path = node_dir.join(CONFIG_FILE_NAME);
    let mut config = read_table(&path)?;
    let loopback = |port: u16| toml::Value::String(format!("127.0.0.1:{port}"));
    let mut sync = toml::Table::new();
    let (listen, upstream) = match role {
        NodeRole::Kiosk => (toml::Value::String("off".to_owned()), Some(ports.ward)),
        NodeRole::Ward => (loopback(ports.ward), Some(ports.city)),
        NodeRole::City => (loopback(ports.city), None),
    };
    sync.insert("listen".to_owned(), listen);
    if let Some(port) = upstream {
        sync.insert(
            "upstream".to_owned(),
            toml::Value::Array(vec![loopback(port)]),
        );
    }
    sync.insert(
        "interval_seconds".to_owned(),
        toml::Value::Integer(i64::from(ROUND_SECONDS)),
    );
    sync.insert("lan_discovery".to_owned(), toml::Value::Boolean(false));
    let mut web = toml::Table::new();
    web.insert("listen".to_owned(), loopback(ports.of(role)));
    config.insert("sync".to_owned(), toml::Value::Table(sync));
    config.insert("web".to_owned(), toml::Value::Table(web));
    write_table(&path, &config)
}

fn read_table(path: &Path) -> anyhow::Result<toml::Table> {
    let text = String::from_utf8(files::read(path)?)
        .with_context(|| format!("{} is not UTF-8 text", path.display()))?;
    text.parse::<toml::Table>()
        .with_context(|| format!("{} is not a TOML file", path.display()))
}

fn write_table(path: &Path, table: &toml::Table) -> anyhow::Result<()> {
    let text = format!(
        "# A node of `bansao demo --serve` (see config/ in the source for every option). The demo\n# writes [sync] and [web] again at every start.\n{}",
        toml::to_string(table).context("cannot write the configuration")?
    );
    files::write_atomic(path, text.as_bytes(), 0o644)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_directory_holding_only_part_of_a_demo_is_refused_and_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("city")).unwrap();
        std::fs::write(dir.path().join("city").join("keep.txt"), "mine").unwrap();
        let mut out = Vec::new();
        let error = run(
            dir.path(),
            DemoPorts::default(),
            &DemoFaces::default(),
            &mut out,
        )
        .unwrap_err()
        .to_string();
        assert!(error.contains("only part of a demo"), "{error}");
        assert_eq!(
            std::fs::read_to_string(dir.path().join("city").join("keep.txt")).unwrap(),
            "mine"
        );
        assert!(!dir.path().join("ward").exists() && !dir.path().join(SETUP_DIR).exists());
    }

    #[test]
    fn ports_are_three_different_ones_and_default_to_each_roles_own() {
        assert_eq!(
            DemoPorts::parse("9000, 9001,9002").unwrap(),
            DemoPorts {
                kiosk: 9000,
                ward: 9001,
                city: 9002
            }
        );
        for bad in [
            "9000,9001",
            "9000,9000,9001",
            "a,b,c",
            "0,1,2",
            "1,2,3,4",
            "",
        ] {
            let error = DemoPorts::parse(bad).unwrap_err().to_string();
            assert!(error.contains("KIOSK,WARD,CITY"), "{bad}: {error}");
        }
        let ports = DemoPorts::default();
        assert_eq!((ports.kiosk, ports.ward, ports.city), (8480, 8481, 8482));
    }
}
