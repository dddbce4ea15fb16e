//! Helpers shared by the sync core's tests: two sessions over memory replicas, and copies
//! issued by a kiosk of the test hierarchy.

#![allow(dead_code, clippy::unwrap_used)]

use std::sync::Arc;

use automerge::ActorId;
use bansao_copy::testing::sample_content;
use bansao_copy::{ContentHash, CopyDocument, Timestamp};
use bansao_sync::memory::MemoryReplica;
use bansao_sync::{NodeIdentity, Session, SessionConfig, SessionError, Side, validate, wire};
use bansao_trust::TrustContext;
use bansao_trust::testing::{Hierarchy, Holder, VALID_FROM};

pub fn now() -> Timestamp {
    Timestamp::from_unix(VALID_FROM + 86_400).unwrap()
}

pub fn identity(holder: &Holder) -> NodeIdentity {
    NodeIdentity {
        key_id: holder.key.key_id(),
        role: holder.certificate.body.role,
        commune: holder.certificate.body.commune.clone(),
        subject: holder.certificate.body.subject.clone(),
    }
}

/// One side of a link: its session and its replica.
pub struct Node {
    pub session: Session,
    pub replica: MemoryReplica,
}

/// `me`'s side of a link with `peer`, with the default session settings.
pub fn node(me: &Holder, peer: &Holder, side: Side, trust: &TrustContext) -> Node {
    node_with(me, peer, side, trust, SessionConfig::default())
}

/// `me`'s side of a link with `peer`.
pub fn node_with(
    me: &Holder,
    peer: &Holder,
    side: Side,
    trust: &TrustContext,
    config: SessionConfig,
) -> Node {
    Node {
        session: Session::new(
            side,
            config,
            identity(me),
            peer.key.key_id(),
            Arc::new(trust.clone()),
            ActorId::from(&[side as u8 + 1; 16][..]),
        ),
        replica: MemoryReplica::default(),
    }
}

/// Both sides of a link `initiator` dials to `responder`, with `config`.
pub fn link_with(
    initiator: &Holder,
    responder: &Holder,
    trust: &TrustContext,
    config: SessionConfig,
) -> (Node, Node) {
    (
        node_with(initiator, responder, Side::Initiator, trust, config.clone()),
        node_with(responder, initiator, Side::Responder, trust, config),
    )
}

/// Both sides of a link `initiator` dials to `responder`, with the default session settings.
pub fn link(initiator: &Holder, responder: &Holder, trust: &TrustContext) -> (Node, Node) {
    link_with(initiator, responder, trust, SessionConfig::default())
}

/// `h`'s kiosk (the initiator) and ward (the responder), linked to each other.
pub fn kiosk_and_ward(h: &Hierarchy, trust: &TrustContext) -> (Node, Node) {
    link(&h.kiosk, &h.ward, trust)
}

/// Hands `body` (a frame without its header) to `to`'s session whole.
pub fn handle(to: &mut Node, body: &[u8]) -> Result<(), SessionError> {
    to.session.handle_frame(body, now(), &mut to.replica)
}

/// What hands a frame's body to a session: how many documents it checked ahead, and the
/// session's result.
pub type Deliver<'a> = dyn FnMut(&mut Node, &[u8]) -> (usize, Result<(), SessionError>) + 'a;

/// Runs both sessions until neither can move, each frame's body handed over by `deliver`;
/// returns the documents checked ahead on each side and the first error each side met.
pub fn drive_with(
    a: &mut Node,
    b: &mut Node,
    deliver: &mut Deliver,
) -> ([usize; 2], [Option<SessionError>; 2]) {
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
                let (ahead, result) = deliver(to, &frame[wire::FRAME_HEADER_BYTES..]);
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

/// Asserts that a run met no error, both sessions finished and `ward` holds what `kiosk` holds.
#[track_caller]
pub fn assert_synced(errors: &[Option<SessionError>; 2], kiosk: &Node, ward: &Node) {
    assert!(errors.iter().all(Option::is_none), "{errors:?}");
    assert!(kiosk.session.is_finished() && ward.session.is_finished());
    assert_eq!(ward.replica.digests(), kiosk.replica.digests());
}

/// Hello both ways, then `kiosk`'s reconcile message, so that `ward` takes documents next: the
/// kiosk's frames go to the ward through `deliver` (the reconcile message must be taken), the
/// ward's hello to the kiosk whole. Returns what `deliver` gave for the hello.
pub fn open_to_documents(
    kiosk: &mut Node,
    ward: &mut Node,
    deliver: &mut Deliver,
) -> (usize, Result<(), SessionError>) {
    let hello = next_frame(kiosk);
    let delivered = deliver(ward, &hello[wire::FRAME_HEADER_BYTES..]);
    let ward_hello = next_frame(ward);
    handle(kiosk, &ward_hello[wire::FRAME_HEADER_BYTES..]).unwrap();
    let reconcile = next_frame(kiosk);
    deliver(ward, &reconcile[wire::FRAME_HEADER_BYTES..])
        .1
        .unwrap();
    delivered
}

/// `count` copies of `commune` issued by `kiosk`, chained, stored in `replica`.
pub fn issue_copies(kiosk: &Holder, replica: &mut MemoryReplica, commune: &str, count: u64) {
    let trust = Hierarchy::new().context();
    let mut previous = ContentHash::GENESIS;
    for sequence in 1..=count {
        let scan = vec![sequence as u8; 1000];
        let mut content = sample_content(sequence, previous, now(), &scan);
        content.commune = commune.to_owned();
        previous = content.content_hash();
        let mut document =
            CopyDocument::issue(content, &kiosk.key, ActorId::from(&[9u8; 16][..])).unwrap();
        let status = validate::report(&document, &trust)
            .map(|report| report.status)
            .unwrap_or(bansao_copy::CopyStatus::Provisional);
        replica.store(&mut document, status);
    }
}

/// The next frame `node` has to send (there must be one).
pub fn next_frame(node: &mut Node) -> Vec<u8> {
    node.session
        .poll_transmit(&mut node.replica)
        .unwrap()
        .unwrap()
}

/// A `Documents` message carrying every copy `replica` holds, whole.
pub fn documents_of(replica: &MemoryReplica) -> bansao_sync::wire::Message {
    bansao_sync::wire::Message::Documents {
        documents: replica
            .copies
            .iter()
            .map(|(id, copy)| bansao_sync::wire::DocumentBytes {
                key: serde_bytes::ByteArray::new(id.to_bytes()),
                bytes: serde_bytes::ByteBuf::from(copy.bytes.clone()),
            })
            .collect(),
    }
}
