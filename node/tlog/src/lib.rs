//! The city's transparency log, without IO: an append-only RFC 6962 Merkle tree of the events
//! the city learns (issued copies, counter-signatures, registrations, revocations), stored as
//! c2sp.org/tlog-tiles tiles, with signed checkpoints and the checks wards and kiosks make.
//!
//! A tour:
//! - [`hash`]: RFC 6962 leaf and node hashes, [`TreeHead`].
//! - [`tile`]: the tlog-tiles layout: [`TileId`], tile paths ([`TileRequest`]).
//! - [`store`]: the [`TileStore`] trait the city's database implements (tiles of 256 hashes),
//!   and [`MemoryTileStore`].
//! - [`tree`]: [`append`] entries (it returns the tiles to write and the new head),
//!   [`tree_head`] of any size reached.
//! - [`proof`]: inclusion and consistency proofs built from tiles, verified by `ct-merkle`.
//! - [`note`] and [`checkpoint`]: c2sp.org/signed-note with Ed25519 and
//!   c2sp.org/tlog-checkpoint; a [`VerifiedCheckpoint`] exists only once a known key's
//!   signature is checked.
//! - [`fork`]: [`check_consistency`] of an offered checkpoint with the one held: consistent,
//!   older, a fork (with evidence), or a proof that shows nothing.
//! - [`bundle`] and [`serve`]: entry bundles and the answer to a tile request, for the node's
//!   HTTP layer.
//! - [`measure`]: the figures `bansao bench` prints (proof size and verify time at 10 million
//!   leaves), with the clock handed in.
//!
//! This crate does no IO and reads no clock: the caller hands in what it read and writes what
//! it is given back.

pub mod bundle;
pub mod checkpoint;
pub mod fork;
pub mod hash;
pub mod measure;
pub mod note;
pub mod proof;
pub mod serve;
pub mod store;
pub mod tile;
pub mod tree;

pub use bundle::{BundleError, decode_entry_bundle, encode_entry_bundle};
pub use checkpoint::{Checkpoint, CheckpointError, VerifiedCheckpoint};
pub use fork::{ConsistencyVerdict, ForkEvidence, ForkShownBy, OtherLog, check_consistency};
pub use hash::{Hash, MAX_TREE_SIZE, TreeHead, empty_tree_hash, leaf_hash, node_hash};
pub use note::{
    MalformedNote, Note, NoteKeyId, NoteKeyName, NoteSignature, NoteSigner, NoteVerifier,
    NoteVerifyError, VerifiedNote, sign_note,
};
pub use proof::{
    ConsistencyProof, InclusionProof, ProofError, ProveError, prove_consistency, prove_inclusion,
    verify_consistency, verify_inclusion,
};
pub use serve::{EntryStore, ServeError, serve_tile_path, serve_tile_request};
pub use store::{CachedTiles, MemoryTileStore, TileStore, TileUpdate};
pub use tile::{TileId, TileRequest, TileWidth};
pub use tree::{AppendError, Appended, TreeError, append, append_leaf_hashes, tree_head};
