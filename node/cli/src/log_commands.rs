//! `bansao log …`: the city's transparency log at the command line, thin over
//! `bansao_node::city_log` and `log_audit`: the current signed checkpoint, a copy's inclusion
//! proofs as JSON, and an audit that recomputes the tree from the stored entries (or, with
//! `--url`, from a city's public API: `log_mirror_command.rs`).

use std::io::Write;
use std::path::PathBuf;

use bansao_copy::{CopyId, LogInclusion, LoggedEvent};
use bansao_node::city::City;
use clap::Subcommand;
use serde_json::json;

use crate::cli::print_json;
use crate::exit::{DAMAGE_EXIT_CODE, UsageError};

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
    /// latest checkpoint (its signature too); or, with --url, audit a city's log over its
    /// public HTTP API (checkpoint signature, every entry, every tile, and with --since the
    /// consistency with a saved checkpoint); exit 5 when anything disagrees.
    Audit {
        /// The city directory (without --url: its database is audited; with --url: its trust
        /// list gives the log keys).
        #[arg(long)]
        node: Option<PathBuf>,
        /// The log's HTTP API, such as http://city.example:8480/log/.
        #[arg(long)]
        url: Option<String>,
        /// The trust file whose log keys sign the checkpoints (with --url).
        #[arg(long)]
        trust: Option<PathBuf>,
        /// A checkpoint saved by an earlier audit: the log must still extend it (with --url).
        #[arg(long)]
        since: Option<PathBuf>,
        /// Where to save the checkpoint once the audit passes (with --url).
        #[arg(long)]
        save: Option<PathBuf>,
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
        LogCommand::Audit {
            node,
            url: Some(url),
            trust,
            since,
            save,
            json,
        } => crate::log_mirror_command::run(
            &crate::log_mirror_command::MirrorArgs {
                url: &url,
                node: node.as_deref(),
                trust: trust.as_deref(),
                since: since.as_deref(),
                save: save.as_deref(),
                json,
            },
            out,
        ),
        LogCommand::Audit {
            node,
            url: None,
            trust,
            since,
            save,
            json,
        } => {
            if trust.is_some() || since.is_some() || save.is_some() {
                return Err(
                    UsageError("--trust, --since and --save go with --url".to_owned()).into(),
                );
            }
            let node =
                node.ok_or_else(|| UsageError("give --node CITY or --url URL".to_owned()))?;
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
