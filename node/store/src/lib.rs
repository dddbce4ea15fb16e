//! Durable storage of a node's copies, scans, kiosk chain and trust documents in one SQLite file.
//!
//! The database runs in WAL mode with `synchronous=FULL`, so a transaction that has returned is
//! on disk: the kiosk prints a receipt only after [`Store::insert_issued_copy`] returns. Every
//! write that belongs together (a copy, its scans and the kiosk chain) is one transaction, so a
//! crash leaves either all of it or none.
//!
//! Status is not this crate's business: callers derive it (it needs the trust list) and hand it
//! in, and [`Store::rebuild_index`] takes the derivation as a function.

mod anomalies;
mod audit;
mod check;
mod decisions;
mod editions;
mod held_checkpoints;
mod log;
mod node_status;
mod rework;
mod schema;
mod sync;

pub use anomalies::{Anomaly, AnomalyKind, AnomalyResolution, FUTURE_TOLERANCE_SECONDS};
pub use audit::AuditEvent;
pub use check::{ContentCheck, Damage, DamagedPart};
pub use decisions::{CertificationEntry, NumberBook};
pub use editions::TrustEditions;
pub use held_checkpoints::{HeldCheckpointRow, LogFork};
pub use log::{LogAppended, LogEvent, LoggedEntry, SqlTiles, StoredCheckpoint};
pub use node_status::{HistoryRules, NodeStatusRow, StatusSample};
pub use schema::SCHEMA_VERSION;

pub use sync::{BlobTransfer, COPIES_PER_QUERY, MissingBlob, SyncItem};

use std::path::{Path, PathBuf};

use automerge::ActorId;
use bansao_copy::content::ContentHash;
use bansao_copy::document::CopyDocumentError;
use bansao_copy::status::CopyStatus;
use bansao_copy::{CopyDocument, CopyId, PageRef, Timestamp};
use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{
    Connection, ErrorCode, OptionalExtension, TransactionBehavior, params, params_from_iter,
};
use sha2::{Digest, Sha256};

/// Storage failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The file is not a SQLite database or is damaged.
    #[error("the database file {path} is damaged or is not a bansao database")]
    Corrupt {
        /// The file.
        path: PathBuf,
    },
    /// The database was written by a newer bansao.
    #[error("the database {path} was written by a newer version of bansao (schema {found})")]
    TooNew {
        /// The file.
        path: PathBuf,
        /// Its schema version.
        found: i64,
    },
    /// A migration failed.
    #[error("could not bring the database schema up to date: {0}")]
    Migration(#[from] rusqlite_migration::Error),
    /// Any other SQLite failure.
    #[error("database error: {0}")]
    Sqlite(rusqlite::Error),
    /// A stored document does not load.
    #[error("the stored document of copy {copy_id} is unreadable: {error}")]
    Document {
        /// Which copy.
        copy_id: String,
        /// Why.
        error: Box<CopyDocumentError>,
    },
    /// Changing a stored document stopped before it was done (a worker thread failed);
    /// nothing of it was written.
    #[error(
        "changing the stored document of copy {0} stopped before it was done; nothing of it was written"
    )]
    ChangeInterrupted(String),
    /// No such copy.
    #[error("no copy with id {0}")]
    NotFound(String),
    /// The anomaly has a resolution already.
    #[error("anomaly {0} is resolved already")]
    AlreadyResolved(i64),
    /// A copy with this id exists already.
    #[error("a copy with id {0} exists already")]
    Duplicate(String),
    /// The new copy does not continue the kiosk's chain.
    #[error(
        "copy {copy_id} does not continue kiosk {kiosk_id}'s chain: expected sequence {expected_sequence} after the previous copy"
    )]
    ChainMismatch {
        /// The copy.
        copy_id: String,
        /// The kiosk.
        kiosk_id: String,
        /// The sequence the chain expects.
        expected_sequence: u64,
    },
    /// A kiosk's chain head row is damaged (bansao store reindex rebuilds it from the copies).
    #[error("the chain head of kiosk {kiosk_id} in the database is damaged: {reason}")]
    DamagedChain {
        /// The kiosk.
        kiosk_id: String,
        /// What is wrong.
        reason: String,
    },
    /// The last `bansao store check` found damage; nothing new is written until one passes.
    #[error(
        "the last store check ({checked_at}) found {damaged} damaged items: run bansao store check (and reindex) until it passes"
    )]
    LastCheckFoundDamage {
        /// How many.
        damaged: u64,
        /// When the check ran.
        checked_at: String,
    },
    /// The transparency log is not started in this database (only the city keeps one).
    #[error("this database keeps no transparency log")]
    LogNotStarted,
    /// The transparency log's stored rows do not agree with each other.
    #[error("the transparency log in the database is damaged: {reason}")]
    LogDamaged {
        /// What disagrees.
        reason: String,
    },
    /// The log's tree could not be read or appended to.
    #[error("the transparency log's tree: {0}")]
    LogTree(Box<bansao_tlog::AppendError>),
    /// A scan does not match the hash the content names.
    #[error("scan {index} does not match the page hash in the copy's content")]
    ScanMismatch {
        /// Page index, from 0.
        index: usize,
    },
}

