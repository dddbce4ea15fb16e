//! The core's view of a node's storage: reads through [`Replica`], writes as [`StorageEffect`]s.
//!
//! The core never touches a database. It reads what it needs through this small trait (the
//! SQLite shell implements it over `bansao-store`, the simulation over memory) and hands every
//! write back to the shell as an effect, which the shell applies, each in one durable
//! transaction, before feeding the session its next message. So the core can be driven by a
//! deterministic simulation, and the shell decides how writes are made durable.

use bansao_copy::{CopyDocument, CopyId, CopyStatus};

/// A storage failure inside the shell, carried as text (the core only reports it).
pub type ReplicaError = Box<dyn std::error::Error + Send + Sync>;

/// Length of the heads digest items carry.
pub const DIGEST_LENGTH: usize = bansao_copy::document::HEADS_DIGEST_LENGTH;

/// A scan's chunk layout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobLayout {
    /// Media type (from the copy's page reference).
    pub media_type: String,
    /// Total size in bytes.
    pub size: u64,
    /// Chunk size in bytes.
    pub chunk_size: u32,
    /// SHA-256 of every chunk, in order.
    pub chunk_hashes: Vec<[u8; 32]>,
}

/// A scan this node is receiving: its layout and the chunks it already holds durably.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartialBlob {
    /// The layout.
    pub layout: BlobLayout,
    /// Chunk indexes held.
    pub received: std::collections::BTreeSet<u32>,
}

/// A scan referenced by a stored copy that this node does not hold whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WantedBlob {
    /// Its SHA-256.
    pub sha256: [u8; 32],
    /// Its media type.
    pub media_type: String,
}

/// What the core reads.
pub trait Replica {
    /// Every copy of `commune` as `(copy id, heads digest)`.
    fn sync_items(
        &mut self,
        commune: &str,
    ) -> Result<Vec<(CopyId, [u8; DIGEST_LENGTH])>, ReplicaError>;
    /// A stored copy's document bytes.
    fn copy_bytes(&mut self, copy_id: CopyId) -> Result<Option<Vec<u8>>, ReplicaError>;
    /// Several copies' document bytes, in the order asked. Shells that can read many at once
    /// cheaper than one by one (one SQL query for many rows) override this.
    fn copies_bytes(&mut self, copy_ids: &[CopyId]) -> Result<Vec<Option<Vec<u8>>>, ReplicaError> {
        copy_ids
            .iter()
            .map(|copy_id| self.copy_bytes(*copy_id))
            .collect()
    }
    /// The node's current trust bundle (`trust.cbor`).
    fn trust_bundle(&mut self) -> Result<Option<Vec<u8>>, ReplicaError>;
    /// Up to `limit` scans that copies of `commune` reference and this node does not hold.
    fn missing_blobs(
        &mut self,
        commune: &str,
        limit: usize,
    ) -> Result<Vec<WantedBlob>, ReplicaError>;
    /// The size of a stored scan, if held whole.
    fn blob_size(&mut self, sha256: &[u8; 32]) -> Result<Option<u64>, ReplicaError>;
    /// `length` bytes of a stored scan from `offset`.
    fn blob_range(
        &mut self,
        sha256: &[u8; 32],
        offset: u64,
        length: u32,
    ) -> Result<Option<Vec<u8>>, ReplicaError>;
    /// A scan being received, if a transfer was started.
    fn partial_blob(&mut self, sha256: &[u8; 32]) -> Result<Option<PartialBlob>, ReplicaError>;
    /// A number that changes whenever [`Replica::sync_items`] may return other items, so a
    /// reconciliation set built at one generation can be reused at the same generation
    /// (`None`: unknown, never reuse).
    fn items_generation(&mut self) -> Result<Option<u64>, ReplicaError> {
        Ok(None)
    }
    /// The node statuses held whose reporter is of `commune`, as `(reporter, digest)` with the
    /// digest of [`crate::status::status_digest`]. Their changes must move
    /// [`Replica::items_generation`] too. A replica that keeps no statuses has none.
    fn status_items(
        &mut self,
        _commune: &str,
    ) -> Result<Vec<(bansao_trust::KeyId, [u8; DIGEST_LENGTH])>, ReplicaError> {
        Ok(Vec::new())
    }
    /// The held status of `reporter` (its signed bytes).
    fn status_bytes(
        &mut self,
        _reporter: bansao_trust::KeyId,
    ) -> Result<Option<Vec<u8>>, ReplicaError> {
        Ok(None)
    }
}

/// A write the shell must make durable before the session's next input.
#[derive(Debug)]
pub enum StorageEffect {
    /// Store these copies (new or merged) with their derived status, all in one transaction.
    SaveCopies(Vec<(CopyDocument, CopyStatus)>),
    /// Replace the node's trust bundle (verified newer and from the same root).
    AdoptTrustBundle(Vec<u8>),
    /// Start receiving a scan with this layout (dropping chunks of an older layout).
    StartBlob {
        /// The scan.
        sha256: [u8; 32],
        /// Its layout.
        layout: BlobLayout,
    },
    /// Store one verified chunk.
    PutBlobChunk {
        /// The scan.
        sha256: [u8; 32],
        /// Chunk index.
        index: u32,
        /// The bytes.
        bytes: Vec<u8>,
    },
    /// Every chunk is stored: assemble the scan and check its SHA-256 (discarding it if wrong).
    CompleteBlob {
        /// The scan.
        sha256: [u8; 32],
    },
    /// Keep this node status as its reporter's newest (checked, and newer than the status held
    /// when the session looked; the shell keeps the newest if another session stored one since).
    SaveStatus(Box<crate::status::VerifiedStatus>),
}
