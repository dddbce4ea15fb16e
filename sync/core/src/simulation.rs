//! A deterministic simulation of many nodes running the sync core (feature `testing`).
//!
//! Every node is a [`MemoryReplica`] with a real trust context; links carry real encoded frames
//! with seeded delays, and the faults a real network and real people bring: connections cut at
//! any frame (frames in flight are lost), frames duplicated or swapped (which a QUIC stream
//! never does, so the core must refuse them cleanly), links partitioned for a while, and,
//! meanwhile, kiosks issuing copies and officials deciding on them at the ward and on a laptop.
//! [`Simulation::heal`] then lets every link sync without faults until nothing changes; a test
//! checks that every node holds the same heads for every document and every scan it should.
//! One seed gives one run, exactly.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

use automerge::ActorId;
use bansao_copy::{CopyDocument, CopyId, Decision, SignatureRecord, Timestamp};
use bansao_trust::testing::{COMMUNE, Hierarchy, VALID_FROM, certify};
use bansao_trust::{Role, SecretKey, TrustContext, TrustList};

use crate::memory::MemoryReplica;
use crate::policy::NodeIdentity;
use crate::reconcile_cache::ReconcileCache;
use crate::replica::{DIGEST_LENGTH, StorageEffect};
use crate::session::{Session, SessionConfig, Side};
use crate::validate;
use crate::wire::FrameReader;

/// SplitMix64: a tiny, fully specified generator, so a seed means the same run everywhere.
#[derive(Debug, Clone)]
pub struct SimRng(u64);

impl SimRng {
    /// A generator from a seed.
    pub fn new(seed: u64) -> SimRng {
        SimRng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64 <= p && p > 0.0
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next_u64() % n }
    }
}

/// Fault and activity rates of a run.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// The seed.
    pub seed: u64,
    /// Steps (5 ms each) with faults and activity before healing.
    pub fault_steps: u32,
    /// Per frame: the connection is cut.
    pub cut: f64,
    /// Per frame: the frame is delivered twice.
    pub duplicate: f64,
    /// Per frame: the frame swaps places with the one before it.
    pub reorder: f64,
    /// Largest one-way delay, ms.
    pub max_delay_ms: u64,
    /// Per step: a link is partitioned (or a partition ends).
    pub partition: f64,
    /// Per step: a kiosk issues a copy.
    pub issue: f64,
    /// Per step: an official decides on a copy.
    pub decide: f64,
    /// Per step: a kiosk or the ward makes a new status document of itself.
    pub report_status: f64,
    /// Session sizes (small batches exercise more code paths).
    pub session: SessionConfig,
}

impl SimConfig {
    /// Moderate faults everywhere.
    pub fn with_seed(seed: u64) -> SimConfig {
        SimConfig {
            seed,
            fault_steps: 400,
            cut: 0.01,
            duplicate: 0.003,
            reorder: 0.003,
            max_delay_ms: 40,
            partition: 0.02,
            issue: 0.05,
            decide: 0.04,
            report_status: 0.03,
            session: SessionConfig {
                document_batch_bytes: 4 * 1024,
                want_batch: 3,
                syncs_in_flight: 2,
                ..SessionConfig::default()
            },
        }
    }
}

/// What a kiosk node needs to issue.
#[derive(Debug)]
struct Issuer {
    key: SecretKey,
    kiosk_id: String,
    sequence: u64,
    previous: bansao_copy::ContentHash,
}

/// One simulated node.
#[derive(Debug)]
pub struct SimNode {
    /// A name for messages.
    pub name: &'static str,
    /// Who it is.
    pub identity: NodeIdentity,
    /// Its data.
    pub replica: MemoryReplica,
    /// Its trust context (rebuilt when it adopts a newer bundle).
    pub trust: Arc<TrustContext>,
    /// Its reconciliation sets, shared by its sessions as a node's shell shares them.
    cache: Arc<ReconcileCache>,
    actor: ActorId,
    issuer: Option<Issuer>,
    official: Option<SecretKey>,
    /// Its node key, which signs its status documents.
    key: SecretKey,
    /// The sequence of its last status document.
    pub status_sequence: u64,
}

#[derive(Debug)]
struct Link {
    a: usize,
    b: usize,
    down: bool,
}

