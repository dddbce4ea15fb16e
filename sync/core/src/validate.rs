//! What a received copy must satisfy before anything of it is stored.
//!
//! Trust comes from signatures, not from the link: a document is taken in only if it belongs to
//! the link's commune and carries a valid provisional signature of a kiosk of that commune; a
//! merge or an Automerge sync step is taken in only if every signature that counted before
//! still counts after (a peer may add decisions, and a signer may replace their own decision by
//! a later one, but nobody can remove or spoil another's signature).

use bansao_copy::status::{StatusReport, ValidSignature};
use bansao_copy::{CopyDocument, CopyId, CopyStatus};
use bansao_trust::TrustContext;

use crate::wire::ErrorCode;

/// Why a received document is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{detail}")]
pub struct Refusal {
    /// The protocol error to send.
    pub code: ErrorCode,
    /// What was wrong, for the log.
    pub detail: String,
}

impl Refusal {
    fn invalid(copy_id: CopyId, reason: impl std::fmt::Display) -> Refusal {
        Refusal {
            code: ErrorCode::InvalidData,
            detail: format!("copy {copy_id}: {reason}"),
        }
    }
}

/// The status report of a document, or why it is not a genuine copy.
pub fn report(document: &CopyDocument, trust: &TrustContext) -> Result<StatusReport, String> {
    bansao_copy::status::document_report(document, trust)
}

/// Checks a whole document received under `key` on a link sharing `commune`.
pub fn check_new_document(
    document: &CopyDocument,
    key: CopyId,
    commune: &str,
    trust: &TrustContext,
) -> Result<StatusReport, Refusal> {
    let content = document.content();
    if content.copy_id != key {
        return Err(Refusal::invalid(
            key,
            format!("the document is of copy {}", content.copy_id),
        ));
    }
    if content.commune != commune {
        return Err(Refusal {
            code: ErrorCode::OutOfScope,
            detail: format!(
                "copy {key} belongs to commune {}, but this link shares commune {commune}",
                content.commune
            ),
        });
    }
    report(document, trust).map_err(|reason| Refusal::invalid(key, reason))
}

fn counted(report: &StatusReport) -> impl Iterator<Item = &ValidSignature> {
    std::iter::once(&report.issued_by).chain(report.decisions.iter())
}

/// Checks that the changes that turned `before` into `after` kept every signature that counted.
pub fn check_signatures_kept(
    copy_id: CopyId,
    before: &StatusReport,
    after: &StatusReport,
) -> Result<(), Refusal> {
    for old in counted(before) {
        let kept = counted(after).any(|new| {
            new.record.signer == old.record.signer && new.record.signed_at >= old.record.signed_at
        });
        if !kept {
            return Err(Refusal::invalid(
                copy_id,
                format!(
                    "the changes would remove or spoil the {:?} signature of {}",
                    old.record.decision, old.record.signer
                ),
            ));
        }
    }
    Ok(())
}

/// Merges a received replica into the stored one and checks the result.
pub fn merge_checked(
    stored: &mut CopyDocument,
    incoming: &mut CopyDocument,
    trust: &TrustContext,
) -> Result<CopyStatus, Refusal> {
    let copy_id = stored.content().copy_id;
    let before = report(stored, trust).map_err(|reason| Refusal::invalid(copy_id, reason))?;
    stored
        .merge(incoming)
        .map_err(|error| Refusal::invalid(copy_id, error))?;
    let after = report(stored, trust).map_err(|reason| Refusal::invalid(copy_id, reason))?;
    check_signatures_kept(copy_id, &before, &after)?;
    Ok(after.status)
}
