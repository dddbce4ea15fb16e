//! `bansao bench partitions`: the partition lab. A city, a ward, five kiosks and a sixth kiosk
//! that carries copies between the others as an official's laptop would (there is no laptop
//! role yet), each with its own SQLite file, syncing over real QUIC through one shaped relay per
//! link. A seeded run of random events — a link cut or healed, copies issued at a kiosk, an
//! approval at the ward, sync rounds on random links, some of them cut halfway — and a long stretch
//! in which one kiosk, cut off from everyone, issues a backlog of 150 copies, are followed by a
//! heal of every link and rounds until nothing moves; then every node must hold the same copies
//! of the commune in the same version (heads digest), with the same statuses.
//!
//! Figure: `partitions_converge`, the number of events, with the cuts, rounds, rounds cut,
//! copies, approvals, the passes the heal took and whether every node converged.

use std::collections::BTreeMap;
use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use bansao_copy::CopyId;
use bansao_store::Store;
use bansao_sync_net::{LinkProfile, Relay};
use rand_pcg::Pcg64;
use rand_pcg::rand_core::{Rng, SeedableRng};

use crate::bench::Figure;
use bansao_copy::{KioskId, OfficialId};
use bansao_node::city::{City, Validity};
use bansao_node::entropy;
use bansao_node::kiosk::Kiosk;
use bansao_node::sync::service::{SyncNode, Tuning};
use bansao_node::ward::{QueueFilter, Ward};
use bansao_testkit::sample_request;
use bansao_testkit::world::{OFFICIAL_ID, World, official_passphrase};

/// What to run.
#[derive(Debug, Clone)]
pub struct PartitionOptions {
    /// Where to put the node directories (removed afterwards unless `keep`).
    pub dir: PathBuf,
    /// Keep them.
    pub keep: bool,
    /// Random events before the heal.
    pub events: u64,
    /// Seed of the events.
    pub seed: u64,
}

const KIOSKS: usize = 5;
/// Copies the first kiosk issues during its long stretch offline.
const OFFLINE_BACKLOG: u64 = 150;
const COMMUNE: &str = "00001";
const LOOPBACK: SocketAddr =
    SocketAddr::new(std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST), 0);

/// One link: who dials, the relay in front of who answers, and whether it is cut.
struct Link {
    name: String,
    initiator: usize,
    relay: Relay,
    cut: bool,
}

/// Runs the lab and prints its figure.
pub fn run(options: &PartitionOptions, out: &mut dyn Write) -> anyhow::Result<()> {
    crate::bench::in_place(&options.dir, options.keep, || run_in(options, out))
}

/// Node directories: 0 city, 1 ward, 2..=6 kiosks, 7 the carrier.
fn node_dirs(world: &World) -> Vec<PathBuf> {
    let mut dirs = vec![world.dir("city"), world.dir("ward")];
    dirs.push(world.dir("kiosk"));
    for n in 2..=KIOSKS + 1 {
        dirs.push(world.dir(&format!("kiosk-{n}")));
    }
    dirs
}

pub(crate) fn create_world(root: &Path) -> anyhow::Result<(World, Vec<PathBuf>)> {
    let world = World::create(root)?;
    let mut city = City::open(&world.dir("city"))?;
    let ward = Ward::open(&world.dir("ward"))?;
    let now = entropy::now();
    for n in 2..=KIOSKS + 1 {
        city.certify_kiosk(
            &ward,
            &world.dir(&format!("kiosk-{n}")),
            &KioskId::parse(&format!("KIOSK-BENCH-0{n}"))?,
            &format!("Ki-ốt {n} (bench)"),
            now,
            Validity::default(),
        )?;
    }
    let dirs = node_dirs(&world);
    let others: Vec<&Path> = dirs[1..].iter().map(PathBuf::as_path).collect();
    city.distribute(&others)?;
    Ok((world, dirs))
}

fn tuning() -> Tuning {
    Tuning {
        idle_timeout: Duration::from_secs(1),
        keep_alive: Duration::ZERO,
        connect_timeout: Duration::from_secs(1),
        ..Tuning::default()
    }
}

