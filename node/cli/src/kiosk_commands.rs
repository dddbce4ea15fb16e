//! `bansao kiosk issue`: one citizen's whole session at a kiosk directory, with simulated
//! devices fed from files, printed as JSON or as the screens the citizen would have seen.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use bansao_hw::camera::{Camera, SimulatedCamera};
use bansao_hw::image_input::open_image;
use bansao_hw::printer::{FilePrinter, ReceiptPrinter};
use bansao_hw::sane_scanner::{SaneScanner, SaneSettings};
use bansao_hw::scanner::{Scanner, SimulatedScanner, TakePages};
use bansao_hw::v4l2_camera::V4l2Camera;

use bansao_node::config::KioskSettings;
use bansao_node::kiosk::Kiosk;
use bansao_node::kiosk_shell::perception::Perception;
use bansao_node::kiosk_shell::receipt::configured_printer;
use bansao_node::kiosk_shell::{SessionDevices, SessionReport, run_session};

/// The options of `bansao kiosk issue` (parsed by clap straight into this struct).
#[derive(Debug, Clone, clap::Args)]
pub struct IssueArgs {
    /// The kiosk directory (e.g. `DIR/kiosk` after `bansao demo --dir DIR`).
    #[arg(long)]
    pub node: PathBuf,
    /// A scanned page (PNG or JPEG, 300 dpi), in order (repeatable).
    #[arg(long = "scan", required_unless_present = "scanner")]
    pub scans: Vec<PathBuf>,
    /// Scan from a real scanner instead of files: `sane` (the first SANE scanner) or
    /// `sane:DEVICE` (a name from `scanimage -L`), at 300 dpi.
    #[arg(long, conflicts_with = "scans")]
    pub scanner: Option<String>,
    /// Pages to scan from the real scanner.
    #[arg(long, default_value_t = 1, requires = "scanner")]
    pub pages: usize,
    /// A camera frame of the citizen (repeatable: one per attempt; the last stays in view).
    #[arg(long = "face")]
    pub faces: Vec<PathBuf>,
    /// Capture from a real camera instead: `v4l2:/dev/video0`.
    #[arg(long, conflicts_with = "faces")]
    pub camera: Option<String>,
    /// A photo of the front of the citizen's identity card (CCCD: its QR code and portrait).
    /// Without it the copy is issued unidentified and flagged for the official.
    #[arg(long)]
    pub id_photo: Option<PathBuf>,
    /// Print the receipt to this file (ESC/POS bytes) instead of the configured printer.
    #[arg(long)]
    pub receipt: Option<PathBuf>,
    /// Correct a field on the review screen: NAME=VALUE (repeatable), e.g. ho_ten="NGUYỄN VĂN AN".
    #[arg(long = "set")]
    pub corrections: Vec<String>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// The kiosk's device settings with what the environment adds: `BANSAO_FACE_MODELS` names the
/// face models directory when the configuration does not.
pub fn with_environment(settings: &KioskSettings) -> KioskSettings {
    let mut settings = settings.clone();
    if settings.face_models.is_none() {
        settings.face_models = std::env::var_os("BANSAO_FACE_MODELS").map(std::path::PathBuf::from);
    }
    settings
}

/// Runs the session; returns the exit code (0 issued, 1 not issued).
pub fn issue(args: IssueArgs, out: &mut dyn Write) -> anyhow::Result<u8> {
    let mut corrections = Vec::new();
    for correction in &args.corrections {
        let (name, value) = correction
            .split_once('=')
            .with_context(|| format!("--set {correction:?}: expected NAME=VALUE"))?;
        let name = name.trim();
        if bansao_models::fields::label_vi(name).is_none() {
            anyhow::bail!(
                "--set {correction:?}: {name:?} is not a field of a copy (known fields: {})",
                bansao_models::fields::field_keys()
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        corrections.push((name.to_owned(), value.trim().to_owned()));
    }
    let id_card = match &args.id_photo {
        Some(path) => {
            let bytes = bansao_node::files::read(path)?;
            Some(open_image(bytes).with_context(|| format!("--id-photo {}", path.display()))?)
        }
        None => None,
    };
    let mut kiosk = Kiosk::open(&args.node)?;
    let artifacts = args.node.join("artifacts");
    let leftovers = bansao_node::files::remove_partial_files(&artifacts);
    if leftovers > 0 {
        tracing::info!(
            count = leftovers,
            "removed unfinished PDF files left by an earlier session"
        );
    }
    let printer: Result<Box<dyn ReceiptPrinter>, String> = match &args.receipt {
        Some(path) => Ok(Box::new(FilePrinter::new(path))),
        None => configured_printer(&kiosk.settings.devices),
    };
    let mut perception = Perception::open(&with_environment(&kiosk.settings.devices))?;
    let scanner: Box<dyn Scanner> = match args.scanner.as_deref() {
        None => Box::new(SimulatedScanner::new(args.scans.clone())),
        Some(spec) => {
            let device = match spec.split_once(':') {
                None if spec == "sane" => None,
                Some(("sane", device)) if !device.is_empty() => Some(device.to_owned()),
                _ => anyhow::bail!("--scanner {spec:?}: expected sane or sane:DEVICE"),
            };
            let settings = SaneSettings {
                device,
                ..SaneSettings::default()
            };
            Box::new(TakePages::new(SaneScanner::new(settings), args.pages))
        }
    };
    let camera: Box<dyn Camera> = match args.camera.as_deref() {
        None => Box::new(SimulatedCamera::still(args.faces.clone())),
        Some(spec) => match spec.split_once(':') {
            Some(("v4l2", path)) if !path.is_empty() => {
                Box::new(V4l2Camera::new(std::path::Path::new(path)))
            }
            _ => anyhow::bail!("--camera {spec:?}: expected v4l2:/dev/videoN"),
        },
    };
    let devices = SessionDevices {
        scanner,
        camera,
        id_card,
        printer,
        corrections,
        artifacts_dir: Some(artifacts),
    };
    let report = run_session(
        &mut kiosk,
        &mut perception,
        devices,
        &bansao_node::entropy::now,
    );
    if args.json {
        writeln!(out, "{}", serde_json::to_string_pretty(&report)?)?;
    } else {
        print_text(&report, out)?;
    }
    Ok(if report.issued() { 0 } else { 1 })
}

fn print_text(report: &SessionReport, out: &mut dyn Write) -> anyhow::Result<()> {
    for screen in &report.screens {
        writeln!(out, "▸ {screen}")?;
    }
    if let Some(label) = &report.document_type_label {
        writeln!(out, "\nGiấy tờ (document): {label}")?;
    }
    for field in &report.field_details {
        let corrected = field
            .corrected_from
            .as_ref()
            .map_or_else(String::new, |from| {
                format!(" (sửa từ / corrected from {from:?})")
            });
        writeln!(
            out,
            "  {}: {} [{:.0} %]{corrected}",
            field.label,
            field.value,
            f64::from(field.confidence_permille) / 10.0
        )?;
    }
    writeln!(
        out,
        "Khuôn mặt (face): {}{}{}",
        report.face.outcome,
        report
            .face
            .distance
            .map_or_else(String::new, |d| format!(" (distance {d:.3})")),
        report
            .face
            .detail
            .as_ref()
            .map_or_else(String::new, |detail| format!(" — {detail}"))
    )?;
    if report.needs_official_review {
        writeln!(
            out,
            "Cần cán bộ xem lại trước khi ký (an official must review before counter-signing)"
        )?;
    }
    if let Some(path) = &report.artifact {
        writeln!(out, "Bản sao PDF (sealed PDF): {}", path.display())?;
    }
    if let Some(error) = &report.artifact_error {
        writeln!(
            out,
            "Chưa ghi được tệp PDF; bản sao đã được cấp, in lại bằng bansao kiosk reprint (the sealed PDF could not be written; the copy is issued): {error}"
        )?;
    }
    let timings: Vec<String> = report
        .timings
        .iter()
        .map(|timing| format!("{} {:.0} ms", timing.step, timing.ms))
        .collect();
    writeln!(out, "Thời gian (timings): {}", timings.join(", "))?;
    writeln!(
        out,
        "Kết quả (outcome): {}{}",
        report.outcome,
        report
            .reason
            .as_ref()
            .map_or_else(String::new, |reason| format!(" — {reason}"))
    )?;
    Ok(())
}

/// The options of `bansao kiosk reprint`.
#[derive(Debug, Clone, clap::Args)]
pub struct ReprintArgs {
    /// The kiosk directory.
    #[arg(long)]
    pub node: PathBuf,
    /// The copy whose receipt to print again.
    #[arg(long)]
    pub copy: String,
    /// Print to this file (ESC/POS bytes) instead of the configured printer.
    #[arg(long)]
    pub receipt: Option<PathBuf>,
}

/// Prints a copy's receipt again (marked as a reprint) and writes its sealed PDF again if it is
/// missing; returns the exit code (0 printed, 1 not).
pub fn reprint(args: ReprintArgs, out: &mut dyn Write) -> anyhow::Result<u8> {
    let copy_id = bansao_copy::CopyId::parse(&args.copy)
        .map_err(|error| anyhow::anyhow!("--copy {:?}: {error}", args.copy))?;
    let kiosk = Kiosk::open(&args.node)?;
    let now = bansao_node::entropy::now();
    let copy = kiosk.issued_copy(copy_id)?;
    let artifacts = args.node.join("artifacts");
    bansao_node::files::remove_partial_files(&artifacts);
    // The PDF as the copy stands now: after a sync it carries the counter-signature, the
    // certification number, the signer and the date (or the refusal).
    let pdf = artifacts.join(format!("{copy_id}.pdf"));
    let bytes = kiosk.render_artifact(&copy.document, &copy.qr_text, now)?;
    bansao_node::files::write_atomic(&pdf, &bytes, 0o644)?;
    writeln!(
        out,
        "Đã ghi bản sao PDF như hiện nay (sealed PDF written as the copy stands now): {}",
        pdf.display()
    )?;
    let mut printer: Box<dyn ReceiptPrinter> = match &args.receipt {
        Some(path) => Box::new(FilePrinter::new(path)),
        None => configured_printer(&kiosk.settings.devices).map_err(anyhow::Error::msg)?,
    };
    let mut receipt = bansao_node::kiosk_shell::receipt::receipt_for(&kiosk, &copy);
    receipt.reprinted_at = Some(now.vietnam_local());
    let stream = bansao_node::kiosk_shell::receipt::render_receipt(
        &receipt,
        kiosk.settings.devices.paper_80mm,
    )?;
    match printer.print(&stream) {
        Ok(()) => {
            writeln!(
                out,
                "Đã in lại biên nhận của bản sao {copy_id} trên {} (receipt reprinted)",
                printer.name()
            )?;
            Ok(0)
        }
        Err(error) => {
            writeln!(out, "Chưa in được biên nhận (receipt not printed): {error}")?;
            Ok(1)
        }
    }
}
