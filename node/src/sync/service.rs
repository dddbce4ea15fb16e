//! The node's sync service: one QUIC endpoint that accepts peers (ward, city, and kiosks for
//! their LAN neighbours) and dials them (upstream from config, LAN peers from mDNS), one session
//! per bi-stream, rounds repeated on a kept connection, reconnection with backoff and jitter.
//!
//! Who dials whom: a kiosk dials its ward, a ward the city (`sync.upstream`); of two LAN peers,
//! the one with the smaller key id dials, so they hold one connection, not two.

use std::collections::HashMap;
use std::future::Future;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use bansao_discovery::{DiscoveryConfig, DiscoveryEvent, LanDiscovery};
use bansao_store::Store;
use bansao_sync::{NodeIdentity, ReconcileCache, Session, SessionConfig, SessionStats, Side};
use bansao_sync_net::{
    SERVER_NAME, client_config, peer_public_key, server_config, transport_config,
};
use bansao_trust::{KeyId, SecretKey};

use crate::config::NodeConfig;
use crate::entropy;
use crate::metrics::NodeMetrics;
use crate::node_dir::{Node, NodeDir};
use crate::sync::SyncShellError;
use crate::sync::authorize::TrustAuthorizer;
use crate::sync::backoff::Backoff;
use crate::sync::city_rounds::CityLogRounds;
use crate::sync::peers::PeerBook;
use crate::sync::replica::StoreReplica;
use crate::sync::stream::{SessionOutcome, StreamLimits, run_session};
use crate::sync::trust::TrustHandle;

/// Limits and timers of a node's sync.
#[derive(Debug, Clone)]
pub struct Tuning {
    /// Limits of each session.
    pub session: SessionConfig,
    /// A connection with no traffic for this long is closed (and a dial that gets no answer
    /// for this long fails).
    pub idle_timeout: Duration,
    /// Keep-alives keep NAT bindings and the peer's idle timer alive between rounds.
    pub keep_alive: Duration,
    /// A dial whose handshake has not completed in this long is given up.
    pub connect_timeout: Duration,
    /// How long a session may go without a frame read or written, and how long it may last.
    pub stream: StreamLimits,
}

impl Default for Tuning {
    fn default() -> Tuning {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        Tuning {
            session: SessionConfig {
                verify_threads: cores.min(4),
                ..SessionConfig::default()
            },
            idle_timeout: Duration::from_secs(60),
            keep_alive: Duration::from_secs(15),
            connect_timeout: Duration::from_secs(20),
            stream: StreamLimits::default(),
        }
    }
}
/// The QUIC application close code of a session that was refused.
const CLOSE_REFUSED: u32 = 1;
/// How often changed per-peer states are written while the service runs.
const FLUSH_INTERVAL: Duration = Duration::from_secs(5);

/// A node ready to sync: its key, certified identity, trust list and per-peer book.
#[derive(Debug, Clone)]
pub struct SyncNode {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    config: NodeConfig,
    key: SecretKey,
    identity: NodeIdentity,
    trust: TrustHandle,
    peers: PeerBook,
    tuning: Tuning,
    reconcile_cache: Arc<ReconcileCache>,
    /// The city's log rounds (`None` on kiosks and wards).
    city_log: Option<CityLogRounds>,
    /// The node's metrics registry, shared with its web pages.
    metrics: Arc<NodeMetrics>,
}

async fn resolve(address: &str) -> Result<SocketAddr, SyncShellError> {
    let mut found =
        tokio::net::lookup_host(address)
            .await
            .map_err(|source| SyncShellError::Io {
                what: format!("cannot resolve {address}"),
                source,
            })?;
    found.next().ok_or_else(|| SyncShellError::Connect {
        address: address.to_owned(),
        reason: "the name has no address".to_owned(),
    })
}

/// Adds why the connection closed to the error of a session it cut short (quinn's stream
/// errors say only "connection lost").
fn with_close_reason(
    mut outcome: SessionOutcome,
    connection: &quinn::Connection,
) -> SessionOutcome {
    if let (Some(error), Some(reason)) = (&mut outcome.error, connection.close_reason()) {
        let reason = reason.to_string();
        if !error.contains(&reason) {
            *error = format!("{error} ({reason})");
        }
    }
    outcome
}

