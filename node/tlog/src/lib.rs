//! The city's transparency log, without IO.
//!
//! A tour:
//! - [`hash`]: RFC 6962 leaf and node hashes, [`TreeHead`].
//! - [`tile`]: the c2sp.org/tlog-tiles layout: [`TileId`], tile paths ([`TileRequest`]).
//! - [`store`]: the [`TileStore`] trait the city's database implements (tiles of 256 hashes),
//!   and [`MemoryTileStore`].
//! - [`tree`]: [`append`] entries (it returns the tiles to write and the new head),
//!   [`tree_head`] of any size reached.
//! - [`proof`]: inclusion and consistency proofs built from tiles and verified by `ct-merkle`.
//!
//! This crate does no IO and reads no clock: the caller hands in what it read and writes what
//! it is given back.

pub mod hash;
pub mod proof;
pub mod store;
pub mod tile;
pub mod tree;

pub use hash::{Hash, MAX_TREE_SIZE, TreeHead, empty_tree_hash, leaf_hash, node_hash};
pub use proof::{
    ConsistencyProof, InclusionProof, ProofError, ProveError, prove_consistency, prove_inclusion,
    verify_consistency, verify_inclusion,
};
pub use store::{MemoryTileStore, TileStore, TileUpdate};
pub use tile::{TileId, TileRequest, TileWidth};
pub use tree::{AppendError, Appended, TreeError, append, append_leaf_hashes, tree_head};
