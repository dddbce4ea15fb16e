//! Kiosk chains checked by the receiving node: forks, broken links, gaps (cleared when filled)
//! and clock anomalies recorded once as copies arrive, on a real SQLite file.

use automerge::ActorId;
use bansao_copy::content::ContentHash;
use bansao_copy::status::CopyStatus;
use bansao_copy::testing::sample_content;
use bansao_copy::{CopyDocument, Timestamp};
use bansao_store::{AnomalyKind, Store};
use bansao_trust::testing::{Hierarchy, VALID_FROM};

fn at(offset: i64) -> Timestamp {
    Timestamp::from_unix(VALID_FROM + 86_400 + offset).unwrap()
}

/// A copy signed by the fixture kiosk (a stolen key signs whatever it is given).
fn signed(sequence: u64, previous: ContentHash, issued_at: Timestamp) -> CopyDocument {
    let scan = format!("scan {sequence} {}", issued_at.unix()).into_bytes();
    let content = sample_content(sequence, previous, issued_at, &scan);
    CopyDocument::issue(
        content,
        &Hierarchy::new().kiosk.key,
        ActorId::from(vec![3u8; 16]),
    )
    .unwrap()
}

fn dup(document: &mut CopyDocument) -> CopyDocument {
    CopyDocument::load(&document.save(), ActorId::from(vec![4u8; 16])).unwrap()
}

fn receive(store: &mut Store, documents: Vec<CopyDocument>, now: Timestamp) -> Vec<AnomalyKind> {
    let mut copies: Vec<_> = documents
        .into_iter()
        .map(|document| (document, CopyStatus::Provisional))
        .collect();
    store
        .save_received_copies(&mut copies, now, |_, _| None)
        .unwrap()
        .into_iter()
        .map(|anomaly| anomaly.kind)
        .collect()
}

#[test]
fn a_forked_chain_and_a_gap_with_a_wrong_previous_hash_are_recorded_as_copies_arrive() {
    let dir = tempfile::tempdir().unwrap();
    let mut ward = Store::open(&dir.path().join("ward.sqlite")).unwrap();
    let mut first = signed(1, ContentHash::GENESIS, at(0));
    let mut second = signed(2, first.content_hash(), at(60));
    // The same sequence number again, continuing the same copy: a fork.
    let mut forked = signed(2, first.content_hash(), at(90));
    // Sequence 4 while 3 never came, naming a previous copy nobody holds.
    let mut after_gap = signed(4, ContentHash([7; 32]), at(200));
    let found = receive(&mut ward, vec![dup(&mut first), dup(&mut second)], at(300));
    assert!(found.is_empty(), "{found:?}");
    let found = receive(
        &mut ward,
        vec![dup(&mut forked), dup(&mut after_gap)],
        at(400),
    );
    assert_eq!(
        found,
        vec![AnomalyKind::DuplicateSequence, AnomalyKind::Gap]
    );
    // Received again (the next round): nothing new is recorded.
    let found = receive(
        &mut ward,
        vec![dup(&mut forked), dup(&mut after_gap)],
        at(500),
    );
    assert!(found.is_empty(), "{found:?}");

    let open = ward.anomalies(Some("KIOSK-TANLAP-01"), false).unwrap();
    let duplicate = &open[0];
    assert_eq!(duplicate.sequence, 2);
    let pair = [
        duplicate.copy_id.clone(),
        duplicate.other_copy_id.clone().unwrap(),
    ];
    assert!(pair.contains(&second.content().copy_id.to_string()));
    assert!(pair.contains(&forked.content().copy_id.to_string()));
    assert!(
        !ward
            .anomalies_of_copy(&forked.content().copy_id.to_string())
            .unwrap()
            .is_empty()
    );

    // Copy 3 arrives, continuing the second copy: the gap is filled, but copy 4 does not
    // continue it, and copy 3 does not continue the forked copy 2.
    let third = signed(3, second.content_hash(), at(150));
    let third_id = third.content().copy_id.to_string();
    let found = receive(&mut ward, vec![third], at(600));
    assert_eq!(
        found,
        vec![AnomalyKind::BrokenLink, AnomalyKind::BrokenLink]
    );
    let broken: Vec<_> = ward
        .anomalies(None, false)
        .unwrap()
        .into_iter()
        .filter(|a| a.kind == AnomalyKind::BrokenLink)
        .map(|a| (a.copy_id, a.other_copy_id.unwrap()))
        .collect();
    assert!(broken.contains(&(third_id.clone(), forked.content().copy_id.to_string())));
    assert!(broken.contains(&(after_gap.content().copy_id.to_string(), third_id)));
    let open: Vec<_> = ward
        .anomalies(None, false)
        .unwrap()
        .into_iter()
        .map(|anomaly| anomaly.kind)
        .collect();
    assert_eq!(
        open,
        vec![
            AnomalyKind::DuplicateSequence,
            AnomalyKind::BrokenLink,
            AnomalyKind::BrokenLink
        ]
    );
    let all = ward.anomalies(None, true).unwrap();
    let gap = all.iter().find(|a| a.kind == AnomalyKind::Gap).unwrap();
    assert!(gap.cleared_at.is_some());
}

#[test]
fn a_copy_from_a_kiosk_whose_clock_was_ahead_or_went_back_is_flagged() {
    let dir = tempfile::tempdir().unwrap();
    let mut ward = Store::open(&dir.path().join("ward.sqlite")).unwrap();
    let first = signed(1, ContentHash::GENESIS, at(10_000));
    // Dated before the copy it follows.
    let earlier = signed(2, first.content_hash(), at(5_000));
    // Dated a year after the ward first sees it.
    let future = signed(3, earlier.content_hash(), at(365 * 86_400));
    let found = receive(&mut ward, vec![first, earlier, future], at(20_000));
    assert_eq!(
        found,
        vec![AnomalyKind::DateOutOfOrder, AnomalyKind::FutureDate]
    );
    // A few minutes of drift is not an anomaly.
    let dir = tempfile::tempdir().unwrap();
    let mut ward = Store::open(&dir.path().join("ward.sqlite")).unwrap();
    let found = receive(
        &mut ward,
        vec![signed(1, ContentHash::GENESIS, at(20_000 + 300))],
        at(20_000),
    );
    assert!(found.is_empty(), "{found:?}");
}

#[test]
fn a_first_copy_that_names_a_previous_copy_is_a_broken_link() {
    let dir = tempfile::tempdir().unwrap();
    let mut ward = Store::open(&dir.path().join("ward.sqlite")).unwrap();
    let found = receive(
        &mut ward,
        vec![signed(1, ContentHash([1; 32]), at(0))],
        at(10),
    );
    assert_eq!(found, vec![AnomalyKind::BrokenLink]);
}
