//! Documents checked ahead of the session (as the QUIC shell does while it stores the previous
//! frame) lead to the same outcome as frames handed over whole: the same copies stored, the same
//! refusals, nothing written for a refused frame.
use crate::common;

use bansao_sync::wire;
use bansao_sync::{ErrorCode, SessionConfig, SessionError, Side};
use bansao_trust::TrustContext;
use bansao_trust::testing::{Hierarchy, Holder};
use common::{Node, documents_of, issue_copies, next_frame, node_with, now};

fn node(me: &Holder, peer: &Holder, side: Side, trust: &TrustContext) -> Node {
    let config = SessionConfig {
        // Small batches and two threads: several documents frames, each checked in parallel.
        document_batch_bytes: 4 * 1024,
        verify_threads: 2,
        ..SessionConfig::default()
    };
    node_with(me, peer, side, trust, config)
}

/// Feeds `body` to `to`, checked ahead whenever the session offers a checker; returns how many
/// documents were checked ahead.
fn feed(to: &mut Node, body: &[u8]) -> (usize, Result<(), SessionError>) {
    match to.session.document_checker() {
        Some(checker) => {
            let frame = checker.precheck(body);
            let checked = frame.documents_checked();
            let result = to.session.handle_prechecked(frame, now(), &mut to.replica);
            (checked, result)
        }
        None => (0, to.session.handle_frame(body, now(), &mut to.replica)),
    }
}

/// Runs both sessions to the end, every frame checked ahead; returns the documents checked
/// ahead on each side and the first error each side met.
fn drive(a: &mut Node, b: &mut Node) -> ([usize; 2], [Option<SessionError>; 2]) {
    let mut checked = [0, 0];
    let mut errors = [None, None];
    for _ in 0..10_000 {
        let mut moved = false;
        for (from, side) in [(0, 1), (1, 0)] {
            let (from, to) = if from == 0 {
                (&mut *a, &mut *b)
            } else {
                (&mut *b, &mut *a)
            };
            while let Ok(Some(frame)) = from.session.poll_transmit(&mut from.replica) {
                moved = true;
                while let Some(effect) = from.session.poll_effect() {
                    from.replica.apply(effect);
                }
                if to.session.is_failed() || to.session.is_finished() {
                    continue;
                }
                let (ahead, result) = feed(to, &frame[wire::FRAME_HEADER_BYTES..]);
                checked[side] += ahead;
                if let Err(error) = result {
                    errors[side].get_or_insert(error);
                }
                while let Some(effect) = to.session.poll_effect() {
                    to.replica.apply(effect);
                }
            }
        }
        if !moved {
            break;
        }
    }
    (checked, errors)
}

#[test]
fn copies_checked_ahead_are_stored_as_whole_frames_would_be() {
    let h = Hierarchy::new();
    let trust = h.context();
    let mut kiosk = node(&h.kiosk, &h.ward, Side::Initiator, &trust);
    let mut ward = node(&h.ward, &h.kiosk, Side::Responder, &trust);
    issue_copies(&h.kiosk, &mut kiosk.replica, "00001", 12);
    let (checked, errors) = drive(&mut kiosk, &mut ward);
    assert!(errors.iter().all(Option::is_none), "{errors:?}");
    assert!(kiosk.session.is_finished() && ward.session.is_finished());
    assert_eq!(checked[1], 12, "every copy the ward took was checked ahead");
    assert_eq!(ward.replica.digests(), kiosk.replica.digests());
    assert_eq!(ward.session.stats().documents_received, 12);
    assert!(ward.session.stats().frames_received > 3, "several frames");
}

#[test]
fn out_of_scope_copies_checked_ahead_close_the_session_and_nothing_is_written() {
    let h = Hierarchy::new();
    let trust = h.context();
    let mut kiosk = node(&h.kiosk, &h.ward, Side::Initiator, &trust);
    let mut ward = node(&h.ward, &h.kiosk, Side::Responder, &trust);
    issue_copies(&h.kiosk, &mut kiosk.replica, "00002", 2);
    // Hello both ways and the kiosk's reconcile message, so the ward takes documents.
    let hello = next_frame(&mut kiosk);
    assert_eq!(feed(&mut ward, &hello[4..]).0, 0);
    let ward_hello = next_frame(&mut ward);
    kiosk
        .session
        .handle_frame(&ward_hello[4..], now(), &mut kiosk.replica)
        .unwrap();
    let reconcile = next_frame(&mut kiosk);
    feed(&mut ward, &reconcile[4..]).1.unwrap();
    let documents = documents_of(&kiosk.replica);
    let frame = wire::encode_frame(&documents).unwrap();
    let (checked, result) = feed(&mut ward, &frame[4..]);
    assert_eq!(checked, 2);
    assert_eq!(result.unwrap_err().code(), Some(ErrorCode::OutOfScope));
    assert!(
        ward.session.poll_effect().is_none(),
        "nothing may be written"
    );
    assert!(ward.replica.copies.is_empty());
    assert!(
        ward.session.document_checker().is_none(),
        "a failed session checks nothing"
    );
}

#[test]
fn a_malformed_frame_checked_ahead_is_refused() {
    let h = Hierarchy::new();
    let trust = h.context();
    let mut kiosk = node(&h.kiosk, &h.ward, Side::Initiator, &trust);
    let mut ward = node(&h.ward, &h.kiosk, Side::Responder, &trust);
    let hello = next_frame(&mut kiosk);
    feed(&mut ward, &hello[4..]).1.unwrap();
    let checker = ward.session.document_checker().unwrap();
    let frame = checker.precheck(&[0xff, 0x00, 0x13]);
    assert_eq!(frame.documents_checked(), 0);
    let error = ward
        .session
        .handle_prechecked(frame, now(), &mut ward.replica)
        .unwrap_err();
    assert_eq!(error.code(), Some(ErrorCode::MalformedFrame), "{error}");
}
