//! The copy's tests: content, documents, signatures, status, QR and incoming changes.
//!
//! One test binary for the crate (link time and disk); each module is one concern.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod copies;
mod incoming_changes;