fn run_in(options: &PartitionOptions, out: &mut dyn Write) -> anyhow::Result<()> {
    let (_, dirs) = create_world(&options.dir)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let nodes: Vec<SyncNode> = dirs
        .iter()
        .map(|dir| Ok(SyncNode::open(dir)?.with_tuning(tuning())))
        .collect::<anyhow::Result<_>>()?;
    // Everyone listens (the city for the ward, the ward for the kiosks, the kiosks for the
    // carrier); each dials from one endpoint of its own.
    let mut listening = Vec::new();
    let mut endpoints = Vec::new();
    for node in &nodes {
        let (address, endpoint) = runtime.block_on(async {
            let server = node.bind(LOOPBACK)?;
            let address = server.local_addr()?;
            let serving = node.clone();
            tokio::spawn(async move { serving.serve(server).await });
            Ok::<_, anyhow::Error>((address, node.bind(LOOPBACK)?))
        })?;
        listening.push(address);
        endpoints.push(endpoint);
    }
    let clean = LinkProfile {
        rate_bits_per_second: 0,
        one_way_delay: Duration::ZERO,
        loss: 0.0,
        queue_bytes: 1 << 22,
        seed: options.seed,
    };
    let mut links = Vec::new();
    let mut add = |name: String, initiator: usize, responder: usize| -> anyhow::Result<()> {
        let relay = runtime.block_on(Relay::start(listening[responder], clean.clone()))?;
        links.push(Link {
            name,
            initiator,
            relay,
            cut: false,
        });
        Ok(())
    };
    add("ward-city".to_owned(), 1, 0)?;
    for kiosk in 2..=KIOSKS + 1 {
        add(format!("kiosk{}-ward", kiosk - 1), kiosk, 1)?;
        add(format!("carrier-kiosk{}", kiosk - 1), KIOSKS + 2, kiosk)?;
    }

    let mut rng = Pcg64::seed_from_u64(options.seed);
    let started = Instant::now();
    let (mut cuts, mut rounds, mut rounds_cut, mut issued, mut approvals) = (0, 0, 0, 0, 0);
    let round = |link: &Link, cut_after: Option<Duration>| -> bool {
        let node = &nodes[link.initiator];
        let endpoint = &endpoints[link.initiator];
        let address = link.relay.local_addr().to_string();
        runtime.block_on(async {
            let round = node.sync_once(endpoint, &address);
            match cut_after {
                None => matches!(round.await, Ok(outcome) if outcome.finished),
                Some(after) => {
                    tokio::pin!(round);
                    tokio::select! {
                        result = &mut round => matches!(result, Ok(outcome) if outcome.finished),
                        () = tokio::time::sleep(after) => {
                            link.relay.set_cut(true);
                            let _ = round.await;
                            link.relay.set_cut(false);
                            false
                        }
                    }
                }
            }
        })
    };
    for _ in 0..options.events {
        // A link cut or healed.
        let index = rng.next_u64() as usize % links.len();
        let link = &mut links[index];
        link.cut = !link.cut;
        link.relay.set_cut(link.cut);
        if link.cut {
            cuts += 1;
        }
        // Copies issued at a kiosk, an approval at the ward.
        if rng.next_u64() % 2 == 0 {
            let kiosk = 2 + rng.next_u64() as usize % KIOSKS;
            let mut opened = Kiosk::open(&dirs[kiosk])?;
            for _ in 0..=rng.next_u64() % 3 {
                opened.issue(sample_request(), entropy::now())?;
                issued += 1;
            }
        }
        if rng.next_u64() % 3 == 0 && approve_one(&dirs[1], &mut rng)? {
            approvals += 1;
        }
        // Rounds on three random links, a fifth of those up cut halfway.
        for _ in 0..3 {
            let link = &links[rng.next_u64() as usize % links.len()];
            let cut_after = (!link.cut && rng.next_u64() % 5 == 0)
                .then(|| Duration::from_millis(rng.next_u64() % 60));
            rounds += 1;
            if link.cut || cut_after.is_some() {
                rounds_cut += 1;
            }
            round(link, cut_after);
        }
    }
    // A long stretch offline: the first kiosk, cut off from the ward and the carrier, issues a
    // backlog (as a kiosk in a village cultural house for weeks) while the others sync.
    for link in links
        .iter_mut()
        .filter(|link| link.name == "kiosk1-ward" || link.name == "carrier-kiosk1")
    {
        link.cut = true;
        link.relay.set_cut(true);
    }
    let backlog = OFFLINE_BACKLOG;
    let mut offline = Kiosk::open(&dirs[2])?;
    for _ in 0..backlog {
        offline.issue(sample_request(), entropy::now())?;
        issued += 1;
    }
    drop(offline);
    for link in links.iter().filter(|link| !link.cut) {
        rounds += 1;
        round(link, None);
    }
    // Heal everything; run every link until nothing moves.
    for link in &mut links {
        link.cut = false;
        link.relay.set_cut(false);
    }
    let mut passes = 0;
    let mut converged = false;
    while passes < 10 && !converged {
        passes += 1;
        for link in &links {
            if !round(link, None) {
                tracing::warn!(link = %link.name, "a round after the heal did not finish");
            }
        }
        converged = convergence(&dirs)?.is_none();
    }
    let copies = Store::open(&dirs[1].join("bansao.sqlite"))?.copy_count()?;
    let figure = Figure::new("partitions_converge", options.events as f64, "events")
        .with("nodes", dirs.len())
        .with("links", links.len())
        .with("cuts", cuts)
        .with("rounds", rounds)
        .with("rounds_cut", rounds_cut)
        .with("copies_issued", issued)
        .with("issued_while_offline", backlog)
        .with("copies_at_the_ward", copies)
        .with("approvals", approvals)
        .with("heal_passes", passes)
        .with("converged", converged)
        .with("seconds", started.elapsed().as_secs_f64().round());
    figure.print(out)?;
    if let Some(difference) = convergence(&dirs)? {
        bail!("the nodes did not converge after {passes} passes: {difference}");
    }
    if copies != issued {
        bail!("the ward holds {copies} copies, {issued} were issued");
    }
    Ok(())
}

