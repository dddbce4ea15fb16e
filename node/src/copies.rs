//! Node-level work on copies shared by every role: derive a stored copy's status with the node's
//! trust, tell damage from a signer that does not count, and build the sealed PDF artifact and
//! QR text of a copy.

use std::collections::BTreeMap;

use bansao_artifact::{ArtifactContent, PageImage, PageImageFormat, RenderError, Sealer};
use bansao_copy::document::CopyDocumentError;
use bansao_copy::status::{CopyStatus, NotGenuine, StatusReport, describe_signer};
use bansao_copy::{CopyDocument, CopyId, CopyRecord, Decision, QrClaims, Timestamp};
use bansao_store::{IndexStatus, Store, StoreError};
use bansao_trust::{Role, SecretKey, SignerError, TrustContext};

/// A stored copy is not genuine under the node's trust (its issuing signature does not count).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("copy {copy_id} is not genuine: {reason}")]
pub struct NotGenuineCopy {
    /// The copy.
    pub copy_id: CopyId,
    /// Why.
    pub reason: String,
}

/// The sealed PDF of a copy could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ArtifactError {
    /// The copy is not genuine: no PDF is sealed for it.
    #[error(transparent)]
    NotGenuine(#[from] NotGenuineCopy),
    /// A scan of the copy is not in the database.
    #[error("the scan of copy {0} is missing from the store")]
    MissingScan(CopyId),
    /// A stored scan is not an image the PDF can carry.
    #[error("a stored scan of copy {0} is neither PNG nor JPEG")]
    NotAnImage(CopyId),
    /// The database could not be read.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The copy's record could not be read from its document.
    #[error(transparent)]
    Document(#[from] CopyDocumentError),
    /// The PDF could not be rendered or sealed.
    #[error(transparent)]
    Render(#[from] RenderError),
}

/// The status of a document, or why it is not genuine.
pub fn status_report(
    document: &CopyDocument,
    trust: &TrustContext,
) -> Result<StatusReport, NotGenuineCopy> {
    bansao_copy::status::document_report(document, trust).map_err(|reason| NotGenuineCopy {
        copy_id: document.content().copy_id,
        reason,
    })
}

/// The status to index a document under: its derived status; `damaged` when its bytes no
/// longer carry a valid kiosk signature over its content (never "rejected", which is an
/// official's decision); `revoked` when the issuing key is revoked; `not-genuine` when the
/// issuing key does not count for another reason.
pub fn index_status(document: &CopyDocument, trust: &TrustContext) -> IndexStatus {
    match document_damage(document, trust) {
        Err(_) => IndexStatus::Damaged,
        Ok(Err(NotGenuine::Signer(SignerError::Revoked { .. }))) => {
            IndexStatus::Copy(CopyStatus::Revoked)
        }
        Ok(Err(_)) => IndexStatus::NotGenuine,
        Ok(Ok(report)) => IndexStatus::Copy(report.status),
    }
}

/// Whether a loaded document is damaged (`Err`, with the reason): its signatures cannot be
/// read, or it lacks the kiosk's signature, or that signature does not match its content.
/// Otherwise the status derivation's own answer.
pub fn document_damage(
    document: &CopyDocument,
    trust: &TrustContext,
) -> Result<Result<StatusReport, NotGenuine>, String> {
    let (records, malformed) = document
        .signatures()
        .map_err(|error| format!("its signatures cannot be read: {error}"))?;
    let derived = bansao_copy::derive_status(
        document.content(),
        document.content_bytes(),
        &records,
        &malformed,
        trust,
    );
    match derived {
        Err(damage @ (NotGenuine::MissingIssueSignature | NotGenuine::BadIssueSignature)) => {
            Err(damage.to_string())
        }
        other => Ok(other),
    }
}

/// A [`Sealer`] over a node's key.
#[derive(Debug)]
pub struct KeySealer<'a>(pub &'a SecretKey);

impl Sealer for KeySealer<'_> {
    fn key_id(&self) -> [u8; 8] {
        self.0.key_id().0
    }

    fn sign(&self, message: &[u8]) -> ed25519_dalek::Signature {
        self.0.sign_raw(message)
    }
}

