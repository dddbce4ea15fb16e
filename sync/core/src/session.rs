//! One sync session between two nodes: a sans-IO state machine.
//!
//! The shell feeds it frames ([`Session::handle_frame`]), takes frames to send
//! ([`Session::poll_transmit`]) and storage writes to make durable ([`Session::poll_effect`]),
//! and applies every effect before the next input. Time comes in as an argument; the session
//! owns no socket, file or clock, so a simulation can drive many of them deterministically.
//!
//! The phases, in order:
//! 1. **Hello.** Each side sends its protocol version and node key id. The peer's key must be the
//!    one the connection authenticated and must count in the trust list now; its certificate
//!    (not its claims) gives its role and commune, and [`link_policy`] decides what the link
//!    shares. Any failure sends an [`Message::Error`] and ends the session before any data moves.
//! 2. **Reconcile.** The initiator runs negentropy over the items `(copy id, heads digest)` of the
//!    shared commune (plus one item for the trust bundle and one per node status of the
//!    commune, `status_phase`), in frames of bounded size, and learns which documents only it
//!    has, which only the peer has, and which differ.
//! 3. **Documents.** Only the initiator's side has the plan: it sends whole the documents the peer
//!    lacks, asks whole for those it lacks, and runs Automerge's sync protocol for those that
//!    differ, many at once. Every document taken in is checked (`validate`) before it is stored.
//! 4. **Scans.** Each side that fetches scans on this link asks for the ones its copies reference
//!    and it lacks, chunk by chunk (`blobs`). Document messages always go out before chunks.
//! 5. **Done.** Each side says when it wants nothing more; the session ends when both have and
//!    nothing is left to send.
//!
//! This file holds the session's inputs and outputs, its dispatch and its refusals. Each phase's
//! state is a variant of `phase::Phase`, so only the phase that uses a piece of state can hold
//! it; the steps of the phases are in `reconcile` (hello and reconciliation), `documents` and
//! `blob_phase` (scans).

use std::collections::VecDeque;
use std::sync::Arc;

use automerge::ActorId;
use bansao_copy::{CopyId, Timestamp};
use bansao_trust::{KeyId, TrustContext};
use serde_bytes::ByteArray;

use crate::blobs::BlobServer;
use crate::phase::{DocumentPlan, DocumentWork, Phase};
use crate::policy::{LinkPolicy, NodeIdentity};
use crate::reconcile_cache::ReconcileCache;
use crate::replica::{Replica, ReplicaError, StorageEffect};
use crate::stats::SessionStats;
use crate::validate::{self, Refusal};
use crate::wire::{self, ErrorCode, Message, PROTOCOL_VERSION};

/// The reserved key of the trust bundle's reconciliation item (no copy id is all zeros but one).
pub const TRUST_BUNDLE_KEY: [u8; 16] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];

/// Which end of the connection this side is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// Opened the session; drives reconciliation and the document phase.
    Initiator,
    /// Accepted it.
    Responder,
}

/// Limits and sizes of a session.
#[derive(Debug, Clone)]
pub struct SessionConfig {
    /// Largest negentropy message (≥ 4096; smaller frames suit slow links).
    pub reconcile_frame_bytes: u64,
    /// Largest batch of whole documents in one message.
    pub document_batch_bytes: usize,
    /// Keys per `Want` message.
    pub want_batch: usize,
    /// Documents running Automerge's sync protocol at once.
    pub syncs_in_flight: usize,
    /// Sync round trips after which a document that has not converged is given up (for this
    /// session) and logged.
    pub max_sync_rounds: u32,
    /// Scans in flight at once (one chunk outstanding each).
    pub active_blobs: usize,
    /// Scans fetched per session at most.
    pub blobs_per_session: usize,
    /// Threads that load and verify a received batch of documents (the shell sets it to the
    /// machine's cores; 1 checks on the session's own thread).
    pub verify_threads: usize,
}

impl Default for SessionConfig {
    fn default() -> SessionConfig {
        SessionConfig {
            reconcile_frame_bytes: 60_000,
            document_batch_bytes: 256 * 1024,
            want_batch: 4096,
            syncs_in_flight: 64,
            max_sync_rounds: 8,
            active_blobs: 8,
            blobs_per_session: 10_000,
            verify_threads: 1,
        }
    }
}

