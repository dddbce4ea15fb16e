//! The ward's reconciliation: everything that does not add up, each with its evidence, and the
//! signed acts that resolve them. Nothing is resolved silently.
//!
//! - Conflicts: valid approvals and rejections standing together (an official's laptop decided
//!   offline, or two officials differently). An official whose decision stands replaces it
//!   ([`crate::decisions::resolve_conflict`]): a new signed decision; the copy's history keeps
//!   the old one.
//! - Chain anomalies recorded as copies arrived (duplicate sequence numbers, broken links, gaps,
//!   dates out of order or in the future). An official resolves one with a note saying what they
//!   found, signed with their key over the anomaly and the note ([`resolution_message`]); the
//!   anomaly stays on record with its resolution and no longer flags the copy.
//! - Copies provisional for longer than a number of days, and scans that never arrived: shown,
//!   resolved by deciding the copy, or by the kiosk's next sync.

use bansao_copy::status::{CopyStatus, DecisionConflict};
use bansao_copy::{CopyId, Decision, RejectionGround, Timestamp};
use bansao_store::{Anomaly, AnomalyResolution, StoreError};
use bansao_trust::SigningContext;

use crate::copies::status_report;
use crate::decisions::{self, Decided, DecisionRequest};
use crate::ward::{Official, Ward, WardError, parse_copy_id};

/// How an official resolves a conflict they are part of.
#[derive(Debug, Clone, Copy)]
pub enum ConflictResolution<'a> {
    /// The copy is approved.
    Approve,
    /// The copy is refused on a ground of Decree 23, Art. 22.
    Reject {
        /// The ground.
        ground: RejectionGround,
        /// The official's words.
        note: Option<&'a str>,
    },
}

/// A copy in conflict.
#[derive(Debug, Clone)]
pub struct ConflictCase {
    /// The copy.
    pub copy_id: CopyId,
    /// Its kiosk.
    pub kiosk_id: String,
    /// Both sides.
    pub conflict: DecisionConflict,
}

/// A copy provisional for long.
#[derive(Debug, Clone)]
pub struct StaleCopy {
    /// The copy.
    pub copy_id: CopyId,
    /// Its kiosk.
    pub kiosk_id: String,
    /// When it was issued.
    pub issued_at: Timestamp,
    /// Whole days since.
    pub days: i64,
}

/// A scan a copy names that the ward does not hold.
#[derive(Debug, Clone)]
pub struct MissingScan {
    /// The first copy that names it.
    pub copy_id: String,
    /// Its SHA-256, hex.
    pub sha256: String,
}

/// One scan named by several copies: the same original issued more than once.
#[derive(Debug, Clone)]
pub struct SameScan {
    /// The scan's SHA-256, hex.
    pub sha256: String,
    /// The copies that name it, oldest first.
    pub copies: Vec<String>,
}

/// Everything the reconciliation page shows.
#[derive(Debug, Clone)]
pub struct Reconciliation {
    /// Copies in conflict.
    pub conflicts: Vec<ConflictCase>,
    /// Chain anomalies still holding and not resolved.
    pub open_anomalies: Vec<Anomaly>,
    /// Anomalies an official resolved (the record).
    pub resolved_anomalies: Vec<Anomaly>,
    /// Copies provisional for more than the page's number of days.
    pub stale: Vec<StaleCopy>,
    /// Scans that never arrived.
    pub missing_scans: Vec<MissingScan>,
    /// The same original issued more than once (the same scan in several copies).
    pub same_scans: Vec<SameScan>,
    /// The number of days after which a provisional copy counts as stale.
    pub stale_after_days: i64,
    /// Forks and bad proofs of the city's log this ward was offered (its checkpoint kept).
    pub log_forks: Vec<bansao_store::LogFork>,
}

impl Reconciliation {
    /// Whether anything is open.
    pub fn is_clear(&self) -> bool {
        self.conflicts.is_empty()
            && self.open_anomalies.is_empty()
            && self.stale.is_empty()
            && self.missing_scans.is_empty()
            && self.same_scans.is_empty()
            && self.log_forks.is_empty()
    }
}

/// The exact bytes an official signs to resolve `anomaly` with `note` at `at`, for `commune`.
pub fn resolution_message(commune: &str, anomaly: &Anomaly, note: &str, at: Timestamp) -> Vec<u8> {
    format!(
        "bansao anomaly resolution\ncommune {commune}\nkind {}\nkiosk {}\nsequence {}\ncopy {}\nother {}\nfirst seen {}\nresolved at {}\nnote {note}",
        anomaly.kind.as_str(),
        anomaly.kiosk_id,
        anomaly.sequence,
        anomaly.copy_id,
        anomaly.other_copy_id.as_deref().unwrap_or("-"),
        anomaly.first_seen,
        at.to_rfc3339(),
    )
    .into_bytes()
}

