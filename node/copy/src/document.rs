//! One Automerge document per certified copy.
//!
//! Layout of the document's root map:
//! - `schema`: the document schema version (uint);
//! - `content`: the canonical CBOR content bytes, written once at issuance and never changed
//!   (the kiosk's signature covers them; [`CopyDocument::load`] refuses a document whose content
//!   does not decode canonically);
//! - `signatures`: a map from `<signer key id hex>/<slot>` to that signer's signature record (CBOR
//!   bytes), where the slot is `issue` for the kiosk's provisional signature and `decision` for
//!   everything else. Keying by signer means concurrent decisions by different people never
//!   collide, and a signer who changes their mind replaces their own decision; two concurrent
//!   writes by the *same* signer become an Automerge conflict, which [`CopyDocument::signatures`]
//!   returns in full so the status can report it. The issue slot is never overwritten by a
//!   decision, whoever signs it;
//! - `events`: a list of `{kind, at, by, detail}` maps (printed, notified, ...);
//! - `notes`: a list of `{author, at, text}` maps (review notes);
//! - `log_inclusion` (once the city logged the registration and signed a checkpoint over it):
//!   the [`LogInclusion`] CBOR bytes, written by the city, checked by whoever verifies.
//!
//! Events and notes are annotations, not proofs: only signatures change a copy's status.

use automerge::sync::SyncDoc;
use automerge::transaction::Transactable;
use automerge::{
    ActorId, AutoCommit, ChangeHash, ObjId, ObjType, ROOT, ReadDoc, ScalarValue, Value,
};

use sha2::{Digest, Sha256};

use crate::content::{ContentDecodeError, ContentHash, CopyContent, hash_content_bytes};
use crate::log_event::{LogEventError, LogInclusion};
use crate::signature::SignatureRecord;
use crate::timestamp::Timestamp;

/// The document schema this code writes.
pub const DOCUMENT_SCHEMA_VERSION: u64 = 1;

/// A copy document could not be read or changed.
#[derive(Debug, thiserror::Error)]
pub enum CopyDocumentError {
    /// The bytes are not an Automerge document.
    #[error("not an Automerge document: {0}")]
    Load(String),
    /// Automerge refused an operation.
    #[error("automerge: {0}")]
    Automerge(#[from] automerge::AutomergeError),
    /// A required field is missing or of the wrong type.
    #[error("the copy document has no valid {0:?}")]
    Field(&'static str),
    /// A newer schema than this code knows.
    #[error("unsupported copy document schema {0}")]
    UnsupportedSchema(u64),
    /// The content does not decode.
    #[error(transparent)]
    Content(#[from] ContentDecodeError),
    /// The content has more than one value: someone wrote to the immutable part.
    #[error("the copy's content was written more than once")]
    ContentConflict,
    /// Merging a document of another copy.
    #[error("cannot merge documents of different copies")]
    DifferentCopy,
    /// Changes from another replica would remove a signature this replica holds.
    #[error("the incoming changes remove the signature {0}")]
    SignatureRemoved(String),
    /// An Automerge sync message does not decode or apply.
    #[error("bad sync message: {0}")]
    SyncMessage(String),
}

/// Length of [`CopyDocument::heads_digest`].
pub const HEADS_DIGEST_LENGTH: usize = 16;

/// An event in a copy's life (not signed; for the record).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CopyEvent {
    /// `printed`, `notified`, `exported`, ...
    pub kind: String,
    /// When.
    pub at: Timestamp,
    /// Which node or person.
    pub by: String,
    /// Free text.
    pub detail: String,
}

/// A review note.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReviewNote {
    /// Who wrote it.
    pub author: String,
    /// When.
    pub at: Timestamp,
    /// What.
    pub text: String,
}

/// A signature entry that could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MalformedSignature {
    /// The map key it was stored under.
    pub key: String,
    /// What is wrong.
    pub reason: String,
}

/// The `signatures` map key of a record.
fn signature_slot(record: &SignatureRecord) -> String {
    let slot = if record.decision == crate::signature::Decision::Issue {
        "issue"
    } else {
        "decision"
    };
    format!("{}/{slot}", record.signer.to_hex())
}

/// A certified copy's document.
#[derive(Debug)]
pub struct CopyDocument {
    doc: AutoCommit,
    content: CopyContent,
    content_bytes: Vec<u8>,
    /// The heads and bytes of the last load or save: saving again with the same heads returns
    /// them instead of re-encoding (and re-compressing) the whole document.
    saved: Option<(Vec<ChangeHash>, Vec<u8>)>,
}

