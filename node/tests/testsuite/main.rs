//! The application library's tests: the kiosk session state machine and the ward service.
//!
//! One test binary for the crate (link time and disk); each module is one concern.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod kiosk_session;
mod reconciliation;
mod ward;
