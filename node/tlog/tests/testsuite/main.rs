//! The integration tests of `bansao-tlog`, one binary with a module per concern.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Test helpers outside #[test] functions unwrap too.

mod rfc6962;
mod tree;
