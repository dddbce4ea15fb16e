//! Node status documents at rest (migration 9): the newest signed status of each reporting node
//! — this node's own among them — and a bounded history of samples per node for the charts.
//!
//! The store does not read statuses: the sync shell hands in the signed bytes with the columns
//! it derived from them ([`NodeStatusRow`]) and one [`StatusSample`]. [`Store::save_node_status`]
//! keeps a status only if its sequence is higher than the held one's, in one immediate
//! transaction, so two sessions bringing statuses at once keep the newest; the history takes
//! one sample per reporter per `sample_every` seconds and forgets samples older than `keep`.

use rusqlite::{OptionalExtension, TransactionBehavior, params};

use crate::{Store, StoreError};

/// A held status and the columns derived from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeStatusRow {
    /// The reporter's key id (hex).
    pub reporter: String,
    /// Its certified role.
    pub role: String,
    /// Its certificate's subject.
    pub subject: String,
    /// Its certified commune.
    pub commune: Option<String>,
    /// The status's sequence.
    pub sequence: u64,
    /// When the reporter made it, Unix seconds.
    pub reported_at: i64,
    /// When this node stored it (UTC, RFC 3339).
    pub received_at: String,
    /// The reconciliation digest.
    pub digest: Vec<u8>,
    /// The decoded status as JSON, for reading without the signature.
    pub status_json: String,
    /// The signed bytes.
    pub bytes: Vec<u8>,
}

/// One point of a node's history.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StatusSample {
    /// When the reporter made the status, Unix seconds.
    pub reported_at: i64,
    /// Its largest lag towards a peer upstream, seconds.
    pub lag_seconds: u64,
    /// Copies waiting to go, over its peers.
    pub backlog_out: u64,
    /// Copies waiting to come.
    pub backlog_in: u64,
    /// Bytes sent over all sessions so far.
    pub bytes_sent: u64,
    /// Bytes received over all sessions so far.
    pub bytes_received: u64,
    /// Sessions that ended early so far.
    pub errors: u64,
    /// Refusals so far.
    pub refusals: u64,
}

/// How history is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HistoryRules {
    /// At most one sample per reporter in this many seconds.
    pub sample_every: i64,
    /// Samples older than this many seconds before the newest are forgotten.
    pub keep: i64,
}

impl Default for HistoryRules {
    /// One sample per 15 minutes, three days.
    fn default() -> HistoryRules {
        HistoryRules {
            sample_every: 15 * 60,
            keep: 3 * 86_400,
        }
    }
}

