//! Signatures a copy collects: the kiosk's provisional signature at issuance, officials'
//! approvals and rejections (counter-signatures), the city's registration and revocation.
//!
//! The kiosk signs the canonical content bytes themselves. Every later decision signs a small
//! canonical CBOR statement naming the copy, its content hash, the decision, its time, and the
//! reason or certification number, so a decision can never be moved to another copy or another
//! version of the content.

use bansao_trust::cbor::{self, CborError};
use bansao_trust::key::{self, KeyId, SecretKey, SigningContext};
use ciborium::value::Value;
use ed25519_dalek::{Signature, VerifyingKey};

use crate::content::{ContentHash, CopyContent, CopyId, MAX_TEXT};
use crate::timestamp::Timestamp;

/// What a signature says about the copy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Decision {
    /// The kiosk issued the copy (provisional signature over the content).
    Issue,
    /// A commune official approves: the counter-signature.
    Approve,
    /// A commune official refuses the copy, with a reason.
    Reject,
    /// The city registers the approved copy.
    Register,
    /// The city revokes the copy, with a reason.
    Revoke,
}

impl Decision {
    /// Every decision.
    pub const ALL: [Decision; 5] = [
        Decision::Issue,
        Decision::Approve,
        Decision::Reject,
        Decision::Register,
        Decision::Revoke,
    ];

    /// Stable lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Issue => "issue",
            Decision::Approve => "approve",
            Decision::Reject => "reject",
            Decision::Register => "register",
            Decision::Revoke => "revoke",
        }
    }

    /// Parses the name.
    pub fn from_name(name: &str) -> Option<Decision> {
        Decision::ALL.into_iter().find(|d| d.as_str() == name)
    }

    /// The decision in Vietnamese.
    pub fn label_vi(self) -> &'static str {
        match self {
            Decision::Issue => "ki-ốt ký tạm thời",
            Decision::Approve => "ký duyệt",
            Decision::Reject => "từ chối",
            Decision::Register => "đăng ký",
            Decision::Revoke => "thu hồi",
        }
    }
}

/// One signature held by a copy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignatureRecord {
    /// Who signed.
    pub signer: KeyId,
    /// What they decided.
    pub decision: Decision,
    /// When (for [`Decision::Issue`], the content's issue time).
    pub signed_at: Timestamp,
    /// Why, for rejections and revocations.
    pub reason: Option<String>,
    /// The certification number ("số chứng thực") given at counter-signing.
    pub certification_number: Option<String>,
    /// The signature.
    pub signature: Signature,
}

/// A signature record could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureRecordError {
    /// Not the CBOR shape of a record.
    #[error("malformed signature record: {0}")]
    Cbor(#[from] CborError),
    /// A field has an invalid value.
    #[error("invalid signature record: {0}")]
    Invalid(String),
}

fn decision_statement(
    copy_id: CopyId,
    content_hash: ContentHash,
    decision: Decision,
    signed_at: Timestamp,
    reason: Option<&str>,
    certification_number: Option<&str>,
) -> Vec<u8> {
    let mut entries = vec![
        (
            Value::Text("copy_id".into()),
            Value::Text(copy_id.to_string()),
        ),
        (
            Value::Text("content_hash".into()),
            Value::Bytes(content_hash.0.to_vec()),
        ),
        (
            Value::Text("decision".into()),
            Value::Text(decision.as_str().into()),
        ),
        (
            Value::Text("signed_at".into()),
            Value::Text(signed_at.to_rfc3339()),
        ),
    ];
    if let Some(reason) = reason {
        entries.push((Value::Text("reason".into()), Value::Text(reason.into())));
    }
    if let Some(number) = certification_number {
        entries.push((Value::Text("cert_no".into()), Value::Text(number.into())));
    }
    cbor::to_canonical_vec(Value::Map(entries))
}

impl SignatureRecord {
    /// The kiosk's provisional signature over the content.
    pub fn issue(content: &CopyContent, kiosk_key: &SecretKey) -> SignatureRecord {
        SignatureRecord {
            signer: kiosk_key.key_id(),
            decision: Decision::Issue,
            signed_at: content.issued_at,
            reason: None,
            certification_number: None,
            signature: kiosk_key.sign(SigningContext::CopyContent, &content.to_canonical_cbor()),
        }
    }

