//! Sync over real QUIC on loopback between a kiosk, its ward and the city, each with its own
//! SQLite file and trust file: copies issued offline reach the ward and the city with their
//! scans, counter-signatures and the registration come back down, newer trust lists spread, and
//! peers the trust list does not admit are refused at the handshake with nothing written.

use crate::common;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use bansao_copy::{CommuneCode, KioskId, OfficialId};
use bansao_copy::{CopyId, CopyStatus, Decision, DocumentType, ExtractedField};
use bansao_node::city::{City, Validity};
use bansao_node::config::Commune;
use bansao_node::decisions::{self, DecisionRequest};
use bansao_node::kiosk::{IssueRequest, Kiosk};
use bansao_node::sync::service::SyncNode;
use bansao_node::ward::Ward;
use bansao_node::{entropy, files};
use bansao_store::Store;
use bansao_trust::{SecretKey, TrustContext};

pub(crate) struct World {
    _temp: tempfile::TempDir,
    root: PathBuf,
}

impl World {
    pub(crate) fn dir(&self, name: &str) -> PathBuf {
        self.root.join(name)
    }

    /// The directories of the nodes `names`.
    pub(crate) fn dirs<const N: usize>(&self, names: [&str; N]) -> [PathBuf; N] {
        names.map(|name| self.dir(name))
    }
}

fn commune(code: &str, name: &str) -> Commune {
    Commune {
        code: CommuneCode::parse(code).unwrap(),
        name: name.to_owned(),
    }
}

/// A city, the ward of Tân Lập with an official and two kiosks, and the ward of another commune
/// with one kiosk; every node has the trust list of that moment.
pub(crate) fn world() -> World {
    let temp = tempfile::tempdir().unwrap();
    let root = temp.path().to_owned();
    let now = entropy::now();
    let validity = Validity::default();
    let mut city = City::init(&root.join("city"), "Sở Tư pháp Hà Nội", now, validity).unwrap();
    for (dir, code, name, authority) in [
        ("ward", "00001", "Xã Tân Lập", "UBND xã Tân Lập"),
        ("ward-b", "00002", "Xã Hòa Bình", "UBND xã Hòa Bình"),
    ] {
        city.certify_ward(
            &root.join(dir),
            &commune(code, name),
            authority,
            now,
            validity,
        )
        .unwrap();
    }
    let ward = Ward::open(&root.join("ward")).unwrap();
    let ward_b = Ward::open(&root.join("ward-b")).unwrap();
    for (parent, dir, id, name) in [
        (&ward, "kiosk", "KIOSK-TANLAP-01", "Ki-ốt thôn Đông"),
        (&ward, "kiosk-2", "KIOSK-TANLAP-02", "Ki-ốt thôn Tây"),
        (&ward_b, "kiosk-b", "KIOSK-HOABINH-01", "Ki-ốt Hòa Bình"),
    ] {
        city.certify_kiosk(
            parent,
            &root.join(dir),
            &KioskId::parse(id).unwrap(),
            name,
            now,
            validity,
        )
        .unwrap();
    }
    city.certify_official(
        &ward,
        &OfficialId::parse("tran-thi-binh").unwrap(),
        "Trần Thị Bình",
        &bansao_testkit::world::official_passphrase().unwrap(),
        now,
        validity,
    )
    .unwrap();
    let dirs: Vec<PathBuf> = ["ward", "ward-b", "kiosk", "kiosk-2", "kiosk-b"]
        .iter()
        .map(|name| root.join(name))
        .collect();
    let dirs: Vec<&Path> = dirs.iter().map(PathBuf::as_path).collect();
    city.distribute(&dirs).unwrap();
    World { _temp: temp, root }
}

pub(crate) fn issue(kiosk_dir: &Path, count: usize) -> Vec<CopyId> {
    let mut kiosk = Kiosk::open(kiosk_dir).unwrap();
    let field = |value: &str| ExtractedField {
        value: value.to_owned(),
        confidence_permille: 970,
        corrected_from: None,
        source: None,
    };
    (0..count)
        .map(|n| {
            let fields: BTreeMap<String, ExtractedField> = [
                ("ho_ten".to_owned(), field(&format!("NGUYỄN VĂN AN {n}"))),
                ("ngay_sinh".to_owned(), field("12/03/2015")),
            ]
            .into();
            // A second page unique to the copy, so every copy has a scan of its own to carry.
            let mut unique = bansao_testkit::SAMPLE_SCAN.to_vec();
            unique.extend_from_slice(format!("page of copy {n} {kiosk_dir:?}").as_bytes());
            kiosk
                .issue(
                    IssueRequest {
                        document_type: DocumentType::BirthCertificate,
                        fields,
                        scans: vec![bansao_testkit::SAMPLE_SCAN.to_vec(), unique],
                        events: Vec::new(),
                        notes: Vec::new(),
                    },
                    entropy::now(),
                )
                .unwrap()
                .document
                .content()
                .copy_id
        })
        .collect()
}

/// Asserts the status the node at `dir` holds for `copy_id`.
#[track_caller]
pub(crate) fn assert_status(dir: &Path, copy_id: CopyId, status: CopyStatus) {
    assert_eq!(status_at(dir, copy_id), Some(status));
}

pub(crate) fn status_at(dir: &Path, copy_id: CopyId) -> Option<CopyStatus> {
    let store = Store::open(&dir.join("bansao.sqlite")).unwrap();
    let row = store
        .list_copies(None, 10_000)
        .unwrap()
        .into_iter()
        .find(|row| row.copy_id == copy_id.to_string())?;
    [
        CopyStatus::Provisional,
        CopyStatus::Countersigned,
        CopyStatus::Registered,
    ]
    .into_iter()
    .find(|status| status.as_str() == row.status)
    .or_else(|| panic!("unexpected status {}", row.status))
}

fn scans_missing(dir: &Path, commune: &str) -> usize {
    let store = Store::open(&dir.join("bansao.sqlite")).unwrap();
    store.missing_blobs(commune, 1000).unwrap().len()
}

