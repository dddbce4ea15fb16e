//! Helpers shared by the sync core's tests: two sessions over memory replicas, and copies
//! issued by a kiosk of the test hierarchy.

#![allow(dead_code, clippy::unwrap_used)]

use std::sync::Arc;

use automerge::ActorId;
use bansao_copy::testing::sample_content;
use bansao_copy::{ContentHash, CopyDocument, Timestamp};
use bansao_sync::memory::MemoryReplica;
use bansao_sync::{NodeIdentity, Session, SessionConfig, Side, validate};
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
