//! The QR payload, after the EU Digital COVID Certificate: a COSE_Sign1 (EdDSA, the kiosk's key
//! id in the protected header) over a small CBOR claim set, Base45-encoded (RFC 9285) behind the
//! prefix `BS1:`. All of it is in the QR alphanumeric alphabet, so it packs densely.
//!
//! Claims (a CBOR map with small integer keys):
//!
//! | key | claim |
//! |-----|-------|
//! | 1 | copy id, the 16 ULID bytes |
//! | 2 | commune code |
//! | 3 | issue time, Unix seconds |
//! | 4 | document type code |
//! | 5 | content hash (SHA-256 of the canonical content: fields and page hashes, not the PDF) |
//! | 6 | kiosk id |
//! | 7 | kiosk sequence number |
//! | 8 | page count |
//!
//! The COSE structure stays under [`MAX_COSE_BYTES`], so the QR is at most version 19 at
//! error-correction level Q and prints on an 80 mm receipt.

use bansao_trust::SecretKey;
use bansao_trust::cbor::{self, CborError};
use bansao_trust::cose::{self, CoseOpenError, OpenedSign1};
use ciborium::value::Value;

use crate::content::{ContentHash, CopyContent, CopyId, DocumentType};
use crate::timestamp::Timestamp;

/// The prefix of every bansao QR payload (version 1).
pub const QR_PREFIX: &str = "BS1:";
/// The budget for the COSE structure.
pub const MAX_COSE_BYTES: usize = 400;
/// Longest QR text the decoder looks at.
const MAX_QR_TEXT: usize = 4_000;

/// What the QR says about a copy (signed by the issuing kiosk).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QrClaims {
    /// The copy's id.
    pub copy_id: CopyId,
    /// Commune code.
    pub commune: String,
    /// Issue time.
    pub issued_at: Timestamp,
    /// Document type.
    pub document_type: DocumentType,
    /// Hash of the signed content.
    pub content_hash: ContentHash,
    /// The issuing kiosk.
    pub kiosk_id: String,
    /// The kiosk's sequence number.
    pub kiosk_sequence: u64,
    /// Number of pages.
    pub page_count: u64,
}

/// QR text could not be read as a bansao payload.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QrDecodeError {
    /// No text.
    #[error("the QR text is empty")]
    Empty,
    /// Absurdly long text.
    #[error("the QR text is too long ({0} characters) to be a bansao code")]
    TooLong(usize),
    /// Another prefix: not a bansao code, or a future version.
    #[error("not a bansao code: it should start with {QR_PREFIX:?}, found {0:?}")]
    WrongPrefix(String),
    /// The Base45 text is invalid or truncated.
    #[error("the code's Base45 text is invalid or truncated")]
    InvalidBase45,
    /// The decoded bytes are not CBOR.
    #[error("the code does not contain valid CBOR: {0}")]
    InvalidCbor(CborError),
    /// CBOR, but not a usable COSE_Sign1.
    #[error("the code is not a valid signed structure: {0}")]
    Cose(CoseOpenError),
    /// Signed, but the claims are malformed.
    #[error("the code's claims are malformed: {0}")]
    InvalidClaims(String),
}

/// A QR payload that decoded, with its signature not yet checked.
#[derive(Clone, Debug)]
pub struct DecodedQr {
    /// The claims.
    pub claims: QrClaims,
    /// The COSE envelope, for verifying against the signer's key.
    pub envelope: OpenedSign1,
    /// Size of the COSE structure in bytes.
    pub cose_length: usize,
}

impl QrClaims {
    /// The claims for a copy.
    pub fn for_content(content: &CopyContent) -> QrClaims {
        QrClaims {
            copy_id: content.copy_id,
            commune: content.commune.clone(),
            issued_at: content.issued_at,
            document_type: content.document_type,
            content_hash: content.content_hash(),
            kiosk_id: content.kiosk_id.clone(),
            kiosk_sequence: content.kiosk_sequence,
            page_count: content.pages.len() as u64,
        }
    }

    fn to_cbor(&self) -> Vec<u8> {
        let int = |n: u64| Value::Integer(n.into());
        cbor::to_canonical_vec(Value::Map(vec![
            (int(1), Value::Bytes(self.copy_id.to_bytes().to_vec())),
            (int(2), Value::Text(self.commune.clone())),
            (int(3), Value::Integer(self.issued_at.unix().into())),
            (int(4), Value::Text(self.document_type.code().into())),
            (int(5), Value::Bytes(self.content_hash.0.to_vec())),
            (int(6), Value::Text(self.kiosk_id.clone())),
            (int(7), int(self.kiosk_sequence)),
            (int(8), int(self.page_count)),
        ]))
    }

