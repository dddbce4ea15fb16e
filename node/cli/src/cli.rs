//! The command line: `bansao <command>`, parsed with clap and dispatched to the application
//! library's services; failures become exit codes through [`crate::exit`].

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use bansao_node::{entropy, trust_export, verify};
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
    /// Run a whole certification day on this machine and leave the results in DIR; with
    /// --serve, run a kiosk, a ward and a city here, syncing, with their web pages, until Ctrl-C.
    Demo {
        /// Where to create the city, ward and kiosk and write the copies (with --serve: where
        /// they are, or are made the first time).
        #[arg(long)]
        dir: PathBuf,
        /// Run the three nodes and their sites until Ctrl-C or SIGTERM (again on the same DIR:
        /// the same nodes, resumed).
        #[arg(long)]
        serve: bool,
        /// With --serve: the web ports KIOSK,WARD,CITY (the ward's and the city's sync use the
        /// UDP ports of the same numbers). Default: each role's, 8480,8481,8482.
        #[arg(long, requires = "serve", value_parser = crate::demo_serve::DemoPorts::parse)]
        ports: Option<crate::demo_serve::DemoPorts>,
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
    Keys(crate::keys_commands::KeysCommand),
    /// City staff's work: register a copy its ward approved.
    #[command(subcommand)]
    City(crate::city_commands::CityCommand),
    /// The city's transparency log: the signed checkpoint, inclusion proofs, an audit.
    #[command(subcommand)]
    Log(crate::log_commands::LogCommand),
    /// The ward's work: the review queue, one copy's case, approve, reject.
    #[command(subcommand)]
    Ward(crate::ward_commands::WardCommand),
    /// The trust list.
    #[command(subcommand)]
    Trust(TrustCommand),
    /// The node's database.
    #[command(subcommand)]
    Store(crate::store_commands::StoreCommand),
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
    Bench(crate::bench::command::BenchCommand),
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
pub(crate) fn init_logging() {
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

pub(crate) fn print_json(out: &mut dyn Write, value: &serde_json::Value) -> anyhow::Result<()> {
    writeln!(out, "{}", serde_json::to_string_pretty(value)?)?;
    Ok(())
}

/// Runs a parsed command, writing its output to `out`; returns the exit code on success.
pub fn run(cli: Cli, out: &mut dyn Write) -> anyhow::Result<u8> {
    let now = entropy::now();
    match cli.command {
        Command::Demo {
            dir,
            serve,
            ports,
            portrait_photo,
            camera_photo,
        } => {
            let faces = demo::DemoFaces {
                portrait: portrait_photo,
                camera: camera_photo,
            };
            if serve {
                init_logging();
                crate::demo_serve::run(&dir, ports.unwrap_or_default(), &faces, out)?;
            } else {
                demo::run(&dir, &faces, out)?;
            }
            Ok(0)
        }
        Command::Verify {
            trust,
            node,
            json,
            input,
        } => crate::verify_commands::run(trust.as_deref(), node.as_deref(), json, &input, out),
        Command::Ward(command) => crate::ward_commands::run(command, out),
        Command::Log(command) => crate::log_commands::run(command, out),
        Command::City(command) => crate::city_commands::run(command, now, out),
        Command::Keys(command) => {
            crate::keys_commands::run(command, now, out)?;
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
        Command::Bench(command) => crate::bench::command::run(command, out),
        Command::Store(command) => crate::store_commands::run(command, now, out),
        Command::Kiosk(KioskCommand::Issue(args)) => crate::kiosk_commands::issue(args, out),
        Command::Kiosk(KioskCommand::Reprint(args)) => crate::kiosk_commands::reprint(args, out),
        Command::Status { node, json } => {
            crate::sync_commands::status(&node, json, out)?;
            Ok(0)
        }
    }
}
