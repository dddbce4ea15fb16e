//! What the city's transparency log holds, and what a registered copy carries of it.
//!
//! A leaf is the canonical CBOR of a [`LoggedEvent`]: a signature the city learnt on a copy
//! (the kiosk's issue, an approval or rejection, the registration, a revocation by decision),
//! or an entry of the revocation list (a copy or a key revoked). A signature event carries the
//! whole [`SignatureRecord`] with the copy's id and content hash, so anyone holding the leaf and
//! the trust list can check the signature itself; `logged_at` is when the city logged it.
//!
//! A [`LogInclusion`] is the leaf of a copy's registration with its RFC 6962 inclusion proof
//! and the signed checkpoint (a c2sp.org signed note) it leads to: the copy document keeps it
//! (root key `log_inclusion`) and the portable record carries it, so `bansao verify` checks it
//! offline. This crate only encodes it; the proof is checked with `bansao-tlog`.

use bansao_trust::KeyId;
use bansao_trust::cbor::{self, CborError};
use ciborium::value::Value;

use crate::content::{ContentHash, CopyId, MAX_TEXT};
use crate::signature::SignatureRecord;
use crate::timestamp::Timestamp;

/// The event format this code writes.
pub const LOG_EVENT_FORMAT: u64 = 1;

/// The most hashes an inclusion proof may have (a tree of 2^63 leaves needs 63).
pub const MAX_PROOF_HASHES: usize = 64;

/// Longest checkpoint note accepted, in bytes.
pub const MAX_CHECKPOINT_NOTE: usize = 8_000;

/// One event of the log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LoggedEvent {
    /// A signature held by a copy.
    Signature {
        /// The copy.
        copy_id: CopyId,
        /// Its commune.
        commune: String,
        /// Its content hash (what the signature is over).
        content_hash: ContentHash,
        /// The signature.
        record: SignatureRecord,
        /// When the city logged it.
        logged_at: Timestamp,
    },
    /// A copy on the revocation list.
    CopyRevoked {
        /// The copy, as the list names it.
        copy_id: String,
        /// When it was revoked, Unix seconds.
        revoked_at: i64,
        /// Why.
        reason: String,
        /// When the city logged it.
        logged_at: Timestamp,
    },
    /// A key on the revocation list (or revoked by the root in the trust list).
    KeyRevoked {
        /// The key.
        key_id: KeyId,
        /// When it was revoked, Unix seconds.
        revoked_at: i64,
        /// Why.
        reason: String,
        /// When the city logged it.
        logged_at: Timestamp,
    },
}

/// A log entry could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LogEventError {
    /// Not the CBOR shape of an event.
    #[error("malformed log entry: {0}")]
    Cbor(#[from] CborError),
    /// A field has a value this code does not accept.
    #[error("invalid log entry: {0}")]
    Invalid(String),
}

fn text(key: &str, value: impl Into<String>) -> (Value, Value) {
    (Value::Text(key.into()), Value::Text(value.into()))
}

impl LoggedEvent {
    /// The key that makes the event itself: logging the same key twice adds nothing.
    pub fn event_key(&self) -> String {
        match self {
            LoggedEvent::Signature {
                copy_id, record, ..
            } => format!(
                "signature/{copy_id}/{}/{}",
                record.signer.to_hex(),
                hex::encode(record.signature.to_bytes())
            ),
            LoggedEvent::CopyRevoked { copy_id, .. } => format!("copy-revoked/{copy_id}"),
            LoggedEvent::KeyRevoked { key_id, .. } => format!("key-revoked/{}", key_id.to_hex()),
        }
    }

    /// The copy the event is about, if any.
    pub fn copy_id(&self) -> Option<String> {
        match self {
            LoggedEvent::Signature { copy_id, .. } => Some(copy_id.to_string()),
            LoggedEvent::CopyRevoked { copy_id, .. } => Some(copy_id.clone()),
            LoggedEvent::KeyRevoked { .. } => None,
        }
    }

    /// The leaf: canonical CBOR.
    pub fn to_cbor(&self) -> Vec<u8> {
        let mut entries = vec![(Value::Text("format".into()), Value::from(LOG_EVENT_FORMAT))];
        match self {
            LoggedEvent::Signature {
                copy_id,
                commune,
                content_hash,
                record,
                logged_at,
            } => {
                entries.push(text("event", "signature"));
                entries.push(text("copy_id", copy_id.to_string()));
                entries.push(text("commune", commune.clone()));
                entries.push((
                    Value::Text("content_hash".into()),
                    Value::Bytes(content_hash.0.to_vec()),
                ));
                entries.push((Value::Text("signature".into()), record.to_value()));
                entries.push(text("logged_at", logged_at.to_rfc3339()));
            }
            LoggedEvent::CopyRevoked {
                copy_id,
                revoked_at,
                reason,
                logged_at,
            } => {
                entries.push(text("event", "copy-revoked"));
                entries.push(text("copy_id", copy_id.clone()));
                entries.push((Value::Text("revoked_at".into()), Value::from(*revoked_at)));
                entries.push(text("reason", reason.clone()));
                entries.push(text("logged_at", logged_at.to_rfc3339()));
            }
            LoggedEvent::KeyRevoked {
                key_id,
                revoked_at,
                reason,
                logged_at,
            } => {
                entries.push(text("event", "key-revoked"));
                entries.push((
                    Value::Text("key_id".into()),
                    Value::Bytes(key_id.0.to_vec()),
                ));
                entries.push((Value::Text("revoked_at".into()), Value::from(*revoked_at)));
                entries.push(text("reason", reason.clone()));
                entries.push(text("logged_at", logged_at.to_rfc3339()));
            }
        }
        cbor::to_canonical_vec(Value::Map(entries))
    }

