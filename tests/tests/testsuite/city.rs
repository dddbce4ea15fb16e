//! The city end to end over real QUIC on loopback: a copy the ward approved is registered by
//! the city as it arrives (`[city] registration = "automatic"`), logged, given its inclusion
//! proof with the next checkpoint, and the registration with its proof comes back down to the
//! ward and the kiosk, whose PDF `bansao verify` finds included in the log (and a changed proof
//! or checkpoint tampered); held registration leaves it for a person (`bansao city register`).

use std::path::Path;

use bansao_copy::{CopyId, CopyStatus, Decision, LogInclusion, OfficialId};
use bansao_node::kiosk::Kiosk;
use bansao_node::ward::Ward;
use bansao_node::{entropy, files};
use bansao_store::Store;

use crate::common;
use crate::sync::{
    assert_status, decide, issue, runtime, serve, status_at, sync, wait_until, world,
};

pub(crate) fn set_registration(city_dir: &Path, policy: &str) {
    let path = city_dir.join("bansao.toml");
    let mut config = std::fs::read_to_string(&path).unwrap();
    config.push_str(&format!(
        "\n[city]\nregistration = \"{policy}\"\ncheckpoint_interval_seconds = 1\n"
    ));
    std::fs::write(&path, config).unwrap();
}

pub(crate) fn carries_log_inclusion(dir: &Path, copy_id: CopyId) -> bool {
    let Ok(store) = Store::open(&dir.join("bansao.sqlite")) else {
        return false;
    };
    store
        .load_copy(copy_id, entropy::new_actor().unwrap())
        .ok()
        .and_then(|document| document.log_inclusion())
        .is_some_and(|inclusion| inclusion.is_ok())
}

/// Writes the kiosk's sealed PDF of `copy_id` into the kiosk directory, after `change` to the
/// log inclusion the copy carries (in memory only); returns the file's path.
pub(crate) fn write_pdf(
    kiosk_dir: &Path,
    copy_id: CopyId,
    name: &str,
    change: impl FnOnce(&mut LogInclusion),
) -> String {
    let kiosk = Kiosk::open(kiosk_dir).unwrap();
    let mut document = kiosk
        .store()
        .load_copy(copy_id, entropy::new_actor().unwrap())
        .unwrap();
    let mut inclusion = document.log_inclusion().unwrap().unwrap();
    change(&mut inclusion);
    document.set_log_inclusion(&inclusion).unwrap();
    let qr = bansao_node::copies::qr_text(&document, kiosk.key());
    let pdf = kiosk
        .render_artifact(&document, &qr, entropy::now())
        .unwrap();
    let path = kiosk_dir.join(name);
    std::fs::write(&path, pdf).unwrap();
    path.to_string_lossy().to_string()
}

/// The ward's official approves `copy_id` at the ward.
pub(crate) fn approve_at_ward(ward_dir: &Path, copy_id: CopyId) {
    let ward = Ward::open(ward_dir).unwrap();
    let (key, _) = ward.official_files(&OfficialId::parse("tran-thi-binh").unwrap());
    let key = files::read_locked_key(&key, &bansao_testkit::world::official_passphrase().unwrap())
        .unwrap();
    decide(ward_dir, &ward, &key, copy_id, Decision::Approve);
}

