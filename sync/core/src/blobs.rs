//! Scans as content-addressed, chunked, resumable transfers.
//!
//! A scan is known by the SHA-256 the signed copy content names. The receiver asks for its
//! *layout* (size and the SHA-256 of every [`CHUNK_SIZE`] chunk) and then for chunks, keeping at
//! most one chunk request outstanding per scan and [`BlobFetcher`]'s `max_active` scans in
//! flight, which keeps a slow link full while bounding what a cut can waste to one chunk per
//! interrupted scan. Each chunk is checked against the layout as it arrives and stored durably
//! on its own, so after a cut the next session asks only for the chunks still missing. When all
//! are in, the shell assembles the scan and checks it against the content's SHA-256: a lying
//! layout costs one scan's transfer and is then discarded, never stored.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use serde_bytes::{ByteArray, ByteBuf};
use sha2::{Digest, Sha256};

use crate::replica::{BlobLayout, Replica, ReplicaError, StorageEffect, WantedBlob};
use crate::validate::Refusal;
use crate::wire::{ErrorCode, Message};

/// Chunk size of every transfer.
pub const CHUNK_SIZE: u32 = 32 * 1024;

/// The largest scan accepted (a 600 dpi colour A4 page is well below).
pub const MAX_BLOB_BYTES: u64 = 64 * 1024 * 1024;

/// The layout of a scan's bytes.
pub fn layout_of(bytes: &[u8], media_type: &str) -> BlobLayout {
    BlobLayout {
        media_type: media_type.to_owned(),
        size: bytes.len() as u64,
        chunk_size: CHUNK_SIZE,
        chunk_hashes: bytes
            .chunks(CHUNK_SIZE as usize)
            .map(|chunk| <[u8; 32]>::from(Sha256::digest(chunk)))
            .collect(),
    }
}

fn chunk_count(size: u64) -> u64 {
    size.div_ceil(u64::from(CHUNK_SIZE))
}

fn invalid(detail: String) -> Refusal {
    Refusal {
        code: ErrorCode::InvalidData,
        detail,
    }
}

#[derive(Debug)]
struct ActiveBlob {
    media_type: String,
    layout: Option<BlobLayout>,
    received: BTreeSet<u32>,
    /// The chunk asked for and not yet received (`None` while nothing is outstanding).
    outstanding: Option<u32>,
}

impl ActiveBlob {
    fn next_missing(&self) -> Option<u32> {
        let layout = self.layout.as_ref()?;
        let count = u32::try_from(layout.chunk_hashes.len()).unwrap_or(u32::MAX);
        (0..count).find(|index| !self.received.contains(index))
    }
}

/// What the receiving side of a session does about scans.
#[derive(Debug, Default)]
pub struct BlobFetcher {
    queue: VecDeque<WantedBlob>,
    active: BTreeMap<[u8; 32], ActiveBlob>,
    max_active: usize,
    /// Scans completed in this session.
    pub completed: u64,
    /// Chunks received in this session.
    pub chunks_received: u64,
    /// Scans the peer did not have.
    pub missing_at_peer: u64,
}

impl BlobFetcher {
    /// A fetcher for `wanted`, with at most `max_active` scans in flight.
    pub fn new(wanted: Vec<WantedBlob>, max_active: usize) -> BlobFetcher {
        BlobFetcher {
            queue: wanted.into(),
            max_active: max_active.max(1),
            ..BlobFetcher::default()
        }
    }

    /// Scans still to fetch in this session.
    pub fn pending(&self) -> usize {
        self.queue.len() + self.active.len()
    }

    /// Whether nothing is left to fetch or outstanding.
    pub fn is_idle(&self) -> bool {
        self.queue.is_empty() && self.active.is_empty()
    }

