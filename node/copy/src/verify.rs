//! Offline verification: from QR text or a portable copy record to a verdict a person can act
//! on (genuine and in which status, revoked, unknown signer, tampered, expired, ...), with the
//! reasons.

use bansao_trust::cose::CoseOpenError;
use bansao_trust::{Role, SignerError, TrustContext};

use crate::content::CopyContent;
use crate::qr::{QrClaims, QrDecodeError, decode_qr_text};
use crate::record::CopyRecord;
use crate::status::{CopyStatus, NotGenuine, StatusReport, derive_status};

/// The answer to "is this copy genuine?".
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Genuine; the status is provisional, countersigned or registered.
    Genuine(CopyStatus),
    /// The copy, or a key that signed it, is revoked.
    Revoked(String),
    /// Signed by a key the trust list does not know.
    UnknownSigner(String),
    /// The data does not match its signature: something was changed.
    Tampered(String),
    /// Signed outside the validity of the signer's certificate (expired, not yet valid, retired).
    Expired(String),
    /// Carries no signature.
    Unsigned,
    /// Refused by a commune official.
    Rejected(String),
    /// Officials' decisions contradict each other; not usable until reconciled.
    Disputed(String),
    /// Signed by a key that may not sign copies (wrong role, commune or chain).
    NotAuthorised(String),
}

impl Verdict {
    /// Whether the copy can be relied on.
    pub fn is_genuine(&self) -> bool {
        matches!(self, Verdict::Genuine(_))
    }

    /// A stable machine name.
    pub fn code(&self) -> &'static str {
        match self {
            Verdict::Genuine(_) => "genuine",
            Verdict::Revoked(_) => "revoked",
            Verdict::UnknownSigner(_) => "unknown-signer",
            Verdict::Tampered(_) => "tampered",
            Verdict::Expired(_) => "expired",
            Verdict::Unsigned => "unsigned",
            Verdict::Rejected(_) => "rejected",
            Verdict::Disputed(_) => "disputed",
            Verdict::NotAuthorised(_) => "not-authorised",
        }
    }

    /// A headline in Vietnamese, then English.
    pub fn headline(&self) -> String {
        match self {
            Verdict::Genuine(status) => {
                format!("BẢN SAO HỢP LỆ — {} (genuine, {status})", status.label_vi())
            }
            Verdict::Revoked(_) => "ĐÃ BỊ THU HỒI (revoked)".to_owned(),
            Verdict::UnknownSigner(_) => "KHÔNG RÕ NGƯỜI KÝ (unknown signer)".to_owned(),
            Verdict::Tampered(_) => "ĐÃ BỊ SỬA ĐỔI (tampered)".to_owned(),
            Verdict::Expired(_) => "CHỮ KÝ HẾT HIỆU LỰC (expired)".to_owned(),
            Verdict::Unsigned => "KHÔNG CÓ CHỮ KÝ (unsigned)".to_owned(),
            Verdict::Rejected(_) => "BỊ TỪ CHỐI (rejected)".to_owned(),
            Verdict::Disputed(_) => "QUYẾT ĐỊNH MÂU THUẪN (disputed)".to_owned(),
            Verdict::NotAuthorised(_) => "NGƯỜI KÝ KHÔNG CÓ THẨM QUYỀN (not authorised)".to_owned(),
        }
    }

    /// The reason, for people.
    pub fn reason(&self) -> String {
        match self {
            Verdict::Genuine(CopyStatus::Provisional) => {
                "Ki-ốt đã ký tạm thời; chờ cán bộ tư pháp ký duyệt. Signed provisionally by the kiosk.".to_owned()
            }
            Verdict::Genuine(status) => status.label_vi().to_owned(),
            Verdict::Unsigned => "Mã không mang chữ ký số. The code carries no signature.".to_owned(),
            Verdict::Revoked(why)
            | Verdict::UnknownSigner(why)
            | Verdict::Tampered(why)
            | Verdict::Expired(why)
            | Verdict::Rejected(why)
            | Verdict::Disputed(why)
            | Verdict::NotAuthorised(why) => why.clone(),
        }
    }
}

/// A verdict with what was read.
#[derive(Clone, Debug)]
pub struct Verification {
    /// The verdict.
    pub verdict: Verdict,
    /// The QR claims, when a QR was read.
    pub claims: Option<QrClaims>,
    /// The content, when a record was read.
    pub content: Option<CopyContent>,
    /// The status report, when a record was read and is genuine at all.
    pub report: Option<StatusReport>,
}

fn signer_verdict(error: SignerError) -> Verdict {
    let text = error.to_string();
    match error {
        SignerError::UnknownKey(_) => Verdict::UnknownSigner(text),
        SignerError::Revoked { .. } => Verdict::Revoked(text),
        SignerError::OutsideValidity { .. } | SignerError::Retired { .. } => Verdict::Expired(text),
        SignerError::BrokenChain { .. } | SignerError::WrongRole { .. } => {
            Verdict::NotAuthorised(text)
        }
    }
}

