//! The sync core's view of a node: [`StoreReplica`] reads through `bansao-store` and makes each
//! storage effect durable (one SQLite transaction each) before the session takes its next input.

use bansao_copy::{CopyDocument, CopyStatus, Timestamp};
use bansao_store::{AnomalyKind, BlobTransfer, Store};
use bansao_sync::replica::DIGEST_LENGTH;
use bansao_sync::{PartialBlob, Replica, ReplicaError, StorageEffect, WantedBlob};
use bansao_trust::TrustContext;

use crate::sync::SyncShellError;
use crate::sync::trust::TrustHandle;

/// A node's SQLite store and trust file, as one session sees them.
#[derive(Debug)]
pub struct StoreReplica {
    store: Store,
    trust: TrustHandle,
    blobs_completed: u64,
    blobs_discarded: u64,
}

impl StoreReplica {
    /// A replica over an open store (one connection per session).
    pub fn new(store: Store, trust: TrustHandle) -> StoreReplica {
        StoreReplica {
            store,
            trust,
            blobs_completed: 0,
            blobs_discarded: 0,
        }
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Scans assembled and verified, and scans discarded because the whole did not match.
    pub fn blob_counts(&self) -> (u64, u64) {
        (self.blobs_completed, self.blobs_discarded)
    }

    /// Makes one effect durable.
    pub fn apply(&mut self, effect: StorageEffect, now: Timestamp) -> Result<(), SyncShellError> {
        match effect {
            StorageEffect::SaveCopies(mut copies) => {
                let trust = self.trust.context();
                let anomalies =
                    self.store
                        .save_received_copies(&mut copies, now, |document, stored| {
                            merge_stored(document, stored, &trust)
                        })?;
                // Recorded once each, so logged once each.
                for anomaly in anomalies {
                    if anomaly.kind == AnomalyKind::Gap {
                        tracing::debug!(kiosk = %anomaly.kiosk_id, copy = %anomaly.copy_id, "{}", anomaly.detail);
                    } else {
                        tracing::warn!(kiosk = %anomaly.kiosk_id, copy = %anomaly.copy_id, kind = anomaly.kind.as_str(), "kiosk chain anomaly: {}", anomaly.detail);
                    }
                }
            }
            StorageEffect::AdoptTrustBundle(bytes) => {
                self.trust.adopt(bytes)?;
                let editions = crate::trust_floor::editions(&self.trust.context());
                self.store
                    .record_trust_editions(editions, crate::entropy::now())?;
            }
            StorageEffect::StartBlob { sha256, layout } => self.store.start_blob_transfer(
                &sha256,
                &BlobTransfer {
                    media_type: layout.media_type,
                    size: layout.size,
                    chunk_size: layout.chunk_size,
                    chunk_hashes: layout.chunk_hashes,
                    received: Default::default(),
                },
            )?,
            StorageEffect::PutBlobChunk {
                sha256,
                index,
                bytes,
            } => self.store.put_blob_chunk(&sha256, index, &bytes)?,
            StorageEffect::SaveStatus(status) => {
                if !crate::sync::status_report::save_status(&mut self.store, &status, now)? {
                    tracing::debug!(reporter = %status.subject, "a newer status of the node was stored meanwhile");
                }
            }
            StorageEffect::CompleteBlob { sha256 } => {
                if self.store.complete_blob_transfer(&sha256)? {
                    self.blobs_completed += 1;
                } else {
                    self.blobs_discarded += 1;
                    tracing::warn!(
                        scan = %bansao_sync::blobs::hex_prefix(&sha256),
                        "a received scan did not match its hash and was discarded"
                    );
                }
            }
        }
        Ok(())
    }
}

/// Another session (or process) stored a version of `document` since this session read it:
/// take its changes in too, so neither write loses the other's signatures.
fn merge_stored(
    document: &mut CopyDocument,
    stored: &[u8],
    trust: &TrustContext,
) -> Option<CopyStatus> {
    let copy_id = document.content().copy_id;
    let actor = crate::entropy::new_actor().ok()?;
    let mut stored = match CopyDocument::load(stored, actor) {
        Ok(stored) => stored,
        Err(error) => {
            tracing::warn!(copy = %copy_id, "the stored copy is unreadable; keeping the received one: {error}");
            return bansao_sync::validate::report(document, trust)
                .ok()
                .map(|report| report.status);
        }
    };
    if let Err(error) = document.merge(&mut stored) {
        tracing::warn!(copy = %copy_id, "a concurrent version could not be merged; keeping the stored one: {error}");
        return None;
    }
    tracing::debug!(copy = %copy_id, decision = "merge", "merged with a version stored meanwhile");
    bansao_sync::validate::report(document, trust)
        .ok()
        .map(|report| report.status)
}

impl Replica for StoreReplica {
    fn sync_items(
        &mut self,
        commune: &str,
    ) -> Result<Vec<(bansao_copy::CopyId, [u8; DIGEST_LENGTH])>, ReplicaError> {
        let started = std::time::Instant::now();
        let items: Vec<_> = self
            .store
            .sync_items(commune)?
            .into_iter()
            .map(|item| (item.copy_id, item.heads_digest))
            .collect();
        tracing::debug!(
            commune,
            items = items.len(),
            ms = started.elapsed().as_secs_f64() * 1000.0,
            "read the reconciliation items"
        );
        Ok(items)
    }