/// An official of the ward approves one provisional copy (chosen at random among the oldest
/// thousand) through the ward service, if there is one.
pub(crate) fn approve_one(ward: &Path, rng: &mut Pcg64) -> anyhow::Result<bool> {
    let mut ward = Ward::open(ward)?;
    let official = ward.official(
        &OfficialId::parse(OFFICIAL_ID)?,
        &official_passphrase()?,
        entropy::now(),
    )?;
    let queue = ward.queue(&QueueFilter {
        limit: 1_000,
        ..QueueFilter::default()
    })?;
    if queue.entries.is_empty() {
        return Ok(false);
    }
    let entry = &queue.entries[rng.next_u64() as usize % queue.entries.len()];
    ward.approve(entry.copy_id, &official, entropy::now())
        .context("approving at the ward")?;
    Ok(true)
}

/// A node's copies of the commune: heads digest and indexed status of each.
type View = BTreeMap<CopyId, (Vec<u8>, String)>;

/// How the nodes' copies of the commune differ (`None`: not at all).
pub(crate) fn convergence(dirs: &[PathBuf]) -> anyhow::Result<Option<String>> {
    let mut views: Vec<(String, View)> = Vec::new();
    for dir in dirs {
        let store = Store::open(&dir.join("bansao.sqlite"))?;
        let statuses: BTreeMap<String, String> = store
            .list_copies(None, usize::MAX >> 1)?
            .into_iter()
            .map(|row| (row.copy_id, row.status))
            .collect();
        let view = store
            .sync_items(COMMUNE)?
            .into_iter()
            .map(|item| {
                let status = statuses
                    .get(&item.copy_id.to_string())
                    .cloned()
                    .unwrap_or_default();
                (item.copy_id, (item.heads_digest.to_vec(), status))
            })
            .collect();
        views.push((dir.display().to_string(), view));
    }
    let (first_name, first) = &views[0];
    for (name, view) in &views[1..] {
        if view != first {
            let missing = first.keys().filter(|id| !view.contains_key(id)).count();
            let extra = view.keys().filter(|id| !first.contains_key(id)).count();
            let differing = first
                .iter()
                .filter(|(id, value)| view.get(id).is_some_and(|other| other != *value))
                .count();
            return Ok(Some(format!(
                "{name} against {first_name}: {missing} missing, {extra} more, {differing} in another version or status"
            )));
        }
    }
    Ok(None)
}
