//! LAN discovery of bansao nodes: kiosks in a village cultural house and an official's laptop
//! find each other with multicast DNS and then connect with bansao's own QUIC sync endpoint.
//!
//! # Tour
//!
//! [`LanDiscovery::start`] announces "the node with Ed25519 public key *K* is reachable at UDP
//! port *P*" (*P* being its QUIC sync port) and reports, as [`DiscoveryEvent`]s on a channel,
//! the same announcements from other nodes: [`DiscoveryEvent::Found`] with the node's public
//! key and socket addresses whenever a node appears or its addresses change, and
//! [`DiscoveryEvent::Expired`] when its last address timed out. A node never reports itself.
//! The caller checks a found key against the trust list *before* dialing, and the QUIC
//! handshake then proves the peer holds the key: mDNS itself is unauthenticated.
//!
//! # How libp2p is used
//!
//! Only libp2p's mDNS behaviour (`libp2p-mdns`, the `_p2p._udp.local` service of the libp2p
//! mDNS spec) is used; no libp2p transport, connection, security or key type is built.
//!
//! - **Identity.** A node's PeerId is derived from its Ed25519 device public key
//!   (`peer` module): an Ed25519 PeerId is the identity multihash of the protobuf-encoded key,
//!   so every discovered PeerId gives back the peer's public key without any exchange. PeerIds
//!   of other key types belong to other libp2p software on the LAN and are ignored.
//! - **Announced address.** libp2p-mdns answers queries with the swarm's *listen addresses*
//!   (only those on the interface the query came in on). We want it to announce our quinn
//!   endpoint, which libp2p never sees, and accept nothing itself. Rather than a `Swarm` with a
//!   stub `Transport` that pretends to listen, the behaviour is driven directly: it is a public
//!   state machine, told of listen addresses with `on_swarm_event(FromSwarm::NewListenAddr)`
//!   (exactly what a swarm does) and polled for its events. We "listen" on
//!   `/ip4/<ip>/udp/<quic port>/quic-v1` for the configured IP, or for every interface address
//!   when it is unspecified (following interfaces with `if-watch`, as libp2p's own transports
//!   do), because an unspecified address would never match an interface and so never be sent.
//!   No socket is bound for it; the QUIC endpoint is the caller's. Received addresses carry
//!   the IP the announcement was observed from (libp2p's address translation) and the
//!   announced port; only `ip/udp/quic-v1` addresses are reported.
//! - **Lifetime.** Everything runs on a thread with its own current-thread tokio runtime, so
//!   dropping [`LanDiscovery`] really stops the per-interface mDNS tasks (see `service`).
//!
//! mDNS runs on every non-loopback interface of the configured address family (libp2p-mdns
//! skips loopback interfaces), bound to UDP port 5353 with address and port reuse, so several
//! nodes, or an Avahi daemon that also allows reuse, can share a machine.
//!
//! # Tests
//!
//! The unit tests cover the encodings and the grouping of mDNS results into events. The LAN
//! test (`tests/lan.rs`) needs multicast on a non-loopback interface; it builds a private one
//! (a veth pair in a user and network namespace of its own) so no packet leaves the machine.

mod config;
mod error;
mod peer;
mod service;
mod table;
#[cfg(feature = "testing")]
pub mod testing;

use std::net::SocketAddr;

use ed25519_dalek::VerifyingKey;

pub use config::DiscoveryConfig;
pub use error::DiscoveryError;
pub use service::LanDiscovery;

/// A bansao node announced on the LAN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Discovered {
    /// The Ed25519 public key the node announced (its PeerId). Unauthenticated until the QUIC
    /// handshake proves it.
    pub public_key: VerifyingKey,
    /// Every address the node's QUIC endpoint is currently announced at, as observed from here
    /// (announced port, IP the announcement came from), sorted; never empty.
    pub addresses: Vec<SocketAddr>,
}

/// A change in what discovery knows about another node.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DiscoveryEvent {
    /// A node was discovered, or the set of its addresses changed. Carries all its addresses.
    Found(Discovered),
    /// No announcement of the node is valid any more (its time-to-live ran out).
    Expired(VerifyingKey),
}