fn random_u64() -> u64 {
    entropy::random_bytes::<8>().map_or(0, u64::from_le_bytes)
}

fn failed(error: String) -> SessionOutcome {
    SessionOutcome {
        peer: None,
        commune: None,
        stats: SessionStats::default(),
        finished: false,
        error: Some(error),
        blobs_completed: 0,
        refused_by_peer: Vec::new(),
    }
}

impl SyncNode {
    /// Opens the node in `dir` (its `bansao.toml`): [`NodeDir::open`]'s checks, then the node's
    /// own key must count in its trust list.
    pub fn open(dir: &Path) -> Result<SyncNode, SyncShellError> {
        SyncNode::from_node(NodeDir::open(dir)?)
    }

    /// The sync shell of an opened node.
    pub fn from_node(node: Node) -> Result<SyncNode, SyncShellError> {
        let Node {
            dir,
            key,
            trust,
            trust_bundle,
            ..
        } = node;
        let city_log = dir
            .config
            .city()
            .map(|city| CityLogRounds::new(dir.path.clone(), city.checkpoint_interval));
        let config = dir.config;
        let trust = TrustHandle::of_verified(&config.paths.trust, trust_bundle, trust);
        let key_id = key.key_id();
        let context = trust.context();
        let certificate = context
            .check_signer(key_id, entropy::now().unix())
            .map_err(|error| SyncShellError::NotTrusted {
                key_id,
                reason: error.to_string(),
            })?;
        let identity = NodeIdentity {
            key_id,
            role: certificate.body.role,
            commune: certificate.body.commune.clone(),
            subject: certificate.body.subject.clone(),
        };
        let peers = PeerBook::open(&config.paths.database)?;
        let metrics = NodeMetrics::new(config.paths.database.clone(), config.role().as_str());
        Ok(SyncNode {
            inner: Arc::new(Inner {
                config,
                key,
                identity,
                trust,
                peers,
                tuning: Tuning::default(),
                reconcile_cache: Arc::default(),
                city_log,
                metrics,
            }),
        })
    }

    /// The same node with other limits and timers (benchmarks and tests).
    pub fn with_tuning(&self, tuning: Tuning) -> SyncNode {
        SyncNode {
            inner: Arc::new(Inner {
                config: self.inner.config.clone(),
                key: self.inner.key.clone(),
                identity: self.inner.identity.clone(),
                trust: self.inner.trust.clone(),
                peers: self.inner.peers.clone(),
                tuning,
                reconcile_cache: self.inner.reconcile_cache.clone(),
                city_log: self.inner.city_log.clone(),
                metrics: self.inner.metrics.clone(),
            }),
        }
    }

    /// Who this node is, by its certificate.
    pub fn identity(&self) -> &NodeIdentity {
        &self.inner.identity
    }

    /// Its configuration.
    pub fn config(&self) -> &NodeConfig {
        &self.inner.config
    }

    /// Its per-peer sync states.
    pub fn peers(&self) -> &PeerBook {
        &self.inner.peers
    }

    /// Its trust list.
    pub fn trust(&self) -> &TrustHandle {
        &self.inner.trust
    }

    /// Its metrics registry (`/metrics`, `/healthz`).
    pub fn metrics(&self) -> &Arc<NodeMetrics> {
        &self.inner.metrics
    }

    fn authorizer(&self) -> Arc<TrustAuthorizer> {
        Arc::new(TrustAuthorizer::new(
            self.inner.identity.clone(),
            self.inner.trust.clone(),
            self.inner.peers.clone(),
        ))
    }

    /// Binds the node's QUIC endpoint at `listen` (port 0: any free port). It accepts peers the
    /// trust list admits and dials with the same key. Must be called inside a tokio runtime.
    pub fn bind(&self, listen: SocketAddr) -> Result<quinn::Endpoint, SyncShellError> {
        let tuning = &self.inner.tuning;
        let transport = Arc::new(transport_config(tuning.idle_timeout, tuning.keep_alive));
        let server = server_config(&self.inner.key, self.authorizer(), transport.clone())?;
        let client = client_config(&self.inner.key, self.authorizer(), transport)?;
        // A reset key derived from the node key: after this node restarts, its peers' kept
        // connections are reset at their next packet instead of hanging until they time out.
        let mut endpoint = bansao_sync_net::bind_endpoint(&self.inner.key, Some(server), listen)
            .map_err(|source| SyncShellError::Io {
                what: format!("cannot listen for sync on {listen}"),
                source,
            })?;
        endpoint.set_default_client_config(client);
        Ok(endpoint)
    }