impl From<bansao_tlog::AppendError> for StoreError {
    fn from(error: bansao_tlog::AppendError) -> StoreError {
        StoreError::LogTree(Box::new(error))
    }
}

impl From<bansao_tlog::TreeError> for StoreError {
    fn from(error: bansao_tlog::TreeError) -> StoreError {
        StoreError::LogTree(Box::new(error.into()))
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(error: rusqlite::Error) -> StoreError {
        StoreError::Sqlite(error)
    }
}

/// A scan that several copies name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedScan {
    /// Its SHA-256.
    pub sha256: [u8; 32],
    /// The copies that name it, by id.
    pub copies: Vec<String>,
}

/// One row of the copies index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyIndexRow {
    /// The copy's id.
    pub copy_id: String,
    /// Commune code.
    pub commune: String,
    /// Issuing kiosk.
    pub kiosk_id: String,
    /// The kiosk's sequence number.
    pub kiosk_sequence: u64,
    /// Derived status when last written.
    pub status: String,
    /// Issue time, RFC 3339 UTC.
    pub issued_at: String,
}

/// The head of a kiosk's chain: what its next copy must continue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChainHead {
    /// Sequence number of the last copy (0 before the first).
    pub last_sequence: u64,
    /// Content hash of the last copy ([`ContentHash::GENESIS`] before the first).
    pub last_content_hash: ContentHash,
    /// Id of the last copy (`None` before the first).
    pub last_copy_id: Option<CopyId>,
    /// When the last copy was issued (`None` before the first).
    pub last_issued_at: Option<Timestamp>,
}

/// What the index's status column says of a copy: its derived status, or that the stored copy
/// is not one (its document does not load, or its content no longer matches the kiosk's
/// signature), or that its signer does not count under the trust list now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndexStatus {
    /// A genuine copy's derived status.
    Copy(CopyStatus),
    /// The stored bytes are damaged: never a decision, never shown as one.
    Damaged,
    /// Genuine bytes whose issuing key no longer counts (revoked, unknown).
    NotGenuine,
}

impl IndexStatus {
    /// The index column's value.
    pub fn as_str(self) -> &'static str {
        match self {
            IndexStatus::Copy(status) => status.as_str(),
            IndexStatus::Damaged => "damaged",
            IndexStatus::NotGenuine => "not-genuine",
        }
    }
}

/// What [`Store::rebuild_index`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RebuildReport {
    /// Rows rewritten from their documents.
    pub rebuilt: usize,
    /// Rows whose document does not load (their status set to `damaged`, listed by id).
    pub unreadable: Vec<String>,
    /// Rows whose document loads but is damaged (status `damaged`).
    pub damaged: Vec<String>,
    /// Kiosks whose chain head was rebuilt from their copies.
    pub chains_rebuilt: Vec<String>,
}

/// A node's database.
#[derive(Debug)]
pub struct Store {
    connection: Connection,
    path: PathBuf,
}

fn is_corruption(error: &rusqlite::Error) -> bool {
    matches!(
        error.sqlite_error_code(),
        Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt)
    )
}

