//! Kiosk chains checked by whoever receives them, and what breaks them recorded.
//!
//! Every copy names its kiosk, its sequence number and the content hash of the kiosk's previous
//! copy, and carries its time of issue. A kiosk enforces its own chain when it issues; a ward or
//! the city cannot trust that (a stolen kiosk key signs anything), so as copies arrive
//! ([`crate::Store::save_received_copies`]) each new copy is compared with its neighbours in
//! the chain, in the same transaction that stores it, and what does not fit is recorded in the
//! `anomalies` table once, with its evidence:
//! - [`AnomalyKind::DuplicateSequence`]: two copies with one sequence number (a fork);
//! - [`AnomalyKind::BrokenLink`]: a copy whose previous hash is not its predecessor's content
//!   hash (a forged or missing copy in between), or a first copy that does not start the chain;
//! - [`AnomalyKind::Gap`]: the predecessor has not arrived (cleared when it does);
//! - [`AnomalyKind::DateOutOfOrder`]: issued earlier than the copy before it in the chain;
//! - [`AnomalyKind::FutureDate`]: issued later than this node first saw it (beyond a tolerance
//!   for clocks that drift), i.e. the kiosk's clock was ahead.
//!
//! Nothing here resolves an anomaly except a gap being filled: that is an official's signed
//! decision (the ward's reconciliation).

use rusqlite::{OptionalExtension, Transaction, params};

use bansao_copy::Timestamp;
use bansao_copy::content::ContentHash;

use crate::{Store, StoreError};

/// How far a copy's time of issue may lie after the time this node first saw it before it is a
/// future date: clocks of offline kiosks drift by minutes, not by hours.
pub const FUTURE_TOLERANCE_SECONDS: i64 = 15 * 60;

/// What kind of break.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AnomalyKind {
    /// Two copies with one sequence number.
    DuplicateSequence,
    /// The previous-copy hash does not match the predecessor.
    BrokenLink,
    /// The predecessor is missing.
    Gap,
    /// Issued earlier than its predecessor.
    DateOutOfOrder,
    /// Issued after it was first seen.
    FutureDate,
}

impl AnomalyKind {
    /// The stable name stored and shown to scripts.
    pub fn as_str(self) -> &'static str {
        match self {
            AnomalyKind::DuplicateSequence => "duplicate-sequence",
            AnomalyKind::BrokenLink => "broken-link",
            AnomalyKind::Gap => "gap",
            AnomalyKind::DateOutOfOrder => "date-out-of-order",
            AnomalyKind::FutureDate => "future-date",
        }
    }

    /// Reads a stored name.
    pub fn parse(name: &str) -> Option<AnomalyKind> {
        [
            AnomalyKind::DuplicateSequence,
            AnomalyKind::BrokenLink,
            AnomalyKind::Gap,
            AnomalyKind::DateOutOfOrder,
            AnomalyKind::FutureDate,
        ]
        .into_iter()
        .find(|kind| kind.as_str() == name)
    }

    /// Whether it breaks the chain (as opposed to a clock that was off).
    pub fn breaks_chain(self) -> bool {
        matches!(
            self,
            AnomalyKind::DuplicateSequence | AnomalyKind::BrokenLink | AnomalyKind::Gap
        )
    }
}

/// One recorded anomaly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Anomaly {
    /// Its row id (what a resolution names).
    pub id: i64,
    /// What kind.
    pub kind: AnomalyKind,
    /// The kiosk whose chain it is.
    pub kiosk_id: String,
    /// The sequence number of the copy it is about.
    pub sequence: u64,
    /// The copy it is about.
    pub copy_id: String,
    /// The other copy involved (the duplicate, the predecessor), if any.
    pub other_copy_id: Option<String>,
    /// The evidence in words.
    pub detail: String,
    /// When this node found it, RFC 3339 UTC.
    pub first_seen: String,
    /// When it stopped holding (a gap filled), RFC 3339 UTC.
    pub cleared_at: Option<String>,
    /// An official's signed resolution, if one was given.
    pub resolution: Option<AnomalyResolution>,
}

/// An official's signed word on an anomaly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnomalyResolution {
    /// When, RFC 3339 UTC.
    pub resolved_at: String,
    /// The official's id.
    pub official: String,
    /// Their key's id (hex).
    pub key_id: String,
    /// What they found.
    pub note: String,
    /// Their signature over the anomaly and the note.
    pub signature: Vec<u8>,
}

