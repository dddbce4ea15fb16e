//! The Merkle tree over stored tiles: appending entries ([`append`], which returns the tiles to
//! write and the new [`TreeHead`]), the head of any earlier size ([`tree_head`]), and the hash of
//! any range of leaves (RFC 6962's `MTH(D[lo:hi])`), which the proofs are built from.

use std::collections::HashMap;

use crate::hash::{
    Hash, MAX_TREE_SIZE, TreeHead, empty_tree_hash, leaf_hash, node_hash, perfect_root,
};
use crate::store::{Overlay, TileStore, TileUpdate};
use crate::tile::{TILE_HEIGHT, TILE_WIDTH, TileId, hashes_at_tile_level};

/// The largest entry the log takes: an entry bundle prefixes each entry with a 16-bit length.
pub const MAX_ENTRY_BYTES: usize = u16::MAX as usize;

/// Reading the tree's hashes failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TreeError {
    /// The store could not be read.
    #[error("the tile store could not be read")]
    Store(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// A tile the tree needs holds too few hashes: the store is behind the size asked for.
    #[error("tile {tile:?} holds {held} hashes, the tree needs {needed}")]
    MissingHashes {
        /// The tile.
        tile: TileId,
        /// How many it holds.
        held: usize,
        /// How many are needed.
        needed: usize,
    },
    /// The size is beyond what this crate handles.
    #[error("a tree of {0} leaves is larger than 2^63")]
    TooLarge(u64),
}

/// Appending failed; nothing is to be written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AppendError {
    /// Reading the hashes already there failed.
    #[error(transparent)]
    Tree(#[from] TreeError),
    /// An entry is larger than an entry bundle can carry.
    #[error("entry {position} of the batch is {length} bytes, more than {MAX_ENTRY_BYTES}")]
    EntryTooLarge {
        /// Its position in the batch.
        position: usize,
        /// Its length.
        length: usize,
    },
    /// The tree would grow beyond 2^63 leaves.
    #[error("the tree would grow beyond 2^63 leaves")]
    TooLarge,
    /// The store holds hashes past the size appended to: appending there would rewrite them.
    #[error("tile {tile:?} already holds {held} hashes, more than a tree of {size} leaves has")]
    StoreAhead {
        /// The size the caller appended to.
        size: u64,
        /// The tile.
        tile: TileId,
        /// How many hashes it holds.
        held: usize,
    },
}

/// What an append produced: the new head and the tiles to write (in the same transaction as the
/// entries themselves).
#[derive(Clone, Debug)]
#[must_use = "the tile updates must be written to the store"]
pub struct Appended {
    /// The tree after the append.
    pub head: TreeHead,
    /// Every tile whose contents changed, with all of its hashes.
    pub updates: Vec<TileUpdate>,
}

/// Appends `entries` to the tree of `size` leaves held in `store`.
pub fn append<S: TileStore>(
    store: &S,
    size: u64,
    entries: &[impl AsRef<[u8]>],
) -> Result<Appended, AppendError> {
    let mut leaf_hashes = Vec::with_capacity(entries.len());
    for (position, entry) in entries.iter().enumerate() {
        let entry = entry.as_ref();
        if entry.len() > MAX_ENTRY_BYTES {
            return Err(AppendError::EntryTooLarge {
                position,
                length: entry.len(),
            });
        }
        leaf_hashes.push(leaf_hash(entry));
    }
    append_leaf_hashes(store, size, leaf_hashes)
}

/// Appends leaves given by their leaf hashes (for callers that hashed the entries already).
pub fn append_leaf_hashes<S: TileStore>(
    store: &S,
    size: u64,
    leaf_hashes: Vec<Hash>,
) -> Result<Appended, AppendError> {
    let added = u64::try_from(leaf_hashes.len()).map_err(|_| AppendError::TooLarge)?;
    let new_size = size
        .checked_add(added)
        .filter(|new_size| *new_size <= MAX_TREE_SIZE)
        .ok_or(AppendError::TooLarge)?;
    let mut updates = Vec::new();
    let mut new_hashes = leaf_hashes;
    let mut level: u8 = 0;
    while !new_hashes.is_empty() {
        let held_at_level = hashes_at_tile_level(size, level);
        let mut tile = TileId {
            level,
            index: held_at_level / TILE_WIDTH,
        };
        let offset = usize::try_from(held_at_level % TILE_WIDTH).unwrap_or(0);
        let mut current = store
            .read_tile(tile)
            .map_err(|error| TreeError::Store(Box::new(error)))?
            .unwrap_or_default();
        if current.len() != offset {
            return Err(if current.len() > offset {
                AppendError::StoreAhead {
                    size,
                    tile,
                    held: current.len(),
                }
            } else {
                TreeError::MissingHashes {
                    tile,
                    held: current.len(),
                    needed: offset,
                }
                .into()
            });
        }
        let mut roots_of_full_tiles = Vec::new();
        for hash in new_hashes {
            current.push(hash);
            if current.len() as u64 == TILE_WIDTH {
                roots_of_full_tiles.push(perfect_root(&current));
                updates.push(TileUpdate {
                    tile,
                    hashes: std::mem::take(&mut current),
                });
                tile.index += 1;
            }
        }
        if !current.is_empty() {
            updates.push(TileUpdate {
                tile,
                hashes: current,
            });
        }
        new_hashes = roots_of_full_tiles;
        level += 1;
    }
    let head = tree_head(&Overlay::new(store, &updates), new_size)?;
    Ok(Appended { head, updates })
}