impl Store {
    /// Opens (creating if needed) the database at `path` and brings its schema up to date.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let corrupt = || StoreError::Corrupt {
            path: path.to_owned(),
        };
        let connection = Connection::open(path).map_err(|e| {
            if is_corruption(&e) {
                corrupt()
            } else {
                e.into()
            }
        })?;
        Store::configure(connection, path.to_owned())
    }

    /// Opens a private in-memory database (tests and benchmarks).
    pub fn open_in_memory() -> Result<Store, StoreError> {
        Store::configure(Connection::open_in_memory()?, PathBuf::from(":memory:"))
    }

    fn configure(mut connection: Connection, path: PathBuf) -> Result<Store, StoreError> {
        let corrupt = |error: rusqlite::Error| {
            if is_corruption(&error) {
                StoreError::Corrupt { path: path.clone() }
            } else {
                StoreError::Sqlite(error)
            }
        };
        connection
            .busy_timeout(std::time::Duration::from_secs(5))
            .map_err(corrupt)?;
        let _mode: String = connection
            .query_row("PRAGMA journal_mode=WAL", [], |row| row.get(0))
            .map_err(corrupt)?;
        connection
            .pragma_update(None, "synchronous", "FULL")
            .map_err(corrupt)?;
        connection
            .pragma_update(None, "foreign_keys", "ON")
            .map_err(corrupt)?;
        let version: i64 = connection
            .query_row("PRAGMA user_version", [], |row| row.get(0))
            .map_err(corrupt)?;
        if version > schema::SCHEMA_VERSION {
            return Err(StoreError::TooNew {
                path,
                found: version,
            });
        }
        schema::migrations()
            .to_latest(&mut connection)
            .map_err(|error| match &error {
                rusqlite_migration::Error::RusqliteError { err, .. } if is_corruption(err) => {
                    StoreError::Corrupt { path: path.clone() }
                }
                _ => StoreError::Migration(error),
            })?;
        let mut store = Store { connection, path };
        // Rows written before schema 2 get their sync columns once, when the database is
        // migrated (scanning every document on each open would cost a node seconds).
        if version < 4 {
            store.fill_missing_sync_columns()?;
        }
        Ok(store)
    }

    /// The database file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs SQLite's full integrity check.
    pub fn integrity_check(&self) -> Result<(), StoreError> {
        let result: String = self
            .connection
            .query_row("PRAGMA integrity_check", [], |row| row.get(0))
            .map_err(|e| {
                if is_corruption(&e) {
                    StoreError::Corrupt {
                        path: self.path.clone(),
                    }
                } else {
                    e.into()
                }
            })?;
        if result == "ok" {
            Ok(())
        } else {
            Err(StoreError::Corrupt {
                path: self.path.clone(),
            })
        }
    }

    /// The head of a kiosk's chain.
    pub fn chain_head(&self, kiosk_id: &str) -> Result<ChainHead, StoreError> {
        chain_head_on(&self.connection, kiosk_id)
    }

    /// Stores a copy the kiosk just issued, with its scans, and advances the kiosk's chain, all in
    /// one durable transaction. Refuses a copy that does not continue the chain or whose scans
    /// do not match their hashes; nothing is written then.
    pub fn insert_issued_copy(
        &mut self,
        document: &mut CopyDocument,
        scans: &[&[u8]],
        status: CopyStatus,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let content = document.content().clone();
        if scans.len() != content.pages.len() {
            return Err(StoreError::ScanMismatch {
                index: scans.len().min(content.pages.len()),
            });
        }
        for (index, (scan, page)) in scans.iter().zip(&content.pages).enumerate() {
            if <[u8; 32]>::from(Sha256::digest(scan)) != page.sha256 {
                return Err(StoreError::ScanMismatch { index });
            }
        }
        let bytes = document.save();
        // The head is read inside the write transaction, taken before reading: two issuances
        // at once (two processes, or a slow commit) cannot both continue the same head.
        let transaction = self
            .connection
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let head = chain_head_on(&transaction, &content.kiosk_id)?;
        if content.kiosk_sequence != head.last_sequence + 1
            || content.previous_content_hash != head.last_content_hash
        {
            return Err(StoreError::ChainMismatch {
                copy_id: content.copy_id.to_string(),
                kiosk_id: content.kiosk_id.clone(),
                expected_sequence: head.last_sequence + 1,
            });
        }
        let sequence = i64::try_from(content.kiosk_sequence).unwrap_or(i64::MAX);
        let claimed = transaction
            .prepare_cached(
                "INSERT INTO issued_sequences (kiosk_id, sequence, copy_id) VALUES (?1, ?2, ?3)
                 ON CONFLICT DO NOTHING",
            )?
            .execute(params![
                content.kiosk_id,
                sequence,
                content.copy_id.to_string()
            ])?;
        if claimed == 0 {
            return Err(StoreError::ChainMismatch {
                copy_id: content.copy_id.to_string(),
                kiosk_id: content.kiosk_id.clone(),
                expected_sequence: head.last_sequence + 1,
            });
        }
        for (scan, page) in scans.iter().zip(&content.pages) {
            insert_blob(&transaction, page, scan)?;
        }
        let inserted = insert_copy_row(&transaction, document, &bytes, status, now)?;
        if !inserted {
            return Err(StoreError::Duplicate(content.copy_id.to_string()));
        }
        transaction.execute(
            "INSERT INTO kiosk_chain (kiosk_id, last_sequence, last_content_hash, last_copy_id)
             VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (kiosk_id) DO UPDATE SET last_sequence = excluded.last_sequence,
                 last_content_hash = excluded.last_content_hash, last_copy_id = excluded.last_copy_id",
            params![
                content.kiosk_id,
                sequence,
                document.content_hash().0.to_vec(),
                content.copy_id.to_string()
            ],
        )?;
        transaction.commit()?;
        Ok(())
    }

    /// Writes a copy's document (new or updated) and its index row in one transaction.
    pub fn save_copy(
        &mut self,
        document: &mut CopyDocument,
        status: CopyStatus,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let transaction = self.connection.transaction()?;
        upsert_copy(&transaction, document, status, now)?;
        transaction.commit()?;
        Ok(())
    }

    /// Loads a copy's document.
    pub fn load_copy(&self, copy_id: CopyId, actor: ActorId) -> Result<CopyDocument, StoreError> {
        let id = copy_id.to_string();
        let bytes: Vec<u8> = self
            .connection
            .query_row(
                "SELECT document FROM copies WHERE copy_id = ?1",
                [&id],
                |row| row.get(0),
            )
            .optional()?
            .ok_or_else(|| StoreError::NotFound(id.clone()))?;
        CopyDocument::load(&bytes, actor).map_err(|error| StoreError::Document {
            copy_id: id,
            error: Box::new(error),
        })
    }

    /// The index rows, newest first, optionally of one status.
    pub fn list_copies(
        &self,
        status: Option<CopyStatus>,
        limit: usize,
    ) -> Result<Vec<CopyIndexRow>, StoreError> {
        let mut statement = self.connection.prepare(
            "SELECT copy_id, commune, kiosk_id, kiosk_sequence, status, issued_at FROM copies
             WHERE (?1 IS NULL OR status = ?1) ORDER BY issued_at DESC, copy_id DESC LIMIT ?2",
        )?;
        let rows = statement.query_map(
            params![
                status.map(CopyStatus::as_str),
                i64::try_from(limit).unwrap_or(i64::MAX)
            ],
            index_row,
        )?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    /// The index rows of one status, oldest first (issue time, then the kiosk's order),
    /// optionally of one kiosk: a review queue.
    pub fn oldest_copies(
        &self,
        status: CopyStatus,
        kiosk_id: Option<&str>,
        limit: usize,
    ) -> Result<Vec<CopyIndexRow>, StoreError> {
        let mut statement = self.connection.prepare_cached(
            "SELECT copy_id, commune, kiosk_id, kiosk_sequence, status, issued_at FROM copies
             WHERE status = ?1 AND (?2 IS NULL OR kiosk_id = ?2)
             ORDER BY issued_at, kiosk_id, kiosk_sequence LIMIT ?3",
        )?;
        let rows = statement.query_map(
            params![
                status.as_str(),
                kiosk_id,
                i64::try_from(limit).unwrap_or(i64::MAX)
            ],
            index_row,
        )?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    /// The index rows of copies issued in `[from, to)` (RFC 3339 UTC), oldest first.
    pub fn copies_issued_between(
        &self,
        from: &str,
        to: &str,
    ) -> Result<Vec<CopyIndexRow>, StoreError> {
        let mut statement = self.connection.prepare_cached(
            "SELECT copy_id, commune, kiosk_id, kiosk_sequence, status, issued_at FROM copies
             WHERE issued_at >= ?1 AND issued_at < ?2
             ORDER BY issued_at, kiosk_id, kiosk_sequence",
        )?;
        let rows = statement.query_map(params![from, to], index_row)?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    /// The index rows of copies whose document changed at or after `since` (RFC 3339 UTC): the
    /// copies a day's decisions can be on.
    pub fn copies_written_since(&self, since: &str) -> Result<Vec<CopyIndexRow>, StoreError> {
        let mut statement = self.connection.prepare_cached(
            "SELECT copy_id, commune, kiosk_id, kiosk_sequence, status, issued_at FROM copies
             WHERE updated_at >= ?1 ORDER BY issued_at, kiosk_id, kiosk_sequence",
        )?;
        let rows = statement.query_map(params![since], index_row)?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    /// Scans that more than one copy names (the same original issued twice), with those copies
    /// oldest first: at most `limit` scans.
    pub fn scans_in_several_copies(&self, limit: usize) -> Result<Vec<SharedScan>, StoreError> {
        let mut statement = self.connection.prepare_cached(
            "SELECT sha256 FROM copy_pages GROUP BY sha256
             HAVING COUNT(DISTINCT copy_id) > 1 ORDER BY MIN(copy_id) LIMIT ?1",
        )?;
        let hashes = statement
            .query_map([i64::try_from(limit).unwrap_or(i64::MAX)], |row| {
                row.get::<_, Vec<u8>>(0)
            })?
            .collect::<Result<Vec<_>, _>>()?;
        let mut copies_of = self.connection.prepare_cached(
            "SELECT DISTINCT copy_id FROM copy_pages WHERE sha256 = ?1 ORDER BY copy_id",
        )?;
        let mut found = Vec::with_capacity(hashes.len());
        for hash in hashes {
            let copies = copies_of
                .query_map([&hash], |row| row.get::<_, String>(0))?
                .collect::<Result<Vec<_>, _>>()?;
            if let Ok(sha256) = <[u8; 32]>::try_from(hash.as_slice()) {
                found.push(SharedScan { sha256, copies });
            }
        }
        Ok(found)
    }

    /// Number of copies of one status.
    pub fn count_with_status(&self, status: CopyStatus) -> Result<u64, StoreError> {
        let count: i64 = self.connection.query_row(
            "SELECT COUNT(*) FROM copies WHERE status = ?1",
            [status.as_str()],
            |row| row.get(0),
        )?;
        Ok(u64::try_from(count).unwrap_or(0))
    }

    /// Number of copies stored.
    pub fn copy_count(&self) -> Result<u64, StoreError> {
        let count: i64 = self
            .connection
            .query_row("SELECT COUNT(*) FROM copies", [], |row| row.get(0))?;
        Ok(u64::try_from(count).unwrap_or(0))
    }

    /// A scan by its SHA-256.
    pub fn blob(&self, sha256: &[u8; 32]) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self
            .connection
            .query_row(
                "SELECT bytes FROM blobs WHERE sha256 = ?1",
                [sha256.to_vec()],
                |row| row.get(0),
            )
            .optional()?)
    }

    /// Stores a scan, checking it against its page reference; an existing scan is kept.
    pub fn put_blob(&mut self, page: &PageRef, bytes: &[u8]) -> Result<(), StoreError> {
        if <[u8; 32]>::from(Sha256::digest(bytes)) != page.sha256 {
            return Err(StoreError::ScanMismatch { index: 0 });
        }
        let transaction = self.connection.transaction()?;
        insert_blob(&transaction, page, bytes)?;
        transaction.commit()?;
        Ok(())
    }

    /// Stores a named system document (trust list, revocation list) durably.
    pub fn put_system_document(
        &mut self,
        name: &str,
        bytes: &[u8],
        now: Timestamp,
    ) -> Result<(), StoreError> {
        self.connection.execute(
            "INSERT INTO system_documents (name, bytes, updated_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (name) DO UPDATE SET bytes = excluded.bytes, updated_at = excluded.updated_at",
            params![name, bytes, now.to_rfc3339()],
        )?;
        Ok(())
    }

    /// A named system document.
    pub fn system_document(&self, name: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self
            .connection
            .query_row(
                "SELECT bytes FROM system_documents WHERE name = ?1",
                [name],
                |row| row.get(0),
            )
            .optional()?)
    }

    /// Rewrites every index column from the Automerge documents, in one transaction, and each
    /// kiosk's chain head from the copies it issued. `status_of` derives the status of a loaded
    /// document. Documents that do not load are reported and their status set to `damaged`.
    pub fn rebuild_index(
        &mut self,
        actor: ActorId,
        mut status_of: impl FnMut(&CopyDocument) -> IndexStatus,
    ) -> Result<RebuildReport, StoreError> {
        let transaction = self.connection.transaction()?;
        let mut report = RebuildReport::default();
        {
            let mut select = transaction.prepare("SELECT copy_id, document FROM copies")?;
            let mut update = transaction.prepare(
                "UPDATE copies SET commune = ?2, kiosk_id = ?3, kiosk_sequence = ?4, status = ?5,
                     issued_at = ?6, content_hash = ?7, heads_digest = ?8,
                     previous_content_hash = ?9 WHERE copy_id = ?1",
            )?;
            let mut mark_damaged =
                transaction.prepare("UPDATE copies SET status = 'damaged' WHERE copy_id = ?1")?;
            let mut rows = select.query([])?;
            while let Some(row) = rows.next()? {
                let copy_id: String = row.get(0)?;
                let bytes: Vec<u8> = row.get(1)?;
                let mut document = match CopyDocument::load(&bytes, actor.clone()) {
                    Ok(document) => document,
                    Err(_) => {
                        mark_damaged.execute([&copy_id])?;
                        report.unreadable.push(copy_id);
                        continue;
                    }
                };
                let status = status_of(&document);
                if status == IndexStatus::Damaged {
                    report.damaged.push(copy_id.clone());
                }
                sync::rewrite_pages(&transaction, document.content())?;
                update.execute(params_from_iter(index_columns(
                    copy_id,
                    &mut document,
                    status.as_str(),
                )))?;
                report.rebuilt += 1;
            }
        }
        transaction.commit()?;
        report.chains_rebuilt = self.rebuild_chain_heads()?;
        Ok(report)
    }
}

