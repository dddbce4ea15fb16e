//! The sealed PDF artifact's tests: rendering, sealing, opening, and opening never panics.
//!
//! One test binary for the crate (link time and disk); each module is one concern.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod artifact;
mod common;
mod open_never_panics;
