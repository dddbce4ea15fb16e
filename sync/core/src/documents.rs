//! The document phase of a session: the initiator's plan after reconciliation, whole documents
//! pushed and pulled in bounded batches, and Automerge's sync protocol for documents that both
//! sides hold in different versions. Every per-document decision is logged at debug level, so a
//! document that never converges can be explained.

use automerge::sync::State;
use bansao_copy::{CopyDocument, CopyId};
use negentropy::Id;
use serde_bytes::{ByteArray, ByteBuf};
use std::collections::{BTreeSet, VecDeque};

use crate::phase::{DocSync, DocumentPlan};
use crate::replica::{Replica, StorageEffect};
use crate::session::{Serve, Session, SessionError, TRUST_BUNDLE_KEY};
use crate::validate::{self, Checked, Refusal};
use crate::wire::{DocumentBytes, ErrorCode, Message, WireKey};

fn key_of(id: &Id) -> [u8; 16] {
    let mut key = [0u8; 16];
    key.copy_from_slice(&id.as_bytes()[..16]);
    key
}

impl Session {
    /// Loads a stored copy with the report of the signatures that count now; a copy that does
    /// not count under this node's trust list is skipped (and counted), not synced.
    fn load_counted(
        &mut self,
        copy_id: CopyId,
        bytes: &[u8],
    ) -> Option<(CopyDocument, bansao_copy::StatusReport)> {
        let loaded = CopyDocument::load(bytes, self.actor.clone())
            .map_err(|e| e.to_string())
            .and_then(|document| {
                validate::report(&document, &self.trust).map(|report| (document, report))
            });
        match loaded {
            Ok(loaded) => Some(loaded),
            Err(reason) => {
                tracing::debug!(copy = %copy_id, decision = "skip", "the stored copy does not count here: {reason}");
                self.stats.documents_skipped += 1;
                None
            }
        }
    }

    /// Applies one Automerge sync message from the peer and checks that every signature that
    /// counted `before` still counts. On refusal (logged and counted) the document must be
    /// dropped, not stored.
    fn apply_peer_changes(
        &mut self,
        document: &mut CopyDocument,
        state: &mut State,
        before: &bansao_copy::StatusReport,
        message: &[u8],
    ) -> bool {
        let copy_id = document.content().copy_id;
        let applied = document
            .receive_sync_message(state, message)
            .map_err(|error| error.to_string())
            .and_then(|()| validate::report(document, &self.trust))
            .and_then(|after| {
                validate::check_signatures_kept(copy_id, before, &after)
                    .map_err(|refusal| refusal.detail)
            });
        match applied {
            Ok(()) => true,
            Err(reason) => {
                self.refuse_document(copy_id, &format!("refused the peer's changes: {reason}"));
                false
            }
        }
    }

    /// Turns the reconciliation's outcome into work: push, pull, sync.
    pub(crate) fn plan_documents(
        &mut self,
        have: Vec<Id>,
        need: Vec<Id>,
        replica: &mut dyn Replica,
    ) -> Result<DocumentPlan, SessionError> {
        let mut plan = DocumentPlan::default();
        let (have, need) = self.plan_statuses(have, need, replica)?;
        let have: BTreeSet<[u8; 16]> = have.iter().map(key_of).collect();
        let need: BTreeSet<[u8; 16]> = need.iter().map(key_of).collect();
        if have.contains(&TRUST_BUNDLE_KEY) || need.contains(&TRUST_BUNDLE_KEY) {
            tracing::debug!("trust bundles differ: exchanging them");
            self.send_trust_bundle(replica)?;
            self.control.push_back(Message::Want {
                keys: vec![ByteArray::new(TRUST_BUNDLE_KEY)],
            });
            plan.wants_outstanding += 1;
        }
        let mut pull = Vec::new();
        for key in need.iter().filter(|key| **key != TRUST_BUNDLE_KEY) {
            let copy_id = CopyId::from_bytes(*key);
            if have.contains(key) {
                tracing::debug!(copy = %copy_id, decision = "sync", "both sides hold the copy in different versions");
                plan.sync_queue.push_back(copy_id);
            } else {
                tracing::debug!(copy = %copy_id, decision = "pull", "only the peer holds the copy");
                pull.push(ByteArray::new(*key));
            }
        }
        for key in have.iter().filter(|key| **key != TRUST_BUNDLE_KEY) {
            if !need.contains(key) {
                let copy_id = CopyId::from_bytes(*key);
                tracing::debug!(copy = %copy_id, decision = "push", "only this side holds the copy");
                plan.push.push_back(copy_id);
            }
        }
        plan.wanted_pending = pull.len();
        for keys in pull.chunks(self.config.want_batch.max(1)) {
            self.control.push_back(Message::Want {
                keys: keys.to_vec(),
            });
            plan.wants_outstanding += 1;
        }
        self.stats.documents_to_push = plan.push.len() as u64;
        self.stats.documents_to_pull = plan.wanted_pending as u64;
        self.stats.documents_to_sync = plan.sync_queue.len() as u64;
        Ok(plan)
    }

