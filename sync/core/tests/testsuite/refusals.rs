//! Refusals: a peer that is unknown, revoked, of the wrong role or commune, speaks another
//! protocol version, sends malformed or oversized frames or out-of-scope documents ends the
//! session with a clear error and a counter, and nothing it sent is written.
use crate::common;

use bansao_sync::wire::{self, Message};
use bansao_sync::{ErrorCode, SessionError, Side};
use bansao_trust::Revocation;
use bansao_trust::testing::{Hierarchy, VALID_FROM};
use common::{Node, documents_of, drive_with, handle, issue_copies, kiosk_and_ward, link, node};
use serde_bytes::ByteArray;

/// Runs both sessions until neither can move, frames handed over whole; returns the errors each
/// side ended with.
fn drive(a: &mut Node, b: &mut Node) -> [Option<SessionError>; 2] {
    drive_with(a, b, &mut |to, body| (0, handle(to, body))).1
}

fn refused_code(error: &Option<SessionError>) -> Option<ErrorCode> {
    match error {
        Some(SessionError::Refused { code, .. }) => Some(*code),
        _ => None,
    }
}

#[test]
fn a_good_pair_syncs_and_both_finish() {
    let h = Hierarchy::new();
    let trust = h.context();
    let (mut kiosk, mut ward) = kiosk_and_ward(&h, &trust);
    issue_copies(&h.kiosk, &mut kiosk.replica, "00001", 5);
    let errors = drive(&mut kiosk, &mut ward);
    common::assert_synced(&errors, &kiosk, &ward);
    assert_eq!(kiosk.session.stats().documents_sent, 5);
    assert_eq!(ward.session.stats().documents_received, 5);
}

#[test]
fn an_unknown_peer_is_refused_before_any_data_moves() {
    let h = Hierarchy::new();
    let trust = h.context();
    let stranger = bansao_trust::testing::certify(
        77,
        &bansao_trust::SecretKey::from_seed([77; 32]),
        bansao_trust::Role::Kiosk,
        "KIOSK-LA",
        Some("00001"),
    );
    let (mut intruder, mut ward) = link(&stranger, &h.ward, &trust);
    issue_copies(&h.kiosk, &mut intruder.replica, "00001", 3);
    let errors = drive(&mut intruder, &mut ward);
    assert_eq!(
        refused_code(&errors[1]),
        Some(ErrorCode::UnknownPeer),
        "{errors:?}"
    );
    assert!(matches!(
        errors[0],
        Some(SessionError::PeerError {
            code: ErrorCode::UnknownPeer,
            ..
        })
    ));
    assert_eq!(ward.session.stats().refusals, 1);
    assert!(ward.replica.copies.is_empty());
    assert!(ward.session.is_failed());
}

#[test]
fn a_revoked_kiosk_is_refused() {
    let mut h = Hierarchy::new();
    h.revocations.keys.insert(
        h.kiosk.key.key_id(),
        Revocation {
            revoked_at: VALID_FROM + 10,
            reason: "mất máy".to_owned(),
        },
    );
    let trust = h.context();
    let (mut kiosk, mut ward) = kiosk_and_ward(&h, &trust);
    issue_copies(&h.kiosk, &mut kiosk.replica, "00001", 2);
    let errors = drive(&mut kiosk, &mut ward);
    assert_eq!(
        refused_code(&errors[1]),
        Some(ErrorCode::NotAuthorised),
        "{errors:?}"
    );
    assert!(ward.replica.copies.is_empty());
}

#[test]
fn wrong_roles_and_communes_are_refused() {
    let h = Hierarchy::new();
    let trust = h.context();
    // The city, then the ward of another commune.
    for (peer, code) in [
        (&h.registrar, ErrorCode::NotAuthorised),
        (&h.other_ward, ErrorCode::OutOfScope),
    ] {
        let (mut kiosk, mut peer) = link(&h.kiosk, peer, &trust);
        let errors = drive(&mut kiosk, &mut peer);
        assert_eq!(refused_code(&errors[1]), Some(code), "{errors:?}");
    }
}

#[test]
fn out_of_scope_documents_close_the_session_and_nothing_is_written() {
    let h = Hierarchy::new();
    let trust = h.context();
    let (mut kiosk, mut ward) = kiosk_and_ward(&h, &trust);
    // The kiosk's replica holds copies of another commune (as a compromised or buggy kiosk
    // might); its sync items only list its commune, so push them by hand.
    issue_copies(&h.kiosk, &mut kiosk.replica, "00002", 2);
    // Hello both ways and the kiosk's reconcile message (the ward must be in the reconcile
    // phase), then a Documents frame carrying the foreign copies, out of turn.
    common::open_to_documents(&mut kiosk, &mut ward, &mut |to, body| (0, handle(to, body)))
        .1
        .unwrap();
    let documents = documents_of(&kiosk.replica);
    let frame = wire::encode_frame(&documents).unwrap();
    let error = handle(&mut ward, &frame[4..]).unwrap_err();
    assert_eq!(error.code(), Some(ErrorCode::OutOfScope), "{error}");
    assert!(
        ward.session.poll_effect().is_none(),
        "nothing may be written"
    );
    assert_eq!(ward.session.stats().refusals, 1);
    // The error goes to the peer.
    let mut sent_error = false;
    while let Ok(Some(frame)) = ward.session.poll_transmit(&mut ward.replica) {
        if let Ok(Message::Error { code, .. }) = wire::decode_body(&frame[4..]) {
            sent_error = code == ErrorCode::OutOfScope;
        }
    }
    assert!(sent_error);
}

