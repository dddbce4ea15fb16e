//! `bansao store check` beyond SQLite's own integrity check: every stored document, scan and
//! chain row is read and compared with what it must be, so damage that SQLite cannot see (a
//! flipped byte inside a document, an edited signed content, a scan that no longer hashes to its
//! name, a chain row that names another copy) is found, named, and remembered: a kiosk does not
//! issue into a store whose last check found damage ([`Store::last_check_damage`]).

use rusqlite::{OptionalExtension, params};
use sha2::{Digest, Sha256};

use bansao_copy::{CopyDocument, Timestamp};

use crate::{Store, StoreError, chain_head_on};

/// What is damaged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DamagedPart {
    /// A copy's document or its index row.
    Copy,
    /// A stored scan.
    Scan,
    /// A kiosk's chain head or issued sequence numbers.
    Chain,
}

impl DamagedPart {
    /// A stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            DamagedPart::Copy => "copy",
            DamagedPart::Scan => "scan",
            DamagedPart::Chain => "chain",
        }
    }
}

/// One damaged thing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Damage {
    /// What kind of thing.
    pub part: DamagedPart,
    /// Its id (copy id, scan SHA-256 in hex, kiosk id).
    pub id: String,
    /// What is wrong.
    pub reason: String,
}

/// What [`Store::check_contents`] found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContentCheck {
    /// Copies read.
    pub copies: u64,
    /// Scans read.
    pub scans: u64,
    /// Chain heads read.
    pub chains: u64,
    /// Everything found damaged.
    pub damage: Vec<Damage>,
}

impl Store {
    /// Reads every copy, scan and chain row and reports what is damaged; `check_document` adds
    /// the checks that need the trust list (the kiosk's signature over the content), returning
    /// why a loaded document is damaged. The result is recorded for [`Store::last_check_damage`].
    pub fn check_contents(
        &mut self,
        mut check_document: impl FnMut(&CopyDocument) -> Result<(), String>,
        now: Timestamp,
    ) -> Result<ContentCheck, StoreError> {
        let mut report = ContentCheck::default();
        self.check_copies(&mut check_document, &mut report)?;
        self.check_scans(&mut report)?;
        self.check_chains(&mut report)?;
        self.connection.execute(
            "INSERT INTO store_checks (only, checked_at, damaged) VALUES (1, ?1, ?2)
             ON CONFLICT (only) DO UPDATE SET checked_at = excluded.checked_at,
                 damaged = excluded.damaged",
            params![
                now.to_rfc3339(),
                i64::try_from(report.damage.len()).unwrap_or(i64::MAX)
            ],
        )?;
        Ok(report)
    }

    /// How many things the last [`Store::check_contents`] found damaged, and when it ran
    /// (`None`: never checked).
    pub fn last_check_damage(&self) -> Result<Option<(u64, String)>, StoreError> {
        Ok(self
            .connection
            .query_row(
                "SELECT damaged, checked_at FROM store_checks WHERE only = 1",
                [],
                |row| {
                    Ok((
                        u64::try_from(row.get::<_, i64>(0)?).unwrap_or(0),
                        row.get::<_, String>(1)?,
                    ))
                },
            )
            .optional()?)
    }

    /// Refuses (with [`StoreError::LastCheckFoundDamage`]) when the last content check found
    /// damage: a kiosk does not issue into a damaged store.
    pub fn refuse_if_damaged(&self) -> Result<(), StoreError> {
        match self.last_check_damage()? {
            Some((damaged, checked_at)) if damaged > 0 => Err(StoreError::LastCheckFoundDamage {
                damaged,
                checked_at,
            }),
            _ => Ok(()),
        }
    }

    fn check_copies(
        &self,
        check_document: &mut impl FnMut(&CopyDocument) -> Result<(), String>,
        report: &mut ContentCheck,
    ) -> Result<(), StoreError> {
        let mut statement = self.connection.prepare(
            "SELECT CAST(copy_id AS BLOB), document, commune, kiosk_id, kiosk_sequence, issued_at,
                 content_hash, previous_content_hash, heads_digest FROM copies",
        )?;
        let mut rows = statement.query([])?;
        while let Some(row) = rows.next()? {
            report.copies += 1;
            let id_bytes: Vec<u8> = row.get(0)?;
            let id = String::from_utf8_lossy(&id_bytes).into_owned();
            let mut damaged = |reason: String| {
                report.damage.push(Damage {
                    part: DamagedPart::Copy,
                    id: id.clone(),
                    reason,
                });
            };
            let Ok(bytes) = row.get::<_, Vec<u8>>(1) else {
                damaged("its document is not stored as bytes".to_owned());
                continue;
            };
            let mut document =
                match CopyDocument::load(&bytes, automerge::ActorId::from(&[0u8; 16][..])) {
                    Ok(document) => document,
                    Err(error) => {
                        damaged(format!("its document does not load: {error}"));
                        continue;
                    }
                };
            let content = document.content().clone();
            let text = |index: usize| row.get::<_, String>(index).ok();
            let blob = |index: usize| row.get::<_, Vec<u8>>(index).ok();
            let mismatches = [
                (content.copy_id.to_string() == id, "copy id"),
                (
                    text(2).as_deref() == Some(content.commune.as_str()),
                    "commune",
                ),
                (
                    text(3).as_deref() == Some(content.kiosk_id.as_str()),
                    "kiosk",
                ),
                (
                    row.get::<_, i64>(4).ok() == i64::try_from(content.kiosk_sequence).ok(),
                    "sequence",
                ),
                (
                    text(5) == Some(content.issued_at.to_rfc3339()),
                    "time of issue",
                ),
                (
                    blob(6).as_deref() == Some(&document.content_hash().0[..]),
                    "content hash",
                ),
                (
                    blob(7).as_deref() == Some(&content.previous_content_hash.0[..]),
                    "previous copy's hash",
                ),
                (
                    blob(8).as_deref() == Some(&document.heads_digest()[..]),
                    "heads digest",
                ),
            ];
            let wrong: Vec<&str> = mismatches
                .iter()
                .filter(|(matches, _)| !matches)
                .map(|(_, name)| *name)
                .collect();
            if !wrong.is_empty() {
                damaged(format!(
                    "its index row does not match its document ({}); bansao store reindex rebuilds it",
                    wrong.join(", ")
                ));
            }
            if let Err(reason) = check_document(&document) {
                damaged(reason);
            }
        }
        Ok(())
    }

