//! `bansao bench netlab`: the network lab. Every node is a `bansao run` process in a network
//! namespace of its own, joined to the lab's namespace by a veth pair; every link between two
//! nodes goes through a relay in the lab's namespace (`bansao_sync_net::Relay`), which cuts it
//! or gives it loss and delay. A city, a ward, five kiosks and a carrier (a sixth kiosk that
//! dials the five as an official's laptop would: there is no laptop role yet) sync as they do in
//! the field — `bansao run`, rounds every 5 s, reconnection with backoff — while the lab cuts and
//! heals links at random, issues copies at the kiosks and approves at the ward. Then every link
//! is healed and the lab waits until every node holds the same copies of the commune in the same
//! version and status.
//!
//! The lab runs itself again inside an unprivileged user and network namespace (`unshare`), so
//! nothing it does reaches the machine's network; its nodes are started in nested network
//! namespaces (`unshare --net`) and their veth ends configured with `ip` and `nsenter`.
//!
//! Figure: `netlab_converge`, the number of events, with the cuts, the copies and approvals and
//! the seconds the heal took to converge.

use std::io::Write;
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use bansao_sync_net::{LinkProfile, Relay};
use rand_pcg::Pcg64;
use rand_pcg::rand_core::{Rng, SeedableRng};

use crate::bench::Figure;
use crate::bench::partitions::{approve_one, convergence, create_world};
use bansao_node::entropy;
use bansao_node::kiosk::Kiosk;
use bansao_testkit::sample_request;

/// What to run.
#[derive(Debug, Clone)]
pub struct NetlabOptions {
    /// Where to put the node directories (removed afterwards unless `keep`).
    pub dir: PathBuf,
    /// Keep them.
    pub keep: bool,
    /// Random events before the heal.
    pub events: u64,
    /// Time between events.
    pub gap: Duration,
    /// Seed of the events and of the links' loss.
    pub seed: u64,
    /// Give up waiting for convergence after this long.
    pub patience: Duration,
    /// Set when running inside the lab's namespace (the re-run).
    pub inside: bool,
}

/// The port every node listens on, in its own namespace.
const NODE_PORT: u16 = 7844;
/// The first port of the relays.
const RELAY_PORT: u16 = 9000;

/// The address of node `index` inside its namespace, and of the lab's end of its veth pair.
fn node_address(index: usize) -> Ipv4Addr {
    Ipv4Addr::new(10, 88, index as u8, 2)
}

fn lab_address(index: usize) -> Ipv4Addr {
    Ipv4Addr::new(10, 88, index as u8, 1)
}

/// Runs the lab (in its namespace) and prints its figure.
pub fn run(options: &NetlabOptions, out: &mut dyn Write) -> anyhow::Result<()> {
    if !options.inside {
        return rerun_in_namespace(options, out);
    }
    crate::bench::in_place(&options.dir, options.keep, || run_inside(options, out))
}

fn rerun_in_namespace(options: &NetlabOptions, out: &mut dyn Write) -> anyhow::Result<()> {
    let exe = std::env::current_exe()?;
    let mut command = Command::new("unshare");
    command
        .args(["--user", "--map-root-user", "--net", "--"])
        .arg(exe)
        .args(["bench", "netlab", "--inside-namespace"])
        .args(["--events", &options.events.to_string()])
        .args(["--gap-ms", &options.gap.as_millis().to_string()])
        .args(["--seed", &options.seed.to_string()])
        .args([
            "--patience-seconds",
            &options.patience.as_secs().to_string(),
        ])
        .arg("--dir")
        .arg(&options.dir);
    if options.keep {
        command.arg("--keep");
    }
    let output = command
        .stderr(Stdio::inherit())
        .output()
        .context("cannot run unshare (util-linux) to make the lab's namespace")?;
    out.write_all(&output.stdout)?;
    if !output.status.success() {
        bail!(
            "the network lab failed in its namespace ({})",
            output.status
        );
    }
    Ok(())
}

