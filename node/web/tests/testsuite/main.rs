//! The web pages (the ward's, the city's), driven in a real headless Chromium (Debian's `chromium` through
//! `chromedriver`, installed by deploy/setup.sh) against a real ward directory; each test then
//! checks the store. Screenshots are written to `target/screenshots/` for a reviewer.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Test helpers outside #[test] functions unwrap too.

mod attacks;
mod browser;
mod city;
mod dashboard;
mod http;
mod keyboard;
mod kiosk;
mod kiosk_status;
mod log_api;
mod metrics;
mod official_day;
mod verify;
mod world;
