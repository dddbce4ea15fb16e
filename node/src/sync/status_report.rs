//! This node's own status document (`bansao_sync::status`): made from its per-peer sync state
//! and its store, signed with its node key, and kept in its store as its own newest status, from
//! where the next upstream round carries it (kiosk → ward → city). Also the columns and the
//! history sample the store keeps of any status, this node's or one received.

use bansao_copy::{CopyStatus, Timestamp};
use bansao_store::{HistoryRules, NodeStatusRow, StatusSample, Store};
use bansao_sync::NodeIdentity;
use bansao_sync::status::{
    MAX_PEERS_REPORTED, NodeStatus, OldestProvisional, PeerReport, STATUS_FORMAT, VerifiedStatus,
    open_status, read_status_unverified, sign_status,
};
use bansao_trust::{SecretKey, TrustContext};

use crate::sync::SyncShellError;
use crate::sync::peers::{PeerState, load_states};

/// The bansao version a status reports.
pub const SOFTWARE_VERSION: &str = env!("CARGO_PKG_VERSION");

fn unix(rfc3339: Option<&str>) -> Option<i64> {
    rfc3339
        .and_then(|text| Timestamp::parse(text).ok())
        .map(Timestamp::unix)
}

/// What this node reports of its sync with one peer, `now` (Unix seconds).
fn peer_report(
    state: &PeerState,
    store: &Store,
    now: i64,
    oldest_provisional: Option<i64>,
) -> Result<PeerReport, SyncShellError> {
    let backlog_out = match &state.commune {
        Some(commune) => store.copies_changed_since(commune, state.last_success.as_deref())?,
        None => 0,
    };
    let last_success = unix(state.last_success.as_deref());
    let lag_seconds = if backlog_out == 0 {
        0
    } else {
        let since = last_success.or(oldest_provisional).unwrap_or(now);
        u64::try_from(now.saturating_sub(since)).unwrap_or(0)
    };
    Ok(PeerReport {
        key_id: state.key_id.clone(),
        subject: state.subject.clone(),
        role: state.role.clone(),
        last_contact: unix(state.last_contact.as_deref()),
        last_success,
        backlog_out,
        backlog_in: state.documents_pending_in + state.blobs_pending_in,
        lag_seconds,
        bytes_sent: state.bytes_sent,
        bytes_received: state.bytes_received,
        errors: state.sessions_failed,
        refusals: state.refusals + state.statuses_refused + state.refused_by_peer.len() as u64,
        last_error: state.last_error.clone(),
    })
}

/// Makes, signs and stores this node's status now; returns it. Its sequence is one past the
/// node's last status.
pub fn report_own_status(
    store: &mut Store,
    key: &SecretKey,
    identity: &NodeIdentity,
    trust: &TrustContext,
    now: Timestamp,
) -> Result<VerifiedStatus, SyncShellError> {
    let reporter = identity.key_id.to_hex();
    let sequence = store
        .node_status(&reporter)?
        .map_or(0, |held| held.sequence)
        + 1;
    let oldest = store
        .oldest_copies(CopyStatus::Provisional, None, 1)?
        .into_iter()
        .next();
    let oldest_provisional = oldest.map(|row| OldestProvisional {
        issued_at: unix(Some(&row.issued_at)).unwrap_or(0),
        copy_id: row.copy_id,
    });
    let mut states = load_states(store)?;
    // Peers heard from most recently first: they are the ones a status has room for.
    states.sort_by(|a, b| b.last_contact.cmp(&a.last_contact));
    states.truncate(MAX_PEERS_REPORTED);
    let oldest_at = oldest_provisional.as_ref().map(|oldest| oldest.issued_at);
    let peers = states
        .iter()
        .map(|state| peer_report(state, store, now.unix(), oldest_at))
        .collect::<Result<Vec<_>, _>>()?;
    let status = NodeStatus {
        format: STATUS_FORMAT.to_owned(),
        reporter,
        role: identity.role.as_str().to_owned(),
        subject: identity.subject.clone(),
        commune: identity.commune.clone(),
        sequence,
        reported_at: now.unix(),
        software_version: SOFTWARE_VERSION.to_owned(),
        copies: store.copy_count()?,
        provisional_copies: store.count_with_status(CopyStatus::Provisional)?,
        oldest_provisional,
        peers,
    };
    let bytes = sign_status(&status, key);
    let verified = open_status(&bytes, trust, None, now.unix()).map_err(|refusal| {
        SyncShellError::NotTrusted {
            key_id: identity.key_id,
            reason: format!("its own status does not open: {refusal}"),
        }
    })?;
    save_status(store, &verified, now)?;
    Ok(verified)
}

/// Keeps `status` in `store` if it is its reporter's newest, with its history sample.
pub fn save_status(
    store: &mut Store,
    status: &VerifiedStatus,
    now: Timestamp,
) -> Result<bool, SyncShellError> {
    let (row, sample) = status_row(status, now);
    Ok(store.save_node_status(&row, &sample, HistoryRules::default())?)
}

/// The store's columns and history sample of a status.
pub fn status_row(status: &VerifiedStatus, now: Timestamp) -> (NodeStatusRow, StatusSample) {
    let report = &status.status;
    let row = NodeStatusRow {
        reporter: status.reporter.to_hex(),
        role: status.role.as_str().to_owned(),
        subject: status.subject.clone(),
        commune: status.commune.clone(),
        sequence: report.sequence,
        reported_at: report.reported_at,
        received_at: now.to_rfc3339(),
        digest: status.digest().to_vec(),
        status_json: serde_json::to_string(report).unwrap_or_else(|_| "{}".to_owned()),
        bytes: status.bytes.clone(),
    };
    (row, sample_of(report))
}

/// A status's point in the history: the largest lag, the backlogs and totals over its peers.
pub fn sample_of(status: &NodeStatus) -> StatusSample {
    let mut sample = StatusSample {
        reported_at: status.reported_at,
        ..StatusSample::default()
    };
    for peer in &status.peers {
        sample.lag_seconds = sample.lag_seconds.max(peer.lag_seconds);
        sample.backlog_out += peer.backlog_out;
        sample.backlog_in += peer.backlog_in;
        sample.bytes_sent += peer.bytes_sent;
        sample.bytes_received += peer.bytes_received;
        sample.errors += peer.errors;
        sample.refusals += peer.refusals;
    }
    sample
}

/// Reads a stored status's report (this node's store only holds statuses it checked).
pub fn stored_report(row: &NodeStatusRow) -> Option<NodeStatus> {
    serde_json::from_str(&row.status_json)
        .ok()
        .or_else(|| read_status_unverified(&row.bytes).ok())
}
