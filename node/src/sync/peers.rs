//! Per-peer sync state: what `bansao status` prints and monitoring reads.
//!
//! A [`PeerBook`] keeps one [`PeerState`] per peer key in memory, folds every session's outcome
//! and every handshake refusal into it, and writes changed entries to the node's `sync_peers`
//! table. Times are stored in UTC (RFC 3339); `bansao status` shows them in Vietnam's time.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use bansao_copy::Timestamp;
use bansao_store::Store;
use bansao_trust::KeyId;
use serde::{Deserialize, Serialize};

use crate::sync::SyncShellError;
use crate::sync::stream::SessionOutcome;

/// What this node knows of its sync with one peer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PeerState {
    /// The peer's key id (hex).
    pub key_id: String,
    /// Its certificate's subject (kiosk id, commune or city name), once known.
    pub subject: Option<String>,
    /// Its certified role, once known.
    pub role: Option<String>,
    /// The commune whose copies the link carries, once known.
    pub commune: Option<String>,
    /// The address it was last seen at.
    pub address: Option<String>,
    /// Last time a session with it got past the handshake (UTC, RFC 3339).
    pub last_contact: Option<String>,
    /// Last time a session with it finished cleanly (UTC, RFC 3339).
    pub last_success: Option<String>,
    /// Sessions that finished cleanly.
    pub sessions_finished: u64,
    /// Sessions that ended early (cut, refused, failed).
    pub sessions_failed: u64,
    /// Handshakes or sessions refused, by either side.
    pub refusals: u64,
    /// Node status documents it sent that this node refused (forged, older than held).
    pub statuses_refused: u64,
    /// Node status documents taken from it.
    pub statuses_received: u64,
    /// Protocol bytes sent to it, over all sessions.
    pub bytes_sent: u64,
    /// Protocol bytes received from it, over all sessions.
    pub bytes_received: u64,
    /// Documents sent to it, over all sessions.
    pub documents_sent: u64,
    /// Documents received from it and stored, over all sessions.
    pub documents_received: u64,
    /// Scans received from it, over all sessions.
    pub blobs_received: u64,
    /// Chunks of scans sent to it, over all sessions.
    pub chunks_sent: u64,
    /// Documents still to send when the last session ended.
    pub documents_pending_out: u64,
    /// Documents still to receive when the last session ended.
    pub documents_pending_in: u64,
    /// Scans still to fetch from it when the last session ended.
    pub blobs_pending_in: u64,
    /// Chunks it still asked for when the last session ended.
    pub chunks_pending_out: u64,
    /// Copies this node sent that the peer refused to store, newest last (at most
    /// [`MAX_REFUSED_KEPT`]): they will not be delivered as they are, and an operator must look.
    pub refused_by_peer: Vec<RefusedCopy>,
    /// The last error (cut link, refusal, storage failure).
    pub last_error: Option<String>,
    /// When it happened (UTC, RFC 3339).
    pub last_error_at: Option<String>,
}

/// A copy a peer refused to store.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RefusedCopy {
    /// The copy.
    pub copy_id: String,
    /// The peer's reason.
    pub reason: String,
    /// When it last said so (UTC, RFC 3339).
    pub at: String,
}

/// How many refused copies a peer's state keeps.
pub const MAX_REFUSED_KEPT: usize = 100;

/// Prefix of the entries of addresses whose peer was never reached.
pub const ADDRESS_PREFIX: &str = "addr:";

#[derive(Debug, Default)]
struct Book {
    peers: BTreeMap<String, PeerState>,
    dirty: Vec<String>,
}

/// The per-peer states of a running node, written through to its database.
#[derive(Debug, Clone)]
pub struct PeerBook {
    database: PathBuf,
    book: Arc<Mutex<Book>>,
}

/// Reads the recorded per-peer states of a node's database.
pub fn load_states(store: &Store) -> Result<Vec<PeerState>, SyncShellError> {
    let mut states = Vec::new();
    for (key, json, _updated_at) in store.peer_states()? {
        match serde_json::from_str::<PeerState>(&json) {
            Ok(mut state) => {
                state.key_id = key;
                states.push(state);
            }
            Err(error) => tracing::warn!(peer = %key, "unreadable sync state ignored: {error}"),
        }
    }
    Ok(states)
}

impl PeerBook {
    /// The book of the node whose database is at `database`, starting from what it recorded.
    pub fn open(database: &Path) -> Result<PeerBook, SyncShellError> {
        let store = Store::open(database)?;
        let peers = load_states(&store)?
            .into_iter()
            .map(|state| (state.key_id.clone(), state))
            .collect();
        Ok(PeerBook {
            database: database.to_owned(),
            book: Arc::new(Mutex::new(Book {
                peers,
                dirty: Vec::new(),
            })),
        })
    }