    /// Decodes a leaf (strictly: canonical bytes only, so a leaf has one meaning).
    pub fn from_cbor(bytes: &[u8]) -> Result<LoggedEvent, LogEventError> {
        let invalid = |what: String| LogEventError::Invalid(what);
        let mut map = cbor::map(cbor::from_slice_exact(bytes)?, "log entry")?;
        let format = cbor::uint(
            cbor::require_field(&mut map, "format", "log entry")?,
            "format",
        )?;
        if format != LOG_EVENT_FORMAT {
            return Err(invalid(format!("unknown format {format}")));
        }
        let event = cbor::text(
            cbor::require_field(&mut map, "event", "log entry")?,
            32,
            "event",
        )?;
        let logged_at_text = cbor::text(
            cbor::require_field(&mut map, "logged_at", "log entry")?,
            64,
            "logged_at",
        )?;
        let logged_at = Timestamp::parse(&logged_at_text).map_err(|e| invalid(e.to_string()))?;
        let decoded = match event.as_str() {
            "signature" => {
                let copy_id_text = cbor::text(
                    cbor::require_field(&mut map, "copy_id", "log entry")?,
                    64,
                    "copy_id",
                )?;
                let copy_id = CopyId::parse(&copy_id_text).map_err(|e| invalid(e.to_string()))?;
                let commune = cbor::text(
                    cbor::require_field(&mut map, "commune", "log entry")?,
                    64,
                    "commune",
                )?;
                let content_hash = ContentHash(cbor::fixed_bytes(
                    cbor::require_field(&mut map, "content_hash", "log entry")?,
                    "content_hash",
                )?);
                let record = SignatureRecord::from_value(cbor::require_field(
                    &mut map,
                    "signature",
                    "log entry",
                )?)
                .map_err(|e| invalid(e.to_string()))?;
                LoggedEvent::Signature {
                    copy_id,
                    commune,
                    content_hash,
                    record,
                    logged_at,
                }
            }
            "copy-revoked" | "key-revoked" => {
                let revoked_at = cbor::int(
                    cbor::require_field(&mut map, "revoked_at", "log entry")?,
                    "revoked_at",
                )?;
                let reason = cbor::text(
                    cbor::require_field(&mut map, "reason", "log entry")?,
                    MAX_TEXT,
                    "reason",
                )?;
                if event == "copy-revoked" {
                    LoggedEvent::CopyRevoked {
                        copy_id: cbor::text(
                            cbor::require_field(&mut map, "copy_id", "log entry")?,
                            64,
                            "copy_id",
                        )?,
                        revoked_at,
                        reason,
                        logged_at,
                    }
                } else {
                    LoggedEvent::KeyRevoked {
                        key_id: KeyId(cbor::fixed_bytes(
                            cbor::require_field(&mut map, "key_id", "log entry")?,
                            "key_id",
                        )?),
                        revoked_at,
                        reason,
                        logged_at,
                    }
                }
            }
            other => return Err(invalid(format!("unknown event {other:?}"))),
        };
        if let Some((key, _)) = map.first() {
            return Err(invalid(format!("unknown field {key:?}")));
        }
        if decoded.to_cbor() != bytes {
            return Err(invalid("the entry is not in canonical form".to_owned()));
        }
        Ok(decoded)
    }
}

/// A leaf of the log with its inclusion proof and the signed checkpoint the proof leads to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogInclusion {
    /// The leaf (a [`LoggedEvent`]'s canonical CBOR).
    pub entry: Vec<u8>,
    /// Its index.
    pub leaf_index: u64,
    /// The size of the tree the proof and checkpoint are of.
    pub tree_size: u64,
    /// The audit path, bottom up, 32 bytes each.
    pub path: Vec<[u8; 32]>,
    /// The checkpoint: a signed note.
    pub checkpoint: String,
}

impl LogInclusion {
    /// As a CBOR value (the record embeds it).
    pub fn to_value(&self) -> Value {
        Value::Map(vec![
            (
                Value::Text("entry".into()),
                Value::Bytes(self.entry.clone()),
            ),
            (
                Value::Text("leaf_index".into()),
                Value::from(self.leaf_index),
            ),
            (Value::Text("tree_size".into()), Value::from(self.tree_size)),
            (
                Value::Text("path".into()),
                Value::Array(
                    self.path
                        .iter()
                        .map(|hash| Value::Bytes(hash.to_vec()))
                        .collect(),
                ),
            ),
            (
                Value::Text("checkpoint".into()),
                Value::Text(self.checkpoint.clone()),
            ),
        ])
    }

