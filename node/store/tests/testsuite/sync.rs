//! What the sync engine needs from the store, on real SQLite files: reconciliation items that
//! follow every write, batched saves, missing scans, resumable chunked transfers that refuse a
//! wrong whole, and the migration of a schema-1 database.

use automerge::ActorId;
use bansao_copy::status::CopyStatus;
use bansao_copy::testing::sample_content;
use bansao_copy::{CopyDocument, Decision, SignatureRecord, Timestamp};
use bansao_store::{BlobTransfer, Store};
use bansao_trust::testing::{Hierarchy, VALID_FROM};
use sha2::{Digest, Sha256};

fn at(offset: i64) -> Timestamp {
    Timestamp::from_unix(VALID_FROM + 86_400 + offset).unwrap()
}

fn issue(store: &mut Store, hierarchy: &Hierarchy, scan: &[u8]) -> CopyDocument {
    let head = store.chain_head("KIOSK-TANLAP-01").unwrap();
    let content = sample_content(head.last_sequence + 1, head.last_content_hash, at(0), scan);
    let mut document =
        CopyDocument::issue(content, &hierarchy.kiosk.key, ActorId::from(vec![7u8; 16])).unwrap();
    store
        .insert_issued_copy(&mut document, &[scan], CopyStatus::Provisional, at(0))
        .unwrap();
    document
}

#[test]
fn sync_items_follow_every_write() {
    let hierarchy = Hierarchy::new();
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("n.sqlite")).unwrap();
    let generation = store.sync_generation().unwrap();
    let mut document = issue(&mut store, &hierarchy, b"scan one");
    let issued = store.sync_generation().unwrap();
    assert!(issued > generation, "a new copy moves the generation");
    let items = store.sync_items("00001").unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].heads_digest, document.heads_digest());
    assert!(store.sync_items("00002").unwrap().is_empty());

    let record = SignatureRecord::decide(
        document.content(),
        Decision::Approve,
        at(60),
        None,
        Some("1/2026".to_owned()),
        &hierarchy.official.key,
    );
    document.add_signature(&record).unwrap();
    let mut batch = vec![(document, CopyStatus::Countersigned)];
    store.save_copies(&mut batch, at(60)).unwrap();
    let decided = store.sync_generation().unwrap();
    assert!(decided > issued, "a changed document moves the generation");
    // Another connection (another process) sees the same number.
    let other = Store::open(&dir.path().join("n.sqlite")).unwrap();
    assert_eq!(other.sync_generation().unwrap(), decided);
    let items = store.sync_items("00001").unwrap();
    assert_eq!(items[0].heads_digest, batch[0].0.heads_digest());
    assert_eq!(
        store.copy_bytes(items[0].copy_id).unwrap().unwrap(),
        batch[0].0.save()
    );
}

#[test]
fn many_copies_are_read_in_the_order_asked_with_the_missing_ones_marked() {
    let hierarchy = Hierarchy::new();
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("n.sqlite")).unwrap();
    // More than one query's worth, so chunking and the padded last chunk are both exercised.
    let count = bansao_store::COPIES_PER_QUERY + 7;
    let mut documents: Vec<CopyDocument> = (0..count)
        .map(|index| issue(&mut store, &hierarchy, format!("scan {index}").as_bytes()))
        .collect();
    let absent = bansao_copy::CopyId::parse("01J0000000000000000000000Z").unwrap();
    let mut asked: Vec<_> = documents
        .iter()
        .map(|d| d.content().copy_id)
        .rev()
        .collect();
    asked.insert(3, absent);
    let read = store.copies_bytes(&asked).unwrap();
    assert_eq!(read.len(), asked.len());
    assert_eq!(read[3], None);
    let expected: Vec<Option<Vec<u8>>> = documents
        .iter_mut()
        .rev()
        .map(|document| Some(document.save()))
        .collect();
    let mut without_absent = read.clone();
    without_absent.remove(3);
    assert_eq!(without_absent, expected);
    assert!(store.copies_bytes(&[]).unwrap().is_empty());
    assert_eq!(store.copies_bytes(&[absent]).unwrap(), vec![None]);
}