    /// Accepts sync connections until the endpoint is closed.
    pub async fn serve(&self, endpoint: quinn::Endpoint) {
        while let Some(incoming) = endpoint.accept().await {
            let node = self.clone();
            tokio::spawn(async move { node.serve_connection(incoming).await });
        }
    }

    async fn serve_connection(&self, incoming: quinn::Incoming) {
        let address = incoming.remote_address().to_string();
        let connection = match incoming.await {
            Ok(connection) => connection,
            Err(error) => {
                tracing::info!(%address, "sync handshake did not complete: {error}");
                self.inner.metrics.record_refused_handshake();
                // A refusal was recorded by the authorizer: make it visible to `bansao status`.
                self.flush().await;
                return;
            }
        };
        let Some(peer_key) = peer_public_key(&connection).map(|key| KeyId::of(&key)) else {
            return;
        };
        while let Ok((send, recv)) = connection.accept_bi().await {
            let outcome = self.run_stream(Side::Responder, peer_key, send, recv).await;
            let outcome = with_close_reason(outcome, &connection);
            self.inner.metrics.record_session(Side::Responder, &outcome);
            self.record(peer_key, &address, &outcome).await;
            // The city registers and logs what a ward just brought.
            if let Some(rounds) = &self.inner.city_log
                && outcome.stats.documents_received > 0
            {
                let rounds = rounds.clone();
                tokio::spawn(async move { rounds.run_round().await });
            }
            if outcome.stats.refusals > 0 {
                connection.close(CLOSE_REFUSED.into(), b"refused");
                break;
            }
        }
    }

    async fn run_stream(
        &self,
        side: Side,
        peer_key: KeyId,
        send: quinn::SendStream,
        recv: quinn::RecvStream,
    ) -> SessionOutcome {
        let trust = self.inner.trust.clone();
        let database = self.inner.config.paths.database.clone();
        let opened = tokio::task::spawn_blocking(move || {
            trust.refresh_from_file();
            Store::open(&database)
        })
        .await;
        let store = match opened {
            Ok(Ok(store)) => store,
            Ok(Err(error)) => return failed(format!("cannot open the database: {error}")),
            Err(error) => return failed(format!("cannot open the database: {error}")),
        };
        let actor = match entropy::new_actor() {
            Ok(actor) => actor,
            Err(error) => return failed(error.to_string()),
        };
        let session = Session::new(
            side,
            self.inner.tuning.session.clone(),
            self.inner.identity.clone(),
            peer_key,
            self.inner.trust.context(),
            actor,
        )
        .with_reconcile_cache(self.inner.reconcile_cache.clone());
        let replica = StoreReplica::new(store, self.inner.trust.clone());
        run_session(send, recv, session, replica, self.inner.tuning.stream).await
    }

    async fn record(&self, peer_key: KeyId, address: &str, outcome: &SessionOutcome) {
        let subject = outcome
            .peer
            .as_ref()
            .map_or_else(|| peer_key.to_string(), |peer| peer.subject.clone());
        let stats = &outcome.stats;
        match &outcome.error {
            None => tracing::info!(
                peer = %subject,
                sent = stats.documents_sent,
                received = stats.documents_received,
                scans = outcome.blobs_completed,
                bytes_out = stats.bytes_sent,
                bytes_in = stats.bytes_received,
                "sync round finished"
            ),
            Some(error) => tracing::warn!(peer = %subject, "sync round ended early: {error}"),
        }
        self.inner
            .peers
            .record_session(peer_key, address, outcome, entropy::now());
        self.flush().await;
    }

    async fn flush(&self) {
        let peers = self.inner.peers.clone();
        if let Ok(Err(error)) = tokio::task::spawn_blocking(move || peers.flush()).await {
            tracing::warn!("cannot record the sync state of peers: {error}");
        }
    }