    /// A decision about the copy by an official or the city.
    pub fn decide(
        content: &CopyContent,
        decision: Decision,
        signed_at: Timestamp,
        reason: Option<String>,
        certification_number: Option<String>,
        key: &SecretKey,
    ) -> SignatureRecord {
        let statement = decision_statement(
            content.copy_id,
            content.content_hash(),
            decision,
            signed_at,
            reason.as_deref(),
            certification_number.as_deref(),
        );
        SignatureRecord {
            signer: key.key_id(),
            decision,
            signed_at,
            reason,
            certification_number,
            signature: key.sign(SigningContext::CopyDecision, &statement),
        }
    }

    /// Whether the signature verifies for this content with `public_key`.
    pub fn verifies(
        &self,
        content: &CopyContent,
        content_bytes: &[u8],
        public_key: &VerifyingKey,
    ) -> bool {
        match self.decision {
            Decision::Issue => {
                self.signed_at == content.issued_at
                    && key::verify(
                        public_key,
                        SigningContext::CopyContent,
                        content_bytes,
                        &self.signature,
                    )
            }
            _ => {
                let statement = decision_statement(
                    content.copy_id,
                    crate::content::hash_content_bytes(content_bytes),
                    self.decision,
                    self.signed_at,
                    self.reason.as_deref(),
                    self.certification_number.as_deref(),
                );
                key::verify(
                    public_key,
                    SigningContext::CopyDecision,
                    &statement,
                    &self.signature,
                )
            }
        }
    }

    /// The record as a CBOR value (for documents and the portable record).
    pub fn to_value(&self) -> Value {
        let mut entries = vec![
            (
                Value::Text("signer".into()),
                Value::Bytes(self.signer.0.to_vec()),
            ),
            (
                Value::Text("decision".into()),
                Value::Text(self.decision.as_str().into()),
            ),
            (
                Value::Text("signed_at".into()),
                Value::Text(self.signed_at.to_rfc3339()),
            ),
            (
                Value::Text("signature".into()),
                Value::Bytes(self.signature.to_bytes().to_vec()),
            ),
        ];
        if let Some(reason) = &self.reason {
            entries.push((Value::Text("reason".into()), Value::Text(reason.clone())));
        }
        if let Some(number) = &self.certification_number {
            entries.push((Value::Text("cert_no".into()), Value::Text(number.clone())));
        }
        Value::Map(entries)
    }

    /// Canonical CBOR bytes of [`SignatureRecord::to_value`].
    pub fn to_cbor(&self) -> Vec<u8> {
        cbor::to_canonical_vec(self.to_value())
    }

    /// Decodes a record from bytes.
    pub fn from_cbor(bytes: &[u8]) -> Result<SignatureRecord, SignatureRecordError> {
        SignatureRecord::from_value(cbor::from_slice_exact(bytes)?)
    }

    /// Decodes a record from a CBOR value.
    pub fn from_value(value: Value) -> Result<SignatureRecord, SignatureRecordError> {
        let invalid = |what: String| SignatureRecordError::Invalid(what);
        let mut map = cbor::map(value, "signature record")?;
        let signer = KeyId(cbor::fixed_bytes(
            cbor::require_field(&mut map, "signer", "signature record")?,
            "signer",
        )?);
        let decision_name = cbor::text(
            cbor::require_field(&mut map, "decision", "signature record")?,
            32,
            "decision",
        )?;
        let decision = Decision::from_name(&decision_name)
            .ok_or_else(|| invalid(format!("unknown decision {decision_name:?}")))?;
        let signed_at_text = cbor::text(
            cbor::require_field(&mut map, "signed_at", "signature record")?,
            64,
            "signed_at",
        )?;
        let signed_at = Timestamp::parse(&signed_at_text).map_err(|e| invalid(e.to_string()))?;
        let signature_bytes: [u8; 64] = cbor::fixed_bytes(
            cbor::require_field(&mut map, "signature", "signature record")?,
            "signature",
        )?;
        let reason = cbor::take_field(&mut map, "reason")
            .map(|v| cbor::text(v, MAX_TEXT, "reason"))
            .transpose()?;
        let certification_number = cbor::take_field(&mut map, "cert_no")
            .map(|v| cbor::text(v, 128, "cert_no"))
            .transpose()?;
        Ok(SignatureRecord {
            signer,
            decision,
            signed_at,
            reason,
            certification_number,
            signature: Signature::from_bytes(&signature_bytes),
        })
    }
}
