//! `bansao ward reconcile | resolve | resolve-anomaly | report`: the rest of the official's day
//! at the command line, thin over the ward service as the pages are.

use std::io::Write;
use std::path::PathBuf;

use bansao_copy::{CopyId, OfficialId, RejectionGround};
use bansao_node::day_report::vietnam_day;
use bansao_node::entropy;
use bansao_node::reconciliation::ConflictResolution;
use bansao_node::ward::{Official, Ward};
use clap::Args;
use serde_json::json;
use time::Date;
use time::macros::format_description;

use crate::cli::print_json;

/// `bansao ward reconcile`.
#[derive(Debug, Args)]
pub struct ReconcileArgs {
    /// The ward directory.
    #[arg(long)]
    node: PathBuf,
    /// Copies provisional for more than this many days are listed.
    #[arg(long, default_value_t = 7)]
    days: i64,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// Who signs: the ward and the official, whose key their passphrase unlocks.
#[derive(Debug, Args)]
pub struct SignerArgs {
    /// The ward directory.
    #[arg(long)]
    node: PathBuf,
    /// The official's id (their key is in WARD/officials/).
    #[arg(long)]
    official: OfficialId,
    /// A file whose first line is the official's passphrase (asked on the terminal without it).
    #[arg(long)]
    passphrase_file: Option<PathBuf>,
}

/// `bansao ward resolve`: replace your decision on a copy in conflict.
#[derive(Debug, Args)]
pub struct ResolveArgs {
    #[command(flatten)]
    signer: SignerArgs,
    /// The copy in conflict.
    #[arg(long)]
    copy: CopyId,
    /// Approve it.
    #[arg(long, conflicts_with = "reject")]
    approve: bool,
    /// Reject it on this ground (altered, damaged, illegible, secret, …).
    #[arg(long, required_unless_present = "approve")]
    reject: Option<RejectionGround>,
    /// The official's words.
    #[arg(long)]
    note: Option<String>,
}

/// `bansao ward resolve-anomaly`: say what you found about a kiosk chain anomaly, signed.
#[derive(Debug, Args)]
pub struct ResolveAnomalyArgs {
    #[command(flatten)]
    signer: SignerArgs,
    /// The anomaly's id (see `bansao ward reconcile`).
    #[arg(long)]
    anomaly: i64,
    /// What you found.
    #[arg(long)]
    note: String,
}

/// `bansao ward report`: close the day.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The ward directory.
    #[arg(long)]
    node: PathBuf,
    /// The day (YYYY-MM-DD, Vietnam; default today).
    #[arg(long, value_parser = parse_day)]
    day: Option<Date>,
    /// Print CSV.
    #[arg(long, conflicts_with = "json")]
    csv: bool,
    /// Print JSON.
    #[arg(long)]
    json: bool,
    /// Also write the report as a PDF to this file.
    #[arg(long)]
    pdf: Option<PathBuf>,
}

fn parse_day(text: &str) -> Result<Date, String> {
    Date::parse(text, format_description!("[year]-[month]-[day]"))
        .map_err(|_| format!("{text:?} is not a day such as 2026-12-02"))
}

/// The ward of `signer` and its official with their key unlocked.
pub fn open_signer(signer: &SignerArgs) -> anyhow::Result<(Ward, Official)> {
    let ward = Ward::open(&signer.node)?;
    let passphrase = crate::passphrase::obtain(
        signer.passphrase_file.as_deref(),
        signer.official.as_str(),
        false,
    )?;
    let official = ward.official(&signer.official, &passphrase, entropy::now())?;
    Ok((ward, official))
}