    /// Dials `address`; returns the connection and the key the peer proved.
    pub async fn connect(
        &self,
        endpoint: &quinn::Endpoint,
        address: &str,
    ) -> Result<(quinn::Connection, KeyId), SyncShellError> {
        let fail = |reason: String| SyncShellError::Connect {
            address: address.to_owned(),
            reason,
        };
        let socket = resolve(address).await?;
        let connecting = endpoint
            .connect(socket, SERVER_NAME)
            .map_err(|error| fail(error.to_string()))?;
        let timeout = self.inner.tuning.connect_timeout;
        let connection = tokio::time::timeout(timeout, connecting)
            .await
            .map_err(|_| fail(format!("no answer within {} s", timeout.as_secs())))?
            .map_err(|error| fail(error.to_string()))?;
        let key = peer_public_key(&connection)
            .map(|key| KeyId::of(&key))
            .ok_or_else(|| fail("the peer presented no node key".to_owned()))?;
        Ok((connection, key))
    }

    /// Makes this node's status document now and keeps it in its store, from where the next
    /// upstream round carries it (`status_report`).
    pub async fn report_status(&self) {
        let node = self.inner.clone();
        let made = tokio::task::spawn_blocking(move || {
            let mut store = Store::open(&node.config.paths.database)?;
            crate::sync::status_report::report_own_status(
                &mut store,
                &node.key,
                &node.identity,
                &node.trust.context(),
                entropy::now(),
            )
        })
        .await;
        match made {
            Ok(Ok(status)) => {
                tracing::debug!(sequence = status.status.sequence, "made this node's status")
            }
            Ok(Err(error)) => tracing::warn!("cannot make this node's status: {error}"),
            Err(error) => tracing::warn!("cannot make this node's status: {error}"),
        }
    }

    /// Runs one round of sync as the initiator on an open connection and records it; this
    /// node's status is made first, so the round carries it.
    pub async fn round(
        &self,
        connection: &quinn::Connection,
        peer_key: KeyId,
        address: &str,
    ) -> SessionOutcome {
        self.report_status().await;
        let outcome = match connection.open_bi().await {
            Ok((send, recv)) => self.run_stream(Side::Initiator, peer_key, send, recv).await,
            Err(error) => failed(format!("cannot open a stream: {error}")),
        };
        let outcome = with_close_reason(outcome, connection);
        self.inner.metrics.record_session(Side::Initiator, &outcome);
        self.record(peer_key, address, &outcome).await;
        outcome
    }

    /// Connects to `address`, runs one round of sync and closes the connection.
    pub async fn sync_once(
        &self,
        endpoint: &quinn::Endpoint,
        address: &str,
    ) -> Result<SessionOutcome, SyncShellError> {
        let (connection, peer_key) = match self.connect(endpoint, address).await {
            Ok(connected) => connected,
            Err(error) => {
                self.inner.peers.record_connect_failure(
                    address,
                    &error.to_string(),
                    entropy::now(),
                );
                self.flush().await;
                return Err(error);
            }
        };
        let outcome = self.round(&connection, peer_key, address).await;
        connection.close(0u32.into(), b"done");
        Ok(outcome)
    }

    /// Keeps syncing with `address` for ever: a round every interval on one connection,
    /// reconnecting with backoff and jitter when it breaks.
    async fn keep_syncing(self, endpoint: quinn::Endpoint, address: String) {
        let interval = self.inner.config.sync.interval;
        let mut backoff = Backoff::new(Duration::from_secs(1), Duration::from_secs(300));
        loop {
            match self.connect(&endpoint, &address).await {
                Ok((connection, peer_key)) => loop {
                    let outcome = self.round(&connection, peer_key, &address).await;
                    let wait = if outcome.finished {
                        backoff.reset();
                        interval
                    } else {
                        backoff.next_delay(random_u64())
                    };
                    tokio::select! {
                        () = tokio::time::sleep(wait) => {}
                        _ = connection.closed() => break,
                    }
                },
                Err(error) => {
                    self.inner.peers.record_connect_failure(
                        &address,
                        &error.to_string(),
                        entropy::now(),
                    );
                    self.flush().await;
                    tokio::time::sleep(backoff.next_delay(random_u64())).await;
                }
            }
        }
    }

