//! `GET /copies/{copy}`: one copy as an official weighs it — the scans, every field with its
//! confidence (low ones marked), the citizen's corrections, the kiosk's checks (identity, face —
//! with the card portrait and the live face side by side when the kiosk referred the face),
//! kiosk id, sequence and time, flags and decisions — and `POST …/approve`, `POST …/reject`,
//! which counter-sign or refuse it with the signed-in official's key through the ward service.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Redirect, Response};
use bansao_copy::{CopyId, CopyStatus, RejectionGround};
use bansao_node::entropy;
use bansao_node::face_record::{FACE_IMAGES_EVENT, FaceSide, face_image};
use bansao_node::ward::{LOW_CONFIDENCE_PERMILLE, field_label, field_label_en, field_rank};
use serde::Deserialize;

use crate::auth::CurrentOfficial;
use crate::error::WebError;
use crate::pages::{Chrome, percent};
use crate::state::WebState;

/// One field as read at the kiosk.
#[derive(Debug)]
struct FieldRow {
    label: String,
    label_en: String,
    value: String,
    confidence: String,
    low: bool,
    corrected_from: Option<String>,
    /// Where it was read: the printed label, the page and the value's box.
    source: Option<String>,
}

/// Something that happened to the copy (the kiosk's checks included).
#[derive(Debug)]
struct EventRow {
    kind: String,
    at: String,
    by: String,
    detail: String,
}

/// A decision signed on the copy.
#[derive(Debug)]
struct DecisionRow {
    what: &'static str,
    who: String,
    at: String,
    number: Option<String>,
    reason: Option<String>,
}

/// A ground of refusal, for the form.
#[derive(Debug)]
struct GroundChoice {
    code: &'static str,
    label_vi: &'static str,
    label_en: &'static str,
}

