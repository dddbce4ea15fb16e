//! The city's monitoring service: every ward's and kiosk's sync, read from the signed status
//! documents the city holds (`sync::status_report`), for the dashboard page.
//!
//! A node's **last contact** is the latest of: when it made the status the city holds (a status
//! that reached the city left its node at or after that time), the contacts its own status
//! reports, and what its upstream's status says of it (a ward's status names the kiosks it
//! synced with). A node is **online** when that was at most [`ONLINE_WITHIN_SECONDS`] before
//! `now`, **stale** when it was more than the city's `stale_after` before (default 24 h). The
//! page lists wards with their kiosks counted, and kiosks a page at a time, stale first; the
//! drill-down gives one node's peers and its history. Time is handed in, so a test moves it.

use std::collections::{BTreeMap, HashMap};

use bansao_copy::Timestamp;
use bansao_store::{NodeStatusRow, StatusSample, Store};
use bansao_sync::status::{NodeStatus, PeerReport};

use crate::sync::status_report::stored_report;

/// A node heard of within this many seconds is online.
pub const ONLINE_WITHIN_SECONDS: i64 = 15 * 60;

/// Kiosks per dashboard page.
pub const KIOSKS_PER_PAGE: usize = 50;

/// How far back the overview's sparklines reach.
pub const OVERVIEW_HISTORY_SECONDS: i64 = 24 * 3600;

/// How far back a node's own page reaches (the history keeps three days).
pub const DETAIL_HISTORY_SECONDS: i64 = 3 * 24 * 3600;

/// The dashboard could not be read.
#[derive(Debug, thiserror::Error)]
pub enum MonitoringError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] bansao_store::StoreError),
}

/// What the dashboard shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DashboardQuery {
    /// Page of kiosks, from 1.
    pub page: usize,
    /// Only the kiosks of this commune (a ward's drill-down).
    pub commune: Option<String>,
    /// Only stale kiosks.
    pub only_stale: bool,
}

impl Default for DashboardQuery {
    fn default() -> DashboardQuery {
        DashboardQuery {
            page: 1,
            commune: None,
            only_stale: false,
        }
    }
}

/// One point of a chart: Unix seconds and a value.
pub type Point = (i64, f64);

/// One ward or kiosk as the dashboard shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeView {
    /// Its key id (hex).
    pub reporter: String,
    /// `kiosk`, `ward` or `registrar`.
    pub role: String,
    /// Its certificate's subject (kiosk id; the commune's name for a ward).
    pub subject: String,
    /// Its commune.
    pub commune: Option<String>,
    /// Last contact, Unix seconds.
    pub last_contact: i64,
    /// Seconds since then.
    pub silent_seconds: i64,
    /// Heard of within [`ONLINE_WITHIN_SECONDS`].
    pub online: bool,
    /// Not heard of for longer than the stale threshold.
    pub stale: bool,
    /// When it made the status held, Unix seconds.
    pub reported_at: i64,
    /// Copies waiting to go upstream (over its peers).
    pub backlog_out: u64,
    /// Copies waiting to come.
    pub backlog_in: u64,
    /// Its largest lag, seconds.
    pub lag_seconds: u64,
    /// Its provisional copies.
    pub provisional_copies: u64,
    /// Its oldest provisional copy: id and issue time (Unix seconds).
    pub oldest_provisional: Option<(String, i64)>,
    /// Refusals over its peers.
    pub refusals: u64,
    /// Sessions that ended early, over its peers.
    pub errors: u64,
    /// The last error it reports, if any.
    pub last_error: Option<String>,
    /// The version it runs.
    pub software_version: String,
    /// Lag over time, seconds.
    pub lag_series: Vec<Point>,
    /// Throughput over time, bytes per second (both directions).
    pub throughput_series: Vec<Point>,
}

/// A ward and its kiosks.
#[derive(Debug, Clone, PartialEq)]
pub struct WardView {
    /// The commune.
    pub commune: String,
    /// The ward's own status, if the city holds one.
    pub ward: Option<NodeView>,
    /// Its kiosks the city knows of.
    pub kiosks: usize,
    /// Of which stale.
    pub stale_kiosks: usize,
    /// Of which online.
    pub online_kiosks: usize,
}

/// The dashboard page.
#[derive(Debug, Clone, PartialEq)]
pub struct Dashboard {
    /// When it was read, Unix seconds.
    pub now: i64,
    /// The stale threshold, seconds.
    pub stale_after_seconds: i64,
    /// Every ward.
    pub wards: Vec<WardView>,
    /// The kiosks of this page, stale first, then longest silent.
    pub kiosks: Vec<NodeView>,
    /// Kiosks that match the query.
    pub matching_kiosks: usize,
    /// Kiosks known, stale, online.
    pub total_kiosks: usize,
    /// Kiosks stale.
    pub stale_kiosks: usize,
    /// This page, from 1, and how many there are.
    pub page: usize,
    /// Pages.
    pub pages: usize,
    /// The query.
    pub query: DashboardQuery,
}

