//! The city's monitoring dashboard: every ward and kiosk — online, last contact, backlog each
//! way, oldest provisional copy, lag and throughput over time as server-drawn SVG (no script),
//! refusals and errors, stale nodes highlighted — kiosks 50 a page, a ward's kiosks on their
//! own, one node's page with its peers and three days of history. The data is
//! [`bansao_node::monitoring`]'s; this module only renders it.
//!
//! A router of its own state ([`dashboard_router`]) behind the city staff's sign-in: its state
//! holds the city's [`CityState`] for the sessions and the menu, and the city's database for
//! the query (read on its own connection, so a dashboard never waits for the city's lock).

use std::path::PathBuf;

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use bansao_copy::Timestamp;
use bansao_node::monitoring::{
    Dashboard, DashboardQuery, NodeDetail, NodeView, Point, dashboard_at, node_detail_at,
};
use serde::Deserialize;

use crate::auth::{CurrentStaff, SessionState};
use crate::city::CityState;
use crate::error::WebError;
use crate::monitoring::Clock;
use crate::pages::Chrome;
use crate::sessions::Sessions;

/// What the dashboard's handlers share.
#[derive(Clone)]
pub struct DashboardState {
    city: CityState,
    database: PathBuf,
    stale_after_seconds: i64,
    clock: Clock,
}

impl std::fmt::Debug for DashboardState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DashboardState")
            .field("database", &self.database)
            .finish_non_exhaustive()
    }
}

impl DashboardState {
    /// The dashboard of `city`, whose database is `database`; a node is stale when it has not
    /// been heard from for `stale_after_seconds`.
    pub fn new(
        city: CityState,
        database: PathBuf,
        stale_after_seconds: i64,
        clock: Clock,
    ) -> DashboardState {
        DashboardState {
            city,
            database,
            stale_after_seconds,
            clock,
        }
    }
}

impl SessionState for DashboardState {
    type Person = bansao_node::city_staff::Staff;

    fn sessions(&self) -> &Sessions<Self::Person> {
        self.city.sessions()
    }
}

/// `/dashboard` and `/dashboard/nodes/{reporter}`, for signed-in city staff.
pub fn dashboard_router(state: DashboardState) -> Router {
    Router::new()
        .route("/dashboard", get(page))
        .route("/dashboard/nodes/{reporter}", get(node_page))
        .with_state(state)
}

/// The query string: `page`, `commune`, `stale=1`.
#[derive(Debug, Default, Deserialize)]
pub struct DashboardParams {
    page: Option<usize>,
    commune: Option<String>,
    stale: Option<String>,
}

fn local(unix: i64) -> String {
    Timestamp::from_unix(unix).map_or_else(|_| "?".to_owned(), Timestamp::vietnam_local)
}

fn duration(seconds: i64) -> String {
    match seconds {
        s if s < 120 => format!("{s} giây (s)"),
        s if s < 2 * 3600 => format!("{} phút (min)", s / 60),
        s if s < 2 * 86_400 => format!("{} giờ (h)", s / 3600),
        s => format!("{} ngày (d)", s / 86_400),
    }
}

/// A line chart of `points` as SVG (numbers only, so it is safe to embed as is).
pub fn sparkline(points: &[Point], width: u32, height: u32, label: &str) -> String {
    let mut svg = format!(
        "<svg class=\"chart\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" role=\"img\" aria-label=\"{}\">",
        label.replace(['"', '<', '>', '&'], "")
    );
    svg.push_str(&format!(
        "<rect x=\"0\" y=\"0\" width=\"{width}\" height=\"{height}\" fill=\"none\" stroke=\"#ccc\"/>"
    ));
    if points.len() >= 2 {
        let (t0, t1) = (points[0].0, points[points.len() - 1].0);
        let top = points.iter().map(|p| p.1).fold(0.0_f64, f64::max).max(1.0);
        let span = (t1 - t0).max(1) as f64;
        let coordinates: Vec<String> = points
            .iter()
            .map(|(t, v)| {
                let x = (t - t0) as f64 / span * f64::from(width - 2) + 1.0;
                let y = f64::from(height - 2) - v / top * f64::from(height - 4) + 1.0;
                format!("{x:.1},{y:.1}")
            })
            .collect();
        svg.push_str(&format!(
            "<polyline fill=\"none\" stroke=\"#1f5fa8\" stroke-width=\"1.5\" points=\"{}\"/>",
            coordinates.join(" ")
        ));
        svg.push_str(&format!(
            "<text x=\"3\" y=\"10\" font-size=\"9\" fill=\"#555\">{top:.0}</text>"
        ));
    }
    svg.push_str("</svg>");
    svg
}