/// Verifies QR text. Input that cannot be read at all is an error; everything readable gets a
/// verdict. A QR proves issuance only, so a genuine QR is at most [`CopyStatus::Provisional`]
/// (the copy's record or the node's store tell later decisions).
pub fn verify_qr(text: &str, trust: &TrustContext) -> Result<Verification, QrDecodeError> {
    let decoded = match decode_qr_text(text) {
        Ok(decoded) => decoded,
        Err(QrDecodeError::Cose(CoseOpenError::MissingSignature)) => {
            return Ok(Verification {
                verdict: Verdict::Unsigned,
                claims: None,
                content: None,
                report: None,
            });
        }
        Err(error) => return Err(error),
    };
    let claims = decoded.claims;
    let verdict = (|| {
        let certificate = match trust.check_signer_with_role(
            decoded.envelope.key_id,
            claims.issued_at.unix(),
            &[Role::Kiosk],
        ) {
            Ok(certificate) => certificate,
            Err(error) => return signer_verdict(error),
        };
        if !decoded.envelope.verify(&certificate.body.public_key) {
            return Verdict::Tampered(
                "Chữ ký không khớp với nội dung mã. The signature does not match the code's content.".to_owned(),
            );
        }
        let body = &certificate.body;
        if body.subject != claims.kiosk_id
            || body.commune.as_deref() != Some(claims.commune.as_str())
        {
            return Verdict::NotAuthorised(format!(
                "the code names kiosk {} of commune {}, but was signed by {}",
                claims.kiosk_id, claims.commune, body.subject
            ));
        }
        if let Some(revocation) = trust.copy_revocation(&claims.copy_id.to_string()) {
            return Verdict::Revoked(format!("Bản sao đã bị thu hồi: {}", revocation.reason));
        }
        Verdict::Genuine(CopyStatus::Provisional)
    })();
    Ok(Verification {
        verdict,
        claims: Some(claims),
        content: None,
        report: None,
    })
}

/// Verifies a portable copy record (as embedded in the PDF): the content against the kiosk's
/// signature, every decision, and the QR against the content.
pub fn verify_record(record: &CopyRecord, trust: &TrustContext) -> Verification {
    let mut verification = Verification {
        verdict: Verdict::Unsigned,
        claims: None,
        content: None,
        report: None,
    };
    let content = match CopyContent::from_canonical_cbor(&record.content) {
        Ok(content) => content,
        Err(error) => {
            verification.verdict =
                Verdict::Tampered(format!("the embedded content is invalid: {error}"));
            return verification;
        }
    };
    let report = match derive_status(&content, &record.content, &record.signatures, &[], trust) {
        Ok(report) => report,
        Err(not_genuine) => {
            verification.verdict = match not_genuine {
                NotGenuine::MissingIssueSignature => Verdict::Unsigned,
                NotGenuine::Signer(error) => signer_verdict(error),
                NotGenuine::BadIssueSignature => Verdict::Tampered(not_genuine.to_string()),
                NotGenuine::WrongKiosk { .. } => Verdict::NotAuthorised(not_genuine.to_string()),
            };
            verification.content = Some(content);
            return verification;
        }
    };
    // The QR printed on the copy must be the kiosk's code for this very content.
    let qr_verdict = match verify_qr(&record.qr_text, trust) {
        Ok(qr) => match &qr.claims {
            Some(claims)
                if claims.content_hash != content.content_hash()
                    || claims.copy_id != content.copy_id =>
            {
                Some(Verdict::Tampered(
                    "the QR code belongs to other content".to_owned(),
                ))
            }
            _ if !matches!(qr.verdict, Verdict::Genuine(_) | Verdict::Revoked(_)) => {
                Some(qr.verdict.clone())
            }
            _ => None,
        },
        Err(error) => Some(Verdict::Tampered(format!(
            "the embedded QR text is unreadable: {error}"
        ))),
    };
    verification.verdict = qr_verdict.unwrap_or_else(|| match report.status {
        CopyStatus::Revoked => Verdict::Revoked(report.revocation_reason.clone().unwrap_or_default()),
        CopyStatus::Rejected => Verdict::Rejected(
            report
                .decisions
                .iter()
                .find(|d| d.record.decision == crate::signature::Decision::Reject)
                .and_then(|d| d.record.reason.clone())
                .unwrap_or_default(),
        ),
        CopyStatus::Conflict => Verdict::Disputed(
            "cán bộ đã quyết định khác nhau; chờ xã đối chiếu (officials disagree; awaiting reconciliation)".to_owned(),
        ),
        status => Verdict::Genuine(status),
    });
    verification.content = Some(content);
    verification.report = Some(report);
    verification
}