/// One node's page: its view, its peers and its history.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeDetail {
    /// The node.
    pub view: NodeView,
    /// Its peers as its status reports them.
    pub peers: Vec<PeerReport>,
    /// Its history, oldest first.
    pub history: Vec<StatusSample>,
}

struct Held {
    row: NodeStatusRow,
    report: NodeStatus,
}

/// What every node's last contact is, from all statuses held: each node's own and what the
/// others say of it.
fn last_contacts(held: &[Held]) -> HashMap<String, i64> {
    let mut contacts: HashMap<String, i64> = HashMap::new();
    let mut note = |reporter: &str, at: i64| {
        let entry = contacts.entry(reporter.to_owned()).or_insert(at);
        *entry = (*entry).max(at);
    };
    for node in held {
        note(&node.row.reporter, node.row.reported_at);
        for peer in &node.report.peers {
            if let Some(at) = peer.last_contact {
                note(&node.row.reporter, at);
                note(&peer.key_id, at);
            }
        }
    }
    contacts
}

fn view(
    held: &Held,
    contacts: &HashMap<String, i64>,
    now: i64,
    stale_after: i64,
    history: &[StatusSample],
) -> NodeView {
    let report = &held.report;
    let last_contact = contacts
        .get(&held.row.reporter)
        .copied()
        .unwrap_or(held.row.reported_at);
    let silent_seconds = now.saturating_sub(last_contact).max(0);
    let sample = crate::sync::status_report::sample_of(report);
    let last_error = report
        .peers
        .iter()
        .filter(|peer| peer.last_error.is_some())
        .max_by_key(|peer| peer.last_contact)
        .and_then(|peer| peer.last_error.clone());
    NodeView {
        reporter: held.row.reporter.clone(),
        role: held.row.role.clone(),
        subject: held.row.subject.clone(),
        commune: held.row.commune.clone(),
        last_contact,
        silent_seconds,
        online: silent_seconds <= ONLINE_WITHIN_SECONDS,
        stale: silent_seconds > stale_after,
        reported_at: held.row.reported_at,
        backlog_out: sample.backlog_out,
        backlog_in: sample.backlog_in,
        lag_seconds: sample.lag_seconds,
        provisional_copies: report.provisional_copies,
        oldest_provisional: report
            .oldest_provisional
            .as_ref()
            .map(|oldest| (oldest.copy_id.clone(), oldest.issued_at)),
        refusals: sample.refusals,
        errors: sample.errors,
        last_error,
        software_version: report.software_version.clone(),
        lag_series: history
            .iter()
            .map(|s| (s.reported_at, s.lag_seconds as f64))
            .collect(),
        throughput_series: throughput(history),
    }
}

/// Bytes per second between consecutive samples (a counter that went back, a node whose
/// book was reset, counts from zero).
fn throughput(history: &[StatusSample]) -> Vec<Point> {
    history
        .windows(2)
        .filter_map(|pair| {
            let seconds = pair[1].reported_at - pair[0].reported_at;
            if seconds <= 0 {
                return None;
            }
            let total = |s: &StatusSample| s.bytes_sent.saturating_add(s.bytes_received);
            let bytes = total(&pair[1])
                .checked_sub(total(&pair[0]))
                .unwrap_or(total(&pair[1]));
            Some((pair[1].reported_at, bytes as f64 / seconds as f64))
        })
        .collect()
}

fn load_held(store: &Store) -> Result<Vec<Held>, MonitoringError> {
    Ok(store
        .node_statuses()?
        .into_iter()
        .filter_map(|row| {
            let report = stored_report(&row)?;
            Some(Held { row, report })
        })
        .collect())
}

fn histories(
    store: &Store,
    reporters: &[&str],
    since: i64,
) -> Result<HashMap<String, Vec<StatusSample>>, MonitoringError> {
    let mut by_reporter: HashMap<String, Vec<StatusSample>> = HashMap::new();
    for (reporter, sample) in store.status_history(reporters, since)? {
        by_reporter.entry(reporter).or_default().push(sample);
    }
    Ok(by_reporter)
}