impl Ward {
    /// What does not add up at this ward now: conflicts, open and resolved chain anomalies,
    /// copies provisional for more than `stale_after_days`, scans that never arrived.
    pub fn reconciliation(
        &self,
        now: Timestamp,
        stale_after_days: i64,
    ) -> Result<Reconciliation, WardError> {
        let store = &self.node.store;
        let mut conflicts = Vec::new();
        for row in store.oldest_copies(CopyStatus::Conflict, None, usize::MAX)? {
            let copy_id = parse_copy_id(&row.copy_id)?;
            let document = store.load_copy(copy_id, self.node.actor.clone())?;
            if let Some(conflict) = status_report(&document, &self.node.trust)?.conflict {
                conflicts.push(ConflictCase {
                    copy_id,
                    kiosk_id: row.kiosk_id,
                    conflict,
                });
            }
        }
        let (resolved_anomalies, open_anomalies) = store
            .anomalies(None, false)?
            .into_iter()
            .partition(|anomaly| anomaly.resolution.is_some());
        let mut stale = Vec::new();
        for row in store.oldest_copies(CopyStatus::Provisional, None, usize::MAX)? {
            let issued_at = Timestamp::parse(&row.issued_at)
                .map_err(|_| WardError::BadIndexRow(row.copy_id.clone()))?;
            let days = (now.unix() - issued_at.unix()) / 86_400;
            if days <= stale_after_days {
                // Oldest first: the rest are younger.
                break;
            }
            stale.push(StaleCopy {
                copy_id: parse_copy_id(&row.copy_id)?,
                kiosk_id: row.kiosk_id,
                issued_at,
                days,
            });
        }
        let missing_scans = store
            .missing_blobs(self.settings.commune.code.as_str(), 1_000)?
            .into_iter()
            .map(|missing| MissingScan {
                copy_id: missing.first_copy_id,
                sha256: hex::encode(missing.sha256),
            })
            .collect();
        let same_scans = store
            .scans_in_several_copies(1_000)?
            .into_iter()
            .map(|shared| SameScan {
                sha256: hex::encode(shared.sha256),
                copies: shared.copies,
            })
            .collect();
        Ok(Reconciliation {
            log_forks: store.log_forks()?,
            same_scans,
            conflicts,
            open_anomalies,
            resolved_anomalies,
            stale,
            missing_scans,
            stale_after_days,
        })
    }

    /// Resolves a copy in conflict: `official`, whose decision stands in it, replaces theirs with
    /// `decision` (approve, or reject on `ground` with the note), signed anew.
    pub fn resolve_conflict(
        &mut self,
        copy_id: CopyId,
        resolution: ConflictResolution<'_>,
        official: &Official,
        now: Timestamp,
    ) -> Result<Decided, WardError> {
        let (decision, reason) = match resolution {
            ConflictResolution::Approve => (Decision::Approve, None),
            ConflictResolution::Reject { ground, note } => {
                (Decision::Reject, Some(ground.reason_text(note)))
            }
        };
        let request = DecisionRequest {
            copy_id,
            decision,
            reason,
        };
        self.sign(decisions::resolve_conflict, request, official, now)
    }

    /// Resolves chain anomaly `anomaly_id`: `official` says what they found in `note`, signed
    /// with their key over the anomaly and the note.
    pub fn resolve_anomaly(
        &mut self,
        anomaly_id: i64,
        note: &str,
        official: &Official,
        now: Timestamp,
    ) -> Result<(), WardError> {
        let note = note.trim();
        if note.is_empty() {
            return Err(WardError::NoteRequired);
        }
        let store = &mut self.node.store;
        let anomaly = store.anomaly(anomaly_id)?.ok_or_else(|| {
            WardError::Store(StoreError::NotFound(format!("anomaly {anomaly_id}")))
        })?;
        let message = resolution_message(self.settings.commune.code.as_str(), &anomaly, note, now);
        let signature = official
            .key
            .sign(SigningContext::AnomalyResolution, &message);
        store.resolve_anomaly(
            anomaly_id,
            &AnomalyResolution {
                resolved_at: now.to_rfc3339(),
                official: official.id.to_string(),
                key_id: official.key.key_id().to_hex(),
                note: note.to_owned(),
                signature: signature.to_bytes().to_vec(),
            },
        )?;
        Ok(())
    }
}