/// Starts a node's listener on a free loopback port.
pub(crate) fn serve(runtime: &tokio::runtime::Runtime, dir: &Path) -> (SyncNode, SocketAddr) {
    let node = SyncNode::open(dir).unwrap();
    let endpoint = runtime
        .block_on(async { node.bind(SocketAddr::from(([127, 0, 0, 1], 0))) })
        .unwrap();
    let address = endpoint.local_addr().unwrap();
    let serving = node.clone();
    runtime.spawn(async move { serving.serve(endpoint).await });
    (node, address)
}

/// One round from `dir` to `address`.
pub(crate) fn sync(
    runtime: &tokio::runtime::Runtime,
    dir: &Path,
    address: SocketAddr,
) -> Result<bansao_node::sync::stream::SessionOutcome, String> {
    let node = SyncNode::open(dir).unwrap();
    runtime.block_on(async {
        let endpoint = node.bind(SocketAddr::from(([127, 0, 0, 1], 0))).unwrap();
        let outcome = node
            .sync_once(&endpoint, &address.to_string())
            .await
            .map_err(|e| e.to_string());
        endpoint.wait_idle().await;
        outcome
    })
}

pub(crate) fn decide(
    dir: &Path,
    ward: &Ward,
    key: &SecretKey,
    copy_id: CopyId,
    decision: Decision,
) {
    let trust = TrustContext::from_bundle(&files::read(&dir.join("trust.cbor")).unwrap()).unwrap();
    let mut store = Store::open(&dir.join("bansao.sqlite")).unwrap();
    let _ = ward;
    decisions::decide(
        &mut store,
        &trust,
        key,
        entropy::new_actor().unwrap(),
        DecisionRequest {
            copy_id,
            decision,
            reason: None,
        },
        entropy::now(),
    )
    .unwrap();
}