    /// Starts scans up to the limit (resuming stored partial transfers) and returns the requests
    /// to send.
    pub fn next_requests(
        &mut self,
        replica: &mut dyn Replica,
    ) -> Result<Vec<Message>, ReplicaError> {
        let mut requests = Vec::new();
        while self.active.len() < self.max_active {
            let Some(wanted) = self.queue.pop_front() else {
                break;
            };
            if self.active.contains_key(&wanted.sha256) {
                continue;
            }
            let partial = replica
                .partial_blob(&wanted.sha256)?
                .filter(|partial| partial.layout.chunk_size == CHUNK_SIZE);
            let active = match partial {
                Some(partial) => ActiveBlob {
                    media_type: wanted.media_type,
                    layout: Some(partial.layout),
                    received: partial.received,
                    outstanding: None,
                },
                None => ActiveBlob {
                    media_type: wanted.media_type,
                    layout: None,
                    received: BTreeSet::new(),
                    outstanding: None,
                },
            };
            self.active.insert(wanted.sha256, active);
        }
        for (hash, active) in &mut self.active {
            if active.outstanding.is_some() {
                continue;
            }
            let message = match &active.layout {
                None => {
                    active.outstanding = Some(0);
                    Message::BlobWant {
                        hash: ByteArray::new(*hash),
                        manifest: true,
                        chunks: vec![0],
                    }
                }
                Some(_) => match active.next_missing() {
                    Some(index) => {
                        active.outstanding = Some(index);
                        Message::BlobWant {
                            hash: ByteArray::new(*hash),
                            manifest: false,
                            chunks: vec![index],
                        }
                    }
                    // Every chunk is already stored (a cut came between the last chunk and
                    // the assembly): the caller completes it.
                    None => continue,
                },
            };
            requests.push(message);
        }
        Ok(requests)
    }

    /// Scans whose chunks are all stored but which were not assembled yet (resumed transfers).
    pub fn take_already_complete(&mut self) -> Vec<StorageEffect> {
        let done: Vec<[u8; 32]> = self
            .active
            .iter()
            .filter(|(_, a)| {
                a.layout.is_some() && a.outstanding.is_none() && a.next_missing().is_none()
            })
            .map(|(hash, _)| *hash)
            .collect();
        done.into_iter()
            .map(|sha256| {
                self.active.remove(&sha256);
                self.completed += 1;
                StorageEffect::CompleteBlob { sha256 }
            })
            .collect()
    }

    /// A layout arrived.
    pub fn on_manifest(
        &mut self,
        hash: [u8; 32],
        size: u64,
        chunk_size: u32,
        chunk_hashes: &[u8],
    ) -> Result<Vec<StorageEffect>, Refusal> {
        let hex = hex_prefix(&hash);
        let Some(active) = self.active.get_mut(&hash) else {
            return Err(invalid(format!("unrequested layout of scan {hex}")));
        };
        if active.layout.is_some() {
            return Err(invalid(format!("second layout of scan {hex}")));
        }
        if chunk_size != CHUNK_SIZE
            || size == 0
            || size > MAX_BLOB_BYTES
            || chunk_hashes.len() as u64 != chunk_count(size) * 32
        {
            return Err(invalid(format!(
                "scan {hex}: layout of {size} bytes in chunks of {chunk_size} with {} hash bytes is not valid",
                chunk_hashes.len()
            )));
        }
        let layout = BlobLayout {
            media_type: active.media_type.clone(),
            size,
            chunk_size,
            chunk_hashes: chunk_hashes
                .chunks_exact(32)
                .filter_map(|h| <[u8; 32]>::try_from(h).ok())
                .collect(),
        };
        active.layout = Some(layout.clone());
        active.received.clear();
        Ok(vec![StorageEffect::StartBlob {
            sha256: hash,
            layout,
        }])
    }

    /// A chunk arrived: verified against the layout, stored, and the scan completed when whole.
    pub fn on_chunk(
        &mut self,
        hash: [u8; 32],
        index: u32,
        bytes: Vec<u8>,
    ) -> Result<Vec<StorageEffect>, Refusal> {
        let hex = hex_prefix(&hash);
        let Some(active) = self.active.get_mut(&hash) else {
            return Err(invalid(format!("unrequested chunk of scan {hex}")));
        };
        if active.outstanding != Some(index) {
            return Err(invalid(format!("unrequested chunk {index} of scan {hex}")));
        }
        let Some(layout) = &active.layout else {
            return Err(invalid(format!("chunk of scan {hex} before its layout")));
        };
        let expected = layout.chunk_hashes.get(index as usize);
        if expected != Some(&<[u8; 32]>::from(Sha256::digest(&bytes))) {
            return Err(invalid(format!(
                "chunk {index} of scan {hex} does not match its hash"
            )));
        }
        active.outstanding = None;
        active.received.insert(index);
        self.chunks_received += 1;
        let mut effects = vec![StorageEffect::PutBlobChunk {
            sha256: hash,
            index,
            bytes,
        }];
        if active.next_missing().is_none() {
            self.active.remove(&hash);
            self.completed += 1;
            effects.push(StorageEffect::CompleteBlob { sha256: hash });
        }
        Ok(effects)
    }

