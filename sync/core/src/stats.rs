//! Counters and backlogs of a sync session, which the shell folds into the per-peer state that
//! `bansao status` and monitoring show.

use serde::{Deserialize, Serialize};

/// What one session did and has left to do.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionStats {
    /// Frame bytes sent (headers included).
    pub bytes_sent: u64,
    /// Frame bytes received (headers included).
    pub bytes_received: u64,
    /// Frames sent.
    pub frames_sent: u64,
    /// Frames received.
    pub frames_received: u64,
    /// Items (documents and the trust bundle) in this side's reconciliation set.
    pub items_reconciled: u64,
    /// Negentropy messages received.
    pub reconcile_rounds: u64,
    /// Documents the plan pushes whole (initiator).
    pub documents_to_push: u64,
    /// Documents the plan pulls whole (initiator).
    pub documents_to_pull: u64,
    /// Documents the plan syncs (initiator).
    pub documents_to_sync: u64,
    /// Whole documents sent.
    pub documents_sent: u64,
    /// Documents stored (new, merged or synced).
    pub documents_received: u64,
    /// Documents or changes refused (not genuine, unreadable, removing signatures).
    pub documents_refused: u64,
    /// Documents this side sent that the peer refused to store (it said so).
    pub documents_refused_by_peer: u64,
    /// Stored documents left out because they do not count under this node's trust list.
    pub documents_skipped: u64,
    /// Automerge syncs finished.
    pub syncs_completed: u64,
    /// Automerge syncs given up after the round limit.
    pub syncs_unconverged: u64,
    /// Documents still to send (push, sync, want).
    pub documents_pending_out: u64,
    /// Documents asked for and not yet received.
    pub documents_pending_in: u64,
    /// Scans still to fetch in this session.
    pub blobs_pending_in: u64,
    /// Chunks asked for by the peer and not yet sent.
    pub chunks_pending_out: u64,
    /// Scans completed.
    pub blobs_received: u64,
    /// Chunks received.
    pub chunks_received: u64,
    /// Chunks sent.
    pub chunks_sent: u64,
    /// Newer trust bundles adopted from the peer.
    pub trust_bundles_adopted: u64,
    /// Sessions this side ended with an error.
    pub refusals: u64,
    /// Node status documents sent.
    pub statuses_sent: u64,
    /// Node status documents stored (newer than the held ones).
    pub statuses_received: u64,
    /// Node status documents refused (forged, of another commune, older than the held one).
    pub statuses_refused: u64,
}
