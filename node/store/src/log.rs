//! The city's transparency log in SQLite (migration 7): `log_entries` (one row per event, its
//! canonical CBOR as the leaf), `log_tiles` (the tlog-tiles hash tiles `bansao-tlog` computes),
//! `log_state` (the tree size and root), `log_checkpoints` (the signed notes), and two queues:
//! `log_pending_copies` (copies written since their events were last logged, kept by triggers
//! in the very transaction that writes the copy) and `log_proofs_wanted` (registrations whose
//! copy does not yet carry its inclusion proof).
//!
//! Architecture Invariant: **the tiles always agree with the size.** Entries, the tile updates
//! `bansao_tlog::append` returns and the new size and root are written in one immediate
//! transaction ([`Store::append_log_events`], [`Store::drain_log`]); a crash before the commit
//! leaves the log as it was, and [`Store::check_log`] recomputes the root from the tiles.
//!
//! Events are logged once: an event key (chosen by the caller, e.g. `signature/<copy>/<signer>/
//! <signature>`) already in the log is skipped, so re-syncing the same copy adds nothing.

use bansao_copy::{CopyDocument, CopyStatus, Timestamp};
use bansao_tlog::{EntryStore, Hash, TileId, TileStore, TileUpdate, TreeHead};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use crate::{Store, StoreError};

/// One event to log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEvent {
    /// What makes the event itself: the same key is never logged twice.
    pub event_key: String,
    /// The copy the event is about, if any (to find a copy's leaves).
    pub copy_id: Option<String>,
    /// The leaf: the event's canonical CBOR.
    pub entry: Vec<u8>,
    /// Whether the copy is to carry this leaf's inclusion proof once a checkpoint covers it
    /// (registrations).
    pub wants_proof: bool,
}

/// What appending did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogAppended {
    /// The tree after the append.
    pub head: TreeHead,
    /// The events added, with their leaf index.
    pub added: Vec<(u64, String)>,
    /// Events already in the log (or twice in the batch), not added again.
    pub skipped: usize,
}

/// A signed checkpoint as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCheckpoint {
    /// The size it states.
    pub tree_size: u64,
    /// The signed note.
    pub note: String,
    /// When it was signed, RFC 3339 UTC.
    pub signed_at: String,
}

/// A leaf of the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedEntry {
    /// Its index.
    pub leaf_index: u64,
    /// Its event key.
    pub event_key: String,
    /// The entry bytes.
    pub entry: Vec<u8>,
    /// When it was logged, RFC 3339 UTC.
    pub logged_at: String,
}

/// The log's tiles as one connection (or transaction) sees them.
#[derive(Debug, Clone, Copy)]
pub struct SqlTiles<'a>(pub &'a Connection);

impl TileStore for SqlTiles<'_> {
    type Error = rusqlite::Error;

    fn read_tile(&self, tile: TileId) -> Result<Option<Vec<Hash>>, rusqlite::Error> {
        let bytes: Option<Vec<u8>> = self
            .0
            .prepare_cached("SELECT hashes FROM log_tiles WHERE level = ?1 AND tile_index = ?2")?
            .query_row(params![tile.level, to_sql_index(tile.index)], |row| {
                row.get(0)
            })
            .optional()?;
        // A blob that is not whole hashes reads as the hashes it holds whole: the tree then
        // reports the tile as short (`MissingHashes`) instead of inventing hashes.
        Ok(bytes.map(|bytes| {
            bytes
                .chunks_exact(32)
                .filter_map(Hash::from_slice)
                .collect()
        }))
    }
}

impl EntryStore for SqlTiles<'_> {
    type Error = rusqlite::Error;

    fn read_entries(&self, first: u64, count: u64) -> Result<Vec<Vec<u8>>, rusqlite::Error> {
        let mut statement = self.0.prepare_cached(
            "SELECT entry FROM log_entries WHERE leaf_index >= ?1 AND leaf_index < ?2
             ORDER BY leaf_index",
        )?;
        let rows = statement.query_map(
            params![
                to_sql_index(first),
                to_sql_index(first.saturating_add(count))
            ],
            |row| row.get(0),
        )?;
        rows.collect()
    }
}

fn to_sql_index(index: u64) -> i64 {
    i64::try_from(index).unwrap_or(i64::MAX)
}

fn from_sql_index(index: i64) -> u64 {
    u64::try_from(index).unwrap_or(0)
}

