//! The city log's checkpoints a ward or kiosk holds (migration 10): `held_checkpoints`, one row
//! per checkpoint taken with the consistency proof from the one before (so the node can relay
//! the chain to a peer that holds an older one), and `log_forks`, the forks and bad proofs it
//! was offered, recorded once each and shown like chain anomalies.
//!
//! Architecture Invariant: **a held checkpoint never goes back.** [`Store::take_checkpoints`]
//! writes only sizes above the largest held, in one transaction; the caller has proven each
//! consistent with the one before (`bansao_sync::checkpoints::judge_offer`).

use rusqlite::{OptionalExtension, params};

use crate::{Store, StoreError};
use bansao_copy::Timestamp;

/// A checkpoint the node took.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldCheckpointRow {
    /// The size it states.
    pub tree_size: u64,
    /// The signed note.
    pub note: String,
    /// The size it was proven from (0: the first the node took).
    pub previous_size: u64,
    /// The proof's hashes.
    pub proof: Vec<[u8; 32]>,
    /// The peer it came from (key id).
    pub peer: String,
    /// When, RFC 3339 UTC.
    pub received_at: String,
}

/// A fork or bad proof the node was offered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogFork {
    /// Its id.
    pub id: i64,
    /// `fork` or `bad-proof`.
    pub kind: String,
    /// The checkpoint held then.
    pub held_note: String,
    /// The checkpoint offered.
    pub offered_note: String,
    /// What shows it.
    pub detail: String,
    /// Who offered it (key id).
    pub peer: String,
    /// When first seen, RFC 3339 UTC.
    pub first_seen: String,
}

fn to_sql(size: u64) -> i64 {
    i64::try_from(size).unwrap_or(i64::MAX)
}

fn row_to_held(row: &rusqlite::Row<'_>) -> rusqlite::Result<HeldCheckpointRow> {
    let proof: Vec<u8> = row.get(3)?;
    Ok(HeldCheckpointRow {
        tree_size: u64::try_from(row.get::<_, i64>(0)?).unwrap_or(0),
        note: row.get(1)?,
        previous_size: u64::try_from(row.get::<_, i64>(2)?).unwrap_or(0),
        proof: proof
            .chunks_exact(32)
            .filter_map(|chunk| <[u8; 32]>::try_from(chunk).ok())
            .collect(),
        peer: row.get(4)?,
        received_at: row.get(5)?,
    })
}

const HELD_COLUMNS: &str = "tree_size, note, previous_size, proof, peer, received_at";

impl Store {
    /// The checkpoint held: the largest taken.
    pub fn held_checkpoint(&self) -> Result<Option<HeldCheckpointRow>, StoreError> {
        Ok(self
            .connection
            .query_row(
                &format!(
                    "SELECT {HELD_COLUMNS} FROM held_checkpoints ORDER BY tree_size DESC LIMIT 1"
                ),
                [],
                row_to_held,
            )
            .optional()?)
    }

    /// Up to `limit` checkpoints taken above `from_size`, smallest first (a relay's chain).
    pub fn held_checkpoints_after(
        &self,
        from_size: u64,
        limit: usize,
    ) -> Result<Vec<HeldCheckpointRow>, StoreError> {
        let mut statement = self.connection.prepare(&format!(
            "SELECT {HELD_COLUMNS} FROM held_checkpoints WHERE tree_size > ?1
             ORDER BY tree_size LIMIT ?2"
        ))?;
        let rows = statement.query_map(
            params![to_sql(from_size), i64::try_from(limit).unwrap_or(i64::MAX)],
            row_to_held,
        )?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Takes checkpoints in order, in one transaction; a size not above the largest held is
    /// skipped. Returns how many were written.
    pub fn take_checkpoints(
        &mut self,
        taken: &[(u64, String, u64, Vec<[u8; 32]>)],
        peer: &str,
        now: Timestamp,
    ) -> Result<usize, StoreError> {
        let transaction = self
            .connection
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let mut written = 0;
        for (size, note, previous_size, proof) in taken {
            let largest: Option<i64> = transaction.query_row(
                "SELECT MAX(tree_size) FROM held_checkpoints",
                [],
                |row| row.get(0),
            )?;
            if largest.is_some_and(|largest| largest >= to_sql(*size)) {
                continue;
            }
            let proof: Vec<u8> = proof.iter().flatten().copied().collect();
            transaction.execute(
                "INSERT INTO held_checkpoints (tree_size, note, previous_size, proof, peer,
                     received_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    to_sql(*size),
                    note,
                    to_sql(*previous_size),
                    proof,
                    peer,
                    now.to_rfc3339()
                ],
            )?;
            written += 1;
        }
        transaction.commit()?;
        Ok(written)
    }

    /// Records a fork or bad proof once; returns whether it is new.
    pub fn record_log_fork(
        &mut self,
        kind: &str,
        held_note: &str,
        offered_note: &str,
        detail: &str,
        peer: &str,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let inserted = self.connection.execute(
            "INSERT OR IGNORE INTO log_forks (kind, held_note, offered_note, detail, peer,
                 first_seen) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                kind,
                held_note,
                offered_note,
                detail,
                peer,
                now.to_rfc3339()
            ],
        )?;
        Ok(inserted > 0)
    }

    /// Every fork and bad proof recorded, oldest first.
    pub fn log_forks(&self) -> Result<Vec<LogFork>, StoreError> {
        let mut statement = self.connection.prepare(
            "SELECT id, kind, held_note, offered_note, detail, peer, first_seen FROM log_forks
             ORDER BY id",
        )?;
        let rows = statement.query_map([], |row| {
            Ok(LogFork {
                id: row.get(0)?,
                kind: row.get(1)?,
                held_note: row.get(2)?,
                offered_note: row.get(3)?,
                detail: row.get(4)?,
                peer: row.get(5)?,
                first_seen: row.get(6)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
