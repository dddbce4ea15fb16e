//! Key ceremonies and node databases through the command line: certify, export, rotate, revoke,
//! key file permissions, rebuilding the index, damaged databases and configurations.

use crate::common;

use std::os::unix::fs::PermissionsExt;

use common::{DemoWorld, bansao, verify_json};

fn export(trust: &str) -> serde_json::Value {
    let run = bansao(&["trust", "export", "--trust", trust, "--json"]);
    assert_exit!(run, 0);
    run.json()
}

/// The trust list of the demo's city, exported as JSON.
fn city_export(world: &DemoWorld) -> serde_json::Value {
    export(&world.arg("city/trust.cbor"))
}

/// The key id of the first key of `role` for `subject` in `export`.
fn key_id_of(export: &serde_json::Value, role: &str, subject: &str) -> String {
    key_of(export, role, subject)[0]["key_id"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn key_of<'a>(
    export: &'a serde_json::Value,
    role: &str,
    subject: &str,
) -> Vec<&'a serde_json::Value> {
    export["keys"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|k| k["role"] == role && k["subject"] == subject)
        .collect()
}

#[test]
fn a_city_certifies_a_ward_kiosk_and_official_from_the_command_line() {
    let temp = tempfile::tempdir().unwrap();
    let path = |name: &str| temp.path().join(name).to_str().unwrap().to_owned();
    assert_exit!(
        bansao(&[
            "keys",
            "init-city",
            "--dir",
            &path("city"),
            "--name",
            "Sở Tư pháp Hà Nội"
        ]),
        0
    );
    assert_exit!(
        bansao(&[
            "keys",
            "certify-ward",
            "--city",
            &path("city"),
            "--dir",
            &path("ward"),
            "--commune-code",
            "00007",
            "--commune-name",
            "Xã Đông Hội"
        ]),
        0
    );
    let certify_kiosk = || {
        bansao(&[
            "keys",
            "certify-kiosk",
            "--city",
            &path("city"),
            "--ward",
            &path("ward"),
            "--dir",
            &path("kiosk"),
            "--kiosk-id",
            "KIOSK-DONGHOI-01",
        ])
    };
    assert_exit!(certify_kiosk(), 0);
    std::fs::write(
        temp.path().join("duc.passphrase"),
        "Đức ký duyệt mỗi sáng\n",
    )
    .unwrap();
    assert_exit!(
        bansao(&[
            "keys",
            "certify-official",
            "--city",
            &path("city"),
            "--ward",
            &path("ward"),
            "--id",
            "pham-minh-duc",
            "--name",
            "Phạm Minh Đức",
            "--passphrase-file",
            &path("duc.passphrase")
        ]),
        0
    );
    // The official's key is locked under the passphrase: no plain key on the ward's disk, and
    // OpenSSL opens it with the passphrase only.
    let locked =
        std::fs::read_to_string(temp.path().join("ward/officials/pham-minh-duc.key")).unwrap();
    assert!(
        locked.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----"),
        "{locked}"
    );
    let openssl = |passphrase: &str| {
        std::process::Command::new("openssl")
            .args(["pkey", "-noout", "-in"])
            .arg(temp.path().join("ward/officials/pham-minh-duc.key"))
            .arg("-passin")
            .arg(format!("pass:{passphrase}"))
            .output()
            .expect("openssl is part of Debian's base system")
            .status
            .success()
    };
    assert!(openssl("Đức ký duyệt mỗi sáng"));
    assert!(!openssl("Duc ky duyet moi sang"));
    node_keys_are_readable_by_openssl_3(temp.path());

    let json = export(&path("city/trust.cbor"));
    assert_eq!(
        json["trust_list_version"], 4,
        "one edition per ceremony after the first"
    );
    let roles = common::strings_of(&json["keys"], "role");
    assert_eq!(roles.len(), 6);
    for role in ["city-root", "registrar", "log", "ward", "kiosk", "official"] {
        assert!(roles.contains(&role), "{role} in {roles:?}");
    }
    let kiosk = key_of(&json, "kiosk", "KIOSK-DONGHOI-01")[0];
    assert_eq!(kiosk["commune"], "00007");
    assert_eq!(kiosk["standing"], "active");
    assert_eq!(kiosk["public_key"].as_str().unwrap().len(), 64);
    assert_eq!(kiosk["key_id"].as_str().unwrap().len(), 16);
    assert!(kiosk["not_after"].as_str().unwrap().ends_with('Z'));

    // Private keys are readable by their owner only; certificates and trust files are public.
    for key in [
        "city/root.key",
        "city/node.key",
        "ward/node.key",
        "kiosk/node.key",
        "ward/officials/pham-minh-duc.key",
    ] {
        let mode = std::fs::metadata(temp.path().join(key))
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o600, "{key}");
    }
    // The kiosk got the newest trust list (it needs the official's key to show statuses).
    let kiosk_view = export(&path("kiosk/trust.cbor"));
    assert!(kiosk_view["trust_list_version"].as_u64().unwrap() >= 3);

    // Certifying twice into the same directory refuses to overwrite a key.
    let run = certify_kiosk();
    assert_exit!(run, 4);
    run.assert_stderr_has("refusing to overwrite");
}

