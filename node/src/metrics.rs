//! The node's Prometheus metrics: one registry per node ([`NodeMetrics`]), in OpenMetrics text
//! (prometheus-client), served on `[web] listen` at `/metrics` by `bansao-web`.
//!
//! Counters are moved as things happen (the sync shell counts every session, the web layer every
//! request); gauges are read from the store when scraped ([`NodeMetrics::render`]: copies by
//! status, backlog each way, node statuses held, the city's log size). [`NodeMetrics::health`]
//! is what `/healthz` answers: the store opens and the sync service beat recently.
//!
//! Every metric is named in [`METRIC_NAMES`]; the Grafana dashboard in `deploy/` uses only those
//! (a test checks each panel's metric against a real node's output).

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use bansao_copy::Timestamp;
use bansao_store::Store;
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

use crate::sync::peers::{ADDRESS_PREFIX, load_states};
use crate::sync::stream::SessionOutcome;

/// A metric's labels.
pub type Labels = Vec<(&'static str, String)>;

/// Every metric family the node exports (as Prometheus names them, counters with `_total`).
pub const METRIC_NAMES: &[&str] = &[
    "bansao_build_info",
    "bansao_sync_sessions_total",
    "bansao_sync_bytes_total",
    "bansao_sync_documents_total",
    "bansao_sync_errors_total",
    "bansao_sync_refusals_total",
    "bansao_sync_statuses_total",
    "bansao_sync_backlog_copies",
    "bansao_sync_peers",
    "bansao_sync_last_success_age_seconds",
    "bansao_copies",
    "bansao_node_statuses",
    "bansao_status_history_samples",
    "bansao_log_entries",
    "bansao_log_pending_copies",
    "bansao_web_requests_total",
    "bansao_scrape_errors_total",
];

/// How long after the sync service's last beat `/healthz` still says it runs.
pub const HEARTBEAT_TOLERANCE_SECONDS: i64 = 30;

/// What `/healthz` answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Health {
    /// The store opens and sync runs.
    Healthy,
    /// Something is wrong, and what.
    Unhealthy(String),
}

/// The metrics of one node, shared by its sync service and its web pages.
#[derive(Debug)]
pub struct NodeMetrics {
    registry: Registry,
    database: PathBuf,
    role: String,
    sessions: Family<Labels, Counter>,
    bytes: Family<Labels, Counter>,
    documents: Family<Labels, Counter>,
    errors: Counter,
    refusals: Family<Labels, Counter>,
    statuses: Family<Labels, Counter>,
    backlog: Family<Labels, Gauge>,
    peers: Gauge,
    last_success_age: Gauge,
    copies: Family<Labels, Gauge>,
    node_statuses: Gauge,
    history_samples: Gauge,
    log_entries: Gauge,
    log_pending: Gauge,
    web_requests: Family<Labels, Counter>,
    scrape_errors: Counter,
    /// Unix seconds of the sync service's last beat (0: never).
    heartbeat: AtomicI64,
}