/// The log's stored size and root, `None` before the log is started.
fn stored_head(connection: &Connection) -> Result<Option<TreeHead>, StoreError> {
    let row: Option<(i64, Vec<u8>)> = connection
        .query_row(
            "SELECT tree_size, root_hash FROM log_state WHERE only = 1",
            [],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()?;
    match row {
        None => Ok(None),
        Some((size, root)) => {
            let size = u64::try_from(size).map_err(|_| StoreError::LogDamaged {
                reason: "its size is negative".to_owned(),
            })?;
            let root = Hash::from_slice(&root).ok_or_else(|| StoreError::LogDamaged {
                reason: "its root is not 32 bytes".to_owned(),
            })?;
            Ok(Some(TreeHead { size, root }))
        }
    }
}

/// Appends `events` (those not logged yet) inside `transaction`: entries, tiles, size, root.
fn append_in(
    transaction: &Connection,
    events: &[LogEvent],
    now: Timestamp,
) -> Result<LogAppended, StoreError> {
    let head = stored_head(transaction)?.ok_or(StoreError::LogNotStarted)?;
    let mut fresh: Vec<&LogEvent> = Vec::new();
    let mut skipped = 0;
    {
        let mut known =
            transaction.prepare_cached("SELECT 1 FROM log_entries WHERE event_key = ?1")?;
        for event in events {
            let logged = known.exists([&event.event_key])?;
            if logged || fresh.iter().any(|other| other.event_key == event.event_key) {
                skipped += 1;
            } else {
                fresh.push(event);
            }
        }
    }
    if fresh.is_empty() {
        return Ok(LogAppended {
            head,
            added: Vec::new(),
            skipped,
        });
    }
    let entries: Vec<&[u8]> = fresh.iter().map(|event| event.entry.as_slice()).collect();
    let appended = bansao_tlog::append(&SqlTiles(transaction), head.size, &entries)?;
    let logged_at = now.to_rfc3339();
    let mut added = Vec::with_capacity(fresh.len());
    {
        let mut insert = transaction.prepare_cached(
            "INSERT INTO log_entries (leaf_index, event_key, copy_id, entry, logged_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )?;
        let mut want = transaction.prepare_cached(
            "INSERT INTO log_proofs_wanted (leaf_index, copy_id) VALUES (?1, ?2)",
        )?;
        for (offset, event) in (0u64..).zip(&fresh) {
            let leaf_index = head.size + offset;
            insert.execute(params![
                to_sql_index(leaf_index),
                event.event_key,
                event.copy_id,
                event.entry,
                logged_at
            ])?;
            if let (true, Some(copy_id)) = (event.wants_proof, &event.copy_id) {
                want.execute(params![to_sql_index(leaf_index), copy_id])?;
            }
            added.push((leaf_index, event.event_key.clone()));
        }
    }
    write_tiles(transaction, &appended.updates)?;
    transaction.execute(
        "UPDATE log_state SET tree_size = ?1, root_hash = ?2, updated_at = ?3 WHERE only = 1",
        params![
            to_sql_index(appended.head.size),
            appended.head.root.0.to_vec(),
            logged_at
        ],
    )?;
    Ok(LogAppended {
        head: appended.head,
        added,
        skipped,
    })
}

fn write_tiles(transaction: &Connection, updates: &[TileUpdate]) -> Result<(), StoreError> {
    let mut write = transaction.prepare_cached(
        "INSERT INTO log_tiles (level, tile_index, hashes) VALUES (?1, ?2, ?3)
         ON CONFLICT (level, tile_index) DO UPDATE SET hashes = excluded.hashes",
    )?;
    for update in updates {
        let bytes: Vec<u8> = update.hashes.iter().flat_map(|hash| hash.0).collect();
        write.execute(params![
            update.tile.level,
            to_sql_index(update.tile.index),
            bytes
        ])?;
    }
    Ok(())
}

impl Store {
    /// Starts the log (the city does, once): an empty tree, and every copy already stored
    /// queued to be logged. Returns whether it was started now (false: it was already).
    pub fn start_log(&mut self, now: Timestamp) -> Result<bool, StoreError> {
        let transaction = self
            .connection
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        if stored_head(&transaction)?.is_some() {
            return Ok(false);
        }
        transaction.execute(
            "INSERT INTO log_state (only, tree_size, root_hash, updated_at) VALUES (1, 0, ?1, ?2)",
            params![TreeHead::empty().root.0.to_vec(), now.to_rfc3339()],
        )?;
        transaction.execute(
            "INSERT OR IGNORE INTO log_pending_copies (copy_id) SELECT copy_id FROM copies",
            [],
        )?;
        transaction.commit()?;
        Ok(true)
    }

    /// The log's size and root as stored, `None` before it is started.
    pub fn log_head(&self) -> Result<Option<TreeHead>, StoreError> {
        stored_head(&self.connection)
    }

    /// The log's tiles and entries, to build proofs and answer tile requests from.
    pub fn log_tiles(&self) -> SqlTiles<'_> {
        SqlTiles(&self.connection)
    }

    /// Appends the events not logged yet, with their tiles and the new size, in one
    /// transaction.
    pub fn append_log_events(
        &mut self,
        events: &[LogEvent],
        now: Timestamp,
    ) -> Result<LogAppended, StoreError> {
        self.append_log_events_then(events, now, || Ok(()))
    }

    /// [`Store::append_log_events`], calling `before_commit` after everything is written and
    /// before the commit (tests interrupt the transaction there).
    pub(crate) fn append_log_events_then(
        &mut self,
        events: &[LogEvent],
        now: Timestamp,
        before_commit: impl FnOnce() -> Result<(), StoreError>,
    ) -> Result<LogAppended, StoreError> {
        let transaction = self
            .connection
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let appended = append_in(&transaction, events, now)?;
        before_commit()?;
        transaction.commit()?;
        Ok(appended)
    }

    /// Logs the events of up to `limit` copies written since they were last logged, in one
    /// transaction: `events_of` gives each loaded document's events (all of them: those logged
    /// already are skipped). A copy whose document does not load is taken off the queue and
    /// reported by id (its events cannot be known).
    pub fn drain_log<E: From<StoreError>>(
        &mut self,
        limit: usize,
        actor: automerge::ActorId,
        now: Timestamp,
        mut events_of: impl FnMut(&CopyDocument) -> Result<Vec<LogEvent>, E>,
    ) -> Result<(LogAppended, Vec<String>), E> {
        let transaction = self
            .connection
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(StoreError::from)?;
        let pending: Vec<(String, Option<Vec<u8>>)> = {
            let mut statement = transaction
                .prepare_cached(
                    "SELECT p.copy_id, c.document FROM log_pending_copies p
                     LEFT JOIN copies c USING (copy_id) ORDER BY p.copy_id LIMIT ?1",
                )
                .map_err(StoreError::from)?;
            let rows = statement
                .query_map([to_sql_index(limit as u64)], |row| {
                    Ok((row.get(0)?, row.get(1)?))
                })
                .map_err(StoreError::from)?;
            rows.collect::<Result<_, _>>().map_err(StoreError::from)?
        };
        let mut events = Vec::new();
        let mut unreadable = Vec::new();
        for (copy_id, bytes) in &pending {
            let document = bytes
                .as_deref()
                .and_then(|bytes| CopyDocument::load(bytes, actor.clone()).ok());
            match document {
                Some(document) => events.extend(events_of(&document)?),
                None => unreadable.push(copy_id.clone()),
            }
        }
        let appended = append_in(&transaction, &events, now)?;
        {
            let mut done = transaction
                .prepare_cached("DELETE FROM log_pending_copies WHERE copy_id = ?1")
                .map_err(StoreError::from)?;
            for (copy_id, _) in &pending {
                done.execute([copy_id]).map_err(StoreError::from)?;
            }
        }
        transaction.commit().map_err(StoreError::from)?;
        Ok((appended, unreadable))
    }

    /// How many copies wait to have their events logged.
    pub fn pending_log_copies(&self) -> Result<u64, StoreError> {
        let count: i64 =
            self.connection
                .query_row("SELECT COUNT(*) FROM log_pending_copies", [], |row| {
                    row.get(0)
                })?;
        Ok(from_sql_index(count))
    }

    /// Recomputes the root of the stored size from the tiles and compares it with the stored
    /// root; returns the head when they agree.
    pub fn check_log(&self) -> Result<Option<TreeHead>, StoreError> {
        let Some(head) = stored_head(&self.connection)? else {
            return Ok(None);
        };
        let from_tiles = bansao_tlog::tree_head(&self.log_tiles(), head.size)?;
        if from_tiles != head {
            return Err(StoreError::LogDamaged {
                reason: format!(
                    "the tiles give root {} for {} leaves, the log states {}",
                    from_tiles.root, head.size, head.root
                ),
            });
        }
        Ok(Some(head))
    }

    /// The leaves `first .. first + count`, oldest first.
    pub fn log_entries(&self, first: u64, count: u64) -> Result<Vec<LoggedEntry>, StoreError> {
        let mut statement = self.connection.prepare_cached(
            "SELECT leaf_index, event_key, entry, logged_at FROM log_entries
             WHERE leaf_index >= ?1 AND leaf_index < ?2 ORDER BY leaf_index",
        )?;
        let rows = statement.query_map(
            params![
                to_sql_index(first),
                to_sql_index(first.saturating_add(count))
            ],
            logged_entry,
        )?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The leaves about one copy, oldest first.
    pub fn log_entries_of_copy(&self, copy_id: &str) -> Result<Vec<LoggedEntry>, StoreError> {
        let mut statement = self.connection.prepare_cached(
            "SELECT leaf_index, event_key, entry, logged_at FROM log_entries
             WHERE copy_id = ?1 ORDER BY leaf_index",
        )?;
        let rows = statement.query_map([copy_id], logged_entry)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Stores a signed checkpoint (one per size; a later one of the same size replaces it).
    pub fn put_log_checkpoint(
        &mut self,
        tree_size: u64,
        note: &str,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let head = stored_head(&self.connection)?.ok_or(StoreError::LogNotStarted)?;
        if tree_size > head.size {
            return Err(StoreError::LogDamaged {
                reason: format!(
                    "a checkpoint of {tree_size} leaves for a log of {}",
                    head.size
                ),
            });
        }
        self.connection.execute(
            "INSERT INTO log_checkpoints (tree_size, note, signed_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (tree_size) DO UPDATE SET note = excluded.note,
                 signed_at = excluded.signed_at",
            params![to_sql_index(tree_size), note, now.to_rfc3339()],
        )?;
        Ok(())
    }

    /// The checkpoint of the largest size.
    pub fn latest_log_checkpoint(&self) -> Result<Option<StoredCheckpoint>, StoreError> {
        Ok(self
            .connection
            .query_row(
                "SELECT tree_size, note, signed_at FROM log_checkpoints
                 ORDER BY tree_size DESC LIMIT 1",
                [],
                |row| {
                    Ok(StoredCheckpoint {
                        tree_size: from_sql_index(row.get(0)?),
                        note: row.get(1)?,
                        signed_at: row.get(2)?,
                    })
                },
            )
            .optional()?)
    }

    /// Registrations below `tree_size` whose copy does not carry its proof yet: (leaf, copy).
    pub fn log_proofs_wanted(
        &self,
        tree_size: u64,
        limit: usize,
    ) -> Result<Vec<(u64, String)>, StoreError> {
        let mut statement = self.connection.prepare_cached(
            "SELECT leaf_index, copy_id FROM log_proofs_wanted WHERE leaf_index < ?1
             ORDER BY leaf_index LIMIT ?2",
        )?;
        let rows = statement.query_map(
            params![to_sql_index(tree_size), to_sql_index(limit as u64)],
            |row| Ok((from_sql_index(row.get(0)?), row.get(1)?)),
        )?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Lets `attach` write each leaf's proof into its copy (`proofs`: leaf index and copy),
    /// saves the copies and takes the leaves off [`Store::log_proofs_wanted`], in one
    /// transaction: one commit for a batch, not one a copy.
    pub fn attach_log_proofs<E: From<StoreError> + Send>(
        &mut self,
        proofs: &[(u64, bansao_copy::CopyId)],
        actor: automerge::ActorId,
        now: Timestamp,
        attach: impl Fn(u64, &mut CopyDocument) -> Result<CopyStatus, E> + Sync,
    ) -> Result<(), E> {
        let transaction = self
            .connection
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(StoreError::from)?;
        let ids: Vec<String> = proofs
            .iter()
            .map(|(_, copy_id)| copy_id.to_string())
            .collect();
        let reworked = crate::rework::rework(&transaction, &ids, &actor, |position, document| {
            attach(proofs[position].0, document).map(|status| (status, ()))
        })?;
        for ((leaf_index, _), outcome) in proofs.iter().zip(reworked) {
            let mut reworked = outcome?;
            crate::upsert_saved_copy(
                &transaction,
                &mut reworked.document,
                &reworked.bytes,
                reworked.status,
                now,
            )?;
            transaction
                .execute(
                    "DELETE FROM log_proofs_wanted WHERE leaf_index = ?1",
                    [to_sql_index(*leaf_index)],
                )
                .map_err(StoreError::from)?;
        }
        transaction.commit().map_err(StoreError::from)?;
        Ok(())
    }
}

fn logged_entry(row: &rusqlite::Row<'_>) -> rusqlite::Result<LoggedEntry> {
    Ok(LoggedEntry {
        leaf_index: from_sql_index(row.get(0)?),
        event_key: row.get(1)?,
        entry: row.get(2)?,
        logged_at: row.get(3)?,
    })
}

#[cfg(test)]
mod tests;
