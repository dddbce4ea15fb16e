//! Why discovery could not start.

use std::net::IpAddr;
use std::time::Duration;

/// [`LanDiscovery::start`](crate::LanDiscovery::start) failed. Once started, discovery does not
/// fail: interfaces that cannot be used are logged and skipped, as libp2p's mDNS does.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DiscoveryError {
    /// Port 0 was given as the QUIC port to announce.
    #[error("the QUIC port to announce is 0; give the port the sync endpoint listens on")]
    ZeroQuicPort,
    /// The query interval is zero.
    #[error("the mDNS query interval must be longer than zero")]
    ZeroQueryInterval,
    /// Announcements would expire between two queries.
    #[error(
        "the mDNS record time-to-live ({ttl:?}) is shorter than the query interval \
         ({query_interval:?}), so nodes would expire between two queries"
    )]
    TtlShorterThanQueryInterval {
        /// The configured time-to-live.
        ttl: Duration,
        /// The configured query interval.
        query_interval: Duration,
    },
    /// The listen address is loopback, multicast or broadcast: nothing on the LAN could reach it
    /// (and mDNS does not run on loopback interfaces).
    #[error("{0} cannot be announced on a LAN; give 0.0.0.0, :: or an address of a LAN interface")]
    UnusableListenIp(IpAddr),
    /// The node's public key has no libp2p PeerId (does not happen for a valid Ed25519 key).
    #[error("the node's public key could not be encoded as a libp2p PeerId")]
    PeerIdEncoding,
    /// The discovery thread, its runtime, the interface watcher or the mDNS service could not be
    /// created.
    #[error("could not start LAN discovery: {what}")]
    Start {
        /// What could not be created.
        what: &'static str,
        /// The operating system's reason.
        #[source]
        source: std::io::Error,
    },
    /// The discovery thread ended before it reported whether it started (it panicked).
    #[error("the LAN discovery thread ended while starting")]
    ThreadEnded,
}