#[derive(Debug)]
struct Connection {
    link: usize,
    nodes: [usize; 2],
    sessions: [Session; 2],
    /// Frames travelling towards side `i`: `(due ms, frame)`.
    queues: [VecDeque<(u64, Vec<u8>)>; 2],
    readers: [FrameReader; 2],
    started_ms: u64,
}

/// What must stop changing for a run to be quiet: heads, scan count, trust bundle, the
/// sequence of each node status held.
type NodeFingerprint = (
    BTreeMap<CopyId, [u8; DIGEST_LENGTH]>,
    usize,
    Option<Vec<u8>>,
    BTreeMap<bansao_trust::KeyId, u64>,
);

/// Counters of a run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SimReport {
    /// Sessions (pairs) started.
    pub connections: u64,
    /// Connections where both sessions finished.
    pub finished: u64,
    /// Connections that ended in an error or a cut.
    pub failed: u64,
    /// Cuts injected.
    pub cuts: u64,
    /// Frames duplicated.
    pub duplicates: u64,
    /// Frames reordered.
    pub reorders: u64,
    /// Copies issued.
    pub issued: u64,
    /// Decisions signed.
    pub decisions: u64,
    /// Status documents made.
    pub statuses_reported: u64,
    /// Rounds `heal` needed.
    pub heal_rounds: u64,
}

/// The simulated world: a city, a ward, two kiosks (the second reaches the ward only through
/// the first) and an official's laptop that visits the second kiosk.
#[derive(Debug)]
pub struct Simulation {
    /// The nodes: city, ward, kiosk 1, kiosk 2, laptop.
    pub nodes: Vec<SimNode>,
    links: Vec<Link>,
    connections: Vec<Connection>,
    rng: SimRng,
    now_ms: u64,
    config: SimConfig,
    /// Counters.
    pub report: SimReport,
    scan_counter: u64,
}

/// Index of the city in [`Simulation::nodes`].
pub const CITY: usize = 0;
/// Index of the ward.
pub const WARD: usize = 1;
/// Index of the kiosk linked to the ward.
pub const KIOSK_1: usize = 2;
/// Index of the kiosk that reaches the ward only through kiosk 1.
pub const KIOSK_2: usize = 3;
/// Index of the official's laptop.
pub const LAPTOP: usize = 4;

fn identity(holder: &bansao_trust::testing::Holder) -> NodeIdentity {
    let body = &holder.certificate.body;
    NodeIdentity {
        key_id: holder.key.key_id(),
        role: body.role,
        commune: body.commune.clone(),
        subject: body.subject.clone(),
    }
}

impl Simulation {
    /// Builds the world. The city holds a newer trust bundle (edition 2) than everyone else,
    /// which must reach every node.
    pub fn new(config: SimConfig) -> Simulation {
        let mut hierarchy = Hierarchy::new();
        let second_kiosk = certify(
            9,
            &hierarchy.ward.key,
            Role::Kiosk,
            "KIOSK-TANLAP-02",
            Some(COMMUNE),
        );
        hierarchy.trust_list.certificates.insert(
            second_kiosk.certificate.key_id(),
            second_kiosk.certificate.clone(),
        );
        let bundle_v1 = hierarchy.bundle();
        hierarchy.trust_list = TrustList {
            version: 2,
            ..hierarchy.trust_list.clone()
        };
        let bundle_v2 = hierarchy.bundle();
        let context = |bundle: &[u8]| {
            Arc::new(TrustContext::from_bundle(bundle).unwrap_or_else(|_| hierarchy.context()))
        };
        let node = |index: u8,
                    name: &'static str,
                    holder: &bansao_trust::testing::Holder,
                    bundle: &Vec<u8>| SimNode {
            name,
            identity: identity(holder),
            replica: MemoryReplica {
                trust_bundle: Some(bundle.clone()),
                ..MemoryReplica::default()
            },
            trust: context(bundle),
            cache: Arc::default(),
            actor: ActorId::from(&[index; 16][..]),
            issuer: None,
            official: None,
            key: holder.key.clone(),
            status_sequence: 0,
        };
        let mut nodes = vec![
            node(1, "city", &hierarchy.registrar, &bundle_v2),
            node(2, "ward", &hierarchy.ward, &bundle_v1),
            node(3, "kiosk-1", &hierarchy.kiosk, &bundle_v1),
            node(4, "kiosk-2", &second_kiosk, &bundle_v1),
            node(5, "laptop", &hierarchy.second_official, &bundle_v1),
        ];
        nodes[KIOSK_1].issuer = Some(Issuer {
            key: hierarchy.kiosk.key.clone(),
            kiosk_id: "KIOSK-TANLAP-01".to_owned(),
            sequence: 0,
            previous: bansao_copy::ContentHash::GENESIS,
        });
        nodes[KIOSK_2].issuer = Some(Issuer {
            key: second_kiosk.key.clone(),
            kiosk_id: "KIOSK-TANLAP-02".to_owned(),
            sequence: 0,
            previous: bansao_copy::ContentHash::GENESIS,
        });
        nodes[WARD].official = Some(hierarchy.official.key.clone());
        nodes[LAPTOP].official = Some(hierarchy.second_official.key.clone());
        let links = [
            (KIOSK_1, WARD),
            (KIOSK_1, KIOSK_2),
            (WARD, CITY),
            (LAPTOP, KIOSK_2),
        ]
        .into_iter()
        .map(|(a, b)| Link { a, b, down: false })
        .collect();
        Simulation {
            nodes,
            links,
            connections: Vec::new(),
            rng: SimRng::new(config.seed),
            now_ms: 0,
            config,
            report: SimReport::default(),
            scan_counter: 0,
        }
    }