/// Why a session ended early.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SessionError {
    /// This side refused the peer or its data (and told the peer).
    #[error("refused the peer ({}): {detail}", code.as_str())]
    Refused {
        /// The error sent.
        code: ErrorCode,
        /// Why.
        detail: String,
    },
    /// The peer ended the session with an error.
    #[error("the peer ended the session ({}): {detail}", code.as_str())]
    PeerError {
        /// Its code.
        code: ErrorCode,
        /// Its detail.
        detail: String,
    },
    /// The session is already over.
    #[error("the session is over")]
    Closed,
}

impl SessionError {
    /// The protocol error code involved.
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            SessionError::Refused { code, .. } | SessionError::PeerError { code, .. } => {
                Some(*code)
            }
            SessionError::Closed => None,
        }
    }
}

/// What the responder still has to send for the peer's `Want`s.
#[derive(Debug)]
pub(crate) enum Serve {
    Copy(CopyId),
    Served,
}

/// One sync session.
#[derive(Debug)]
pub struct Session {
    pub(crate) side: Side,
    pub(crate) config: SessionConfig,
    pub(crate) local: NodeIdentity,
    pub(crate) peer_key: KeyId,
    pub(crate) trust: Arc<TrustContext>,
    pub(crate) actor: ActorId,
    /// Where the session is, with the state only that phase uses.
    pub(crate) phase: Phase,
    /// Control messages, sent before anything else.
    pub(crate) control: VecDeque<Message>,
    /// The documents the peer asked for (responder), read and sent lazily; still owed after the
    /// document phase if the peer closed it early.
    pub(crate) serve: VecDeque<Serve>,
    /// The scan chunks the peer asked for, read and sent lazily.
    pub(crate) server: BlobServer,
    pub(crate) effects: VecDeque<StorageEffect>,
    /// Counters, and the backlogs of the phases that ended (see [`Session::stats`]).
    pub(crate) stats: SessionStats,
    pub(crate) reconcile_cache: Option<Arc<ReconcileCache>>,
    /// Verdicts on the documents of the frame being handled, reached ahead by a
    /// [`crate::precheck::DocumentChecker`].
    pub(crate) prechecked: Option<Vec<crate::validate::Checked>>,
    /// Documents the peer refused to store, with its reasons (at most
    /// [`MAX_REFUSALS_KEPT`]).
    pub(crate) refused_by_peer: Vec<(CopyId, String)>,
}

/// How many of the peer's refusals a session keeps for its shell.
pub const MAX_REFUSALS_KEPT: usize = 1_000;

impl Session {
    /// Starts a session with the peer whose node key the connection authenticated.
    pub fn new(
        side: Side,
        config: SessionConfig,
        local: NodeIdentity,
        authenticated_peer: KeyId,
        trust: Arc<TrustContext>,
        actor: ActorId,
    ) -> Session {
        let hello = Message::Hello {
            version: PROTOCOL_VERSION,
            key_id: ByteArray::new(local.key_id.0),
        };
        Session {
            side,
            config,
            local,
            peer_key: authenticated_peer,
            trust,
            actor,
            phase: Phase::Hello,
            control: VecDeque::from([hello]),
            serve: VecDeque::new(),
            server: BlobServer::default(),
            effects: VecDeque::new(),
            refused_by_peer: Vec::new(),
            stats: SessionStats::default(),
            reconcile_cache: None,
            prechecked: None,
        }
    }

    /// Shares `cache` with the node's other sessions, so an unchanged reconciliation set is not
    /// rebuilt each round (see [`ReconcileCache`]).
    pub fn with_reconcile_cache(mut self, cache: Arc<ReconcileCache>) -> Session {
        self.reconcile_cache = Some(cache);
        self
    }

    /// The peer, once its hello was accepted.
    pub fn peer(&self) -> Option<&NodeIdentity> {
        self.phase.link().map(|link| &link.peer)
    }

