//! Signing a decision on a stored copy: an official's approval or rejection at the ward, the
//! registrar's registration or revocation at the city. One rule for all of them: the copy is
//! read, checked, signed and written back in one store transaction
//! ([`bansao_store::Store::record_decision`]); a decision that would not count under the node's
//! trust, or that the copy's status does not allow, is refused and nothing is written. An
//! approval is given the ward's next certification number (Decree 23/2015, Art. 13): continuous
//! within the year, in Vietnam's time.

use automerge::ActorId;
use bansao_copy::document::CopyDocumentError;
use bansao_copy::status::{CopyStatus, StatusReport};
use bansao_copy::timestamp::VIETNAM_OFFSET;
use bansao_copy::{CopyId, Decision, SignatureRecord, Timestamp};
use bansao_store::{NumberBook, Store, StoreError};
use bansao_trust::{SecretKey, TrustContext};

use crate::copies::{NotGenuineCopy, status_report};

/// The ward's book of certified copies ("sổ chứng thực bản sao từ bản chính").
pub const COPY_BOOK: &str = "SCT/BS";

/// A decision could not be recorded; nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum DecisionError {
    /// The database could not be read or written, or has no such copy.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The copy is not genuine: there is nothing to decide.
    #[error(transparent)]
    NotGenuine(#[from] NotGenuineCopy),
    /// The copy's document could not be changed.
    #[error(transparent)]
    Document(#[from] CopyDocumentError),
    /// The copy's status does not allow this decision (already decided, or not yet approved).
    #[error(
        "bản sao {copy_id} đang ở trạng thái {} ({status}): không thể {} (copy {copy_id} is {status}: it cannot be {})",
        status.label_vi(),
        verb_vi(*decision),
        verb_en(*decision)
    )]
    NotAllowed {
        /// The copy.
        copy_id: CopyId,
        /// Its status now.
        status: CopyStatus,
        /// The decision refused.
        decision: Decision,
    },
    /// The reason is longer than a signed record may carry.
    #[error(
        "lý do quá dài: tối đa {max} byte (the reason is {length} bytes; at most {max} are signed)"
    )]
    ReasonTooLong {
        /// Its length, in bytes.
        length: usize,
        /// The most a record carries.
        max: usize,
    },
    /// Only an official whose decision stands in a conflict may resolve it, by replacing theirs.
    #[error(
        "bản sao {copy_id}: chỉ cán bộ đã quyết định mới thay được quyết định của mình (only an official whose decision stands in the conflict may replace it)"
    )]
    NotInConflict {
        /// The copy.
        copy_id: CopyId,
    },
    /// The signer's decision would not count (wrong role or commune, revoked, expired).
    #[error("the decision does not count: {reason}")]
    DoesNotCount {
        /// Why.
        reason: String,
    },
}

fn verb_vi(decision: Decision) -> &'static str {
    match decision {
        Decision::Approve => "ký duyệt",
        Decision::Reject => "từ chối",
        Decision::Register => "đăng ký",
        Decision::Revoke => "thu hồi",
        Decision::Issue => "cấp",
    }
}

fn verb_en(decision: Decision) -> &'static str {
    match decision {
        Decision::Approve => "approved",
        Decision::Reject => "rejected",
        Decision::Register => "registered",
        Decision::Revoke => "revoked",
        Decision::Issue => "issued",
    }
}

/// The statuses a copy may have for `decision` to be signed on it.
pub fn allowed_from(decision: Decision) -> &'static [CopyStatus] {
    match decision {
        Decision::Approve | Decision::Reject => &[CopyStatus::Provisional],
        Decision::Register => &[CopyStatus::Countersigned],
        Decision::Revoke => &[
            CopyStatus::Provisional,
            CopyStatus::Countersigned,
            CopyStatus::Registered,
            CopyStatus::Rejected,
            CopyStatus::Conflict,
        ],
        Decision::Issue => &[],
    }
}

/// A decision to sign on one copy.
#[derive(Debug, Clone)]
pub struct DecisionRequest {
    /// Which copy.
    pub copy_id: CopyId,
    /// What is decided.
    pub decision: Decision,
    /// Why (rejections, revocations).
    pub reason: Option<String>,
}

/// A decision that was signed and stored.
#[derive(Debug, Clone)]
pub struct Decided {
    /// The copy's status after it.
    pub report: StatusReport,
    /// The certification number given (approvals), as signed.
    pub certification_number: Option<String>,
}

/// The certification number as signed and printed: `<number>/<year>-<book>`, e.g.
/// `125/2026-SCT/BS`.
pub fn certification_number_text(number: u64, year: i32, book: &str) -> String {
    format!("{number}/{year}-{book}")
}

/// The year of `now` in Vietnam, which numbers' years follow.
pub fn vietnam_year(now: Timestamp) -> i32 {
    now.datetime().to_offset(VIETNAM_OFFSET).year()
}

/// A rule for signing a decision on a stored copy ([`decide`], [`resolve_conflict`]).
pub type Rule = fn(
    &mut Store,
    &TrustContext,
    &SecretKey,
    ActorId,
    DecisionRequest,
    Timestamp,
) -> Result<Decided, DecisionError>;

/// Signs `request` on the stored copy with `key` and stores it. Approvals take the next number
/// of [`COPY_BOOK`] for the year.
pub fn decide(
    store: &mut Store,
    trust: &TrustContext,
    key: &SecretKey,
    actor: ActorId,
    request: DecisionRequest,
    now: Timestamp,
) -> Result<Decided, DecisionError> {
    let (copy_id, decision) = (request.copy_id, request.decision);
    sign_and_store(store, trust, key, actor, request, now, |before| {
        if allowed_from(decision).contains(&before.status) {
            Ok(())
        } else {
            Err(not_allowed(copy_id, before, decision))
        }
    })
}

