//! Ed25519 keys as bansao uses them: key ids, secret keys that never print themselves, PKCS#8
//! key files, and signatures bound to a context string so that a signature made for one purpose
//! (a certificate, a copy's content, a decision) can never be replayed for another.

use std::fmt;

use ed25519_dalek::Signer;
use ed25519_dalek::pkcs8::{DecodePrivateKey, EncodePrivateKey};
use pkcs8::der::pem::PemLabel;
use sha2::{Digest, Sha256};

pub use ed25519_dalek::{Signature, VerifyingKey};

/// Length in bytes of a [`KeyId`].
pub const KEY_ID_LENGTH: usize = 8;

/// Identifies a public key: the first eight bytes of the SHA-256 of the 32 raw key bytes, as the
/// EU Digital COVID Certificate does. Printed as 16 lowercase hex digits.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KeyId(pub [u8; KEY_ID_LENGTH]);

impl KeyId {
    /// The id of a public key.
    pub fn of(public_key: &VerifyingKey) -> KeyId {
        let digest = Sha256::digest(public_key.as_bytes());
        let mut id = [0u8; KEY_ID_LENGTH];
        id.copy_from_slice(&digest[..KEY_ID_LENGTH]);
        KeyId(id)
    }

    /// Reads an id from exactly eight bytes.
    pub fn from_slice(bytes: &[u8]) -> Option<KeyId> {
        <[u8; KEY_ID_LENGTH]>::try_from(bytes).ok().map(KeyId)
    }

    /// Parses 16 hex digits.
    pub fn from_hex(text: &str) -> Result<KeyId, KeyIdParseError> {
        let bytes = hex::decode(text.trim()).map_err(|_| KeyIdParseError(text.to_owned()))?;
        KeyId::from_slice(&bytes).ok_or_else(|| KeyIdParseError(text.to_owned()))
    }

    /// The 16 lowercase hex digits.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }
}

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyId({})", self.to_hex())
    }
}

/// A string that is not 16 hex digits was given as a key id.
#[derive(Debug, thiserror::Error)]
#[error("not a key id (16 hex digits expected): {0:?}")]
pub struct KeyIdParseError(pub String);

/// What a signature is for. The context is signed together with the message, so a signature
/// made in one context does not verify in another.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SigningContext {
    /// A certificate's to-be-signed part.
    Certificate,
    /// A kiosk's provisional signature over a copy's canonical content.
    CopyContent,
    /// An official's or the city's decision about a copy.
    CopyDecision,
    /// An official's resolution of an anomaly in a kiosk's chain.
    AnomalyResolution,
}

impl SigningContext {
    fn label(self) -> &'static [u8] {
        match self {
            SigningContext::Certificate => b"bansao/certificate/v1",
            SigningContext::CopyContent => b"bansao/copy-content/v1",
            SigningContext::CopyDecision => b"bansao/copy-decision/v1",
            SigningContext::AnomalyResolution => b"bansao/anomaly-resolution/v1",
        }
    }

    /// The exact bytes that are signed: the context label, a zero byte, then the message.
    pub fn message(self, message: &[u8]) -> Vec<u8> {
        let label = self.label();
        let mut out = Vec::with_capacity(label.len() + 1 + message.len());
        out.extend_from_slice(label);
        out.push(0);
        out.extend_from_slice(message);
        out
    }
}

/// An Ed25519 secret key. Its `Debug` shows only the key id, so it cannot leak into logs.
#[derive(Clone)]
pub struct SecretKey {
    signing_key: ed25519_dalek::SigningKey,
}

impl SecretKey {
    /// Builds a key from 32 random bytes. The caller supplies the randomness (inner crates never
    /// reach for a random source themselves).
    pub fn from_seed(seed: [u8; 32]) -> SecretKey {
        SecretKey {
            signing_key: ed25519_dalek::SigningKey::from_bytes(&seed),
        }
    }

    pub(crate) fn from_signing_key(signing_key: ed25519_dalek::SigningKey) -> SecretKey {
        SecretKey { signing_key }
    }

    /// The public half.
    pub fn public_key(&self) -> VerifyingKey {
        self.signing_key.verifying_key()
    }

    /// The id of the public half.
    pub fn key_id(&self) -> KeyId {
        KeyId::of(&self.public_key())
    }

    /// Signs `message` in `context`.
    pub fn sign(&self, context: SigningContext, message: &[u8]) -> Signature {
        self.signing_key.sign(&context.message(message))
    }

    /// Signs raw bytes with no context. Only for formats that bring their own domain separation
    /// (COSE's `Sig_structure`, the artifact seal, the log key's C2SP signed notes — a key that
    /// signs nothing else —, and in `bansao-sync-net` the node's X.509
    /// `TBSCertificate` and the TLS 1.3 `CertificateVerify` content).
    pub fn sign_raw(&self, message: &[u8]) -> Signature {
        self.signing_key.sign(message)
    }

