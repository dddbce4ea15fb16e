//! What the sync engine reads and writes: the `(copy id, heads digest)` items a node reconciles
//! by, raw document bytes, batched saves of received copies, scans still missing, partly
//! received scans (durable chunk by chunk, so a cut transfer resumes where it stopped) and the
//! per-peer sync state monitoring shows.

use std::collections::{BTreeSet, HashMap};

use bansao_copy::document::HEADS_DIGEST_LENGTH;
use bansao_copy::status::CopyStatus;
use bansao_copy::{CopyContent, CopyDocument, CopyId, Timestamp};
use rusqlite::{OptionalExtension, params};
use sha2::{Digest, Sha256};

use crate::{Anomaly, Store, StoreError, insert_copy_row, update_copy_row, upsert_copy};

/// Copies read by one query in [`Store::copies_bytes`].
pub const COPIES_PER_QUERY: usize = 64;

/// One copy as the sync engine reconciles it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyncItem {
    /// The copy.
    pub copy_id: CopyId,
    /// Digest of the stored document's heads.
    pub heads_digest: [u8; HEADS_DIGEST_LENGTH],
}

/// A scan a stored copy references but this node does not hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingBlob {
    /// Its SHA-256.
    pub sha256: [u8; 32],
    /// Its media type, from the copy's content.
    pub media_type: String,
    /// The first copy that names it.
    pub first_copy_id: String,
}

/// A scan being received: its chunk layout and the chunks already stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobTransfer {
    /// Media type.
    pub media_type: String,
    /// Total size in bytes.
    pub size: u64,
    /// Chunk size in bytes (the last chunk may be shorter).
    pub chunk_size: u32,
    /// SHA-256 of every chunk, in order.
    pub chunk_hashes: Vec<[u8; 32]>,
    /// Indexes of the chunks stored.
    pub received: BTreeSet<u32>,
}

fn digest_of(bytes: &[u8]) -> [u8; HEADS_DIGEST_LENGTH] {
    let mut digest = [0u8; HEADS_DIGEST_LENGTH];
    if bytes.len() == HEADS_DIGEST_LENGTH {
        digest.copy_from_slice(bytes);
    }
    digest
}