/// One node's row, ready to print.
#[derive(Debug)]
pub struct Row {
    /// The node.
    pub node: NodeView,
    /// Last contact in Vietnam time.
    pub last_contact: String,
    /// How long it has been silent.
    pub silent: String,
    /// The oldest provisional copy and its age.
    pub oldest: Option<String>,
    /// Lag chart.
    pub lag_chart: String,
    /// Throughput chart.
    pub throughput_chart: String,
}

fn row(node: &NodeView, now: i64, width: u32) -> Row {
    Row {
        last_contact: local(node.last_contact),
        silent: duration(node.silent_seconds),
        oldest: node
            .oldest_provisional
            .as_ref()
            .map(|(copy, at)| format!("{copy} ({}, {})", local(*at), duration(now - at))),
        lag_chart: sparkline(&node.lag_series, width, 28, "lag"),
        throughput_chart: sparkline(&node.throughput_series, width, 28, "throughput"),
        node: node.clone(),
    }
}

/// One ward's line.
#[derive(Debug)]
pub struct WardRow {
    /// The commune.
    pub commune: String,
    /// The ward's own row, if its status is held.
    pub ward: Option<Row>,
    /// Kiosks, stale, online.
    pub kiosks: usize,
    /// Stale kiosks.
    pub stale_kiosks: usize,
    /// Online kiosks.
    pub online_kiosks: usize,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    chrome: Chrome,
    now: String,
    stale_after: String,
    wards: Vec<WardRow>,
    kiosks: Vec<Row>,
    total_kiosks: usize,
    stale_kiosks: usize,
    matching_kiosks: usize,
    page: usize,
    pages: usize,
    commune: String,
    only_stale: bool,
    previous: Option<String>,
    next: Option<String>,
}

#[derive(Template)]
#[template(path = "dashboard_node.html")]
struct NodePage {
    chrome: Chrome,
    now: String,
    row: Row,
    peers: Vec<PeerLine>,
    lag_chart: String,
    throughput_chart: String,
    backlog_chart: String,
    samples: usize,
}

/// A peer of the node, as its status reports it.
#[derive(Debug)]
pub struct PeerLine {
    /// Who.
    pub name: String,
    /// Last contact.
    pub last_contact: String,
    /// Last clean session.
    pub last_success: String,
    /// Backlog out and in.
    pub backlog: String,
    /// Lag.
    pub lag: String,
    /// Bytes each way.
    pub bytes: String,
    /// Errors and refusals.
    pub errors: u64,
    /// Refusals.
    pub refusals: u64,
    /// The last error.
    pub last_error: String,
}

fn link(query: &DashboardQuery, page: usize) -> String {
    let mut link = format!("/dashboard?page={page}");
    if let Some(commune) = &query.commune {
        link.push_str(&format!("&commune={commune}"));
    }
    if query.only_stale {
        link.push_str("&stale=1");
    }
    link
}