/// The head of the tree of `size` leaves (any size the store has reached).
pub fn tree_head<S: TileStore>(store: &S, size: u64) -> Result<TreeHead, TreeError> {
    if size > MAX_TREE_SIZE {
        return Err(TreeError::TooLarge(size));
    }
    let root = if size == 0 {
        empty_tree_hash()
    } else {
        HashReader::new(store).range_hash(0, size)?
    };
    Ok(TreeHead { size, root })
}

/// Reads subtree hashes from tiles, keeping the tiles it read for the rest of one operation.
#[derive(Debug)]
pub(crate) struct HashReader<'a, S> {
    store: &'a S,
    tiles: HashMap<TileId, Vec<Hash>>,
}

impl<'a, S: TileStore> HashReader<'a, S> {
    pub(crate) fn new(store: &'a S) -> HashReader<'a, S> {
        HashReader {
            store,
            tiles: HashMap::new(),
        }
    }

    /// `MTH(D[lo:hi])` for `lo < hi`: split at the largest power of two below the length, as
    /// RFC 6962 §2.1 defines it, down to perfect aligned subtrees read from tiles.
    pub(crate) fn range_hash(&mut self, lo: u64, hi: u64) -> Result<Hash, TreeError> {
        let length = hi - lo;
        if length.is_power_of_two() && lo.is_multiple_of(length) {
            return self.perfect_subtree_hash(length.trailing_zeros(), lo / length);
        }
        let split = largest_power_of_two_below(length);
        let left = self.range_hash(lo, lo + split)?;
        let right = self.range_hash(lo + split, hi)?;
        Ok(node_hash(&left, &right))
    }

    /// The root of the perfect subtree of height `height` that is `index`-th from the left:
    /// `2^(height mod 8)` consecutive hashes of one tile at tile level `height / 8`, hashed.
    fn perfect_subtree_hash(&mut self, height: u32, index: u64) -> Result<Hash, TreeError> {
        let level = u8::try_from(height / TILE_HEIGHT).unwrap_or(u8::MAX);
        let height_in_tile = height % TILE_HEIGHT;
        let first = index << height_in_tile;
        let tile = TileId {
            level,
            index: first / TILE_WIDTH,
        };
        let offset = usize::try_from(first % TILE_WIDTH).unwrap_or(0);
        let count = 1usize << height_in_tile;
        let hashes = self.tile(tile)?;
        let span = hashes
            .get(offset..offset + count)
            .ok_or(TreeError::MissingHashes {
                tile,
                held: hashes.len(),
                needed: offset + count,
            })?;
        Ok(perfect_root(span))
    }

    fn tile(&mut self, tile: TileId) -> Result<&[Hash], TreeError> {
        if !self.tiles.contains_key(&tile) {
            let hashes = self
                .store
                .read_tile(tile)
                .map_err(|error| TreeError::Store(Box::new(error)))?
                .unwrap_or_default();
            self.tiles.insert(tile, hashes);
        }
        Ok(self.tiles.get(&tile).map(Vec::as_slice).unwrap_or_default())
    }
}

/// The largest power of two strictly below `length` (for `length >= 2`), RFC 6962's `k`.
pub(crate) fn largest_power_of_two_below(length: u64) -> u64 {
    debug_assert!(length >= 2);
    1 << (u64::BITS - 1 - (length - 1).leading_zeros())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::MemoryTileStore;

    #[test]
    fn the_split_is_the_largest_power_of_two_below() {
        assert_eq!(largest_power_of_two_below(2), 1);
        assert_eq!(largest_power_of_two_below(3), 2);
        assert_eq!(largest_power_of_two_below(4), 2);
        assert_eq!(largest_power_of_two_below(5), 4);
        assert_eq!(largest_power_of_two_below(1 << 40), 1 << 39);
    }

    #[test]
    fn appending_to_a_size_the_store_has_passed_is_refused() {
        let mut store = MemoryTileStore::new();
        let appended = append(&store, 0, &[b"a", b"b"]).unwrap();
        store.apply(appended.updates);
        assert!(matches!(
            append(&store, 1, &[b"c"]),
            Err(AppendError::StoreAhead { size: 1, .. })
        ));
        assert!(matches!(
            append(&store, 3, &[b"c"]),
            Err(AppendError::Tree(TreeError::MissingHashes { .. }))
        ));
    }

    #[test]
    fn an_entry_too_large_for_a_bundle_is_refused() {
        let store = MemoryTileStore::new();
        let large = vec![0u8; MAX_ENTRY_BYTES + 1];
        assert!(matches!(
            append(&store, 0, &[large]),
            Err(AppendError::EntryTooLarge { position: 0, .. })
        ));
    }
}