#[test]
fn a_scan_arrives_in_chunks_resumes_and_a_wrong_whole_is_discarded() {
    let hierarchy = Hierarchy::new();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ward.sqlite");
    let scan: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
    let sha: [u8; 32] = Sha256::digest(&scan).into();

    // The ward holds the copy (synced) but not its scan.
    let mut kiosk = Store::open(&dir.path().join("kiosk.sqlite")).unwrap();
    let document = issue(&mut kiosk, &hierarchy, &scan);
    let mut ward = Store::open(&path).unwrap();
    let mut copy = CopyDocument::load(
        &document_bytes(&kiosk, &document),
        ActorId::from(vec![8u8; 16]),
    )
    .unwrap();
    ward.save_copies(
        &mut [(copy_clone(&mut copy), CopyStatus::Provisional)],
        at(1),
    )
    .unwrap();
    let missing = ward.missing_blobs("00001", 10).unwrap();
    assert_eq!(missing.len(), 1);
    assert_eq!(missing[0].sha256, sha);
    assert_eq!(kiosk.blob_size(&sha).unwrap(), Some(100_000));
    assert_eq!(
        kiosk.blob_range(&sha, 99_990, 32).unwrap().unwrap(),
        scan[99_990..].to_vec()
    );

    let chunk = 32 * 1024;
    let transfer = BlobTransfer {
        media_type: "image/png".to_owned(),
        size: scan.len() as u64,
        chunk_size: chunk as u32,
        chunk_hashes: scan
            .chunks(chunk)
            .map(|c| Sha256::digest(c).into())
            .collect(),
        received: Default::default(),
    };
    ward.start_blob_transfer(&sha, &transfer).unwrap();
    ward.put_blob_chunk(&sha, 0, &scan[..chunk]).unwrap();
    ward.put_blob_chunk(&sha, 2, &scan[2 * chunk..3 * chunk])
        .unwrap();
    drop(ward);

    // After a restart the transfer resumes with the chunks already stored.
    let mut ward = Store::open(&path).unwrap();
    let resumed = ward.blob_transfer(&sha).unwrap().unwrap();
    assert_eq!(
        resumed.received.iter().copied().collect::<Vec<_>>(),
        vec![0, 2]
    );
    assert_eq!(resumed.chunk_hashes, transfer.chunk_hashes);
    ward.put_blob_chunk(&sha, 1, &scan[chunk..2 * chunk])
        .unwrap();
    ward.put_blob_chunk(&sha, 3, &scan[3 * chunk..]).unwrap();
    assert!(ward.complete_blob_transfer(&sha).unwrap());
    assert_eq!(ward.blob(&sha).unwrap().unwrap(), scan);
    assert!(ward.blob_transfer(&sha).unwrap().is_none());
    assert!(ward.missing_blobs("00001", 10).unwrap().is_empty());

    // A transfer whose chunks do not make the named scan is discarded, never stored.
    let fake: [u8; 32] = Sha256::digest(b"another scan").into();
    ward.start_blob_transfer(
        &fake,
        &BlobTransfer {
            size: 5,
            ..transfer.clone()
        },
    )
    .unwrap();
    ward.put_blob_chunk(&fake, 0, b"wrong").unwrap();
    assert!(!ward.complete_blob_transfer(&fake).unwrap());
    assert!(ward.blob(&fake).unwrap().is_none());
    assert!(ward.blob_transfer(&fake).unwrap().is_none());
}

fn document_bytes(store: &Store, document: &CopyDocument) -> Vec<u8> {
    store
        .copy_bytes(document.content().copy_id)
        .unwrap()
        .unwrap()
}

fn copy_clone(document: &mut CopyDocument) -> CopyDocument {
    CopyDocument::load(&document.save(), ActorId::from(vec![9u8; 16])).unwrap()
}

