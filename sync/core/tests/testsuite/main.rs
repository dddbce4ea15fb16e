//! The sans-IO sync core's tests: wire, prechecks, refusals and the seeded simulation.
//!
//! One test binary for the crate (link time and disk); each module is one concern.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod precheck;
mod refusals;
mod simulation;
mod status;
mod wire;