impl NodeMetrics {
    /// The registry of the node whose database is `database`, of `role` (its config name).
    pub fn new(database: PathBuf, role: &str) -> Arc<NodeMetrics> {
        let mut registry = Registry::default();
        let build = Family::<Labels, Gauge>::default();
        build
            .get_or_create(&vec![
                (
                    "version",
                    crate::sync::status_report::SOFTWARE_VERSION.to_owned(),
                ),
                ("role", role.to_owned()),
            ])
            .set(1);
        registry.register("bansao_build_info", "The bansao version and role", build);
        let metrics = NodeMetrics {
            registry: Registry::default(),
            database,
            role: role.to_owned(),
            sessions: Family::default(),
            bytes: Family::default(),
            documents: Family::default(),
            errors: Counter::default(),
            refusals: Family::default(),
            statuses: Family::default(),
            backlog: Family::default(),
            peers: Gauge::default(),
            last_success_age: Gauge::default(),
            copies: Family::default(),
            node_statuses: Gauge::default(),
            history_samples: Gauge::default(),
            log_entries: Gauge::default(),
            log_pending: Gauge::default(),
            web_requests: Family::default(),
            scrape_errors: Counter::default(),
            heartbeat: AtomicI64::new(0),
        };
        let r = &mut registry;
        r.register(
            "bansao_sync_sessions",
            "Sync sessions by side and outcome (finished, failed)",
            metrics.sessions.clone(),
        );
        r.register(
            "bansao_sync_bytes",
            "Sync protocol bytes by direction (sent, received)",
            metrics.bytes.clone(),
        );
        r.register(
            "bansao_sync_documents",
            "Copy documents sent and stored by sync, by direction",
            metrics.documents.clone(),
        );
        r.register(
            "bansao_sync_errors",
            "Sync sessions that ended early (cut, refused, failed)",
            metrics.errors.clone(),
        );
        r.register(
            "bansao_sync_refusals",
            "Refusals by kind: session (a side ended it), document (a copy refused here), peer_document (the peer refused ours), status (a node status refused here)",
            metrics.refusals.clone(),
        );
        r.register(
            "bansao_sync_statuses",
            "Node status documents by direction (sent, received)",
            metrics.statuses.clone(),
        );
        r.register(
            "bansao_sync_backlog_copies",
            "Copies waiting to go to peers (out, changed since the last clean session) and to come (in)",
            metrics.backlog.clone(),
        );
        r.register(
            "bansao_sync_peers",
            "Peers this node has synced with",
            metrics.peers.clone(),
        );
        r.register(
            "bansao_sync_last_success_age_seconds",
            "Seconds since the last clean sync session with any peer (-1: never)",
            metrics.last_success_age.clone(),
        );
        r.register(
            "bansao_copies",
            "Copies held, by index status",
            metrics.copies.clone(),
        );
        r.register(
            "bansao_node_statuses",
            "Node status documents held (this node's and those that came up)",
            metrics.node_statuses.clone(),
        );
        r.register(
            "bansao_status_history_samples",
            "Samples in the status history kept for the dashboard",
            metrics.history_samples.clone(),
        );
        r.register(
            "bansao_log_entries",
            "Entries of the city's transparency log (0 where there is no log)",
            metrics.log_entries.clone(),
        );
        r.register(
            "bansao_log_pending_copies",
            "Copies waiting to have their events logged",
            metrics.log_pending.clone(),
        );
        r.register(
            "bansao_web_requests",
            "Web requests answered, by method and status class",
            metrics.web_requests.clone(),
        );
        r.register(
            "bansao_scrape_errors",
            "Scrapes whose store read failed",
            metrics.scrape_errors.clone(),
        );
        Arc::new(NodeMetrics {
            registry,
            ..metrics
        })
    }

    /// The node's role, as its configuration names it.
    pub fn role(&self) -> &str {
        &self.role
    }