pub(crate) fn runtime() -> tokio::runtime::Runtime {
    // Sync's log lines explain a failing test (`BANSAO_LOG=debug` shows every decision).
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("BANSAO_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_test_writer()
        .try_init();
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn copies_issued_offline_reach_ward_and_city_and_signatures_come_back() {
    let world = world();
    let runtime = runtime();
    let [kiosk_dir, ward_dir, city_dir] = world.dirs(["kiosk", "ward", "city"]);
    let issued = issue(&kiosk_dir, 3);
    assert_eq!(status_at(&ward_dir, issued[0]), None, "nothing moved yet");

    let (_ward, ward_address) = serve(&runtime, &ward_dir);
    let (_city, city_address) = serve(&runtime, &city_dir);

    // Connectivity returns: the kiosk pushes its copies; the ward fetches their scans.
    let outcome = sync(&runtime, &kiosk_dir, ward_address).unwrap();
    assert!(outcome.finished, "{outcome:?}");
    assert_eq!(outcome.stats.documents_sent, 3, "{outcome:?}");
    for copy_id in &issued {
        assert_status(&ward_dir, *copy_id, CopyStatus::Provisional);
    }
    assert_eq!(
        scans_missing(&ward_dir, "00001"),
        0,
        "the ward holds every scan"
    );

    // The official counter-signs two copies at the ward.
    let ward = Ward::open(&ward_dir).unwrap();
    let (official_key, _) = ward.official_files(&OfficialId::parse("tran-thi-binh").unwrap());
    let official_key = files::read_locked_key(
        &official_key,
        &bansao_testkit::world::official_passphrase().unwrap(),
    )
    .unwrap();
    decide(
        &ward_dir,
        &ward,
        &official_key,
        issued[0],
        Decision::Approve,
    );
    decide(
        &ward_dir,
        &ward,
        &official_key,
        issued[1],
        Decision::Approve,
    );

    // The ward syncs up to the city: everything of the commune arrives, scans included.
    let outcome = sync(&runtime, &ward_dir, city_address).unwrap();
    assert!(outcome.finished, "{outcome:?}");
    assert_status(&city_dir, issued[0], CopyStatus::Countersigned);
    assert_status(&city_dir, issued[2], CopyStatus::Provisional);
    assert_eq!(
        scans_missing(&city_dir, "00001"),
        0,
        "the city holds every scan"
    );

    // The city registers copy 1; it flows down to the ward, then to the kiosk.
    let city = City::open(&city_dir).unwrap();
    let registrar = city.registrar_key().unwrap();
    drop(city);
    decide(&city_dir, &ward, &registrar, issued[0], Decision::Register);
    assert!(sync(&runtime, &ward_dir, city_address).unwrap().finished);
    assert_status(&ward_dir, issued[0], CopyStatus::Registered);
    let outcome = sync(&runtime, &kiosk_dir, ward_address).unwrap();
    assert!(outcome.finished, "{outcome:?}");
    assert_status(&kiosk_dir, issued[0], CopyStatus::Registered);
    assert_status(&kiosk_dir, issued[1], CopyStatus::Countersigned);
    assert_status(&kiosk_dir, issued[2], CopyStatus::Provisional);

    // A second round with nothing new moves only the reconciliation.
    let outcome = sync(&runtime, &kiosk_dir, ward_address).unwrap();
    assert!(outcome.finished);
    assert_eq!(
        outcome.stats.documents_sent + outcome.stats.documents_received,
        0
    );
    assert!(outcome.stats.bytes_sent < 1_000, "{:?}", outcome.stats);

    // Both ends recorded the link for `bansao status`.
    let run = bansao_status(&kiosk_dir, false);
    assert!(run.contains("Xã Tân Lập (ward"), "{run}");
    assert!(run.contains("last success"), "{run}");
    let json: serde_json::Value = bansao_status_json(&ward_dir);
    let peers = json["peers"].as_array().unwrap();
    let kiosk_peer = peers
        .iter()
        .find(|p| p["subject"] == "KIOSK-TANLAP-01")
        .unwrap();
    assert!(
        kiosk_peer["sessions_finished"].as_u64().unwrap() >= 3,
        "{kiosk_peer}"
    );
    assert_eq!(kiosk_peer["documents_received"], 3, "{kiosk_peer}");

    // Offline again, the kiosk issues two more: its status shows what the ward still lacks.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    issue(&kiosk_dir, 2);
    let json: serde_json::Value = bansao_status_json(&kiosk_dir);
    let ward_peer = &json["peers"][0];
    assert_eq!(ward_peer["commune"], "00001", "{json}");
    assert_eq!(ward_peer["changed_here_since_last_success"], 2, "{json}");
    assert_eq!(json["copies"], 5);
}

/// `bansao status --node DIR`, with `--json` when `json`.
fn bansao_status(dir: &Path, json: bool) -> String {
    let mut args = vec!["bansao", "status", "--node", dir.to_str().unwrap()];
    if json {
        args.push("--json");
    }
    let mut out = Vec::new();
    let mut err = Vec::new();
    let code = bansao::cli::execute(args, &mut out, &mut err);
    assert_eq!(code, 0, "{}", String::from_utf8_lossy(&err));
    String::from_utf8(out).unwrap()
}

/// Asserts that the `last_error` of the status entry `peer` says `text`; a failure shows `shown`.
#[track_caller]
fn assert_last_error_has(peer: &serde_json::Value, text: &str, shown: &serde_json::Value) {
    assert!(
        peer["last_error"].as_str().unwrap().contains(text),
        "{shown}"
    );
}

fn bansao_status_json(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&bansao_status(dir, true)).unwrap()
}

#[test]
fn a_newer_trust_list_spreads_down_and_a_revoked_kiosk_is_refused_at_the_handshake() {
    let world = world();
    let runtime = runtime();
    let [kiosk_dir, kiosk2_dir, ward_dir, city_dir] =
        world.dirs(["kiosk", "kiosk-2", "ward", "city"]);
    issue(&kiosk2_dir, 2);

    // The city revokes kiosk 2's key; only the city's trust file knows.
    let kiosk2_key = files::read_secret_key(&kiosk2_dir.join("node.key")).unwrap();
    let mut city = City::open(&city_dir).unwrap();
    city.revoke_key(kiosk2_key.key_id(), "Ki-ốt bị mất", entropy::now())
        .unwrap();
    let city_bundle = city.bundle().unwrap();
    drop(city);

    let (ward, ward_address) = serve(&runtime, &ward_dir);
    let (_city, city_address) = serve(&runtime, &city_dir);
    assert!(sync(&runtime, &ward_dir, city_address).unwrap().finished);
    assert_eq!(
        files::read(&ward_dir.join("trust.cbor")).unwrap(),
        city_bundle,
        "the ward adopted it"
    );
    // The ward's listener (another process in real life) takes the file up at its next session.
    assert!(sync(&runtime, &kiosk_dir, ward_address).unwrap().finished);
    assert_eq!(ward.trust().bundle(), city_bundle);
    assert_eq!(
        files::read(&kiosk_dir.join("trust.cbor")).unwrap(),
        city_bundle,
        "and the kiosk"
    );

    // Kiosk 2 (revoked, with its old trust list that still admits itself) is refused by the
    // ward inside the handshake: nothing of its copies is written, the ward counts the refusal.
    // (TLS 1.3 lets the client finish its handshake first: it learns of the refusal as the
    // ward's close, before any stream carries data.)
    let outcome = sync(&runtime, &kiosk2_dir, ward_address).unwrap();
    assert!(!outcome.finished);
    assert_eq!(outcome.stats.bytes_received, 0);
    let error = outcome.error.unwrap();
    assert!(
        error.contains("is revoked") && error.contains("Ki-ốt bị mất"),
        "{error}"
    );
    assert_eq!(
        Store::open(&ward_dir.join("bansao.sqlite"))
            .unwrap()
            .copy_count()
            .unwrap(),
        0
    );
    let json: serde_json::Value = bansao_status_json(&ward_dir);
    let refused = json["peers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["key_id"] == kiosk2_key.key_id().to_hex())
        .unwrap_or_else(|| panic!("{json}"))
        .clone();
    assert_eq!(refused["refusals"], 1, "{refused}");
    assert_last_error_has(&refused, "handshake", &refused);
}

#[test]
fn peers_outside_the_topology_are_refused_before_any_data_moves() {
    let world = world();
    let runtime = runtime();
    let [kiosk_dir, kiosk_b_dir, ward_dir, city_dir] =
        world.dirs(["kiosk", "kiosk-b", "ward", "city"]);
    issue(&kiosk_dir, 1);
    issue(&kiosk_b_dir, 1);
    let (_ward, ward_address) = serve(&runtime, &ward_dir);
    let (_city, city_address) = serve(&runtime, &city_dir);

    // A kiosk of another commune at the ward, and a kiosk straight at the city.
    // Either end may refuse first: both check the other's certificate against the topology.
    let refused = |dir: &Path, address| match sync(&runtime, dir, address) {
        Ok(outcome) => {
            assert!(
                !outcome.finished && outcome.stats.bytes_received == 0,
                "{outcome:?}"
            );
            outcome.error.unwrap()
        }
        Err(error) => error,
    };
    let error = refused(&kiosk_b_dir, ward_address);
    assert!(error.contains("serves commune 0000"), "{error}");
    let error = refused(&kiosk_dir, city_address);
    assert!(
        error.contains("a registrar does not sync with a kiosk")
            || error.contains("a kiosk does not sync with a registrar"),
        "{error}"
    );

    // A key nobody certified, with a node directory of its own.
    let stranger = world.dir("stranger");
    copy_dir(&kiosk_dir, &stranger);
    let stranger_key = SecretKey::from_seed(entropy::random_bytes::<32>().unwrap());
    files::replace_secret_key(&stranger.join("node.key"), &stranger_key).unwrap();
    // With the kiosk's certificate left beside it, the key is not the certificate's.
    let error = SyncNode::open(&stranger).unwrap_err().to_string();
    assert!(
        error.contains("does not certify this node's key"),
        "a node refuses a certificate of another key: {error}"
    );
    // With a certificate of its own making (a root of its own), the key does not count.
    let now = entropy::now().unix();
    let own = bansao_trust::CertificateBody {
        issuer: stranger_key.key_id(),
        role: bansao_trust::Role::CityRoot,
        subject: "Stranger".to_owned(),
        commune: None,
        public_key: stranger_key.public_key(),
        not_before: now - 60,
        not_after: now + 86_400,
    }
    .sign(&stranger_key)
    .unwrap();
    files::write_certificate(&stranger.join("node.cert"), &own).unwrap();
    let error = SyncNode::open(&stranger).unwrap_err().to_string();
    assert!(
        error.contains("does not count"),
        "a node refuses to run with an unknown key: {error}"
    );
    let unknown = unknown_peer_connects(&runtime, ward_address);
    assert!(unknown.contains("is not on the trust list"), "{unknown}");

    for dir in [&ward_dir, &city_dir] {
        assert_eq!(
            Store::open(&dir.join("bansao.sqlite"))
                .unwrap()
                .copy_count()
                .unwrap(),
            0,
            "nothing written at {dir:?}"
        );
    }
    let refusals = |dir: &Path| -> u64 {
        let json: serde_json::Value = bansao_status_json(dir);
        json["peers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["refusals"].as_u64().unwrap())
            .sum()
    };
    // The stranger is counted by the ward; the other commune's kiosk by whichever end refused.
    assert_eq!(refusals(&ward_dir) + refusals(&kiosk_b_dir), 2);
    assert!(refusals(&ward_dir) >= 1);
}

#[test]
fn an_oversized_or_malformed_frame_from_an_admitted_peer_ends_the_session_with_an_error() {
    let world = world();
    let runtime = runtime();
    let (kiosk_dir, ward_dir) = (world.dir("kiosk"), world.dir("ward"));
    let (_ward, ward_address) = serve(&runtime, &ward_dir);
    let kiosk_key = files::read_secret_key(&kiosk_dir.join("node.key")).unwrap();
    // A 5 MiB frame header (over the 4 MiB limit), then a body that is not CBOR.
    let reply = raw_exchange(
        &runtime,
        &kiosk_key,
        ward_address,
        &[0x00, 0x50, 0x00, 0x00],
    );
    assert!(
        reply.contains("MalformedFrame") && reply.contains("exceeds the limit"),
        "{reply}"
    );
    let reply = raw_exchange(
        &runtime,
        &kiosk_key,
        ward_address,
        b"\0\0\0\x03\xff\x13\x37",
    );
    assert!(reply.contains("MalformedFrame"), "{reply}");
    let json: serde_json::Value = bansao_status_json(&ward_dir);
    let kiosk = &json["peers"][0];
    assert_eq!(kiosk["refusals"], 2, "{json}");
    assert_eq!(kiosk["sessions_failed"], 2, "{json}");
    assert_last_error_has(kiosk, "malformed", &json);
}

#[derive(Debug)]
struct AnyPeer;

impl bansao_sync_net::PeerAuthorizer for AnyPeer {
    fn authorize(&self, _: &ed25519_dalek::VerifyingKey) -> Result<(), String> {
        Ok(())
    }
}

/// Connects with `key`, sends `bytes` on a stream and returns what came back (the decoded
/// messages) or the error.
fn raw_exchange(
    runtime: &tokio::runtime::Runtime,
    key: &SecretKey,
    address: SocketAddr,
    bytes: &[u8],
) -> String {
    runtime.block_on(async {
        let transport = Arc::new(bansao_sync_net::transport_config(
            std::time::Duration::from_secs(10),
            std::time::Duration::ZERO,
        ));
        let config = bansao_sync_net::client_config(key, Arc::new(AnyPeer), transport).unwrap();
        let endpoint = quinn::Endpoint::client(SocketAddr::from(([127, 0, 0, 1], 0))).unwrap();
        let connection = endpoint
            .connect_with(config, address, bansao_sync_net::SERVER_NAME)
            .unwrap()
            .await;
        let result = match connection {
            Ok(connection) => match connection.open_bi().await {
                Ok((mut send, mut recv)) => {
                    let _ = send.write_all(bytes).await;
                    match recv.read_to_end(1 << 20).await {
                        Ok(bytes) => describe_frames(&bytes),
                        Err(error) => with_causes(&error),
                    }
                }
                Err(error) => error.to_string(),
            },
            Err(error) => error.to_string(),
        };
        endpoint.wait_idle().await;
        result
    })
}

fn describe_frames(bytes: &[u8]) -> String {
    let mut reader = bansao_sync::wire::FrameReader::default();
    reader.push(bytes);
    let mut messages = Vec::new();
    while let Ok(Some(body)) = reader.next_body() {
        messages.push(format!("{:?}", bansao_sync::wire::decode_body(&body)));
    }
    messages.join("; ")
}

/// A client with a key the trust list does not hold, admitting any server.
fn unknown_peer_connects(runtime: &tokio::runtime::Runtime, address: SocketAddr) -> String {
    let key = SecretKey::from_seed(entropy::random_bytes::<32>().unwrap());
    raw_exchange(runtime, &key, address, b"\0\0\0\x01\xff")
}

fn with_causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(error) = cause {
        text.push_str(&format!(": {error}"));
        cause = error.source();
    }
    text
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_file() {
            std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
        }
    }
}

#[test]
fn the_sync_bench_runs_small_and_prints_one_json_object_per_figure() {
    let temp = tempfile::tempdir().unwrap();
    let mut out = Vec::new();
    let mut err = Vec::new();
    let code = bansao::cli::execute(
        [
            "bansao",
            "bench",
            "sync",
            "--dir",
            temp.path().join("bench").to_str().unwrap(),
            "--only",
            "reconnect_unchanged_100k",
            "--only",
            "reconnect_10_changed_100k",
            "--only",
            "blobs_lossy_link",
            "--copies",
            "300",
            "--scans",
            "3",
        ],
        &mut out,
        &mut err,
    );
    let out = String::from_utf8(out).unwrap();
    assert_eq!(code, 0, "{out}\n{}", String::from_utf8_lossy(&err));
    let figures: Vec<serde_json::Value> = out
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .filter(|value: &serde_json::Value| value.get("name").is_some())
        .collect();
    let names: Vec<&str> = figures
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "reconnect_unchanged_100k",
            "reconnect_10_changed_100k",
            "blobs_lossy_link"
        ]
    );
    for figure in &figures {
        assert!(figure["value"].as_f64().unwrap() > 0.0, "{figure}");
        assert!(figure["unit"].is_string(), "{figure}");
    }
    assert!(
        figures[0]["value"].as_f64().unwrap() < 2048.0,
        "{}",
        figures[0]
    );
    assert!(
        !temp.path().join("bench").exists(),
        "removed without --keep"
    );
}

