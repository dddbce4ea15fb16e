//! A session's steps for node status documents (see [`crate::status`]): their items in the
//! reconciliation set, the initiator's plan (push the statuses it holds newer, ask for those
//! the peer holds newer, each only in the direction statuses flow), the responder's answer to a
//! `StatusWant`, and the checks on every status that arrives.
//!
//! The rest of the session knows of statuses only through three calls: `add_status_items`
//! when the reconciliation set is built, `plan_statuses` before the documents are planned, and
//! the two messages' dispatch.

use std::collections::BTreeMap;

use negentropy::{Id, NegentropyStorageVector};
use serde_bytes::{ByteArray, ByteBuf};

use crate::reconcile::item_id;
use crate::replica::{Replica, ReplicaError, StorageEffect};
use crate::session::{Session, SessionError};
use crate::status::{
    StatusFlow, StatusRefusal, VerifiedStatus, digest_sequence, open_status,
    read_status_unverified, status_flow, status_key, status_reporter,
};
use crate::wire::{ErrorCode, Message};
use bansao_copy::Timestamp;
use bansao_trust::KeyId;

/// The most status documents in one `Statuses` message.
const STATUSES_PER_MESSAGE: usize = 64;

impl Session {
    /// Which way statuses go on this session's link (nowhere before the hello was accepted).
    fn status_flow(&self) -> StatusFlow {
        match self.peer() {
            Some(peer) => status_flow(self.local.role, peer.role),
            None => StatusFlow {
                send: false,
                receive: false,
            },
        }
    }

    /// Puts the statuses of `commune` this node holds into its reconciliation set (timestamp 0,
    /// like the trust bundle).
    pub(crate) fn add_status_items(
        storage: &mut NegentropyStorageVector,
        commune: &str,
        replica: &mut dyn Replica,
    ) -> Result<(), ReplicaError> {
        for (reporter, digest) in replica.status_items(commune)? {
            storage.insert(0, item_id(status_key(reporter), &digest))?;
        }
        Ok(())
    }

    /// Takes the status items out of the reconciliation's differences and queues what they
    /// call for; returns the other items for the document plan.
    pub(crate) fn plan_statuses(
        &mut self,
        have: Vec<Id>,
        need: Vec<Id>,
        replica: &mut dyn Replica,
    ) -> Result<(Vec<Id>, Vec<Id>), SessionError> {
        let split = |ids: Vec<Id>| {
            let mut statuses = BTreeMap::new();
            let mut others = Vec::with_capacity(ids.len());
            for id in ids {
                let bytes = id.as_bytes();
                let mut key = [0u8; 16];
                key.copy_from_slice(&bytes[..16]);
                match status_reporter(&key) {
                    Some(reporter) => {
                        statuses.insert(reporter, digest_sequence(&bytes[16..]));
                    }
                    None => others.push(id),
                }
            }
            (statuses, others)
        };
        let (mine, have) = split(have);
        let (theirs, need) = split(need);
        let flow = self.status_flow();
        let send: Vec<KeyId> = mine
            .iter()
            .filter(|(reporter, sequence)| {
                flow.send && theirs.get(reporter).is_none_or(|theirs| *sequence > theirs)
            })
            .map(|(reporter, _)| *reporter)
            .collect();
        let want: Vec<ByteArray<8>> = theirs
            .iter()
            .filter(|(reporter, sequence)| {
                flow.receive && mine.get(reporter).is_none_or(|mine| *sequence > mine)
            })
            .map(|(reporter, _)| ByteArray::new(reporter.0))
            .collect();
        if !send.is_empty() {
            tracing::debug!(statuses = send.len(), "sending newer node statuses");
            self.queue_statuses(&send, replica)?;
        }
        if !want.is_empty() {
            tracing::debug!(statuses = want.len(), "asking for newer node statuses");
            self.control
                .push_back(Message::StatusWant { reporters: want });
        }
        Ok((have, need))
    }

    /// Queues the held statuses of `reporters` (those it holds), in bounded messages.
    fn queue_statuses(
        &mut self,
        reporters: &[KeyId],
        replica: &mut dyn Replica,
    ) -> Result<(), SessionError> {
        for chunk in reporters.chunks(STATUSES_PER_MESSAGE) {
            let mut documents = Vec::with_capacity(chunk.len());
            for reporter in chunk {
                match replica.status_bytes(*reporter) {
                    Ok(Some(bytes)) => documents.push(ByteBuf::from(bytes)),
                    Ok(None) => {}
                    Err(error) => return Err(self.refuse(ErrorCode::Storage, error.to_string())),
                }
            }
            if !documents.is_empty() {
                self.stats.statuses_sent += documents.len() as u64;
                self.control.push_back(Message::Statuses { documents });
            }
        }
        Ok(())
    }

    /// The peer asks for statuses (responder): sends those held, if statuses go that way.
    pub(crate) fn on_status_want(
        &mut self,
        reporters: Vec<ByteArray<8>>,
        replica: &mut dyn Replica,
    ) -> Result<(), SessionError> {
        if !self.status_flow().send {
            tracing::debug!("the peer asked for statuses, which do not flow to it");
            return Ok(());
        }
        let reporters: Vec<KeyId> = reporters
            .into_iter()
            .map(|reporter| KeyId(reporter.into_array()))
            .collect();
        self.queue_statuses(&reporters, replica)
    }

    /// Statuses arrived: each is checked, compared with the held one and stored only if newer;
    /// every refusal is counted.
    pub(crate) fn on_statuses(
        &mut self,
        documents: Vec<ByteBuf>,
        now: Timestamp,
        replica: &mut dyn Replica,
    ) -> Result<(), SessionError> {
        let flow = self.status_flow();
        let commune = self.policy().map(|policy| policy.commune.clone());
        let peer_role = self.peer().map(|peer| peer.role);
        for bytes in documents {
            let opened = if flow.receive {
                open_status(&bytes, &self.trust, commune.as_deref(), now.unix())
            } else {
                Err(StatusRefusal::Direction(
                    peer_role.map_or("node", |role| role.as_str()),
                    self.local.role.as_str(),
                ))
            };
            let judged = match opened {
                Ok(status) => match replica.status_bytes(status.reporter) {
                    Ok(held) => newer_than_held(status, held.as_deref()),
                    Err(error) => return Err(self.refuse(ErrorCode::Storage, error.to_string())),
                },
                Err(refusal) => Err(refusal),
            };
            match judged {
                Ok(Some(status)) => {
                    self.stats.statuses_received += 1;
                    self.effects
                        .push_back(StorageEffect::SaveStatus(Box::new(status)));
                }
                Ok(None) => {}
                Err(refusal) => {
                    tracing::warn!(peer = %self.peer_key, decision = "refuse", "node status refused: {refusal}");
                    self.stats.statuses_refused += 1;
                }
            }
        }
        Ok(())
    }
}

/// `status` if it is newer than the `held` status of its reporter; `Ok(None)` when it is the
/// very status held (a duplicate frame, a relay); a refusal when it is older.
fn newer_than_held(
    status: VerifiedStatus,
    held: Option<&[u8]>,
) -> Result<Option<VerifiedStatus>, StatusRefusal> {
    if let Some(held) = held {
        if held == status.bytes {
            return Ok(None);
        }
        if let Ok(held) = read_status_unverified(held)
            && held.sequence >= status.status.sequence
        {
            return Err(StatusRefusal::NotNewer {
                reporter: status.subject.clone(),
                offered: status.status.sequence,
                held: held.sequence,
            });
        }
    }
    Ok(Some(status))
}