    fn timestamp(&self) -> Timestamp {
        let seconds = VALID_FROM + 86_400 + i64::try_from(self.now_ms / 1000).unwrap_or(0);
        Timestamp::from_unix(seconds)
            .unwrap_or_else(|_| Timestamp::from_datetime(time::OffsetDateTime::UNIX_EPOCH))
    }

    /// A kiosk issues one copy with a scan of its own.
    pub fn issue(&mut self, node: usize) {
        let now = self.timestamp();
        self.scan_counter += 1;
        let scan: Vec<u8> = (0..70_000u32)
            .map(|i| (i as u64 ^ self.scan_counter.wrapping_mul(2_654_435_761)) as u8)
            .collect();
        let actor = self.nodes[node].actor.clone();
        let Some(issuer) = self.nodes[node].issuer.as_mut() else {
            return;
        };
        issuer.sequence += 1;
        let mut content =
            bansao_copy::testing::sample_content(issuer.sequence, issuer.previous, now, &scan);
        content.kiosk_id = issuer.kiosk_id.clone();
        content.copy_id = CopyId::from_parts(
            u64::try_from(now.unix()).unwrap_or(0) * 1000 + self.now_ms % 1000,
            u128::from(self.scan_counter) << 8 | node as u128,
        );
        issuer.previous = content.content_hash();
        let Ok(mut document) = CopyDocument::issue(content, &issuer.key, actor) else {
            return;
        };
        let Ok(report) = validate::report(&document, &self.nodes[node].trust) else {
            return;
        };
        let sha = <[u8; 32]>::from(sha2::Digest::finalize(sha2::Digest::chain_update(
            <sha2::Sha256 as sha2::Digest>::new(),
            &scan,
        )));
        let replica = &mut self.nodes[node].replica;
        replica.store(&mut document, report.status);
        replica.blobs.insert(sha, scan);
        self.report.issued += 1;
    }

    /// An official at `node` decides on a random copy there.
    pub fn decide(&mut self, node: usize) {
        let Some(key) = self.nodes[node].official.clone() else {
            return;
        };
        let ids: Vec<CopyId> = self.nodes[node].replica.copies.keys().copied().collect();
        if ids.is_empty() {
            return;
        }
        let copy_id = ids[self.rng.below(ids.len() as u64) as usize];
        let decision = if self.rng.chance(0.8) {
            Decision::Approve
        } else {
            Decision::Reject
        };
        let now = self.timestamp();
        let node = &mut self.nodes[node];
        let Some(stored) = node.replica.copies.get(&copy_id) else {
            return;
        };
        let Ok(mut document) = CopyDocument::load(&stored.bytes, node.actor.clone()) else {
            return;
        };
        let (reason, number) = match decision {
            Decision::Reject => (Some("Bản chụp mờ".to_owned()), None),
            _ => (
                None,
                Some(format!("{}/2026/SCT-BS", self.report.decisions + 1)),
            ),
        };
        let record =
            SignatureRecord::decide(document.content(), decision, now, reason, number, &key);
        if document.add_signature(&record).is_err() {
            return;
        }
        if let Ok(report) = validate::report(&document, &node.trust) {
            node.replica.store(&mut document, report.status);
            self.report.decisions += 1;
        }
    }