/// Resolves a copy in conflict: an official whose approval or rejection stands replaces it with
/// `request`'s (approve or reject), signed anew; an approval takes the next number of the
/// ward's book. When another official's opposite decision still stands, the copy stays in
/// conflict until they replace theirs too; nothing is chosen for them.
pub fn resolve_conflict(
    store: &mut Store,
    trust: &TrustContext,
    key: &SecretKey,
    actor: ActorId,
    request: DecisionRequest,
    now: Timestamp,
) -> Result<Decided, DecisionError> {
    let (copy_id, decision) = (request.copy_id, request.decision);
    let signer = key.key_id();
    sign_and_store(store, trust, key, actor, request, now, |before| {
        let Some(conflict) = before.conflict.as_ref() else {
            return Err(not_allowed(copy_id, before, decision));
        };
        let stands = conflict
            .approvals
            .iter()
            .chain(&conflict.rejections)
            .any(|side| side.record.signer == signer);
        if !matches!(decision, Decision::Approve | Decision::Reject) || !stands {
            return Err(DecisionError::NotInConflict { copy_id });
        }
        Ok(())
    })
}

fn not_allowed(copy_id: CopyId, before: &StatusReport, decision: Decision) -> DecisionError {
    DecisionError::NotAllowed {
        copy_id,
        status: before.status,
        decision,
    }
}

/// The one rule: read, `check` the copy as it stands, sign, check the decision counts, write —
/// in one immediate store transaction.
fn sign_and_store(
    store: &mut Store,
    trust: &TrustContext,
    key: &SecretKey,
    actor: ActorId,
    request: DecisionRequest,
    now: Timestamp,
    check: impl FnOnce(&StatusReport) -> Result<(), DecisionError>,
) -> Result<Decided, DecisionError> {
    check_reason(&request)?;
    let year = vietnam_year(now);
    let book = (request.decision == Decision::Approve).then_some(NumberBook {
        book: COPY_BOOK,
        year,
    });
    store.record_decision(
        request.copy_id,
        actor,
        book,
        now,
        |document, number| -> Result<(CopyStatus, Decided), DecisionError> {
            sign_on(document, number, trust, key, &request, now, check)
        },
    )
}

/// [`decide`] for many copies, in one store transaction (one commit) for all of them: the same
/// rule on each copy, and each copy's outcome in its place — a refused one is left as it was.
/// Approvals take numbers from the book one copy at a time, so they are decided one by one.
pub fn decide_many(
    store: &mut Store,
    trust: &TrustContext,
    key: &SecretKey,
    actor: ActorId,
    requests: &[DecisionRequest],
    now: Timestamp,
) -> Result<Vec<Result<Decided, DecisionError>>, DecisionError> {
    if requests
        .iter()
        .any(|request| request.decision == Decision::Approve)
    {
        return Ok(requests
            .iter()
            .map(|request| decide(store, trust, key, actor.clone(), request.clone(), now))
            .collect());
    }
    let copy_ids: Vec<CopyId> = requests.iter().map(|request| request.copy_id).collect();
    Ok(store.record_decisions(
        &copy_ids,
        actor,
        now,
        |position, document| -> Result<(CopyStatus, Decided), DecisionError> {
            let request =
                requests
                    .get(position)
                    .ok_or(DecisionError::Store(StoreError::NotFound(
                        document.content().copy_id.to_string(),
                    )))?;
            check_reason(request)?;
            let (copy_id, decision) = (request.copy_id, request.decision);
            sign_on(document, None, trust, key, request, now, |before| {
                if allowed_from(decision).contains(&before.status) {
                    Ok(())
                } else {
                    Err(not_allowed(copy_id, before, decision))
                }
            })
        },
    )?)
}

fn check_reason(request: &DecisionRequest) -> Result<(), DecisionError> {
    match &request.reason {
        Some(reason) if reason.len() > bansao_copy::content::MAX_TEXT => {
            Err(DecisionError::ReasonTooLong {
                length: reason.len(),
                max: bansao_copy::content::MAX_TEXT,
            })
        }
        _ => Ok(()),
    }
}

/// Checks the copy as it stands, signs `request` on it (with its certification `number`, if
/// one was taken) and checks that the new signature counts.
fn sign_on(
    document: &mut bansao_copy::CopyDocument,
    number: Option<u64>,
    trust: &TrustContext,
    key: &SecretKey,
    request: &DecisionRequest,
    now: Timestamp,
    check: impl FnOnce(&StatusReport) -> Result<(), DecisionError>,
) -> Result<(CopyStatus, Decided), DecisionError> {
    let year = vietnam_year(now);
    let before = status_report(document, trust)?;
    check(&before)?;
    let certification_number =
        number.map(|number| certification_number_text(number, year, COPY_BOOK));
    let record = SignatureRecord::decide(
        document.content(),
        request.decision,
        now,
        request.reason.clone(),
        certification_number.clone(),
        key,
    );
    document.add_signature(&record)?;
    let report = status_report(document, trust)?;
    // The new record must count: an ignored entry of this signer (by key id, or by the
    // storage key of a record that does not read back) refuses the decision.
    let signer = key.key_id().to_hex();
    if let Some(ignored) = report
        .ignored
        .iter()
        .find(|i| i.signer == signer || i.signer.starts_with(&format!("{signer}/")))
    {
        return Err(DecisionError::DoesNotCount {
            reason: ignored.reason.clone(),
        });
    }
    let status = report.status;
    Ok((
        status,
        Decided {
            report,
            certification_number,
        },
    ))
}