    /// The key as a PKCS#8 PEM document (`-----BEGIN PRIVATE KEY-----`), readable by OpenSSL.
    pub fn to_pkcs8_pem(&self) -> Result<String, KeyFileError> {
        self.pkcs8_v1_der()?
            .to_pem(pkcs8::PrivateKeyInfoRef::PEM_LABEL, pkcs8::LineEnding::LF)
            .map(|pem| pem.to_string())
            .map_err(|_| KeyFileError::Encode)
    }

    /// The key as a version 1 PKCS#8 structure (RFC 8410: the seed alone). Version 2, which
    /// ed25519-dalek writes with the public key added, is what OpenSSL 3.0 cannot read.
    pub(crate) fn pkcs8_v1_der(&self) -> Result<pkcs8::SecretDocument, KeyFileError> {
        let with_public_key = self
            .signing_key
            .to_pkcs8_der()
            .map_err(|_| KeyFileError::Encode)?;
        let mut info = pkcs8::PrivateKeyInfoRef::try_from(with_public_key.as_bytes())
            .map_err(|_| KeyFileError::Encode)?;
        info.public_key = None;
        pkcs8::SecretDocument::try_from(&info).map_err(|_| KeyFileError::Encode)
    }

    /// Reads a PKCS#8 PEM document.
    pub fn from_pkcs8_pem(pem: &str) -> Result<SecretKey, KeyFileError> {
        ed25519_dalek::SigningKey::from_pkcs8_pem(pem)
            .map(|signing_key| SecretKey { signing_key })
            .map_err(|_| KeyFileError::NotAnEd25519PrivateKey)
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretKey({}, secret withheld)", self.key_id())
    }
}

/// A key file could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum KeyFileError {
    /// The file is not a PKCS#8 PEM Ed25519 private key.
    #[error("not an Ed25519 private key in PKCS#8 PEM form")]
    NotAnEd25519PrivateKey,
    /// The encrypted key does not open with this passphrase.
    #[error("sai mật khẩu (wrong passphrase)")]
    WrongPassphrase,
    /// Encoding the key failed (should not happen for a valid key).
    #[error("could not encode the private key")]
    Encode,
}

/// Verifies `signature` over `message` in `context` with `public_key` (strict Ed25519: rejects
/// small-order keys and non-canonical signatures).
///
/// A triple that verified before in this process is answered from
/// [`crate::verified::VerifiedSignatures`] (a copy's status is derived several times at a
/// city; its signatures need checking once).
pub fn verify(
    public_key: &VerifyingKey,
    context: SigningContext,
    message: &[u8],
    signature: &Signature,
) -> bool {
    static VERIFIED: std::sync::LazyLock<crate::verified::VerifiedSignatures> =
        std::sync::LazyLock::new(crate::verified::VerifiedSignatures::new);
    VERIFIED.verify_strict(public_key, &context.message(message), signature)
}

/// Verifies a raw signature (see [`SecretKey::sign_raw`]).
pub fn verify_raw(public_key: &VerifyingKey, message: &[u8], signature: &Signature) -> bool {
    public_key.verify_strict(message, signature).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_do_not_cross_contexts() {
        let key = SecretKey::from_seed([7; 32]);
        let signature = key.sign(SigningContext::CopyContent, b"content");
        assert!(verify(
            &key.public_key(),
            SigningContext::CopyContent,
            b"content",
            &signature
        ));
        assert!(!verify(
            &key.public_key(),
            SigningContext::CopyDecision,
            b"content",
            &signature
        ));
        assert!(!verify(
            &key.public_key(),
            SigningContext::CopyContent,
            b"contenT",
            &signature
        ));
    }

    #[test]
    fn pem_round_trip_keeps_the_key_and_debug_hides_it() {
        let key = SecretKey::from_seed([9; 32]);
        let pem = key.to_pkcs8_pem().unwrap();
        assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----"));
        let back = SecretKey::from_pkcs8_pem(&pem).unwrap();
        assert_eq!(back.key_id(), key.key_id());
        let shown = format!("{key:?}");
        assert!(!shown.contains(&hex::encode([9u8; 32])));
        assert!(shown.contains(&key.key_id().to_hex()));
        assert!(SecretKey::from_pkcs8_pem("garbage").is_err());
    }

    #[test]
    fn key_id_hex_round_trip() {
        let id = SecretKey::from_seed([1; 32]).key_id();
        assert_eq!(KeyId::from_hex(&id.to_hex()).unwrap(), id);
        assert!(KeyId::from_hex("abc").is_err());
    }
}