    /// `node` makes a new status document of itself (signed by its node key) and keeps it as
    /// its own newest: what it holds, its copies, the time.
    pub fn report_status(&mut self, node: usize) {
        let now = self.timestamp();
        let node = &mut self.nodes[node];
        node.status_sequence += 1;
        let provisional = node
            .replica
            .copies
            .values()
            .filter(|copy| copy.status == bansao_copy::CopyStatus::Provisional)
            .count() as u64;
        let status = crate::status::NodeStatus {
            format: crate::status::STATUS_FORMAT.to_owned(),
            reporter: node.identity.key_id.to_hex(),
            role: node.identity.role.as_str().to_owned(),
            subject: node.identity.subject.clone(),
            commune: node.identity.commune.clone(),
            sequence: node.status_sequence,
            reported_at: now.unix(),
            software_version: "simulation".to_owned(),
            copies: node.replica.copies.len() as u64,
            provisional_copies: provisional,
            oldest_provisional: None,
            peers: Vec::new(),
        };
        let bytes = crate::status::sign_status(&status, &node.key);
        if let Ok(verified) = crate::status::open_status(&bytes, &node.trust, None, now.unix()) {
            node.replica.keep_status(verified);
            self.report.statuses_reported += 1;
        }
    }

    fn apply_effects(&mut self, node: usize, session: &mut Session) {
        while let Some(effect) = session.poll_effect() {
            if let StorageEffect::AdoptTrustBundle(bytes) = &effect
                && let Ok(context) = TrustContext::from_bundle(bytes)
            {
                self.nodes[node].trust = Arc::new(context);
            }
            self.nodes[node].replica.apply(effect);
        }
    }

    fn open(&mut self, link: usize) {
        let (a, b) = (self.links[link].a, self.links[link].b);
        let (initiator, responder) = if self.rng.chance(0.5) { (a, b) } else { (b, a) };
        let make =
            |nodes: &[SimNode], me: usize, peer: usize, side: Side, config: &SessionConfig| {
                Session::new(
                    side,
                    config.clone(),
                    nodes[me].identity.clone(),
                    nodes[peer].identity.key_id,
                    nodes[me].trust.clone(),
                    nodes[me].actor.clone(),
                )
                .with_reconcile_cache(nodes[me].cache.clone())
            };
        let sessions = [
            make(
                &self.nodes,
                initiator,
                responder,
                Side::Initiator,
                &self.config.session,
            ),
            make(
                &self.nodes,
                responder,
                initiator,
                Side::Responder,
                &self.config.session,
            ),
        ];
        self.report.connections += 1;
        self.connections.push(Connection {
            link,
            nodes: [initiator, responder],
            sessions,
            queues: [VecDeque::new(), VecDeque::new()],
            readers: [FrameReader::default(), FrameReader::default()],
            started_ms: self.now_ms,
        });
    }

    /// Moves one connection on by one tick; returns false when it is over.
    fn pump(&mut self, connection: &mut Connection, faults: bool) -> bool {
        let now = self.timestamp();
        for side in 0..2 {
            let node = connection.nodes[side];
            // Send a few frames per tick (a link has finite bandwidth).
            for _ in 0..8 {
                let frame = {
                    let replica = &mut self.nodes[node].replica;
                    connection.sessions[side].poll_transmit(replica)
                };
                self.apply_effects(node, &mut connection.sessions[side]);
                let Ok(Some(frame)) = frame else {
                    break;
                };
                if faults && self.rng.chance(self.config.cut) {
                    self.report.cuts += 1;
                    return self.close(connection);
                }
                let delay = 1 + self.rng.below(self.config.max_delay_ms.max(1));
                let queue = &mut connection.queues[1 - side];
                let due = queue
                    .back()
                    .map_or(0, |(due, _)| *due)
                    .max(self.now_ms + delay);
                if faults && self.rng.chance(self.config.duplicate) {
                    self.report.duplicates += 1;
                    queue.push_back((due, frame.clone()));
                }
                if faults && !queue.is_empty() && self.rng.chance(self.config.reorder) {
                    self.report.reorders += 1;
                    let last = queue.len() - 1;
                    queue.insert(last, (due, frame));
                } else {
                    queue.push_back((due, frame));
                }
            }
        }
        for side in 0..2 {
            let node = connection.nodes[side];
            while connection.queues[side]
                .front()
                .is_some_and(|(due, _)| *due <= self.now_ms)
            {
                let Some((_, frame)) = connection.queues[side].pop_front() else {
                    break;
                };
                connection.readers[side].push(&frame);
                loop {
                    let body = match connection.readers[side].next_body() {
                        Ok(Some(body)) => body,
                        Ok(None) => break,
                        Err(_) => return self.close(connection),
                    };
                    let result = {
                        let replica = &mut self.nodes[node].replica;
                        connection.sessions[side].handle_frame(&body, now, replica)
                    };
                    self.apply_effects(node, &mut connection.sessions[side]);
                    if result.is_err() {
                        break;
                    }
                }
            }
        }
        let over = |s: &Session| s.is_finished() || s.is_failed();
        let idle = connection.queues.iter().all(VecDeque::is_empty);
        if over(&connection.sessions[0]) && over(&connection.sessions[1]) && idle {
            if connection.sessions.iter().all(Session::is_finished) {
                self.report.finished += 1;
            } else {
                self.report.failed += 1;
            }
            return false;
        }
        // A session that fails while the other still waits: the stream closes.
        let failed_side = connection.sessions.iter().any(Session::is_failed);
        let flushed = !connection.sessions.iter().any(Session::has_control_to_send);
        if failed_side && idle && flushed {
            return self.close(connection);
        }
        if self.now_ms - connection.started_ms > 600_000 {
            return self.close(connection);
        }
        true
    }