fn to_i64(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

impl Store {
    /// Every copy of `commune` as `(copy id, heads digest)`, ordered by copy id (and so by issue
    /// time: copy ids are ULIDs).
    pub fn sync_items(&self, commune: &str) -> Result<Vec<SyncItem>, StoreError> {
        let mut statement = self.connection.prepare_cached(
            "SELECT copy_id, heads_digest FROM copies WHERE commune = ?1 ORDER BY copy_id",
        )?;
        let mut rows = statement.query([commune])?;
        let mut items = Vec::new();
        while let Some(row) = rows.next()? {
            let copy_id: String = row.get(0)?;
            let Ok(copy_id) = CopyId::parse(&copy_id) else {
                continue;
            };
            let digest = row.get_ref(1)?.as_blob().map(digest_of).unwrap_or_default();
            items.push(SyncItem {
                copy_id,
                heads_digest: digest,
            });
        }
        Ok(items)
    }

    /// A copy's stored document bytes, without loading them.
    pub fn copy_bytes(&self, copy_id: CopyId) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self
            .connection
            .prepare_cached("SELECT document FROM copies WHERE copy_id = ?1")?
            .query_row([copy_id.to_string()], |row| row.get(0))
            .optional()?)
    }

    /// Several copies' stored document bytes, in the order asked (`None`: not held), read with
    /// one query per [`COPIES_PER_QUERY`] copies instead of one each.
    pub fn copies_bytes(&self, copy_ids: &[CopyId]) -> Result<Vec<Option<Vec<u8>>>, StoreError> {
        let mut statement = self.connection.prepare_cached(&format!(
            "SELECT copy_id, document FROM copies WHERE copy_id IN ({})",
            vec!["?"; COPIES_PER_QUERY].join(", ")
        ))?;
        let keys: Vec<String> = copy_ids.iter().map(CopyId::to_string).collect();
        let mut found: HashMap<String, Vec<u8>> = HashMap::with_capacity(keys.len());
        for chunk in keys.chunks(COPIES_PER_QUERY) {
            // The statement has a fixed number of parameters (so it is prepared once); a short
            // last chunk repeats its last id, which IN ignores.
            let padding = chunk
                .last()
                .into_iter()
                .cycle()
                .take(COPIES_PER_QUERY - chunk.len());
            let mut rows =
                statement.query(rusqlite::params_from_iter(chunk.iter().chain(padding)))?;
            while let Some(row) = rows.next()? {
                found.insert(row.get(0)?, row.get(1)?);
            }
        }
        Ok(keys.iter().map(|key| found.remove(key)).collect())
    }

    /// Writes many received or merged copies in one durable transaction: all or none.
    pub fn save_copies(
        &mut self,
        copies: &mut [(CopyDocument, CopyStatus)],
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let transaction = self.connection.transaction()?;
        for (document, status) in copies.iter_mut() {
            upsert_copy(&transaction, document, *status, now)?;
        }
        transaction.commit()?;
        Ok(())
    }

    /// Writes copies received from a peer in one durable transaction, without losing what
    /// another writer stored meanwhile: the write lock is taken first, and a copy whose stored
    /// version differs from `document` is handed to `merge` with the stored bytes, which merges
    /// them into `document` and returns its new status (`None`: leave this copy as stored).
    /// Each new copy is checked against its kiosk's chain in the same transaction; the
    /// anomalies found now are returned ([`crate::anomalies`]).
    pub fn save_received_copies(
        &mut self,
        copies: &mut [(CopyDocument, CopyStatus)],
        now: Timestamp,
        mut merge: impl FnMut(&mut CopyDocument, &[u8]) -> Option<CopyStatus>,
    ) -> Result<Vec<Anomaly>, StoreError> {
        let transaction = self
            .connection
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let mut new_copies = Vec::new();
        for (document, status) in copies.iter_mut() {
            let bytes = document.save();
            if insert_copy_row(&transaction, document, &bytes, *status, now)? {
                new_copies.push(document.content().copy_id.to_string());
                continue;
            }
            let stored: Option<(Vec<u8>, Vec<u8>)> = transaction
                .prepare_cached("SELECT document, heads_digest FROM copies WHERE copy_id = ?1")?
                .query_row([document.content().copy_id.to_string()], |row| {
                    Ok((row.get(0)?, row.get(1)?))
                })
                .optional()?;
            if let Some((stored_bytes, digest)) = stored
                && digest != document.heads_digest()
            {
                match merge(document, &stored_bytes) {
                    Some(merged_status) => *status = merged_status,
                    None => continue,
                }
            }
            let bytes = document.save();
            update_copy_row(&transaction, document, &bytes, *status, now)?;
        }
        let anomalies = crate::anomalies::check_new_copies(&transaction, &new_copies, now)?;
        transaction.commit()?;
        Ok(anomalies)
    }

    /// Up to `limit` scans that copies of `commune` reference and this node does not hold whole
    /// (a scan being received is listed too, so its transfer resumes).
    pub fn missing_blobs(
        &self,
        commune: &str,
        limit: usize,
    ) -> Result<Vec<MissingBlob>, StoreError> {
        let mut statement = self.connection.prepare_cached(
            "SELECT sha256, media_type, first_copy_id FROM wanted_scans WHERE commune = ?1
             ORDER BY first_copy_id, sha256 LIMIT ?2",
        )?;
        let rows = statement.query_map(params![commune, to_i64(limit as u64)], |row| {
            let hash: Vec<u8> = row.get(0)?;
            Ok((hash, row.get::<_, String>(1)?, row.get::<_, String>(2)?))
        })?;
        let mut missing = Vec::new();
        for row in rows {
            let (hash, media_type, first_copy_id) = row?;
            if let Ok(sha256) = <[u8; 32]>::try_from(hash.as_slice()) {
                missing.push(MissingBlob {
                    sha256,
                    media_type,
                    first_copy_id,
                });
            }
        }
        Ok(missing)
    }

    /// A number that changes whenever any copy's reconciliation item (commune, copy id, heads
    /// digest) may have changed, whichever connection or process changed it. Equal numbers
    /// mean [`Store::sync_items`] would return the same items.
    pub fn sync_generation(&self) -> Result<u64, StoreError> {
        let generation: i64 = self.connection.query_row(
            "SELECT generation FROM sync_generation WHERE only = 1",
            [],
            |row| row.get(0),
        )?;
        Ok(u64::try_from(generation).unwrap_or(0))
    }

    /// How many copies of `commune` were written on this node after `since` (RFC 3339 UTC;
    /// `None`: ever): what a peer last synced with at `since` may still lack.
    pub fn copies_changed_since(
        &self,
        commune: &str,
        since: Option<&str>,
    ) -> Result<u64, StoreError> {
        let count: i64 = self
            .connection
            .prepare_cached(
                "SELECT COUNT(*) FROM copies WHERE commune = ?1 AND (?2 IS NULL OR updated_at > ?2)",
            )?
            .query_row(params![commune, since], |row| row.get(0))?;
        Ok(u64::try_from(count).unwrap_or(0))
    }

    /// How many scans copies reference and this node lacks (of `commune`, or of all).
    pub fn wanted_scan_count(&self, commune: Option<&str>) -> Result<u64, StoreError> {
        let count: i64 = self
            .connection
            .prepare_cached(
                "SELECT COUNT(DISTINCT sha256) FROM wanted_scans WHERE ?1 IS NULL OR commune = ?1",
            )?
            .query_row([commune], |row| row.get(0))?;
        Ok(u64::try_from(count).unwrap_or(0))
    }

    /// A stored scan's size, if held whole.
    pub fn blob_size(&self, sha256: &[u8; 32]) -> Result<Option<u64>, StoreError> {
        let size: Option<i64> = self
            .connection
            .prepare_cached("SELECT length(bytes) FROM blobs WHERE sha256 = ?1")?
            .query_row([sha256.to_vec()], |row| row.get(0))
            .optional()?;
        Ok(size.map(|size| u64::try_from(size).unwrap_or(0)))
    }

    /// `length` bytes of a stored scan from `offset` (fewer at its end).
    pub fn blob_range(
        &self,
        sha256: &[u8; 32],
        offset: u64,
        length: u32,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self
            .connection
            .prepare_cached("SELECT substr(bytes, ?2, ?3) FROM blobs WHERE sha256 = ?1")?
            .query_row(
                params![sha256.to_vec(), to_i64(offset) + 1, i64::from(length)],
                |row| row.get(0),
            )
            .optional()?)
    }

    /// The transfer of a scan being received, if one was started.
    pub fn blob_transfer(&self, sha256: &[u8; 32]) -> Result<Option<BlobTransfer>, StoreError> {
        let head: Option<(String, i64, i64, Vec<u8>)> = self
            .connection
            .prepare_cached(
                "SELECT media_type, size, chunk_size, chunk_hashes FROM blob_transfers WHERE sha256 = ?1",
            )?
            .query_row([sha256.to_vec()], |row| {
                Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
            })
            .optional()?;
        let Some((media_type, size, chunk_size, hashes)) = head else {
            return Ok(None);
        };
        let mut received = BTreeSet::new();
        let mut statement = self
            .connection
            .prepare_cached("SELECT chunk FROM blob_chunks WHERE sha256 = ?1")?;
        for chunk in statement.query_map([sha256.to_vec()], |row| row.get::<_, i64>(0))? {
            if let Ok(index) = u32::try_from(chunk?) {
                received.insert(index);
            }
        }
        Ok(Some(BlobTransfer {
            media_type,
            size: u64::try_from(size).unwrap_or(0),
            chunk_size: u32::try_from(chunk_size).unwrap_or(0),
            chunk_hashes: hashes
                .chunks_exact(32)
                .filter_map(|hash| <[u8; 32]>::try_from(hash).ok())
                .collect(),
            received,
        }))
    }

    /// How many scans are partly received (a transfer started and not completed).
    pub fn blob_transfers_in_progress(&self) -> Result<u64, StoreError> {
        let count: i64 =
            self.connection
                .query_row("SELECT COUNT(*) FROM blob_transfers", [], |row| row.get(0))?;
        Ok(u64::try_from(count).unwrap_or(0))
    }

    /// Starts receiving a scan with the given chunk layout (replacing an earlier, different
    /// layout and its chunks).
    pub fn start_blob_transfer(
        &mut self,
        sha256: &[u8; 32],
        transfer: &BlobTransfer,
    ) -> Result<(), StoreError> {
        let hashes: Vec<u8> = transfer.chunk_hashes.concat();
        let transaction = self.connection.transaction()?;
        transaction.execute(
            "DELETE FROM blob_transfers WHERE sha256 = ?1",
            [sha256.to_vec()],
        )?;
        transaction.execute(
            "INSERT INTO blob_transfers (sha256, media_type, size, chunk_size, chunk_hashes)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                sha256.to_vec(),
                transfer.media_type,
                to_i64(transfer.size),
                i64::from(transfer.chunk_size),
                hashes
            ],
        )?;
        transaction.commit()?;
        Ok(())
    }

    /// Stores one verified chunk of a scan being received, durably.
    pub fn put_blob_chunk(
        &mut self,
        sha256: &[u8; 32],
        index: u32,
        bytes: &[u8],
    ) -> Result<(), StoreError> {
        self.connection
            .prepare_cached(
                "INSERT INTO blob_chunks (sha256, chunk, bytes) VALUES (?1, ?2, ?3)
                 ON CONFLICT (sha256, chunk) DO NOTHING",
            )?
            .execute(params![sha256.to_vec(), i64::from(index), bytes])?;
        Ok(())
    }

    /// Assembles a scan from its chunks. If the whole matches its SHA-256 it becomes a stored
    /// scan and `true` is returned; otherwise the transfer is discarded (to start afresh) and
    /// `false` is returned. Either way in one transaction.
    pub fn complete_blob_transfer(&mut self, sha256: &[u8; 32]) -> Result<bool, StoreError> {
        let Some(transfer) = self.blob_transfer(sha256)? else {
            return Ok(false);
        };
        let transaction = self.connection.transaction()?;
        let mut whole = Vec::with_capacity(usize::try_from(transfer.size).unwrap_or(0));
        {
            let mut statement = transaction
                .prepare("SELECT bytes FROM blob_chunks WHERE sha256 = ?1 ORDER BY chunk")?;
            let mut rows = statement.query([sha256.to_vec()])?;
            while let Some(row) = rows.next()? {
                whole.extend_from_slice(row.get_ref(0)?.as_blob().unwrap_or_default());
            }
        }
        let verified = <[u8; 32]>::from(Sha256::digest(&whole)) == *sha256
            && whole.len() as u64 == transfer.size;
        if verified {
            transaction.execute(
                "INSERT INTO blobs (sha256, media_type, bytes) VALUES (?1, ?2, ?3)
                 ON CONFLICT (sha256) DO NOTHING",
                params![sha256.to_vec(), transfer.media_type, whole],
            )?;
        }
        transaction.execute(
            "DELETE FROM blob_transfers WHERE sha256 = ?1",
            [sha256.to_vec()],
        )?;
        transaction.commit()?;
        Ok(verified)
    }

    /// Records the sync state of one peer (a JSON document the sync shell defines).
    pub fn put_peer_state(
        &mut self,
        peer_key: &str,
        state_json: &str,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        self.connection
            .prepare_cached(
                "INSERT INTO sync_peers (peer_key, state, updated_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (peer_key) DO UPDATE SET state = excluded.state,
                     updated_at = excluded.updated_at",
            )?
            .execute(params![peer_key, state_json, now.to_rfc3339()])?;
        Ok(())
    }

    /// Every peer's recorded sync state: `(peer key, state JSON, updated at)`.
    pub fn peer_states(&self) -> Result<Vec<(String, String, String)>, StoreError> {
        let mut statement = self
            .connection
            .prepare("SELECT peer_key, state, updated_at FROM sync_peers ORDER BY peer_key")?;
        let rows = statement.query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    /// The latest time a sync round with any peer finished, as recorded in the peer table.
    pub fn last_sync_success(&self) -> Result<Option<Timestamp>, StoreError> {
        let mut statement = self
            .connection
            .prepare_cached("SELECT json_extract(state, '$.last_success') FROM sync_peers")?;
        let rows = statement.query_map([], |row| row.get::<_, Option<String>>(0))?;
        let mut latest: Option<Timestamp> = None;
        for row in rows {
            if let Some(at) = row?.and_then(|text| Timestamp::parse(&text).ok())
                && latest.is_none_or(|latest| at > latest)
            {
                latest = Some(at);
            }
        }
        Ok(latest)
    }

    /// Fills the sync columns of rows written before they existed (schema 1), from their
    /// documents. Cheap when there are none.
    pub(crate) fn fill_missing_sync_columns(&mut self) -> Result<(), StoreError> {
        let transaction = self.connection.transaction()?;
        {
            let mut select = transaction.prepare(
                "SELECT copy_id, document FROM copies
                 WHERE length(heads_digest) = 0 OR length(previous_content_hash) = 0",
            )?;
            let mut update = transaction.prepare(
                "UPDATE copies SET heads_digest = ?2, previous_content_hash = ?3 WHERE copy_id = ?1",
            )?;
            let mut rows = select.query([])?;
            while let Some(row) = rows.next()? {
                let copy_id: String = row.get(0)?;
                let bytes: Vec<u8> = row.get(1)?;
                // Unreadable documents keep an empty digest; `store check` reports them.
                let Ok(mut document) =
                    CopyDocument::load(&bytes, automerge::ActorId::from(&[0u8; 16][..]))
                else {
                    continue;
                };
                rewrite_pages(&transaction, document.content())?;
                update.execute(params![
                    copy_id,
                    document.heads_digest().to_vec(),
                    document.content().previous_content_hash.0.to_vec()
                ])?;
            }
        }
        transaction.commit()?;
        Ok(())
    }
}

/// Records the pages a newly inserted copy references.
pub(crate) fn write_pages(
    transaction: &rusqlite::Transaction<'_>,
    content: &CopyContent,
) -> Result<(), StoreError> {
    let mut insert = transaction.prepare_cached(
        "INSERT INTO copy_pages (copy_id, page, sha256, media_type) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (copy_id, page) DO NOTHING",
    )?;
    let copy_id = content.copy_id.to_string();
    for (index, page) in content.pages.iter().enumerate() {
        insert.execute(params![
            copy_id,
            to_i64(index as u64),
            page.sha256.to_vec(),
            page.media_type
        ])?;
    }
    Ok(())
}

/// Rewrites the pages of a copy from its content (index rebuild).
pub(crate) fn rewrite_pages(
    transaction: &rusqlite::Transaction<'_>,
    content: &CopyContent,
) -> Result<(), StoreError> {
    transaction.execute(
        "DELETE FROM copy_pages WHERE copy_id = ?1",
        [content.copy_id.to_string()],
    )?;
    write_pages(transaction, content)
}