    /// What the link shares, once the peer was accepted.
    pub fn policy(&self) -> Option<&LinkPolicy> {
        self.phase.link().map(|link| &link.policy)
    }

    /// Counters and backlogs of this session: the running phase's backlog as it is now, an
    /// ended phase's as it was when it ended.
    pub fn stats(&self) -> SessionStats {
        let mut stats = self.stats.clone();
        self.phase.count_backlog(&mut stats);
        stats.documents_pending_out += self.serve.len() as u64;
        stats.chunks_pending_out = self.server.pending() as u64;
        stats.chunks_sent = self.server.chunks_sent;
        stats
    }

    /// Whether the session ended well: both sides want nothing more and all is sent.
    pub fn is_finished(&self) -> bool {
        matches!(self.phase, Phase::Finished { .. })
    }

    /// Whether the session ended with an error.
    pub fn is_failed(&self) -> bool {
        matches!(self.phase, Phase::Failed { .. })
    }

    /// Whether a control message (such as the error that ends a failed session) still waits to
    /// be sent.
    pub fn has_control_to_send(&self) -> bool {
        !self.control.is_empty()
    }

    /// The next storage write to make durable.
    pub fn poll_effect(&mut self) -> Option<StorageEffect> {
        self.effects.pop_front()
    }

    /// Feeds one received frame body (header removed).
    pub fn handle_frame(
        &mut self,
        body: &[u8],
        now: Timestamp,
        replica: &mut dyn Replica,
    ) -> Result<(), SessionError> {
        self.count_received_frame(body.len())?;
        let message = match wire::decode_body(body) {
            Ok(message) => message,
            Err(error) => return Err(self.refuse(ErrorCode::MalformedFrame, error.to_string())),
        };
        self.handle_message(message, body.len(), now, replica)
    }

    pub(crate) fn count_received_frame(&mut self, body_length: usize) -> Result<(), SessionError> {
        if self.phase.is_over() {
            return Err(SessionError::Closed);
        }
        self.stats.bytes_received += (body_length + wire::FRAME_HEADER_BYTES) as u64;
        self.stats.frames_received += 1;
        Ok(())
    }

    pub(crate) fn handle_message(
        &mut self,
        message: Message,
        body_length: usize,
        now: Timestamp,
        replica: &mut dyn Replica,
    ) -> Result<(), SessionError> {
        tracing::trace!(
            kind = message.kind(),
            bytes = body_length + wire::FRAME_HEADER_BYTES,
            "sync message received"
        );
        self.dispatch(message, now, replica)?;
        self.advance(replica)
    }

    /// Reports that the byte stream ended before the session finished (a cut link).
    pub fn handle_disconnect(&mut self) {
        if !self.phase.is_over() {
            self.end_failed();
        }
    }

    /// The next frame to send (header included), produced lazily so that large backlogs are
    /// never held in memory: control messages first, then documents, then scan chunks.
    pub fn poll_transmit(
        &mut self,
        replica: &mut dyn Replica,
    ) -> Result<Option<Vec<u8>>, SessionError> {
        let message = match self.next_message(replica) {
            Ok(message) => message,
            Err(error) => {
                return Err(self.refuse(ErrorCode::Storage, error.to_string()));
            }
        };
        let Some(message) = message else {
            return Ok(None);
        };
        let frame = match wire::encode_frame(&message) {
            Ok(frame) => frame,
            Err(error) => return Err(self.refuse(ErrorCode::Storage, error.to_string())),
        };
        tracing::trace!(
            kind = message.kind(),
            bytes = frame.len(),
            "sync message sent"
        );
        self.stats.bytes_sent += frame.len() as u64;
        self.stats.frames_sent += 1;
        if matches!(message, Message::Error { .. }) && !self.is_failed() {
            self.end_failed();
        }
        self.advance(replica)?;
        Ok(Some(frame))
    }

    fn next_message(&mut self, replica: &mut dyn Replica) -> Result<Option<Message>, ReplicaError> {
        if let Some(message) = self.control.pop_front() {
            return Ok(Some(message));
        }
        if self.is_failed() {
            return Ok(None);
        }
        if let Some(message) = self.next_served_batch(replica)? {
            return Ok(Some(message));
        }
        if let Some(message) = self.next_push_batch(replica)? {
            return Ok(Some(message));
        }
        self.server.next_chunk(replica)
    }

