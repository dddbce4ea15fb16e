//! The sync shell: runs the sans-IO sessions of `bansao-sync` over QUIC streams from
//! `bansao-sync-net`, with the node's SQLite file as storage.
//!
//! - [`trust`]: the trust list a running node syncs under, replaced when a newer one arrives;
//! - [`authorize`]: the handshake check (the peer's key must count now and be a possible link);
//! - [`replica`]: the core's [`bansao_sync::Replica`] over [`bansao_store::Store`], and the
//!   durable application of its storage effects;
//! - [`stream`]: one session driven over one QUIC bi-stream (storage on a blocking thread);
//! - [`backoff`]: reconnection delays with jitter;
//! - [`city_rounds`]: the city's transparency log rounds, after intake and on a timer;
//! - [`peers`]: the per-peer state `bansao status` prints;
//! - [`status_report`]: this node's signed status document, which syncs upstream, and how any
//!   status is kept;
//! - [`service`]: the node's sync service: listener, upstream rounds with backoff, LAN peers.

pub mod authorize;
pub mod backoff;
pub mod city_rounds;
pub mod peers;
pub mod replica;
pub mod service;
pub mod status_report;
pub mod stream;
pub mod trust;

/// The sync shell could not do its work.
#[derive(Debug, thiserror::Error)]
pub enum SyncShellError {
    /// A node file could not be used.
    #[error(transparent)]
    File(#[from] crate::files::FileError),
    /// The node's database could not be used.
    #[error(transparent)]
    Store(#[from] bansao_store::StoreError),
    /// The trust file is not a valid bundle.
    #[error("the trust file {path} is not usable: {source}")]
    Trust {
        /// The file.
        path: std::path::PathBuf,
        /// Why.
        source: bansao_trust::TrustBundleError,
    },
    /// The configuration is not usable.
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    /// The node's own certificate does not count in its trust list.
    #[error("this node's key {key_id} does not count in its trust list: {reason}")]
    NotTrusted {
        /// The node key.
        key_id: bansao_trust::KeyId,
        /// Why.
        reason: String,
    },
    /// QUIC could not be set up.
    #[error("cannot set up QUIC: {0}")]
    Tls(#[from] bansao_sync_net::TlsError),
    /// A socket could not be opened or an address resolved.
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// Why it failed.
        source: std::io::Error,
    },
    /// Connecting to a peer failed.
    #[error("cannot connect to {address}: {reason}")]
    Connect {
        /// The peer's address.
        address: String,
        /// Why.
        reason: String,
    },
    /// Randomness was unavailable.
    #[error(transparent)]
    Entropy(#[from] crate::entropy::EntropyError),
    /// The trust file is older than the trust this node has used.
    #[error(transparent)]
    TrustFloor(#[from] crate::trust_floor::TrustFloorError),
    /// The node directory could not be opened.
    #[error(transparent)]
    Node(#[from] crate::node_dir::NodeError),
}
