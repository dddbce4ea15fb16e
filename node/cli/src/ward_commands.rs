//! `bansao ward queue|show|approve|reject`: the official's work at the command line, thin over
//! the ward service ([`bansao_node::ward`]); the ward's web pages call the same functions.
//! Times are shown in Vietnam's time; `--json` prints one object for scripts.

use std::io::Write;
use std::path::PathBuf;

use bansao_copy::{CopyId, DocumentType, KioskId, RejectionGround};
use bansao_node::decisions::Decided;
use bansao_node::entropy;
use bansao_node::ward::{BatchOutcome, Case, Flag, FlagFilter, QueueFilter, Ward};
use clap::{Args, Subcommand};
use serde_json::json;

use crate::cli::print_json;
use crate::exit::UsageError;
use crate::ward_day_commands::{SignerArgs, open_signer};

/// The ward commands.
#[derive(Debug, Subcommand)]
pub enum WardCommand {
    /// The review queue: provisional copies of the commune, oldest first, with their flags.
    Queue {
        /// The ward directory.
        #[arg(long)]
        node: PathBuf,
        /// Only this kiosk's copies.
        #[arg(long)]
        kiosk: Option<KioskId>,
        /// Only originals of this kind (birth_certificate, diploma, …).
        #[arg(long, value_parser = parse_document_type)]
        kind: Option<DocumentType>,
        /// Only copies with flags (`flagged`), without (`clean`), or every copy (`any`).
        #[arg(long, default_value = "any")]
        flags: FlagFilter,
        /// At most this many.
        #[arg(long, default_value_t = 200)]
        limit: usize,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// One copy as an official reviews it: fields with confidences, corrections, face check,
    /// chain anomalies, decisions.
    Show {
        /// The ward directory.
        #[arg(long)]
        node: PathBuf,
        /// Print JSON.
        #[arg(long)]
        json: bool,
        /// The copy id.
        copy: CopyId,
    },
    /// Counter-sign copies with the official's key; each gets the next certification number.
    Approve {
        #[command(flatten)]
        decide: DecideArgs,
        /// Every clean copy waiting (nothing flagged, every field read with at least
        /// --min-confidence), each signed and numbered on its own.
        #[arg(long, conflicts_with = "copies")]
        all_clean: bool,
        /// The lowest confidence, in percent, --all-clean takes.
        #[arg(long, default_value_t = 90, requires = "all_clean")]
        min_confidence: u16,
    },
    /// Refuse a copy on a ground of Decree 23, Art. 22.
    Reject {
        #[command(flatten)]
        decide: DecideArgs,
        /// The ground: altered, damaged, illegible, secret, no-copy-mark, unlawful,
        /// foreign-not-legalised, no-authority-seal or other.
        #[arg(long)]
        reason: RejectionGround,
        /// The official's words (required with `--reason other`).
        #[arg(long)]
        note: Option<String>,
    },
    /// What does not add up: conflicts, kiosk chain anomalies, copies waiting for long, scans
    /// that never arrived.
    Reconcile(crate::ward_day_commands::ReconcileArgs),
    /// Replace your decision on a copy in conflict (signed anew).
    Resolve(crate::ward_day_commands::ResolveArgs),
    /// Resolve a kiosk chain anomaly with what you found (signed).
    ResolveAnomaly(crate::ward_day_commands::ResolveAnomalyArgs),
    /// Close the day: per kiosk and per official, issued, approved, rejected, fees, anomalies.
    Report(crate::ward_day_commands::ReportArgs),
}

/// Who decides what.
#[derive(Debug, Args)]
pub struct DecideArgs {
    #[command(flatten)]
    signer: SignerArgs,
    /// Print JSON.
    #[arg(long)]
    json: bool,
    /// A copy id (repeat for several).
    #[arg(long = "copy")]
    copies: Vec<CopyId>,
}

/// Runs a ward command; returns the exit code.
pub fn run(command: WardCommand, out: &mut dyn Write) -> anyhow::Result<u8> {
    match command {
        WardCommand::Queue {
            node,
            kiosk,
            kind,
            flags,
            limit,
            json,
        } => {
            let ward = Ward::open(&node)?;
            let queue = ward.queue(&QueueFilter {
                kiosk_id: kiosk.map(|kiosk| kiosk.to_string()),
                document_type: kind,
                flags,
                limit,
            })?;
            if json {
                let entries: Vec<_> = queue
                    .entries
                    .iter()
                    .map(|entry| {
                        json!({
                            "copy_id": entry.copy_id.to_string(),
                            "kiosk_id": entry.kiosk_id,
                            "kiosk_sequence": entry.kiosk_sequence,
                            "issued_at": entry.issued_at.to_rfc3339(),
                            "document_type": entry.document_type.code(),
                            "pages": entry.pages,
                            "flags": entry.flags.iter().map(flag_json).collect::<Vec<_>>(),
                        })
                    })
                    .collect();
                print_json(out, &json!({"waiting": queue.waiting, "copies": entries}))?;
                return Ok(0);
            }
            writeln!(
                out,
                "{} bản sao chờ duyệt (copies waiting for review){}",
                queue.waiting,
                if queue.entries.len() as u64 == queue.waiting {
                    String::new()
                } else {
                    format!(", {} đầu tiên (the oldest)", queue.entries.len())
                }
            )?;
            for entry in &queue.entries {
                writeln!(
                    out,
                    "{}  {}  {} #{}  {}, {} trang{}",
                    entry.copy_id,
                    entry.issued_at.vietnam_local(),
                    entry.kiosk_id,
                    entry.kiosk_sequence,
                    entry.document_type.label_vi(),
                    entry.pages,
                    if entry.flags.is_empty() {
                        String::new()
                    } else {
                        let codes: Vec<_> = entry.flags.iter().map(Flag::code).collect();
                        format!("  [{}]", codes.join(", "))
                    }
                )?;
            }
            Ok(0)
        }
        WardCommand::Show { node, json, copy } => {
            let ward = Ward::open(&node)?;
            let case = ward.case(copy)?;
            if json {
                print_json(out, &case_json(&case)?)?;
            } else {
                for line in case_lines(&case)? {
                    writeln!(out, "{line}")?;
                }
            }
            Ok(0)
        }
        WardCommand::Reconcile(args) => crate::ward_day_commands::reconcile(args, out),
        WardCommand::Resolve(args) => crate::ward_day_commands::resolve(args, out),
        WardCommand::ResolveAnomaly(args) => crate::ward_day_commands::resolve_anomaly(args, out),
        WardCommand::Report(args) => crate::ward_day_commands::report(args, out),
        WardCommand::Approve {
            decide,
            all_clean,
            min_confidence,
        } => {
            if all_clean {
                return approve_all_clean(&decide, min_confidence, out);
            }
            require_copies(&decide)?;
            decide_each(&decide, out, |ward, copy_id, official| {
                ward.approve(copy_id, official, entropy::now())
                    .map_err(Box::new)
            })
        }
        WardCommand::Reject {
            decide,
            reason,
            note,
        } => {
            if reason == RejectionGround::Other && note.as_deref().is_none_or(str::is_empty) {
                anyhow::bail!(
                    "--reason other needs --note saying why (lý do khác cần ghi rõ lý do)"
                );
            }
            require_copies(&decide)?;
            decide_each(&decide, out, |ward, copy_id, official| {
                ward.reject(copy_id, reason, note.as_deref(), official, entropy::now())
                    .map_err(Box::new)
            })
        }
    }
}

/// A decided copy in one line: its status and its number.
pub fn decided_line(copy_id: CopyId, decided: &Decided) -> String {
    format!(
        "{copy_id}: {} ({}){}",
        decided.report.status.label_vi(),
        decided.report.status,
        decided
            .certification_number
            .as_deref()
            .map(|number| format!(" — số chứng thực {number}"))
            .unwrap_or_default()
    )
}

fn require_copies(args: &DecideArgs) -> Result<(), UsageError> {
    if args.copies.is_empty() {
        Err(UsageError(
            "say which copies: --copy ID (repeatable), or --all-clean to approve".to_owned(),
        ))
    } else {
        Ok(())
    }
}

/// `bansao ward approve --all-clean`: every clean copy waiting, each signed and numbered on its
/// own; prints what was approved and what was left (exit 0 either way: leaving a copy for a
/// closer look is the batch doing its job).
fn approve_all_clean(
    args: &DecideArgs,
    min_confidence_percent: u16,
    out: &mut dyn Write,
) -> anyhow::Result<u8> {
    let (mut ward, official) = open_signer(&args.signer)?;
    let clean: Vec<CopyId> = ward
        .queue(&QueueFilter {
            flags: FlagFilter::Clean,
            limit: usize::MAX,
            ..QueueFilter::default()
        })?
        .entries
        .iter()
        .map(|entry| entry.copy_id)
        .collect();
    let outcomes = ward.approve_clean(
        &clean,
        &official,
        min_confidence_percent.clamp(50, 100) * 10,
        entropy::now(),
    )?;
    let mut results = Vec::new();
    for outcome in &outcomes {
        match outcome {
            BatchOutcome::Approved {
                copy_id,
                certification_number,
            } => {
                if !args.json {
                    writeln!(
                        out,
                        "{copy_id}: số chứng thực {certification_number} (approved)"
                    )?;
                }
                results.push(json!({
                    "copy_id": copy_id.to_string(),
                    "status": "countersigned",
                    "certification_number": certification_number,
                }));
            }
            BatchOutcome::Skipped { copy_id, why } => {
                if !args.json {
                    writeln!(out, "{copy_id}: để lại (left): {why}")?;
                }
                results.push(json!({"copy_id": copy_id.to_string(), "skipped": why}));
            }
        }
    }
    if args.json {
        print_json(out, &json!({ "results": results }))?;
    } else if outcomes.is_empty() {
        writeln!(
            out,
            "Không có bản sao nào không có cảnh báo (no clean copy waiting)."
        )?;
    }
    Ok(0)
}

/// Decides each copy in turn; one refused copy does not stop the others (exit 1 then).
fn decide_each(
    args: &DecideArgs,
    out: &mut dyn Write,
    decide: impl Fn(
        &mut Ward,
        CopyId,
        &bansao_node::ward::Official,
    ) -> Result<Decided, Box<bansao_node::ward::WardError>>,
) -> anyhow::Result<u8> {
    let (mut ward, official) = open_signer(&args.signer)?;
    let mut results = Vec::new();
    let mut refused = 0;
    for copy_id in &args.copies {
        match decide(&mut ward, *copy_id, &official) {
            Ok(decided) => {
                if !args.json {
                    writeln!(out, "{}", decided_line(*copy_id, &decided))?;
                }
                results.push(json!({
                    "copy_id": copy_id.to_string(),
                    "status": decided.report.status.as_str(),
                    "certification_number": decided.certification_number,
                }));
            }
            Err(error) => {
                refused += 1;
                if !args.json {
                    writeln!(out, "{copy_id}: KHÔNG (refused): {error}")?;
                }
                results.push(json!({
                    "copy_id": copy_id.to_string(),
                    "error": error.to_string(),
                }));
            }
        }
    }
    if args.json {
        print_json(
            out,
            &json!({"official": official.id.to_string(), "results": results}),
        )?;
    }
    Ok(if refused == 0 { 0 } else { 1 })
}

fn flag_json(flag: &Flag) -> serde_json::Value {
    json!({"flag": flag.code(), "text": flag.describe()})
}

fn case_json(case: &Case) -> anyhow::Result<serde_json::Value> {
    let content = case.document.content();
    Ok(json!({
        "copy_id": content.copy_id.to_string(),
        "status": case.report.status.as_str(),
        "kiosk_id": content.kiosk_id,
        "kiosk_sequence": content.kiosk_sequence,
        "issued_at": content.issued_at.to_rfc3339(),
        "document_type": content.document_type.code(),
        "pages": content.pages.len(),
        "fields": content.fields.iter().map(|(name, field)| (name.clone(), json!({
            "value": field.value,
            "confidence_permille": field.confidence_permille,
            "corrected_from": field.corrected_from,
        }))).collect::<serde_json::Map<_, _>>(),
        "events": case.events.iter().map(|event| json!({
            "kind": event.kind, "at": event.at.to_rfc3339(), "by": event.by, "detail": event.detail,
        })).collect::<Vec<_>>(),
        "notes": case.notes.iter().map(|note| json!({
            "author": note.author, "at": note.at.to_rfc3339(), "text": note.text,
        })).collect::<Vec<_>>(),
        "decisions": case.report.decisions.iter().map(|decision| json!({
            "decision": decision.record.decision.as_str(),
            "signer": decision.signer_name,
            "signed_at": decision.record.signed_at.to_rfc3339(),
            "certification_number": decision.record.certification_number,
            "reason": decision.record.reason,
        })).collect::<Vec<_>>(),
        "flags": case.flags.iter().map(flag_json).collect::<Vec<_>>(),
    }))
}

/// A decision in Vietnamese, as the case shows it.
fn case_lines(case: &Case) -> anyhow::Result<Vec<String>> {
    let content = case.document.content();
    let mut lines = vec![
        format!(
            "Bản sao {} — {} ({})",
            content.copy_id,
            case.report.status.label_vi(),
            case.report.status
        ),
        format!(
            "  {} ({}), {} trang, lệ phí {} đồng",
            content.document_type.label_vi(),
            content.document_type.label_en(),
            content.pages.len(),
            bansao_copy::fee::format_vnd(content.fee_vnd)
        ),
        format!(
            "  Ki-ốt {} số thứ tự {}, cấp lúc {} (giờ Việt Nam)",
            content.kiosk_id,
            content.kiosk_sequence,
            content.issued_at.vietnam_local()
        ),
        "  Trường (fields):".to_owned(),
    ];
    for (name, field) in &content.fields {
        let label = bansao_models::fields::label_vi(name).unwrap_or_else(|| name.clone());
        let mut line = format!(
            "    {label}: {} ({:.1} %)",
            field.value,
            f64::from(field.confidence_permille) / 10.0
        );
        if let Some(from) = &field.corrected_from {
            line.push_str(&format!(" — công dân sửa từ \"{from}\" (corrected)"));
        }
        lines.push(line);
    }
    for event in &case.events {
        lines.push(format!(
            "  Sự kiện (event) {} lúc {}: {}",
            event.kind,
            event.at.vietnam_local(),
            event.detail
        ));
    }
    for decision in &case.report.decisions {
        lines.push(format!(
            "  Quyết định (decision): {} ({}) bởi {} lúc {}{}{}",
            decision.record.decision.label_vi(),
            decision.record.decision.as_str(),
            decision.signer_name,
            decision.record.signed_at.vietnam_local(),
            decision
                .record
                .certification_number
                .as_deref()
                .map(|number| format!(" — số chứng thực {number}"))
                .unwrap_or_default(),
            decision
                .record
                .reason
                .as_deref()
                .map(|reason| format!(" — lý do: {reason}"))
                .unwrap_or_default()
        ));
    }
    if case.flags.is_empty() {
        lines.push("  Không có gì cần lưu ý (nothing flagged).".to_owned());
    } else {
        lines.push("  Cần lưu ý (flags):".to_owned());
        lines.extend(
            case.flags
                .iter()
                .map(|flag| format!("    {}", flag.describe())),
        );
    }
    Ok(lines)
}

fn parse_document_type(code: &str) -> Result<DocumentType, String> {
    DocumentType::from_code(code).ok_or_else(|| {
        let codes: Vec<_> = DocumentType::ALL.iter().map(|kind| kind.code()).collect();
        format!("{code:?} is not one of: {}", codes.join(", "))
    })
}