/// The QR text of a copy (deterministic: Ed25519 signatures are).
pub fn qr_text(document: &CopyDocument, kiosk_key: &SecretKey) -> String {
    QrClaims::for_content(document.content()).to_qr_text(kiosk_key)
}

/// The name of a commune as its ward's certificate gives it, or the code.
pub fn commune_label(code: &str, trust: &TrustContext) -> String {
    trust
        .trust_list()
        .certificates
        .values()
        .find(|c| c.body.role == Role::Ward && c.body.commune.as_deref() == Some(code))
        .map(|c| format!("{} (mã {code})", c.body.subject))
        .unwrap_or_else(|| format!("Xã/phường mã {code}"))
}

fn page_image(bytes: &[u8], copy_id: CopyId) -> Result<PageImage, ArtifactError> {
    let format = match crate::scan_media_type(bytes) {
        Some("image/png") => PageImageFormat::Png,
        Some("image/jpeg") => PageImageFormat::Jpeg,
        _ => return Err(ArtifactError::NotAnImage(copy_id)),
    };
    Ok(PageImage {
        bytes: bytes.to_vec(),
        format,
    })
}

/// Renders the sealed PDF/A artifact of a copy as it stands, sealed with `sealer_key`.
pub fn render_artifact(
    document: &CopyDocument,
    qr_text: &str,
    store: &Store,
    trust: &TrustContext,
    sealer_key: &SecretKey,
    now: Timestamp,
) -> Result<Vec<u8>, ArtifactError> {
    let content = document.content();
    let report = status_report(document, trust)?;
    let mut pages = Vec::with_capacity(content.pages.len());
    for page in &content.pages {
        let scan = store
            .blob(&page.sha256)?
            .ok_or(ArtifactError::MissingScan(content.copy_id))?;
        pages.push(page_image(&scan, content.copy_id)?);
    }
    let mut signer_lines = vec![format!(
        "Ký tạm thời: {} lúc {} (provisional signature)",
        describe_signer(&report.issued_by),
        report.issued_by.record.signed_at.vietnam_local()
    )];
    for decision in &report.decisions {
        let what = match decision.record.decision {
            Decision::Approve => "Ký duyệt (counter-signed)",
            Decision::Reject => "Từ chối (rejected)",
            Decision::Register => "Đăng ký (registered)",
            Decision::Revoke => "Thu hồi (revoked)",
            Decision::Issue => "Ký tạm thời",
        };
        let mut line = format!(
            "{what}: {} lúc {}",
            describe_signer(decision),
            decision.record.signed_at.vietnam_local()
        );
        if let Some(number) = &decision.record.certification_number {
            line.push_str(&format!(" — số chứng thực {number}"));
        }
        if let Some(reason) = &decision.record.reason {
            line.push_str(&format!(" — lý do: {reason}"));
        }
        signer_lines.push(line);
    }
    let record = CopyRecord::from_document(document, qr_text.to_owned())?;
    let artifact = ArtifactContent {
        copy_id: content.copy_id.to_string(),
        document_type_label: format!(
            "{} ({})",
            content.document_type.label_vi(),
            content.document_type.label_en()
        ),
        commune_label: commune_label(&content.commune, trust),
        issued_at_label: format!("{} (giờ Việt Nam)", content.issued_at.vietnam_local()),
        status_label: format!("{} ({})", report.status.label_vi(), report.status),
        signer_lines,
        qr_text: qr_text.to_owned(),
        metadata_cbor: record.to_cbor(),
        created_at: now.datetime(),
        pages,
    };
    Ok(bansao_artifact::render_sealed_pdf(
        &artifact,
        &KeySealer(sealer_key),
    )?)
}

/// Field values as a sorted map, for printing.
pub fn field_values(document: &CopyDocument) -> BTreeMap<String, String> {
    document
        .content()
        .fields
        .iter()
        .map(|(name, field)| (name.clone(), field.value.clone()))
        .collect()
}
