//! End-to-end tests across bansao's crates and nodes, through `bansao::cli::execute` and real node directories, and the tidy test.
//!
//! One test binary for the crate (link time and disk); each module is one concern.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[macro_use]
mod common;
mod checkpoints;
mod city;
mod keys_and_store;
mod kiosk;
mod log_http;
mod monitoring;
mod sync;
mod tidy;
mod verify;
