//! Replication of bansao's Automerge documents and content-addressed scans between nodes.
//!
//! Nothing lives here yet. What will: a sans-IO core (a state machine fed with inbound messages,
//! `now` and randomness, returning outbound messages and storage effects) that first reconciles
//! *which* documents differ by range-based set reconciliation over `(document id, heads digest)`,
//! then runs Automerge's sync protocol for the differing ones only, and moves scans as verified,
//! resumable chunks; and thin shells around it for QUIC (quinn) and SQLite. LAN discovery
//! (libp2p mDNS) is built: the `bansao-discovery` package in `sync/discovery`.
//! See `DESIGN.md` (Sync) and issue 3.