#[test]
fn rotating_a_kiosk_key_retires_the_old_one_and_keeps_its_copies_genuine() {
    let world = DemoWorld::new();
    let before = city_export(&world);
    let old_key = key_id_of(&before, "kiosk", "KIOSK-TANLAP-01");
    let run = world.keys(
        "rotate",
        &["--node", &world.arg("kiosk"), "--ward", &world.arg("ward")],
    );
    assert_exit!(run, 0);
    let after = city_export(&world);
    let kiosks = key_of(&after, "kiosk", "KIOSK-TANLAP-01");
    assert_eq!(kiosks.len(), 2);
    let old = kiosks
        .iter()
        .find(|k| k["key_id"] == old_key.as_str())
        .unwrap();
    let new = kiosks
        .iter()
        .find(|k| k["key_id"] != old_key.as_str())
        .unwrap();
    assert_eq!(old["standing"], "retired");
    assert_eq!(new["standing"], "active");
    // Copies signed before the rotation stay genuine.
    let copy = &world.copy_ids()[2];
    let run = verify_json(
        &world.arg("city/trust.cbor"),
        &world.arg(&format!("{copy}.qr.txt")),
    );
    assert_exit!(run, 0);
    // The kiosk directory now holds the new key.
    let key = bansao_node::files::read_secret_key(&world.path("kiosk/node.key")).unwrap();
    assert_eq!(key.key_id().to_hex(), new["key_id"].as_str().unwrap());
}

#[test]
fn revoking_an_official_voids_their_counter_signature() {
    let world = DemoWorld::new();
    let json = city_export(&world);
    let official = key_id_of(&json, "official", "Trần Thị Bình");
    assert_exit!(world.revoke(&official, "Nghỉ việc, khóa bị lộ"), 0);
    let json = city_export(&world);
    assert_eq!(
        key_of(&json, "official", "Trần Thị Bình")[0]["standing"],
        "revoked"
    );
    // Copy 2 was only counter-signed by her: it falls back to provisional, and says why.
    let copy = &world.copy_ids()[1];
    let run = verify_json(
        &world.arg("city/trust.cbor"),
        &world.arg(&format!("{copy}.pdf")),
    );
    assert_exit!(run, 0);
    let verdict = run.json();
    assert_eq!(verdict["status"], "provisional", "{verdict}");
    let ignored = verdict["ignored_signatures"].as_array().unwrap();
    assert_eq!(ignored.len(), 1, "{verdict}");
    assert!(
        ignored[0]["reason"]
            .as_str()
            .unwrap()
            .contains("Nghỉ việc, khóa bị lộ")
    );
}