    fn copy_bytes(
        &mut self,
        copy_id: bansao_copy::CopyId,
    ) -> Result<Option<Vec<u8>>, ReplicaError> {
        Ok(self.store.copy_bytes(copy_id)?)
    }

    fn copies_bytes(
        &mut self,
        copy_ids: &[bansao_copy::CopyId],
    ) -> Result<Vec<Option<Vec<u8>>>, ReplicaError> {
        Ok(self.store.copies_bytes(copy_ids)?)
    }

    fn trust_bundle(&mut self) -> Result<Option<Vec<u8>>, ReplicaError> {
        Ok(Some(self.trust.bundle()))
    }

    fn missing_blobs(
        &mut self,
        commune: &str,
        limit: usize,
    ) -> Result<Vec<WantedBlob>, ReplicaError> {
        Ok(self
            .store
            .missing_blobs(commune, limit)?
            .into_iter()
            .map(|blob| WantedBlob {
                sha256: blob.sha256,
                media_type: blob.media_type,
            })
            .collect())
    }

    fn blob_size(&mut self, sha256: &[u8; 32]) -> Result<Option<u64>, ReplicaError> {
        Ok(self.store.blob_size(sha256)?)
    }

    fn blob_range(
        &mut self,
        sha256: &[u8; 32],
        offset: u64,
        length: u32,
    ) -> Result<Option<Vec<u8>>, ReplicaError> {
        Ok(self.store.blob_range(sha256, offset, length)?)
    }

    fn items_generation(&mut self) -> Result<Option<u64>, ReplicaError> {
        Ok(Some(self.store.sync_generation()?))
    }

    fn status_items(
        &mut self,
        commune: &str,
    ) -> Result<Vec<(bansao_trust::KeyId, [u8; DIGEST_LENGTH])>, ReplicaError> {
        Ok(self
            .store
            .node_status_items(commune)?
            .into_iter()
            .filter_map(|(reporter, digest)| {
                let reporter = bansao_trust::KeyId::from_hex(&reporter).ok()?;
                let digest = <[u8; DIGEST_LENGTH]>::try_from(digest.as_slice()).ok()?;
                Some((reporter, digest))
            })
            .collect())
    }

    fn status_bytes(
        &mut self,
        reporter: bansao_trust::KeyId,
    ) -> Result<Option<Vec<u8>>, ReplicaError> {
        Ok(self.store.node_status_bytes(&reporter.to_hex())?)
    }

    fn partial_blob(&mut self, sha256: &[u8; 32]) -> Result<Option<PartialBlob>, ReplicaError> {
        Ok(self
            .store
            .blob_transfer(sha256)?
            .map(|transfer| PartialBlob {
                layout: bansao_sync::BlobLayout {
                    media_type: transfer.media_type,
                    size: transfer.size,
                    chunk_size: transfer.chunk_size,
                    chunk_hashes: transfer.chunk_hashes,
                },
                received: transfer.received,
            }))
    }
}