#[derive(Template)]
#[template(path = "case.html")]
struct CasePage {
    chrome: Chrome,
    copy_id: String,
    status: &'static str,
    status_vi: &'static str,
    kind_vi: &'static str,
    kind_en: &'static str,
    pages: Vec<usize>,
    kiosk: String,
    sequence: u64,
    issued_at: String,
    fee: String,
    fields: Vec<FieldRow>,
    events: Vec<EventRow>,
    flags: Vec<(&'static str, String)>,
    decisions: Vec<DecisionRow>,
    certification_number: Option<String>,
    decidable: bool,
    grounds: Vec<GroundChoice>,
    notice: Option<String>,
    identity: Option<String>,
    face_check: Option<String>,
    /// The kiosk kept the two faces it compared (an official must settle the face check).
    face_images: bool,
}

/// What the page was sent back with after a decision.
#[derive(Debug, Default, Deserialize)]
pub struct CaseQuery {
    decided: Option<String>,
}

fn parse_copy(text: &str) -> Result<CopyId, WebError> {
    CopyId::parse(text).map_err(|_| WebError::NotFound)
}

/// `GET /copies/{copy}`.
pub async fn page(
    State(state): State<WebState>,
    current: CurrentOfficial,
    Path(copy): Path<String>,
    Query(query): Query<CaseQuery>,
) -> Result<Html<String>, WebError> {
    let copy_id = parse_copy(&copy)?;
    let case = state.with_ward(move |ward| Ok(ward.case(copy_id)?)).await?;
    let content = case.document.content();
    let mut ordered: Vec<_> = content.fields.iter().collect();
    ordered.sort_by_key(|(name, _)| (field_rank(name), name.as_str()));
    let fields = ordered
        .into_iter()
        .map(|(name, field)| FieldRow {
            // A label the vocabulary does not know is shown as printed.
            label: match (field_label_en(name), &field.source) {
                (None, Some(source)) => source.label.clone(),
                _ => field_label(name),
            },
            label_en: field_label_en(name).unwrap_or_default(),
            value: field.value.clone(),
            confidence: percent(field.confidence_permille),
            low: field.confidence_permille < LOW_CONFIDENCE_PERMILLE,
            corrected_from: field.corrected_from.clone(),
            source: field.source.as_ref().map(|source| {
                let [left, top, width, height] = source.bounds;
                format!(
                    "“{}”, trang {} (page), x {left}, y {top}, {width} × {height} px",
                    source.label,
                    source.page + 1
                )
            }),
        })
        .collect();
    let events = case
        .events
        .iter()
        .map(|event| EventRow {
            kind: event.kind.clone(),
            at: event.at.vietnam_local(),
            by: event.by.clone(),
            // The two images are shown side by side above, not as text.
            detail: if event.kind == FACE_IMAGES_EVENT {
                "ảnh thẻ và ảnh chụp tại ki-ốt (card portrait and live frame, shown above)"
                    .to_owned()
            } else {
                event.detail.clone()
            },
        })
        .collect();
    let face_images = case
        .events
        .iter()
        .any(|event| event.kind == FACE_IMAGES_EVENT);
    let decisions = case
        .report
        .decisions
        .iter()
        .map(|decision| DecisionRow {
            what: decision.record.decision.label_vi(),
            who: decision.signer_name.clone(),
            at: decision.record.signed_at.vietnam_local(),
            number: decision.record.certification_number.clone(),
            reason: decision.record.reason.clone(),
        })
        .collect();
    let notice = match query.decided.as_deref() {
        Some("approved") => Some(format!(
            "Đã ký duyệt (approved){}",
            case.report
                .certification_number
                .as_deref()
                .map(|number| format!(": số chứng thực {number}"))
                .unwrap_or_default()
        )),
        Some("rejected") => Some("Đã từ chối (rejected)".to_owned()),
        _ => None,
    };
    let page = CasePage {
        chrome: Chrome::signed_in(&state, &current),
        copy_id: content.copy_id.to_string(),
        status: case.report.status.as_str(),
        status_vi: case.report.status.label_vi(),
        kind_vi: content.document_type.label_vi(),
        kind_en: content.document_type.label_en(),
        pages: (0..content.pages.len()).collect(),
        kiosk: content.kiosk_id.clone(),
        sequence: content.kiosk_sequence,
        issued_at: content.issued_at.vietnam_local(),
        fee: bansao_copy::fee::format_vnd(content.fee_vnd),
        fields,
        events,
        flags: case
            .flags
            .iter()
            .map(|flag| (flag.code(), flag.describe()))
            .collect(),
        decisions,
        certification_number: case.report.certification_number.clone(),
        decidable: case.report.status == CopyStatus::Provisional,
        grounds: RejectionGround::ALL
            .iter()
            .map(|ground| GroundChoice {
                code: ground.code(),
                label_vi: ground.label_vi(),
                label_en: ground.label_en(),
            })
            .collect(),
        notice,
        identity: case
            .events
            .iter()
            .find(|event| event.kind == "identity")
            .map(|event| event.detail.clone()),
        face_check: case
            .events
            .iter()
            .find(|event| event.kind == "face-check")
            .map(|event| event.detail.clone()),
        face_images,
    };
    Ok(Html(page.render()?))
}

/// `GET /copies/{copy}/faces/{side}`: the card's portrait (`card`) or the live frame's face
/// (`live`) the kiosk compared, when it kept them.
pub async fn face(
    State(state): State<WebState>,
    _current: CurrentOfficial,
    Path((copy, side)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let copy_id = parse_copy(&copy)?;
    let side = FaceSide::parse(&side).ok_or(WebError::NotFound)?;
    let case = state.with_ward(move |ward| Ok(ward.case(copy_id)?)).await?;
    let bytes = case
        .events
        .iter()
        .filter(|event| event.kind == FACE_IMAGES_EVENT)
        .find_map(|event| face_image(&event.detail, side))
        .ok_or(WebError::NotFound)?;
    Ok((
        [
            (header::CONTENT_TYPE, "image/jpeg".to_owned()),
            (header::CONTENT_DISPOSITION, "inline".to_owned()),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        bytes,
    )
        .into_response())
}

/// `GET /copies/{copy}/scans/{page}`: one scan, as the kiosk captured it.
pub async fn scan(
    State(state): State<WebState>,
    _current: CurrentOfficial,
    Path((copy, page)): Path<(String, usize)>,
) -> Result<Response, WebError> {
    let copy_id = parse_copy(&copy)?;
    let scan = state
        .with_ward(move |ward| Ok(ward.scan(copy_id, page)?))
        .await?;
    let (bytes, media_type) = scan.ok_or(WebError::NotFound)?;
    // Only image types are shown inline; anything else is offered as a download.
    let inline = matches!(media_type.as_str(), "image/png" | "image/jpeg");
    let content_type = if inline {
        media_type
    } else {
        "application/octet-stream".to_owned()
    };
    let disposition = if inline { "inline" } else { "attachment" };
    Ok((
        [
            (header::CONTENT_TYPE, content_type),
            (header::CONTENT_DISPOSITION, disposition.to_owned()),
            // A citizen's papers: never kept by the browser (the ward's computer is shared).
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        bytes,
    )
        .into_response())
}

/// `GET /copies/{copy}/pdf`: the copy's sealed PDF/A as it stands now, sealed by the ward.
pub async fn pdf(
    State(state): State<WebState>,
    _current: CurrentOfficial,
    Path(copy): Path<String>,
) -> Result<Response, WebError> {
    let copy_id = parse_copy(&copy)?;
    let bytes = state
        .with_ward(move |ward| Ok(ward.copy_pdf(copy_id, entropy::now())?))
        .await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{copy_id}.pdf\""),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// The approve form's fields.
#[derive(Debug, Deserialize)]
pub struct ApproveForm {
    #[serde(default)]
    csrf: String,
}

/// `POST /copies/{copy}/approve`.
pub async fn approve(
    State(state): State<WebState>,
    current: CurrentOfficial,
    Path(copy): Path<String>,
    Form(form): Form<ApproveForm>,
) -> Result<Redirect, WebError> {
    current.check_form(&form.csrf)?;
    let copy_id = parse_copy(&copy)?;
    let official = current.signed_in.person.clone();
    let decided = state
        .with_ward(move |ward| Ok(ward.approve(copy_id, &official, entropy::now())?))
        .await?;
    tracing::info!(
        copy = %copy_id,
        official = %current.signed_in.person.id,
        number = decided.certification_number.as_deref().unwrap_or(""),
        "copy approved"
    );
    Ok(Redirect::to(&format!("/copies/{copy_id}?decided=approved")))
}

/// The reject form's fields.
#[derive(Debug, Deserialize)]
pub struct RejectForm {
    #[serde(default)]
    csrf: String,
    ground: String,
    #[serde(default)]
    note: String,
}

/// `POST /copies/{copy}/reject`.
pub async fn reject(
    State(state): State<WebState>,
    current: CurrentOfficial,
    Path(copy): Path<String>,
    Form(form): Form<RejectForm>,
) -> Result<Redirect, WebError> {
    current.check_form(&form.csrf)?;
    let copy_id = parse_copy(&copy)?;
    let ground: RejectionGround =
        form.ground
            .parse()
            .map_err(|error: bansao_copy::rejection::UnknownGround| {
                WebError::BadRequest(error.to_string())
            })?;
    let note = Some(form.note.trim().to_owned()).filter(|note| !note.is_empty());
    if ground == RejectionGround::Other && note.is_none() {
        return Err(WebError::BadRequest(
            "lý do khác: hãy ghi rõ lý do (another reason: say which)".to_owned(),
        ));
    }
    let official = current.signed_in.person.clone();
    state
        .with_ward(move |ward| {
            Ok(ward.reject(copy_id, ground, note.as_deref(), &official, entropy::now())?)
        })
        .await?;
    tracing::info!(copy = %copy_id, official = %current.signed_in.person.id, ground = %ground, "copy rejected");
    Ok(Redirect::to(&format!("/copies/{copy_id}?decided=rejected")))
}