    /// Ends the session from outside the protocol: the shell could not read a frame (too large,
    /// cut mid-frame) or could not make a storage effect durable. The error goes to the peer,
    /// the refusal is counted, and nothing more is taken in.
    pub fn fail(&mut self, code: ErrorCode, detail: String) -> SessionError {
        if self.phase.is_over() {
            return SessionError::Closed;
        }
        self.refuse(code, detail)
    }

    /// The documents the peer refused to store in this session, with its reasons.
    pub fn refused_by_peer(&self) -> &[(CopyId, String)] {
        &self.refused_by_peer
    }

    /// Records that this side refuses to store the peer's document, and tells the peer (which
    /// would otherwise offer it again every round, and believe it delivered).
    pub(crate) fn refuse_document(&mut self, copy_id: CopyId, reason: &str) {
        tracing::warn!(copy = %copy_id, decision = "refuse", "{reason}");
        self.stats.documents_refused += 1;
        let mut reason = reason.to_owned();
        if reason.len() > crate::wire::MAX_REFUSAL_REASON_BYTES {
            let mut cut = crate::wire::MAX_REFUSAL_REASON_BYTES;
            while !reason.is_char_boundary(cut) {
                cut -= 1;
            }
            reason.truncate(cut);
        }
        self.control.push_back(Message::Refused {
            documents: vec![crate::wire::RefusedDocument {
                key: ByteArray::new(copy_id.to_bytes()),
                reason,
            }],
        });
    }

    /// Ends the session with an error sent to the peer.
    pub(crate) fn refuse(&mut self, code: ErrorCode, detail: String) -> SessionError {
        tracing::warn!(
            code = code.as_str(),
            peer = %self.peer_key,
            "sync session refused: {detail}"
        );
        self.control.clear();
        self.control.push_back(Message::Error {
            code,
            detail: detail.clone(),
        });
        self.stats.refusals += 1;
        self.end_failed();
        SessionError::Refused { code, detail }
    }

    pub(crate) fn refuse_with(&mut self, refusal: Refusal) -> SessionError {
        self.refuse(refusal.code, refusal.detail)
    }

    pub(crate) fn violation(&mut self, what: &str) -> SessionError {
        self.refuse(
            ErrorCode::ProtocolViolation,
            format!("unexpected {what} message in phase {}", self.phase.name()),
        )
    }