/// A copy as the chain check sees it.
struct Link {
    copy_id: String,
    sequence: u64,
    content_hash: Vec<u8>,
    previous_content_hash: Vec<u8>,
    issued_at: String,
}

fn issued_unix(text: &str) -> Option<i64> {
    Timestamp::parse(text).ok().map(Timestamp::unix)
}

/// Checks each of `new_copies` (copy ids just inserted) against its neighbours in its kiosk's
/// chain and records what does not fit; returns the anomalies recorded now.
pub(crate) fn check_new_copies(
    transaction: &Transaction<'_>,
    new_copies: &[String],
    now: Timestamp,
) -> Result<Vec<Anomaly>, StoreError> {
    let mut found = Vec::new();
    for copy_id in new_copies {
        let Some((kiosk_id, link, received_at)) = load_link(transaction, copy_id)? else {
            continue;
        };
        let neighbours = neighbours(transaction, &kiosk_id, link.sequence)?;
        let mut record = |kind: AnomalyKind,
                          about: &Link,
                          other: Option<&Link>,
                          detail: String|
         -> Result<(), StoreError> {
            if let Some(anomaly) = insert(
                transaction,
                kind,
                &kiosk_id,
                about,
                other.map(|other| other.copy_id.as_str()),
                &detail,
                now,
            )? {
                found.push(anomaly);
            }
            Ok(())
        };
        let issued = issued_unix(&link.issued_at);
        for duplicate in neighbours
            .iter()
            .filter(|other| other.sequence == link.sequence && other.copy_id != link.copy_id)
        {
            let (first, second) = if duplicate.copy_id < link.copy_id {
                (duplicate, &link)
            } else {
                (&link, duplicate)
            };
            record(
                AnomalyKind::DuplicateSequence,
                first,
                Some(second),
                format!(
                    "copies {} and {} both carry sequence number {} of kiosk {kiosk_id}",
                    first.copy_id, second.copy_id, link.sequence
                ),
            )?;
        }
        let predecessors: Vec<&Link> = neighbours
            .iter()
            .filter(|other| other.sequence + 1 == link.sequence)
            .collect();
        if link.sequence <= 1 {
            if link.previous_content_hash != ContentHash::GENESIS.0 {
                record(
                    AnomalyKind::BrokenLink,
                    &link,
                    None,
                    format!(
                        "copy {} is the first of kiosk {kiosk_id} but names a previous copy",
                        link.copy_id
                    ),
                )?;
            }
        } else if predecessors.is_empty() {
            record(
                AnomalyKind::Gap,
                &link,
                None,
                format!(
                    "copy {} (sequence {}) has arrived, copy {} of kiosk {kiosk_id} has not",
                    link.copy_id,
                    link.sequence,
                    link.sequence - 1
                ),
            )?;
        }
        for predecessor in &predecessors {
            check_pair(&kiosk_id, predecessor, &link, &mut record)?;
        }
        for successor in neighbours
            .iter()
            .filter(|other| other.sequence == link.sequence + 1)
        {
            check_pair(&kiosk_id, &link, successor, &mut record)?;
            transaction
                .prepare_cached(
                    "UPDATE anomalies SET cleared_at = ?3
                     WHERE kind = 'gap' AND kiosk_id = ?1 AND sequence = ?2 AND cleared_at IS NULL",
                )?
                .execute(params![
                    kiosk_id,
                    to_i64(successor.sequence),
                    now.to_rfc3339()
                ])?;
        }
        if let (Some(issued), Some(received)) = (issued, issued_unix(&received_at))
            && issued > received + FUTURE_TOLERANCE_SECONDS
        {
            record(
                AnomalyKind::FutureDate,
                &link,
                None,
                format!(
                    "copy {} says it was issued at {}, but this node first saw it at {received_at}: the kiosk's clock was ahead",
                    link.copy_id, link.issued_at
                ),
            )?;
        }
    }
    Ok(found)
}

