//! `bansao bench …`: the arguments of every benchmark and lab, and their dispatch.

use std::io::Write;
use std::path::PathBuf;

use clap::Subcommand;

use bansao_node::entropy;

use crate::cli::init_logging;

/// The benchmarks and labs.
#[derive(Debug, Subcommand)]
pub enum BenchCommand {
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
    /// The citizen's kiosk screen over HTTP on loopback: from "done scanning" to the fields
    /// screen received, one A4 page at 300 dpi (recognition on the desk, the page drawn).
    Screen {
        /// Measured sessions (after one warm-up).
        #[arg(long, default_value_t = 10)]
        runs: usize,
        #[command(flatten)]
        place: BenchPlace,
        /// The face photos (obama.jpg, obama2.jpg of the face_recognition package).
        #[arg(long, default_value = crate::bench::issue::DEFAULT_PHOTOS)]
        photos: PathBuf,
    },
    /// How often originals are read right, on originals from independent generators (every
    /// kind in several layouts, fonts and damage levels, some turned round, originals to refuse
    /// and ordinary ones not to): the tuning part and the held-out part.
    Recognition {
        /// The generators to draw originals with: `drawn` (Rust), `html` (Chromium).
        #[arg(long, value_delimiter = ',', default_value = "drawn,html")]
        generators: Vec<String>,
        /// Where rendered originals are kept between runs (a cache).
        #[arg(long, default_value = "target/recognition-originals")]
        work_dir: PathBuf,
        /// Also print the held-out part's misses (do not tune to them).
        #[arg(long)]
        show_held_out_misses: bool,
        /// Only the originals whose name contains one of these (comma-separated), e.g.
        /// `/clean/,mark/`; all of them when not given.
        #[arg(long, value_delimiter = ',')]
        only: Vec<String>,
    },
    /// The face check's false accept, false reject and referral rates, per descriptor model
    /// (dlib, and SFace in a build with `--features sface`), card wear level and part (tuning,
    /// held out), on real photos against simulated identity-card photos.
    Faces {
        /// The face photos (obama.jpg, obama2.jpg, ..., biden.jpg of the face_recognition package).
        #[arg(long, default_value = crate::bench::issue::DEFAULT_PHOTOS)]
        photos: PathBuf,
        /// The other packages' face photos (face-api/, insightface/).
        #[arg(long, default_value = crate::bench::faces::DEFAULT_EXTRA_PHOTOS)]
        extra_photos: PathBuf,
        /// The dlib face models directory (default: BANSAO_FACE_MODELS, then the system's).
        #[arg(long)]
        models: Option<PathBuf>,
        /// The SFace model's directory (read only in a build with `--features sface`).
        #[arg(long, default_value = crate::bench::faces::DEFAULT_SFACE_MODELS)]
        sface_models: PathBuf,
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
    /// The official's day at scale: batch approval of 1,000 queued copies, and the queue page
    /// with 10,000 waiting.
    Ward {
        /// Copies approved in one batch.
        #[arg(long, default_value_t = 1_000)]
        batch: u64,
        /// Copies waiting while the queue page is timed.
        #[arg(long, default_value_t = 10_000)]
        waiting: u64,
        /// Renders of the queue page timed (after one that warms the cache).
        #[arg(long, default_value_t = 10)]
        renders: usize,
        #[command(flatten)]
        place: BenchPlace,
    },
    /// The city: a ward's push of approved copies taken in, registered and logged (copies/s,
    /// end to end over QUIC on loopback, then stage by stage), and inclusion proofs at 10
    /// million leaves.
    City {
        /// Copies the ward pushes (0: skip the intake figures).
        #[arg(long, default_value_t = 10_000)]
        copies: u64,
        /// Leaves of the in-memory log the proofs are measured on (0: skip).
        #[arg(long, default_value_t = 10_000_000)]
        log_leaves: u64,
        /// Inclusion proofs sampled.
        #[arg(long, default_value_t = 1_000)]
        samples: usize,
        #[command(flatten)]
        place: BenchPlace,
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
pub struct BenchPlace {
    /// Where to create the node directories (default: a new temporary directory); removed
    /// afterwards unless --keep.
    #[arg(long)]
    pub dir: Option<PathBuf>,
    /// Keep the node directories.
    #[arg(long)]
    pub keep: bool,
}

/// Runs a benchmark or lab, printing its figures to `out`; returns the exit code.
pub fn run(command: BenchCommand, out: &mut dyn Write) -> anyhow::Result<u8> {
    match command {
        BenchCommand::Issue {
            runs,
            place,
            photos,
        } => {
            init_logging();
            let dir = bench_dir(place.dir)?;
            crate::bench::in_place(&dir, place.keep, || {
                crate::bench::issue::run_issue(&dir, &photos, runs.max(1), out)
            })?;
            Ok(0)
        }
        BenchCommand::Screen {
            runs,
            place,
            photos,
        } => {
            init_logging();
            let dir = bench_dir(place.dir)?;
            crate::bench::in_place(&dir, place.keep, || {
                crate::bench::screen::run_screen(&dir, &photos, runs.max(1), out)
            })?;
            Ok(0)
        }
        BenchCommand::Recognition {
            generators,
            work_dir,
            show_held_out_misses,
            only,
        } => {
            crate::bench::recognition::run(
                out,
                &crate::bench::recognition::RecognitionRun {
                    generators: &generators,
                    work_dir: &work_dir,
                    show_held_out_misses,
                    only: &only,
                },
            )?;
            Ok(0)
        }
        BenchCommand::Faces {
            photos,
            extra_photos,
            models,
            sface_models,
        } => {
            let dlib_models = models.unwrap_or_else(|| {
                bansao_node::kiosk_shell::perception::face_models_dir(
                    &crate::kiosk_commands::with_environment(
                        &bansao_node::config::KioskSettings::default(),
                    ),
                )
            });
            crate::bench::faces::run(
                &crate::bench::faces::FaceBenchInputs {
                    photos: &photos,
                    extra: &extra_photos,
                    dlib_models: &dlib_models,
                    sface_models: &sface_models,
                },
                out,
            )?;
            Ok(0)
        }
        BenchCommand::Ward {
            batch,
            waiting,
            renders,
            place,
        } => {
            init_logging();
            crate::bench::ward::run(
                &crate::bench::ward::WardBenchOptions {
                    dir: bench_dir(place.dir)?,
                    keep: place.keep,
                    batch,
                    waiting,
                    renders,
                },
                out,
            )?;
            Ok(0)
        }
        BenchCommand::City {
            copies,
            log_leaves,
            samples,
            place,
        } => {
            init_logging();
            crate::bench::city::run(
                &crate::bench::city::CityBenchOptions {
                    dir: bench_dir(place.dir)?,
                    keep: place.keep,
                    copies,
                    log_leaves,
                    samples: samples.max(1),
                },
                out,
            )?;
            Ok(0)
        }
        BenchCommand::Sync {
            only,
            place,
            copies,
            scans,
        } => {
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
        BenchCommand::Crash {
            cycles,
            sync_cycles,
            sync_copies,
            syscall_depth,
            seed,
            place,
            child_issue,
        } => {
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
        BenchCommand::Partitions {
            events,
            seed,
            place,
        } => {
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
        BenchCommand::Netlab {
            events,
            gap_ms,
            seed,
            patience_seconds,
            place,
            inside_namespace,
        } => {
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
    }
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
