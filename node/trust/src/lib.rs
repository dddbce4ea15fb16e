//! Trust in bansao: who may sign what, and how an offline verifier knows.
//!
//! A tour:
//! - [`key`]: Ed25519 keys, [`KeyId`]s (8 bytes of SHA-256 of the public key), PKCS#8 key files
//!   and context-bound signatures.
//! - [`certificate`]: compact CBOR certificates for the hierarchy city root → wards and the city
//!   registrar → kiosks and officials (per commune).
//! - [`cbor`] and [`cose`]: deterministic CBOR and COSE_Sign1 (EdDSA) used for everything signed.
//! - [`signed_list`] and [`lists`]: the city-signed trust list and revocation list, and the
//!   `trust.cbor` bundle an offline verifier is given.
//! - [`document`]: the same lists as Automerge documents, so that they sync like copies.
//! - [`context`]: [`TrustContext`], the checked view that decides whether a signature counts.
//!
//! This crate does no IO and reads no clock: times are Unix seconds handed in by the caller.

pub mod cbor;
pub mod certificate;
pub mod context;
pub mod cose;
pub mod document;
pub mod key;
pub mod lists;
pub mod locked_key;
pub mod signed_list;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod verified;

pub use certificate::{Certificate, CertificateBody, Role};
pub use context::{
    KeyStanding, SignerError, Succession, SuccessionError, TrustBundleError, TrustContext,
};
pub use key::{KeyId, SecretKey, SigningContext};
pub use lists::{Revocation, RevocationList, TrustBundle, TrustList};
pub use locked_key::{Passphrase, PassphraseError};
