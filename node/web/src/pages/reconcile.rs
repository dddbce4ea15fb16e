//! `GET /reconcile`: what does not add up at the ward, each with its evidence and the act that
//! resolves it — a conflict's signer replaces their decision (`POST /copies/{copy}/resolve`),
//! a chain anomaly gets an official's signed note (`POST /anomalies/{id}/resolve`).

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{Html, Redirect};
use bansao_copy::{CopyId, RejectionGround};
use bansao_node::entropy;
use bansao_node::reconciliation::ConflictResolution;
use serde::Deserialize;

use crate::auth::CurrentOfficial;
use crate::error::WebError;
use crate::pages::Chrome;
use crate::state::WebState;

/// Copies provisional for longer than this many days are listed by default.
pub const DEFAULT_STALE_DAYS: i64 = 7;

#[derive(Debug)]
struct SideRow {
    who: String,
    at: String,
    mine: bool,
}

#[derive(Debug)]
struct ConflictRow {
    copy_id: String,
    kiosk: String,
    approvals: Vec<SideRow>,
    rejections: Vec<SideRow>,
    mine: bool,
}

#[derive(Debug)]
struct AnomalyRow {
    id: i64,
    kind: &'static str,
    kiosk: String,
    sequence: u64,
    copy_id: String,
    other_copy_id: Option<String>,
    detail: String,
    first_seen: String,
    resolution: Option<String>,
}

#[derive(Debug)]
struct StaleRow {
    copy_id: String,
    kiosk: String,
    issued_at: String,
    days: i64,
}

/// A fork or bad proof of the city's log the ward was offered.
#[derive(Debug)]
struct LogForkRow {
    kind_vi: &'static str,
    kind_en: &'static str,
    found: String,
    from: String,
    detail: String,
}

/// What a recorded kind means, Vietnamese first.
fn log_fork_words(kind: &str) -> (&'static str, &'static str) {
    match kind {
        "fork" => ("Hai lịch sử khác nhau", "fork"),
        "bad-proof" => ("Bằng chứng không khớp", "bad proof"),
        _ => ("Bất thường", "problem"),
    }
}

#[derive(Debug)]
struct GroundChoice {
    code: &'static str,
    label_vi: &'static str,
}

#[derive(Template)]
#[template(path = "reconcile.html")]
struct ReconcilePage {
    chrome: Chrome,
    clear: bool,
    conflicts: Vec<ConflictRow>,
    open: Vec<AnomalyRow>,
    resolved: Vec<AnomalyRow>,
    stale: Vec<StaleRow>,
    stale_days: i64,
    missing: Vec<(String, String)>,
    same_scans: Vec<(String, Vec<String>)>,
    log_forks: Vec<LogForkRow>,
    grounds: Vec<GroundChoice>,
}

/// The page's address: how many days make a copy stale.
#[derive(Debug, Default, Deserialize)]
pub struct ReconcileQuery {
    days: Option<i64>,
}

fn anomaly_row(anomaly: &bansao_store::Anomaly) -> AnomalyRow {
    AnomalyRow {
        id: anomaly.id,
        kind: anomaly.kind.as_str(),
        kiosk: anomaly.kiosk_id.clone(),
        sequence: anomaly.sequence,
        copy_id: anomaly.copy_id.clone(),
        other_copy_id: anomaly.other_copy_id.clone(),
        detail: anomaly.detail.clone(),
        first_seen: bansao_copy::Timestamp::parse(&anomaly.first_seen)
            .map(|at| at.vietnam_local())
            .unwrap_or_else(|_| anomaly.first_seen.clone()),
        resolution: anomaly.resolution.as_ref().map(|resolution| {
            format!(
                "{} · {}: {}",
                resolution.official,
                bansao_copy::Timestamp::parse(&resolution.resolved_at)
                    .map(|at| at.vietnam_local())
                    .unwrap_or_else(|_| resolution.resolved_at.clone()),
                resolution.note
            )
        }),
    }
}