    /// Counts one sync session.
    pub fn record_session(&self, side: bansao_sync::Side, outcome: &SessionOutcome) {
        let side = match side {
            bansao_sync::Side::Initiator => "initiator",
            bansao_sync::Side::Responder => "responder",
        };
        let result = if outcome.finished {
            "finished"
        } else {
            "failed"
        };
        self.sessions
            .get_or_create(&vec![
                ("side", side.to_owned()),
                ("outcome", result.to_owned()),
            ])
            .inc();
        if !outcome.finished {
            self.errors.inc();
        }
        let stats = &outcome.stats;
        let by = |family: &Family<Labels, Counter>, label: &'static str, value: &str, n: u64| {
            family
                .get_or_create(&vec![(label, value.to_owned())])
                .inc_by(n);
        };
        by(&self.bytes, "direction", "sent", stats.bytes_sent);
        by(&self.bytes, "direction", "received", stats.bytes_received);
        by(&self.documents, "direction", "sent", stats.documents_sent);
        by(
            &self.documents,
            "direction",
            "received",
            stats.documents_received,
        );
        by(&self.statuses, "direction", "sent", stats.statuses_sent);
        by(
            &self.statuses,
            "direction",
            "received",
            stats.statuses_received,
        );
        by(&self.refusals, "kind", "session", stats.refusals);
        by(&self.refusals, "kind", "document", stats.documents_refused);
        by(
            &self.refusals,
            "kind",
            "peer_document",
            stats.documents_refused_by_peer,
        );
        by(&self.refusals, "kind", "status", stats.statuses_refused);
    }

    /// Counts a handshake this node refused.
    pub fn record_refused_handshake(&self) {
        self.refusals
            .get_or_create(&vec![("kind", "handshake".to_owned())])
            .inc();
    }

    /// Counts one web request answered with `status`.
    pub fn record_web_request(&self, method: &str, status: u16) {
        let class = format!("{}xx", status / 100);
        self.web_requests
            .get_or_create(&vec![("method", method.to_owned()), ("status", class)])
            .inc();
    }

    /// The sync service stopped.
    pub fn stopped(&self) {
        self.heartbeat.store(0, Ordering::Relaxed);
    }

    /// The sync service is alive at `now`.
    pub fn beat(&self, now: Timestamp) {
        self.heartbeat.store(now.unix(), Ordering::Relaxed);
    }

    /// Whether the store opens and the sync service beat within
    /// [`HEARTBEAT_TOLERANCE_SECONDS`] of `now` (a blocking call: SQLite).
    pub fn health(&self, now: Timestamp) -> Health {
        if let Err(error) = Store::open(&self.database).and_then(|store| store.sync_generation()) {
            return Health::Unhealthy(format!("the store does not open: {error}"));
        }
        let beat = self.heartbeat.load(Ordering::Relaxed);
        if beat == 0 {
            return Health::Unhealthy("sync is not running".to_owned());
        }
        let age = now.unix().saturating_sub(beat);
        if age > HEARTBEAT_TOLERANCE_SECONDS {
            return Health::Unhealthy(format!("sync last beat {age} s ago"));
        }
        Health::Healthy
    }

    /// Reads the gauges from the store and encodes every metric as OpenMetrics text (a blocking
    /// call: SQLite). A failed store read is counted and the gauges keep their last values.
    pub fn render(&self, now: Timestamp) -> String {
        if let Err(error) = self.refresh(now) {
            tracing::warn!("metrics: cannot read the store: {error}");
            self.scrape_errors.inc();
        }
        let mut text = String::new();
        if let Err(error) = encode(&mut text, &self.registry) {
            tracing::warn!("metrics: cannot encode: {error}");
        }
        text
    }

    /// The same metrics in Prometheus' classic text format (0.0.4), for clients that do not
    /// ask for OpenMetrics (curl, `promtool check metrics`): a counter family is named with its
    /// `_total`, and there is no `# EOF`.
    pub fn render_classic(&self, now: Timestamp) -> String {
        openmetrics_to_classic(&self.render(now))
    }

    fn refresh(&self, now: Timestamp) -> Result<(), crate::sync::SyncShellError> {
        let store = Store::open(&self.database)?;
        let states = load_states(&store)?;
        let mut backlog_out = 0u64;
        let mut backlog_in = 0u64;
        let mut last_success: Option<i64> = None;
        let mut peers = 0i64;
        for state in &states {
            if state.key_id.starts_with(ADDRESS_PREFIX) {
                continue;
            }
            peers += 1;
            if let Some(commune) = &state.commune {
                backlog_out +=
                    store.copies_changed_since(commune, state.last_success.as_deref())?;
            }
            backlog_in += state.documents_pending_in + state.blobs_pending_in;
            if let Some(at) = state
                .last_success
                .as_deref()
                .and_then(|text| Timestamp::parse(text).ok())
            {
                last_success = Some(last_success.map_or(at.unix(), |l| l.max(at.unix())));
            }
        }
        let gauge = |value: u64| i64::try_from(value).unwrap_or(i64::MAX);
        self.backlog
            .get_or_create(&vec![("direction", "out".to_owned())])
            .set(gauge(backlog_out));
        self.backlog
            .get_or_create(&vec![("direction", "in".to_owned())])
            .set(gauge(backlog_in));
        self.peers.set(peers);
        self.last_success_age
            .set(last_success.map_or(-1, |at| now.unix().saturating_sub(at)));
        for status in bansao_copy::CopyStatus::ALL {
            self.copies
                .get_or_create(&vec![("status", status.as_str().to_owned())])
                .set(0);
        }
        for (status, count) in store.copy_counts_by_status()? {
            self.copies
                .get_or_create(&vec![("status", status)])
                .set(gauge(count));
        }
        self.node_statuses.set(gauge(store.node_statuses_count()?));
        self.history_samples
            .set(gauge(store.status_history_size()?));
        self.log_entries
            .set(gauge(store.log_head()?.map_or(0, |head| head.size)));
        self.log_pending.set(gauge(store.pending_log_copies()?));
        Ok(())
    }
}

/// OpenMetrics text as Prometheus' classic text format (see [`NodeMetrics::render_classic`]).
pub fn openmetrics_to_classic(text: &str) -> String {
    let counters: std::collections::BTreeSet<&str> = text
        .lines()
        .filter_map(|line| line.strip_prefix("# TYPE "))
        .filter_map(|rest| rest.strip_suffix(" counter"))
        .collect();
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        if line == "# EOF" || line.starts_with("# UNIT ") {
            continue;
        }
        let renamed = ["# HELP ", "# TYPE "].iter().find_map(|prefix| {
            let rest = line.strip_prefix(prefix)?;
            let (name, tail) = rest.split_once(' ')?;
            counters
                .contains(name)
                .then(|| format!("{prefix}{name}_total {tail}"))
        });
        out.push_str(renamed.as_deref().unwrap_or(line));
        out.push('\n');
    }
    out
}