    /// Canonical CBOR.
    pub fn to_cbor(&self) -> Vec<u8> {
        cbor::to_canonical_vec(self.to_value())
    }

    /// Decodes the bytes [`LogInclusion::to_cbor`] writes.
    pub fn from_cbor(bytes: &[u8]) -> Result<LogInclusion, LogEventError> {
        LogInclusion::from_value(cbor::from_slice_exact(bytes)?)
    }

    /// Decodes a CBOR value.
    pub fn from_value(value: Value) -> Result<LogInclusion, LogEventError> {
        let mut map = cbor::map(value, "log inclusion")?;
        let entry = cbor::bytes(
            cbor::require_field(&mut map, "entry", "log inclusion")?,
            "entry",
        )?;
        let leaf_index = cbor::uint(
            cbor::require_field(&mut map, "leaf_index", "log inclusion")?,
            "leaf_index",
        )?;
        let tree_size = cbor::uint(
            cbor::require_field(&mut map, "tree_size", "log inclusion")?,
            "tree_size",
        )?;
        let raw_path = cbor::array(
            cbor::require_field(&mut map, "path", "log inclusion")?,
            "path",
        )?;
        if raw_path.len() > MAX_PROOF_HASHES {
            return Err(LogEventError::Invalid("the proof is too long".to_owned()));
        }
        let path = raw_path
            .into_iter()
            .map(|hash| cbor::fixed_bytes::<32>(hash, "path"))
            .collect::<Result<Vec<_>, _>>()?;
        let checkpoint = cbor::text(
            cbor::require_field(&mut map, "checkpoint", "log inclusion")?,
            MAX_CHECKPOINT_NOTE,
            "checkpoint",
        )?;
        Ok(LogInclusion {
            entry,
            leaf_index,
            tree_size,
            path,
            checkpoint,
        })
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::signature::Decision;

    fn signature_event() -> LoggedEvent {
        let key = bansao_trust::SecretKey::from_seed([3; 32]);
        let content = crate::testing::sample_content(
            1,
            ContentHash::GENESIS,
            Timestamp::from_unix(1_780_000_000).unwrap(),
            b"scan",
        );
        let record = SignatureRecord::decide(
            &content,
            Decision::Register,
            Timestamp::from_unix(1_780_000_100).unwrap(),
            None,
            None,
            &key,
        );
        LoggedEvent::Signature {
            copy_id: content.copy_id,
            commune: content.commune.clone(),
            content_hash: crate::content::hash_content_bytes(&content.to_canonical_cbor()),
            record,
            logged_at: Timestamp::from_unix(1_780_000_200).unwrap(),
        }
    }

    #[test]
    fn events_round_trip_and_have_distinct_keys() {
        let events = [
            signature_event(),
            LoggedEvent::CopyRevoked {
                copy_id: "01J0000000000000000000000A".to_owned(),
                revoked_at: 1_780_000_000,
                reason: "giả mạo".to_owned(),
                logged_at: Timestamp::from_unix(1_780_000_001).unwrap(),
            },
            LoggedEvent::KeyRevoked {
                key_id: KeyId([9; 8]),
                revoked_at: 1_780_000_000,
                reason: "lost".to_owned(),
                logged_at: Timestamp::from_unix(1_780_000_001).unwrap(),
            },
        ];
        for event in &events {
            assert_eq!(&LoggedEvent::from_cbor(&event.to_cbor()).unwrap(), event);
        }
        let keys: std::collections::BTreeSet<String> =
            events.iter().map(LoggedEvent::event_key).collect();
        assert_eq!(keys.len(), 3);
    }

    #[test]
    fn an_entry_with_an_unknown_field_is_refused() {
        let bytes = signature_event().to_cbor();
        let mut map = cbor::map(cbor::from_slice_exact(&bytes).unwrap(), "x").unwrap();
        map.push((Value::Text("extra".into()), Value::from(1)));
        let changed = cbor::to_canonical_vec(Value::Map(map));
        assert!(LoggedEvent::from_cbor(&changed).is_err());
    }

    proptest! {
        #[test]
        fn garbage_never_panics_the_decoders(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
            let _ = LoggedEvent::from_cbor(&bytes);
            let _ = LogInclusion::from_cbor(&bytes);
        }

        #[test]
        fn inclusions_round_trip(
            entry in proptest::collection::vec(any::<u8>(), 0..200),
            leaf_index in 0u64..1_000,
            extra in 1u64..1_000,
            path in proptest::collection::vec(any::<[u8; 32]>(), 0..20),
            checkpoint in "[a-z0-9/\n]{0,100}",
        ) {
            let inclusion = LogInclusion { entry, leaf_index, tree_size: leaf_index + extra, path, checkpoint };
            prop_assert_eq!(LogInclusion::from_cbor(&inclusion.to_cbor()).unwrap(), inclusion);
        }
    }
}
