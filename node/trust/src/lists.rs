//! The city's two published lists, typed: the trust list (every certified key) and the
//! revocation list (revoked keys and revoked copies), and the `trust.cbor` bundle that carries
//! both to offline verifiers.

use std::collections::BTreeMap;

use ciborium::value::Value;

use crate::cbor::{self, CborError};
use crate::certificate::{Certificate, CertificateDecodeError};
use crate::key::{KeyId, SecretKey};
use crate::signed_list::{ListKind, SignedList, SignedListError};

/// Every key the city vouches for, signed by the city root.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrustList {
    /// Edition number.
    pub version: u64,
    /// When this edition was signed, Unix seconds.
    pub issued_at: i64,
    /// The city root's self-signed certificate.
    pub root: Certificate,
    /// Every other certified key, by key id.
    pub certificates: BTreeMap<KeyId, Certificate>,
    /// Keys taken out of service by rotation: key id → Unix seconds from which its signatures no
    /// longer count. Signatures made before stay valid.
    pub retired: BTreeMap<KeyId, i64>,
    /// Keys revoked by the city root itself: the keys that sign lists (the registrar) and any
    /// other the root chose to revoke here. Recorded in the root-signed list so that whoever
    /// holds a revoked registrar key cannot sign them away in a revocation list of its own.
    pub revoked: BTreeMap<KeyId, Revocation>,
}

/// Why a key or a copy was revoked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Revocation {
    /// When, Unix seconds.
    pub revoked_at: i64,
    /// Why, in words for people.
    pub reason: String,
}

/// Keys and copies the city has revoked, signed by the city root or the registrar.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct RevocationList {
    /// Edition number.
    pub version: u64,
    /// When this edition was signed, Unix seconds.
    pub issued_at: i64,
    /// Revoked keys: every signature by them (or by keys they certified) is void.
    pub keys: BTreeMap<KeyId, Revocation>,
    /// Revoked copies, by copy id.
    pub copies: BTreeMap<String, Revocation>,
}

/// A list's entries do not make a valid list.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ListDecodeError {
    /// The signed envelope or payload is broken.
    #[error(transparent)]
    Signed(#[from] SignedListError),
    /// An entry is malformed.
    #[error("malformed entry {name:?}: {reason}")]
    Entry {
        /// The entry's name.
        name: String,
        /// What is wrong.
        reason: String,
    },
    /// The trust list names no root certificate.
    #[error("the trust list has no root certificate")]
    MissingRoot,
}

fn entry_error(name: &str, reason: impl ToString) -> ListDecodeError {
    ListDecodeError::Entry {
        name: name.to_owned(),
        reason: reason.to_string(),
    }
}

fn certificate_entry(name: &str, bytes: &[u8]) -> Result<Certificate, ListDecodeError> {
    Certificate::from_cbor(bytes).map_err(|error: CertificateDecodeError| entry_error(name, error))
}

impl TrustList {
    /// The list as named entries.
    pub fn to_signed_list(&self) -> SignedList {
        let mut list = SignedList::new(ListKind::TrustList, self.version, self.issued_at);
        list.entries.insert("root".to_owned(), self.root.to_cbor());
        for (key_id, certificate) in &self.certificates {
            list.entries
                .insert(format!("cert/{key_id}"), certificate.to_cbor());
        }
        for (key_id, retired_at) in &self.retired {
            list.entries.insert(
                format!("retired/{key_id}"),
                cbor::to_canonical_vec(Value::Integer((*retired_at).into())),
            );
        }
        for (key_id, revocation) in &self.revoked {
            list.entries
                .insert(format!("revoked/{key_id}"), revocation_to_cbor(revocation));
        }
        list
    }

    /// Reads the typed list from named entries.
    pub fn from_signed_list(list: &SignedList) -> Result<TrustList, ListDecodeError> {
        let mut root = None;
        let mut certificates = BTreeMap::new();
        let mut retired = BTreeMap::new();
        let mut revoked = BTreeMap::new();
        for (name, bytes) in &list.entries {
            if name == "root" {
                root = Some(certificate_entry(name, bytes)?);
            } else if let Some(key_hex) = name.strip_prefix("cert/") {
                let certificate = certificate_entry(name, bytes)?;
                let key_id = KeyId::from_hex(key_hex).map_err(|e| entry_error(name, e))?;
                if certificate.key_id() != key_id {
                    return Err(entry_error(name, "the certificate is for another key"));
                }
                certificates.insert(key_id, certificate);
            } else if let Some(key_hex) = name.strip_prefix("retired/") {
                let key_id = KeyId::from_hex(key_hex).map_err(|e| entry_error(name, e))?;
                let value = cbor::from_slice_exact(bytes).map_err(|e| entry_error(name, e))?;
                let at = cbor::int(value, "retired at").map_err(|e| entry_error(name, e))?;
                retired.insert(key_id, at);
            } else if let Some(key_hex) = name.strip_prefix("revoked/") {
                let key_id = KeyId::from_hex(key_hex).map_err(|e| entry_error(name, e))?;
                revoked.insert(key_id, revocation_from_cbor(name, bytes)?);
            } else {
                return Err(entry_error(name, "unknown entry"));
            }
        }
        Ok(TrustList {
            version: list.version,
            issued_at: list.issued_at,
            root: root.ok_or(ListDecodeError::MissingRoot)?,
            certificates,
            retired,
            revoked,
        })
    }

