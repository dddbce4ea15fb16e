//! The sync commands: `bansao run` (the node's service until stopped), `bansao sync` (one round
//! with each upstream, then exit) and `bansao status` (per-peer sync state).

use std::io::Write;
use std::path::Path;

use bansao_copy::Timestamp;
use bansao_store::Store;

use anyhow::Context;
use bansao_node::city::City;
use bansao_node::config::{CONFIG_FILE_NAME, NodeRole};
use bansao_node::node_dir::NodeDir;
use bansao_node::node_lock::NodeLock;
use bansao_node::sync::SyncShellError;
use bansao_node::sync::peers::{ADDRESS_PREFIX, PeerState, load_states};
use bansao_node::sync::service::SyncNode;
use bansao_node::sync::stream::SessionOutcome;
use bansao_node::ward::Ward;
use bansao_web::dashboard::{DashboardState, dashboard_router};
use bansao_web::{CityState, MonitoringState, SessionRules, WebState};

pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, SyncShellError> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|source| SyncShellError::Io {
            what: "cannot start the async runtime".to_owned(),
            source,
        })
}

/// Ctrl-C or SIGTERM.
pub(crate) async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut terminate) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = terminate.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

/// The parts of the site a node serves, and what its pages are called: every node the public
/// verify page, `/metrics` and `/healthz`; a ward its officials' pages; a city its staff's
/// pages with the sync monitoring dashboard.
fn web_parts(
    dir: &Path,
    node: &SyncNode,
) -> anyhow::Result<(Vec<bansao_web::Router>, &'static str)> {
    let web_error = |error: bansao_web::WebError| anyhow::anyhow!("{error}");
    let config = node.config();
    let verify = bansao_web::verify_router(bansao_web::VerifyState::new(
        bansao_node::verify_online::OnlineVerifier::open(dir)?,
    ));
    let monitoring = bansao_web::monitoring_router(MonitoringState::new(
        node.metrics().clone(),
        bansao_web::monitoring::system_clock(),
    ));
    Ok(match config.role() {
        NodeRole::Ward => {
            let state =
                WebState::new(Ward::open(dir)?, SessionRules::default()).map_err(web_error)?;
            (
                vec![bansao_web::ward_router(state), verify, monitoring],
                "Trang của cán bộ (officials' pages)",
            )
        }
        NodeRole::City => {
            let state =
                CityState::new(City::open(dir)?, SessionRules::default()).map_err(web_error)?;
            let stale_after = config.city().map_or(
                bansao_node::config::CityConfig::default().stale_after,
                |city| city.stale_after,
            );
            let dashboard = dashboard_router(DashboardState::new(
                state.clone(),
                config.paths.database.clone(),
                i64::try_from(stale_after.as_secs()).unwrap_or(i64::MAX),
                bansao_web::monitoring::system_clock(),
            ));
            let log = bansao_web::LogState::new(bansao_node::log_serve::LogReader::open(dir)?);
            (
                vec![
                    bansao_web::city_router(state),
                    dashboard,
                    verify,
                    bansao_web::log_router(log),
                    monitoring,
                ],
                "Trang của cán bộ Sở (city staff's pages)",
            )
        }
        NodeRole::Kiosk => {
            let kiosk = config
                .kiosk()
                .context("a kiosk's configuration has [kiosk]")?;
            let status = bansao_web::status_router(bansao_web::KioskStatusState::open(dir)?);
            let mut options = bansao_node::kiosk_desk::worker::DeskOptions::new(dir);
            options.settings = Some(crate::kiosk_commands::with_environment(&kiosk.devices));
            match bansao_node::kiosk_desk::worker::DeskHandle::start(options) {
                Ok(desk) => (
                    vec![
                        bansao_web::kiosk_router(bansao_web::KioskState::new(
                            desk,
                            &kiosk.commune.name,
                        )),
                        verify,
                        monitoring,
                        status,
                    ],
                    "Màn hình ki-ốt cho người dân (the citizen's kiosk screen)",
                ),
                // Without OCR or face detection there is no screen to serve, but the node still
                // syncs and verifies.
                Err(error) => {
                    tracing::error!(%error, "the kiosk's screen cannot start: serving the verify page only");
                    (
                        vec![bansao_web::home_router(), verify, monitoring, status],
                        "Trang kiểm tra bản sao (the verify page; the kiosk screen could not start)",
                    )
                }
            }
        }
    })
}

