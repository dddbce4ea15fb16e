//! An in-memory [`Replica`] that applies [`StorageEffect`]s the way the SQLite shell does
//! (feature `testing`): for the simulation and the core's own tests.

use std::collections::{BTreeMap, BTreeSet};

use bansao_copy::{CopyDocument, CopyId, CopyStatus};
use sha2::{Digest, Sha256};

use crate::replica::{
    BlobLayout, DIGEST_LENGTH, PartialBlob, Replica, ReplicaError, StorageEffect, WantedBlob,
};

/// One stored copy.
#[derive(Debug, Clone)]
pub struct StoredCopy {
    /// The saved document.
    pub bytes: Vec<u8>,
    /// Its heads digest.
    pub digest: [u8; DIGEST_LENGTH],
    /// Its commune.
    pub commune: String,
    /// Its derived status when stored.
    pub status: CopyStatus,
    /// The scans it references: `(sha256, media type)`.
    pub pages: Vec<([u8; 32], String)>,
}

/// A scan being received: its layout and the chunks stored so far.
pub type PartialScan = (BlobLayout, BTreeMap<u32, Vec<u8>>);

/// A node's data, in memory.
#[derive(Debug, Clone, Default)]
pub struct MemoryReplica {
    /// Copies by id.
    pub copies: BTreeMap<CopyId, StoredCopy>,
    /// Whole scans by SHA-256.
    pub blobs: BTreeMap<[u8; 32], Vec<u8>>,
    /// Scans being received.
    pub partial: BTreeMap<[u8; 32], PartialScan>,
    /// The trust bundle.
    pub trust_bundle: Option<Vec<u8>>,
    /// Scans whose assembly did not match their hash (discarded).
    pub blobs_discarded: u64,
    /// Moves on every change to the copies (see [`Replica::items_generation`]).
    pub generation: u64,
    /// The newest node status held per reporter.
    pub statuses: BTreeMap<bansao_trust::KeyId, crate::status::VerifiedStatus>,
}

impl MemoryReplica {
    /// Stores a copy document with its status.
    pub fn store(&mut self, document: &mut CopyDocument, status: CopyStatus) {
        let content = document.content();
        let copy_id = content.copy_id;
        let commune = content.commune.clone();
        let pages = content
            .pages
            .iter()
            .map(|page| (page.sha256, page.media_type.clone()))
            .collect();
        let digest = document.heads_digest();
        self.generation += 1;
        self.copies.insert(
            copy_id,
            StoredCopy {
                bytes: document.save(),
                digest,
                commune,
                status,
                pages,
            },
        );
    }

    /// Applies one effect, as the shell would.
    pub fn apply(&mut self, effect: StorageEffect) {
        match effect {
            StorageEffect::SaveCopies(copies) => {
                for (mut document, status) in copies {
                    self.store(&mut document, status);
                }
            }
            StorageEffect::AdoptTrustBundle(bytes) => self.trust_bundle = Some(bytes),
            StorageEffect::StartBlob { sha256, layout } => {
                self.partial.insert(sha256, (layout, BTreeMap::new()));
            }
            StorageEffect::PutBlobChunk {
                sha256,
                index,
                bytes,
            } => {
                if let Some((_, chunks)) = self.partial.get_mut(&sha256) {
                    chunks.insert(index, bytes);
                }
            }
            StorageEffect::CompleteBlob { sha256 } => {
                if let Some((_, chunks)) = self.partial.remove(&sha256) {
                    let whole: Vec<u8> = chunks.into_values().flatten().collect();
                    if <[u8; 32]>::from(Sha256::digest(&whole)) == sha256 {
                        self.blobs.insert(sha256, whole);
                    } else {
                        self.blobs_discarded += 1;
                    }
                }
            }
            StorageEffect::SaveStatus(status) => self.keep_status(*status),
        }
    }

    /// Keeps `status` if it is newer than the held status of its reporter (as the shell does).
    pub fn keep_status(&mut self, status: crate::status::VerifiedStatus) {
        let newer = self
            .statuses
            .get(&status.reporter)
            .is_none_or(|held| held.status.sequence < status.status.sequence);
        if newer {
            self.generation += 1;
            self.statuses.insert(status.reporter, status);
        }
    }

    /// Every copy's heads digest.
    pub fn digests(&self) -> BTreeMap<CopyId, [u8; DIGEST_LENGTH]> {
        self.copies
            .iter()
            .map(|(id, copy)| (*id, copy.digest))
            .collect()
    }
}

impl Replica for MemoryReplica {
    fn sync_items(
        &mut self,
        commune: &str,
    ) -> Result<Vec<(CopyId, [u8; DIGEST_LENGTH])>, ReplicaError> {
        Ok(self
            .copies
            .iter()
            .filter(|(_, copy)| copy.commune == commune)
            .map(|(id, copy)| (*id, copy.digest))
            .collect())
    }

    fn copy_bytes(&mut self, copy_id: CopyId) -> Result<Option<Vec<u8>>, ReplicaError> {
        Ok(self.copies.get(&copy_id).map(|copy| copy.bytes.clone()))
    }

    fn trust_bundle(&mut self) -> Result<Option<Vec<u8>>, ReplicaError> {
        Ok(self.trust_bundle.clone())
    }

    fn missing_blobs(
        &mut self,
        commune: &str,
        limit: usize,
    ) -> Result<Vec<WantedBlob>, ReplicaError> {
        let mut seen = BTreeSet::new();
        Ok(self
            .copies
            .values()
            .filter(|copy| copy.commune == commune)
            .flat_map(|copy| copy.pages.iter())
            .filter(|(hash, _)| !self.blobs.contains_key(hash) && seen.insert(*hash))
            .take(limit)
            .map(|(sha256, media_type)| WantedBlob {
                sha256: *sha256,
                media_type: media_type.clone(),
            })
            .collect())
    }

    fn blob_size(&mut self, sha256: &[u8; 32]) -> Result<Option<u64>, ReplicaError> {
        Ok(self.blobs.get(sha256).map(|bytes| bytes.len() as u64))
    }

    fn blob_range(
        &mut self,
        sha256: &[u8; 32],
        offset: u64,
        length: u32,
    ) -> Result<Option<Vec<u8>>, ReplicaError> {
        Ok(self.blobs.get(sha256).map(|bytes| {
            let start = usize::try_from(offset)
                .unwrap_or(usize::MAX)
                .min(bytes.len());
            let end = start.saturating_add(length as usize).min(bytes.len());
            bytes[start..end].to_vec()
        }))
    }

    fn partial_blob(&mut self, sha256: &[u8; 32]) -> Result<Option<PartialBlob>, ReplicaError> {
        Ok(self
            .partial
            .get(sha256)
            .map(|(layout, chunks)| PartialBlob {
                layout: layout.clone(),
                received: chunks.keys().copied().collect(),
            }))
    }

    fn items_generation(&mut self) -> Result<Option<u64>, ReplicaError> {
        Ok(Some(self.generation))
    }

    fn status_items(
        &mut self,
        commune: &str,
    ) -> Result<Vec<(bansao_trust::KeyId, [u8; DIGEST_LENGTH])>, ReplicaError> {
        Ok(self
            .statuses
            .values()
            .filter(|status| status.commune.as_deref() == Some(commune))
            .map(|status| (status.reporter, status.digest()))
            .collect())
    }

    fn status_bytes(
        &mut self,
        reporter: bansao_trust::KeyId,
    ) -> Result<Option<Vec<u8>>, ReplicaError> {
        Ok(self
            .statuses
            .get(&reporter)
            .map(|status| status.bytes.clone()))
    }
}