    /// Signs the list with the city root key.
    pub fn sign(&self, root_key: &SecretKey) -> Vec<u8> {
        self.to_signed_list().sign(root_key)
    }

    /// Finds a certificate (the root's included) by key id.
    pub fn certificate(&self, key_id: KeyId) -> Option<&Certificate> {
        if self.root.key_id() == key_id {
            Some(&self.root)
        } else {
            self.certificates.get(&key_id)
        }
    }
}

fn revocation_to_cbor(revocation: &Revocation) -> Vec<u8> {
    cbor::to_canonical_vec(Value::Array(vec![
        Value::Integer(revocation.revoked_at.into()),
        Value::Text(revocation.reason.clone()),
    ]))
}

fn revocation_from_cbor(name: &str, bytes: &[u8]) -> Result<Revocation, ListDecodeError> {
    let parse = || -> Result<Revocation, CborError> {
        let mut items =
            cbor::array_of(cbor::from_slice_exact(bytes)?, 2, "revocation")?.into_iter();
        let revoked_at = cbor::int(items.next().unwrap_or(Value::Null), "revoked at")?;
        let reason = cbor::text(items.next().unwrap_or(Value::Null), 1_000, "reason")?;
        Ok(Revocation { revoked_at, reason })
    };
    parse().map_err(|error| entry_error(name, error))
}

impl RevocationList {
    /// The list as named entries.
    pub fn to_signed_list(&self) -> SignedList {
        let mut list = SignedList::new(ListKind::RevocationList, self.version, self.issued_at);
        for (key_id, revocation) in &self.keys {
            list.entries
                .insert(format!("key/{key_id}"), revocation_to_cbor(revocation));
        }
        for (copy_id, revocation) in &self.copies {
            list.entries
                .insert(format!("copy/{copy_id}"), revocation_to_cbor(revocation));
        }
        list
    }

    /// Reads the typed list from named entries.
    pub fn from_signed_list(list: &SignedList) -> Result<RevocationList, ListDecodeError> {
        let mut revocations = RevocationList {
            version: list.version,
            issued_at: list.issued_at,
            ..RevocationList::default()
        };
        for (name, bytes) in &list.entries {
            let revocation = revocation_from_cbor(name, bytes)?;
            if let Some(key_hex) = name.strip_prefix("key/") {
                let key_id = KeyId::from_hex(key_hex).map_err(|e| entry_error(name, e))?;
                revocations.keys.insert(key_id, revocation);
            } else if let Some(copy_id) = name.strip_prefix("copy/") {
                revocations.copies.insert(copy_id.to_owned(), revocation);
            } else {
                return Err(entry_error(name, "unknown entry"));
            }
        }
        Ok(revocations)
    }

    /// Signs the list (with the city root or the registrar key).
    pub fn sign(&self, key: &SecretKey) -> Vec<u8> {
        self.to_signed_list().sign(key)
    }
}

/// The two signed lists as one file (`trust.cbor`): a CBOR map
/// `{"trust_list": COSE_Sign1, "revocations": COSE_Sign1}`, both as byte strings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrustBundle {
    /// The signed trust list (COSE_Sign1 bytes).
    pub trust_list: Vec<u8>,
    /// The signed revocation list (COSE_Sign1 bytes).
    pub revocations: Vec<u8>,
}

impl TrustBundle {
    /// Encodes the bundle.
    pub fn to_cbor(&self) -> Vec<u8> {
        cbor::to_canonical_vec(Value::Map(vec![
            (
                Value::Text("trust_list".into()),
                Value::Bytes(self.trust_list.clone()),
            ),
            (
                Value::Text("revocations".into()),
                Value::Bytes(self.revocations.clone()),
            ),
        ]))
    }

    /// Decodes the bundle's envelope (the signed lists inside are opened by
    /// [`crate::TrustContext::from_bundle`]).
    pub fn from_cbor(bytes: &[u8]) -> Result<TrustBundle, CborError> {
        let mut fields = cbor::map(cbor::from_slice_exact(bytes)?, "trust bundle")?;
        let trust_list = cbor::bytes(
            cbor::require_field(&mut fields, "trust_list", "trust bundle")?,
            "trust list",
        )?;
        let revocations = cbor::bytes(
            cbor::require_field(&mut fields, "revocations", "trust bundle")?,
            "revocation list",
        )?;
        Ok(TrustBundle {
            trust_list,
            revocations,
        })
    }
}