/// The head of a kiosk's chain as `connection` sees it. A row that does not read as a head
/// (damaged bytes) is [`StoreError::DamagedChain`], never a head made up of defaults.
fn chain_head_on(connection: &Connection, kiosk_id: &str) -> Result<ChainHead, StoreError> {
    use rusqlite::types::Value;
    let damaged = |reason: &str| StoreError::DamagedChain {
        kiosk_id: kiosk_id.to_owned(),
        reason: reason.to_owned(),
    };
    let row: Option<(Value, Value, Value, Option<String>)> = connection
        .query_row(
            // The id as bytes: a damaged row may hold text that is not UTF-8.
            "SELECT k.last_sequence, k.last_content_hash, CAST(k.last_copy_id AS BLOB),
                 c.issued_at
             FROM kiosk_chain k LEFT JOIN copies c ON c.copy_id = k.last_copy_id
             WHERE k.kiosk_id = ?1",
            [kiosk_id],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)),
        )
        .optional()?;
    match row {
        None => Ok(ChainHead {
            last_sequence: 0,
            last_content_hash: ContentHash::GENESIS,
            last_copy_id: None,
            last_issued_at: None,
        }),
        Some((Value::Integer(sequence), Value::Blob(hash), Value::Blob(copy_id), issued_at)) => {
            Ok(ChainHead {
                last_sequence: u64::try_from(sequence)
                    .ok()
                    .filter(|sequence| *sequence > 0)
                    .ok_or_else(|| damaged("its sequence number is not positive"))?,
                last_content_hash: ContentHash(
                    <[u8; 32]>::try_from(hash.as_slice())
                        .map_err(|_| damaged("its content hash is not 32 bytes"))?,
                ),
                last_copy_id: Some(
                    std::str::from_utf8(&copy_id)
                        .ok()
                        .and_then(|copy_id| CopyId::parse(copy_id).ok())
                        .ok_or_else(|| damaged("its copy id is not a copy id"))?,
                ),
                last_issued_at: Some(
                    issued_at
                        .as_deref()
                        .and_then(|text| Timestamp::parse(text).ok())
                        .ok_or_else(|| damaged("the copy it names is not stored"))?,
                ),
            })
        }
        Some(_) => Err(damaged("its columns have the wrong types")),
    }
}