/// `bansao run --node DIR`: runs the node's sync, and its web pages on `[web] listen` (a
/// ward's officials' pages, a city's staff pages and dashboard, everyone's `/verify`,
/// `/metrics` and `/healthz`), until Ctrl-C or SIGTERM. A second `bansao run` on the same
/// directory is refused while this one runs ([`NodeLock`]).
pub fn run_node(dir: &Path, out: &mut dyn Write) -> anyhow::Result<()> {
    let lock = NodeLock::acquire(dir)?;
    let runtime = runtime()?;
    let ready = ready_node(dir, lock, &runtime, out)?;
    out.flush()?;
    runtime.block_on(async {
        let stop = std::sync::Arc::new(tokio::sync::watch::channel(false).0);
        tokio::spawn({
            let stop = stop.clone();
            async move {
                stop_signal().await;
                stop.send_replace(true);
            }
        });
        serve_ready(ready, stop).await
    })?;
    writeln!(out, "Đã dừng (stopped).")?;
    Ok(())
}

/// A node ready to run: its directory locked, its sync service opened and its site's listener
/// bound. `bansao run` runs one; `bansao demo --serve` runs a kiosk, a ward and a city.
pub struct ReadyNode {
    node: SyncNode,
    web: Option<(tokio::net::TcpListener, bansao_web::Router)>,
    _lock: NodeLock,
}

impl std::fmt::Debug for ReadyNode {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("ReadyNode")
            .field("node", &self.node.identity().subject)
            .field("web", &self.web_address())
            .finish_non_exhaustive()
    }
}

impl ReadyNode {
    /// The address the node's site answers on (`None`: `[web] listen = "off"`).
    pub fn web_address(&self) -> Option<std::net::SocketAddr> {
        self.web
            .as_ref()
            .and_then(|(listener, _)| listener.local_addr().ok())
    }
}

/// Opens the node in `dir` (held by `lock`), binds its site on `[web] listen` in `runtime` (a
/// port in use is an error naming it) and writes to `out` what it will serve.
pub fn ready_node(
    dir: &Path,
    lock: NodeLock,
    runtime: &tokio::runtime::Runtime,
    out: &mut dyn Write,
) -> anyhow::Result<ReadyNode> {
    let node = SyncNode::open(dir)?;
    let settings = node.config().sync.clone();
    let web_listen = node.config().web.listen;
    writeln!(
        out,
        "Nút {} ({}) đang chạy đồng bộ (sync running); dừng bằng Ctrl-C.",
        node.identity().subject,
        node.config().role().as_str()
    )?;
    match settings.listen {
        Some(address) => writeln!(out, "  Nhận kết nối tại (listening on) {address}")?,
        None => writeln!(out, "  Không nhận kết nối (not listening)")?,
    }
    for address in &settings.upstream {
        writeln!(out, "  Đồng bộ lên (upstream) {address}")?;
    }
    if settings.lan_discovery {
        writeln!(
            out,
            "  Tìm máy cùng xã trong mạng nội bộ (LAN discovery on)"
        )?;
    }
    let web = match web_listen {
        Some(address) => {
            let listener = runtime
                .block_on(tokio::net::TcpListener::bind(address))
                .with_context(|| {
                    format!(
                        "cannot serve the web pages of {} on {address} ([web] listen in {})",
                        dir.display(),
                        dir.join(CONFIG_FILE_NAME).display()
                    )
                })?;
            let (parts, pages) = web_parts(dir, &node)?;
            let address = listener.local_addr()?;
            writeln!(out, "  {pages}: http://{address}/")?;
            writeln!(
                out,
                "  Giám sát (metrics): http://{address}/metrics, /healthz"
            )?;
            let site =
                bansao_web::with_request_counting(bansao_web::site(parts), node.metrics().clone());
            Some((listener, site))
        }
        None => None,
    };
    Ok(ReadyNode {
        node,
        web,
        _lock: lock,
    })
}