    fn send_trust_bundle(&mut self, replica: &mut dyn Replica) -> Result<(), SessionError> {
        match replica.trust_bundle() {
            Ok(Some(bytes)) => {
                self.control.push_back(Message::TrustBundle {
                    bytes: ByteBuf::from(bytes),
                });
                Ok(())
            }
            Ok(None) => Ok(()),
            Err(error) => Err(self.refuse(ErrorCode::Storage, error.to_string())),
        }
    }

    /// Starts Automerge sync for queued documents (initiator), up to the in-flight limit.
    pub(crate) fn start_syncs(&mut self, replica: &mut dyn Replica) -> Result<(), SessionError> {
        let syncs_in_flight = self.config.syncs_in_flight;
        while let Some(plan) = self.phase.plan_mut()
            && plan.syncs.len() < syncs_in_flight
        {
            let Some(copy_id) = plan.sync_queue.pop_front() else {
                break;
            };
            let Some(bytes) = self.copy_bytes(copy_id, replica)? else {
                continue;
            };
            let Some((mut document, before)) = self.load_counted(copy_id, &bytes) else {
                continue;
            };
            let mut state = State::new();
            if let Some(message) = document.generate_sync_message(&mut state) {
                self.control.push_back(Message::Sync {
                    key: ByteArray::new(copy_id.to_bytes()),
                    message: Some(ByteBuf::from(message)),
                });
                self.keep_syncing(
                    copy_id,
                    DocSync {
                        document,
                        state,
                        before,
                        rounds: 1,
                        changed: false,
                    },
                );
            }
        }
        Ok(())
    }

    /// The initiator's side of a sync step.
    pub(crate) fn on_sync_reply(
        &mut self,
        copy_id: CopyId,
        message: Option<ByteBuf>,
        _replica: &mut dyn Replica,
    ) -> Result<(), SessionError> {
        let Some(mut sync) = self
            .phase
            .plan_mut()
            .and_then(|plan| plan.syncs.remove(&copy_id))
        else {
            return Err(self.refuse(
                ErrorCode::ProtocolViolation,
                format!("sync reply for copy {copy_id}, which is not being synced"),
            ));
        };
        if let Some(message) = message {
            let heads_before = sync.document.heads();
            if !self.apply_peer_changes(&mut sync.document, &mut sync.state, &sync.before, &message)
            {
                return Ok(());
            }
            if sync.document.heads() != heads_before {
                sync.changed = true;
            }
        }
        let next = sync.document.generate_sync_message(&mut sync.state);
        match next {
            Some(next) if sync.rounds < self.config.max_sync_rounds => {
                sync.rounds += 1;
                self.control.push_back(Message::Sync {
                    key: ByteArray::new(copy_id.to_bytes()),
                    message: Some(ByteBuf::from(next)),
                });
                self.keep_syncing(copy_id, sync);
            }
            unfinished => {
                if unfinished.is_some() {
                    tracing::debug!(copy = %copy_id, rounds = sync.rounds, decision = "give-up", "the copy did not converge in this session");
                    self.stats.syncs_unconverged += 1;
                } else {
                    tracing::debug!(copy = %copy_id, rounds = sync.rounds, changed = sync.changed, decision = "synced", "sync finished");
                }
                self.stats.syncs_completed += 1;
                if sync.changed {
                    self.save_synced(sync.document)?;
                }
            }
        }
        Ok(())
    }