    fn update(&self, key: String, edit: impl FnOnce(&mut PeerState)) {
        let mut book = match self.book.lock() {
            Ok(book) => book,
            Err(poisoned) => poisoned.into_inner(),
        };
        let state = book.peers.entry(key.clone()).or_insert_with(|| PeerState {
            key_id: key.clone(),
            ..PeerState::default()
        });
        edit(state);
        if !book.dirty.contains(&key) {
            book.dirty.push(key);
        }
    }

    /// The state of one peer now.
    pub fn get(&self, key_id: KeyId) -> Option<PeerState> {
        let book = match self.book.lock() {
            Ok(book) => book,
            Err(poisoned) => poisoned.into_inner(),
        };
        book.peers.get(&key_id.to_hex()).cloned()
    }

    /// Records a handshake this node refused (the peer never reached a session) under `entry`
    /// (the peer's key id in hex, or one shared entry for keys nobody certified).
    pub fn record_refused_handshake(&self, entry: String, reason: &str, now: Timestamp) {
        self.update(entry, |state| {
            state.refusals += 1;
            state.last_error = Some(format!("refused at the handshake: {reason}"));
            state.last_error_at = Some(now.to_rfc3339());
        });
    }

    /// Records a connection attempt that failed before a session (unreachable, refused by the
    /// peer at the handshake). The peer's key is not known then: the entry is the address's,
    /// `addr:<address>`.
    pub fn record_connect_failure(&self, address: &str, reason: &str, now: Timestamp) {
        tracing::warn!(%address, "sync connection failed: {reason}");
        self.update(format!("{ADDRESS_PREFIX}{address}"), |state| {
            state.sessions_failed += 1;
            state.address = Some(address.to_owned());
            state.last_error = Some(reason.to_owned());
            state.last_error_at = Some(now.to_rfc3339());
        });
    }

    /// Folds a session's outcome into the peer's state.
    pub fn record_session(
        &self,
        key_id: KeyId,
        address: &str,
        outcome: &SessionOutcome,
        now: Timestamp,
    ) {
        let stats = &outcome.stats;
        self.update(key_id.to_hex(), |state| {
            state.address = Some(address.to_owned());
            if let Some(commune) = &outcome.commune {
                state.commune = Some(commune.clone());
            }
            if let Some(peer) = &outcome.peer {
                state.subject = Some(peer.subject.clone());
                state.role = Some(peer.role.as_str().to_owned());
                state.last_contact = Some(now.to_rfc3339());
            }
            state.bytes_sent += stats.bytes_sent;
            state.bytes_received += stats.bytes_received;
            state.documents_sent += stats.documents_sent;
            state.documents_received += stats.documents_received;
            state.blobs_received += outcome.blobs_completed;
            state.chunks_sent += stats.chunks_sent;
            state.documents_pending_out = stats.documents_pending_out;
            state.documents_pending_in = stats.documents_pending_in;
            state.blobs_pending_in = stats.blobs_pending_in;
            state.chunks_pending_out = stats.chunks_pending_out;
            state.refusals += stats.refusals;
            state.statuses_refused += stats.statuses_refused;
            state.statuses_received += stats.statuses_received;
            for (copy_id, reason) in &outcome.refused_by_peer {
                let copy_id = copy_id.to_string();
                state
                    .refused_by_peer
                    .retain(|refused| refused.copy_id != copy_id);
                state.refused_by_peer.push(RefusedCopy {
                    copy_id,
                    reason: reason.clone(),
                    at: now.to_rfc3339(),
                });
            }
            let excess = state.refused_by_peer.len().saturating_sub(MAX_REFUSED_KEPT);
            state.refused_by_peer.drain(..excess);
            if outcome.finished {
                state.sessions_finished += 1;
                state.last_success = Some(now.to_rfc3339());
            } else {
                state.sessions_failed += 1;
                state.last_error = outcome.error.clone();
                state.last_error_at = Some(now.to_rfc3339());
            }
        });
    }

    /// Writes the changed states to the database (a blocking call: SQLite).
    pub fn flush(&self) -> Result<(), SyncShellError> {
        let changed: Vec<(String, String)> = {
            let mut book = match self.book.lock() {
                Ok(book) => book,
                Err(poisoned) => poisoned.into_inner(),
            };
            let dirty = std::mem::take(&mut book.dirty);
            dirty
                .into_iter()
                .filter_map(|key| {
                    let state = book.peers.get(&key)?;
                    Some((key, serde_json::to_string(state).ok()?))
                })
                .collect()
        };
        if changed.is_empty() {
            return Ok(());
        }
        let mut store = Store::open(&self.database)?;
        let now = crate::entropy::now();
        for (key, json) in changed {
            store.put_peer_state(&key, &json, now)?;
        }
        Ok(())
    }
}
