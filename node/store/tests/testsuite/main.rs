//! The store's tests on real SQLite files: copies, the chain, anomalies, sync columns and migrations.
//!
//! One test binary for the crate (link time and disk); each module is one concern.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod anomalies;
mod node_status;
mod store;
mod sync;