    /// Puts a sync (back) among the running ones. Only `refuse` leaves the document phase, and
    /// every caller returns at once when it does, so the plan is there.
    fn keep_syncing(&mut self, copy_id: CopyId, sync: DocSync) {
        if let Some(plan) = self.phase.plan_mut() {
            plan.syncs.insert(copy_id, sync);
        }
    }

    fn save_synced(&mut self, document: CopyDocument) -> Result<(), SessionError> {
        match validate::report(&document, &self.trust) {
            Ok(report) => {
                self.stats.documents_received += 1;
                self.effects
                    .push_back(StorageEffect::SaveCopies(vec![(document, report.status)]));
                Ok(())
            }
            Err(reason) => {
                self.refuse_document(
                    document.content().copy_id,
                    &format!("not storing the synced copy: {reason}"),
                );
                Ok(())
            }
        }
    }

    /// The responder's side of a sync step.
    pub(crate) fn on_sync_request(
        &mut self,
        copy_id: CopyId,
        message: Option<ByteBuf>,
        replica: &mut dyn Replica,
    ) -> Result<(), SessionError> {
        let key: WireKey = ByteArray::new(copy_id.to_bytes());
        let reply_none = |session: &mut Session| {
            session
                .control
                .push_back(Message::Sync { key, message: None });
            Ok(())
        };
        let Some(bytes) = self.copy_bytes(copy_id, replica)? else {
            tracing::debug!(copy = %copy_id, decision = "skip", "sync asked for a copy this side does not hold");
            return reply_none(self);
        };
        let Some((mut document, before)) = self.load_counted(copy_id, &bytes) else {
            return reply_none(self);
        };
        let mut state = self
            .phase
            .sync_states_mut()
            .and_then(|sync_states| sync_states.remove(&copy_id))
            .unwrap_or_default();
        let mut changed = false;
        if let Some(message) = message {
            let heads_before = document.heads();
            if !self.apply_peer_changes(&mut document, &mut state, &before, &message) {
                return reply_none(self);
            }
            changed = document.heads() != heads_before;
        }
        let reply = document.generate_sync_message(&mut state);
        if reply.is_some()
            && let Some(sync_states) = self.phase.sync_states_mut()
        {
            sync_states.insert(copy_id, state);
        }
        self.control.push_back(Message::Sync {
            key,
            message: reply.map(ByteBuf::from),
        });
        if changed {
            tracing::debug!(copy = %copy_id, decision = "merged", "took in the peer's changes");
            self.save_synced(document)?;
        }
        Ok(())
    }

    /// Whole documents arrived (pushed to the responder, or wanted by the initiator).
    pub(crate) fn on_documents(
        &mut self,
        documents: Vec<DocumentBytes>,
        replica: &mut dyn Replica,
    ) -> Result<(), SessionError> {
        let commune = self
            .policy()
            .map(|policy| policy.commune.clone())
            .unwrap_or_default();
        let keyed = keyed_documents(&documents);
        let checked = match self.prechecked.take() {
            Some(checked) if checked.len() == keyed.len() => checked,
            _ => validate::check_new_documents(
                &keyed,
                &commune,
                &self.trust,
                &self.actor,
                self.config.verify_threads,
            ),
        };
        let mut valid = Vec::with_capacity(documents.len());
        for ((copy_id, _), checked) in keyed.iter().zip(checked) {
            let copy_id = *copy_id;
            if let Some(plan) = self.phase.plan_mut() {
                plan.wanted_pending = plan.wanted_pending.saturating_sub(1);
            }
            match checked {
                Checked::Accepted(accepted) => valid.push((copy_id, *accepted)),
                Checked::Unreadable(error) => {
                    self.refuse_document(copy_id, &format!("unreadable document: {error}"));
                }
                Checked::Refused(refusal) if refusal.code == ErrorCode::OutOfScope => {
                    return Err(self.refuse(refusal.code, refusal.detail));
                }
                Checked::Refused(refusal) => {
                    self.refuse_document(copy_id, &refusal.detail);
                }
            }
        }
        let copy_ids: Vec<CopyId> = valid.iter().map(|(copy_id, _)| *copy_id).collect();
        let stored_versions = self.copies_bytes(&copy_ids, replica)?;
        let mut accepted = Vec::with_capacity(valid.len());
        for ((copy_id, (mut incoming, report)), stored) in valid.into_iter().zip(stored_versions) {
            match stored {
                None => {
                    tracing::debug!(copy = %copy_id, decision = "store", "new copy");
                    accepted.push((incoming, report.status));
                }
                Some(stored) => {
                    let merged = CopyDocument::load(&stored, self.actor.clone())
                        .map_err(|error| Refusal {
                            code: ErrorCode::Storage,
                            detail: error.to_string(),
                        })
                        .and_then(|mut stored| {
                            validate::merge_checked(&mut stored, &mut incoming, &self.trust)
                                .map(|status| (stored, status))
                        });
                    match merged {
                        Ok(merged) => {
                            tracing::debug!(copy = %copy_id, decision = "merge", "merged with the stored copy");
                            accepted.push(merged);
                        }
                        Err(refusal) => {
                            self.refuse_document(copy_id, &refusal.detail);
                        }
                    }
                }
            }
        }
        self.stats.documents_received += accepted.len() as u64;
        if !accepted.is_empty() {
            self.effects.push_back(StorageEffect::SaveCopies(accepted));
        }
        Ok(())
    }