#[test]
fn a_schema_1_database_gets_its_sync_columns_filled() {
    let hierarchy = Hierarchy::new();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.sqlite");
    let mut document = {
        let mut store = Store::open(&path).unwrap();
        issue(&mut store, &hierarchy, b"old scan")
    };
    // Turn the file back into what schema 1 left: no digests, no pages, version 1.
    {
        let connection = rusqlite::Connection::open(&path).unwrap();
        connection
            .execute_batch(
                "DROP TABLE node_status_history; DROP TABLE node_statuses;
                 DROP TRIGGER copies_inserted_log_pending; DROP TRIGGER copies_updated_log_pending;
                 DROP TABLE audit_events;
                 DROP TABLE log_proofs_wanted; DROP TABLE log_pending_copies; DROP TABLE log_checkpoints;
                 DROP TABLE log_state; DROP TABLE log_tiles; DROP TABLE log_entries;
                 DROP TABLE anomaly_resolutions; DROP TABLE certification_numbers; DROP TABLE issued_sequences; DROP TABLE trust_editions; DROP TABLE anomalies; DROP TABLE store_checks;
                 ALTER TABLE copies DROP COLUMN previous_content_hash;
                 ALTER TABLE copies DROP COLUMN received_at;
                 DROP TRIGGER copies_inserted_bump_generation; DROP TRIGGER copies_updated_bump_generation;
                 DROP TRIGGER copies_deleted_bump_generation; DROP TABLE sync_generation;
                 DROP TRIGGER copy_pages_inserted_want_scan; DROP TRIGGER blobs_inserted_unwant_scan;
                 DROP TABLE wanted_scans;
                 UPDATE copies SET heads_digest = x''; DELETE FROM copy_pages; DELETE FROM blobs;
                 DROP TABLE blob_chunks; DROP TABLE blob_transfers; DROP TABLE sync_peers;
                 DROP TABLE copy_pages; DROP INDEX copies_by_commune_sync;
                 ALTER TABLE copies DROP COLUMN heads_digest; PRAGMA user_version = 1;",
            )
            .unwrap();
    }
    let store = Store::open(&path).unwrap();
    let previous: Vec<u8> = rusqlite::Connection::open(&path)
        .unwrap()
        .query_row("SELECT previous_content_hash FROM copies", [], |row| {
            row.get(0)
        })
        .unwrap();
    assert_eq!(
        previous,
        document.content().previous_content_hash.0.to_vec()
    );
    let items = store.sync_items("00001").unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].heads_digest, document.heads_digest());
    // The pages came back too: the (removed) scan is listed as missing.
    let missing = store.missing_blobs("00001", 10).unwrap();
    assert_eq!(missing.len(), 1);
    assert_eq!(
        missing[0].sha256,
        <[u8; 32]>::from(Sha256::digest(b"old scan"))
    );
}

#[test]
fn a_received_copy_is_merged_with_a_version_stored_meanwhile() {
    let hierarchy = Hierarchy::new();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ward.sqlite");
    let mut store = Store::open(&path).unwrap();
    let mut issued = issue(&mut store, &hierarchy, b"scan");
    let bytes = issued.save();
    // An unchanged copy is written without a merge.
    store
        .save_received_copies(
            &mut [(
                CopyDocument::load(&bytes, ActorId::from(vec![5; 16])).unwrap(),
                CopyStatus::Provisional,
            )],
            at(30),
            |_, _| panic!("the stored version is the same"),
        )
        .unwrap();
    // Two sessions start from the same stored version; one stores an approval first.
    let decide = |decision: Decision, key: &bansao_trust::SecretKey, actor: u8| {
        let mut document = CopyDocument::load(&bytes, ActorId::from(vec![actor; 16])).unwrap();
        let record = SignatureRecord::decide(
            document.content(),
            decision,
            at(60),
            None,
            Some("1/2026".to_owned()),
            key,
        );
        document.add_signature(&record).unwrap();
        document
    };
    let first = decide(Decision::Approve, &hierarchy.official.key, 1);
    let second = decide(Decision::Register, &hierarchy.registrar.key, 2);
    let merge = |document: &mut CopyDocument, stored: &[u8]| {
        let mut stored = CopyDocument::load(stored, ActorId::from(vec![3; 16])).unwrap();
        document.merge(&mut stored).unwrap();
    };
    let mut other = Store::open(&path).unwrap();
    other
        .save_received_copies(
            &mut [(first, CopyStatus::Countersigned)],
            at(61),
            |document, stored| {
                merge(document, stored);
                Some(CopyStatus::Countersigned)
            },
        )
        .unwrap();
    let mut merges = 0;
    store
        .save_received_copies(
            &mut [(second, CopyStatus::Registered)],
            at(62),
            |document, stored| {
                merges += 1;
                merge(document, stored);
                Some(CopyStatus::Registered)
            },
        )
        .unwrap();
    assert_eq!(merges, 1);
    let copy_id = issued.content().copy_id;
    let saved = store
        .load_copy(copy_id, ActorId::from(vec![4; 16]))
        .unwrap();
    let (records, _) = saved.signatures().unwrap();
    let decisions: Vec<Decision> = records.iter().map(|r| r.decision).collect();
    assert!(
        decisions.contains(&Decision::Approve),
        "the approval stored meanwhile is kept: {decisions:?}"
    );
    assert!(decisions.contains(&Decision::Register), "{decisions:?}");
}