/// `bansao ward reconcile`.
pub fn reconcile(args: ReconcileArgs, out: &mut dyn Write) -> anyhow::Result<u8> {
    let ward = Ward::open(&args.node)?;
    let found = ward.reconciliation(entropy::now(), args.days)?;
    if args.json {
        let anomaly = |anomaly: &bansao_store::Anomaly| {
            json!({
                "id": anomaly.id,
                "kind": anomaly.kind.as_str(),
                "kiosk_id": anomaly.kiosk_id,
                "sequence": anomaly.sequence,
                "copy_id": anomaly.copy_id,
                "other_copy_id": anomaly.other_copy_id,
                "detail": anomaly.detail,
                "first_seen": anomaly.first_seen,
                "resolution": anomaly.resolution.as_ref().map(|resolution| json!({
                    "official": resolution.official,
                    "resolved_at": resolution.resolved_at,
                    "note": resolution.note,
                })),
            })
        };
        let sides = |signatures: &[bansao_copy::status::ValidSignature]| -> Vec<serde_json::Value> {
            signatures
                .iter()
                .map(|signature| {
                    json!({
                        "official": signature.signer_name,
                        "signed_at": signature.record.signed_at.to_rfc3339(),
                    })
                })
                .collect()
        };
        print_json(
            out,
            &json!({
                "clear": found.is_clear(),
                "conflicts": found.conflicts.iter().map(|case| json!({
                    "copy_id": case.copy_id.to_string(),
                    "kiosk_id": case.kiosk_id,
                    "approvals": sides(&case.conflict.approvals),
                    "rejections": sides(&case.conflict.rejections),
                })).collect::<Vec<_>>(),
                "open_anomalies": found.open_anomalies.iter().map(anomaly).collect::<Vec<_>>(),
                "resolved_anomalies": found.resolved_anomalies.iter().map(anomaly).collect::<Vec<_>>(),
                "stale": found.stale.iter().map(|stale| json!({
                    "copy_id": stale.copy_id.to_string(),
                    "kiosk_id": stale.kiosk_id,
                    "issued_at": stale.issued_at.to_rfc3339(),
                    "days": stale.days,
                })).collect::<Vec<_>>(),
                "same_scans": found.same_scans.iter().map(|same| json!({
                    "sha256": same.sha256,
                    "copies": same.copies,
                })).collect::<Vec<_>>(),
                "log_forks": found.log_forks.iter().map(|fork| json!({
                    "id": fork.id,
                    "kind": fork.kind,
                    "detail": fork.detail,
                    "peer": fork.peer,
                    "first_seen": fork.first_seen,
                })).collect::<Vec<_>>(),
                "missing_scans": found.missing_scans.iter().map(|missing| json!({
                    "copy_id": missing.copy_id,
                    "sha256": missing.sha256,
                })).collect::<Vec<_>>(),
            }),
        )?;
        return Ok(0);
    }
    if found.is_clear() {
        writeln!(out, "Không có gì cần đối chiếu (nothing to reconcile).")?;
    }
    for case in &found.conflicts {
        writeln!(
            out,
            "mâu thuẫn (conflict) {} ({}): duyệt bởi {}; từ chối bởi {}",
            case.copy_id,
            case.kiosk_id,
            names(&case.conflict.approvals),
            names(&case.conflict.rejections)
        )?;
    }
    for anomaly in &found.open_anomalies {
        writeln!(
            out,
            "bất thường (anomaly) #{} {} {} #{}: {}",
            anomaly.id,
            anomaly.kind.as_str(),
            anomaly.kiosk_id,
            anomaly.sequence,
            anomaly.detail
        )?;
    }
    for fork in &found.log_forks {
        writeln!(
            out,
            "sổ nhật ký thành phố (city log) {} #{} từ (from) {}: {}",
            fork.kind, fork.id, fork.peer, fork.detail
        )?;
    }
    for stale in &found.stale {
        writeln!(
            out,
            "chờ duyệt {} ngày (provisional for {} days) {} ({})",
            stale.days, stale.days, stale.copy_id, stale.kiosk_id
        )?;
    }
    for same in &found.same_scans {
        writeln!(
            out,
            "cùng bản chụp (same scan) {}: {}",
            same.sha256,
            same.copies.join(", ")
        )?;
    }
    for missing in &found.missing_scans {
        writeln!(
            out,
            "bản chụp chưa về (scan not arrived) {} of {}",
            missing.sha256, missing.copy_id
        )?;
    }
    Ok(0)
}

fn names(signatures: &[bansao_copy::status::ValidSignature]) -> String {
    signatures
        .iter()
        .map(|signature| signature.signer_name.clone())
        .collect::<Vec<_>>()
        .join(", ")
}