    /// The peer wants documents whole.
    pub(crate) fn on_want(
        &mut self,
        keys: Vec<WireKey>,
        replica: &mut dyn Replica,
    ) -> Result<(), SessionError> {
        for key in keys {
            let key = key.into_array();
            if key == TRUST_BUNDLE_KEY {
                self.send_trust_bundle(replica)?;
            } else {
                self.serve.push_back(Serve::Copy(CopyId::from_bytes(key)));
            }
        }
        self.serve.push_back(Serve::Served);
        Ok(())
    }

    /// The next batch of documents the peer asked for, or the end-of-want marker.
    pub(crate) fn next_served_batch(
        &mut self,
        replica: &mut dyn Replica,
    ) -> Result<Option<Message>, crate::replica::ReplicaError> {
        let batch = read_batch(&mut self.serve, self.config.document_batch_bytes, replica)?;
        if batch.is_empty() {
            if matches!(self.serve.front(), Some(Serve::Served)) {
                self.serve.pop_front();
                return Ok(Some(Message::WantServed));
            }
            return Ok(None);
        }
        Ok(Some(self.sent(batch)))
    }

    /// The next batch of documents to push (initiator).
    pub(crate) fn next_push_batch(
        &mut self,
        replica: &mut dyn Replica,
    ) -> Result<Option<Message>, crate::replica::ReplicaError> {
        let Some(plan) = self.phase.plan_mut() else {
            return Ok(None);
        };
        let batch = read_batch(&mut plan.push, self.config.document_batch_bytes, replica)?;
        if batch.is_empty() {
            return Ok(None);
        }
        Ok(Some(self.sent(batch)))
    }

    /// Counts `batch` as sent and makes its message.
    fn sent(&mut self, batch: Vec<(CopyId, Vec<u8>)>) -> Message {
        self.stats.documents_sent += batch.len() as u64;
        Session::document_message(batch)
    }

    /// Reads one stored copy; a storage error ends the session.
    pub(crate) fn copy_bytes(
        &mut self,
        copy_id: CopyId,
        replica: &mut dyn Replica,
    ) -> Result<Option<Vec<u8>>, SessionError> {
        match replica.copy_bytes(copy_id) {
            Ok(bytes) => Ok(bytes),
            Err(error) => Err(self.refuse(ErrorCode::Storage, error.to_string())),
        }
    }

    /// Reads stored copies in one call; a storage error ends the session.
    pub(crate) fn copies_bytes(
        &mut self,
        copy_ids: &[CopyId],
        replica: &mut dyn Replica,
    ) -> Result<Vec<Option<Vec<u8>>>, SessionError> {
        match replica.copies_bytes(copy_ids) {
            Ok(found) if found.len() == copy_ids.len() => Ok(found),
            Ok(found) => Err(self.refuse(
                ErrorCode::Storage,
                format!("asked for {} copies, read {}", copy_ids.len(), found.len()),
            )),
            Err(error) => Err(self.refuse(ErrorCode::Storage, error.to_string())),
        }
    }

