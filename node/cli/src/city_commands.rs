//! `bansao city …`: what city staff do by hand, thin over `bansao_node::city`: register a copy
//! its ward approved (under `[city] registration = "held"`), then one round of the log so the
//! registration is logged (and proved once a checkpoint covers it).

use std::io::Write;
use std::path::PathBuf;

use bansao_copy::{CopyId, Timestamp};
use bansao_node::city::City;
use clap::Subcommand;

/// City staff's commands.
#[derive(Debug, Subcommand)]
pub enum CityCommand {
    /// Register a copy its ward counter-signed, with the registrar key.
    Register {
        /// The city directory.
        #[arg(long)]
        node: PathBuf,
        /// The copy id.
        copy: CopyId,
    },
}

/// Runs a city command.
pub fn run(command: CityCommand, now: Timestamp, out: &mut dyn Write) -> anyhow::Result<u8> {
    match command {
        CityCommand::Register { node, copy } => {
            let mut city = City::open(&node)?;
            let decided = city.register(copy, now)?;
            let round = city.keep_log(now)?;
            writeln!(
                out,
                "Đã đăng ký bản sao {copy} (registered): {}; nhật ký {} mục (log of {} entries).",
                decided.report.status, round.tree_size, round.tree_size
            )?;
            Ok(0)
        }
    }
}
