//! Refusals: a peer that is unknown, revoked, of the wrong role or commune, speaks another
//! protocol version, sends malformed or oversized frames or out-of-scope documents ends the
//! session with a clear error and a counter, and nothing it sent is written.
use crate::common;

use bansao_sync::wire::{self, Message};
use bansao_sync::{ErrorCode, SessionError, Side};
use bansao_trust::Revocation;
use bansao_trust::testing::{Hierarchy, VALID_FROM};
use common::{Node, documents_of, issue_copies, next_frame, node, now};
use serde_bytes::ByteArray;

/// Moves every frame `from` has to send into `to`; returns whether anything moved.
fn relay(from: &mut Node, to: &mut Node, error: &mut Option<SessionError>) -> bool {
    let mut moved = false;
    while let Ok(Some(frame)) = from.session.poll_transmit(&mut from.replica) {
        moved = true;
        while let Some(effect) = from.session.poll_effect() {
            from.replica.apply(effect);
        }
        if to.session.is_failed() || to.session.is_finished() {
            continue;
        }
        if let Err(e) =
            to.session
                .handle_frame(&frame[wire::FRAME_HEADER_BYTES..], now(), &mut to.replica)
        {
            error.get_or_insert(e);
        }
        while let Some(effect) = to.session.poll_effect() {
            to.replica.apply(effect);
        }
    }
    moved
}

/// Runs both sessions until neither can move; returns the errors each side ended with.
fn drive(a: &mut Node, b: &mut Node) -> [Option<SessionError>; 2] {
    let [mut error_a, mut error_b] = [None, None];
    for _ in 0..10_000 {
        let moved_ab = relay(a, b, &mut error_b);
        let moved_ba = relay(b, a, &mut error_a);
        if !moved_ab && !moved_ba {
            break;
        }
    }
    [error_a, error_b]
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
    let mut kiosk = node(&h.kiosk, &h.ward, Side::Initiator, &trust);
    let mut ward = node(&h.ward, &h.kiosk, Side::Responder, &trust);
    issue_copies(&h.kiosk, &mut kiosk.replica, "00001", 5);
    let errors = drive(&mut kiosk, &mut ward);
    assert!(errors.iter().all(Option::is_none), "{errors:?}");
    assert!(kiosk.session.is_finished() && ward.session.is_finished());
    assert_eq!(ward.replica.digests(), kiosk.replica.digests());
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
    let mut intruder = node(&stranger, &h.ward, Side::Initiator, &trust);
    let mut ward = node(&h.ward, &stranger, Side::Responder, &trust);
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
    let mut kiosk = node(&h.kiosk, &h.ward, Side::Initiator, &trust);
    let mut ward = node(&h.ward, &h.kiosk, Side::Responder, &trust);
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
    let mut kiosk = node(&h.kiosk, &h.registrar, Side::Initiator, &trust);
    let mut city = node(&h.registrar, &h.kiosk, Side::Responder, &trust);
    let errors = drive(&mut kiosk, &mut city);
    assert_eq!(
        refused_code(&errors[1]),
        Some(ErrorCode::NotAuthorised),
        "{errors:?}"
    );

    let mut kiosk = node(&h.kiosk, &h.other_ward, Side::Initiator, &trust);
    let mut far_ward = node(&h.other_ward, &h.kiosk, Side::Responder, &trust);
    let errors = drive(&mut kiosk, &mut far_ward);
    assert_eq!(
        refused_code(&errors[1]),
        Some(ErrorCode::OutOfScope),
        "{errors:?}"
    );
}

