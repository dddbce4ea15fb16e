//! The city log's checkpoints a ward or kiosk holds, on a real SQLite file: the held one only
//! moves forward (a size not above it is never written, even reopened), the chain after a size
//! is read back for relaying with its proofs, and a fork is recorded once.

use bansao_copy::Timestamp;
use bansao_store::Store;

fn at(offset: i64) -> Timestamp {
    Timestamp::from_unix(1_790_000_000 + offset).unwrap()
}

fn step(size: u64, previous: u64) -> (u64, String, u64, Vec<[u8; 32]>) {
    (
        size,
        format!("note of {size}"),
        previous,
        vec![[u8::try_from(size).unwrap(); 32]; 2],
    )
}

#[test]
fn a_held_checkpoint_never_goes_back_and_its_chain_is_kept_for_relaying() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ward.sqlite");
    let mut store = Store::open(&path).unwrap();
    assert_eq!(store.held_checkpoint().unwrap(), None);
    assert_eq!(
        store
            .take_checkpoints(&[step(4, 0), step(9, 4)], "city", at(0))
            .unwrap(),
        2
    );
    drop(store);

    // Reopened: an older size, the same size and a duplicate are skipped; a larger one taken.
    let mut store = Store::open(&path).unwrap();
    assert_eq!(
        store
            .take_checkpoints(&[step(7, 4), step(9, 7), step(12, 9)], "ward", at(10))
            .unwrap(),
        1
    );
    let held = store.held_checkpoint().unwrap().unwrap();
    assert_eq!(
        (held.tree_size, held.note.as_str(), held.previous_size),
        (12, "note of 12", 9)
    );
    assert_eq!(held.proof, vec![[12u8; 32]; 2]);
    assert_eq!(held.peer, "ward");
    assert_eq!(held.received_at, at(10).to_rfc3339());
    let chain: Vec<_> = store
        .held_checkpoints_after(4, 10)
        .unwrap()
        .into_iter()
        .map(|row| (row.tree_size, row.previous_size))
        .collect();
    assert_eq!(chain, [(9, 4), (12, 9)]);
    assert_eq!(store.held_checkpoints_after(4, 1).unwrap().len(), 1);
}

#[test]
fn a_fork_offered_again_is_recorded_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("ward.sqlite")).unwrap();
    let record = |store: &mut Store, offered: &str, at_offset| {
        store
            .record_log_fork(
                "fork",
                "held",
                offered,
                "two signed checkpoints",
                "city",
                at(at_offset),
            )
            .unwrap()
    };
    assert!(record(&mut store, "offered", 0));
    assert!(!record(&mut store, "offered", 60));
    assert!(record(&mut store, "another", 120));
    let forks = store.log_forks().unwrap();
    assert_eq!(forks.len(), 2);
    assert_eq!(
        (forks[0].offered_note.as_str(), forks[0].first_seen.as_str()),
        ("offered", at(0).to_rfc3339().as_str())
    );
}