#[test]
fn the_root_cannot_be_revoked_and_bad_key_ids_are_refused() {
    let world = DemoWorld::new();
    let json = city_export(&world);
    let root = json["keys"][0]["key_id"].as_str().unwrap().to_owned();
    let run = world.revoke(&root, "x");
    assert_exit!(run, 1);
    run.assert_stderr_has("city root");
    let run = world.revoke("xyz", "x");
    assert_exit!(run, 1);
    run.assert_stderr_has("16 hex digits");
}

#[test]
fn a_key_file_others_can_read_is_refused_with_exit_code_4() {
    let world = DemoWorld::new();
    let key = world.path("ward/node.key");
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
    let run = world.keys(
        "certify-official",
        &[
            "--ward",
            &world.arg("ward"),
            "--id",
            "le-van-cuong",
            "--name",
            "Lê Văn Cường",
        ],
    );
    assert_exit!(run, 4);
    run.assert_stderr_has("chmod 600");
    // The secret itself never appears in messages.
    let pem = std::fs::read_to_string(&key).unwrap();
    let secret_line = pem.lines().nth(1).unwrap();
    assert!(!run.stderr.contains(secret_line));
}

#[test]
fn the_index_is_rebuilt_from_documents_by_command() {
    let world = DemoWorld::new();
    let database = world.path("kiosk/bansao.sqlite");
    {
        let connection = rusqlite::Connection::open(&database).unwrap();
        connection
            .execute(
                "UPDATE copies SET status = 'rejected', commune = '?', kiosk_sequence = 0",
                [],
            )
            .unwrap();
    }
    let run = bansao(&["store", "reindex", "--node", &world.arg("kiosk")]);
    assert_exit!(run, 0);
    run.assert_stdout_has("3 bản sao");
    let connection = rusqlite::Connection::open(&database).unwrap();
    let mut rows: Vec<(String, String, i64)> = connection
        .prepare("SELECT status, commune, kiosk_sequence FROM copies ORDER BY kiosk_sequence")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    rows.sort_by_key(|r| r.2);
    let statuses: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
    assert_eq!(statuses, ["registered", "countersigned", "provisional"]);
    assert!(rows.iter().all(|r| r.1 == "00001"));
    assert_eq!(rows.iter().map(|r| r.2).collect::<Vec<_>>(), [1, 2, 3]);
    assert_exit!(
        bansao(&["store", "check", "--node", &world.arg("kiosk")]),
        0
    );
}

#[test]
fn a_damaged_database_is_exit_code_5_and_left_alone() {
    let world = DemoWorld::new();
    let database = world.path("ward/bansao.sqlite");
    let _ = std::fs::remove_file(world.path("ward/bansao.sqlite-wal"));
    let _ = std::fs::remove_file(world.path("ward/bansao.sqlite-shm"));
    let garbage = b"not a database at all ".repeat(300);
    std::fs::write(&database, &garbage).unwrap();
    let run = bansao(&["store", "check", "--node", &world.arg("ward")]);
    assert_exit!(run, 5);
    run.assert_stderr_has("damaged");
    assert_eq!(std::fs::read(&database).unwrap(), garbage);
}

#[test]
fn an_invalid_configuration_is_exit_code_6_with_every_problem() {
    let world = DemoWorld::new();
    std::fs::write(
        world.path("kiosk/bansao.toml"),
        "role = \"kiosk\"\nname = \"\"\n[commune]\ncode = \"1\"\nname = \"x\"\n",
    )
    .unwrap();
    let run = bansao(&["store", "check", "--node", &world.arg("kiosk")]);
    assert_exit!(run, 6);
    for problem in ["`name` must not be empty", "five-digit", "[kiosk] section"] {
        assert!(run.stderr.contains(problem), "{problem}: {}", run.stderr);
    }
}