/// Runs a ready node's sync and site until `stop` is set; sets it when either of them ends (a
/// failure of one must not leave the other running alone). Returns when both have stopped,
/// the store flushed.
pub async fn serve_ready(
    ready: ReadyNode,
    stop: std::sync::Arc<tokio::sync::watch::Sender<bool>>,
) -> anyhow::Result<()> {
    let ReadyNode { node, web, _lock } = ready;
    let until_stopped = |mut stopped: tokio::sync::watch::Receiver<bool>| async move {
        let _ = stopped.wait_for(|stop| *stop).await;
    };
    let serves_pages = web.is_some();
    let pages = async {
        let served = match web {
            Some((listener, router)) => {
                bansao_web::serve(listener, router, until_stopped(stop.subscribe())).await
            }
            None => Ok(()),
        };
        if serves_pages {
            stop.send_replace(true);
        }
        served
    };
    let synced = async {
        let synced = node.run(until_stopped(stop.subscribe())).await;
        stop.send_replace(true);
        synced
    };
    let (synced, served) = tokio::join!(synced, pages);
    synced?;
    served.context("the web pages stopped")?;
    Ok(())
}

/// `bansao sync --node DIR [--peer ADDR]...`: one round with each peer (default: the
/// configured upstream); returns whether every round finished.
pub fn sync_once(
    dir: &Path,
    peers: &[String],
    json: bool,
    out: &mut dyn Write,
) -> anyhow::Result<bool> {
    let node = SyncNode::open(dir)?;
    let peers: Vec<String> = if peers.is_empty() {
        node.config().sync.upstream.clone()
    } else {
        peers.to_vec()
    };
    if peers.is_empty() {
        anyhow::bail!(
            "no peer to sync with: give --peer HOST:PORT or set sync.upstream in {}",
            dir.join(CONFIG_FILE_NAME).display()
        );
    }
    let results: Vec<(String, Result<SessionOutcome, SyncShellError>)> =
        runtime()?.block_on(async {
            let endpoint = node.bind(std::net::SocketAddr::from(([0, 0, 0, 0], 0)))?;
            let mut results = Vec::new();
            for address in &peers {
                results.push((address.clone(), node.sync_once(&endpoint, address).await));
            }
            endpoint.wait_idle().await;
            Ok::<_, SyncShellError>(results)
        })?;
    let mut all_finished = true;
    let mut report = Vec::new();
    for (address, result) in results {
        match result {
            Ok(outcome) => {
                // A copy the peer refused is not delivered: the round did not do its work.
                all_finished &= outcome.finished && outcome.refused_by_peer.is_empty();
                let stats = &outcome.stats;
                let refused: Vec<serde_json::Value> = outcome
                    .refused_by_peer
                    .iter()
                    .map(|(copy_id, reason)| {
                        serde_json::json!({"copy_id": copy_id.to_string(), "reason": reason})
                    })
                    .collect();
                report.push(serde_json::json!({
                    "peer": address,
                    "subject": outcome.peer.as_ref().map(|p| p.subject.clone()),
                    "finished": outcome.finished,
                    "error": outcome.error,
                    "stats": stats,
                    "blobs_completed": outcome.blobs_completed,
                    "refused_by_peer": refused,
                }));
                if !json {
                    let name = outcome
                        .peer
                        .as_ref()
                        .map_or(address.clone(), |p| format!("{} ({address})", p.subject));
                    match &outcome.error {
                        None => writeln!(
                            out,
                            "Đồng bộ xong với {name}: gửi {} bản sao, nhận {} bản sao, {} bản chụp; {} byte đi, {} byte đến (sync finished)",
                            stats.documents_sent,
                            stats.documents_received,
                            outcome.blobs_completed,
                            stats.bytes_sent,
                            stats.bytes_received
                        )?,
                        Some(error) => writeln!(
                            out,
                            "Đồng bộ với {name} chưa xong (sync did not finish): {error}"
                        )?,
                    }
                    for (copy_id, reason) in &outcome.refused_by_peer {
                        writeln!(
                            out,
                            "  Bên kia từ chối bản sao {copy_id} (the peer refused the copy): {reason}"
                        )?;
                    }
                }
            }
            Err(error) => {
                all_finished = false;
                report.push(serde_json::json!({"peer": address, "finished": false, "error": error.to_string()}));
                if !json {
                    writeln!(
                        out,
                        "Không kết nối được {address} (cannot connect): {error}"
                    )?;
                }
            }
        }
    }
    if json {
        writeln!(out, "{}", serde_json::to_string_pretty(&report)?)?;
    }
    Ok(all_finished)
}