    fn dispatch(
        &mut self,
        message: Message,
        now: Timestamp,
        replica: &mut dyn Replica,
    ) -> Result<(), SessionError> {
        let reconciling_or_documents = matches!(
            self.phase,
            Phase::Reconcile { .. } | Phase::Documents { .. }
        );
        let in_blobs = matches!(self.phase, Phase::Blobs { .. });
        match message {
            Message::Error { code, detail } => {
                tracing::warn!(code = code.as_str(), peer = %self.peer_key, "peer ended the sync session: {detail}");
                self.end_failed();
                Err(SessionError::PeerError { code, detail })
            }
            Message::Hello { version, key_id } if matches!(self.phase, Phase::Hello) => {
                self.on_hello(version, KeyId(key_id.into_array()), now, replica)
            }
            Message::Reconcile { payload } if matches!(self.phase, Phase::Reconcile { .. }) => {
                self.on_reconcile(&payload, replica)
            }
            Message::Documents { documents } if reconciling_or_documents => {
                self.begin_documents();
                self.on_documents(documents, replica)
            }
            Message::Want { keys } if self.side == Side::Responder && reconciling_or_documents => {
                self.begin_documents();
                self.on_want(keys, replica)
            }
            Message::WantServed
                if self
                    .phase
                    .plan()
                    .is_some_and(|plan| plan.wants_outstanding > 0) =>
            {
                if let Some(plan) = self.phase.plan_mut() {
                    plan.wants_outstanding -= 1;
                }
                Ok(())
            }
            Message::Sync { key, message } if reconciling_or_documents => {
                self.begin_documents();
                let copy_id = CopyId::from_bytes(key.into_array());
                match self.side {
                    Side::Responder => self.on_sync_request(copy_id, message, replica),
                    Side::Initiator => self.on_sync_reply(copy_id, message, replica),
                }
            }
            Message::TrustBundle { bytes } if reconciling_or_documents => {
                self.on_trust_bundle(bytes.into_vec(), replica)
            }
            Message::DocumentsDone if self.side == Side::Responder && reconciling_or_documents => {
                self.start_blobs(replica)
            }
            Message::BlobWant {
                hash,
                manifest,
                chunks,
            } if in_blobs => self.on_blob_want(hash.into_array(), manifest, &chunks, replica),
            Message::BlobManifest {
                hash,
                size,
                chunk_size,
                chunk_hashes,
            } if in_blobs => {
                self.on_blob_manifest(hash.into_array(), size, chunk_size, &chunk_hashes)
            }
            Message::BlobChunk { hash, index, bytes } if in_blobs => {
                self.on_blob_chunk(hash.into_array(), index, bytes.into_vec())
            }
            Message::BlobMissing { hash } if in_blobs => {
                self.on_blob_missing(hash.into_array());
                Ok(())
            }
            Message::Refused { documents } if reconciling_or_documents || in_blobs => {
                for refused in documents {
                    let copy_id = CopyId::from_bytes(refused.key.into_array());
                    tracing::warn!(copy = %copy_id, peer = %self.peer_key, "the peer refused the copy: {}", refused.reason);
                    self.stats.documents_refused_by_peer += 1;
                    if self.refused_by_peer.len() < MAX_REFUSALS_KEPT {
                        self.refused_by_peer.push((copy_id, refused.reason));
                    }
                }
                Ok(())
            }
            Message::Statuses { documents } if reconciling_or_documents || in_blobs => {
                self.on_statuses(documents, now, replica)
            }
            Message::StatusWant { reporters }
                if self.side == Side::Responder && reconciling_or_documents =>
            {
                self.on_status_want(reporters, replica)
            }
            Message::Done if self.phase.scans().is_some_and(|scans| !scans.peer_done) => {
                self.on_peer_done();
                Ok(())
            }
            other => Err(self.violation(other.kind())),
        }
    }

    /// Enters the document phase on the peer's first document message (the initiator enters it
    /// with its plan when reconciliation ends).
    fn begin_documents(&mut self) {
        let side = self.side;
        self.phase.begin_documents(|| DocumentWork::for_side(side));
    }

    /// Moves the session on where no message is needed: start waiting syncs, close the
    /// document phase, request more scans, say done, finish.
    pub(crate) fn advance(&mut self, replica: &mut dyn Replica) -> Result<(), SessionError> {
        if self.phase.plan().is_some() {
            self.start_syncs(replica)?;
            if self.phase.plan().is_some_and(DocumentPlan::is_finished) {
                self.control.push_back(Message::DocumentsDone);
                self.start_blobs(replica)?;
            }
        }
        self.advance_blobs(replica)
    }

    /// Ends the session as failed. What the unfinished syncs learnt so far is saved: a document
    /// is stored only if its changes passed the checks, so this loses nothing and keeps progress.
    pub(crate) fn end_failed(&mut self) {
        let syncs = self.phase.fail(&mut self.stats);
        let changed: Vec<_> = syncs
            .into_values()
            .filter(|sync| sync.changed)
            .filter_map(|sync| {
                let status = validate::report(&sync.document, &self.trust).ok()?.status;
                Some((sync.document, status))
            })
            .collect();
        if !changed.is_empty() {
            self.effects.push_back(StorageEffect::SaveCopies(changed));
        }
    }

    /// Whether this side holds per-document state for `copy_id` (for tests and logs).
    pub fn is_syncing(&self, copy_id: CopyId) -> bool {
        self.phase
            .plan()
            .is_some_and(|plan| plan.syncs.contains_key(&copy_id))
    }
}

pub use crate::reconcile::{bundle_digest, item_id, newer_bundle};
