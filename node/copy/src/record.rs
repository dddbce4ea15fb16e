//! The portable copy record: the signed content, every signature the copy holds and its QR text,
//! as one CBOR map. It is what the PDF artifact embeds, so a verifier holding only the file (and
//! the trust list) can re-derive the copy's status offline.

use bansao_trust::cbor::{self, CborError};
use ciborium::value::Value;

use crate::document::{CopyDocument, CopyDocumentError};
use crate::log_event::LogInclusion;
use crate::signature::SignatureRecord;

/// Most signatures a record may carry.
const MAX_SIGNATURES: usize = 256;

/// Content, signatures and QR text of one copy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CopyRecord {
    /// Canonical content bytes.
    pub content: Vec<u8>,
    /// Signatures, as held by the document when the record was made.
    pub signatures: Vec<SignatureRecord>,
    /// The QR text printed for the copy.
    pub qr_text: String,
    /// The registration's inclusion in the city's log, when the copy carried one (the `log`
    /// key; absent in records of copies not yet logged, and in older records).
    pub log_inclusion: Option<LogInclusion>,
}

/// A record could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CopyRecordError {
    /// Not a copy record.
    #[error("malformed copy record: {0}")]
    Cbor(#[from] CborError),
    /// A signature inside is malformed.
    #[error("malformed signature in the copy record: {0}")]
    Signature(String),
    /// The log inclusion inside is malformed.
    #[error("malformed log inclusion in the copy record: {0}")]
    LogInclusion(String),
}

impl CopyRecord {
    /// The record of a document as it stands (an unreadable log inclusion is left out).
    pub fn from_document(
        document: &CopyDocument,
        qr_text: String,
    ) -> Result<CopyRecord, CopyDocumentError> {
        let (signatures, _malformed) = document.signatures()?;
        Ok(CopyRecord {
            content: document.content_bytes().to_vec(),
            signatures,
            qr_text,
            log_inclusion: document.log_inclusion().and_then(Result::ok),
        })
    }

    /// Encodes the record.
    pub fn to_cbor(&self) -> Vec<u8> {
        let mut entries = vec![
            (
                Value::Text("content".into()),
                Value::Bytes(self.content.clone()),
            ),
            (
                Value::Text("signatures".into()),
                Value::Array(
                    self.signatures
                        .iter()
                        .map(SignatureRecord::to_value)
                        .collect(),
                ),
            ),
            (Value::Text("qr".into()), Value::Text(self.qr_text.clone())),
        ];
        if let Some(inclusion) = &self.log_inclusion {
            entries.push((Value::Text("log".into()), inclusion.to_value()));
        }
        cbor::to_canonical_vec(Value::Map(entries))
    }

    /// Decodes a record.
    pub fn from_cbor(bytes: &[u8]) -> Result<CopyRecord, CopyRecordError> {
        let mut map = cbor::map(cbor::from_slice_exact(bytes)?, "copy record")?;
        let content = cbor::bytes(
            cbor::require_field(&mut map, "content", "copy record")?,
            "content",
        )?;
        let raw = cbor::array(
            cbor::require_field(&mut map, "signatures", "copy record")?,
            "signatures",
        )?;
        if raw.len() > MAX_SIGNATURES {
            return Err(CborError::Shape("too many signatures".to_owned()).into());
        }
        let signatures = raw
            .into_iter()
            .map(|value| {
                SignatureRecord::from_value(value)
                    .map_err(|e| CopyRecordError::Signature(e.to_string()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let qr_text = cbor::text(
            cbor::require_field(&mut map, "qr", "copy record")?,
            4_000,
            "qr",
        )?;
        let log_inclusion = cbor::take_field(&mut map, "log")
            .map(|value| {
                LogInclusion::from_value(value)
                    .map_err(|e| CopyRecordError::LogInclusion(e.to_string()))
            })
            .transpose()?;
        Ok(CopyRecord {
            content,
            signatures,
            qr_text,
            log_inclusion,
        })
    }
}