    fn close(&mut self, connection: &mut Connection) -> bool {
        for side in 0..2 {
            let node = connection.nodes[side];
            connection.sessions[side].handle_disconnect();
            self.apply_effects(node, &mut connection.sessions[side]);
        }
        self.report.failed += 1;
        false
    }

    fn tick(&mut self, faults: bool) {
        let mut connections = std::mem::take(&mut self.connections);
        connections.retain_mut(|connection| {
            if self.links[connection.link].down {
                return self.close(connection);
            }
            self.pump(connection, faults)
        });
        self.connections.extend(connections);
        self.now_ms += 5;
    }

    /// Runs the faulty period: activity, partitions, cuts, duplicates, reordering.
    pub fn run_faults(&mut self) {
        for _ in 0..self.config.fault_steps {
            if self.rng.chance(self.config.issue) {
                let kiosk = if self.rng.chance(0.5) {
                    KIOSK_1
                } else {
                    KIOSK_2
                };
                self.issue(kiosk);
            }
            if self.rng.chance(self.config.decide) {
                let node = if self.rng.chance(0.6) { WARD } else { LAPTOP };
                self.decide(node);
            }
            if self.rng.chance(self.config.report_status) {
                let node = [WARD, KIOSK_1, KIOSK_2][self.rng.below(3) as usize];
                self.report_status(node);
            }
            if self.rng.chance(self.config.partition) {
                let link = self.rng.below(self.links.len() as u64) as usize;
                self.links[link].down = !self.links[link].down;
            }
            for link in 0..self.links.len() {
                let busy = self.connections.iter().any(|c| c.link == link);
                if !busy && !self.links[link].down && self.rng.chance(0.05) {
                    self.open(link);
                }
            }
            self.tick(true);
        }
    }

    fn fingerprint(&self) -> Vec<NodeFingerprint> {
        self.nodes
            .iter()
            .map(|node| {
                (
                    node.replica.digests(),
                    node.replica.blobs.len(),
                    node.replica.trust_bundle.clone(),
                    node.replica
                        .statuses
                        .iter()
                        .map(|(reporter, status)| (*reporter, status.status.sequence))
                        .collect(),
                )
            })
            .collect()
    }

    /// Ends every partition and fault, then syncs link after link until a whole round changes
    /// nothing (at most `max_rounds`). Returns whether it became quiet.
    pub fn heal(&mut self, max_rounds: u32) -> bool {
        for link in &mut self.links {
            link.down = false;
        }
        // Let connections still open finish or fail without faults.
        for _ in 0..100_000 {
            if self.connections.is_empty() {
                break;
            }
            self.tick(false);
        }
        for _ in 0..max_rounds {
            self.report.heal_rounds += 1;
            let before = self.fingerprint();
            for link in 0..self.links.len() {
                self.open(link);
                for _ in 0..200_000 {
                    if self.connections.is_empty() {
                        break;
                    }
                    self.tick(false);
                }
            }
            if self.fingerprint() == before {
                return true;
            }
        }
        false
    }
}