impl CopyDocument {
    /// Creates the document of a newly issued copy, signed by the kiosk.
    pub fn issue(
        content: CopyContent,
        kiosk_key: &bansao_trust::SecretKey,
        actor: ActorId,
    ) -> Result<CopyDocument, CopyDocumentError> {
        let content_bytes = content.to_canonical_cbor();
        let mut doc = AutoCommit::new().with_actor(actor);
        doc.put(ROOT, "schema", ScalarValue::Uint(DOCUMENT_SCHEMA_VERSION))?;
        doc.put(ROOT, "content", ScalarValue::Bytes(content_bytes.clone()))?;
        doc.put_object(ROOT, "signatures", ObjType::Map)?;
        doc.put_object(ROOT, "events", ObjType::List)?;
        doc.put_object(ROOT, "notes", ObjType::List)?;
        let mut document = CopyDocument {
            doc,
            content_bytes,
            content,
            saved: None,
        };
        let record = SignatureRecord::issue(&document.content, kiosk_key);
        document.add_signature(&record)?;
        let seal = crate::qr::QrClaims::for_content(&document.content).detached_seal(kiosk_key);
        document
            .doc
            .put(ROOT, "qr_seal", ScalarValue::Bytes(seal))?;
        document.doc.commit();
        Ok(document)
    }

    /// Loads a saved document and decodes its content.
    pub fn load(bytes: &[u8], actor: ActorId) -> Result<CopyDocument, CopyDocumentError> {
        let doc = bansao_trust::document::load_untrusted(bytes)
            .map_err(CopyDocumentError::Load)?
            .with_actor(actor);
        let mut document = CopyDocument::from_automerge(doc)?;
        document.saved = Some((document.doc.get_heads(), bytes.to_vec()));
        Ok(document)
    }

    fn from_automerge(doc: AutoCommit) -> Result<CopyDocument, CopyDocumentError> {
        let schema = match doc.get(ROOT, "schema")? {
            Some((Value::Scalar(scalar), _)) => scalar.as_u64(),
            _ => None,
        }
        .ok_or(CopyDocumentError::Field("schema"))?;
        if schema != DOCUMENT_SCHEMA_VERSION {
            return Err(CopyDocumentError::UnsupportedSchema(schema));
        }
        let contents = doc.get_all(ROOT, "content")?;
        if contents.len() > 1 {
            return Err(CopyDocumentError::ContentConflict);
        }
        let content_bytes = match contents.into_iter().next() {
            Some((Value::Scalar(scalar), _)) => scalar.as_bytes().map(<[u8]>::to_vec),
            _ => None,
        }
        .ok_or(CopyDocumentError::Field("content"))?;
        let content = CopyContent::from_canonical_cbor(&content_bytes)?;
        Ok(CopyDocument {
            doc,
            content,
            content_bytes,
            saved: None,
        })
    }

    /// The document's bytes. A document unchanged since it was loaded or saved gives the same
    /// bytes back without encoding it again.
    pub fn save(&mut self) -> Vec<u8> {
        let heads = self.doc.get_heads();
        if let Some((saved_heads, bytes)) = &self.saved
            && *saved_heads == heads
        {
            return bytes.clone();
        }
        let bytes = self.doc.save();
        self.saved = Some((heads, bytes.clone()));
        bytes
    }

    /// The document's current heads.
    pub fn heads(&mut self) -> Vec<ChangeHash> {
        self.doc.get_heads()
    }

    /// A short digest of the document's heads: two replicas with the same digest hold the same
    /// changes. SHA-256 over the sorted heads, truncated to [`HEADS_DIGEST_LENGTH`] bytes; the
    /// sync engine reconciles sets of `(copy id, heads digest)`.
    pub fn heads_digest(&mut self) -> [u8; HEADS_DIGEST_LENGTH] {
        let mut heads = self.doc.get_heads();
        heads.sort();
        let mut hasher = Sha256::new();
        for head in &heads {
            hasher.update(head.0);
        }
        let digest: [u8; 32] = hasher.finalize().into();
        let mut out = [0u8; HEADS_DIGEST_LENGTH];
        out.copy_from_slice(&digest[..HEADS_DIGEST_LENGTH]);
        out
    }

    /// Merges another replica of the same copy.
    ///
    /// On error `self` may hold the other replica's changes: callers must drop it rather than
    /// store it (the stored bytes stay as they were).
    pub fn merge(&mut self, other: &mut CopyDocument) -> Result<(), CopyDocumentError> {
        if other.content_bytes != self.content_bytes {
            return Err(CopyDocumentError::DifferentCopy);
        }
        let before = self.signature_slots()?;
        self.doc.merge(&mut other.doc)?;
        self.check_after_incoming_changes(&before)
    }

    /// The next Automerge sync message for a peer, if there is anything to say.
    pub fn generate_sync_message(&mut self, state: &mut automerge::sync::State) -> Option<Vec<u8>> {
        self.doc
            .sync()
            .generate_sync_message(state)
            .map(automerge::sync::Message::encode)
    }

