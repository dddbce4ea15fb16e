//! The `bansao` command over the application library (`bansao_node`): the only crate that
//! reads argv and the environment, builds a runtime, prints, and turns failures into exit codes.
//!
//! - [`cli`]: the clap arguments, dispatch and the exit codes ([`exit`]);
//! - commands that print: [`kiosk_commands`] (`bansao kiosk issue|reprint`), [`sync_commands`]
//!   (`bansao run|sync|status`), [`ward_commands`] (`bansao ward queue|show|approve|reject`),
//!   [`keys_commands`] (`bansao keys …`), [`store_commands`] (`bansao store reindex|check`),
//!   [`verify_commands`] (`bansao verify`);
//! - [`demo`]: the self-contained demonstration; [`demo_serve`]: `bansao demo --serve`, the
//!   three nodes running with their sites; [`bench`]: `bansao bench …`, the product's
//!   figures and the fault labs.

pub mod bench;
pub mod city_commands;
pub mod cli;
pub mod demo;
pub mod demo_serve;
pub mod exit;
pub mod keys_commands;
pub mod kiosk_commands;
pub mod log_commands;
pub mod log_mirror_command;
pub mod passphrase;
pub mod store_commands;
pub mod sync_commands;
pub mod verify_commands;
pub mod ward_commands;
pub mod ward_day_commands;