/// `bansao ward resolve`.
pub fn resolve(args: ResolveArgs, out: &mut dyn Write) -> anyhow::Result<u8> {
    let (mut ward, official) = open_signer(&args.signer)?;
    let resolution = match args.reject {
        Some(ground) => {
            if ground == RejectionGround::Other && args.note.as_deref().is_none_or(str::is_empty) {
                anyhow::bail!(
                    "--reject other needs --note saying why (lý do khác cần ghi rõ lý do)"
                );
            }
            ConflictResolution::Reject {
                ground,
                note: args.note.as_deref(),
            }
        }
        None => ConflictResolution::Approve,
    };
    let decided = ward.resolve_conflict(args.copy, resolution, &official, entropy::now())?;
    writeln!(
        out,
        "{}",
        crate::ward_commands::decided_line(args.copy, &decided)
    )?;
    Ok(0)
}

/// `bansao ward resolve-anomaly`.
pub fn resolve_anomaly(args: ResolveAnomalyArgs, out: &mut dyn Write) -> anyhow::Result<u8> {
    let (mut ward, official) = open_signer(&args.signer)?;
    ward.resolve_anomaly(args.anomaly, &args.note, &official, entropy::now())?;
    writeln!(
        out,
        "Đã ký xác nhận xử lý bất thường #{} (anomaly resolved).",
        args.anomaly
    )?;
    Ok(0)
}

/// `bansao ward report`.
pub fn report(args: ReportArgs, out: &mut dyn Write) -> anyhow::Result<u8> {
    let ward = Ward::open(&args.node)?;
    let day = args.day.unwrap_or_else(|| vietnam_day(entropy::now()));
    let report = ward.day_report(day)?;
    if let Some(path) = &args.pdf {
        let bytes = ward.day_report_pdf(day, entropy::now())?;
        bansao_node::files::write_atomic(path, &bytes, 0o644)?;
    }
    if args.csv {
        write!(out, "{}", report.to_csv())?;
        return Ok(0);
    }
    let total = report.totals();
    if args.json {
        print_json(
            out,
            &json!({
                "day": report.day.to_string(),
                "waiting": report.waiting,
                "kiosks": report.kiosks.iter().map(|(kiosk, day)| json!({
                    "kiosk_id": kiosk,
                    "issued": day.issued,
                    "fees_vnd": day.fees_vnd,
                    "approved": day.approved,
                    "rejected": day.rejected,
                    "open_anomalies": day.open_anomalies,
                })).collect::<Vec<_>>(),
                "officials": report.officials.iter().map(|(official, day)| json!({
                    "official": official,
                    "approved": day.approved,
                    "rejected": day.rejected,
                    "rejected_by_ground": day.rejected_by_ground,
                })).collect::<Vec<_>>(),
                "total": {
                    "issued": total.issued,
                    "fees_vnd": total.fees_vnd,
                    "approved": total.approved,
                    "rejected": total.rejected,
                    "open_anomalies": total.open_anomalies,
                },
            }),
        )?;
        return Ok(0);
    }
    writeln!(out, "Cuối ngày (close of day) {}", report.day)?;
    for (kiosk, day) in &report.kiosks {
        writeln!(
            out,
            "  ki-ốt {kiosk}: cấp {} · lệ phí {} đồng · duyệt {} · từ chối {} · bất thường {}",
            day.issued,
            bansao_copy::fee::format_vnd(day.fees_vnd),
            day.approved,
            day.rejected,
            day.open_anomalies
        )?;
    }
    for (official, day) in &report.officials {
        writeln!(
            out,
            "  cán bộ {official}: duyệt {} · từ chối {}",
            day.approved, day.rejected
        )?;
    }
    writeln!(
        out,
        "  tổng (total): cấp {} · lệ phí {} đồng · duyệt {} · từ chối {} · còn chờ {}",
        total.issued,
        bansao_copy::fee::format_vnd(total.fees_vnd),
        total.approved,
        total.rejected,
        report.waiting
    )?;
    Ok(0)
}
