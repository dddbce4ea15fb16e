//! COSE_Sign1 (RFC 9052) with Ed25519, as used by the trust list, the revocation list and the QR
//! payload: algorithm EdDSA and the signer's 8-byte key id in the protected header, the way the
//! EU Digital COVID Certificate does it, so any standard COSE library can verify our signatures.

use coset::{
    CborSerializable, CoseSign1, CoseSign1Builder, HeaderBuilder, TaggedCborSerializable, iana,
};
use ed25519_dalek::{Signature, VerifyingKey};

use crate::key::{KeyId, SecretKey};

/// A COSE_Sign1 structure could not be opened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CoseOpenError {
    /// Not a COSE_Sign1 structure (or not CBOR at all).
    #[error("not a COSE_Sign1 structure: {0}")]
    NotCoseSign1(String),
    /// Signed with an algorithm other than EdDSA.
    #[error("unsupported signature algorithm (only EdDSA is accepted)")]
    UnsupportedAlgorithm,
    /// No 8-byte key id in the headers.
    #[error("no key id in the signature headers")]
    MissingKeyId,
    /// The signature field is empty.
    #[error("the signature is missing")]
    MissingSignature,
    /// The signature field has the wrong length for Ed25519.
    #[error("the signature is {0} bytes long, not 64")]
    MalformedSignature(usize),
    /// An attached payload was expected but absent, or the other way round.
    #[error("the payload is {}", if *.0 { "missing" } else { "unexpectedly attached" })]
    PayloadPresence(bool),
}

/// A COSE_Sign1 that has been parsed but not yet verified.
#[derive(Debug, Clone)]
pub struct OpenedSign1 {
    /// The signer's key id, from the protected header (or, failing that, the unprotected one).
    pub key_id: KeyId,
    /// The signed payload (the attached one, or the detached one supplied when opening).
    pub payload: Vec<u8>,
    signature: Signature,
    tbs: Vec<u8>,
}

impl OpenedSign1 {
    /// Whether the signature verifies with `public_key`.
    pub fn verify(&self, public_key: &VerifyingKey) -> bool {
        public_key.verify_strict(&self.tbs, &self.signature).is_ok()
    }
}

fn build(key: &SecretKey) -> CoseSign1Builder {
    let protected = HeaderBuilder::new()
        .algorithm(iana::Algorithm::EdDSA)
        .key_id(key.key_id().0.to_vec())
        .build();
    CoseSign1Builder::new().protected(protected)
}

fn encode(sign1: CoseSign1) -> Vec<u8> {
    match sign1.to_tagged_vec() {
        Ok(bytes) => bytes,
        // Only headers with duplicate labels fail to encode, and `build` sets each label once.
        Err(error) => unreachable!("encoding a COSE_Sign1 we built failed: {error}"),
    }
}

/// Signs `payload` into a tagged COSE_Sign1 (tag 18) with the payload attached.
pub fn sign1(payload: Vec<u8>, key: &SecretKey) -> Vec<u8> {
    let sign1 = build(key)
        .payload(payload)
        .create_signature(b"", |tbs| key.sign_raw(tbs).to_bytes().to_vec())
        .build();
    encode(sign1)
}

/// Signs `payload` into a tagged COSE_Sign1 whose payload is detached (nil).
pub fn sign1_detached(payload: &[u8], key: &SecretKey) -> Vec<u8> {
    let sign1 = build(key)
        .create_detached_signature(payload, b"", |tbs| key.sign_raw(tbs).to_bytes().to_vec())
        .build();
    encode(sign1)
}

fn parse(bytes: &[u8]) -> Result<CoseSign1, CoseOpenError> {
    CoseSign1::from_tagged_slice(bytes)
        .or_else(|_| CoseSign1::from_slice(bytes))
        .map_err(|error| CoseOpenError::NotCoseSign1(error.to_string()))
}