/// The dashboard as of `now`, with nodes stale after `stale_after_seconds`.
pub fn dashboard(
    store: &Store,
    now: Timestamp,
    stale_after_seconds: i64,
    query: &DashboardQuery,
) -> Result<Dashboard, MonitoringError> {
    let now = now.unix();
    let held = load_held(store)?;
    let contacts = last_contacts(&held);
    // Every kiosk's view without history (cheap), to count, sort and page.
    let mut kiosks: Vec<(&Held, NodeView)> = held
        .iter()
        .filter(|node| node.row.role == "kiosk")
        .map(|node| (node, view(node, &contacts, now, stale_after_seconds, &[])))
        .collect();
    let mut wards: BTreeMap<String, WardView> = BTreeMap::new();
    for (_, kiosk) in &kiosks {
        let commune = kiosk.commune.clone().unwrap_or_default();
        let ward = wards.entry(commune.clone()).or_insert_with(|| WardView {
            commune,
            ward: None,
            kiosks: 0,
            stale_kiosks: 0,
            online_kiosks: 0,
        });
        ward.kiosks += 1;
        ward.stale_kiosks += usize::from(kiosk.stale);
        ward.online_kiosks += usize::from(kiosk.online);
    }
    let total_kiosks = kiosks.len();
    let stale_kiosks = kiosks.iter().filter(|(_, kiosk)| kiosk.stale).count();
    kiosks.retain(|(_, kiosk)| {
        query
            .commune
            .as_ref()
            .is_none_or(|commune| kiosk.commune.as_ref() == Some(commune))
            && (!query.only_stale || kiosk.stale)
    });
    kiosks.sort_by(|(_, a), (_, b)| {
        b.stale
            .cmp(&a.stale)
            .then(b.silent_seconds.cmp(&a.silent_seconds))
            .then(a.commune.cmp(&b.commune))
            .then(a.subject.cmp(&b.subject))
    });
    let matching_kiosks = kiosks.len();
    let pages = matching_kiosks.div_ceil(KIOSKS_PER_PAGE).max(1);
    let page = query.page.clamp(1, pages);
    let shown: Vec<&Held> = kiosks
        .iter()
        .skip((page - 1) * KIOSKS_PER_PAGE)
        .take(KIOSKS_PER_PAGE)
        .map(|(node, _)| *node)
        .collect();
    let ward_nodes: Vec<&Held> = held.iter().filter(|node| node.row.role == "ward").collect();
    let mut reporters: Vec<&str> = shown
        .iter()
        .map(|node| node.row.reporter.as_str())
        .collect();
    reporters.extend(ward_nodes.iter().map(|node| node.row.reporter.as_str()));
    let history = histories(store, &reporters, now - OVERVIEW_HISTORY_SECONDS)?;
    let with_history = |node: &Held| {
        let samples = history
            .get(&node.row.reporter)
            .map_or(&[][..], Vec::as_slice);
        view(node, &contacts, now, stale_after_seconds, samples)
    };
    for node in ward_nodes {
        let commune = node.row.commune.clone().unwrap_or_default();
        let entry = wards.entry(commune.clone()).or_insert_with(|| WardView {
            commune,
            ward: None,
            kiosks: 0,
            stale_kiosks: 0,
            online_kiosks: 0,
        });
        entry.ward = Some(with_history(node));
    }
    let kiosks = shown.into_iter().map(with_history).collect();
    Ok(Dashboard {
        now,
        stale_after_seconds,
        wards: wards.into_values().collect(),
        kiosks,
        matching_kiosks,
        total_kiosks,
        stale_kiosks,
        page,
        pages,
        query: query.clone(),
    })
}

/// One node's page as of `now`, `None` if the city holds no status of `reporter`.
pub fn node_detail(
    store: &Store,
    reporter: &str,
    now: Timestamp,
    stale_after_seconds: i64,
) -> Result<Option<NodeDetail>, MonitoringError> {
    let now = now.unix();
    let held = load_held(store)?;
    let contacts = last_contacts(&held);
    let Some(node) = held.iter().find(|node| node.row.reporter == reporter) else {
        return Ok(None);
    };
    let history: Vec<StatusSample> = store
        .status_history(&[reporter], now - DETAIL_HISTORY_SECONDS)?
        .into_iter()
        .map(|(_, sample)| sample)
        .collect();
    Ok(Some(NodeDetail {
        view: view(node, &contacts, now, stale_after_seconds, &history),
        peers: node.report.peers.clone(),
        history,
    }))
}

/// [`dashboard`] over the store at `database` (opened for this read).
pub fn dashboard_at(
    database: &std::path::Path,
    now: Timestamp,
    stale_after_seconds: i64,
    query: &DashboardQuery,
) -> Result<Dashboard, MonitoringError> {
    dashboard(&Store::open(database)?, now, stale_after_seconds, query)
}

/// [`node_detail`] over the store at `database` (opened for this read).
pub fn node_detail_at(
    database: &std::path::Path,
    reporter: &str,
    now: Timestamp,
    stale_after_seconds: i64,
) -> Result<Option<NodeDetail>, MonitoringError> {
    node_detail(&Store::open(database)?, reporter, now, stale_after_seconds)
}