/// An index row from `SELECT copy_id, commune, kiosk_id, kiosk_sequence, status, issued_at`.
fn index_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<CopyIndexRow> {
    Ok(CopyIndexRow {
        copy_id: row.get(0)?,
        commune: row.get(1)?,
        kiosk_id: row.get(2)?,
        kiosk_sequence: u64::try_from(row.get::<_, i64>(3)?).unwrap_or(0),
        status: row.get(4)?,
        issued_at: row.get(5)?,
    })
}

/// Inserts or updates a copy's row inside a transaction.
pub(crate) fn upsert_copy(
    transaction: &rusqlite::Transaction<'_>,
    document: &mut CopyDocument,
    status: CopyStatus,
    now: Timestamp,
) -> Result<(), StoreError> {
    let bytes = document.save();
    upsert_saved_copy(transaction, document, &bytes, status, now)
}

/// [`upsert_copy`] of a document already saved as `bytes`.
pub(crate) fn upsert_saved_copy(
    transaction: &rusqlite::Transaction<'_>,
    document: &mut CopyDocument,
    bytes: &[u8],
    status: CopyStatus,
    now: Timestamp,
) -> Result<(), StoreError> {
    if !insert_copy_row(transaction, document, bytes, status, now)? {
        update_copy_row(transaction, document, bytes, status, now)?;
    }
    Ok(())
}