#[test]
fn the_sealed_pdf_passes_qpdf_structure_checks() {
    let world = DemoWorld::new();
    for id in world.copy_ids() {
        let output = std::process::Command::new("qpdf")
            .arg("--check")
            .arg(world.path(&format!("{id}.pdf")))
            .output()
            .expect("qpdf is installed by deploy/setup.sh");
        let text = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "{text}\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(
            text.contains("No syntax or stream encoding errors"),
            "{text}"
        );
    }
}

#[test]
fn revoking_the_registrar_is_signed_by_the_root_and_its_stolen_key_cannot_undo_it() {
    let world = DemoWorld::new();
    let trust = world.arg("city/trust.cbor");
    let stolen = bansao_node::files::read_secret_key(&world.path("city/node.key")).unwrap();
    assert_exit!(
        world.revoke(&stolen.key_id().to_string(), "Khóa bị đánh cắp"),
        0
    );
    let json = export(&trust);
    let registrars: Vec<_> = json["keys"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|key| key["role"] == "registrar")
        .collect();
    assert_eq!(registrars.len(), 2, "{json}");
    let standing = |key_id: &str| {
        registrars
            .iter()
            .find(|key| key["key_id"] == key_id)
            .map(|key| key["standing"].clone())
    };
    assert_eq!(standing(&stolen.key_id().to_string()).unwrap(), "revoked");
    // The city signs with a new registrar key from now on.
    let replacement = bansao_node::files::read_secret_key(&world.path("city/node.key")).unwrap();
    assert_ne!(replacement.key_id(), stolen.key_id());
    assert_eq!(
        standing(&replacement.key_id().to_string()).unwrap(),
        "active"
    );
    let copy = &world.copy_ids()[2];
    assert_exit!(
        world.keys("revoke-copy", &["--copy", copy, "--reason", "Cấp nhầm"]),
        0
    );
    let run = verify_json(&trust, &world.arg(&format!("{copy}.pdf")));
    assert_eq!(run.json()["verdict"], "revoked", "{}", run.stdout);

    // The thief signs a newer revocation list without any entry and pairs it with the newest
    // trust list: a verifier holding nothing but that file refuses it.
    let bundle = bansao_trust::TrustBundle::from_cbor(
        &std::fs::read(world.path("city/trust.cbor")).unwrap(),
    )
    .unwrap();
    let emptied = bansao_trust::RevocationList {
        version: 99,
        issued_at: 2_000_000_000,
        ..Default::default()
    };
    let forged = bansao_trust::TrustBundle {
        trust_list: bundle.trust_list,
        revocations: emptied.sign(&stolen),
    };
    let forged = world.write("forged-trust.cbor", &forged.to_cbor());
    let run = verify_json(&forged, &world.arg(&format!("{copy}.pdf")));
    assert_exit!(run, 3);
}

#[test]
fn a_ward_restarted_on_a_trust_file_from_before_a_revocation_refuses_it() {
    let world = DemoWorld::new();
    let older = std::fs::read(world.path("ward/trust.cbor")).unwrap();
    let kiosk = bansao_node::files::read_secret_key(&world.path("kiosk/node.key")).unwrap();
    assert_exit!(world.revoke(&kiosk.key_id().to_string(), "Máy bị mất"), 0);
    assert_exit!(world.keys("publish", &["--to", &world.arg("ward")]), 0);
    // The ward starts on the new file once: it has now used the revocation.
    bansao_node::sync::service::SyncNode::open(&world.path("ward")).unwrap();
    // Then an old backup of the file is put back.
    std::fs::write(world.path("ward/trust.cbor"), &older).unwrap();
    let error = bansao_node::sync::service::SyncNode::open(&world.path("ward")).unwrap_err();
    assert!(
        matches!(
            error,
            bansao_node::sync::SyncShellError::Node(bansao_node::node_dir::NodeError::TrustFloor(
                bansao_node::trust_floor::TrustFloorError::Older(_)
            ))
        ),
        "{error}"
    );
    let run = bansao(&[
        "sync",
        "--node",
        &world.arg("ward"),
        "--peer",
        "127.0.0.1:9",
    ]);
    assert_exit!(run, 3);
    run.assert_stderr_has("older than the one this node has used");
    // The kiosk, which used the old file only, is also refused once it has seen the new one.
    std::fs::copy(
        world.path("city/trust.cbor"),
        world.path("kiosk/trust.cbor"),
    )
    .unwrap();
    bansao_node::kiosk::Kiosk::open(&world.path("kiosk")).unwrap();
    std::fs::write(world.path("kiosk/trust.cbor"), &older).unwrap();
    let error = bansao_node::kiosk::Kiosk::open(&world.path("kiosk")).unwrap_err();
    assert_eq!(bansao::exit::ExitStatus::exit_code(&error), 3, "{error:#}");
}

