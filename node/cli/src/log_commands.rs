//! `bansao log …`: the city's transparency log at the command line, thin over
//! `bansao_node::city_log` and `log_audit`: the current signed checkpoint, a copy's inclusion
//! proofs as JSON, and an audit that recomputes the tree from the stored entries.

use std::io::Write;
use std::path::PathBuf;

use bansao_copy::{CopyId, LogInclusion, LoggedEvent};
use bansao_node::city::City;
use clap::Subcommand;
use serde_json::json;

use crate::cli::print_json;
use crate::exit::DAMAGE_EXIT_CODE;

/// The transparency log's commands.
#[derive(Debug, Subcommand)]
pub enum LogCommand {
    /// Print the latest signed checkpoint (a C2SP signed note).
    Checkpoint {
        /// The city directory.
        #[arg(long)]
        node: PathBuf,
    },
    /// Print, as JSON, the inclusion proof in the latest checkpoint of every entry about a copy.
    Prove {
        /// The city directory.
        #[arg(long)]
        node: PathBuf,
        /// The copy id.
        copy: CopyId,
    },
    /// Recompute the tree from the stored entries and check it against the stored root and the
    /// latest checkpoint (its signature too); exit 5 when anything disagrees.
    Audit {
        /// The city directory.
        #[arg(long)]
        node: PathBuf,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// The event of a leaf as JSON (the leaf bytes are given in hex beside it).
fn event_json(entry: &[u8]) -> serde_json::Value {
    match LoggedEvent::from_cbor(entry) {
        Ok(LoggedEvent::Signature {
            copy_id,
            commune,
            content_hash,
            record,
            logged_at,
        }) => json!({
            "event": "signature",
            "copy_id": copy_id.to_string(),
            "commune": commune,
            "content_hash": content_hash.to_hex(),
            "decision": record.decision.as_str(),
            "signer": record.signer.to_hex(),
            "signed_at": record.signed_at.to_rfc3339(),
            "logged_at": logged_at.to_rfc3339(),
        }),
        Ok(LoggedEvent::CopyRevoked {
            copy_id, logged_at, ..
        }) => {
            json!({"event": "copy-revoked", "copy_id": copy_id, "logged_at": logged_at.to_rfc3339()})
        }
        Ok(LoggedEvent::KeyRevoked {
            key_id, logged_at, ..
        }) => {
            json!({"event": "key-revoked", "key_id": key_id.to_hex(), "logged_at": logged_at.to_rfc3339()})
        }
        Err(error) => json!({"event": null, "error": error.to_string()}),
    }
}

fn inclusion_json(inclusion: &LogInclusion) -> serde_json::Value {
    json!({
        "leaf_index": inclusion.leaf_index,
        "tree_size": inclusion.tree_size,
        "event": event_json(&inclusion.entry),
        "entry": hex::encode(&inclusion.entry),
        "path": inclusion.path.iter().map(hex::encode).collect::<Vec<_>>(),
        "checkpoint": inclusion.checkpoint,
    })
}

/// Runs a log command; returns the exit code.
pub fn run(command: LogCommand, out: &mut dyn Write) -> anyhow::Result<u8> {
    match command {
        LogCommand::Checkpoint { node } => {
            let city = City::open(&node)?;
            write!(out, "{}", city.latest_checkpoint()?.note)?;
            Ok(0)
        }
        LogCommand::Prove { node, copy } => {
            let city = City::open(&node)?;
            let proofs = city.prove_copy(copy)?;
            print_json(
                out,
                &json!({
                    "copy_id": copy.to_string(),
                    "proofs": proofs.iter().map(inclusion_json).collect::<Vec<_>>(),
                }),
            )?;
            Ok(0)
        }
        LogCommand::Audit { node, json } => {
            let city = City::open(&node)?;
            let audit = city.audit_log()?;
            let head = |head: Option<bansao_tlog::TreeHead>| {
                head.map(|head| json!({"size": head.size, "root": head.root.to_string()}))
            };
            if json {
                print_json(
                    out,
                    &json!({
                        "passed": audit.passed(),
                        "recomputed": head(Some(audit.recomputed)),
                        "stored": head(audit.stored),
                        "checkpoint": head(audit.checkpoint),
                        "problems": audit.problems,
                    }),
                )?;
            } else if audit.passed() {
                writeln!(
                    out,
                    "Nhật ký khớp (the log agrees): {} mục, gốc {}; checkpoint {} mục.",
                    audit.recomputed.size,
                    audit.recomputed.root,
                    audit.checkpoint.map_or(0, |head| head.size)
                )?;
            } else {
                writeln!(out, "NHẬT KÝ KHÔNG KHỚP (the log does not agree):")?;
                for problem in &audit.problems {
                    writeln!(out, "  - {problem}")?;
                }
            }
            Ok(if audit.passed() { 0 } else { DAMAGE_EXIT_CODE })
        }
    }
}
