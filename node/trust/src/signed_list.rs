//! The signed list shape shared by the trust list and the revocation list: a kind, a version, an
//! issue time and a map of named entries (each a small CBOR item), signed as one COSE_Sign1.
//!
//! Keeping the entries as a flat map lets the Automerge document that carries a list
//! ([`crate::document`]) store one key per entry, so a sync moves only the entries that changed.

use std::collections::BTreeMap;

use ciborium::value::Value;

use crate::cbor::{self, CborError};
use crate::cose::{self, CoseOpenError, OpenedSign1};
use crate::key::SecretKey;

/// Which list this is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ListKind {
    /// Keys the city vouches for.
    TrustList,
    /// Keys and copies the city has revoked.
    RevocationList,
}

impl ListKind {
    /// The kind's name as written in the list.
    pub fn as_str(self) -> &'static str {
        match self {
            ListKind::TrustList => "bansao/trust-list",
            ListKind::RevocationList => "bansao/revocation-list",
        }
    }

    fn from_str(text: &str) -> Option<ListKind> {
        [ListKind::TrustList, ListKind::RevocationList]
            .into_iter()
            .find(|kind| kind.as_str() == text)
    }
}

/// Longest entry name accepted.
const MAX_ENTRY_NAME: usize = 128;
/// Most entries accepted in one list (a city has a few thousand keys and revocations).
pub const MAX_ENTRIES: usize = 1_000_000;

/// A list of named entries with a version, before or after signing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedList {
    /// What kind of list.
    pub kind: ListKind,
    /// Increases with every published edition.
    pub version: u64,
    /// When this edition was signed, Unix seconds.
    pub issued_at: i64,
    /// Entry name → CBOR-encoded entry.
    pub entries: BTreeMap<String, Vec<u8>>,
}

/// A signed list could not be opened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignedListError {
    /// The COSE envelope is broken.
    #[error(transparent)]
    Cose(#[from] CoseOpenError),
    /// The payload is not a list.
    #[error("malformed list: {0}")]
    Cbor(#[from] CborError),
    /// A list of another kind was found.
    #[error("expected a {expected}, found a {found:?}")]
    WrongKind {
        /// The kind wanted.
        expected: &'static str,
        /// The kind found.
        found: String,
    },
}

impl SignedList {
    /// An empty list.
    pub fn new(kind: ListKind, version: u64, issued_at: i64) -> SignedList {
        SignedList {
            kind,
            version,
            issued_at,
            entries: BTreeMap::new(),
        }
    }

    /// The canonical CBOR payload that is signed.
    pub fn payload(&self) -> Vec<u8> {
        let entries = self
            .entries
            .iter()
            .map(|(name, bytes)| (Value::Text(name.clone()), Value::Bytes(bytes.clone())))
            .collect();
        cbor::to_canonical_vec(Value::Map(vec![
            (
                Value::Text("kind".into()),
                Value::Text(self.kind.as_str().into()),
            ),
            (
                Value::Text("version".into()),
                Value::Integer(self.version.into()),
            ),
            (
                Value::Text("issued_at".into()),
                Value::Integer(self.issued_at.into()),
            ),
            (Value::Text("entries".into()), Value::Map(entries)),
        ]))
    }

    /// Decodes a payload, checking that it is a list of `kind`.
    pub fn from_payload(bytes: &[u8], kind: ListKind) -> Result<SignedList, SignedListError> {
        let mut fields = cbor::map(cbor::from_slice_exact(bytes)?, "list")?;
        let found = cbor::text(
            cbor::require_field(&mut fields, "kind", "list")?,
            64,
            "list kind",
        )?;
        if ListKind::from_str(&found) != Some(kind) {
            return Err(SignedListError::WrongKind {
                expected: kind.as_str(),
                found,
            });
        }
        let version = cbor::uint(
            cbor::require_field(&mut fields, "version", "list")?,
            "list version",
        )?;
        let issued_at = cbor::int(
            cbor::require_field(&mut fields, "issued_at", "list")?,
            "list issued_at",
        )?;
        let raw_entries = cbor::map(
            cbor::require_field(&mut fields, "entries", "list")?,
            "list entries",
        )?;
        if raw_entries.len() > MAX_ENTRIES {
            return Err(CborError::Shape(format!("more than {MAX_ENTRIES} list entries")).into());
        }
        let mut entries = BTreeMap::new();
        for (name, value) in raw_entries {
            let name = cbor::text(name, MAX_ENTRY_NAME, "entry name")?;
            let value = cbor::bytes(value, "entry value")?;
            if entries.insert(name.clone(), value).is_some() {
                return Err(CborError::Shape(format!("duplicate list entry {name:?}")).into());
            }
        }
        Ok(SignedList {
            kind,
            version,
            issued_at,
            entries,
        })
    }

    /// Signs the list into a COSE_Sign1 with the payload attached.
    pub fn sign(&self, key: &SecretKey) -> Vec<u8> {
        cose::sign1(self.payload(), key)
    }

    /// Signs the list into a COSE_Sign1 with the payload detached (for storing beside the entries).
    pub fn seal_detached(&self, key: &SecretKey) -> Vec<u8> {
        cose::sign1_detached(&self.payload(), key)
    }

    /// Parses a signed list. The signature still has to be verified by the caller, who knows
    /// which keys may sign this kind of list.
    pub fn open(
        cose_bytes: &[u8],
        kind: ListKind,
    ) -> Result<(SignedList, OpenedSign1), SignedListError> {
        let opened = cose::open_sign1(cose_bytes)?;
        let list = SignedList::from_payload(&opened.payload, kind)?;
        Ok((list, opened))
    }
}