fn to_i64(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

fn to_u64(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

fn status_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<NodeStatusRow> {
    Ok(NodeStatusRow {
        reporter: row.get(0)?,
        role: row.get(1)?,
        subject: row.get(2)?,
        commune: row.get(3)?,
        sequence: to_u64(row.get(4)?),
        reported_at: row.get(5)?,
        received_at: row.get(6)?,
        digest: row.get(7)?,
        status_json: row.get(8)?,
        bytes: row.get(9)?,
    })
}

const STATUS_COLUMNS: &str =
    "reporter, role, subject, commune, sequence, reported_at, received_at, digest, status, bytes";

fn sample_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<(String, StatusSample)> {
    Ok((
        row.get(0)?,
        StatusSample {
            reported_at: row.get(1)?,
            lag_seconds: to_u64(row.get(2)?),
            backlog_out: to_u64(row.get(3)?),
            backlog_in: to_u64(row.get(4)?),
            bytes_sent: to_u64(row.get(5)?),
            bytes_received: to_u64(row.get(6)?),
            errors: to_u64(row.get(7)?),
            refusals: to_u64(row.get(8)?),
        },
    ))
}

impl Store {
    /// Keeps `row` as its reporter's status if it is newer than the held one, with `sample` in
    /// the history (see the module docs); returns whether it was kept.
    pub fn save_node_status(
        &mut self,
        row: &NodeStatusRow,
        sample: &StatusSample,
        rules: HistoryRules,
    ) -> Result<bool, StoreError> {
        let transaction = self
            .connection
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let changed = transaction
            .prepare_cached(
                "INSERT INTO node_statuses (reporter, role, subject, commune, sequence,
                     reported_at, received_at, digest, status, bytes)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
                 ON CONFLICT (reporter) DO UPDATE SET role = excluded.role,
                     subject = excluded.subject, commune = excluded.commune,
                     sequence = excluded.sequence, reported_at = excluded.reported_at,
                     received_at = excluded.received_at, digest = excluded.digest,
                     status = excluded.status, bytes = excluded.bytes
                 WHERE excluded.sequence > node_statuses.sequence",
            )?
            .execute(params![
                row.reporter,
                row.role,
                row.subject,
                row.commune,
                to_i64(row.sequence),
                row.reported_at,
                row.received_at,
                row.digest,
                row.status_json,
                row.bytes,
            ])?;
        if changed == 0 {
            return Ok(false);
        }
        let last: Option<i64> = transaction
            .prepare_cached("SELECT MAX(reported_at) FROM node_status_history WHERE reporter = ?1")?
            .query_row([&row.reporter], |r| r.get(0))?;
        if last.is_none_or(|last| sample.reported_at >= last + rules.sample_every) {
            transaction
                .prepare_cached(
                    "INSERT OR REPLACE INTO node_status_history (reporter, reported_at,
                         lag_seconds, backlog_out, backlog_in, bytes_sent, bytes_received,
                         errors, refusals) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                )?
                .execute(params![
                    row.reporter,
                    sample.reported_at,
                    to_i64(sample.lag_seconds),
                    to_i64(sample.backlog_out),
                    to_i64(sample.backlog_in),
                    to_i64(sample.bytes_sent),
                    to_i64(sample.bytes_received),
                    to_i64(sample.errors),
                    to_i64(sample.refusals),
                ])?;
        }
        transaction
            .prepare_cached(
                "DELETE FROM node_status_history WHERE reporter = ?1 AND reported_at < ?2",
            )?
            .execute(params![
                row.reporter,
                sample.reported_at.saturating_sub(rules.keep)
            ])?;
        transaction.commit()?;
        Ok(true)
    }

    /// The held statuses whose reporter is of `commune`: `(reporter, digest)`.
    pub fn node_status_items(&self, commune: &str) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
        let mut statement = self.connection.prepare_cached(
            "SELECT reporter, digest FROM node_statuses WHERE commune = ?1 ORDER BY reporter",
        )?;
        let rows = statement.query_map([commune], |row| Ok((row.get(0)?, row.get(1)?)))?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    /// The held status of `reporter` (key id hex): its signed bytes.
    pub fn node_status_bytes(&self, reporter: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self
            .connection
            .prepare_cached("SELECT bytes FROM node_statuses WHERE reporter = ?1")?
            .query_row([reporter], |row| row.get(0))
            .optional()?)
    }

    /// The held status of `reporter`.
    pub fn node_status(&self, reporter: &str) -> Result<Option<NodeStatusRow>, StoreError> {
        Ok(self
            .connection
            .prepare_cached(&format!(
                "SELECT {STATUS_COLUMNS} FROM node_statuses WHERE reporter = ?1"
            ))?
            .query_row([reporter], status_row)
            .optional()?)
    }

    /// Every held status, by commune then subject.
    pub fn node_statuses(&self) -> Result<Vec<NodeStatusRow>, StoreError> {
        let mut statement = self.connection.prepare_cached(&format!(
            "SELECT {STATUS_COLUMNS} FROM node_statuses ORDER BY commune, subject"
        ))?;
        let rows = statement.query_map([], status_row)?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    /// The history samples of `reporters` (key ids hex) made at or after `since` (Unix
    /// seconds), oldest first: `(reporter, sample)`.
    pub fn status_history(
        &self,
        reporters: &[&str],
        since: i64,
    ) -> Result<Vec<(String, StatusSample)>, StoreError> {
        let mut found = Vec::new();
        let mut statement = self.connection.prepare_cached(
            "SELECT reporter, reported_at, lag_seconds, backlog_out, backlog_in, bytes_sent,
                 bytes_received, errors, refusals FROM node_status_history
             WHERE reporter = ?1 AND reported_at >= ?2 ORDER BY reported_at",
        )?;
        for reporter in reporters {
            let rows = statement.query_map(params![reporter, since], sample_row)?;
            for row in rows {
                found.push(row?);
            }
        }
        Ok(found)
    }

    /// Statuses held.
    pub fn node_statuses_count(&self) -> Result<u64, StoreError> {
        let count: i64 =
            self.connection
                .query_row("SELECT COUNT(*) FROM node_statuses", [], |row| row.get(0))?;
        Ok(to_u64(count))
    }

    /// Copies held per index status (for the metrics), in one read.
    pub fn copy_counts_by_status(&self) -> Result<Vec<(String, u64)>, StoreError> {
        let mut statement = self.connection.prepare_cached(
            "SELECT status, COUNT(*) FROM copies GROUP BY status ORDER BY status",
        )?;
        let rows = statement.query_map([], |row| Ok((row.get(0)?, to_u64(row.get(1)?))))?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    /// History samples held, over every reporter.
    pub fn status_history_size(&self) -> Result<u64, StoreError> {
        let count: i64 =
            self.connection
                .query_row("SELECT COUNT(*) FROM node_status_history", [], |row| {
                    row.get(0)
                })?;
        Ok(to_u64(count))
    }
}
