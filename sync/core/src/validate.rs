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
/// is independent, so the work is shared by `threads` threads (1: on the caller's).
pub fn check_new_documents(
    documents: &[(CopyId, &[u8])],
    commune: &str,
    trust: &TrustContext,
    actor: &automerge::ActorId,
    threads: usize,
) -> Vec<Checked> {
    // A thread is not worth starting for a document or two.
    let threads = if documents.len() < 2 * threads {
        1
    } else {
        threads
    };
    check_new_documents_alongside(documents, commune, trust, actor, threads, || ()).0
}

/// Documents a thread takes at a time from the shared queue.
const DOCUMENTS_PER_TAKE: usize = 4;

/// [`check_new_documents`] with one more job, `alongside`, run first on one of the threads,
/// which then joins the checking: the shell stores the previous batch this way, and the two
/// cores share storing and checking whatever their sizes. Returns the verdicts and what
/// `alongside` returned (`None` if it panicked).
pub fn check_new_documents_alongside<R: Send>(
    documents: &[(CopyId, &[u8])],
    commune: &str,
    trust: &TrustContext,
    actor: &automerge::ActorId,
    threads: usize,
    alongside: impl FnOnce() -> R + Send,
) -> (Vec<Checked>, Option<R>) {
    let check = |(key, bytes): &(CopyId, &[u8])| match CopyDocument::load(bytes, actor.clone()) {
        Err(error) => Checked::Unreadable(error.to_string()),
        Ok(document) => match check_new_document(&document, *key, commune, trust) {
            Ok(report) => Checked::Accepted(Box::new((document, report))),
            Err(refusal) => Checked::Refused(refusal),
        },
    };
    let threads = threads.clamp(1, 16);
    if threads == 1 {
        let done = alongside();
        return (documents.iter().map(check).collect(), Some(done));
    }
    // Threads take a few documents at a time until none are left, so a thread that was busy
    // elsewhere (storing, or preempted) simply checks fewer.
    let next = std::sync::atomic::AtomicUsize::new(0);
    let take_and_check = || {
        let mut verdicts = Vec::new();
        loop {
            let first = next.fetch_add(DOCUMENTS_PER_TAKE, std::sync::atomic::Ordering::Relaxed);
            if first >= documents.len() {
                return verdicts;
            }
            let last = (first + DOCUMENTS_PER_TAKE).min(documents.len());
            verdicts.extend((first..last).map(|index| (index, check(&documents[index]))));
        }
    };
    let (mut verdicts, done) = std::thread::scope(|scope| {
        let first = scope.spawn(|| {
            let done = alongside();
            (done, take_and_check())
        });
        let others: Vec<_> = (2..threads).map(|_| scope.spawn(take_and_check)).collect();
        let mut verdicts = take_and_check();
        let done = match first.join() {
            Ok((done, theirs)) => {
                verdicts.extend(theirs);
                Some(done)
            }
            Err(_) => None,
        };
        for other in others {
            // Automerge panics are contained inside `CopyDocument::load`; should anything else
            // panic, the documents that thread took are refused below, not lost silently.
            if let Ok(theirs) = other.join() {
                verdicts.extend(theirs);
            }
        }
        (verdicts, done)
    });
    verdicts.sort_unstable_by_key(|(index, _)| *index);
    let mut verdicts = verdicts.into_iter().peekable();
    let ordered = (0..documents.len())
        .map(
            |index| match verdicts.next_if(|(taken, _)| *taken == index) {
                Some((_, verdict)) => verdict,
                None => Checked::Unreadable("checking the document failed".to_owned()),
            },
        )
        .collect();
    (ordered, done)
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