fn ip(args: &[&str]) -> anyhow::Result<()> {
    run_ip(Command::new("ip").args(args), "cannot run ip", || {
        format!("ip {}", args.join(" "))
    })
}

fn ip_in(pid: u32, args: &[&str]) -> anyhow::Result<()> {
    run_ip(
        Command::new("nsenter")
            .args(["-t", &pid.to_string(), "-n", "ip"])
            .args(args),
        "cannot run nsenter",
        || format!("ip {} in node {pid}'s namespace", args.join(" ")),
    )
}

/// Runs `command`, an `ip` invocation (`cannot_run` when it does not start); a failure is
/// `what` failed with what `ip` said.
fn run_ip(
    command: &mut Command,
    cannot_run: &'static str,
    what: impl FnOnce() -> String,
) -> anyhow::Result<()> {
    let output = command.output().context(cannot_run)?;
    if !output.status.success() {
        bail!(
            "{}: {}",
            what(),
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(())
}

/// The lab's links: (initiator, responder) by node index (0 city, 1 ward, 2..=6 kiosks,
/// 7 the carrier).
fn links() -> Vec<(usize, usize)> {
    let mut links = vec![(1, 0)];
    for kiosk in 2..=6 {
        links.push((kiosk, 1));
        links.push((7, kiosk));
    }
    links
}

fn relay_address(link: usize, initiator: usize) -> SocketAddrV4 {
    SocketAddrV4::new(lab_address(initiator), RELAY_PORT + link as u16)
}

/// Writes each node's `[sync]` settings: listen on the lab port, dial its links' relays.
fn configure(dirs: &[PathBuf]) -> anyhow::Result<()> {
    for (index, dir) in dirs.iter().enumerate() {
        let upstream: Vec<String> = links()
            .iter()
            .enumerate()
            .filter(|(_, (initiator, _))| *initiator == index)
            .map(|(link, (initiator, _))| format!("\"{}\"", relay_address(link, *initiator)))
            .collect();
        let settings = format!(
            "listen = \"0.0.0.0:{NODE_PORT}\"\ninterval_seconds = 5\nlan_discovery = false\nupstream = [{}]\n",
            upstream.join(", ")
        );
        let path = dir.join(bansao_node::config::CONFIG_FILE_NAME);
        let config = std::fs::read_to_string(&path)?;
        let config = if config.contains("upstream = []") {
            config.replace("upstream = []\n", &settings)
        } else if config.contains("\n[sync]\n") {
            // A [sync] section without upstreams (the testkit's city): the settings go in it.
            config.replacen("\n[sync]\n", &format!("\n[sync]\n{settings}"), 1)
        } else {
            format!("{config}\n[sync]\n{settings}")
        };
        std::fs::write(&path, config)?;
    }
    Ok(())
}

/// Starts node `index` as `bansao run` in a network namespace of its own and joins it to the
/// lab by a veth pair.
fn start_node(exe: &Path, dir: &Path, index: usize) -> anyhow::Result<Child> {
    let log = std::fs::File::create(dir.join("node.log"))?;
    let child = Command::new("unshare")
        .args(["--net", "--"])
        .arg(exe)
        .args(["run", "--node"])
        .arg(dir)
        // Already set: the binary would otherwise re-execute itself to set it.
        .env("OMP_THREAD_LIMIT", "1")
        .env("BANSAO_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .context("cannot start a node in its namespace")?;
    let pid = child.id();
    let (lab_end, node_end) = (format!("lab{index}"), format!("node{index}"));
    // The namespace exists once unshare has made it; give it a moment.
    let mut attempts = 0;
    loop {
        let own = std::fs::read_link(format!("/proc/{pid}/ns/net")).ok();
        let lab = std::fs::read_link("/proc/self/ns/net").ok();
        if own.is_some() && own != lab {
            break;
        }
        attempts += 1;
        if attempts > 100 {
            bail!("node {index} did not get a network namespace of its own");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    ip(&[
        "link", "add", &lab_end, "type", "veth", "peer", "name", &node_end,
    ])?;
    ip(&["link", "set", &node_end, "netns", &pid.to_string()])?;
    ip(&[
        "addr",
        "add",
        &format!("{}/24", lab_address(index)),
        "dev",
        &lab_end,
    ])?;
    ip(&["link", "set", &lab_end, "up"])?;
    ip_in(pid, &["link", "set", "lo", "up"])?;
    ip_in(
        pid,
        &[
            "addr",
            "add",
            &format!("{}/24", node_address(index)),
            "dev",
            &node_end,
        ],
    )?;
    ip_in(pid, &["link", "set", &node_end, "up"])?;
    Ok(child)
}

fn run_inside(options: &NetlabOptions, out: &mut dyn Write) -> anyhow::Result<()> {
    ip(&["link", "set", "lo", "up"])?;
    let (_, dirs) = create_world(&options.dir)?;
    configure(&dirs)?;
    let exe = std::env::current_exe()?;
    let mut nodes = Vec::new();
    let result = (|| {
        for (index, dir) in dirs.iter().enumerate() {
            nodes.push(start_node(&exe, dir, index)?);
        }
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()?;
        let profile = LinkProfile {
            rate_bits_per_second: 0,
            one_way_delay: Duration::from_millis(20),
            loss: 0.01,
            queue_bytes: 1 << 22,
            seed: options.seed,
        };
        let mut relays = Vec::new();
        for (link, (initiator, responder)) in links().into_iter().enumerate() {
            let listen = SocketAddr::V4(relay_address(link, initiator));
            let server = SocketAddr::V4(SocketAddrV4::new(node_address(responder), NODE_PORT));
            let mut link_profile = profile.clone();
            link_profile.seed = options.seed ^ link as u64;
            relays.push(runtime.block_on(Relay::start_on(listen, server, link_profile))?);
        }
        let mut rng = Pcg64::seed_from_u64(options.seed);
        let (mut cuts, mut issued, mut approvals) = (0u64, 0u64, 0u64);
        let mut cut = vec![false; relays.len()];
        for _ in 0..options.events {
            let index = rng.next_u64() as usize % relays.len();
            cut[index] = !cut[index];
            relays[index].set_cut(cut[index]);
            if cut[index] {
                cuts += 1;
            }
            if rng.next_u64() % 2 == 0 {
                let kiosk = 2 + rng.next_u64() as usize % 5;
                let mut opened = Kiosk::open(&dirs[kiosk])?;
                opened.issue(sample_request(), entropy::now())?;
                issued += 1;
            }
            if rng.next_u64() % 3 == 0 && approve_one(&dirs[1], &mut rng)? {
                approvals += 1;
            }
            std::thread::sleep(options.gap);
        }
        for relay in &relays {
            relay.set_cut(false);
        }
        let healed = Instant::now();
        let mut converged = false;
        while healed.elapsed() < options.patience {
            std::thread::sleep(Duration::from_secs(1));
            if convergence(&dirs)?.is_none() {
                converged = true;
                break;
            }
        }
        let figure = Figure::new("netlab_converge", options.events as f64, "events")
            .with("nodes", dirs.len())
            .with("links", relays.len())
            .with("cuts", cuts)
            .with("copies_issued", issued)
            .with("approvals", approvals)
            .with("link", "20 ms each way, 1 % loss, through a relay per link")
            .with("converged", converged)
            .with(
                "seconds_to_converge",
                healed.elapsed().as_secs_f64().round(),
            );
        figure.print(out)?;
        if let Some(difference) = convergence(&dirs)? {
            bail!(
                "the nodes did not converge within {:?} of the heal: {difference}",
                options.patience
            );
        }
        Ok(())
    })();
    for node in &mut nodes {
        let _ = node.kill();
        let _ = node.wait();
    }
    result
}