    /// Applies an Automerge sync message from a peer.
    ///
    /// The changes it carries come from another node and are checked like a merge: the content
    /// must stay the one the kiosk signed, and no signature this replica holds may disappear
    /// (a peer may add signatures, never take them away). On error `self` must be dropped, not
    /// stored. Automerge panics on malformed input are contained and reported as errors.
    pub fn receive_sync_message(
        &mut self,
        state: &mut automerge::sync::State,
        message: &[u8],
    ) -> Result<(), CopyDocumentError> {
        let before = self.signature_slots()?;
        let message = automerge::sync::Message::decode(message)
            .map_err(|error| CopyDocumentError::SyncMessage(error.to_string()))?;
        let applied = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            self.doc.sync().receive_sync_message(state, message)
        }));
        // Answer with changes, never with the whole document. A peer that speaks message v2 is
        // sent the saved document whenever more than a third of its changes are missing, and a
        // copy has only a handful of changes, so one missing signature would cost the whole
        // document (about 1 KB, three times the change) on the link.
        state.their_capabilities = Some(vec![automerge::sync::Capability::MessageV1]);
        match applied {
            Ok(Ok(())) => {}
            Ok(Err(error)) => return Err(CopyDocumentError::SyncMessage(error.to_string())),
            Err(_) => {
                return Err(CopyDocumentError::SyncMessage(
                    "malformed changes (the decoder gave up)".to_owned(),
                ));
            }
        }
        self.check_after_incoming_changes(&before)
    }

    fn signature_slots(&self) -> Result<std::collections::BTreeSet<String>, CopyDocumentError> {
        let signatures = self.object("signatures", ObjType::Map)?;
        Ok(self.doc.keys(&signatures).collect())
    }

    /// What must still hold after changes from elsewhere: one content value, the same one, and
    /// every signature slot that was there before.
    fn check_after_incoming_changes(
        &mut self,
        slots_before: &std::collections::BTreeSet<String>,
    ) -> Result<(), CopyDocumentError> {
        let contents = self.doc.get_all(ROOT, "content")?;
        if contents.len() != 1 {
            return Err(CopyDocumentError::ContentConflict);
        }
        let same = matches!(
            contents.first(),
            Some((Value::Scalar(scalar), _)) if scalar.as_bytes() == Some(self.content_bytes.as_slice())
        );
        if !same {
            return Err(CopyDocumentError::ContentConflict);
        }
        let after = self.signature_slots()?;
        if let Some(missing) = slots_before.difference(&after).next() {
            return Err(CopyDocumentError::SignatureRemoved(missing.clone()));
        }
        Ok(())
    }

    /// The signed content.
    pub fn content(&self) -> &CopyContent {
        &self.content
    }

    /// The canonical content bytes.
    pub fn content_bytes(&self) -> &[u8] {
        &self.content_bytes
    }

    /// SHA-256 of the content bytes.
    pub fn content_hash(&self) -> ContentHash {
        hash_content_bytes(&self.content_bytes)
    }

    fn object(&self, key: &'static str, kind: ObjType) -> Result<ObjId, CopyDocumentError> {
        match self.doc.get(ROOT, key)? {
            Some((Value::Object(found), id)) if found == kind => Ok(id),
            _ => Err(CopyDocumentError::Field(key)),
        }
    }

    /// Adds (or, for the same signer, replaces) a signature record and commits.
    pub fn add_signature(&mut self, record: &SignatureRecord) -> Result<(), CopyDocumentError> {
        let signatures = self.object("signatures", ObjType::Map)?;
        self.doc.put(
            &signatures,
            signature_slot(record),
            ScalarValue::Bytes(record.to_cbor()),
        )?;
        self.doc.commit();
        Ok(())
    }

    /// Every signature record, including all sides of a conflict, and the entries that could
    /// not be read.
    pub fn signatures(
        &self,
    ) -> Result<(Vec<SignatureRecord>, Vec<MalformedSignature>), CopyDocumentError> {
        let signatures = self.object("signatures", ObjType::Map)?;
        let mut records = Vec::new();
        let mut malformed = Vec::new();
        for key in self.doc.keys(&signatures) {
            for (value, _) in self.doc.get_all(&signatures, key.as_str())? {
                let parsed = match value {
                    Value::Scalar(scalar) => match scalar.as_bytes() {
                        Some(bytes) => SignatureRecord::from_cbor(bytes).map_err(|e| e.to_string()),
                        None => Err("not a byte string".to_owned()),
                    },
                    Value::Object(_) => Err("not a byte string".to_owned()),
                };
                match parsed {
                    Ok(record) if signature_slot(&record) == key => records.push(record),
                    Ok(_) => malformed.push(MalformedSignature {
                        key: key.clone(),
                        reason: "stored under another signer's or decision's key".to_owned(),
                    }),
                    Err(reason) => malformed.push(MalformedSignature {
                        key: key.clone(),
                        reason,
                    }),
                }
            }
        }
        Ok((records, malformed))
    }

    fn push_map(
        &mut self,
        list: &'static str,
        fields: &[(&str, String)],
    ) -> Result<(), CopyDocumentError> {
        let list = self.object(list, ObjType::List)?;
        let index = self.doc.length(&list);
        let item = self.doc.insert_object(&list, index, ObjType::Map)?;
        for (key, value) in fields {
            self.doc.put(&item, *key, value.as_str())?;
        }
        self.doc.commit();
        Ok(())
    }

    fn read_maps(
        &self,
        list: &'static str,
        keys: &[&str],
    ) -> Result<Vec<Vec<String>>, CopyDocumentError> {
        let list = self.object(list, ObjType::List)?;
        let mut out = Vec::new();
        for index in 0..self.doc.length(&list) {
            let Some((Value::Object(ObjType::Map), item)) = self.doc.get(&list, index)? else {
                continue;
            };
            let mut values = Vec::with_capacity(keys.len());
            for key in keys {
                let text = match self.doc.get(&item, *key)? {
                    Some((Value::Scalar(scalar), _)) => scalar.as_str().map(str::to_owned),
                    _ => None,
                };
                values.push(text.unwrap_or_default());
            }
            out.push(values);
        }
        Ok(out)
    }

    /// Records an event and commits.
    pub fn record_event(&mut self, event: &CopyEvent) -> Result<(), CopyDocumentError> {
        self.push_map(
            "events",
            &[
                ("kind", event.kind.clone()),
                ("at", event.at.to_rfc3339()),
                ("by", event.by.clone()),
                ("detail", event.detail.clone()),
            ],
        )
    }

    /// The events, oldest first as merged (entries with an unreadable time are skipped).
    pub fn events(&self) -> Result<Vec<CopyEvent>, CopyDocumentError> {
        Ok(self
            .read_maps("events", &["kind", "at", "by", "detail"])?
            .into_iter()
            .filter_map(|mut values| {
                let detail = values.pop()?;
                let by = values.pop()?;
                let at = Timestamp::parse(&values.pop()?).ok()?;
                let kind = values.pop()?;
                Some(CopyEvent {
                    kind,
                    at,
                    by,
                    detail,
                })
            })
            .collect())
    }

    /// Adds a review note and commits.
    pub fn add_note(&mut self, note: &ReviewNote) -> Result<(), CopyDocumentError> {
        self.push_map(
            "notes",
            &[
                ("author", note.author.clone()),
                ("at", note.at.to_rfc3339()),
                ("text", note.text.clone()),
            ],
        )
    }

    /// The copy's QR text as its kiosk signed it at issue, rebuilt from the seal the document
    /// keeps (`None` for a copy issued before documents kept it, or whose seal is unreadable).
    pub fn kiosk_qr_text(&self) -> Option<String> {
        let seal = match self.doc.get(ROOT, "qr_seal").ok()?? {
            (Value::Scalar(scalar), _) => scalar.as_bytes()?.to_vec(),
            _ => return None,
        };
        crate::qr::QrClaims::for_content(&self.content)
            .qr_text_from_seal(&seal)
            .ok()
    }

    /// Writes the registration's inclusion in the city's log (replacing an earlier one) and
    /// commits.
    pub fn set_log_inclusion(&mut self, inclusion: &LogInclusion) -> Result<(), CopyDocumentError> {
        self.doc.put(
            ROOT,
            "log_inclusion",
            ScalarValue::Bytes(inclusion.to_cbor()),
        )?;
        self.doc.commit();
        Ok(())
    }

    /// The registration's inclusion in the city's log, if the copy carries one (an unreadable
    /// one is returned as its error, to be reported, not ignored).
    pub fn log_inclusion(&self) -> Option<Result<LogInclusion, LogEventError>> {
        match self.doc.get(ROOT, "log_inclusion").ok()?? {
            (Value::Scalar(scalar), _) => match scalar.as_bytes() {
                Some(bytes) => Some(LogInclusion::from_cbor(bytes)),
                None => Some(Err(LogEventError::Invalid("not a byte string".to_owned()))),
            },
            _ => Some(Err(LogEventError::Invalid("not a byte string".to_owned()))),
        }
    }

    /// The review notes.
    pub fn notes(&self) -> Result<Vec<ReviewNote>, CopyDocumentError> {
        Ok(self
            .read_maps("notes", &["author", "at", "text"])?
            .into_iter()
            .filter_map(|mut values| {
                let text = values.pop()?;
                let at = Timestamp::parse(&values.pop()?).ok()?;
                let author = values.pop()?;
                Some(ReviewNote { author, at, text })
            })
            .collect())
    }
}
