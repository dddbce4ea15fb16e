//! `bansao log audit --url URL`: a city's log audited over its public tlog-tiles API, as a
//! third party's mirror would (`bansao_node::log_mirror`), with the log keys of a trust file
//! (`--trust`) or of a node's trust list (`--node`); `--since` a checkpoint saved by an
//! earlier audit, `--save` where to keep this one once it passes. Exit 5 when anything
//! disagrees, 1 when the server cannot be reached.

use std::io::Write;
use std::path::Path;

use bansao_node::log_mirror::{HttpLogSource, MirrorAudit, audit_log_mirror};
use bansao_node::node_dir::NodeDir;
use bansao_node::{files, verify};
use serde_json::json;

use crate::cli::print_json;
use crate::exit::{DAMAGE_EXIT_CODE, UsageError};

/// The arguments of an audit over HTTP.
#[derive(Debug, Clone, Copy)]
pub struct MirrorArgs<'a> {
    /// The log's API.
    pub url: &'a str,
    /// A node whose trust list gives the log keys.
    pub node: Option<&'a Path>,
    /// A trust file that gives them.
    pub trust: Option<&'a Path>,
    /// A checkpoint saved by an earlier audit.
    pub since: Option<&'a Path>,
    /// Where to save the checkpoint once the audit passes.
    pub save: Option<&'a Path>,
    /// Print JSON.
    pub json: bool,
}

/// Runs the audit; returns the exit code.
pub fn run(args: &MirrorArgs<'_>, out: &mut dyn Write) -> anyhow::Result<u8> {
    let trust_path = match (args.trust, args.node) {
        (Some(path), _) => path.to_owned(),
        (None, Some(node)) => NodeDir::read(node)?.config.paths.trust,
        (None, None) => {
            return Err(UsageError("--url needs --trust FILE or --node DIR".to_owned()).into());
        }
    };
    let trust = verify::load_trust(&trust_path)?;
    let saved = args
        .since
        .map(|path| {
            std::fs::read_to_string(path).map_err(|error| {
                UsageError(format!(
                    "the saved checkpoint {} cannot be read: {error}",
                    path.display()
                ))
            })
        })
        .transpose()?;
    let mut source = HttpLogSource::new(args.url)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let audit = runtime.block_on(audit_log_mirror(
        &mut source,
        args.url,
        &trust,
        saved.as_deref(),
    ))?;
    if let (true, Some(path), Some(note)) = (audit.passed(), args.save, &audit.note) {
        files::write_atomic(path, note.as_bytes(), 0o644)?;
    }
    if args.json {
        print_json(out, &audit_json(args.url, &audit))?;
    } else {
        print_text(&audit, out)?;
    }
    Ok(if audit.passed() { 0 } else { DAMAGE_EXIT_CODE })
}

fn audit_json(url: &str, audit: &MirrorAudit) -> serde_json::Value {
    let head = |head: Option<bansao_tlog::TreeHead>| {
        head.map(|head| json!({"size": head.size, "root": head.root.to_string()}))
    };
    json!({
        "passed": audit.passed(),
        "url": url,
        "checkpoint": head(audit.checkpoint),
        "recomputed": head(audit.recomputed),
        "since": head(audit.since),
        "entries": audit.entries,
        "tiles_checked": audit.tiles_checked,
        "problems": audit.problems,
        "unlisted_problems": audit.unlisted,
        "note": audit.note,
    })
}

fn print_text(audit: &MirrorAudit, out: &mut dyn Write) -> std::io::Result<()> {
    if !audit.passed() {
        writeln!(out, "NHẬT KÝ KHÔNG KHỚP (the log does not agree):")?;
        for problem in &audit.problems {
            writeln!(out, "  - {problem}")?;
        }
        return Ok(());
    }
    let size = audit.checkpoint.map_or(0, |head| head.size);
    let root = audit
        .checkpoint
        .map(|head| head.root.to_string())
        .unwrap_or_default();
    writeln!(
        out,
        "Nhật ký khớp (the log agrees): checkpoint {size} mục (entries), gốc (root) {root}; {} mục và {} tile đã kiểm (entries and tiles checked).",
        audit.entries, audit.tiles_checked
    )?;
    if let Some(since) = audit.since {
        writeln!(
            out,
            "Nối tiếp checkpoint đã lưu (extends the saved checkpoint) of {} entries.",
            since.size
        )?;
    }
    Ok(())
}