fn local_time(rfc3339: &Option<String>) -> String {
    rfc3339
        .as_deref()
        .and_then(|text| Timestamp::parse(text).ok())
        .map_or_else(|| "chưa có (never)".to_owned(), Timestamp::vietnam_local)
}

fn peer_lines(state: &PeerState, changed_here: Option<u64>) -> Vec<String> {
    let name = match (&state.subject, &state.role) {
        (Some(subject), Some(role)) => format!("{subject} ({role}, khóa {})", state.key_id),
        _ if state.key_id.starts_with(ADDRESS_PREFIX) => {
            format!(
                "{} (chưa kết nối được — never reached)",
                &state.key_id[ADDRESS_PREFIX.len()..]
            )
        }
        _ => format!("khóa (key) {}", state.key_id),
    };
    let mut lines = vec![
        name,
        format!(
            "  Liên lạc lần cuối (last contact): {}; đồng bộ xong lần cuối (last success): {}",
            local_time(&state.last_contact),
            local_time(&state.last_success)
        ),
        format!(
            "  Còn chờ gửi (pending out): {}{} bản sao, {} mảnh bản chụp; còn chờ nhận (pending in): {} bản sao, {} bản chụp",
            state.documents_pending_out,
            changed_here.map_or_else(String::new, |n| format!(
                " (và {n} bản sao đổi ở đây từ lần đồng bộ xong trước — and {n} changed here since the last success)"
            )),
            state.chunks_pending_out,
            state.documents_pending_in,
            state.blobs_pending_in
        ),
        format!(
            "  Đã chuyển (moved): {} byte đi, {} byte đến; {} bản sao gửi, {} nhận, {} bản chụp nhận",
            state.bytes_sent,
            state.bytes_received,
            state.documents_sent,
            state.documents_received,
            state.blobs_received
        ),
        format!(
            "  Phiên (sessions): {} xong, {} dở; {} lần từ chối (refusals)",
            state.sessions_finished, state.sessions_failed, state.refusals
        ),
    ];
    if !state.refused_by_peer.is_empty() {
        lines.push(format!(
            "  {} bản sao bị bên kia từ chối, sẽ không được chuyển (copies the peer refused, not delivered):",
            state.refused_by_peer.len()
        ));
        for refused in state.refused_by_peer.iter().rev().take(10) {
            lines.push(format!("    {}: {}", refused.copy_id, refused.reason));
        }
    }
    if let Some(error) = &state.last_error {
        lines.push(format!(
            "  Lỗi gần nhất (last error) lúc {}: {error}",
            local_time(&state.last_error_at)
        ));
    }
    lines
}