#[test]
fn a_kiosk_relays_another_kiosks_copies_to_the_ward() {
    let world = world();
    let runtime = runtime();
    let [kiosk_dir, kiosk2_dir, ward_dir] = world.dirs(["kiosk", "kiosk-2", "ward"]);
    // Kiosk 2 has no link to the ward, only to kiosk 1 on the village LAN.
    let issued = issue(&kiosk2_dir, 2);
    let (_kiosk, kiosk_address) = serve(&runtime, &kiosk_dir);
    let (_ward, ward_address) = serve(&runtime, &ward_dir);
    let outcome = sync(&runtime, &kiosk2_dir, kiosk_address).unwrap();
    assert!(outcome.finished, "{outcome:?}");
    assert_eq!(outcome.peer.unwrap().role, bansao_trust::Role::Kiosk);
    assert_status(&kiosk_dir, issued[0], CopyStatus::Provisional);
    assert_eq!(
        scans_missing(&kiosk_dir, "00001"),
        0,
        "kiosks fetch scans from each other"
    );
    // Kiosk 1 carries them to the ward, scans included.
    assert!(sync(&runtime, &kiosk_dir, ward_address).unwrap().finished);
    for copy_id in &issued {
        assert_status(&ward_dir, *copy_id, CopyStatus::Provisional);
    }
    assert_eq!(scans_missing(&ward_dir, "00001"), 0);
}