    /// A `Documents` message carrying `documents` whole.
    pub(crate) fn document_message(documents: Vec<(CopyId, Vec<u8>)>) -> Message {
        Message::Documents {
            documents: documents
                .into_iter()
                .map(|(copy_id, bytes)| DocumentBytes {
                    key: ByteArray::new(copy_id.to_bytes()),
                    bytes: ByteBuf::from(bytes),
                })
                .collect(),
        }
    }
}

/// A Documents message's entries as `(copy id, document bytes)`, as the checks take them.
pub(crate) fn keyed_documents(documents: &[DocumentBytes]) -> Vec<(CopyId, &[u8])> {
    documents
        .iter()
        .map(|entry| {
            (
                CopyId::from_bytes(entry.key.into_array()),
                entry.bytes.as_slice(),
            )
        })
        .collect()
}

/// Copies read from the replica at once when filling a batch.
const READ_AHEAD: usize = 64;

/// Reads `ahead` in one call and adds documents to `batch` until it holds `budget` bytes;
/// returns the ids read but not added (to go back to the front of their queue). A copy the
/// replica no longer holds is skipped.
/// A queue copies to send are read from, [`READ_AHEAD`] at a time.
trait ReadAhead {
    /// Takes the next copies to read, at most [`READ_AHEAD`]; none when no copy is next.
    fn take_ahead(&mut self) -> Vec<CopyId>;
    /// Puts back, in order, the copies taken that did not fit in the batch.
    fn put_back(&mut self, unused: &[CopyId]);
}

/// The copies a peer asked for, up to the end-of-want marker.
impl ReadAhead for VecDeque<Serve> {
    fn take_ahead(&mut self) -> Vec<CopyId> {
        let mut ahead = Vec::new();
        while ahead.len() < READ_AHEAD {
            match self.front() {
                Some(Serve::Copy(copy_id)) => ahead.push(*copy_id),
                _ => break,
            }
            self.pop_front();
        }
        ahead
    }

    fn put_back(&mut self, unused: &[CopyId]) {
        for copy_id in unused.iter().rev() {
            self.push_front(Serve::Copy(*copy_id));
        }
    }
}

/// The copies to push.
impl ReadAhead for VecDeque<CopyId> {
    fn take_ahead(&mut self) -> Vec<CopyId> {
        let take = self.len().min(READ_AHEAD);
        self.drain(..take).collect()
    }

    fn put_back(&mut self, unused: &[CopyId]) {
        for copy_id in unused.iter().rev() {
            self.push_front(*copy_id);
        }
    }
}

/// A batch of the next copies of `queue` the replica holds, of `budget` bytes or just over;
/// the copies read ahead that did not fit go back to `queue`.
fn read_batch(
    queue: &mut impl ReadAhead,
    budget: usize,
    replica: &mut dyn Replica,
) -> Result<Vec<(CopyId, Vec<u8>)>, crate::replica::ReplicaError> {
    let mut batch = Vec::new();
    let mut bytes_in_batch = 0;
    while bytes_in_batch < budget {
        let ahead = queue.take_ahead();
        if ahead.is_empty() {
            break;
        }
        let unused = fill_batch(&mut batch, &mut bytes_in_batch, &ahead, budget, replica)?;
        queue.put_back(unused);
    }
    Ok(batch)
}

fn fill_batch<'a>(
    batch: &mut Vec<(CopyId, Vec<u8>)>,
    bytes_in_batch: &mut usize,
    ahead: &'a [CopyId],
    budget: usize,
    replica: &mut dyn Replica,
) -> Result<&'a [CopyId], crate::replica::ReplicaError> {
    let found = replica.copies_bytes(ahead)?;
    for (index, (copy_id, bytes)) in ahead.iter().zip(found).enumerate() {
        if *bytes_in_batch >= budget {
            return Ok(&ahead[index..]);
        }
        if let Some(bytes) = bytes {
            *bytes_in_batch += bytes.len();
            batch.push((*copy_id, bytes));
        }
    }
    Ok(&[])
}
