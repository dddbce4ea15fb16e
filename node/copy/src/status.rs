//! A copy's status, derived from the signatures it holds and the trust the verifier has.
//!
//! Nothing stores a status: it is recomputed from valid signatures every time, so a copy that
//! syncs in a new counter-signature or a new revocation list changes status by itself.
//!
//! The rules, in order:
//! 1. The copy is genuine only if it holds a valid kiosk signature over its content: the kiosk's
//!    key chains to the city root, was valid at the issue time, belongs to the copy's commune and
//!    is the kiosk the content names.
//! 2. Revoked if the revocation list names the copy or the city signed a revocation.
//! 3. In conflict if valid approvals and valid rejections stand together (officials decided
//!    differently, possibly offline and at the same time). The conflict is reported with both
//!    sides; an official reconciles by replacing their own decision. Nothing is chosen silently.
//! 4. Rejected if an official of the commune rejected it.
//! 5. Registered if approved and the city registrar registered it.
//! 6. Countersigned if an official of the commune approved it.
//! 7. Otherwise provisional.
//!
//! Signatures that do not count (unknown key, wrong role or commune, bad signature, made before
//! the issue) are listed in [`StatusReport::ignored`] with the reason, never silently dropped.

use std::fmt;

use bansao_trust::{KeyId, Role, SignerError, TrustContext};

use crate::content::CopyContent;
use crate::document::MalformedSignature;
use crate::signature::{Decision, SignatureRecord};

/// Where a copy stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CopyStatus {
    /// Issued by a kiosk, waiting for an official.
    Provisional,
    /// Approved (counter-signed) by an official of the commune.
    Countersigned,
    /// Approved and registered by the city.
    Registered,
    /// Refused by an official.
    Rejected,
    /// Revoked by the city.
    Revoked,
    /// Officials' decisions contradict each other; an official must reconcile.
    Conflict,
}

impl CopyStatus {
    /// Every status.
    pub const ALL: [CopyStatus; 6] = [
        CopyStatus::Provisional,
        CopyStatus::Countersigned,
        CopyStatus::Registered,
        CopyStatus::Rejected,
        CopyStatus::Revoked,
        CopyStatus::Conflict,
    ];

    /// Stable lowercase name (also the index column's value).
    pub fn as_str(self) -> &'static str {
        match self {
            CopyStatus::Provisional => "provisional",
            CopyStatus::Countersigned => "countersigned",
            CopyStatus::Registered => "registered",
            CopyStatus::Rejected => "rejected",
            CopyStatus::Revoked => "revoked",
            CopyStatus::Conflict => "conflict",
        }
    }

    /// Parses the name.
    pub fn from_name(name: &str) -> Option<CopyStatus> {
        CopyStatus::ALL.into_iter().find(|s| s.as_str() == name)
    }

    /// Vietnamese label for people.
    pub fn label_vi(self) -> &'static str {
        match self {
            CopyStatus::Provisional => "Tạm thời — chờ cán bộ ký duyệt",
            CopyStatus::Countersigned => "Đã được cán bộ tư pháp ký duyệt",
            CopyStatus::Registered => "Đã đăng ký tại thành phố",
            CopyStatus::Rejected => "Bị từ chối",
            CopyStatus::Revoked => "Đã bị thu hồi",
            CopyStatus::Conflict => "Quyết định mâu thuẫn — chờ đối chiếu",
        }
    }
}

impl fmt::Display for CopyStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A signature that counts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidSignature {
    /// The record.
    pub record: SignatureRecord,
    /// The signer's name (certificate subject).
    pub signer_name: String,
    /// The signer's role.
    pub role: Role,
}

/// A signature that does not count, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IgnoredSignature {
    /// Who it claims to be from (hex key id, or the storage key for unreadable entries).
    pub signer: String,
    /// The decision it claims.
    pub decision: Option<Decision>,
    /// Why it does not count.
    pub reason: String,
}

/// Approvals and rejections that contradict each other.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecisionConflict {
    /// Who approved.
    pub approvals: Vec<ValidSignature>,
    /// Who rejected.
    pub rejections: Vec<ValidSignature>,
}