/// Rewrites one stored document of `database` with `edit` applied to its Automerge document.
fn edit_stored_document(
    database: &std::path::Path,
    copy_id: &str,
    edit: impl FnOnce(&mut automerge::AutoCommit),
) {
    use automerge::transaction::Transactable;
    let connection = rusqlite::Connection::open(database).unwrap();
    let bytes: Vec<u8> = connection
        .query_row(
            "SELECT document FROM copies WHERE copy_id = ?1",
            [copy_id],
            |row| row.get(0),
        )
        .unwrap();
    let mut document = automerge::AutoCommit::load(&bytes).unwrap();
    edit(&mut document);
    let _ = document.put(automerge::ROOT, "touched", true);
    connection
        .execute(
            "UPDATE copies SET document = ?2 WHERE copy_id = ?1",
            rusqlite::params![copy_id, document.save()],
        )
        .unwrap();
}

#[test]
fn a_copy_whose_signed_content_was_edited_is_damage_found_by_store_check_not_a_rejection() {
    use automerge::ReadDoc;
    use automerge::transaction::Transactable;
    let world = DemoWorld::new();
    let copy = world.copy_ids()[2].clone();
    let database = world.path("kiosk/bansao.sqlite");
    edit_stored_document(&database, &copy, |document| {
        let (value, _) = document.get(automerge::ROOT, "content").unwrap().unwrap();
        let bytes = value.as_bytes().unwrap().to_vec();
        let mut content = bansao_copy::CopyContent::from_canonical_cbor(&bytes).unwrap();
        content.fields.get_mut("ho_ten").unwrap().value = "TRẦN VĂN GIẢ".to_owned();
        document
            .put(
                automerge::ROOT,
                "content",
                automerge::ScalarValue::Bytes(content.to_canonical_cbor()),
            )
            .unwrap();
    });
    let run = bansao(&["store", "check", "--node", &world.arg("kiosk")]);
    assert_exit!(run, 5);
    run.assert_stdout_has(&copy);
    run.assert_stdout_has("does not match the content");
    // The kiosk issues nothing into a store whose last check found damage.
    let mut kiosk = bansao_node::kiosk::Kiosk::open(&world.path("kiosk")).unwrap();
    let error = kiosk
        .issue(
            bansao_testkit::sample_request(),
            bansao_node::entropy::now(),
        )
        .unwrap_err();
    assert_eq!(bansao::exit::ExitStatus::exit_code(&error), 5, "{error:#}");
    // Reindexing labels it damaged, never "rejected" (an official's decision).
    let run = bansao(&["store", "reindex", "--node", &world.arg("kiosk")]);
    assert_exit!(run, 5);
    let status: String = rusqlite::Connection::open(&database)
        .unwrap()
        .query_row(
            "SELECT status FROM copies WHERE copy_id = ?1",
            [&copy],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(status, "damaged");
}

#[test]
fn flipped_bytes_in_a_document_and_a_scan_are_each_found_by_store_check() {
    let world = DemoWorld::new();
    let copy = world.copy_ids()[0].clone();
    common::damage_stored_document(&world.path("ward/bansao.sqlite"), &copy);
    let connection = rusqlite::Connection::open(world.path("ward/bansao.sqlite")).unwrap();
    connection
        .execute(
            "UPDATE blobs SET bytes = CAST('not the scan' AS BLOB) WHERE rowid = (SELECT min(rowid) FROM blobs)",
            [],
        )
        .unwrap();
    drop(connection);
    let run = bansao(&["store", "check", "--node", &world.arg("ward")]);
    assert_exit!(run, 5);
    run.assert_stdout_has(&format!("copy {copy}"));
    run.assert_stdout_has("HƯ HỎNG (damaged) scan");
}

#[test]
fn a_damaged_chain_row_blocks_issuance_with_exit_code_5_and_reindex_repairs_it() {
    let world = DemoWorld::new();
    let database = world.path("kiosk/bansao.sqlite");
    rusqlite::Connection::open(&database)
        .unwrap()
        .execute(
            "UPDATE kiosk_chain SET last_copy_id = CAST(x'ff00fe' AS TEXT)",
            [],
        )
        .unwrap();
    let issue = || {
        let mut kiosk = bansao_node::kiosk::Kiosk::open(&world.path("kiosk")).unwrap();
        kiosk.issue(
            bansao_testkit::sample_request(),
            bansao_node::entropy::now(),
        )
    };
    let error = issue().unwrap_err();
    assert_eq!(bansao::exit::ExitStatus::exit_code(&error), 5, "{error:#}");
    assert!(format!("{error:#}").contains("chain head"), "{error:#}");
    let run = bansao(&["store", "check", "--node", &world.arg("kiosk")]);
    assert_exit!(run, 5);
    let run = bansao(&["store", "reindex", "--node", &world.arg("kiosk")]);
    assert_exit!(run, 0);
    run.assert_stdout_has("chain head");
    assert_exit!(
        bansao(&["store", "check", "--node", &world.arg("kiosk")]),
        0
    );
    let issued = issue().unwrap();
    assert_eq!(issued.document.content().kiosk_sequence, 4);
}

#[test]
fn a_full_disk_while_issuing_loses_nothing_acknowledged_and_a_read_only_store_writes_nothing() {
    common::on_small_disk(
        "keys_and_store::a_full_disk_while_issuing_loses_nothing_acknowledged_and_a_read_only_store_writes_nothing",
        6 * 1024,
        |disk| {
            let root = disk.join("nodes");
            bansao_testkit::World::create(&root).unwrap();
            let node = root.join("kiosk");
            // Most of the disk is taken, as a card full of photos would be.
            let filler = disk.join("filler");
            let free = {
                let output = std::process::Command::new("df")
                    .args(["--output=avail", "-k"])
                    .arg(disk)
                    .output()
                    .unwrap();
                let text = String::from_utf8_lossy(&output.stdout).into_owned();
                text.lines().nth(1).unwrap().trim().parse::<u64>().unwrap()
            };
            std::fs::write(
                &filler,
                vec![0u8; ((free.saturating_sub(1_200)) * 1024) as usize],
            )
            .unwrap();
            let mut kiosk = bansao_node::kiosk::Kiosk::open(&node).unwrap();
            let mut acknowledged = Vec::new();
            let error = loop {
                match kiosk.issue(
                    bansao_testkit::sample_request(),
                    bansao_node::entropy::now(),
                ) {
                    Ok(issued) => acknowledged.push(issued.document.content().copy_id),
                    Err(error) => break error,
                }
                assert!(acknowledged.len() < 1_000, "the disk never filled");
            };
            let message = format!("{error:#}");
            assert!(message.contains("full"), "a clear error: {message}");
            drop(kiosk);
            // Room again: every acknowledged copy is there, the store passes its checks, and
            // the kiosk issues again.
            std::fs::remove_file(&filler).unwrap();
            let run = bansao(&["store", "check", "--node", node.to_str().unwrap()]);
            assert_exit!(run, 0);
            let store = bansao_store::Store::open(&node.join("bansao.sqlite")).unwrap();
            assert_eq!(store.copy_count().unwrap(), acknowledged.len() as u64);
            drop(store);
            let mut kiosk = bansao_node::kiosk::Kiosk::open(&node).unwrap();
            kiosk
                .issue(
                    bansao_testkit::sample_request(),
                    bansao_node::entropy::now(),
                )
                .unwrap();
            drop(kiosk);

            // A read-only store (a card the kernel remounted read-only after an error).
            let before = std::fs::read(node.join("bansao.sqlite")).unwrap();
            common::remount(disk, false);
            let attempt = bansao_node::kiosk::Kiosk::open(&node)
                .map_err(|error| error.to_string())
                .and_then(|mut kiosk| {
                    kiosk
                        .issue(
                            bansao_testkit::sample_request(),
                            bansao_node::entropy::now(),
                        )
                        .map_err(|error| error.to_string())
                });
            let Err(error) = attempt else {
                panic!("nothing is issued on a read-only store");
            };
            assert!(!error.is_empty());
            common::remount(disk, true);
            assert_eq!(std::fs::read(node.join("bansao.sqlite")).unwrap(), before);
            assert_exit!(
                bansao(&["store", "check", "--node", node.to_str().unwrap()]),
                0
            );
        },
    );
}

#[test]
fn an_officials_plain_key_cannot_sign_until_it_is_locked_with_a_passphrase() {
    let world = DemoWorld::new();
    let key_path = world.path("ward/officials/tran-thi-binh.key");
    let passphrase_file = world.arg("official.passphrase");
    // A key made before keys were locked: the same key, in plain PKCS#8.
    let key = bansao_node::files::read_locked_key(
        &key_path,
        &bansao_trust::Passphrase::new(
            std::fs::read_to_string(&passphrase_file)
                .unwrap()
                .trim_end()
                .to_owned(),
        )
        .unwrap(),
    )
    .unwrap();
    bansao_node::files::replace_secret_key(&key_path, &key).unwrap();
    let copy = world.copy_ids()[2].clone();
    let approve = |passphrase_file: &str| {
        bansao(&[
            "ward",
            "approve",
            "--node",
            &world.arg("ward"),
            "--official",
            "tran-thi-binh",
            "--passphrase-file",
            passphrase_file,
            "--copy",
            &copy,
        ])
    };
    let run = approve(&passphrase_file);
    assert_exit!(run, 4);
    assert!(run.stderr.contains("lock-official"), "{}", run.stderr);

    let new_passphrase = world.path("new.passphrase");
    std::fs::write(&new_passphrase, "short\n").unwrap();
    let lock = || {
        bansao(&[
            "keys",
            "lock-official",
            "--ward",
            &world.arg("ward"),
            "--id",
            "tran-thi-binh",
            "--passphrase-file",
            new_passphrase.to_str().unwrap(),
        ])
    };
    let run = lock();
    assert_exit!(run, 2);
    assert!(run.stderr.contains("8"), "{}", run.stderr);
    std::fs::write(&new_passphrase, "một mật khẩu mới dài hơn\n").unwrap();
    assert_exit!(lock(), 0);
    // Locked once; locking again is refused, and the old passphrase no longer opens it.
    assert_exit!(lock(), 2);
    assert_exit!(approve(&passphrase_file), 4);
    let run = approve(new_passphrase.to_str().unwrap());
    assert_exit!(run, 0);
    assert!(run.stdout.contains("countersigned"), "{}", run.stdout);
}

/// Plain node keys were written as PKCS#8 version 2 (with the public key), which OpenSSL 3.0
/// refuses ("unsupported"); they are version 1 now, as RFC 8410 shows them.
fn node_keys_are_readable_by_openssl_3(root: &std::path::Path) {
    for key in [
        "city/root.key",
        "city/node.key",
        "ward/node.key",
        "kiosk/node.key",
    ] {
        let output = std::process::Command::new("openssl")
            .args(["pkey", "-noout", "-in"])
            .arg(root.join(key))
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{key}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}