#[test]
fn an_approved_copy_is_registered_and_logged_as_it_reaches_the_city_and_its_proof_comes_down() {
    let world = world();
    let runtime = runtime();
    let [kiosk_dir, ward_dir, city_dir] = world.dirs(["kiosk", "ward", "city"]);
    set_registration(&city_dir, "automatic");
    let issued = issue(&kiosk_dir, 2);
    let (_ward, ward_address) = serve(&runtime, &ward_dir);
    let (_city, city_address) = serve(&runtime, &city_dir);
    assert!(sync(&runtime, &kiosk_dir, ward_address).unwrap().finished);
    approve_at_ward(&ward_dir, issued[0]);

    assert!(sync(&runtime, &ward_dir, city_address).unwrap().finished);
    wait_until(
        "the city registers and logs the approved copy",
        std::time::Duration::from_secs(30),
        || carries_log_inclusion(&city_dir, issued[0]),
    );
    assert_status(&city_dir, issued[0], CopyStatus::Registered);
    assert_status(&city_dir, issued[1], CopyStatus::Provisional);
    let city_store = Store::open(&city_dir.join("bansao.sqlite")).unwrap();
    assert_eq!(
        city_store.log_head().unwrap().unwrap().size,
        4,
        "two issues, the approval, the registration"
    );
    drop(city_store);

    // The next rounds bring the registration and its proof down.
    assert!(sync(&runtime, &ward_dir, city_address).unwrap().finished);
    assert_status(&ward_dir, issued[0], CopyStatus::Registered);
    assert!(carries_log_inclusion(&ward_dir, issued[0]));
    assert!(sync(&runtime, &kiosk_dir, ward_address).unwrap().finished);
    assert_status(&kiosk_dir, issued[0], CopyStatus::Registered);
    assert!(carries_log_inclusion(&kiosk_dir, issued[0]));

    // The kiosk's PDF of the registered copy verifies offline, included in the city log.
    let kiosk_trust = kiosk_dir.join("trust.cbor").to_string_lossy().to_string();
    let pdf = write_pdf(&kiosk_dir, issued[0], "registered.pdf", |_| {});
    let run = common::verify_json(&kiosk_trust, &pdf);
    assert_eq!(run.code, 0, "{}", run.stdout);
    let json = run.json();
    assert_eq!(json["status"], "registered", "{json}");
    assert_eq!(json["log"]["included"], true, "{json}");
    assert_eq!(json["log"]["tree_size"], 4, "{json}");
    assert!(json["log"]["leaf_index"].as_u64().unwrap() < 4, "{json}");
    let text = common::bansao(&["verify", "--trust", &kiosk_trust, &pdf]);
    text.assert_stdout_has("Included in the city log at index");
    text.assert_stdout_has("of tree size 4");

    // A proof or checkpoint changed before the file was sealed is reported, not accepted.
    let bad_proof = write_pdf(&kiosk_dir, issued[0], "bad-proof.pdf", |inclusion| {
        inclusion.path[0][0] ^= 1;
    });
    let run = common::verify_json(&kiosk_trust, &bad_proof);
    run.assert_not_genuine("tampered");
    assert_eq!(run.json()["log"]["included"], false, "{}", run.stdout);
    let bad_checkpoint = write_pdf(&kiosk_dir, issued[0], "bad-checkpoint.pdf", |inclusion| {
        inclusion.checkpoint = inclusion.checkpoint.replacen("\n4\n", "\n5\n", 1);
        inclusion.tree_size = 5;
    });
    let run = common::verify_json(&kiosk_trust, &bad_checkpoint);
    run.assert_not_genuine("tampered");
    assert!(
        run.json()["log"]["reason"]
            .as_str()
            .unwrap()
            .contains("checkpoint"),
        "{}",
        run.stdout
    );
    let other_leaf = write_pdf(&kiosk_dir, issued[0], "other-leaf.pdf", |inclusion| {
        inclusion.leaf_index = (inclusion.leaf_index + 1) % 4;
    });
    common::verify_json(&kiosk_trust, &other_leaf).assert_not_genuine("tampered");

    // Syncing the same copies again logs nothing more.
    assert!(sync(&runtime, &ward_dir, city_address).unwrap().finished);
    std::thread::sleep(std::time::Duration::from_millis(500));
    let city_store = Store::open(&city_dir.join("bansao.sqlite")).unwrap();
    assert_eq!(city_store.log_head().unwrap().unwrap().size, 4);
}