/// Everything known about a genuine copy's standing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatusReport {
    /// The derived status.
    pub status: CopyStatus,
    /// The kiosk's provisional signature.
    pub issued_by: ValidSignature,
    /// Valid decisions other than the issue, in signing order.
    pub decisions: Vec<ValidSignature>,
    /// Set when status is [`CopyStatus::Conflict`].
    pub conflict: Option<DecisionConflict>,
    /// Why the copy is revoked, when it is.
    pub revocation_reason: Option<String>,
    /// The certification number given by the approving official, if any.
    pub certification_number: Option<String>,
    /// Signatures that do not count.
    pub ignored: Vec<IgnoredSignature>,
}

/// Why a copy is not genuine at all.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum NotGenuine {
    /// No kiosk signature at all.
    #[error("the copy carries no kiosk signature")]
    MissingIssueSignature,
    /// The kiosk's key does not count.
    #[error("the issuing kiosk's key does not count: {0}")]
    Signer(SignerError),
    /// The kiosk's signature does not verify over the content.
    #[error("the kiosk's signature does not match the content: the copy was altered")]
    BadIssueSignature,
    /// The kiosk's certificate is for another commune or kiosk than the content names.
    #[error("the signing kiosk is {actual}, but the copy names {claimed}")]
    WrongKiosk {
        /// What the content names.
        claimed: String,
        /// What the certificate says.
        actual: String,
    },
}

/// The status report of a stored document, or why it is not a genuine copy (in words).
pub fn document_report(
    document: &crate::CopyDocument,
    trust: &TrustContext,
) -> Result<StatusReport, String> {
    let (records, malformed) = document.signatures().map_err(|e| e.to_string())?;
    derive_status(
        document.content(),
        document.content_bytes(),
        &records,
        &malformed,
        trust,
    )
    .map_err(|not_genuine| not_genuine.to_string())
}

/// Derives the status of a copy from its signatures.
pub fn derive_status(
    content: &CopyContent,
    content_bytes: &[u8],
    records: &[SignatureRecord],
    malformed: &[MalformedSignature],
    trust: &TrustContext,
) -> Result<StatusReport, NotGenuine> {
    let mut ignored: Vec<IgnoredSignature> = malformed
        .iter()
        .map(|entry| IgnoredSignature {
            signer: entry.key.clone(),
            decision: None,
            reason: format!("unreadable: {}", entry.reason),
        })
        .collect();
    let issued_by = check_issue(content, content_bytes, records, trust, &mut ignored)?;

    let mut decisions: Vec<ValidSignature> = Vec::new();
    for record in records.iter().filter(|r| r.decision != Decision::Issue) {
        match check_decision(content, content_bytes, record, trust) {
            Ok(valid) => decisions.push(valid),
            Err(reason) => ignored.push(IgnoredSignature {
                signer: record.signer.to_hex(),
                decision: Some(record.decision),
                reason,
            }),
        }
    }
    decisions.sort_by_key(|d| (d.record.signed_at, d.record.signer));

    let of = |decision: Decision| -> Vec<ValidSignature> {
        decisions
            .iter()
            .filter(|d| d.record.decision == decision)
            .cloned()
            .collect()
    };
    let approvals = of(Decision::Approve);
    let rejections = of(Decision::Reject);
    let registrations = of(Decision::Register);
    let revocations = of(Decision::Revoke);

    let revocation_reason = trust
        .copy_revocation(&content.copy_id.to_string())
        .map(|r| r.reason.clone())
        .or_else(|| {
            revocations
                .first()
                .map(|r| r.record.reason.clone().unwrap_or_default())
        });
    let certification_number = approvals
        .iter()
        .find_map(|a| a.record.certification_number.clone());

    let (status, conflict) = if revocation_reason.is_some() {
        (CopyStatus::Revoked, None)
    } else if !approvals.is_empty() && !rejections.is_empty() {
        (
            CopyStatus::Conflict,
            Some(DecisionConflict {
                approvals: approvals.clone(),
                rejections: rejections.clone(),
            }),
        )
    } else if !rejections.is_empty() {
        (CopyStatus::Rejected, None)
    } else if !approvals.is_empty() && !registrations.is_empty() {
        (CopyStatus::Registered, None)
    } else if !approvals.is_empty() {
        (CopyStatus::Countersigned, None)
    } else {
        (CopyStatus::Provisional, None)
    };
    if status != CopyStatus::Registered && status != CopyStatus::Revoked {
        for registration in &registrations {
            ignored.push(IgnoredSignature {
                signer: registration.record.signer.to_hex(),
                decision: Some(Decision::Register),
                reason: "a registration counts only for an approved copy without rejections"
                    .to_owned(),
            });
        }
    }
    Ok(StatusReport {
        status,
        issued_by,
        decisions,
        conflict,
        revocation_reason,
        certification_number,
        ignored,
    })
}

