//! The store against real SQLite files: durability settings, round trips, the kiosk chain,
//! refusals that write nothing, a rebuilt index, and damaged files.

#![allow(clippy::unwrap_used)] // Helpers outside #[test] functions unwrap too.

use automerge::ActorId;
use bansao_copy::content::ContentHash;
use bansao_copy::status::CopyStatus;
use bansao_copy::testing::sample_content;
use bansao_copy::{CopyDocument, Decision, SignatureRecord, Timestamp};
use bansao_store::{Store, StoreError};
use bansao_trust::testing::{Hierarchy, VALID_FROM};

fn at(offset: i64) -> Timestamp {
    Timestamp::from_unix(VALID_FROM + 86_400 + offset).unwrap()
}

fn actor() -> ActorId {
    ActorId::from(vec![7u8; 16])
}

fn issue(store: &mut Store, hierarchy: &Hierarchy, offset: i64) -> CopyDocument {
    let (document, stored) = try_issue(store, &hierarchy.kiosk.key, offset);
    stored.unwrap();
    document
}

/// `kiosk` issues the next copy of its chain `offset` seconds after the tests' epoch; the copy
/// and whether the store took it.
fn try_issue(
    store: &mut Store,
    kiosk: &bansao_trust::SecretKey,
    offset: i64,
) -> (CopyDocument, Result<(), StoreError>) {
    let head = store.chain_head("KIOSK-TANLAP-01").unwrap();
    let scan = format!("scan {offset}").into_bytes();
    let content = sample_content(
        head.last_sequence + 1,
        head.last_content_hash,
        at(offset),
        &scan,
    );
    let mut document = CopyDocument::issue(content, kiosk, actor()).unwrap();
    let stored =
        store.insert_issued_copy(&mut document, &[&scan], CopyStatus::Provisional, at(offset));
    (document, stored)
}

/// A store in a new `node.sqlite` of a temporary folder: the folder (kept while the test
/// runs), the file's path and the store.
fn temp_store() -> (tempfile::TempDir, std::path::PathBuf, Store) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("node.sqlite");
    let store = Store::open(&path).unwrap();
    (dir, path, store)
}

/// Asserts that `store` holds `copies` copies and the kiosk's chain is at `last_sequence`.
#[track_caller]
fn assert_copies_and_chain(store: &Store, copies: u64, last_sequence: u64) {
    assert_eq!(store.copy_count().unwrap(), copies);
    assert_eq!(
        store.chain_head("KIOSK-TANLAP-01").unwrap().last_sequence,
        last_sequence
    );
}

#[test]
fn the_database_is_durable_wal_with_full_sync() {
    let (_dir, path, _store) = temp_store();
    let connection = rusqlite::Connection::open(&path).unwrap();
    let mode: String = connection
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    // `synchronous` is per connection; the store sets FULL (2) on its own.
    let version: i64 = connection
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, bansao_store::SCHEMA_VERSION);
}

#[test]
fn copies_round_trip_and_the_chain_advances() {
    let hierarchy = Hierarchy::new();
    let (_dir, path, mut store) = temp_store();
    let first = issue(&mut store, &hierarchy, 0);
    let second = issue(&mut store, &hierarchy, 60);
    assert_eq!(second.content().kiosk_sequence, 2);
    assert_eq!(second.content().previous_content_hash, first.content_hash());
    drop(store);

    let store = Store::open(&path).unwrap();
    let loaded = store.load_copy(second.content().copy_id, actor()).unwrap();
    assert_eq!(loaded.content(), second.content());
    assert_eq!(store.copy_count().unwrap(), 2);
    let scan = store
        .blob(&second.content().pages[0].sha256)
        .unwrap()
        .unwrap();
    assert_eq!(scan, b"scan 60");
    let rows = store
        .list_copies(Some(CopyStatus::Provisional), 10)
        .unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(
        rows[0].copy_id,
        second.content().copy_id.to_string(),
        "newest first"
    );
}