#[test]
fn out_of_scope_documents_close_the_session_and_nothing_is_written() {
    let h = Hierarchy::new();
    let trust = h.context();
    let mut kiosk = node(&h.kiosk, &h.ward, Side::Initiator, &trust);
    let mut ward = node(&h.ward, &h.kiosk, Side::Responder, &trust);
    // The kiosk's replica holds copies of another commune (as a compromised or buggy kiosk
    // might); its sync items only list its commune, so push them by hand.
    issue_copies(&h.kiosk, &mut kiosk.replica, "00002", 2);
    // Hello both ways, then a Documents frame carrying the foreign copies.
    let hello = next_frame(&mut kiosk);
    ward.session
        .handle_frame(&hello[4..], now(), &mut ward.replica)
        .unwrap();
    let documents = documents_of(&kiosk.replica);
    // The ward answered hello; feed it the kiosk's documents out of turn.
    let frame = wire::encode_frame(&documents).unwrap();
    // First the ward must be in the reconcile phase: give it the kiosk's reconcile message.
    let ward_hello = next_frame(&mut ward);
    kiosk
        .session
        .handle_frame(&ward_hello[4..], now(), &mut kiosk.replica)
        .unwrap();
    let reconcile_frame = next_frame(&mut kiosk);
    ward.session
        .handle_frame(&reconcile_frame[4..], now(), &mut ward.replica)
        .unwrap();
    let error = ward
        .session
        .handle_frame(&frame[4..], now(), &mut ward.replica)
        .unwrap_err();
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

    let mut ward = node(&h.ward, &h.kiosk, Side::Responder, &trust);
    let error = ward
        .session
        .handle_frame(&[0xff, 0x13, 0x37], now(), &mut ward.replica)
        .unwrap_err();
    assert_eq!(error.code(), Some(ErrorCode::MalformedFrame));
    assert_eq!(ward.session.stats().refusals, 1);

    let mut ward = node(&h.ward, &h.kiosk, Side::Responder, &trust);
    let huge = vec![0u8; wire::MAX_FRAME_BYTES + 1];
    let error = ward
        .session
        .handle_frame(&huge, now(), &mut ward.replica)
        .unwrap_err();
    assert_eq!(error.code(), Some(ErrorCode::MalformedFrame));

    let mut ward = node(&h.ward, &h.kiosk, Side::Responder, &trust);
    let hello = wire::encode_frame(&Message::Hello {
        version: 99,
        key_id: ByteArray::new(h.kiosk.key.key_id().0),
    })
    .unwrap();
    let error = ward
        .session
        .handle_frame(&hello[4..], now(), &mut ward.replica)
        .unwrap_err();
    assert_eq!(error.code(), Some(ErrorCode::VersionMismatch));

    // A hello naming another key than the connection authenticated.
    let mut ward = node(&h.ward, &h.kiosk, Side::Responder, &trust);
    let hello = wire::encode_frame(&Message::Hello {
        version: bansao_sync::PROTOCOL_VERSION,
        key_id: ByteArray::new(h.official.key.key_id().0),
    })
    .unwrap();
    let error = ward
        .session
        .handle_frame(&hello[4..], now(), &mut ward.replica)
        .unwrap_err();
    assert_eq!(error.code(), Some(ErrorCode::UnknownPeer));
    // After a refusal the session takes nothing more.
    assert_eq!(
        ward.session
            .handle_frame(&hello[4..], now(), &mut ward.replica),
        Err(SessionError::Closed)
    );
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
    let mut ward = node(&held.ward, &held.kiosk, Side::Responder, &trust);
    let mut kiosk = node(&held.kiosk, &held.ward, Side::Initiator, &trust);
    ward.replica.trust_bundle = Some(held.bundle());
    kiosk.replica.trust_bundle = Some(emptied.bundle());
    let errors = drive(&mut kiosk, &mut ward);
    assert!(errors.iter().all(Option::is_none), "{errors:?}");
    assert_eq!(ward.replica.trust_bundle, Some(held.bundle()));
    assert_eq!(ward.session.stats().trust_bundles_adopted, 0);

    // A genuine edition 3 that keeps the revocation is adopted.
    let mut genuine = held.clone();
    genuine.revocations.version = 3;
    let mut kiosk = node(&held.kiosk, &held.ward, Side::Initiator, &trust);
    let mut ward = node(&held.ward, &held.kiosk, Side::Responder, &trust);
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