/// Compares a copy with its successor in the chain: the link and the dates.
fn check_pair(
    kiosk_id: &str,
    predecessor: &Link,
    successor: &Link,
    record: &mut impl FnMut(AnomalyKind, &Link, Option<&Link>, String) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    if successor.previous_content_hash != predecessor.content_hash {
        record(
            AnomalyKind::BrokenLink,
            successor,
            Some(predecessor),
            format!(
                "copy {} (sequence {}) does not continue copy {} (sequence {}) of kiosk {kiosk_id}: its previous-copy hash is another",
                successor.copy_id, successor.sequence, predecessor.copy_id, predecessor.sequence
            ),
        )?;
    }
    if let (Some(before), Some(after)) = (
        issued_unix(&predecessor.issued_at),
        issued_unix(&successor.issued_at),
    ) && after < before
    {
        record(
            AnomalyKind::DateOutOfOrder,
            successor,
            Some(predecessor),
            format!(
                "copy {} (sequence {}) is dated {}, before copy {} (sequence {}) dated {}",
                successor.copy_id,
                successor.sequence,
                successor.issued_at,
                predecessor.copy_id,
                predecessor.sequence,
                predecessor.issued_at
            ),
        )?;
    }
    Ok(())
}

fn to_i64(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

fn load_link(
    transaction: &Transaction<'_>,
    copy_id: &str,
) -> Result<Option<(String, Link, String)>, StoreError> {
    Ok(transaction
        .prepare_cached(
            "SELECT kiosk_id, kiosk_sequence, content_hash, previous_content_hash, issued_at,
                 received_at FROM copies WHERE copy_id = ?1",
        )?
        .query_row([copy_id], |row| {
            Ok((
                row.get::<_, String>(0)?,
                Link {
                    copy_id: copy_id.to_owned(),
                    sequence: u64::try_from(row.get::<_, i64>(1)?).unwrap_or(0),
                    content_hash: row.get(2)?,
                    previous_content_hash: row.get(3)?,
                    issued_at: row.get(4)?,
                },
                row.get::<_, String>(5)?,
            ))
        })
        .optional()?)
}

/// The kiosk's copies at `sequence - 1`, `sequence` and `sequence + 1`.
fn neighbours(
    transaction: &Transaction<'_>,
    kiosk_id: &str,
    sequence: u64,
) -> Result<Vec<Link>, StoreError> {
    let mut statement = transaction.prepare_cached(
        "SELECT copy_id, kiosk_sequence, content_hash, previous_content_hash, issued_at
         FROM copies WHERE kiosk_id = ?1 AND kiosk_sequence BETWEEN ?2 - 1 AND ?2 + 1",
    )?;
    let rows = statement.query_map(params![kiosk_id, to_i64(sequence)], |row| {
        Ok(Link {
            copy_id: row.get(0)?,
            sequence: u64::try_from(row.get::<_, i64>(1)?).unwrap_or(0),
            content_hash: row.get(2)?,
            previous_content_hash: row.get(3)?,
            issued_at: row.get(4)?,
        })
    })?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

/// Records an anomaly unless it is recorded already; returns it when new.
fn insert(
    transaction: &Transaction<'_>,
    kind: AnomalyKind,
    kiosk_id: &str,
    about: &Link,
    other_copy_id: Option<&str>,
    detail: &str,
    now: Timestamp,
) -> Result<Option<Anomaly>, StoreError> {
    let inserted = transaction
        .prepare_cached(
            "INSERT INTO anomalies (kind, kiosk_id, sequence, copy_id, other_copy_id, detail,
                 first_seen)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT DO NOTHING",
        )?
        .execute(params![
            kind.as_str(),
            kiosk_id,
            to_i64(about.sequence),
            about.copy_id,
            other_copy_id.unwrap_or(""),
            detail,
            now.to_rfc3339()
        ])?;
    let id = transaction.last_insert_rowid();
    Ok((inserted == 1).then(|| Anomaly {
        id,
        kind,
        kiosk_id: kiosk_id.to_owned(),
        sequence: about.sequence,
        copy_id: about.copy_id.clone(),
        other_copy_id: other_copy_id.map(str::to_owned),
        detail: detail.to_owned(),
        first_seen: now.to_rfc3339(),
        cleared_at: None,
        resolution: None,
    }))
}

impl Store {
    /// Recorded anomalies, oldest first: only those still holding unless `include_cleared`,
    /// of one kiosk or of all.
    pub fn anomalies(
        &self,
        kiosk_id: Option<&str>,
        include_cleared: bool,
    ) -> Result<Vec<Anomaly>, StoreError> {
        self.query_anomalies(
            "SELECT a.kind, a.kiosk_id, a.sequence, a.copy_id, a.other_copy_id, a.detail,
                    a.first_seen, a.cleared_at, a.id, r.resolved_at, r.official, r.key_id, r.note,
                    r.signature
             FROM anomalies a LEFT JOIN anomaly_resolutions r ON r.anomaly_id = a.id
             WHERE (?1 IS NULL OR a.kiosk_id = ?1) AND (?2 OR a.cleared_at IS NULL)
             ORDER BY a.id",
            params![kiosk_id, include_cleared],
        )
    }

    /// The anomalies still holding and not resolved by an official that involve one copy.
    pub fn anomalies_of_copy(&self, copy_id: &str) -> Result<Vec<Anomaly>, StoreError> {
        self.query_anomalies(
            "SELECT a.kind, a.kiosk_id, a.sequence, a.copy_id, a.other_copy_id, a.detail,
                    a.first_seen, a.cleared_at, a.id, r.resolved_at, r.official, r.key_id, r.note,
                    r.signature
             FROM anomalies a LEFT JOIN anomaly_resolutions r ON r.anomaly_id = a.id
             WHERE (a.copy_id = ?1 OR a.other_copy_id = ?1) AND a.cleared_at IS NULL
               AND r.anomaly_id IS NULL
             ORDER BY a.id",
            params![copy_id],
        )
    }

    /// The anomaly with row id `id`.
    pub fn anomaly(&self, id: i64) -> Result<Option<Anomaly>, StoreError> {
        Ok(self
            .query_anomalies(
                "SELECT a.kind, a.kiosk_id, a.sequence, a.copy_id, a.other_copy_id, a.detail,
                        a.first_seen, a.cleared_at, a.id, r.resolved_at, r.official, r.key_id,
                        r.note, r.signature
                 FROM anomalies a LEFT JOIN anomaly_resolutions r ON r.anomaly_id = a.id
                 WHERE a.id = ?1",
                params![id],
            )?
            .into_iter()
            .next())
    }

    /// Records an official's signed resolution of anomaly `id`; refused when it has one.
    pub fn resolve_anomaly(
        &mut self,
        id: i64,
        resolution: &AnomalyResolution,
    ) -> Result<(), StoreError> {
        let transaction = self
            .connection
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let known: i64 = transaction.query_row(
            "SELECT COUNT(*) FROM anomalies WHERE id = ?1",
            params![id],
            |row| row.get(0),
        )?;
        if known == 0 {
            return Err(StoreError::NotFound(format!("anomaly {id}")));
        }
        let changed = transaction.execute(
            "INSERT OR IGNORE INTO anomaly_resolutions
             (anomaly_id, resolved_at, official, key_id, note, signature)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                id,
                resolution.resolved_at,
                resolution.official,
                resolution.key_id,
                resolution.note,
                resolution.signature
            ],
        )?;
        if changed == 0 {
            return Err(StoreError::AlreadyResolved(id));
        }
        transaction.commit()?;
        Ok(())
    }

    fn query_anomalies(
        &self,
        sql: &str,
        parameters: impl rusqlite::Params,
    ) -> Result<Vec<Anomaly>, StoreError> {
        let mut statement = self.connection.prepare_cached(sql)?;
        let rows = statement.query_map(parameters, |row| {
            let kind: String = row.get(0)?;
            let other: String = row.get(4)?;
            Ok((
                kind,
                Anomaly {
                    kind: AnomalyKind::Gap,
                    kiosk_id: row.get(1)?,
                    sequence: u64::try_from(row.get::<_, i64>(2)?).unwrap_or(0),
                    copy_id: row.get(3)?,
                    other_copy_id: (!other.is_empty()).then_some(other),
                    detail: row.get(5)?,
                    first_seen: row.get(6)?,
                    cleared_at: row.get(7)?,
                    id: row.get(8)?,
                    resolution: match row.get::<_, Option<String>>(9)? {
                        Some(resolved_at) => Some(AnomalyResolution {
                            resolved_at,
                            official: row.get(10)?,
                            key_id: row.get(11)?,
                            note: row.get(12)?,
                            signature: row.get(13)?,
                        }),
                        None => None,
                    },
                },
            ))
        })?;
        let mut anomalies = Vec::new();
        for row in rows {
            let (kind, mut anomaly) = row?;
            // A kind this version does not know (written by a newer one) is skipped, not guessed.
            let Some(kind) = AnomalyKind::parse(&kind) else {
                continue;
            };
            anomaly.kind = kind;
            anomalies.push(anomaly);
        }
        Ok(anomalies)
    }
}