#[test]
fn a_copy_that_breaks_the_chain_or_its_scans_writes_nothing() {
    let hierarchy = Hierarchy::new();
    let mut store = Store::open_in_memory().unwrap();
    issue(&mut store, &hierarchy, 0);

    // Reuses sequence 1.
    let scan = b"other scan".to_vec();
    let content = sample_content(1, ContentHash::GENESIS, at(10), &scan);
    let mut replay = CopyDocument::issue(content, &hierarchy.kiosk.key, actor()).unwrap();
    let error = store
        .insert_issued_copy(&mut replay, &[&scan], CopyStatus::Provisional, at(10))
        .unwrap_err();
    assert!(
        matches!(
            error,
            StoreError::ChainMismatch {
                expected_sequence: 2,
                ..
            }
        ),
        "{error}"
    );

    // Right chain, wrong scan bytes.
    let head = store.chain_head("KIOSK-TANLAP-01").unwrap();
    let content = sample_content(2, head.last_content_hash, at(20), &scan);
    let mut document = CopyDocument::issue(content, &hierarchy.kiosk.key, actor()).unwrap();
    let error = store
        .insert_issued_copy(
            &mut document,
            &[b"not the scan"],
            CopyStatus::Provisional,
            at(20),
        )
        .unwrap_err();
    assert!(matches!(error, StoreError::ScanMismatch { index: 0 }));

    assert_copies_and_chain(&store, 1, 1);
}

#[test]
fn the_index_is_rebuilt_from_the_documents() {
    let hierarchy = Hierarchy::new();
    let trust = hierarchy.context();
    let (_dir, path, mut store) = temp_store();
    let mut document = issue(&mut store, &hierarchy, 0);
    let content = document.content().clone();
    document
        .add_signature(&SignatureRecord::decide(
            &content,
            Decision::Approve,
            at(100),
            None,
            None,
            &hierarchy.official.key,
        ))
        .unwrap();
    // Save the new signature but leave a stale status in the index.
    store
        .save_copy(&mut document, CopyStatus::Provisional, at(100))
        .unwrap();
    drop(store);
    {
        let connection = rusqlite::Connection::open(&path).unwrap();
        connection
            .execute(
                "UPDATE copies SET commune = 'garbage', kiosk_sequence = 99, issued_at = 'x'",
                [],
            )
            .unwrap();
    }
    let mut store = Store::open(&path).unwrap();
    let report = store
        .rebuild_index(actor(), |document| {
            let (records, malformed) = document.signatures().unwrap();
            bansao_copy::derive_status(
                document.content(),
                document.content_bytes(),
                &records,
                &malformed,
                &trust,
            )
            .map_or(bansao_store::IndexStatus::Damaged, |r| {
                bansao_store::IndexStatus::Copy(r.status)
            })
        })
        .unwrap();
    assert_eq!(report.rebuilt, 1);
    let row = &store.list_copies(None, 10).unwrap()[0];
    assert_eq!(row.commune, "00001");
    assert_eq!(row.kiosk_sequence, 1);
    assert_eq!(row.status, "countersigned");
    assert_eq!(row.issued_at, content.issued_at.to_rfc3339());
}

#[test]
fn a_damaged_file_is_reported_not_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("node.sqlite");
    let garbage = b"this is not a database, it is a shopping list".repeat(200);
    std::fs::write(&path, &garbage).unwrap();
    let error = Store::open(&path).unwrap_err();
    assert!(matches!(error, StoreError::Corrupt { .. }), "{error}");
    assert_eq!(
        std::fs::read(&path).unwrap(),
        garbage,
        "the file is left as it was"
    );
}

#[test]
fn two_issuances_at_once_cannot_fork_the_kiosk_chain() {
    let hierarchy = Hierarchy::new();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("node.sqlite");
    drop(Store::open(&path).unwrap());
    // Another writer holds the database, as a slow commit on an SD card would: both
    // issuances start, read the (empty) chain and wait for the write lock.
    let blocker = rusqlite::Connection::open(&path).unwrap();
    blocker.execute_batch("BEGIN IMMEDIATE").unwrap();
    let issuers: Vec<_> = (0..2)
        .map(|index| {
            let path = path.clone();
            let kiosk = hierarchy.kiosk.key.clone();
            std::thread::spawn(move || {
                let mut store = Store::open(&path).unwrap();
                try_issue(&mut store, &kiosk, index).1
            })
        })
        .collect();
    std::thread::sleep(std::time::Duration::from_millis(300));
    blocker.execute_batch("COMMIT").unwrap();
    let results: Vec<_> = issuers
        .into_iter()
        .map(|issuer| issuer.join().unwrap())
        .collect();
    assert_eq!(
        results.iter().filter(|result| result.is_ok()).count(),
        1,
        "{results:?}"
    );
    assert!(
        results
            .iter()
            .any(|result| matches!(result, Err(StoreError::ChainMismatch { .. }))),
        "{results:?}"
    );
    let store = Store::open(&path).unwrap();
    assert_copies_and_chain(&store, 1, 1);
}