    /// Follows LAN discovery: dials every admitted peer with a larger key id than ours.
    async fn follow_lan(
        self,
        endpoint: quinn::Endpoint,
        mut events: tokio::sync::mpsc::Receiver<DiscoveryEvent>,
    ) {
        let mut dialing: HashMap<KeyId, tokio::task::JoinHandle<()>> = HashMap::new();
        let authorizer = self.authorizer();
        while let Some(event) = events.recv().await {
            match event {
                DiscoveryEvent::Found(found) => {
                    let key_id = KeyId::of(&found.public_key);
                    if key_id.0 <= self.inner.identity.key_id.0 || dialing.contains_key(&key_id) {
                        continue;
                    }
                    match authorizer.check(key_id) {
                        Ok(peer) => {
                            let Some(address) = found.addresses.first() else {
                                continue;
                            };
                            tracing::info!(peer = %peer.subject, %address, "found a sync peer on the LAN");
                            let task = tokio::spawn(
                                self.clone()
                                    .keep_syncing(endpoint.clone(), address.to_string()),
                            );
                            dialing.insert(key_id, task);
                        }
                        Err(reason) => {
                            tracing::debug!(peer = %key_id, "LAN node not synced with: {reason}");
                        }
                    }
                }
                DiscoveryEvent::Expired(public_key) => {
                    if let Some(task) = dialing.remove(&KeyId::of(&public_key)) {
                        task.abort();
                    }
                }
                _ => {}
            }
        }
    }

    /// Runs the node's sync until `shutdown` completes: listens (if configured), syncs with
    /// every upstream and LAN peer, and records per-peer state.
    pub async fn run(&self, shutdown: impl Future<Output = ()>) -> Result<(), SyncShellError> {
        let settings = self.inner.config.sync.clone();
        let listen = settings
            .listen
            .unwrap_or_else(|| SocketAddr::from(([0, 0, 0, 0], 0)));
        let endpoint = self.bind(listen)?;
        let mut tasks = Vec::new();
        if settings.listen.is_some() {
            tracing::info!(address = %endpoint.local_addr().map_or(listen, |a| a), node = %self.inner.identity.subject, "accepting sync connections");
            tasks.push(tokio::spawn({
                let node = self.clone();
                let endpoint = endpoint.clone();
                async move { node.serve(endpoint).await }
            }));
        }
        for address in &settings.upstream {
            tracing::info!(%address, "syncing upstream");
            tasks.push(tokio::spawn(
                self.clone().keep_syncing(endpoint.clone(), address.clone()),
            ));
        }
        let _discovery = if settings.lan_discovery {
            let port = endpoint.local_addr().map_or(0, |a| a.port());
            match LanDiscovery::start(&self.inner.key.public_key(), DiscoveryConfig::new(port)) {
                Ok((discovery, events)) => {
                    tasks.push(tokio::spawn(
                        self.clone().follow_lan(endpoint.clone(), events),
                    ));
                    Some(discovery)
                }
                Err(error) => {
                    tracing::warn!("LAN discovery is off: {error}");
                    None
                }
            }
        } else {
            None
        };
        if let Some(rounds) = self.inner.city_log.clone() {
            tasks.push(tokio::spawn(async move {
                loop {
                    rounds.run_round().await;
                    tokio::time::sleep(rounds.interval()).await;
                }
            }));
        }
        tasks.push(tokio::spawn({
            let node = self.clone();
            async move {
                loop {
                    node.inner.metrics.beat(entropy::now());
                    tokio::time::sleep(FLUSH_INTERVAL).await;
                    node.flush().await;
                }
            }
        }));
        // A node that never dials (the city) still reports its own status, every interval.
        if settings.upstream.is_empty() {
            tasks.push(tokio::spawn({
                let node = self.clone();
                async move {
                    loop {
                        node.report_status().await;
                        tokio::time::sleep(settings.interval).await;
                    }
                }
            }));
        }
        shutdown.await;
        tracing::info!("sync stopping");
        self.inner.metrics.stopped();
        for task in &tasks {
            task.abort();
        }
        endpoint.close(0u32.into(), b"shutting down");
        let _ = tokio::time::timeout(Duration::from_secs(3), endpoint.wait_idle()).await;
        self.flush().await;
        Ok(())
    }
}
