//! Changes from another replica (merge or Automerge sync) may add signatures, never remove one or
//! rewrite the signed content; the heads digest tells replicas apart.

use automerge::transaction::Transactable;
use automerge::{ActorId, AutoCommit, ROOT, ReadDoc, ScalarValue, Value};
use bansao_copy::document::CopyDocumentError;
use bansao_copy::testing::sample_content;
use bansao_copy::{ContentHash, CopyDocument, Decision, SignatureRecord, Timestamp};
use bansao_trust::testing::{Hierarchy, VALID_FROM};

fn approved() -> (Hierarchy, CopyDocument) {
    let hierarchy = Hierarchy::new();
    let at = Timestamp::from_unix(VALID_FROM + 86_400).unwrap();
    let content = sample_content(1, ContentHash::GENESIS, at, b"scan");
    let mut document =
        CopyDocument::issue(content, &hierarchy.kiosk.key, ActorId::from(vec![1u8; 16])).unwrap();
    let record = SignatureRecord::decide(
        document.content(),
        Decision::Approve,
        at,
        None,
        Some("1/2026".to_owned()),
        &hierarchy.official.key,
    );
    document.add_signature(&record).unwrap();
    (hierarchy, document)
}

/// Edits the raw Automerge document as a hostile peer would.
fn tamper(document: &mut CopyDocument, edit: impl FnOnce(&mut AutoCommit)) -> CopyDocument {
    let mut raw = AutoCommit::load(&document.save())
        .unwrap()
        .with_actor(ActorId::from(vec![6u8; 16]));
    edit(&mut raw);
    CopyDocument::load(&raw.save(), ActorId::from(vec![6u8; 16])).unwrap()
}

fn signatures(raw: &AutoCommit) -> automerge::ObjId {
    match raw.get(ROOT, "signatures").unwrap() {
        Some((Value::Object(_), id)) => id,
        _ => panic!("no signatures map"),
    }
}

#[test]
fn a_merge_that_removes_a_signature_is_refused() {
    let (_, mut honest) = approved();
    let mut hostile = tamper(&mut honest, |raw| {
        let map = signatures(raw);
        let key = raw.keys(&map).find(|k| k.ends_with("/decision")).unwrap();
        raw.delete(&map, key.as_str()).unwrap();
    });
    let mut target = CopyDocument::load(&honest.save(), ActorId::from(vec![2u8; 16])).unwrap();
    let error = target.merge(&mut hostile).unwrap_err();
    assert!(
        matches!(error, CopyDocumentError::SignatureRemoved(_)),
        "{error}"
    );
}

#[test]
fn sync_messages_that_rewrite_the_content_are_refused() {
    use automerge::sync::SyncDoc;
    let (_, mut honest) = approved();
    let mut hostile = AutoCommit::load(&honest.save())
        .unwrap()
        .with_actor(ActorId::from(vec![6u8; 16]));
    hostile
        .put(ROOT, "content", ScalarValue::Bytes(vec![1, 2, 3]))
        .unwrap();
    hostile.commit();
    let mut target = CopyDocument::load(&honest.save(), ActorId::from(vec![2u8; 16])).unwrap();
    // Run Automerge's sync protocol between the hostile replica and the target.
    let mut hostile_state = automerge::sync::State::new();
    let mut target_state = automerge::sync::State::new();
    let mut refused = None;
    for _ in 0..6 {
        if let Some(message) = hostile.sync().generate_sync_message(&mut hostile_state)
            && let Err(error) = target.receive_sync_message(&mut target_state, &message.encode())
        {
            refused = Some(error);
            break;
        }
        if let Some(message) = target.generate_sync_message(&mut target_state) {
            let message = automerge::sync::Message::decode(&message).unwrap();
            hostile
                .sync()
                .receive_sync_message(&mut hostile_state, message)
                .unwrap();
        }
    }
    assert!(
        matches!(refused, Some(CopyDocumentError::ContentConflict)),
        "{refused:?}"
    );
    assert!(
        target
            .receive_sync_message(&mut target_state, b"not a sync message")
            .is_err()
    );
}

#[test]
fn an_honest_sync_converges_and_digests_agree() {
    let (hierarchy, mut kiosk_side) = approved();
    let mut ward_side =
        CopyDocument::load(&kiosk_side.save(), ActorId::from(vec![3u8; 16])).unwrap();
    assert_eq!(kiosk_side.heads_digest(), ward_side.heads_digest());
    let at = Timestamp::from_unix(VALID_FROM + 90_000).unwrap();
    let record = SignatureRecord::decide(
        ward_side.content(),
        Decision::Register,
        at,
        None,
        None,
        &hierarchy.registrar.key,
    );
    ward_side.add_signature(&record).unwrap();
    assert_ne!(kiosk_side.heads_digest(), ward_side.heads_digest());
    let (mut a, mut b) = (automerge::sync::State::new(), automerge::sync::State::new());
    for _ in 0..6 {
        if let Some(m) = ward_side.generate_sync_message(&mut a) {
            kiosk_side.receive_sync_message(&mut b, &m).unwrap();
        }
        if let Some(m) = kiosk_side.generate_sync_message(&mut b) {
            ward_side.receive_sync_message(&mut a, &m).unwrap();
        }
    }
    assert_eq!(kiosk_side.heads_digest(), ward_side.heads_digest());
    assert_eq!(kiosk_side.signatures().unwrap().0.len(), 3);
}
