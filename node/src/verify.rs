//! `bansao verify`: offline answer to "is this copy genuine?" from QR text, a photo or PNG of
//! the QR, or the PDF artifact, using only a `trust.cbor` file; with a node directory, also what
//! that node knows of the copy's kiosk chain ([`chain_knowledge`]).
//!
//! Exit codes: 0 genuine, 1 not genuine, 2 unusable input, 3 unusable trust file.

use std::io::Read;
use std::path::Path;

use bansao_artifact::{OpenError, open_sealed_pdf};
use bansao_copy::qr::QrDecodeError;
use bansao_copy::record::CopyRecordError;
use bansao_copy::{CopyContent, CopyRecord, Verdict, Verification, verify_qr, verify_record};
use bansao_store::{Anomaly, Store, StoreError};
use bansao_trust::{Certificate, Role, TrustBundleError, TrustContext};
use serde_json::json;
use sha2::{Digest, Sha256};

pub use crate::log_inclusion::{LogCheck, check_log_inclusion};

/// Why no verdict could be given.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    /// The input could not be read.
    #[error("cannot read {path}: {source}")]
    ReadInput {
        /// The input.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The trust file could not be read.
    #[error("cannot read the trust file {path}: {source}")]
    ReadTrust {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The trust file is not usable.
    #[error("the trust file {path} cannot be used: {error}")]
    Trust {
        /// The file.
        path: String,
        /// Why.
        error: TrustBundleError,
    },
    /// The image holds no readable QR code.
    #[error("{0}")]
    NoQrInImage(String),
    /// The image could not be decoded.
    #[error("{0}")]
    BadImage(String),
    /// The QR text is not a bansao code.
    #[error("{0}")]
    Qr(#[from] QrDecodeError),
    /// The PDF is not a sealed bansao artifact.
    #[error("not a sealed bansao copy: {0}")]
    Pdf(#[from] OpenError),
    /// The PDF's embedded record is malformed.
    #[error("the copy record inside the PDF is malformed: {0}")]
    Record(#[from] CopyRecordError),
    /// The input is neither text, an image nor a PDF.
    #[error("the input is not QR text, an image or a PDF")]
    UnknownInput,
    /// The input is larger than any copy can be.
    #[error("{path} is larger than {limit} bytes: not a bansao copy")]
    TooLarge {
        /// The input.
        path: String,
        /// The limit.
        limit: u64,
    },
}

impl VerifyError {
    /// The process exit code for this error.
    pub fn exit_code(&self) -> u8 {
        match self {
            VerifyError::ReadTrust { .. } | VerifyError::Trust { .. } => 3,
            _ => 2,
        }
    }

    /// A stable machine name.
    pub fn code(&self) -> &'static str {
        match self {
            VerifyError::ReadInput { .. } => "unreadable-input",
            VerifyError::ReadTrust { .. } | VerifyError::Trust { .. } => "unusable-trust-file",
            VerifyError::NoQrInImage(_) => "no-qr-in-image",
            VerifyError::BadImage(_) => "bad-image",
            VerifyError::Qr(QrDecodeError::Empty) => "empty",
            VerifyError::Qr(QrDecodeError::TooLong(_)) => "too-long",
            VerifyError::Qr(QrDecodeError::WrongPrefix(_)) => "wrong-prefix",
            VerifyError::Qr(QrDecodeError::InvalidBase45) => "invalid-base45",
            VerifyError::Qr(QrDecodeError::InvalidCbor(_)) => "invalid-cbor",
            VerifyError::Qr(QrDecodeError::Cose(_)) => "invalid-cose",
            VerifyError::Qr(QrDecodeError::InvalidClaims(_)) => "invalid-claims",
            VerifyError::Pdf(_) => "not-a-sealed-copy",
            VerifyError::Record(_) => "invalid-record",
            VerifyError::UnknownInput => "unknown-input",
            VerifyError::TooLarge { .. } => "too-large",
        }
    }
}

/// What kind of input was verified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    /// QR text.
    QrText,
    /// An image of a QR code.
    QrImage,
    /// A sealed PDF artifact.
    Pdf,
}

impl InputKind {
    fn as_str(self) -> &'static str {
        match self {
            InputKind::QrText => "qr-text",
            InputKind::QrImage => "qr-image",
            InputKind::Pdf => "pdf",
        }
    }
}

/// Loads and verifies a trust file.
pub fn load_trust(path: &Path) -> Result<TrustContext, VerifyError> {
    let bytes = std::fs::read(path).map_err(|source| VerifyError::ReadTrust {
        path: path.display().to_string(),
        source,
    })?;
    TrustContext::from_bundle(&bytes).map_err(|error| VerifyError::Trust {
        path: path.display().to_string(),
        error,
    })
}

/// Photos larger than this many pixels are first read scaled down to [`PHOTO_READ_SIDE`] on
/// their longer side (a phone's 12-megapixel photo of a code is read in a fraction of the time),
/// and read as taken only when that finds no code.
pub const PHOTO_SCALE_ABOVE_PIXELS: u64 = 4_000_000;
/// The longer side a large photo is scaled to for its first reading.
pub const PHOTO_READ_SIDE: u32 = 2_000;

/// Reads the QR code in an image file (PNG or JPEG: a photo, a screenshot), opened as the kiosk
/// opens its camera's and scanner's images (`bansao_hw::image_input`: the size read from the
/// header and refused above 40 megapixels before anything is decoded, a damaged file reported)
/// and read as the kiosk reads a card's code (`bansao_hw::qr_reader::decode_frame`).
pub fn read_qr_from_image(bytes: &[u8]) -> Result<String, VerifyError> {
    let opened = bansao_hw::image_input::open_image(bytes.to_vec())
        .map_err(|error| VerifyError::BadImage(error.to_string()))?;
    let (width, height) = (opened.width(), opened.height());
    if u64::from(width) * u64::from(height) > PHOTO_SCALE_ABOVE_PIXELS {
        let smaller = opened
            .image
            .thumbnail(PHOTO_READ_SIDE, PHOTO_READ_SIDE)
            .to_luma8();
        let (small_width, small_height) = smaller.dimensions();
        if let Some(text) =
            bansao_hw::qr_reader::decode_frame(smaller.into_raw(), small_width, small_height)
        {
            return Ok(text);
        }
    }
    bansao_hw::qr_reader::decode_frame(opened.luma(), width, height).ok_or_else(|| {
        VerifyError::NoQrInImage(
            "không đọc được mã QR trong ảnh (no QR code could be read in the image)".to_owned(),
        )
    })
}

/// Verifies a sealed PDF artifact: the seal over every byte, then the embedded record.
pub fn verify_pdf(bytes: &[u8], trust: &TrustContext) -> Result<Verification, VerifyError> {
    verify_pdf_with_log(bytes, trust).map(|(verification, _)| verification)
}

/// [`verify_pdf`], and what the city log inclusion the record carries shows (`None` when it
/// carries none). An inclusion that does not verify makes the verdict `tampered`.
pub fn verify_pdf_with_log(
    bytes: &[u8],
    trust: &TrustContext,
) -> Result<(Verification, Option<LogCheck>), VerifyError> {
    let opened = match open_sealed_pdf(bytes) {
        Ok(opened) => opened,
        // A file that carries a bansao seal but no longer opens as one was changed after sealing.
        Err(error) if !matches!(error, OpenError::NotPdf(_)) && contains(bytes, b"/BansaoSeal") => {
            let verification = Verification {
                verdict: Verdict::Tampered(format!(
                    "Tệp PDF đã bị sửa sau khi niêm phong. The sealed PDF was changed: {error}"
                )),
                claims: None,
                content: None,
                report: None,
            };
            return Ok((verification, None));
        }
        Err(error) => return Err(error.into()),
    };
    let record = CopyRecord::from_cbor(&opened.metadata_cbor)?;
    let mut verification = verify_record(&record, trust);
    let log = match (&record.log_inclusion, &verification.content) {
        (Some(inclusion), Some(content)) => Some(check_log_inclusion(
            inclusion,
            content,
            bansao_copy::content::hash_content_bytes(&record.content),
            &record.signatures,
            trust,
        )),
        _ => None,
    };
    if let (Some(LogCheck::Refused(reason)), true) = (&log, verification.verdict.is_genuine()) {
        verification.verdict = Verdict::Tampered(format!(
            "Bằng chứng nhật ký của thành phố trong tệp không hợp lệ. The city log inclusion the file carries does not verify: {reason}"
        ));
    }
    let seal_key = bansao_trust::KeyId(opened.seal_key_id);
    // The seal is made when the file is written, after the newest signature it holds.
    let sealed_after = record
        .signatures
        .iter()
        .map(|s| s.signed_at.unix())
        .max()
        .unwrap_or(0);
    let seal_verdict = match trust.check_signer_with_role(
        seal_key,
        sealed_after,
        &[Role::Kiosk, Role::Ward, Role::Registrar],
    ) {
        Err(error) => Some(Verdict::NotAuthorised(format!(
            "the file's seal is not by a bansao node: {error}"
        ))),
        Ok(certificate) => match opened.verify_seal(&certificate.body.public_key) {
            Err(_) => Some(Verdict::Tampered(
                "Tệp PDF đã bị sửa sau khi niêm phong. The PDF was changed after it was sealed."
                    .to_owned(),
            )),
            Ok(()) => verification.content.as_ref().and_then(|content| {
                sealer_not_allowed(certificate, content)
                    .or_else(|| pages_not_signed(&opened.scans, content))
            }),
        },
    };
    if let Some(verdict) = seal_verdict {
        // A broken seal outranks whatever the embedded record says.
        if !matches!(verification.verdict, Verdict::Tampered(_)) {
            verification.verdict = verdict;
        }
    }
    Ok((verification, log))
}

/// Only the issuing kiosk (under any of its keys), the copy's ward or the city may seal a copy's
/// file: a node of another commune could otherwise re-seal a genuine copy with other pages.
fn sealer_not_allowed(sealer: &Certificate, content: &CopyContent) -> Option<Verdict> {
    let allowed = match sealer.body.role {
        Role::Registrar => true,
        Role::Ward => sealer.body.commune.as_deref() == Some(content.commune.as_str()),
        Role::Kiosk => {
            sealer.body.commune.as_deref() == Some(content.commune.as_str())
                && sealer.body.subject == content.kiosk_id
        }
        _ => false,
    };
    (!allowed).then(|| {
        Verdict::NotAuthorised(format!(
            "Tệp được niêm phong bởi {} ({}), không phải ki-ốt cấp, xã/phường của bản sao hay thành phố. \
             The file is sealed by {} {:?}, which is neither the issuing kiosk, the copy's ward nor the city.",
            sealer.body.subject, sealer.body.role, sealer.body.role, sealer.body.subject
        ))
    })
}

/// The scans the file shows must be the ones whose hashes the kiosk signed.
fn pages_not_signed(scans: &[Vec<u8>], content: &CopyContent) -> Option<Verdict> {
    let tampered = |reason: String| {
        Some(Verdict::Tampered(format!(
            "Trang trong tệp PDF không phải bản quét đã ký. {reason}"
        )))
    };
    if scans.len() != content.pages.len() {
        return tampered(format!(
            "The file shows {} scanned pages; the signed copy has {}.",
            scans.len(),
            content.pages.len()
        ));
    }
    for (index, (scan, page)) in scans.iter().zip(&content.pages).enumerate() {
        if <[u8; 32]>::from(Sha256::digest(scan)) != page.sha256 {
            return tampered(format!(
                "Page {} of the file is not the scan the copy's signature names.",
                index + 1
            ));
        }
    }
    None
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle)
}