#[test]
fn held_registration_leaves_an_approved_copy_countersigned_at_the_city() {
    let world = world();
    let runtime = runtime();
    let [kiosk_dir, ward_dir, city_dir] = world.dirs(["kiosk", "ward", "city"]);
    set_registration(&city_dir, "held");
    let issued = issue(&kiosk_dir, 1);
    let (_ward, ward_address) = serve(&runtime, &ward_dir);
    let (_city, city_address) = serve(&runtime, &city_dir);
    assert!(sync(&runtime, &kiosk_dir, ward_address).unwrap().finished);
    approve_at_ward(&ward_dir, issued[0]);
    assert!(sync(&runtime, &ward_dir, city_address).unwrap().finished);
    wait_until(
        "the city logs the issue and the approval",
        std::time::Duration::from_secs(30),
        || {
            Store::open(&city_dir.join("bansao.sqlite"))
                .ok()
                .and_then(|store| store.log_head().ok().flatten())
                .is_some_and(|head| head.size == 2)
        },
    );
    assert_eq!(
        status_at(&city_dir, issued[0]),
        Some(CopyStatus::Countersigned)
    );
    // City staff register it by hand; it is logged at once.
    let run = common::bansao(&[
        "city",
        "register",
        "--node",
        &city_dir.to_string_lossy(),
        &issued[0].to_string(),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    run.assert_stdout_has("registered");
    assert_status(&city_dir, issued[0], CopyStatus::Registered);
    let store = Store::open(&city_dir.join("bansao.sqlite")).unwrap();
    assert_eq!(store.log_head().unwrap().unwrap().size, 3);
}

#[test]
fn bansao_log_prints_the_checkpoint_proves_a_copy_and_audits_the_log() {
    let world = world();
    let runtime = runtime();
    let [kiosk_dir, ward_dir, city_dir] = world.dirs(["kiosk", "ward", "city"]);
    set_registration(&city_dir, "automatic");
    let issued = issue(&kiosk_dir, 2);
    let (_ward, ward_address) = serve(&runtime, &ward_dir);
    let (_city, city_address) = serve(&runtime, &city_dir);
    assert!(sync(&runtime, &kiosk_dir, ward_address).unwrap().finished);
    approve_at_ward(&ward_dir, issued[0]);
    assert!(sync(&runtime, &ward_dir, city_address).unwrap().finished);
    wait_until(
        "the city registers and logs the approved copy",
        std::time::Duration::from_secs(30),
        || carries_log_inclusion(&city_dir, issued[0]),
    );
    let city = city_dir.to_string_lossy().to_string();

    let run = common::bansao(&["log", "checkpoint", "--node", &city]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let note = run.stdout.clone();
    let mut lines = note.lines();
    assert!(
        lines.next().unwrap().starts_with("bansao/city-log/"),
        "{note}"
    );
    assert_eq!(lines.next(), Some("4"), "{note}");
    assert!(note.contains("\n\n\u{2014} bansao/city-log/"), "{note}");

    let run = common::bansao(&["log", "prove", "--node", &city, &issued[0].to_string()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let json = run.json();
    let trust = bansao_trust::TrustContext::from_bundle(
        &std::fs::read(city_dir.join("trust.cbor")).unwrap(),
    )
    .unwrap();
    let verifiers: Vec<_> = bansao_node::city_log::log_verifiers(&trust)
        .into_iter()
        .map(|(verifier, _)| verifier)
        .collect();
    let decisions: Vec<&str> = json["proofs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|proof| {
            let checkpoint = bansao_tlog::VerifiedCheckpoint::open(
                proof["checkpoint"].as_str().unwrap().as_bytes(),
                &bansao_node::city_log::log_origin(&trust),
                &verifiers,
            )
            .unwrap();
            let path = proof["path"]
                .as_array()
                .unwrap()
                .iter()
                .map(|hash| bansao_tlog::Hash::from_hex(hash.as_str().unwrap()).unwrap())
                .collect();
            let inclusion = bansao_tlog::InclusionProof {
                leaf_index: proof["leaf_index"].as_u64().unwrap(),
                tree_size: proof["tree_size"].as_u64().unwrap(),
                path,
            };
            let entry = hex::decode(proof["entry"].as_str().unwrap()).unwrap();
            bansao_tlog::verify_inclusion(&entry, checkpoint.head(), &inclusion).unwrap();
            proof["event"]["decision"].as_str().unwrap()
        })
        .collect();
    assert_eq!(decisions, ["issue", "approve", "register"], "{json}");
    let unknown = CopyId::parse("01J00000000000000000000000").unwrap();
    let run = common::bansao(&["log", "prove", "--node", &city, &unknown.to_string()]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    run.assert_stderr_has("no entry about copy");

    let run = common::bansao(&["log", "audit", "--node", &city, "--json"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(run.json()["passed"], true, "{}", run.stdout);
    assert_eq!(run.json()["recomputed"]["size"], 4, "{}", run.stdout);

    // An entry changed in the database is found by the audit (exit 5, damage).
    let connection = rusqlite::Connection::open(city_dir.join("bansao.sqlite")).unwrap();
    connection
        .execute(
            "UPDATE log_entries SET entry = x'a0' WHERE leaf_index = 1",
            [],
        )
        .unwrap();
    drop(connection);
    let run = common::bansao(&["log", "audit", "--node", &city]);
    assert_eq!(run.code, 5, "{}", run.stdout);
    run.assert_stdout_has("entry 1 is not an event");
    run.assert_stdout_has("the entries give 4 leaves with root");

    // The city has its log key already: the ceremony for older cities refuses to replace it.
    let run = common::bansao(&["keys", "log-key", "--city", &city]);
    assert_ne!(run.code, 0);
    run.assert_stderr_has("exists already");
}