    fn from_cbor(bytes: &[u8]) -> Result<QrClaims, QrDecodeError> {
        let invalid = |e: CborError| QrDecodeError::InvalidClaims(e.to_string());
        let mut entries = cbor::map(cbor::from_slice_exact(bytes).map_err(invalid)?, "claims")
            .map_err(invalid)?;
        let mut claim = |key: u64| -> Result<Value, QrDecodeError> {
            let position = entries
                .iter()
                .position(|(k, _)| matches!(k, Value::Integer(i) if u64::try_from(*i) == Ok(key)))
                .ok_or_else(|| QrDecodeError::InvalidClaims(format!("claim {key} is missing")))?;
            Ok(entries.swap_remove(position).1)
        };
        let copy_id = CopyId::from_bytes(cbor::fixed_bytes(claim(1)?, "copy id").map_err(invalid)?);
        let commune = cbor::text(claim(2)?, 200, "commune").map_err(invalid)?;
        let issued_at = Timestamp::from_unix(cbor::int(claim(3)?, "issued at").map_err(invalid)?)
            .map_err(|e| QrDecodeError::InvalidClaims(e.to_string()))?;
        let type_code = cbor::text(claim(4)?, 64, "document type").map_err(invalid)?;
        let document_type = DocumentType::from_code(&type_code).ok_or_else(|| {
            QrDecodeError::InvalidClaims(format!("unknown document type {type_code:?}"))
        })?;
        let content_hash =
            ContentHash(cbor::fixed_bytes(claim(5)?, "content hash").map_err(invalid)?);
        let kiosk_id = cbor::text(claim(6)?, 200, "kiosk id").map_err(invalid)?;
        let kiosk_sequence = cbor::uint(claim(7)?, "kiosk sequence").map_err(invalid)?;
        let page_count = cbor::uint(claim(8)?, "page count").map_err(invalid)?;
        Ok(QrClaims {
            copy_id,
            commune,
            issued_at,
            document_type,
            content_hash,
            kiosk_id,
            kiosk_sequence,
            page_count,
        })
    }

    /// Signs the claims with the kiosk's key into QR text.
    pub fn to_qr_text(&self, kiosk_key: &SecretKey) -> String {
        let cose_bytes = cose::sign1(self.to_cbor(), kiosk_key);
        format!("{QR_PREFIX}{}", base45::encode(cose_bytes))
    }

    /// The kiosk's QR signature over the claims alone (a COSE_Sign1 with the payload detached,
    /// ~90 bytes): kept in the copy's document, so any node can print the same QR again
    /// ([`QrClaims::qr_text_from_seal`]) without the kiosk's key.
    pub fn detached_seal(&self, kiosk_key: &SecretKey) -> Vec<u8> {
        cose::sign1_detached(&self.to_cbor(), kiosk_key)
    }

    /// The QR text of these claims with a seal made by [`QrClaims::detached_seal`]. The seal is
    /// not checked here: a verifier checks the QR as it checks any.
    pub fn qr_text_from_seal(&self, seal: &[u8]) -> Result<String, CoseOpenError> {
        let cose_bytes = cose::attach_payload(seal, self.to_cbor())?;
        Ok(format!("{QR_PREFIX}{}", base45::encode(cose_bytes)))
    }
}

/// Decodes QR text into claims and an envelope whose signature the caller verifies.
pub fn decode_qr_text(text: &str) -> Result<DecodedQr, QrDecodeError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(QrDecodeError::Empty);
    }
    if text.len() > MAX_QR_TEXT {
        return Err(QrDecodeError::TooLong(text.len()));
    }
    let body = text
        .strip_prefix(QR_PREFIX)
        .ok_or_else(|| QrDecodeError::WrongPrefix(text.chars().take(QR_PREFIX.len()).collect()))?;
    let cose_bytes = base45::decode(body).map_err(|_| QrDecodeError::InvalidBase45)?;
    cbor::from_slice_exact(&cose_bytes).map_err(QrDecodeError::InvalidCbor)?;
    let envelope = cose::open_sign1(&cose_bytes).map_err(QrDecodeError::Cose)?;
    let claims = QrClaims::from_cbor(&envelope.payload)?;
    Ok(DecodedQr {
        claims,
        envelope,
        cose_length: cose_bytes.len(),
    })
}
