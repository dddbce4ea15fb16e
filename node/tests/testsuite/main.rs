//! The application library's tests: the kiosk session state machine, the ward service and the
//! city's transparency log.
//!
//! One test binary for the crate (link time and disk); each module is one concern.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod city_log;
mod kiosk_desk;
mod kiosk_session;
mod reconciliation;
mod ward;