    fn check_scans(&self, report: &mut ContentCheck) -> Result<(), StoreError> {
        let mut statement = self.connection.prepare("SELECT sha256, bytes FROM blobs")?;
        let mut rows = statement.query([])?;
        while let Some(row) = rows.next()? {
            report.scans += 1;
            let name: Vec<u8> = row.get(0)?;
            let matches = row
                .get::<_, Vec<u8>>(1)
                .is_ok_and(|bytes| Sha256::digest(&bytes)[..] == name[..]);
            if !matches {
                report.damage.push(Damage {
                    part: DamagedPart::Scan,
                    id: hex::encode(&name),
                    reason: "its bytes no longer hash to its name".to_owned(),
                });
            }
        }
        Ok(())
    }

    fn check_chains(&self, report: &mut ContentCheck) -> Result<(), StoreError> {
        let kiosks: Vec<String> = {
            let mut statement = self
                .connection
                .prepare("SELECT DISTINCT kiosk_id FROM kiosk_chain")?;
            let rows = statement.query_map([], |row| row.get::<_, String>(0))?;
            rows.filter_map(Result::ok).collect()
        };
        for kiosk_id in kiosks {
            report.chains += 1;
            let mut damaged = |reason: String| {
                report.damage.push(Damage {
                    part: DamagedPart::Chain,
                    id: kiosk_id.clone(),
                    reason,
                });
            };
            let head = match chain_head_on(&self.connection, &kiosk_id) {
                Ok(head) => head,
                Err(error) => {
                    damaged(format!("{error}; bansao store reindex rebuilds it"));
                    continue;
                }
            };
            let named: Option<(i64, Vec<u8>)> = self
                .connection
                .query_row(
                    "SELECT kiosk_sequence, content_hash FROM copies WHERE copy_id = ?1",
                    [head.last_copy_id.map(|id| id.to_string())],
                    |row| Ok((row.get(0)?, row.get(1)?)),
                )
                .optional()?;
            let highest: Option<i64> = self.connection.query_row(
                "SELECT max(sequence) FROM issued_sequences WHERE kiosk_id = ?1",
                [&kiosk_id],
                |row| row.get(0),
            )?;
            match named {
                None => damaged("its head names a copy that is not stored".to_owned()),
                Some((sequence, hash)) => {
                    if i64::try_from(head.last_sequence).ok() != Some(sequence)
                        || hash != head.last_content_hash.0
                    {
                        damaged(
                            "its head does not match the copy it names; bansao store reindex rebuilds it"
                                .to_owned(),
                        );
                    }
                }
            }
            if highest
                .is_some_and(|highest| i64::try_from(head.last_sequence).ok() != Some(highest))
            {
                damaged(format!(
                    "its head is at sequence {}, but sequence {} was issued",
                    head.last_sequence,
                    highest.unwrap_or(0)
                ));
            }
        }
        Ok(())
    }

    /// Rebuilds each kiosk's chain head from the copies it issued (the highest issued sequence
    /// whose copy is stored and reads); returns the kiosks whose head was rewritten.
    pub fn rebuild_chain_heads(&mut self) -> Result<Vec<String>, StoreError> {
        let transaction = self.connection.transaction()?;
        let mut rebuilt = Vec::new();
        {
            let mut kiosks = transaction.prepare(
                "SELECT kiosk_id FROM kiosk_chain UNION SELECT kiosk_id FROM issued_sequences",
            )?;
            let kiosk_ids: Vec<String> = kiosks
                .query_map([], |row| row.get::<_, String>(0))?
                .filter_map(Result::ok)
                .collect();
            for kiosk_id in kiosk_ids {
                let newest: Option<(i64, Vec<u8>, String)> = transaction
                    .query_row(
                        "SELECT c.kiosk_sequence, c.content_hash, c.copy_id
                         FROM issued_sequences s JOIN copies c ON c.copy_id = s.copy_id
                         WHERE s.kiosk_id = ?1 ORDER BY s.sequence DESC LIMIT 1",
                        [&kiosk_id],
                        |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
                    )
                    .optional()?;
                let Some((sequence, hash, copy_id)) = newest else {
                    continue;
                };
                let changed = transaction.execute(
                    "INSERT INTO kiosk_chain (kiosk_id, last_sequence, last_content_hash, last_copy_id)
                     VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT (kiosk_id) DO UPDATE SET last_sequence = excluded.last_sequence,
                         last_content_hash = excluded.last_content_hash,
                         last_copy_id = excluded.last_copy_id
                     WHERE kiosk_chain.last_sequence IS NOT excluded.last_sequence
                        OR kiosk_chain.last_content_hash IS NOT excluded.last_content_hash
                        OR kiosk_chain.last_copy_id IS NOT excluded.last_copy_id",
                    params![kiosk_id, sequence, hash, copy_id],
                )?;
                if changed > 0 {
                    rebuilt.push(kiosk_id);
                }
            }
        }
        transaction.commit()?;
        Ok(rebuilt)
    }
}
