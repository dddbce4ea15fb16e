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

/// A whole document received, loaded and checked.
#[derive(Debug)]
pub enum Checked {
    /// Readable, in scope and genuine (boxed: a loaded document is large).
    Accepted(Box<(CopyDocument, StatusReport)>),
    /// Not an Automerge copy document.
    Unreadable(String),
    /// Readable but refused.
    Refused(Refusal),
}

/// Loads and checks whole documents received on a link sharing `commune`, keeping their order.
/// Loading and verifying signatures is most of the cost of taking in a batch, and every document
/// is independent, so the work is split over `threads` threads (1: on the caller's).
pub fn check_new_documents(
    documents: &[(CopyId, &[u8])],
    commune: &str,
    trust: &TrustContext,
    actor: &automerge::ActorId,
    threads: usize,
) -> Vec<Checked> {
    let check = |(key, bytes): &(CopyId, &[u8])| match CopyDocument::load(bytes, actor.clone()) {
        Err(error) => Checked::Unreadable(error.to_string()),
        Ok(document) => match check_new_document(&document, *key, commune, trust) {
            Ok(report) => Checked::Accepted(Box::new((document, report))),
            Err(refusal) => Checked::Refused(refusal),
        },
    };
    let threads = threads.clamp(1, 16);
    if threads == 1 || documents.len() < 2 * threads {
        return documents.iter().map(check).collect();
    }
    let per_thread = documents.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let workers: Vec<_> = documents
            .chunks(per_thread)
            .map(|chunk| {
                (
                    chunk.len(),
                    scope.spawn(move || chunk.iter().map(check).collect::<Vec<_>>()),
                )
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|(length, worker)| {
                worker.join().unwrap_or_else(|_| {
                    // Automerge panics are contained inside `CopyDocument::load`; should
                    // anything else panic, the chunk's documents are refused, not lost silently.
                    (0..length)
                        .map(|_| Checked::Unreadable("checking the document failed".to_owned()))
                        .collect()
                })
            })
            .collect()
    })
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
