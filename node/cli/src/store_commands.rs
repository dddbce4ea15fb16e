//! `bansao store reindex|check`: the node's database rebuilt from its documents, or checked
//! whole (exit 5 when anything is damaged).

use std::io::Write;
use std::path::{Path, PathBuf};

use bansao_node::node_dir::NodeDir;
use bansao_node::{copies, entropy, verify};
use clap::Subcommand;

use crate::exit::DAMAGE_EXIT_CODE;

/// The database commands.
#[derive(Debug, Subcommand)]
pub enum StoreCommand {
    /// Rebuild the index columns from the Automerge documents.
    Reindex {
        /// The node directory.
        #[arg(long)]
        node: PathBuf,
    },
    /// Run SQLite's integrity check.
    Check {
        /// The node directory.
        #[arg(long)]
        node: PathBuf,
    },
}

/// Runs a store command; returns the exit code.
pub fn run(
    command: StoreCommand,
    now: bansao_copy::Timestamp,
    out: &mut dyn Write,
) -> anyhow::Result<u8> {
    match command {
        StoreCommand::Reindex { node } => {
            let node = NodeDir::read(&node)?;
            let trust = verify::load_trust(&node.config.paths.trust)?;
            let mut store = node.open_store()?;
            let report = store.rebuild_index(entropy::new_actor()?, |document| {
                copies::index_status(document, &trust)
            })?;
            writeln!(
                out,
                "Đã dựng lại chỉ mục của {} bản sao (rebuilt the index of {} copies).",
                report.rebuilt, report.rebuilt
            )?;
            for kiosk_id in &report.chains_rebuilt {
                writeln!(
                    out,
                    "Đã dựng lại đầu chuỗi của ki-ốt {kiosk_id} từ các bản sao (rebuilt the kiosk's chain head from its copies)"
                )?;
            }
            for copy_id in &report.unreadable {
                writeln!(
                    out,
                    "Không đọc được bản sao {copy_id}: đánh dấu hư hỏng (unreadable document, marked damaged)"
                )?;
            }
            for copy_id in &report.damaged {
                writeln!(
                    out,
                    "Bản sao {copy_id} bị hư hỏng: chữ ký ki-ốt không khớp nội dung (damaged: the kiosk's signature does not match its content)"
                )?;
            }
            let damaged = report.unreadable.len() + report.damaged.len();
            Ok(if damaged == 0 { 0 } else { DAMAGE_EXIT_CODE })
        }
        StoreCommand::Check { node } => run_store_check(&node, now, out),
    }
}

/// `bansao store check`: SQLite's integrity check, then every copy, scan and chain row
/// (`Store::check_contents`); exit 5 when anything is damaged.
fn run_store_check(
    node: &Path,
    now: bansao_copy::Timestamp,
    out: &mut dyn Write,
) -> anyhow::Result<u8> {
    let node = NodeDir::read(node)?;
    let mut store = node.open_store()?;
    store.integrity_check()?;
    // Without a usable trust file the signatures cannot be checked; everything else still is.
    let trust = match verify::load_trust(&node.config.paths.trust) {
        Ok(trust) => Some(trust),
        Err(error) => {
            writeln!(
                out,
                "Không kiểm tra được chữ ký (signatures not checked): {error}"
            )?;
            None
        }
    };
    let report = store.check_contents(
        |document| match &trust {
            Some(trust) => copies::document_damage(document, trust).map(|_| ()),
            None => Ok(()),
        },
        now,
    )?;
    for damage in &report.damage {
        writeln!(
            out,
            "HƯ HỎNG (damaged) {} {}: {}",
            damage.part.as_str(),
            damage.id,
            damage.reason
        )?;
    }
    if report.damage.is_empty() {
        writeln!(
            out,
            "Cơ sở dữ liệu nguyên vẹn: {} bản sao, {} bản chụp, {} chuỗi ki-ốt đã kiểm tra (database intact: copies, scans and kiosk chains checked).",
            report.copies, report.scans, report.chains
        )?;
        Ok(0)
    } else {
        writeln!(
            out,
            "Tìm thấy {} chỗ hư hỏng; ki-ốt không cấp bản sao cho đến khi kiểm tra lại sạch (found {} damaged items; a kiosk issues nothing until a check passes).",
            report.damage.len(),
            report.damage.len()
        )?;
        Ok(DAMAGE_EXIT_CODE)
    }
}
