//! The sans-IO sync core: replication of copy documents, the trust bundle and scans between two
//! nodes, with no socket, database, clock or thread inside.
//!
//! A [`Session`] is fed the peer's frames and the current time and hands back frames to send and
//! [`StorageEffect`]s to make durable; it reads the node's data through the small [`Replica`]
//! trait. The shells live elsewhere: QUIC and SQLite in the node (`bansao::sync`), LAN discovery
//! in `bansao-discovery`. Because the core is deterministic, `simulation` (feature `testing`)
//! can drive many nodes through drops, delays and partitions from one seed.
//!
//! How a session runs is in [`session`]; what a link shares is in [`policy`]; how scans move is
//! in [`blobs`]; what is checked before anything is stored is in [`validate`] (and [`precheck`] runs those
//! checks ahead, off the session's thread); the node status documents that travel upstream are
//! in [`status`].

mod blob_phase;
pub mod blobs;
mod documents;
mod phase;
pub mod policy;
pub mod precheck;
mod reconcile;
pub mod reconcile_cache;
pub mod replica;
pub mod session;
pub mod stats;
pub mod status;
mod status_phase;
pub mod validate;
pub mod wire;

#[cfg(feature = "testing")]
pub mod memory;
#[cfg(feature = "testing")]
pub mod simulation;

pub use policy::{LinkPolicy, NodeIdentity, link_policy};
pub use precheck::{DocumentChecker, PrecheckedFrame};
pub use reconcile_cache::ReconcileCache;
pub use replica::{BlobLayout, PartialBlob, Replica, ReplicaError, StorageEffect, WantedBlob};
pub use session::{Session, SessionConfig, SessionError, Side};
pub use stats::SessionStats;
pub use wire::{ErrorCode, Message, PROTOCOL_VERSION};