/// The largest file `bansao verify` reads: a sealed PDF of the most pages a copy may have, at
/// 300 dpi, is well under this.
pub const MAX_INPUT_BYTES: u64 = 256 * 1024 * 1024;

/// Reads a file of at most [`MAX_INPUT_BYTES`], whatever it is (a device such as /dev/zero has
/// no length to check first, so the read itself is bounded).
fn read_bounded(path: &str) -> Result<Vec<u8>, VerifyError> {
    let failed = |source| VerifyError::ReadInput {
        path: path.to_owned(),
        source,
    };
    let file = std::fs::File::open(path).map_err(failed)?;
    let mut bytes = Vec::new();
    file.take(MAX_INPUT_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(failed)?;
    if bytes.len() as u64 > MAX_INPUT_BYTES {
        return Err(VerifyError::TooLarge {
            path: path.to_owned(),
            limit: MAX_INPUT_BYTES,
        });
    }
    Ok(bytes)
}

/// Reads INPUT (a path, or `-` for QR text on standard input) and verifies it.
pub fn verify_input(
    input: &str,
    trust: &TrustContext,
) -> Result<(InputKind, Verification), VerifyError> {
    verify_input_with_log(input, trust).map(|(kind, verification, _)| (kind, verification))
}

/// [`verify_input`], with what a PDF's city log inclusion shows.
pub fn verify_input_with_log(
    input: &str,
    trust: &TrustContext,
) -> Result<(InputKind, Verification, Option<LogCheck>), VerifyError> {
    let bytes = if input == "-" {
        let mut buffer = Vec::new();
        std::io::stdin()
            .take(1 << 20)
            .read_to_end(&mut buffer)
            .map_err(|source| VerifyError::ReadInput {
                path: "standard input".to_owned(),
                source,
            })?;
        buffer
    } else {
        read_bounded(input)?
    };
    if bytes.starts_with(b"%PDF-") {
        let (verification, log) = verify_pdf_with_log(&bytes, trust)?;
        return Ok((InputKind::Pdf, verification, log));
    }
    if image::guess_format(&bytes).is_ok() {
        let text = read_qr_from_image(&bytes)?;
        return Ok((InputKind::QrImage, verify_qr(&text, trust)?, None));
    }
    let text = std::str::from_utf8(&bytes).map_err(|_| VerifyError::UnknownInput)?;
    Ok((InputKind::QrText, verify_qr(text, trust)?, None))
}

/// The exit code of a verdict.
pub fn verdict_exit_code(verdict: &Verdict) -> u8 {
    if verdict.is_genuine() { 0 } else { 1 }
}

/// The verification as a JSON object.
pub fn verification_json(kind: InputKind, verification: &Verification) -> serde_json::Value {
    let verdict = &verification.verdict;
    let mut value = json!({
        "genuine": verdict.is_genuine(),
        "verdict": verdict.code(),
        "status": match verdict { Verdict::Genuine(status) => Some(status.as_str()), _ => None },
        "headline": verdict.headline(),
        "reason": verdict.reason(),
        "input": kind.as_str(),
    });
    if let Some(claims) = &verification.claims {
        value["copy"] = json!({
            "copy_id": claims.copy_id.to_string(),
            "commune": claims.commune,
            "issued_at": claims.issued_at.to_rfc3339(),
            "document_type": claims.document_type.code(),
            "kiosk_id": claims.kiosk_id,
            "kiosk_sequence": claims.kiosk_sequence,
            "page_count": claims.page_count,
            "content_hash": claims.content_hash.to_hex(),
        });
    }
    if let Some(content) = &verification.content {
        value["copy"] = json!({
            "copy_id": content.copy_id.to_string(),
            "commune": content.commune,
            "issued_at": content.issued_at.to_rfc3339(),
            "document_type": content.document_type.code(),
            "kiosk_id": content.kiosk_id,
            "kiosk_sequence": content.kiosk_sequence,
            "page_count": content.pages.len(),
            "content_hash": bansao_copy::content::hash_content_bytes(&content.to_canonical_cbor()).to_hex(),
        });
    }
    if let Some(report) = &verification.report {
        value["signatures"] = report
            .decisions
            .iter()
            .chain(std::iter::once(&report.issued_by))
            .map(|signature| {
                json!({
                    "decision": signature.record.decision.as_str(),
                    "signer": signature.signer_name,
                    "role": signature.role.as_str(),
                    "key_id": signature.record.signer.to_hex(),
                    "signed_at": signature.record.signed_at.to_rfc3339(),
                    "reason": signature.record.reason,
                    "certification_number": signature.record.certification_number,
                })
            })
            .collect();
        value["ignored_signatures"] = report
            .ignored
            .iter()
            .map(|ignored| json!({"signer": ignored.signer, "reason": ignored.reason}))
            .collect();
    }
    value
}

/// The verification in words, Vietnamese first.
pub fn verification_text(verification: &Verification) -> String {
    let verdict = &verification.verdict;
    let mut lines = vec![verdict.headline(), format!("  {}", verdict.reason())];
    let copy = verification
        .content
        .as_ref()
        .map(|c| {
            (
                c.copy_id,
                c.document_type,
                c.issued_at,
                c.kiosk_id.clone(),
                c.commune.clone(),
            )
        })
        .or_else(|| {
            verification.claims.as_ref().map(|c| {
                (
                    c.copy_id,
                    c.document_type,
                    c.issued_at,
                    c.kiosk_id.clone(),
                    c.commune.clone(),
                )
            })
        });
    if let Some((copy_id, document_type, issued_at, kiosk_id, commune)) = copy {
        lines.push(format!("  Mã bản sao (copy id): {copy_id}"));
        lines.push(format!(
            "  Loại giấy tờ: {} ({})",
            document_type.label_vi(),
            document_type.label_en()
        ));
        lines.push(format!(
            "  Cấp lúc (issued): {} giờ Việt Nam",
            issued_at.vietnam_local()
        ));
        lines.push(format!("  Ki-ốt: {kiosk_id}, xã/phường mã {commune}"));
    }
    if let Some(report) = &verification.report {
        for decision in &report.decisions {
            lines.push(format!(
                "  {}: {} lúc {}",
                decision.record.decision.as_str(),
                bansao_copy::status::describe_signer(decision),
                decision.record.signed_at.vietnam_local()
            ));
        }
        for ignored in &report.ignored {
            lines.push(format!(
                "  (không tính chữ ký {}: {})",
                ignored.signer, ignored.reason
            ));
        }
    }
    lines.join("\n")
}

/// What a node knows of the kiosk chain of a verified copy: the anomalies that involve the copy,
/// and the breaks in its kiosk's chain (as recorded when copies arrived).
#[derive(Debug, Clone)]
pub struct ChainKnowledge {
    /// The copy's kiosk, when the input named one.
    pub kiosk_id: Option<String>,
    /// Anomalies involving this copy.
    pub copy_anomalies: Vec<Anomaly>,
    /// Breaks (duplicates, broken links, gaps) anywhere in its kiosk's chain.
    pub kiosk_breaks: Vec<Anomaly>,
}

/// Looks up what `store` recorded about the chain of the copy `verification` names.
pub fn chain_knowledge(
    store: &Store,
    verification: &Verification,
) -> Result<ChainKnowledge, StoreError> {
    let named = verification
        .content
        .as_ref()
        .map(|c| (c.copy_id.to_string(), c.kiosk_id.clone()))
        .or_else(|| {
            (verification.claims.as_ref()).map(|c| (c.copy_id.to_string(), c.kiosk_id.clone()))
        });
    let Some((copy_id, kiosk_id)) = named else {
        return Ok(ChainKnowledge {
            kiosk_id: None,
            copy_anomalies: Vec::new(),
            kiosk_breaks: Vec::new(),
        });
    };
    let kiosk_breaks = store
        .anomalies(Some(&kiosk_id), false)?
        .into_iter()
        .filter(|anomaly| anomaly.kind.breaks_chain())
        .collect();
    Ok(ChainKnowledge {
        copy_anomalies: store.anomalies_of_copy(&copy_id)?,
        kiosk_id: Some(kiosk_id),
        kiosk_breaks,
    })
}

/// One recorded chain anomaly as JSON (`bansao verify --node`, `bansao status`).
pub fn anomaly_json(anomaly: &Anomaly) -> serde_json::Value {
    json!({
        "kind": anomaly.kind.as_str(),
        "kiosk_id": anomaly.kiosk_id,
        "copy_id": anomaly.copy_id,
        "other_copy_id": anomaly.other_copy_id,
        "sequence": anomaly.sequence,
        "detail": anomaly.detail,
        "first_seen": anomaly.first_seen,
    })
}

impl ChainKnowledge {
    /// Whether the kiosk's chain is known to be broken.
    pub fn known_broken(&self) -> bool {
        !self.kiosk_breaks.is_empty()
    }

    /// As JSON.
    pub fn to_json(&self) -> serde_json::Value {
        let list = |anomalies: &[Anomaly]| -> Vec<serde_json::Value> {
            anomalies.iter().map(anomaly_json).collect()
        };
        json!({
            "kiosk_id": self.kiosk_id,
            "known_broken": self.known_broken(),
            "copy_anomalies": list(&self.copy_anomalies),
            "kiosk_breaks": list(&self.kiosk_breaks),
        })
    }

    /// In words, Vietnamese first.
    pub fn lines(&self) -> Vec<String> {
        let mut lines = Vec::new();
        if let Some(kiosk_id) = &self.kiosk_id {
            if self.known_broken() {
                lines.push(format!(
                    "  CẢNH BÁO: chuỗi bản sao của ki-ốt {kiosk_id} bị đứt hoặc rẽ nhánh ({} điểm). \
                     WARNING: kiosk {kiosk_id}'s chain is known to be broken ({} places).",
                    self.kiosk_breaks.len(),
                    self.kiosk_breaks.len()
                ));
            } else {
                lines.push(format!(
                    "  Chuỗi của ki-ốt {kiosk_id}: không thấy bất thường (no known break in the kiosk's chain)."
                ));
            }
        }
        for anomaly in &self.copy_anomalies {
            lines.push(format!(
                "  Bất thường (anomaly) {}: {}",
                anomaly.kind.as_str(),
                anomaly.detail
            ));
        }
        lines
    }
}
