//! Documents checked ahead of the session (as the QUIC shell does while it stores the previous
//! frame) lead to the same outcome as frames handed over whole: the same copies stored, the same
//! refusals, nothing written for a refused frame.
use crate::common;

use bansao_sync::wire;
use bansao_sync::{ErrorCode, SessionConfig, SessionError};
use bansao_trust::TrustContext;
use bansao_trust::testing::Hierarchy;
use common::{Node, documents_of, drive_with, issue_copies, link_with, next_frame, now};

/// `h`'s kiosk and ward with small batches and two threads: several documents frames, each
/// checked in parallel.
fn kiosk_and_ward(h: &Hierarchy, trust: &TrustContext) -> (Node, Node) {
    let config = SessionConfig {
        document_batch_bytes: 4 * 1024,
        verify_threads: 2,
        ..SessionConfig::default()
    };
    link_with(&h.kiosk, &h.ward, trust, config)
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
        None => (0, common::handle(to, body)),
    }
}

/// Runs both sessions to the end, every frame checked ahead; returns the documents checked
/// ahead on each side and the first error each side met.
fn drive(a: &mut Node, b: &mut Node) -> ([usize; 2], [Option<SessionError>; 2]) {
    drive_with(a, b, &mut feed)
}

#[test]
fn copies_checked_ahead_are_stored_as_whole_frames_would_be() {
    let h = Hierarchy::new();
    let trust = h.context();
    let (mut kiosk, mut ward) = kiosk_and_ward(&h, &trust);
    issue_copies(&h.kiosk, &mut kiosk.replica, "00001", 12);
    let (checked, errors) = drive(&mut kiosk, &mut ward);
    common::assert_synced(&errors, &kiosk, &ward);
    assert_eq!(checked[1], 12, "every copy the ward took was checked ahead");
    assert_eq!(ward.session.stats().documents_received, 12);
    assert!(ward.session.stats().frames_received > 3, "several frames");
}

#[test]
fn out_of_scope_copies_checked_ahead_close_the_session_and_nothing_is_written() {
    let h = Hierarchy::new();
    let trust = h.context();
    let (mut kiosk, mut ward) = kiosk_and_ward(&h, &trust);
    issue_copies(&h.kiosk, &mut kiosk.replica, "00002", 2);
    // Hello both ways and the kiosk's reconcile message, so the ward takes documents.
    assert_eq!(
        common::open_to_documents(&mut kiosk, &mut ward, &mut feed).0,
        0
    );
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
    let (mut kiosk, mut ward) = kiosk_and_ward(&h, &trust);
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