#[test]
fn malformed_oversized_and_wrong_version_frames_are_refused() {
    let h = Hierarchy::new();
    let trust = h.context();

    // Each frame to a fresh ward: the ward and its error.
    let refuse = |body: &[u8]| {
        let mut ward = node(&h.ward, &h.kiosk, Side::Responder, &trust);
        let error = handle(&mut ward, body).unwrap_err();
        (ward, error)
    };
    let hello = |version: u32, key: &bansao_trust::SecretKey| {
        wire::encode_frame(&Message::Hello {
            version,
            key_id: ByteArray::new(key.key_id().0),
        })
        .unwrap()
    };

    let (ward, error) = refuse(&[0xff, 0x13, 0x37]);
    assert_eq!(error.code(), Some(ErrorCode::MalformedFrame));
    assert_eq!(ward.session.stats().refusals, 1);

    let huge = vec![0u8; wire::MAX_FRAME_BYTES + 1];
    assert_eq!(refuse(&huge).1.code(), Some(ErrorCode::MalformedFrame));

    let other_version = hello(99, &h.kiosk.key);
    assert_eq!(
        refuse(&other_version[4..]).1.code(),
        Some(ErrorCode::VersionMismatch)
    );

    // A hello naming another key than the connection authenticated.
    let hello = hello(bansao_sync::PROTOCOL_VERSION, &h.official.key);
    let (mut ward, error) = refuse(&hello[4..]);
    assert_eq!(error.code(), Some(ErrorCode::UnknownPeer));
    // After a refusal the session takes nothing more.
    assert_eq!(handle(&mut ward, &hello[4..]), Err(SessionError::Closed));
}

#[test]
fn a_newer_revocation_list_that_drops_a_revocation_is_not_adopted_from_a_peer() {
    let mut held = Hierarchy::new();
    held.revocations.version = 2;
    held.revocations.keys.insert(
        held.other_official.key.key_id(),
        Revocation {
            revoked_at: VALID_FROM + 10,
            reason: "khóa bị lộ".to_owned(),
        },
    );
    // The peer holds edition 3, signed with the (stolen) registrar key, with no entries.
    let mut emptied = held.clone();
    emptied.revocations.version = 3;
    emptied.revocations.keys.clear();
    let trust = held.context();
    let (mut kiosk, mut ward) = kiosk_and_ward(&held, &trust);
    ward.replica.trust_bundle = Some(held.bundle());
    kiosk.replica.trust_bundle = Some(emptied.bundle());
    let errors = drive(&mut kiosk, &mut ward);
    assert!(errors.iter().all(Option::is_none), "{errors:?}");
    assert_eq!(ward.replica.trust_bundle, Some(held.bundle()));
    assert_eq!(ward.session.stats().trust_bundles_adopted, 0);

    // A genuine edition 3 that keeps the revocation is adopted.
    let mut genuine = held.clone();
    genuine.revocations.version = 3;
    let (mut kiosk, mut ward) = kiosk_and_ward(&held, &trust);
    ward.replica.trust_bundle = Some(held.bundle());
    kiosk.replica.trust_bundle = Some(genuine.bundle());
    let errors = drive(&mut kiosk, &mut ward);
    assert!(errors.iter().all(Option::is_none), "{errors:?}");
    assert_eq!(ward.replica.trust_bundle, Some(genuine.bundle()));
}

#[test]
fn a_document_the_receiver_refuses_is_reported_back_to_the_sender() {
    let h = Hierarchy::new();
    // A kiosk the ward's trust list does not know, but the sending kiosk's does (it was
    // certified after the ward last updated, say).
    let newcomer = bansao_trust::testing::certify(
        70,
        &h.ward.key,
        bansao_trust::Role::Kiosk,
        "KIOSK-TANLAP-09",
        Some("00001"),
    );
    let mut newer = h.clone();
    newer.trust_list.version += 1;
    newer
        .trust_list
        .certificates
        .insert(newcomer.key.key_id(), newcomer.certificate.clone());
    let mut kiosk = node(&h.kiosk, &h.ward, Side::Initiator, &newer.context());
    let mut ward = node(&h.ward, &h.kiosk, Side::Responder, &h.context());
    issue_copies(&newcomer, &mut kiosk.replica, "00001", 2);
    let errors = drive(&mut kiosk, &mut ward);
    assert!(errors.iter().all(Option::is_none), "{errors:?}");
    assert!(ward.replica.copies.is_empty());
    assert_eq!(ward.session.stats().documents_refused, 2);
    assert_eq!(kiosk.session.stats().documents_refused_by_peer, 2);
    let refused = kiosk.session.refused_by_peer();
    assert_eq!(refused.len(), 2);
    assert!(
        refused
            .iter()
            .all(|(_, reason)| reason.contains("not on the trust list")),
        "{refused:?}"
    );
}