fn check(sign1: &CoseSign1) -> Result<(KeyId, Signature), CoseOpenError> {
    let algorithm = sign1.protected.header.alg.clone();
    if algorithm != Some(coset::Algorithm::Assigned(iana::Algorithm::EdDSA)) {
        return Err(CoseOpenError::UnsupportedAlgorithm);
    }
    let key_id_bytes = if sign1.protected.header.key_id.is_empty() {
        &sign1.unprotected.key_id
    } else {
        &sign1.protected.header.key_id
    };
    let key_id = KeyId::from_slice(key_id_bytes).ok_or(CoseOpenError::MissingKeyId)?;
    if sign1.signature.is_empty() {
        return Err(CoseOpenError::MissingSignature);
    }
    let signature_bytes = <[u8; 64]>::try_from(sign1.signature.as_slice())
        .map_err(|_| CoseOpenError::MalformedSignature(sign1.signature.len()))?;
    Ok((key_id, Signature::from_bytes(&signature_bytes)))
}

/// Parses a COSE_Sign1 with an attached payload (tagged or untagged).
pub fn open_sign1(bytes: &[u8]) -> Result<OpenedSign1, CoseOpenError> {
    let sign1 = parse(bytes)?;
    let (key_id, signature) = check(&sign1)?;
    let tbs = sign1.tbs_data(b"");
    let payload = sign1.payload.ok_or(CoseOpenError::PayloadPresence(true))?;
    Ok(OpenedSign1 {
        key_id,
        payload,
        signature,
        tbs,
    })
}

/// Parses a COSE_Sign1 whose payload is detached, supplying the payload.
pub fn open_sign1_detached(bytes: &[u8], payload: &[u8]) -> Result<OpenedSign1, CoseOpenError> {
    let sign1 = parse(bytes)?;
    let (key_id, signature) = check(&sign1)?;
    if sign1.payload.is_some() {
        return Err(CoseOpenError::PayloadPresence(false));
    }
    let tbs = sign1.tbs_detached_data(payload, b"");
    Ok(OpenedSign1 {
        key_id,
        payload: payload.to_vec(),
        signature,
        tbs,
    })
}

/// Turns a COSE_Sign1 with a detached payload into one with `payload` attached. The signature
/// is unchanged (COSE signs the payload whether or not it travels inside the structure).
pub fn attach_payload(detached: &[u8], payload: Vec<u8>) -> Result<Vec<u8>, CoseOpenError> {
    let mut sign1 = parse(detached)?;
    if sign1.payload.is_some() {
        return Err(CoseOpenError::PayloadPresence(false));
    }
    sign1.payload = Some(payload);
    Ok(encode(sign1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attached_round_trip_and_tamper() {
        let key = SecretKey::from_seed([3; 32]);
        let bytes = sign1(b"hello".to_vec(), &key);
        let opened = open_sign1(&bytes).unwrap();
        assert_eq!(opened.key_id, key.key_id());
        assert_eq!(opened.payload, b"hello");
        assert!(opened.verify(&key.public_key()));
        assert!(!opened.verify(&SecretKey::from_seed([4; 32]).public_key()));
        let position = bytes.windows(5).position(|w| w == b"hello").unwrap();
        let mut tampered = bytes.clone();
        tampered[position] ^= 1;
        assert!(!open_sign1(&tampered).unwrap().verify(&key.public_key()));
    }

    #[test]
    fn detached_round_trip() {
        let key = SecretKey::from_seed([3; 32]);
        let bytes = sign1_detached(b"payload", &key);
        assert!(
            open_sign1_detached(&bytes, b"payload")
                .unwrap()
                .verify(&key.public_key())
        );
        assert!(
            !open_sign1_detached(&bytes, b"paylo4d")
                .unwrap()
                .verify(&key.public_key())
        );
        assert_eq!(
            open_sign1(&bytes).unwrap_err(),
            CoseOpenError::PayloadPresence(true)
        );
    }
}
