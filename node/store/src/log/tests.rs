//! The log on a real SQLite file: appends agree with `bansao-tlog`'s tree, events are logged
//! once, an interrupted append leaves the log as it was (after reopening), copies written
//! after the log started are queued by the triggers, and proofs built from the stored tiles
//! verify.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use bansao_tlog::{MemoryTileStore, prove_inclusion, verify_inclusion};

use super::*;

fn at(seconds: i64) -> Timestamp {
    Timestamp::from_unix(1_780_000_000 + seconds).unwrap()
}

fn event(n: u64) -> LogEvent {
    LogEvent {
        event_key: format!("test/{n}"),
        copy_id: None,
        entry: format!("entry {n}").into_bytes(),
        wants_proof: false,
    }
}

fn events(range: std::ops::Range<u64>) -> Vec<LogEvent> {
    range.map(event).collect()
}

fn started_store(dir: &tempfile::TempDir) -> Store {
    let mut store = Store::open(&dir.path().join("log.sqlite")).unwrap();
    assert!(store.start_log(at(0)).unwrap());
    assert!(!store.start_log(at(1)).unwrap(), "started once");
    store
}

/// The same entries in memory, as `bansao-tlog` alone computes them.
fn memory_head(entries: &[Vec<u8>]) -> TreeHead {
    let mut memory = MemoryTileStore::new();
    let appended = bansao_tlog::append(&memory, 0, entries).unwrap();
    memory.apply(appended.updates);
    appended.head
}

#[test]
fn appends_over_several_transactions_give_the_tree_of_all_entries() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = started_store(&dir);
    assert_eq!(store.log_head().unwrap(), Some(TreeHead::empty()));
    // 700 leaves in uneven batches cross two full tiles and a level-1 tile.
    let mut appended = None;
    for range in [0..1, 1..255, 255..257, 257..700] {
        appended = Some(store.append_log_events(&events(range), at(2)).unwrap());
    }
    let entries: Vec<Vec<u8>> = (0..700).map(|n| event(n).entry).collect();
    assert_eq!(appended.unwrap().head, memory_head(&entries));
    drop(store);

    let store = Store::open(&dir.path().join("log.sqlite")).unwrap();
    let head = store.check_log().unwrap().unwrap();
    assert_eq!(head, memory_head(&entries));
    let proof = prove_inclusion(&store.log_tiles(), head.size, 300).unwrap();
    verify_inclusion(&entries[300], &head, &proof).unwrap();
    assert!(verify_inclusion(&entries[301], &head, &proof).is_err());
    let stored = store.log_entries(299, 2).unwrap();
    assert_eq!(stored[1].leaf_index, 300);
    assert_eq!(stored[1].entry, entries[300]);
}

#[test]
fn an_event_is_logged_once_however_often_it_comes() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = started_store(&dir);
    let first = store.append_log_events(&events(0..3), at(2)).unwrap();
    assert_eq!(first.added.len(), 3);
    let mut again = events(1..5);
    again.push(event(4));
    let second = store.append_log_events(&again, at(3)).unwrap();
    assert_eq!(
        second.added,
        vec![(3, "test/3".to_owned()), (4, "test/4".to_owned())]
    );
    assert_eq!(
        second.skipped, 3,
        "two logged already, one twice in the batch"
    );
    assert_eq!(second.head.size, 5);
    let unchanged = store.append_log_events(&events(0..5), at(4)).unwrap();
    assert!(unchanged.added.is_empty());
    assert_eq!(unchanged.head, second.head);
}

#[test]
fn regression_an_append_interrupted_before_its_commit_leaves_tiles_and_size_as_they_were() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = started_store(&dir);
    let before = store
        .append_log_events(&events(0..300), at(2))
        .unwrap()
        .head;
    // Everything of the next append is written (entries, tiles over a tile boundary, size),
    // then the process "dies" before the commit.
    let interrupted = store.append_log_events_then(&events(300..600), at(3), || {
        Err(StoreError::LogDamaged {
            reason: "power cut".to_owned(),
        })
    });
    assert!(interrupted.is_err());
    drop(store);

    let mut store = Store::open(&dir.path().join("log.sqlite")).unwrap();
    assert_eq!(store.check_log().unwrap(), Some(before));
    assert_eq!(store.log_entries(0, 1_000).unwrap().len(), 300);
    // The log goes on from where it was, to the tree of all entries.
    let after = store.append_log_events(&events(300..600), at(4)).unwrap();
    let entries: Vec<Vec<u8>> = (0..600).map(|n| event(n).entry).collect();
    assert_eq!(after.head, memory_head(&entries));
    assert_eq!(store.check_log().unwrap(), Some(after.head));
}