/// `bansao status --node DIR [--json]`: the node's copies and per-peer sync state.
pub fn status(dir: &Path, json: bool, out: &mut dyn Write) -> anyhow::Result<()> {
    let config = NodeDir::read(dir)?.config;
    let store = Store::open(&config.paths.database)?;
    let states = load_states(&store)?;
    let copies = store.copy_count()?;
    let own_commune = config.commune().map(|commune| commune.code.to_string());
    let scans_missing = store.wanted_scan_count(own_commune.as_deref())?;
    let anomalies = store.anomalies(None, false)?;
    let held_checkpoint = store.held_checkpoint()?;
    let log_forks = store.log_forks()?;
    // What a peer may still lack from here: copies of the link's commune written on this node
    // since the last round that finished with it (all of them if none ever did).
    let mut changed_here = Vec::with_capacity(states.len());
    for state in &states {
        let commune = state.commune.clone().or_else(|| own_commune.clone());
        changed_here.push(match commune {
            Some(commune) => {
                Some(store.copies_changed_since(&commune, state.last_success.as_deref())?)
            }
            None => None,
        });
    }
    if json {
        let peers: Vec<serde_json::Value> = states
            .iter()
            .zip(&changed_here)
            .map(|(state, changed)| {
                let mut value = serde_json::to_value(state).unwrap_or_default();
                if let Some(object) = value.as_object_mut() {
                    object.insert(
                        "changed_here_since_last_success".to_owned(),
                        (*changed).into(),
                    );
                }
                value
            })
            .collect();
        let value = serde_json::json!({
            "node": config.name,
            "role": config.role().as_str(),
            "copies": copies,
            "scans_missing": scans_missing,
            "anomalies": anomalies.iter().map(bansao_node::verify::anomaly_json).collect::<Vec<_>>(),
            "peers": peers,
            "held_checkpoint": held_checkpoint.as_ref().map(|held| serde_json::json!({
                "tree_size": held.tree_size,
                "note": held.note,
                "received_at": held.received_at,
            })),
            "log_forks": log_forks.iter().map(|fork| serde_json::json!({
                "id": fork.id,
                "kind": fork.kind,
                "detail": fork.detail,
                "peer": fork.peer,
                "first_seen": fork.first_seen,
                "held_note": fork.held_note,
                "offered_note": fork.offered_note,
            })).collect::<Vec<_>>(),
        });
        writeln!(out, "{}", serde_json::to_string_pretty(&value)?)?;
        return Ok(());
    }
    writeln!(
        out,
        "{} ({}): {copies} bản sao (copies), {scans_missing} bản chụp còn thiếu (scans missing)",
        config.name,
        config.role().as_str()
    )?;
    if !anomalies.is_empty() {
        writeln!(
            out,
            "{} bất thường trong chuỗi bản sao của ki-ốt (kiosk chain anomalies):",
            anomalies.len()
        )?;
        for anomaly in anomalies.iter().take(20) {
            writeln!(out, "  {}: {}", anomaly.kind.as_str(), anomaly.detail)?;
        }
        if anomalies.len() > 20 {
            writeln!(out, "  … (--json lists all)")?;
        }
    }
    if let Some(held) = &held_checkpoint {
        writeln!(
            out,
            "Sổ nhật ký minh bạch của thành phố (city log): giữ điểm kiểm {} mục (checkpoint of {} entries)",
            held.tree_size, held.tree_size
        )?;
    }
    if !log_forks.is_empty() {
        writeln!(
            out,
            "{} bất thường của sổ nhật ký thành phố (city log forks or bad proofs):",
            log_forks.len()
        )?;
        for fork in &log_forks {
            writeln!(
                out,
                "  {} từ (from) {}: {}",
                fork.kind, fork.peer, fork.detail
            )?;
        }
    }
    if states.is_empty() {
        writeln!(out, "Chưa đồng bộ với ai (no sync yet).")?;
    }
    for (state, changed) in states.iter().zip(changed_here) {
        for line in peer_lines(state, changed) {
            writeln!(out, "{line}")?;
        }
    }
    Ok(())
}