/// The dashboard page's HTML.
pub fn render_dashboard(dashboard: &Dashboard, chrome: Chrome) -> Result<String, WebError> {
    let query = &dashboard.query;
    let page = DashboardPage {
        chrome,
        now: local(dashboard.now),
        stale_after: duration(dashboard.stale_after_seconds),
        wards: dashboard
            .wards
            .iter()
            .map(|ward| WardRow {
                commune: ward.commune.clone(),
                ward: ward.ward.as_ref().map(|node| row(node, dashboard.now, 120)),
                kiosks: ward.kiosks,
                stale_kiosks: ward.stale_kiosks,
                online_kiosks: ward.online_kiosks,
            })
            .collect(),
        kiosks: dashboard
            .kiosks
            .iter()
            .map(|node| row(node, dashboard.now, 120))
            .collect(),
        total_kiosks: dashboard.total_kiosks,
        stale_kiosks: dashboard.stale_kiosks,
        matching_kiosks: dashboard.matching_kiosks,
        page: dashboard.page,
        pages: dashboard.pages,
        commune: query.commune.clone().unwrap_or_default(),
        only_stale: query.only_stale,
        previous: (dashboard.page > 1).then(|| link(query, dashboard.page - 1)),
        next: (dashboard.page < dashboard.pages).then(|| link(query, dashboard.page + 1)),
    };
    Ok(page.render()?)
}

/// One node's page's HTML.
pub fn render_node(detail: &NodeDetail, now: i64, chrome: Chrome) -> Result<String, WebError> {
    let since = |at: Option<i64>| at.map_or_else(|| "chưa có (never)".to_owned(), local);
    let backlog: Vec<Point> = detail
        .history
        .iter()
        .map(|s| (s.reported_at, s.backlog_out as f64))
        .collect();
    let page = NodePage {
        chrome,
        now: local(now),
        lag_chart: sparkline(&detail.view.lag_series, 600, 120, "lag"),
        throughput_chart: sparkline(&detail.view.throughput_series, 600, 120, "throughput"),
        backlog_chart: sparkline(&backlog, 600, 120, "backlog"),
        samples: detail.history.len(),
        row: row(&detail.view, now, 120),
        peers: detail
            .peers
            .iter()
            .map(|peer| PeerLine {
                name: match (&peer.subject, &peer.role) {
                    (Some(subject), Some(role)) => format!("{subject} ({role})"),
                    _ => peer.key_id.clone(),
                },
                last_contact: since(peer.last_contact),
                last_success: since(peer.last_success),
                backlog: format!("{} ↑ / {} ↓", peer.backlog_out, peer.backlog_in),
                lag: duration(i64::try_from(peer.lag_seconds).unwrap_or(i64::MAX)),
                bytes: format!("{} ↑ / {} ↓", peer.bytes_sent, peer.bytes_received),
                errors: peer.errors,
                refusals: peer.refusals,
                last_error: peer.last_error.clone().unwrap_or_default(),
            })
            .collect(),
    };
    Ok(page.render()?)
}

async fn page(
    State(state): State<DashboardState>,
    current: CurrentStaff,
    Query(params): Query<DashboardParams>,
) -> Result<Response, WebError> {
    let chrome = state.city.chrome(&current);
    let query = DashboardQuery {
        page: params.page.unwrap_or(1),
        commune: params.commune.filter(|commune| !commune.is_empty()),
        only_stale: params.stale.is_some_and(|stale| stale == "1"),
    };
    let now = (state.clock)();
    let html = tokio::task::spawn_blocking(move || {
        let dashboard = dashboard_at(&state.database, now, state.stale_after_seconds, &query)
            .map_err(|error| WebError::Internal(error.to_string()))?;
        render_dashboard(&dashboard, chrome)
    })
    .await
    .map_err(|error| WebError::Internal(error.to_string()))??;
    Ok(Html(html).into_response())
}

async fn node_page(
    State(state): State<DashboardState>,
    current: CurrentStaff,
    Path(reporter): Path<String>,
) -> Result<Response, WebError> {
    let chrome = state.city.chrome(&current);
    if reporter.len() != 16 || !reporter.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(WebError::NotFound);
    }
    let now = (state.clock)();
    let html = tokio::task::spawn_blocking(move || {
        let detail = node_detail_at(&state.database, &reporter, now, state.stale_after_seconds)
            .map_err(|error| WebError::Internal(error.to_string()))?
            .ok_or(WebError::NotFound)?;
        render_node(&detail, now.unix(), chrome)
    })
    .await
    .map_err(|error| WebError::Internal(error.to_string()))??;
    Ok(Html(html).into_response())
}
