//! The integration tests of `bansao-tlog`, one binary with a module per concern.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Test helpers outside #[test] functions unwrap too.

mod checkpoints;
mod fork;
mod garbage;
mod notes;
mod rfc6962;
mod tiles;
mod tree;