fn check_issue(
    content: &CopyContent,
    content_bytes: &[u8],
    records: &[SignatureRecord],
    trust: &TrustContext,
    ignored: &mut Vec<IgnoredSignature>,
) -> Result<ValidSignature, NotGenuine> {
    let mut first_error = None;
    for record in records.iter().filter(|r| r.decision == Decision::Issue) {
        match check_issue_record(content, content_bytes, record, trust) {
            Ok(valid) => return Ok(valid),
            Err(error) => {
                ignored.push(IgnoredSignature {
                    signer: record.signer.to_hex(),
                    decision: Some(Decision::Issue),
                    reason: error.to_string(),
                });
                first_error.get_or_insert(error);
            }
        }
    }
    Err(first_error.unwrap_or(NotGenuine::MissingIssueSignature))
}

fn check_issue_record(
    content: &CopyContent,
    content_bytes: &[u8],
    record: &SignatureRecord,
    trust: &TrustContext,
) -> Result<ValidSignature, NotGenuine> {
    let certificate = trust
        .check_signer_with_role(record.signer, content.issued_at.unix(), &[Role::Kiosk])
        .map_err(NotGenuine::Signer)?;
    let body = &certificate.body;
    if body.subject != content.kiosk_id || body.commune.as_deref() != Some(content.commune.as_str())
    {
        return Err(NotGenuine::WrongKiosk {
            claimed: format!("{} ({})", content.kiosk_id, content.commune),
            actual: format!(
                "{} ({})",
                body.subject,
                body.commune.as_deref().unwrap_or("?")
            ),
        });
    }
    if !record.verifies(content, content_bytes, &body.public_key) {
        return Err(NotGenuine::BadIssueSignature);
    }
    Ok(ValidSignature {
        record: record.clone(),
        signer_name: body.subject.clone(),
        role: body.role,
    })
}

fn check_decision(
    content: &CopyContent,
    content_bytes: &[u8],
    record: &SignatureRecord,
    trust: &TrustContext,
) -> Result<ValidSignature, String> {
    let roles: &[Role] = match record.decision {
        Decision::Issue => &[Role::Kiosk],
        Decision::Approve | Decision::Reject => &[Role::Official],
        Decision::Register => &[Role::Registrar],
        Decision::Revoke => &[Role::Registrar, Role::CityRoot],
    };
    let certificate = trust
        .check_signer_with_role(record.signer, record.signed_at.unix(), roles)
        .map_err(|error| error.to_string())?;
    let body = &certificate.body;
    if body.role == Role::Official && body.commune.as_deref() != Some(content.commune.as_str()) {
        return Err("an official of another commune".to_owned());
    }
    if record.signed_at < content.issued_at {
        return Err("signed before the copy was issued".to_owned());
    }
    if !record.verifies(content, content_bytes, &body.public_key) {
        return Err("the signature does not verify".to_owned());
    }
    Ok(ValidSignature {
        record: record.clone(),
        signer_name: body.subject.clone(),
        role: body.role,
    })
}

/// Why a key id in a report is shown: a short helper for messages.
pub fn describe_signer(signature: &ValidSignature) -> String {
    format!(
        "{} ({}, {})",
        signature.signer_name,
        signature.role.label_vi(),
        KeyId::to_hex(&signature.record.signer)
    )
}