#[test]
fn tiles_that_disagree_with_the_size_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = started_store(&dir);
    store.append_log_events(&events(0..10), at(2)).unwrap();
    store
        .connection
        .execute("UPDATE log_tiles SET hashes = substr(hashes, 1, 64)", [])
        .unwrap();
    assert!(store.check_log().is_err());
    // Appending over a short tile is refused and writes nothing.
    assert!(store.append_log_events(&events(10..11), at(3)).is_err());
    assert_eq!(store.log_head().unwrap().unwrap().size, 10);
}

#[test]
fn a_store_without_a_started_log_refuses_to_append_and_queues_nothing() {
    let mut store = Store::open_in_memory().unwrap();
    assert_eq!(store.log_head().unwrap(), None);
    assert!(matches!(
        store.append_log_events(&events(0..1), at(0)),
        Err(StoreError::LogNotStarted)
    ));
    assert_eq!(store.pending_log_copies().unwrap(), 0);
    assert_eq!(store.check_log().unwrap(), None);
}

#[test]
fn checkpoints_are_kept_by_size_and_never_beyond_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = started_store(&dir);
    store.append_log_events(&events(0..4), at(2)).unwrap();
    assert!(store.put_log_checkpoint(5, "note", at(3)).is_err());
    store.put_log_checkpoint(2, "two", at(3)).unwrap();
    store.put_log_checkpoint(4, "four", at(4)).unwrap();
    let latest = store.latest_log_checkpoint().unwrap().unwrap();
    assert_eq!((latest.tree_size, latest.note.as_str()), (4, "four"));
    assert_eq!(latest.signed_at, at(4).to_rfc3339());
}

#[test]
fn proofs_are_wanted_for_registrations_until_attached() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = started_store(&dir);
    let mut registration = event(1);
    registration.copy_id = Some("01J0000000000000000000000A".to_owned());
    registration.wants_proof = true;
    store
        .append_log_events(&[event(0), registration], at(2))
        .unwrap();
    assert_eq!(store.log_proofs_wanted(1, 10).unwrap(), vec![]);
    assert_eq!(
        store.log_proofs_wanted(2, 10).unwrap(),
        vec![(1, "01J0000000000000000000000A".to_owned())]
    );
    assert_eq!(
        store
            .log_entries_of_copy("01J0000000000000000000000A")
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn copies_written_once_the_log_is_started_are_queued_and_drained_in_one_transaction() {
    use bansao_copy::content::ContentHash;
    use bansao_trust::testing::{Hierarchy, VALID_FROM};

    let hierarchy = Hierarchy::new();
    let actor = automerge::ActorId::from(vec![7u8; 16]);
    let issue = |store: &mut Store, sequence: u64, previous: ContentHash| {
        let scan = format!("scan {sequence}").into_bytes();
        let issued_at = Timestamp::from_unix(VALID_FROM + 86_400 + 60 * sequence as i64).unwrap();
        let content = bansao_copy::testing::sample_content(sequence, previous, issued_at, &scan);
        let mut document =
            CopyDocument::issue(content, &hierarchy.kiosk.key, actor.clone()).unwrap();
        store
            .insert_issued_copy(&mut document, &[&scan], CopyStatus::Provisional, issued_at)
            .unwrap();
        document
    };
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("city.sqlite")).unwrap();
    let before = issue(&mut store, 1, ContentHash::GENESIS);
    assert_eq!(store.pending_log_copies().unwrap(), 0, "no log yet");
    store.start_log(at(0)).unwrap();
    assert_eq!(
        store.pending_log_copies().unwrap(),
        1,
        "the copy held at start"
    );
    issue(&mut store, 2, before.content_hash());
    assert_eq!(store.pending_log_copies().unwrap(), 2);

    let one_event = |document: &CopyDocument| -> Result<Vec<LogEvent>, StoreError> {
        let copy_id = document.content().copy_id.to_string();
        Ok(vec![LogEvent {
            event_key: format!("issue/{copy_id}"),
            copy_id: Some(copy_id.clone()),
            entry: copy_id.into_bytes(),
            wants_proof: false,
        }])
    };
    let (appended, unreadable) = store
        .drain_log(10, actor.clone(), at(5), one_event)
        .unwrap();
    assert_eq!(appended.added.len(), 2);
    assert!(unreadable.is_empty());
    assert_eq!(store.pending_log_copies().unwrap(), 0);

    // A copy written again is queued again; its event is in the log already.
    let mut document = store
        .load_copy(before.content().copy_id, actor.clone())
        .unwrap();
    document
        .add_note(&bansao_copy::ReviewNote {
            author: "test".to_owned(),
            at: at(6),
            text: "again".to_owned(),
        })
        .unwrap();
    store
        .save_copy(&mut document, CopyStatus::Provisional, at(6))
        .unwrap();
    assert_eq!(store.pending_log_copies().unwrap(), 1);
    let (again, _) = store.drain_log(10, actor, at(7), one_event).unwrap();
    assert_eq!((again.added.len(), again.skipped), (0, 1));
    assert_eq!(again.head.size, 2);
}