/// Turns on LAN discovery for a node: listens on every address, a round every 5 s (the least).
fn enable_lan_discovery(dir: &Path) {
    let path = dir.join("bansao.toml");
    let mut config = std::fs::read_to_string(&path).unwrap();
    assert!(
        config.trim_end().ends_with("upstream = []"),
        "[sync] is the last table: {config}"
    );
    config.push_str("listen = \"0.0.0.0:0\"\ninterval_seconds = 5\nlan_discovery = true\n");
    std::fs::write(&path, config).unwrap();
}

/// Two kiosks of one commune in a village cultural house, no ward reachable: each runs
/// `SyncNode::run` (what `bansao run` runs) with LAN discovery, finds the other by mDNS and
/// syncs with it over QUIC, so each holds the other's copy with its scans. On a private LAN
/// (a network namespace of its own), so nothing is multicast onto the machine's network.
#[test]
fn kiosks_on_a_lan_find_each_other_and_exchange_copies() {
    bansao_discovery::testing::on_private_lan(
        "sync::kiosks_on_a_lan_find_each_other_and_exchange_copies",
        kiosks_on_a_lan,
    );
}

fn kiosks_on_a_lan() {
    let world = world();
    let (first, second) = (world.dir("kiosk"), world.dir("kiosk-2"));
    let from_first = issue(&first, 1)[0];
    let from_second = issue(&second, 1)[0];
    enable_lan_discovery(&first);
    enable_lan_discovery(&second);
    let runtime = runtime();
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let nodes: Vec<_> = [&first, &second]
        .into_iter()
        .map(|dir| {
            let node = SyncNode::open(dir).unwrap();
            let mut stopped = stopped.clone();
            runtime.spawn(async move {
                node.run(async move {
                    let _ = stopped.wait_for(|stop| *stop).await;
                })
                .await
            })
        })
        .collect();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(40);
    let exchanged = || {
        status_at(&second, from_first) == Some(CopyStatus::Provisional)
            && status_at(&first, from_second) == Some(CopyStatus::Provisional)
            && scans_missing(&first, "00001") == 0
            && scans_missing(&second, "00001") == 0
    };
    while !exchanged() {
        assert!(
            std::time::Instant::now() < deadline,
            "the kiosks did not exchange their copies over the LAN within 40 s\ninterfaces:\n{}",
            bansao_discovery::testing::interfaces()
        );
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    stop.send(true).unwrap();
    for node in nodes {
        runtime.block_on(node).unwrap().unwrap();
    }
    // Each recorded the other as a sync peer.
    for (dir, other) in [(&first, "KIOSK-TANLAP-02"), (&second, "KIOSK-TANLAP-01")] {
        let status = bansao_status_json(dir);
        assert!(status.to_string().contains(other), "{dir:?}: {status:#}");
    }
}

/// A copy signed with the kiosk's own key that does not continue its chain as the kiosk would:
/// `sequence` and `previous` as given, the rest from `model`.
fn forged_copy(
    dir: &Path,
    model: CopyId,
    sequence: u64,
    previous: bansao_copy::ContentHash,
    millis: u64,
) -> CopyId {
    let key = files::read_secret_key(&dir.join("node.key")).unwrap();
    let mut store = Store::open(&dir.join("bansao.sqlite")).unwrap();
    let stored = store
        .load_copy(model, entropy::new_actor().unwrap())
        .unwrap();
    let mut content = stored.content().clone();
    content.copy_id = CopyId::from_parts(millis, 0xF0F0 | u128::from(sequence));
    content.kiosk_sequence = sequence;
    content.previous_content_hash = previous;
    let mut document =
        bansao_copy::CopyDocument::issue(content, &key, entropy::new_actor().unwrap()).unwrap();
    store
        .save_copy(&mut document, CopyStatus::Provisional, entropy::now())
        .unwrap();
    document.content().copy_id
}

#[test]
fn a_forked_kiosk_chain_is_recorded_by_the_ward_and_shown_by_status_and_verify() {
    let world = world();
    let runtime = runtime();
    let kiosk = world.dir("kiosk");
    let issued = issue(&kiosk, 2);
    let first_hash = {
        let store = Store::open(&kiosk.join("bansao.sqlite")).unwrap();
        store
            .load_copy(issued[0], entropy::new_actor().unwrap())
            .unwrap()
            .content_hash()
    };
    let now_millis = u64::try_from(entropy::now().unix()).unwrap() * 1000;
    // Sequence 2 a second time, and sequence 4 (3 never issued) naming no real copy.
    let forked = forged_copy(&kiosk, issued[1], 2, first_hash, now_millis + 1);
    let after_gap = forged_copy(
        &kiosk,
        issued[1],
        4,
        bansao_copy::ContentHash([9; 32]),
        now_millis + 2,
    );
    let (_ward, address) = serve(&runtime, &world.dir("ward"));
    sync(&runtime, &kiosk, address).unwrap();

    let status = bansao_status_json(&world.dir("ward"));
    let kinds = common::strings_of(&status["anomalies"], "kind");
    assert_eq!(kinds, ["duplicate-sequence", "gap"], "{status}");
    assert!(bansao_status(&world.dir("ward"), false).contains("kiosk chain anomalies"));

    // Verifying the forged copy at the ward says that its kiosk's chain is known broken.
    let qr_text = {
        let store = Store::open(&kiosk.join("bansao.sqlite")).unwrap();
        let document = store
            .load_copy(forked, entropy::new_actor().unwrap())
            .unwrap();
        bansao_node::copies::qr_text(
            &document,
            &files::read_secret_key(&kiosk.join("node.key")).unwrap(),
        )
    };
    let qr_file = world.dir("forked.qr.txt");
    std::fs::write(&qr_file, qr_text).unwrap();
    let ward_dir = world.dir("ward");
    let verdict = common::bansao(&[
        "verify",
        "--node",
        ward_dir.to_str().unwrap(),
        "--json",
        qr_file.to_str().unwrap(),
    ])
    .json();
    assert_eq!(verdict["chain"]["known_broken"], true, "{verdict}");
    assert_eq!(
        verdict["chain"]["copy_anomalies"][0]["kind"], "duplicate-sequence",
        "{verdict}"
    );
    let _ = after_gap;
}

#[test]
fn a_kiosk_whose_clock_jumped_a_year_ahead_or_went_back_issues_nothing() {
    let world = world();
    let kiosk_dir = world.dir("kiosk");
    let mut kiosk = Kiosk::open(&kiosk_dir).unwrap();
    let request = || IssueRequest {
        document_type: DocumentType::BirthCertificate,
        fields: BTreeMap::new(),
        scans: vec![bansao_testkit::SAMPLE_SCAN.to_vec()],
        events: Vec::new(),
        notes: Vec::new(),
    };
    let now = entropy::now().unix();
    let at = |unix| bansao_copy::Timestamp::from_unix(unix).unwrap();
    kiosk.issue(request(), at(now + 600)).unwrap();
    let a_year_ahead = bansao_copy::Timestamp::from_unix(now + 365 * 86_400).unwrap();
    let error = kiosk.issue(request(), a_year_ahead).unwrap_err();
    assert!(
        matches!(
            error,
            bansao_node::kiosk::IssueError::Clock(
                bansao_node::kiosk_clock::ClockError::LongAfterLastContact { .. }
            )
        ),
        "{error:#}"
    );
    // The clock went back five minutes behind the last copy.
    let error = kiosk.issue(request(), at(now + 300)).unwrap_err();
    assert!(
        matches!(
            error,
            bansao_node::kiosk::IssueError::Clock(
                bansao_node::kiosk_clock::ClockError::BeforeLastCopy { .. }
            )
        ),
        "{error:#}"
    );
    let store = Store::open(&kiosk_dir.join("bansao.sqlite")).unwrap();
    assert_eq!(store.copy_count().unwrap(), 1, "nothing was issued");
}

#[test]
fn a_copy_damaged_in_the_kiosks_database_is_refused_by_the_ward_and_the_kiosk_is_told() {
    let world = world();
    let runtime = runtime();
    let kiosk = world.dir("kiosk");
    let issued = issue(&kiosk, 2);
    // Eight bytes flipped in the middle of one stored document.
    common::damage_stored_document(&kiosk.join("bansao.sqlite"), &issued[1].to_string());
    let (_ward, address) = serve(&runtime, &world.dir("ward"));
    let outcome = sync(&runtime, &kiosk, address).unwrap();
    assert!(outcome.finished, "{outcome:?}");
    assert_eq!(outcome.refused_by_peer.len(), 1, "{outcome:?}");
    assert_eq!(outcome.refused_by_peer[0].0, issued[1]);
    assert_status(&world.dir("ward"), issued[0], CopyStatus::Provisional);
    assert_eq!(status_at(&world.dir("ward"), issued[1]), None);
    // The kiosk's operator sees it.
    let mut out = Vec::new();
    let mut err = Vec::new();
    let kiosk_arg = kiosk.to_str().unwrap().to_owned();
    let peer = address.to_string();
    let code = bansao::cli::execute(
        ["bansao", "sync", "--node", &kiosk_arg, "--peer", &peer],
        &mut out,
        &mut err,
    );
    assert_eq!(code, 1, "a round with a refused copy did not do its work");
    assert!(String::from_utf8_lossy(&out).contains(&issued[1].to_string()));
    let status = bansao_status(&kiosk, false);
    assert!(status.contains("copies the peer refused"), "{status}");
    assert!(status.contains(&issued[1].to_string()), "{status}");
}

/// Starts a node's listener at `address`.
fn serve_at(runtime: &tokio::runtime::Runtime, dir: &Path, address: SocketAddr) -> SyncNode {
    let node = SyncNode::open(dir).unwrap();
    let endpoint = runtime.block_on(async { node.bind(address) }).unwrap();
    let serving = node.clone();
    runtime.spawn(async move { serving.serve(endpoint).await });
    node
}

pub(crate) fn wait_until(what: &str, limit: std::time::Duration, mut done: impl FnMut() -> bool) {
    let started = std::time::Instant::now();
    while !done() {
        assert!(started.elapsed() < limit, "{what}: not within {limit:?}");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

#[test]
fn after_its_ward_restarts_a_running_kiosk_syncs_again_within_seconds() {
    let world = world();
    let kiosk = world.dir("kiosk");
    let ward = world.dir("ward");
    let kiosk_runtime = runtime();
    let ward_runtime = runtime();
    let (_ward_node, ward_address) = serve(&ward_runtime, &ward);
    // The link goes through a relay, so that the ward can die without a word (as a killed
    // process or a power cut does: its connection close is lost on the cut link).
    let relay = kiosk_runtime
        .block_on(bansao_sync_net::Relay::start(
            ward_address,
            bansao_sync_net::LinkProfile {
                rate_bits_per_second: 0,
                one_way_delay: std::time::Duration::ZERO,
                loss: 0.0,
                queue_bytes: 1 << 20,
                seed: 7,
            },
        ))
        .unwrap();
    let config_path = kiosk.join("bansao.toml");
    let config = std::fs::read_to_string(&config_path).unwrap();
    let config = config.replace(
        "upstream = []",
        &format!(
            "upstream = [\"{}\"]\ninterval_seconds = 5",
            relay.local_addr()
        ),
    );
    std::fs::write(&config_path, config).unwrap();
    let running = SyncNode::open(&kiosk).unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let kiosk_task = kiosk_runtime.spawn(async move {
        running
            .run(async {
                let _ = stopped.await;
            })
            .await
    });
    let first = issue(&kiosk, 1)[0];
    wait_until(
        "the first copy at the ward",
        std::time::Duration::from_secs(30),
        || status_at(&ward, first).is_some(),
    );

    relay.set_cut(true);
    ward_runtime.shutdown_background();
    std::thread::sleep(std::time::Duration::from_millis(300));
    let ward_runtime = runtime();
    let _restarted = serve_at(&ward_runtime, &ward, ward_address);
    relay.set_cut(false);

    let started = std::time::Instant::now();
    let second = issue(&kiosk, 1)[0];
    // A round every 5 s; before the fix the kept connection hung until its idle timeout.
    wait_until(
        "the copy issued after the ward restarted",
        std::time::Duration::from_secs(25),
        || status_at(&ward, second).is_some(),
    );
    eprintln!("reached the restarted ward after {:?}", started.elapsed());
    let _ = stop.send(());
    let _ = kiosk_runtime.block_on(kiosk_task);
}

#[test]
fn an_admitted_peer_that_goes_silent_cannot_hold_a_session_open() {
    let world = world();
    let runtime = runtime();
    let ward_dir = world.dir("ward");
    let ward = SyncNode::open(&ward_dir)
        .unwrap()
        .with_tuning(bansao_node::sync::service::Tuning {
            stream: bansao_node::sync::stream::StreamLimits {
                stall: std::time::Duration::from_secs(2),
                deadline: std::time::Duration::from_secs(3600),
            },
            ..bansao_node::sync::service::Tuning::default()
        });
    let endpoint = runtime
        .block_on(async { ward.bind(SocketAddr::from(([127, 0, 0, 1], 0))) })
        .unwrap();
    let address = endpoint.local_addr().unwrap();
    let serving = ward.clone();
    runtime.spawn(async move { serving.serve(endpoint).await });
    let kiosk_key = files::read_secret_key(&world.dir("kiosk").join("node.key")).unwrap();
    let started = std::time::Instant::now();
    // Opens a stream with half a frame header, says nothing more, keeps the connection up.
    let reply = raw_exchange(&runtime, &kiosk_key, address, b"\0\0");
    assert!(reply.contains("Timeout"), "{reply}");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(9),
        "{:?}",
        started.elapsed()
    );
    let json = bansao_status_json(&ward_dir);
    assert_last_error_has(&json["peers"][0], "no frame", &json);
}

#[test]
fn a_flood_of_handshakes_by_strangers_is_counted_in_one_entry() {
    let world = world();
    let runtime = runtime();
    let ward_dir = world.dir("ward");
    let (_ward, address) = serve(&runtime, &ward_dir);
    for _ in 0..100 {
        unknown_peer_connects(&runtime, address);
    }
    let json = bansao_status_json(&ward_dir);
    let peers = json["peers"].as_array().unwrap();
    assert_eq!(peers.len(), 1, "{json}");
    assert_eq!(peers[0]["key_id"], "unknown-keys");
    assert_eq!(peers[0]["refusals"], 100, "{json}");
}

#[test]
fn the_partition_lab_runs_small_and_every_node_converges() {
    let temp = tempfile::tempdir().unwrap();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = bansao::cli::execute(
        [
            "bansao",
            "bench",
            "partitions",
            "--events",
            "10",
            "--seed",
            "3",
            "--dir",
            temp.path().join("lab").to_str().unwrap(),
        ],
        &mut out,
        &mut err,
    );
    let out = String::from_utf8(out).unwrap();
    assert_eq!(code, 0, "{out}\n{}", String::from_utf8_lossy(&err));
    let figure: serde_json::Value = serde_json::from_str(out.lines().last().unwrap()).unwrap();
    assert_eq!(figure["name"], "partitions_converge");
    assert_eq!(figure["converged"], true, "{figure}");
    assert_eq!(figure["nodes"], 8);
    assert!(figure["cuts"].as_u64().unwrap() > 0, "{figure}");
    assert_eq!(
        figure["copies_at_the_ward"], figure["copies_issued"],
        "{figure}"
    );
}

/// The status string the node at `dir` indexes for `copy_id` (any status).
fn indexed_status(dir: &Path, copy_id: CopyId) -> String {
    let store = Store::open(&dir.join("bansao.sqlite")).unwrap();
    store
        .list_copies(None, 10_000)
        .unwrap()
        .into_iter()
        .find(|row| row.copy_id == copy_id.to_string())
        .map(|row| row.status)
        .unwrap_or_default()
}

/// The official's day end to end: a kiosk issues 50 copies offline and reconnects; two
/// officials approve 45 (at once, in batches) and reject 5; the first official's laptop, offline
/// with a copy of the ward's database, had rejected a copy they approve at the ward — a
/// conflict, which they reconcile; the kiosk and a verifier reading the exported PDFs see every
/// final status, and the certification numbers run 1…45 with no duplicate.
#[test]
fn the_officials_day_ends_with_every_copy_decided_and_continuous_numbers() {
    use bansao_copy::RejectionGround;
    use bansao_copy::verify::Verdict;
    use bansao_node::reconciliation::ConflictResolution;

    let world = world();
    let [kiosk_dir, ward_dir, laptop_dir] = world.dirs(["kiosk", "ward", "laptop"]);
    let passphrase = bansao_testkit::world::official_passphrase().unwrap();
    let binh = OfficialId::parse("tran-thi-binh").unwrap();
    let cuong = OfficialId::parse("le-van-cuong").unwrap();
    {
        let mut city = City::open(&world.dir("city")).unwrap();
        let ward = Ward::open(&ward_dir).unwrap();
        city.certify_official(
            &ward,
            &cuong,
            "Lê Văn Cường",
            &passphrase,
            entropy::now(),
            Validity::default(),
        )
        .unwrap();
        city.distribute(&[&ward_dir, &kiosk_dir]).unwrap();
    }

    // Offline at the village, then one round with the ward.
    let issued = issue(&kiosk_dir, 50);
    let runtime = runtime();
    let (_ward_node, ward_address) = serve(&runtime, &ward_dir);
    sync(&runtime, &kiosk_dir, ward_address).unwrap();
    assert_eq!(scans_missing(&ward_dir, "00001"), 0);

    // Bình takes a copy of the ward's database home on a laptop and, offline, rejects the first
    // copy there.
    std::fs::create_dir_all(&laptop_dir).unwrap();
    // A consistent snapshot, the write-ahead log included, while the ward keeps serving.
    rusqlite::Connection::open(ward_dir.join("bansao.sqlite"))
        .unwrap()
        .execute(
            "VACUUM INTO ?1",
            [laptop_dir.join("bansao.sqlite").to_str().unwrap()],
        )
        .unwrap();
    {
        let ward = Ward::open(&ward_dir).unwrap();
        let key = files::read_locked_key(&ward.official_files(&binh).0, &passphrase).unwrap();
        bansao_testkit::world::decide_in(
            &laptop_dir.join("bansao.sqlite"),
            &ward.node.trust,
            &key,
            issued[0],
            Decision::Reject,
            Some(RejectionGround::Damaged.reason_text(Some("ướt một góc"))),
        )
        .unwrap();
    }

    // At the ward, both officials work at once: Bình approves the first 25, Cường the next 20,
    // each in a batch on their own connection; Cường rejects the last 5.
    let work = |who: OfficialId, copies: Vec<CopyId>| {
        let dir = ward_dir.clone();
        let passphrase = passphrase.clone();
        std::thread::spawn(move || {
            let mut ward = Ward::open(&dir).unwrap();
            let official = ward.official(&who, &passphrase, entropy::now()).unwrap();
            ward.approve_clean(&copies, &official, 900, entropy::now())
                .unwrap()
        })
    };
    let first = work(binh.clone(), issued[..25].to_vec());
    let second = work(cuong.clone(), issued[25..45].to_vec());
    for outcomes in [first.join().unwrap(), second.join().unwrap()] {
        assert!(
            outcomes
                .iter()
                .all(|outcome| matches!(outcome, bansao_node::ward::BatchOutcome::Approved { .. })),
            "{outcomes:?}"
        );
    }
    {
        let mut ward = Ward::open(&ward_dir).unwrap();
        let official = ward.official(&cuong, &passphrase, entropy::now()).unwrap();
        for copy in &issued[45..] {
            ward.reject(
                *copy,
                RejectionGround::Illegible,
                Some("mờ"),
                &official,
                entropy::now(),
            )
            .unwrap();
        }
    }

    // The laptop comes back: its decision is merged into the ward's copy, as the replicas'
    // sync merges documents; the copy is now in conflict.
    {
        let mut ward = Ward::open(&ward_dir).unwrap();
        let status = bansao_testkit::world::merge_copy_into(
            &laptop_dir.join("bansao.sqlite"),
            &mut ward,
            issued[0],
        )
        .unwrap();
        assert_eq!(status, CopyStatus::Conflict);
    }
    {
        let mut ward = Ward::open(&ward_dir).unwrap();
        let found = ward.reconciliation(entropy::now(), 7).unwrap();
        assert_eq!(found.conflicts.len(), 1);
        assert_eq!(found.conflicts[0].copy_id, issued[0]);
        let official = ward.official(&binh, &passphrase, entropy::now()).unwrap();
        let resolved = ward
            .resolve_conflict(
                issued[0],
                ConflictResolution::Approve,
                &official,
                entropy::now(),
            )
            .unwrap();
        assert_eq!(resolved.report.status, CopyStatus::Countersigned);
        assert!(
            ward.reconciliation(entropy::now(), 7)
                .unwrap()
                .conflicts
                .is_empty()
        );

        // The book: 1…45, each number once, each approved copy once.
        let year = bansao_node::decisions::vietnam_year(entropy::now());
        let book = ward
            .node
            .store
            .certification_numbers(bansao_store::NumberBook {
                book: bansao_node::decisions::COPY_BOOK,
                year,
            })
            .unwrap();
        let numbers: Vec<u64> = book.iter().map(|entry| entry.number).collect();
        assert_eq!(numbers, (1..=45).collect::<Vec<u64>>());
        let mut numbered: Vec<String> = book.iter().map(|entry| entry.copy_id.clone()).collect();
        numbered.sort();
        numbered.dedup();
        assert_eq!(numbered.len(), 45);

        let report = ward
            .day_report(bansao_node::day_report::vietnam_day(entropy::now()))
            .unwrap();
        assert_eq!(report.officials["Trần Thị Bình"].approved, 25);
        assert_eq!(report.officials["Lê Văn Cường"].approved, 20);
        assert_eq!(report.officials["Lê Văn Cường"].rejected, 5);
        assert_eq!(report.totals().issued, 50);
    }

    // The decisions flow down: the kiosk sees every final status.
    sync(&runtime, &kiosk_dir, ward_address).unwrap();
    for copy in &issued[..45] {
        assert_eq!(indexed_status(&kiosk_dir, *copy), "countersigned", "{copy}");
    }
    for copy in &issued[45..] {
        assert_eq!(indexed_status(&kiosk_dir, *copy), "rejected", "{copy}");
    }

    // A verifier with only the trust file reads the PDFs the kiosk exports now.
    let kiosk = Kiosk::open(&kiosk_dir).unwrap();
    let trust =
        TrustContext::from_bundle(&files::read(&kiosk_dir.join("trust.cbor")).unwrap()).unwrap();
    for (n, copy) in issued.iter().enumerate() {
        let document = kiosk
            .store()
            .load_copy(*copy, entropy::new_actor().unwrap())
            .unwrap();
        let qr = bansao_node::copies::qr_text(&document, kiosk.key());
        let pdf = kiosk
            .render_artifact(&document, &qr, entropy::now())
            .unwrap();
        let verification = bansao_node::verify::verify_pdf(&pdf, &trust).unwrap();
        if n < 45 {
            assert_eq!(
                verification.verdict,
                Verdict::Genuine(CopyStatus::Countersigned),
                "{copy}"
            );
            let number = verification.report.unwrap().certification_number.unwrap();
            assert!(number.ends_with("-SCT/BS"), "{number}");
        } else {
            assert!(
                matches!(&verification.verdict, Verdict::Rejected(reason) if reason.contains("illegible")),
                "{copy}: {:?}",
                verification.verdict
            );
        }
    }
}
