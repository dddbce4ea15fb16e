//! Where the log's hashes live: the [`TileStore`] trait the city's database implements (one row
//! per tile), [`TileUpdate`]s that appending hands back for the caller to write in its own
//! transaction, and [`MemoryTileStore`] for tests and benchmarks.
//!
//! Only tiles are stored, never single nodes: a tile of level `L` holds tree level `8 L`, so a
//! log of `n` leaves keeps about `1.004 n` hashes (32 bytes each), and the nodes between tile
//! levels are hashed again from one tile when a proof needs them. A stored tile only ever grows
//! (the log is append-only), so the store keeps the widest version of each tile and a narrower,
//! older partial tile is a prefix of it.

use std::collections::HashMap;
use std::convert::Infallible;

use crate::hash::Hash;
use crate::tile::TileId;

/// Reads the hashes of stored tiles.
///
/// Architecture Invariant: a tile's hashes are never changed once written, only appended to:
/// the store writes [`TileUpdate`]s as given (a wider version replaces a narrower one).
pub trait TileStore {
    /// What went wrong reading (the database's error).
    type Error: std::error::Error + Send + Sync + 'static;

    /// The hashes held for `tile` (1 to 256 of them), or `None` when nothing was written.
    fn read_tile(&self, tile: TileId) -> Result<Option<Vec<Hash>>, Self::Error>;
}

impl<S: TileStore + ?Sized> TileStore for &S {
    type Error = S::Error;

    fn read_tile(&self, tile: TileId) -> Result<Option<Vec<Hash>>, Self::Error> {
        (**self).read_tile(tile)
    }
}

/// A tile's new contents after an append, all of its hashes so far: write it over the old.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct TileUpdate {
    /// Which tile.
    pub tile: TileId,
    /// Its hashes now (1 to 256).
    pub hashes: Vec<Hash>,
}

/// Tiles held in memory.
#[derive(Clone, Default, Debug)]
pub struct MemoryTileStore {
    tiles: HashMap<TileId, Vec<Hash>>,
}

impl MemoryTileStore {
    /// An empty store.
    pub fn new() -> MemoryTileStore {
        MemoryTileStore::default()
    }

    /// Writes the updates an append returned.
    pub fn apply(&mut self, updates: Vec<TileUpdate>) {
        for update in updates {
            self.tiles.insert(update.tile, update.hashes);
        }
    }

    /// How many tiles are held.
    pub fn tile_count(&self) -> usize {
        self.tiles.len()
    }
}

impl TileStore for MemoryTileStore {
    type Error = Infallible;

    fn read_tile(&self, tile: TileId) -> Result<Option<Vec<Hash>>, Infallible> {
        Ok(self.tiles.get(&tile).cloned())
    }
}

/// A store seen with pending updates laid over it, so the new tree head can be computed before
/// the caller has written anything.
#[derive(Debug)]
pub(crate) struct Overlay<'a, S> {
    pub(crate) base: &'a S,
    pub(crate) pending: HashMap<TileId, &'a [Hash]>,
}

impl<'a, S: TileStore> Overlay<'a, S> {
    pub(crate) fn new(base: &'a S, updates: &'a [TileUpdate]) -> Overlay<'a, S> {
        let pending = updates
            .iter()
            .map(|update| (update.tile, update.hashes.as_slice()))
            .collect();
        Overlay { base, pending }
    }
}

impl<S: TileStore> TileStore for Overlay<'_, S> {
    type Error = S::Error;

    fn read_tile(&self, tile: TileId) -> Result<Option<Vec<Hash>>, S::Error> {
        match self.pending.get(&tile) {
            Some(hashes) => Ok(Some(hashes.to_vec())),
            None => self.base.read_tile(tile),
        }
    }
}

/// A store whose tiles are read once and then kept, for many proofs in one tree state (the
/// city writes a round's inclusion proofs 500 at a time, each path touching the same few upper
/// tiles). Only for reads while nothing is appended: a tile kept partial would not see hashes
/// written after it was read.
#[derive(Debug)]
pub struct CachedTiles<S> {
    store: S,
    kept: std::cell::RefCell<HashMap<TileId, Option<Vec<Hash>>>>,
}

impl<S: TileStore> CachedTiles<S> {
    /// `store`, read through a cache that starts empty.
    pub fn new(store: S) -> CachedTiles<S> {
        CachedTiles {
            store,
            kept: std::cell::RefCell::new(HashMap::new()),
        }
    }
}

impl<S: TileStore> TileStore for CachedTiles<S> {
    type Error = S::Error;

    fn read_tile(&self, tile: TileId) -> Result<Option<Vec<Hash>>, S::Error> {
        if let Some(kept) = self.kept.borrow().get(&tile) {
            return Ok(kept.clone());
        }
        let read = self.store.read_tile(tile)?;
        self.kept.borrow_mut().insert(tile, read.clone());
        Ok(read)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::measure::build_memory_log;
    use crate::proof::prove_inclusion;

    /// Counts the reads that reach the store underneath.
    struct Counting<'a> {
        store: &'a MemoryTileStore,
        reads: std::cell::Cell<usize>,
    }

    impl TileStore for Counting<'_> {
        type Error = Infallible;

        fn read_tile(&self, tile: TileId) -> Result<Option<Vec<Hash>>, Infallible> {
            self.reads.set(self.reads.get() + 1);
            self.store.read_tile(tile)
        }
    }

    #[test]
    fn proofs_read_through_the_cache_are_the_store_s_and_each_tile_is_read_once() {
        let (store, head) = build_memory_log(70_000).unwrap();
        let counting = Counting {
            store: &store,
            reads: std::cell::Cell::new(0),
        };
        let cached = CachedTiles::new(&counting);
        for leaf in (0..head.size).step_by(997) {
            assert_eq!(
                prove_inclusion(&cached, head.size, leaf).unwrap(),
                prove_inclusion(&store, head.size, leaf).unwrap()
            );
        }
        let reads = counting.reads.get();
        let before = reads;
        for leaf in (0..head.size).step_by(997) {
            prove_inclusion(&cached, head.size, leaf).unwrap();
        }
        assert_eq!(counting.reads.get(), before, "a second pass reads nothing");
        assert!(
            reads <= store.tile_count(),
            "{reads} reads of {} tiles",
            store.tile_count()
        );
    }
}
