//! The trust list and the revocation list as Automerge documents, so that they travel through the
//! same sync as copies and an offline node always holds the latest edition it has seen.
//!
//! The document's root map holds `kind`, `version`, `issued_at`, an `entries` map (entry name →
//! CBOR bytes, one Automerge key per entry, so a new edition moves only what changed) and `seal`:
//! a COSE_Sign1 with a *detached* payload over the list's canonical CBOR. Only the city writes
//! these documents; anyone reads them and checks the seal before trusting a byte of them.

use std::collections::BTreeMap;

use automerge::transaction::Transactable;
use automerge::{ActorId, AutoCommit, ObjType, ROOT, ReadDoc, ScalarValue, Value};

use crate::cose::{self, CoseOpenError};
use crate::key::SecretKey;
use crate::signed_list::{ListKind, SignedList};

/// A list document could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum ListDocumentError {
    /// The bytes are not an Automerge document.
    #[error("not an Automerge document: {0}")]
    Load(String),
    /// Automerge refused an operation.
    #[error("automerge: {0}")]
    Automerge(#[from] automerge::AutomergeError),
    /// A field is missing or has the wrong type.
    #[error("the list document has no valid {0:?}")]
    Field(&'static str),
    /// The document holds another kind of list.
    #[error("expected a {expected} document, found {found:?}")]
    WrongKind {
        /// Wanted.
        expected: &'static str,
        /// Found.
        found: String,
    },
    /// The seal is malformed.
    #[error("the list's seal is malformed: {0}")]
    Seal(#[from] CoseOpenError),
}

/// Loads Automerge bytes that may come from anyone.
///
/// automerge 0.12 can panic on some malformed input instead of returning an error (found by the
/// `copy_record` fuzz target: `hexane` "RawColumnIter::take would cross slab boundary"). Until
/// that is fixed upstream, the panic is contained here and reported as a load error, so a
/// corrupt or hostile document can never take a node down.
pub fn load_untrusted(bytes: &[u8]) -> Result<AutoCommit, String> {
    match std::panic::catch_unwind(|| AutoCommit::load(bytes)) {
        Ok(Ok(doc)) => Ok(doc),
        Ok(Err(error)) => Err(error.to_string()),
        Err(_) => Err("malformed Automerge data (the decoder gave up)".to_owned()),
    }
}

/// An Automerge document carrying one signed list.
#[derive(Debug)]
pub struct ListDocument {
    doc: AutoCommit,
}

impl ListDocument {
    /// Creates the first edition of a list document.
    pub fn create(
        list: &SignedList,
        key: &SecretKey,
        actor: ActorId,
    ) -> Result<ListDocument, ListDocumentError> {
        let mut doc = AutoCommit::new().with_actor(actor);
        doc.put(ROOT, "kind", list.kind.as_str())?;
        doc.put_object(ROOT, "entries", ObjType::Map)?;
        let mut document = ListDocument { doc };
        document.publish(list, key)?;
        Ok(document)
    }

    /// Loads a saved document.
    pub fn load(bytes: &[u8], actor: ActorId) -> Result<ListDocument, ListDocumentError> {
        let doc = load_untrusted(bytes)
            .map_err(ListDocumentError::Load)?
            .with_actor(actor);
        Ok(ListDocument { doc })
    }

    /// The document's bytes.
    pub fn save(&mut self) -> Vec<u8> {
        self.doc.save()
    }

    /// Merges another replica's changes in.
    pub fn merge(&mut self, other: &mut ListDocument) -> Result<(), ListDocumentError> {
        self.doc.merge(&mut other.doc)?;
        Ok(())
    }

    /// Writes a new edition: entries that changed, new ones, removals, then version and seal.
    pub fn publish(&mut self, list: &SignedList, key: &SecretKey) -> Result<(), ListDocumentError> {
        let entries = self.entries_object()?;
        let current = self.read_entries(&entries)?;
        for (name, bytes) in &list.entries {
            if current.get(name) != Some(bytes) {
                self.doc
                    .put(&entries, name.as_str(), ScalarValue::Bytes(bytes.clone()))?;
            }
        }
        for name in current.keys() {
            if !list.entries.contains_key(name) {
                self.doc.delete(&entries, name.as_str())?;
            }
        }
        self.doc
            .put(ROOT, "version", ScalarValue::Uint(list.version))?;
        self.doc
            .put(ROOT, "issued_at", ScalarValue::Int(list.issued_at))?;
        self.doc
            .put(ROOT, "seal", ScalarValue::Bytes(list.seal_detached(key)))?;
        self.doc.commit();
        Ok(())
    }

    fn entries_object(&self) -> Result<automerge::ObjId, ListDocumentError> {
        match self.doc.get(ROOT, "entries")? {
            Some((Value::Object(ObjType::Map), id)) => Ok(id),
            _ => Err(ListDocumentError::Field("entries")),
        }
    }

    fn read_entries(
        &self,
        entries: &automerge::ObjId,
    ) -> Result<BTreeMap<String, Vec<u8>>, ListDocumentError> {
        let mut out = BTreeMap::new();
        for name in self.doc.keys(entries) {
            let bytes = match self.doc.get(entries, name.as_str())? {
                Some((Value::Scalar(scalar), _)) => scalar.as_bytes().map(<[u8]>::to_vec),
                _ => None,
            }
            .ok_or(ListDocumentError::Field("entries"))?;
            out.insert(name, bytes);
        }
        Ok(out)
    }

    fn scalar(&self, field: &'static str) -> Result<ScalarValue, ListDocumentError> {
        match self.doc.get(ROOT, field)? {
            Some((Value::Scalar(scalar), _)) => Ok(scalar.into_owned()),
            _ => Err(ListDocumentError::Field(field)),
        }
    }

    /// Reads the list and returns it with its seal attached: a COSE_Sign1 that
    /// [`crate::TrustContext::from_bundle`] verifies like any other signed list.
    pub fn signed(&self, kind: ListKind) -> Result<(SignedList, Vec<u8>), ListDocumentError> {
        let found = self.scalar("kind")?;
        if found.as_str() != Some(kind.as_str()) {
            return Err(ListDocumentError::WrongKind {
                expected: kind.as_str(),
                found: found.to_string(),
            });
        }
        let version = self
            .scalar("version")?
            .as_u64()
            .ok_or(ListDocumentError::Field("version"))?;
        let issued_at = self
            .scalar("issued_at")?
            .as_i64()
            .ok_or(ListDocumentError::Field("issued_at"))?;
        let seal = self.scalar("seal")?;
        let seal = seal.as_bytes().ok_or(ListDocumentError::Field("seal"))?;
        let entries = self.read_entries(&self.entries_object()?)?;
        let list = SignedList {
            kind,
            version,
            issued_at,
            entries,
        };
        let attached = cose::attach_payload(seal, list.payload())?;
        Ok((list, attached))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(byte: u8) -> ActorId {
        ActorId::from(vec![byte; 16])
    }

    #[test]
    fn editions_round_trip_through_save_load_and_merge() {
        let key = SecretKey::from_seed([5; 32]);
        let mut list = SignedList::new(ListKind::RevocationList, 1, 100);
        list.entries.insert("copy/A".into(), vec![1, 2, 3]);
        let mut city = ListDocument::create(&list, &key, actor(1)).unwrap();
        let mut ward = ListDocument::load(&city.save(), actor(2)).unwrap();

        list.version = 2;
        list.entries.insert("copy/B".into(), vec![4]);
        list.entries.remove("copy/A");
        city.publish(&list, &key).unwrap();
        ward.merge(&mut city).unwrap();

        let (read, attached) = ward.signed(ListKind::RevocationList).unwrap();
        assert_eq!(read, list);
        let opened = cose::open_sign1(&attached).unwrap();
        assert!(opened.verify(&key.public_key()));
        assert!(ward.signed(ListKind::TrustList).is_err());
    }

    #[test]
    fn garbage_is_not_a_document() {
        assert!(ListDocument::load(b"not automerge", actor(1)).is_err());
    }
}
