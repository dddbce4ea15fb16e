//! The bansao application library: a node directory opened once and the services of each role.
//! The `bansao` binary (node/cli), and later the web pages, call these and nothing below them;
//! nothing here parses argv, reads the environment or prints.
//!
//! - [`config`]: the per-node TOML configuration, parsed once into a role enum ([`web_config`]:
//!   its `[web]`);
//!   [`node_dir`]: `NodeDir::open(dir) -> Node` (config, key, certificate, trust, store);
//!   [`node_lock`]: one running service per node directory;
//! - [`files`] and [`entropy`]: key and certificate files, atomic writes, randomness and clock;
//! - [`kiosk`]: issuance ([`kiosk_clock`]: whether the kiosk's clock may date a copy);
//!   [`kiosk_session`]: the citizen's steps at the kiosk (state machine); [`kiosk_shell`]: the
//!   session driven with devices and perception; [`kiosk_status`]: the copy status screen's
//!   look-ups (a receipt's QR or a typed id) and the counter-signed copy's slip;
//!   [`face_record`]: the two faces compared,
//!   kept with a copy an official must look at;
//! - [`ward`]: the review queue, a copy's case, approve and reject; [`decisions`]: the one rule
//!   for signing a decision, with the ward's certification numbers;
//! - [`city`]: key ceremonies, the published trust and revocation lists, registration;
//!   [`city_config`]: the `[city]` settings; [`city_log`]: the transparency log's rounds
//!   (automatic registration, events logged once, checkpoints, proofs written into copies);
//!   [`log_audit`]: the log recomputed from its entries and checked; [`log_serve`]: its
//!   public tlog-tiles read API; [`log_mirror`]: a third party's audit over that API;
//!   [`city_staff`]: the city staff's keys and sign-in; [`city_desk`]: what they do on the city's pages, audited;
//! - [`copies`]: status, damage and the sealed PDF artifact;
//! - [`sync`]: the sync service over QUIC (sessions of `bansao-sync`, storage in SQLite);
//!   [`metrics`]: the node's Prometheus registry and health; [`monitoring`]: the city's
//!   dashboard of every ward's and kiosk's sync, read from the status documents;
//! - [`verify`] and [`trust_export`]: offline verification and trust list listings;
//!   [`verify_online`]: the public verify page's checks, with what the node knows now;
//!   [`log_inclusion`]: the city log inclusion a registered copy carries, checked offline;
//!   [`trust_floor`]: a node never goes back to older trust than it has used.

pub mod city;
pub mod city_config;
pub mod city_desk;
pub mod city_log;
pub mod city_staff;
pub mod config;
pub mod copies;
pub mod day_report;
pub mod decisions;
pub mod entropy;
pub mod face_record;
pub mod files;
pub mod kiosk;
pub mod kiosk_camera;
pub mod kiosk_clock;
pub mod kiosk_desk;
pub mod kiosk_session;
pub mod kiosk_shell;
pub mod kiosk_status;
pub mod log_audit;
pub mod log_inclusion;
pub mod log_mirror;
pub mod log_serve;
pub mod metrics;
pub mod monitoring;
pub mod node_dir;
pub mod node_lock;
pub mod reconciliation;
pub mod sync;
pub mod trust_export;
pub mod trust_floor;
pub mod verify;
pub mod verify_online;
pub mod ward;
pub mod web_config;

/// The media type of a scan file from its first bytes: PNG or JPEG, nothing else.
pub fn scan_media_type(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else {
        None
    }
}