/// Replaces a stored copy's document and index columns.
fn update_copy_row(
    transaction: &rusqlite::Transaction<'_>,
    document: &mut CopyDocument,
    bytes: &[u8],
    status: CopyStatus,
    now: Timestamp,
) -> Result<(), StoreError> {
    transaction
        .prepare_cached(
            "UPDATE copies SET document = ?2, status = ?3, updated_at = ?4, heads_digest = ?5
             WHERE copy_id = ?1",
        )?
        .execute(params![
            document.content().copy_id.to_string(),
            bytes,
            status.as_str(),
            now.to_rfc3339(),
            document.heads_digest().to_vec()
        ])?;
    Ok(())
}

fn insert_blob(
    transaction: &rusqlite::Transaction<'_>,
    page: &PageRef,
    bytes: &[u8],
) -> Result<(), StoreError> {
    transaction.execute(
        "INSERT INTO blobs (sha256, media_type, bytes) VALUES (?1, ?2, ?3) ON CONFLICT (sha256) DO NOTHING",
        params![page.sha256.to_vec(), page.media_type, bytes],
    )?;
    Ok(())
}

/// Inserts the copy's row; returns false if a row with this id exists already.
fn insert_copy_row(
    transaction: &rusqlite::Transaction<'_>,
    document: &mut CopyDocument,
    bytes: &[u8],
    status: CopyStatus,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let copy_id = document.content().copy_id.to_string();
    let columns = index_columns(copy_id, document, status.as_str());
    let row = columns.into_iter().chain([
        ToSqlOutput::Borrowed(ValueRef::Blob(bytes)),
        ToSqlOutput::from(now.to_rfc3339()),
    ]);
    // Cached statements: sync writes thousands of rows per transaction.
    let changed = transaction
        .prepare_cached(
            "INSERT INTO copies (copy_id, commune, kiosk_id, kiosk_sequence, status, issued_at,
                 content_hash, heads_digest, previous_content_hash, document, updated_at,
                 received_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11)
             ON CONFLICT (copy_id) DO NOTHING",
        )?
        .execute(params_from_iter(row))?;
    if changed == 1 {
        sync::write_pages(transaction, document.content())?;
    }
    Ok(changed == 1)
}

/// The index columns of the row `copy_id` holds for `document` with `status`, the parameters
/// `?1` to `?9` of both statements that write them: the copy id, commune, kiosk, kiosk
/// sequence, status, issue time, content hash, heads digest and previous content hash.
fn index_columns<'a>(
    copy_id: String,
    document: &'a mut CopyDocument,
    status: &'static str,
) -> [ToSqlOutput<'a>; 9] {
    let heads_digest = document.heads_digest();
    let document: &'a CopyDocument = document;
    let content = document.content();
    [
        ToSqlOutput::from(copy_id),
        ToSqlOutput::from(content.commune.as_str()),
        ToSqlOutput::from(content.kiosk_id.as_str()),
        ToSqlOutput::from(i64::try_from(content.kiosk_sequence).unwrap_or(i64::MAX)),
        ToSqlOutput::from(status),
        ToSqlOutput::from(content.issued_at.to_rfc3339()),
        ToSqlOutput::from(document.content_hash().0.to_vec()),
        ToSqlOutput::from(heads_digest.to_vec()),
        ToSqlOutput::from(content.previous_content_hash.0.to_vec()),
    ]
}