/// `GET /reconcile`.
pub async fn page(
    State(state): State<WebState>,
    current: CurrentOfficial,
    Query(query): Query<ReconcileQuery>,
) -> Result<Html<String>, WebError> {
    let days = query.days.unwrap_or(DEFAULT_STALE_DAYS).clamp(0, 3650);
    let reconciliation = state
        .with_ward(move |ward| Ok(ward.reconciliation(entropy::now(), days)?))
        .await?;
    let me = current.signed_in.person.certificate.key_id();
    let side = |signatures: &[bansao_copy::status::ValidSignature]| -> Vec<SideRow> {
        signatures
            .iter()
            .map(|signature| SideRow {
                who: signature.signer_name.clone(),
                at: signature.record.signed_at.vietnam_local(),
                mine: signature.record.signer == me,
            })
            .collect()
    };
    let conflicts = reconciliation
        .conflicts
        .iter()
        .map(|case| {
            let approvals = side(&case.conflict.approvals);
            let rejections = side(&case.conflict.rejections);
            let mine = approvals.iter().chain(&rejections).any(|side| side.mine);
            ConflictRow {
                copy_id: case.copy_id.to_string(),
                kiosk: case.kiosk_id.clone(),
                approvals,
                rejections,
                mine,
            }
        })
        .collect();
    let page = ReconcilePage {
        chrome: Chrome::signed_in(&state, &current),
        clear: reconciliation.is_clear(),
        conflicts,
        open: reconciliation
            .open_anomalies
            .iter()
            .map(anomaly_row)
            .collect(),
        resolved: reconciliation
            .resolved_anomalies
            .iter()
            .map(anomaly_row)
            .collect(),
        stale: reconciliation
            .stale
            .iter()
            .map(|stale| StaleRow {
                copy_id: stale.copy_id.to_string(),
                kiosk: stale.kiosk_id.clone(),
                issued_at: stale.issued_at.vietnam_local(),
                days: stale.days,
            })
            .collect(),
        stale_days: days,
        missing: reconciliation
            .missing_scans
            .iter()
            .map(|missing| (missing.copy_id.clone(), missing.sha256.clone()))
            .collect(),
        same_scans: reconciliation
            .same_scans
            .iter()
            .map(|same| (same.sha256.clone(), same.copies.clone()))
            .collect(),
        log_forks: reconciliation
            .log_forks
            .iter()
            .map(|fork| {
                let (kind_vi, kind_en) = log_fork_words(&fork.kind);
                LogForkRow {
                    kind_vi,
                    kind_en,
                    found: bansao_copy::Timestamp::parse(&fork.first_seen)
                        .map(|at| at.vietnam_local())
                        .unwrap_or_else(|_| fork.first_seen.clone()),
                    from: fork.peer.clone(),
                    detail: fork.detail.clone(),
                }
            })
            .collect(),
        grounds: RejectionGround::ALL
            .iter()
            .map(|ground| GroundChoice {
                code: ground.code(),
                label_vi: ground.label_vi(),
            })
            .collect(),
    };
    Ok(Html(page.render()?))
}

/// The conflict resolution form's fields.
#[derive(Debug, Deserialize)]
pub struct ResolveConflictForm {
    #[serde(default)]
    csrf: String,
    decision: String,
    #[serde(default)]
    ground: String,
    #[serde(default)]
    note: String,
}

/// `POST /copies/{copy}/resolve`.
pub async fn resolve_conflict(
    State(state): State<WebState>,
    current: CurrentOfficial,
    Path(copy): Path<String>,
    Form(form): Form<ResolveConflictForm>,
) -> Result<Redirect, WebError> {
    current.check_form(&form.csrf)?;
    let copy_id = CopyId::parse(&copy).map_err(|_| WebError::NotFound)?;
    let note = Some(form.note.trim().to_owned()).filter(|note| !note.is_empty());
    let ground = match form.decision.as_str() {
        "approve" => None,
        "reject" => Some(form.ground.parse::<RejectionGround>().map_err(
            |error: bansao_copy::rejection::UnknownGround| WebError::BadRequest(error.to_string()),
        )?),
        other => {
            return Err(WebError::BadRequest(format!(
                "{other:?}: chọn ký duyệt hoặc từ chối (approve or reject)"
            )));
        }
    };
    let official = current.signed_in.person.clone();
    state
        .with_ward(move |ward| {
            let resolution = match ground {
                None => ConflictResolution::Approve,
                Some(ground) => ConflictResolution::Reject {
                    ground,
                    note: note.as_deref(),
                },
            };
            Ok(ward.resolve_conflict(copy_id, resolution, &official, entropy::now())?)
        })
        .await?;
    tracing::info!(copy = %copy_id, official = %current.signed_in.person.id, decision = form.decision, "conflict resolved");
    Ok(Redirect::to("/reconcile"))
}

/// The anomaly resolution form's fields.
#[derive(Debug, Deserialize)]
pub struct ResolveAnomalyForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    note: String,
}

/// `POST /anomalies/{id}/resolve`.
pub async fn resolve_anomaly(
    State(state): State<WebState>,
    current: CurrentOfficial,
    Path(id): Path<i64>,
    Form(form): Form<ResolveAnomalyForm>,
) -> Result<Redirect, WebError> {
    current.check_form(&form.csrf)?;
    let official = current.signed_in.person.clone();
    let note = form.note.clone();
    state
        .with_ward(move |ward| Ok(ward.resolve_anomaly(id, &note, &official, entropy::now())?))
        .await?;
    tracing::info!(anomaly = id, official = %current.signed_in.person.id, "anomaly resolved");
    Ok(Redirect::to("/reconcile"))
}
