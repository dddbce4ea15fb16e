//! The network shell of sync: QUIC connections between nodes, authenticated by the nodes' own
//! Ed25519 keys, and a shaped UDP relay that stands in for the lossy 3G links kiosks sit behind.
//!
//! - [`tls`] turns a node's [`bansao_trust::SecretKey`] into quinn server and client
//!   configurations. Each side presents a self-signed X.509 certificate whose key *is* the node
//!   key, proves possession of it in the TLS 1.3 handshake, and is then admitted or refused by a
//!   caller-supplied [`tls::PeerAuthorizer`] (in the node, the trust list). No certificate
//!   authority, name or validity period plays any part.
//! - [`endpoint`] binds a node's endpoint with a stateless reset key derived from its node key,
//!   so a restarted node resets its peers' connections at once instead of leaving them to time
//!   out.
//! - [`relay`] (feature `testing`) is a seeded relay between a QUIC client and its server with a
//!   bottleneck rate, a drop-tail queue, a fixed one-way delay, per-packet loss and a switch that
//!   cuts the link, so tests and benchmarks can reproduce a bad link on loopback (the CI kernel
//!   has no netem). A node's services never link it; the bench commands do.
//!
//! The sync protocol itself (what is sent over these connections) lives elsewhere and does no IO.

pub mod endpoint;
#[cfg(any(test, feature = "testing"))]
pub mod relay;
pub mod tls;

pub use endpoint::{bind_endpoint, endpoint_config};
#[cfg(any(test, feature = "testing"))]
pub use relay::{DirectionStats, LinkProfile, Relay, RelayStats};
pub use tls::{
    ALPN, PeerAuthorizer, PeerCertificateError, SERVER_NAME, TlsError, client_config,
    peer_public_key, server_config, transport_config,
};