    /// The peer does not hold a scan: try it elsewhere, later.
    pub fn on_missing(&mut self, hash: [u8; 32]) {
        if self.active.remove(&hash).is_some() {
            self.missing_at_peer += 1;
        }
    }
}

/// What the sending side of a session does about scans: answers layouts at once, and chunks
/// lazily, one at a time, after every document message.
#[derive(Debug, Default)]
pub struct BlobServer {
    chunks: VecDeque<([u8; 32], u32)>,
    /// Chunks sent in this session.
    pub chunks_sent: u64,
}

impl BlobServer {
    /// Chunks queued.
    pub fn pending(&self) -> usize {
        self.chunks.len()
    }

    /// Answers a request: the layout (if asked) now, the chunks queued.
    pub fn on_want(
        &mut self,
        replica: &mut dyn Replica,
        hash: [u8; 32],
        manifest: bool,
        chunks: &[u32],
    ) -> Result<Option<Message>, ReplicaError> {
        let Some(size) = replica.blob_size(&hash)? else {
            return Ok(Some(Message::BlobMissing {
                hash: ByteArray::new(hash),
            }));
        };
        let count = chunk_count(size);
        self.chunks.extend(
            chunks
                .iter()
                .filter(|index| u64::from(**index) < count)
                .map(|index| (hash, *index)),
        );
        if !manifest {
            return Ok(None);
        }
        let Some(bytes) = replica.blob_range(&hash, 0, u32::try_from(size).unwrap_or(u32::MAX))?
        else {
            return Ok(Some(Message::BlobMissing {
                hash: ByteArray::new(hash),
            }));
        };
        let layout = layout_of(&bytes, "");
        Ok(Some(Message::BlobManifest {
            hash: ByteArray::new(hash),
            size: layout.size,
            chunk_size: layout.chunk_size,
            chunk_hashes: ByteBuf::from(layout.chunk_hashes.concat()),
        }))
    }

    /// The next chunk to send, if any.
    pub fn next_chunk(
        &mut self,
        replica: &mut dyn Replica,
    ) -> Result<Option<Message>, ReplicaError> {
        while let Some((hash, index)) = self.chunks.pop_front() {
            let offset = u64::from(index) * u64::from(CHUNK_SIZE);
            if let Some(bytes) = replica.blob_range(&hash, offset, CHUNK_SIZE)? {
                self.chunks_sent += 1;
                return Ok(Some(Message::BlobChunk {
                    hash: ByteArray::new(hash),
                    index,
                    bytes: ByteBuf::from(bytes),
                }));
            }
        }
        Ok(None)
    }
}

/// The first bytes of a hash in hex, for messages.
pub fn hex_prefix(hash: &[u8; 32]) -> String {
    hash[..6].iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_covers_every_byte() {
        let bytes = vec![7u8; CHUNK_SIZE as usize * 2 + 5];
        let layout = layout_of(&bytes, "image/png");
        assert_eq!(layout.chunk_hashes.len(), 3);
        assert_eq!(layout.size, bytes.len() as u64);
        assert_eq!(
            layout.chunk_hashes[2],
            <[u8; 32]>::from(Sha256::digest([7u8; 5]))
        );
    }

    #[test]
    fn a_chunk_that_does_not_match_is_refused_and_nothing_stored() {
        let bytes = vec![1u8; 100];
        let layout = layout_of(&bytes, "image/png");
        let hash = <[u8; 32]>::from(Sha256::digest(&bytes));
        let mut fetcher = BlobFetcher::new(
            vec![WantedBlob {
                sha256: hash,
                media_type: "image/png".to_owned(),
            }],
            1,
        );
        fetcher.active.insert(
            hash,
            ActiveBlob {
                media_type: "image/png".to_owned(),
                layout: None,
                received: BTreeSet::new(),
                outstanding: Some(0),
            },
        );
        fetcher.queue.clear();
        let effects = fetcher
            .on_manifest(hash, 100, CHUNK_SIZE, &layout.chunk_hashes.concat())
            .unwrap();
        assert!(matches!(effects[..], [StorageEffect::StartBlob { .. }]));
        let refused = fetcher.on_chunk(hash, 0, vec![2u8; 100]).unwrap_err();
        assert_eq!(refused.code, ErrorCode::InvalidData);
        let effects = fetcher.on_chunk(hash, 0, bytes).unwrap();
        assert!(matches!(
            effects[..],
            [
                StorageEffect::PutBlobChunk { .. },
                StorageEffect::CompleteBlob { .. }
            ]
        ));
        assert!(fetcher.is_idle());
    }
}