#[test]
fn a_damaged_chain_row_is_reported_as_damage_not_as_a_decoding_error() {
    let hierarchy = Hierarchy::new();
    let (_dir, path, mut store) = temp_store();
    issue(&mut store, &hierarchy, 0);
    let connection = rusqlite::Connection::open(&path).unwrap();
    connection
        .execute(
            "UPDATE kiosk_chain SET last_copy_id = CAST(x'ff00fe' AS TEXT)",
            [],
        )
        .unwrap();
    let error = store.chain_head("KIOSK-TANLAP-01").unwrap_err();
    assert!(matches!(error, StoreError::DamagedChain { .. }), "{error}");
}

#[test]
fn recorded_trust_editions_never_go_down() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("node.sqlite")).unwrap();
    assert_eq!(store.used_trust_editions().unwrap(), Default::default());
    let editions = |trust_list, revocations| bansao_store::TrustEditions {
        trust_list,
        revocations,
    };
    store.record_trust_editions(editions(3, 5), at(0)).unwrap();
    store.record_trust_editions(editions(4, 2), at(1)).unwrap();
    assert_eq!(store.used_trust_editions().unwrap(), editions(4, 5));
}

/// Decisions recorded on many copies at once are changed on several threads: each outcome
/// must stay with its own copy, a missing copy and a refused change must write nothing, and
/// the others must be written whole.
#[test]
fn decisions_on_many_copies_keep_each_outcome_with_its_own_copy() {
    let hierarchy = Hierarchy::new();
    let (_dir, _path, mut store) = temp_store();
    let mut ids = Vec::new();
    for n in 0..24 {
        ids.push(issue(&mut store, &hierarchy, n).content().copy_id);
    }
    let head = store.chain_head("KIOSK-TANLAP-01").unwrap();
    let unknown = sample_content(1_000, head.last_content_hash, at(500), b"elsewhere").copy_id;
    ids.insert(9, unknown);
    let refused = 15;
    let outcomes = store
        .record_decisions(&ids, actor(), at(600), |position, document| {
            if position == refused {
                return Err(StoreError::Duplicate(format!("refused {position}")));
            }
            let record = SignatureRecord::decide(
                document.content(),
                Decision::Approve,
                at(600),
                None,
                Some(format!("{position}/2026-SCT/BS")),
                &hierarchy.official.key,
            );
            document.add_signature(&record).unwrap();
            Ok((CopyStatus::Countersigned, position))
        })
        .unwrap();
    assert_eq!(outcomes.len(), ids.len());
    for (position, outcome) in outcomes.iter().enumerate() {
        match (position, outcome) {
            (9, Err(StoreError::NotFound(id))) => assert_eq!(*id, unknown.to_string()),
            (15, Err(StoreError::Duplicate(why))) => assert_eq!(why, "refused 15"),
            (_, Ok(value)) => assert_eq!(*value, position),
            (_, other) => panic!("copy {position}: {other:?}"),
        }
    }
    for (position, copy_id) in ids.iter().enumerate() {
        if position == 9 {
            continue;
        }
        let document = store.load_copy(*copy_id, actor()).unwrap();
        let (records, _) = document.signatures().unwrap();
        let numbers: Vec<_> = records
            .iter()
            .filter_map(|record| record.certification_number.clone())
            .collect();
        if position == refused {
            assert!(numbers.is_empty(), "the refused copy was written");
        } else {
            assert_eq!(numbers, [format!("{position}/2026-SCT/BS")]);
        }
    }
    assert_eq!(
        store.count_with_status(CopyStatus::Countersigned).unwrap(),
        23
    );
}
