//! The command line: `bansao <command>`, parsed with clap and dispatched to the application
//! library's services; failures become exit codes through [`crate::exit`].

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use bansao_copy::{CommuneCode, CopyId, KioskId, OfficialId};
use bansao_node::city::{City, Validity};
use bansao_node::config::{Commune, NodeRole};
use bansao_node::node_dir::NodeDir;
use bansao_node::ward::Ward;
use bansao_node::{copies, entropy, trust_export, verify};
use bansao_trust::KeyId;
use clap::{Parser, Subcommand};

use crate::demo;
pub use crate::exit::{DAMAGE_EXIT_CODE, exit_code_for};

/// bansao: chứng thực bản sao từ bản chính, offline (certified copies of originals, offline).
#[derive(Debug, Parser)]
#[command(name = "bansao", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run a whole certification day on this machine and leave the results in DIR.
    Demo {
        /// Where to create the city, ward and kiosk and write the copies.
        #[arg(long)]
        dir: PathBuf,
        /// A photo of one person's face: the portrait of the sample identity card written to
        /// DIR/samples for `bansao kiosk issue` (with --camera-photo).
        #[arg(long, requires = "camera_photo")]
        portrait_photo: Option<PathBuf>,
        /// Another photo of the same person: the sample camera frame.
        #[arg(long, requires = "portrait_photo")]
        camera_photo: Option<PathBuf>,
    },
    /// Check a copy offline: QR text file, photo/PNG of the QR, the PDF, or `-` for QR text on stdin.
    Verify {
        /// The trust file (trust.cbor) published by the city.
        #[arg(long, required_unless_present = "node")]
        trust: Option<PathBuf>,
        /// A ward or city node directory: its trust file, and what it knows of the copy's kiosk
        /// chain (duplicates, gaps, forks, clock anomalies) is said too.
        #[arg(long)]
        node: Option<PathBuf>,
        /// Print one JSON object instead of text.
        #[arg(long)]
        json: bool,
        /// The file to check, or `-`.
        input: String,
    },
    /// Key ceremonies: create the city root, certify, rotate, revoke.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// The ward's work: the review queue, one copy's case, approve, reject.
    #[command(subcommand)]
    Ward(crate::ward_commands::WardCommand),
    /// The trust list.
    #[command(subcommand)]
    Trust(TrustCommand),
    /// The node's database.
    #[command(subcommand)]
    Store(StoreCommand),
    /// Run a node (kiosk, ward or city, from its bansao.toml): sync until stopped.
    Run {
        /// The node directory.
        #[arg(long)]
        node: PathBuf,
    },
    /// Sync once with the upstream (or the given peers) and exit; exit 1 if a round did not finish.
    Sync {
        /// The node directory.
        #[arg(long)]
        node: PathBuf,
        /// A peer's HOST:PORT (repeatable; default: sync.upstream of the node).
        #[arg(long)]
        peer: Vec<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Benchmarks, one JSON object per line.
    #[command(subcommand)]
    Bench(BenchCommand),
    /// The kiosk: a citizen's session with simulated devices.
    #[command(subcommand)]
    Kiosk(KioskCommand),
    /// Show the node's sync state with each peer.
    Status {
        /// The node directory.
        #[arg(long)]
        node: PathBuf,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
enum KeysCommand {
    /// Create the city: root key (keep offline), registrar key, empty lists, trust.cbor.
    InitCity {
        /// The city directory to create.
        #[arg(long)]
        dir: PathBuf,
        /// The city's name, e.g. "Sở Tư pháp Thành phố Hà Nội".
        #[arg(long)]
        name: String,
        /// Validity of the root certificate, in days.
        #[arg(long, default_value_t = 20 * 365)]
        root_days: i64,
    },
    /// Certify a ward (commune): creates its directory, key, certificate and configuration.
    CertifyWard {
        /// The city directory.
        #[arg(long)]
        city: PathBuf,
        /// The ward directory to create.
        #[arg(long)]
        dir: PathBuf,
        /// Five-digit commune code.
        #[arg(long)]
        commune_code: CommuneCode,
        /// Commune name, e.g. "Xã Tân Lập".
        #[arg(long)]
        commune_name: String,
        /// Node name, e.g. "UBND xã Tân Lập" (defaults to the commune name).
        #[arg(long)]
        name: Option<String>,
        /// Validity in days.
        #[arg(long, default_value_t = 5 * 365)]
        days: i64,
    },
    /// Certify a kiosk of a ward: creates its directory, key, certificate and configuration.
    CertifyKiosk {
        /// The city directory.
        #[arg(long)]
        city: PathBuf,
        /// The ward directory (its key signs the kiosk's certificate).
        #[arg(long)]
        ward: PathBuf,
        /// The kiosk directory to create.
        #[arg(long)]
        dir: PathBuf,
        /// The kiosk id, e.g. KIOSK-TANLAP-01.
        #[arg(long)]
        kiosk_id: KioskId,
        /// A name people recognise.
        #[arg(long)]
        name: Option<String>,
        /// Validity in days.
        #[arg(long, default_value_t = 5 * 365)]
        days: i64,
    },
    /// Certify an official of a ward; the key is kept in WARD/officials/ID.key.
    CertifyOfficial {
        /// The city directory.
        #[arg(long)]
        city: PathBuf,
        /// The ward directory.
        #[arg(long)]
        ward: PathBuf,
        /// A short id, e.g. tran-thi-binh.
        #[arg(long)]
        id: OfficialId,
        /// The official's full name.
        #[arg(long)]
        name: String,
        /// Validity in days.
        #[arg(long, default_value_t = 5 * 365)]
        days: i64,
    },
    /// Replace a node's or official's key; the old key is retired (earlier signatures stay valid).
    Rotate {
        /// The city directory.
        #[arg(long)]
        city: PathBuf,
        /// A kiosk or ward directory whose node key to rotate.
        #[arg(long, conflicts_with = "official")]
        node: Option<PathBuf>,
        /// The ward directory (for an official, and for a kiosk: its key certifies the new key).
        #[arg(long)]
        ward: Option<PathBuf>,
        /// The official id (with --ward).
        #[arg(long, requires = "ward")]
        official: Option<OfficialId>,
    },
    /// Revoke a key: its signatures, and those of keys it certified, stop counting.
    Revoke {
        /// The city directory.
        #[arg(long)]
        city: PathBuf,
        /// The key id (16 hex digits, see `bansao trust export`).
        #[arg(long)]
        key: String,
        /// Why, in words people read.
        #[arg(long)]
        reason: String,
    },
    /// Revoke one copy.
    RevokeCopy {
        /// The city directory.
        #[arg(long)]
        city: PathBuf,
        /// The copy id.
        #[arg(long)]
        copy: String,
        /// Why.
        #[arg(long)]
        reason: String,
    },
    /// Copy the city's current trust.cbor into node directories.
    Publish {
        /// The city directory.
        #[arg(long)]
        city: PathBuf,
        /// Node directories to update.
        #[arg(long, required = true, num_args = 1..)]
        to: Vec<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
enum KioskCommand {
    /// One whole session without interaction: read the card, check the face, scan and check the
    /// pages, recognise the document, issue the copy (signed, stored, sealed PDF in
    /// NODE/artifacts) and print the receipt. Exit 0 when a copy was issued, 1 when not.
    Issue(crate::kiosk_commands::IssueArgs),
    /// Print a copy's receipt again (marked as a reprint) on the configured printer, and write
    /// its sealed PDF again if it is missing.
    Reprint(crate::kiosk_commands::ReprintArgs),
}

#[derive(Debug, Subcommand)]
enum BenchCommand {
    /// A whole kiosk session for one A4 page at 300 dpi (OCR, classification, face, sign,
    /// store, PDF, receipt bytes): median and per-step medians.
    Issue {
        /// Measured sessions (after one warm-up).
        #[arg(long, default_value_t = 10)]
        runs: usize,
        #[command(flatten)]
        place: BenchPlace,
        /// The face photos (obama.jpg, obama2.jpg, ... of the face_recognition package).
        #[arg(long, default_value = crate::bench::issue::DEFAULT_PHOTOS)]
        photos: PathBuf,
    },
    /// How often originals are read right: generated documents of every kind, scanned at 300 dpi
    /// (names in capitals on half, crooked, some upside down), and originals to refuse.
    Recognition,
    /// The face check's false accept and false reject rates on real photos against simulated
    /// identity-card photos.
    Faces {
        /// The face photos (obama.jpg, obama2.jpg, ..., biden.jpg of the face_recognition package).
        #[arg(long, default_value = crate::bench::issue::DEFAULT_PHOTOS)]
        photos: PathBuf,
        /// The face models directory (default: BANSAO_FACE_MODELS, then the system's).
        #[arg(long)]
        models: Option<PathBuf>,
    },
    /// The crash lab: issuing processes and a ward killed with SIGKILL at random moments and at
    /// chosen system calls; after each kill nothing acknowledged may be lost or damaged.
    Crash {
        /// Random kills during issuance (one or two issuing processes).
        #[arg(long, default_value_t = 200)]
        cycles: u64,
        /// Kills of a ward taking in a kiosk's copies.
        #[arg(long, default_value_t = 100)]
        sync_cycles: u64,
        /// Copies the kiosk issues across the sync cycles (pushed as the ward crashes).
        #[arg(long, default_value_t = 2_000)]
        sync_copies: u64,
        /// Kill at the Nth fsync and pwrite64 for N in 1..=this (needs strace; 0: skip).
        #[arg(long, default_value_t = 12)]
        syscall_depth: u64,
        /// Seed of the kill times.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[command(flatten)]
        place: BenchPlace,
        /// (The issuing child process: issue in a loop in this kiosk directory.)
        #[arg(long, hide = true)]
        child_issue: Option<PathBuf>,
    },
    /// The partition lab: a city, a ward, five kiosks and a carrier syncing through cuttable
    /// links, random cuts, heals, issues and approvals, then a heal: every node must converge.
    Partitions {
        /// Random events before the heal.
        #[arg(long, default_value_t = 100)]
        events: u64,
        /// Seed of the events.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[command(flatten)]
        place: BenchPlace,
    },
    /// The network lab: every node a `bansao run` process in its own network namespace, every
    /// link through a relay that cuts it; random cuts, heals, issues and approvals, then a heal:
    /// every node must converge.
    Netlab {
        /// Random events before the heal.
        #[arg(long, default_value_t = 100)]
        events: u64,
        /// Milliseconds between events.
        #[arg(long, default_value_t = 1_000)]
        gap_ms: u64,
        /// Seed of the events and of the links' loss.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Give up waiting for convergence after this many seconds of the heal.
        #[arg(long, default_value_t = 400)]
        patience_seconds: u64,
        #[command(flatten)]
        place: BenchPlace,
        /// (Set when the lab runs itself again inside its namespace.)
        #[arg(long, hide = true)]
        inside_namespace: bool,
    },
    /// The sync engine on real SQLite files and real QUIC on loopback.
    Sync {
        /// Only these (repeatable): initial_push_10k, reconnect_unchanged_100k,
        /// reconnect_10_changed_100k, blobs_lossy_link, ward_rss_100k.
        #[arg(long)]
        only: Vec<String>,
        #[command(flatten)]
        place: BenchPlace,
        /// Copies of the large collection.
        #[arg(long, default_value_t = 100_000)]
        copies: u64,
        /// Scans sent over the lossy link.
        #[arg(long, default_value_t = 200)]
        scans: u64,
    },
}

/// Where a benchmark puts its node directories.
#[derive(Debug, Clone, clap::Args)]
struct BenchPlace {
    /// Where to create the node directories (default: a new temporary directory); removed
    /// afterwards unless --keep.
    #[arg(long)]
    dir: Option<PathBuf>,
    /// Keep the node directories.
    #[arg(long)]
    keep: bool,
}

#[derive(Debug, Subcommand)]
enum TrustCommand {
    /// List every key of a trust file with role, subject and validity.
    Export {
        /// The trust file.
        #[arg(long)]
        trust: PathBuf,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
enum StoreCommand {
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

/// Tesseract's OpenMP threads thrash on two cores (one page took minutes instead of under a
/// second, measured), and the limit must be in the environment before the library starts —
/// setting it from inside the process is not safe Rust. So when `OMP_THREAD_LIMIT` is missing,
/// bansao runs itself again with it set to 1 (an `exec`: same process id, same arguments).
#[cfg(unix)]
fn limit_openmp_threads() {
    use std::os::unix::process::CommandExt;
    if std::env::var_os("OMP_THREAD_LIMIT").is_some() {
        return;
    }
    let mut args = std::env::args_os();
    let (Some(arg0), Ok(exe)) = (args.next(), std::env::current_exe()) else {
        return;
    };
    let error = std::process::Command::new(exe)
        .arg0(arg0)
        .args(args)
        .env("OMP_THREAD_LIMIT", "1")
        .exec();
    // `exec` returns only when it failed: carry on unlimited, and say so.
    eprintln!("bansao: could not set OMP_THREAD_LIMIT=1 ({error}); OCR may be slow");
}

/// A benchmark's directory: the one given, or a new one under the system's temporary directory.
fn bench_dir(given: Option<PathBuf>) -> anyhow::Result<PathBuf> {
    Ok(match given {
        Some(dir) => dir,
        None => std::env::temp_dir().join(format!(
            "bansao-bench-{}",
            hex::encode(entropy::random_bytes::<6>()?)
        )),
    })
}

/// Entry point of the binary.
pub fn main() -> ExitCode {
    #[cfg(unix)]
    limit_openmp_threads();
    let mut stdout = std::io::stdout().lock();
    // Not locked for the whole run: log lines from other threads go to stderr too.
    let mut stderr = std::io::stderr();
    ExitCode::from(execute(std::env::args_os(), &mut stdout, &mut stderr))
}

/// Parses `args` (the program name first) and runs the command, writing its output to `out` and
/// errors to `err`; returns the exit code. Tests call this in-process.
pub fn execute<I, T>(args: I, out: &mut dyn Write, err: &mut dyn Write) -> u8
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(error) => {
            let code = if error.use_stderr() { 2 } else { 0 };
            let rendered = error.render().to_string();
            let _ = if error.use_stderr() {
                write!(err, "{rendered}")
            } else {
                write!(out, "{rendered}")
            };
            return code;
        }
    };
    match run(cli, out) {
        Ok(code) => code,
        Err(error) => {
            let _ = out.flush();
            let mut message = format!("lỗi (error): {error}");
            for cause in error.chain().skip(1) {
                message.push_str(&format!("\n  vì (because): {cause}"));
            }
            let _ = writeln!(err, "{message}");
            exit_code_for(&error)
        }
    }
}

/// Logs to stderr, filtered by `BANSAO_LOG` (e.g. `debug`, `bansao_sync=debug`); `info` by
/// default (automerge's own spans only from `warn`). No colours unless stderr is a terminal.
fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("BANSAO_LOG")
        // automerge's `#[instrument]` spans are at INFO: recording them formats its internals
        // on every document load, a few per cent of a sync's CPU, for lines nobody reads.
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,automerge=warn"));
    // Log lines go to stderr, so the JSON lines of `bench` and `--json` stay clean.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
}

fn print_json(out: &mut dyn Write, value: &serde_json::Value) -> anyhow::Result<()> {
    writeln!(out, "{}", serde_json::to_string_pretty(value)?)?;
    Ok(())
}

/// Runs a parsed command, writing its output to `out`; returns the exit code on success.
pub fn run(cli: Cli, out: &mut dyn Write) -> anyhow::Result<u8> {
    let now = entropy::now();
    match cli.command {
        Command::Demo {
            dir,
            portrait_photo,
            camera_photo,
        } => {
            let faces = demo::DemoFaces {
                portrait: portrait_photo,
                camera: camera_photo,
            };
            demo::run(&dir, &faces, out)?;
            Ok(0)
        }
        Command::Verify {
            trust,
            node,
            json,
            input,
        } => run_verify(trust.as_deref(), node.as_deref(), json, &input, out),
        Command::Ward(command) => crate::ward_commands::run(command, out),
        Command::Keys(command) => {
            run_keys(command, now, out)?;
            Ok(0)
        }
        Command::Trust(TrustCommand::Export { trust, json }) => {
            let context = verify::load_trust(&trust)?;
            if json {
                print_json(out, &trust_export::export_json(&context))?;
            } else {
                writeln!(out, "{}", trust_export::export_text(&context))?;
            }
            Ok(0)
        }
        Command::Run { node } => {
            init_logging();
            crate::sync_commands::run_node(&node, out)?;
            Ok(0)
        }
        Command::Sync { node, peer, json } => {
            init_logging();
            let finished = crate::sync_commands::sync_once(&node, &peer, json, out)?;
            Ok(if finished { 0 } else { 1 })
        }
        Command::Bench(BenchCommand::Issue {
            runs,
            place,
            photos,
        }) => {
            init_logging();
            let dir = bench_dir(place.dir)?;
            let result = crate::bench::issue::run_issue(&dir, &photos, runs.max(1), out);
            if !place.keep {
                let _ = std::fs::remove_dir_all(&dir);
            }
            result?;
            Ok(0)
        }
        Command::Bench(BenchCommand::Recognition) => {
            crate::bench::recognition::run(out)?;
            Ok(0)
        }
        Command::Bench(BenchCommand::Faces { photos, models }) => {
            crate::bench::issue::run_faces(&photos, models.as_deref(), out)?;
            Ok(0)
        }
        Command::Bench(BenchCommand::Sync {
            only,
            place,
            copies,
            scans,
        }) => {
            init_logging();
            crate::bench::sync::run(
                &crate::bench::sync::BenchOptions {
                    dir: bench_dir(place.dir)?,
                    keep: place.keep,
                    only,
                    large: copies,
                    scans,
                },
                out,
            )?;
            Ok(0)
        }
        Command::Bench(BenchCommand::Crash {
            cycles,
            sync_cycles,
            sync_copies,
            syscall_depth,
            seed,
            place,
            child_issue,
        }) => {
            if let Some(node) = child_issue {
                crate::bench::crash::child_issue(&node, out)?;
                return Ok(0);
            }
            init_logging();
            crate::bench::crash::run(
                &crate::bench::crash::CrashOptions {
                    dir: bench_dir(place.dir)?,
                    keep: place.keep,
                    issuance_cycles: cycles,
                    sync_cycles,
                    sync_copies,
                    syscall_depth,
                    seed,
                },
                out,
            )?;
            Ok(0)
        }
        Command::Bench(BenchCommand::Partitions {
            events,
            seed,
            place,
        }) => {
            init_logging();
            crate::bench::partitions::run(
                &crate::bench::partitions::PartitionOptions {
                    dir: bench_dir(place.dir)?,
                    keep: place.keep,
                    events,
                    seed,
                },
                out,
            )?;
            Ok(0)
        }
        Command::Bench(BenchCommand::Netlab {
            events,
            gap_ms,
            seed,
            patience_seconds,
            place,
            inside_namespace,
        }) => {
            init_logging();
            crate::bench::netlab::run(
                &crate::bench::netlab::NetlabOptions {
                    dir: bench_dir(place.dir)?,
                    keep: place.keep,
                    events,
                    gap: std::time::Duration::from_millis(gap_ms),
                    seed,
                    patience: std::time::Duration::from_secs(patience_seconds),
                    inside: inside_namespace,
                },
                out,
            )?;
            Ok(0)
        }
        Command::Kiosk(KioskCommand::Issue(args)) => crate::kiosk_commands::issue(args, out),
        Command::Kiosk(KioskCommand::Reprint(args)) => crate::kiosk_commands::reprint(args, out),
        Command::Status { node, json } => {
            crate::sync_commands::status(&node, json, out)?;
            Ok(0)
        }
        Command::Store(StoreCommand::Reindex { node }) => {
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
        Command::Store(StoreCommand::Check { node }) => run_store_check(&node, now, out),
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

fn run_verify(
    trust: Option<&Path>,
    node: Option<&Path>,
    json: bool,
    input: &str,
    out: &mut dyn Write,
) -> anyhow::Result<u8> {
    let node = node.map(NodeDir::read).transpose()?;
    let trust_path = match (trust, &node) {
        (Some(path), _) => path.to_owned(),
        (None, Some(node)) => node.config.paths.trust.clone(),
        (None, None) => anyhow::bail!("give --trust FILE or --node DIR"),
    };
    let result =
        verify::load_trust(&trust_path).and_then(|context| verify::verify_input(input, &context));
    match result {
        Ok((kind, verification)) => {
            let chain = match &node {
                Some(node) => Some(verify::chain_knowledge(&node.open_store()?, &verification)?),
                None => None,
            };
            if json {
                let mut value = verify::verification_json(kind, &verification);
                if let Some(chain) = &chain {
                    value["chain"] = chain.to_json();
                }
                print_json(out, &value)?;
            } else {
                writeln!(out, "{}", verify::verification_text(&verification))?;
                if let Some(chain) = &chain {
                    for line in chain.lines() {
                        writeln!(out, "{line}")?;
                    }
                }
            }
            Ok(verify::verdict_exit_code(&verification.verdict))
        }
        Err(error) if json => {
            print_json(
                out,
                &serde_json::json!({
                    "genuine": false,
                    "verdict": "unusable-input",
                    "error": error.code(),
                    "message": error.to_string(),
                }),
            )?;
            Ok(error.exit_code())
        }
        Err(error) => Err(error.into()),
    }
}

fn run_keys(
    command: KeysCommand,
    now: bansao_copy::Timestamp,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let validity = |days: i64| Validity {
        node_days: days,
        ..Validity::default()
    };
    match command {
        KeysCommand::InitCity {
            dir,
            name,
            root_days,
        } => {
            let city = City::init(
                &dir,
                &name,
                now,
                Validity {
                    root_days,
                    ..Validity::default()
                },
            )?;
            writeln!(
                out,
                "Đã tạo thành phố {name} trong {} (city created).",
                city.dir().display()
            )?;
            writeln!(
                out,
                "Giữ khóa gốc {} ngoại tuyến (keep the root key offline).",
                dir.join(bansao_node::city::ROOT_KEY_FILE).display()
            )?;
        }
        KeysCommand::CertifyWard {
            city,
            dir,
            commune_code,
            commune_name,
            name,
            days,
        } => {
            let mut city = City::open(&city)?;
            let commune = Commune {
                code: commune_code,
                name: commune_name.clone(),
            };
            let certificate = city.certify_ward(
                &dir,
                &commune,
                name.as_deref().unwrap_or(&commune_name),
                now,
                validity(days),
            )?;
            writeln!(
                out,
                "Đã cấp chứng thư cho xã {commune_name}: khóa {} (ward certified).",
                certificate.key_id()
            )?;
        }
        KeysCommand::CertifyKiosk {
            city,
            ward,
            dir,
            kiosk_id,
            name,
            days,
        } => {
            let mut city = City::open(&city)?;
            let ward = Ward::open(&ward)?;
            let certificate = city.certify_kiosk(
                &ward,
                &dir,
                &kiosk_id,
                name.as_deref().unwrap_or(kiosk_id.as_str()),
                now,
                validity(days),
            )?;
            writeln!(
                out,
                "Đã cấp chứng thư cho ki-ốt {kiosk_id}: khóa {} (kiosk certified).",
                certificate.key_id()
            )?;
        }
        KeysCommand::CertifyOfficial {
            city,
            ward,
            id,
            name,
            days,
        } => {
            let mut city = City::open(&city)?;
            let ward = Ward::open(&ward)?;
            let certificate = city.certify_official(&ward, &id, &name, now, validity(days))?;
            writeln!(
                out,
                "Đã cấp chứng thư cho cán bộ {name}: khóa {} (official certified).",
                certificate.key_id()
            )?;
        }
        KeysCommand::Rotate {
            city,
            node,
            ward,
            official,
        } => {
            let mut city = City::open(&city)?;
            let (key_path, certificate_path, issuer) = match (node, ward, official) {
                (_, Some(ward_dir), Some(official)) => {
                    let ward = NodeDir::read(&ward_dir)?.expect_role(NodeRole::Ward)?;
                    let (key, certificate) =
                        bansao_node::ward::official_files(&ward.path, &official);
                    (key, certificate, Some(ward.config.paths.key))
                }
                (Some(node), ward_dir, None) => {
                    let config = NodeDir::read(&node)?.config;
                    let issuer = match config.role() {
                        NodeRole::Kiosk => {
                            let ward_dir = ward_dir.context(
                                "rotating a kiosk key needs --ward (the ward key certifies it)",
                            )?;
                            let ward = NodeDir::read(&ward_dir)?.expect_role(NodeRole::Ward)?;
                            Some(ward.config.paths.key)
                        }
                        _ => None,
                    };
                    (config.paths.key, config.paths.certificate, issuer)
                }
                _ => anyhow::bail!(
                    "say which key to rotate: --node DIR, or --ward DIR --official ID"
                ),
            };
            let (old, certificate) = city.rotate(
                &key_path,
                &certificate_path,
                issuer.as_deref(),
                now,
                Validity::default(),
            )?;
            writeln!(
                out,
                "Đã thay khóa {old} bằng khóa {} (key rotated; the old key is retired).",
                certificate.key_id()
            )?;
        }
        KeysCommand::Revoke { city, key, reason } => {
            let mut city = City::open(&city)?;
            let key_id = KeyId::from_hex(&key)?;
            city.revoke_key(key_id, &reason, now)?;
            writeln!(
                out,
                "Đã thu hồi khóa {key_id} (key revoked). Phát hành lại trust.cbor cho các nút."
            )?;
        }
        KeysCommand::RevokeCopy { city, copy, reason } => {
            let mut city = City::open(&city)?;
            let copy_id = CopyId::parse(&copy)?;
            city.revoke_copy(copy_id, &reason, now)?;
            writeln!(out, "Đã thu hồi bản sao {copy_id} (copy revoked).")?;
        }
        KeysCommand::Publish { city, to } => {
            let city = City::open(&city)?;
            let dirs: Vec<&Path> = to.iter().map(PathBuf::as_path).collect();
            city.distribute(&dirs)?;
            writeln!(
                out,
                "Đã cập nhật trust.cbor cho {} nút (trust list published).",
                dirs.len()
            )?;
        }
    }
    Ok(())
}
