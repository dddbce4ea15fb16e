//! `GET /queue`: the provisional copies of the commune from every kiosk, oldest first, with their
//! flags, filtered by kiosk, kind of original and flags, and the counts per kiosk.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{Html, Redirect};
use bansao_copy::{CopyId, DocumentType};
use bansao_node::entropy;
use bansao_node::ward::{BatchOutcome, FlagFilter, QueueFilter, Ward};
use serde::Deserialize;

use crate::auth::CurrentOfficial;
use crate::error::WebError;
use crate::pages::Chrome;
use crate::state::WebState;

/// How many copies the page lists at most.
pub const PAGE_SIZE: usize = 200;

/// The lowest confidence (percent) batch approval takes by default.
pub const DEFAULT_BATCH_CONFIDENCE_PERCENT: u16 = 90;

/// The filters, as the page's address carries them (none: the whole queue).
#[derive(Debug, Default, Deserialize)]
pub struct QueueQuery {
    kiosk: Option<String>,
    kind: Option<String>,
    flags: Option<String>,
}

/// One row of the list.
#[derive(Debug)]
struct Row {
    copy_id: String,
    issued_at: String,
    kiosk: String,
    sequence: u64,
    kind: &'static str,
    pages: usize,
    flags: Vec<(&'static str, String)>,
}

/// A choice in a filter.
#[derive(Debug)]
struct Choice {
    value: String,
    label: String,
    selected: bool,
}

#[derive(Template)]
#[template(path = "queue.html")]
struct QueuePage {
    chrome: Chrome,
    waiting: u64,
    shown: usize,
    rows: Vec<Row>,
    kiosks: Vec<Choice>,
    kinds: Vec<Choice>,
    flag_choices: Vec<Choice>,
    clean: Vec<String>,
    min_confidence: u16,
}

/// `GET /`: the queue.
pub async fn home() -> Redirect {
    Redirect::to("/queue")
}

/// `GET /queue`.
pub async fn page(
    State(state): State<WebState>,
    current: CurrentOfficial,
    Query(query): Query<QueueQuery>,
) -> Result<Html<String>, WebError> {
    let chrome = Chrome::signed_in(&state, &current);
    let html = state
        .with_ward(move |ward| render(ward, &query, chrome))
        .await?;
    Ok(Html(html))
}

/// The queue page of `ward` under `query`'s filters (what `GET /queue` serves; benchmarks time it).
pub fn render(ward: &Ward, query: &QueueQuery, chrome: Chrome) -> Result<String, WebError> {
    let kiosk = query.kiosk.clone().filter(|kiosk| !kiosk.is_empty());
    let kind = match query.kind.as_deref().filter(|kind| !kind.is_empty()) {
        Some(code) => Some(DocumentType::from_code(code).ok_or_else(|| {
            WebError::BadRequest(format!("không có loại giấy tờ {code:?} (no such kind)"))
        })?),
        None => None,
    };
    let flags: FlagFilter = query
        .flags
        .as_deref()
        .filter(|flags| !flags.is_empty())
        .unwrap_or("any")
        .parse()
        .map_err(WebError::BadRequest)?;
    let queue = ward.queue(&QueueFilter {
        kiosk_id: kiosk.clone(),
        document_type: kind,
        flags,
        limit: PAGE_SIZE,
    })?;
    let rows: Vec<Row> = queue
        .entries
        .iter()
        .map(|entry| Row {
            copy_id: entry.copy_id.to_string(),
            issued_at: entry.issued_at.vietnam_local(),
            kiosk: entry.kiosk_id.clone(),
            sequence: entry.kiosk_sequence,
            kind: entry.document_type.label_vi(),
            pages: entry.pages,
            flags: entry
                .flags
                .iter()
                .map(|flag| (flag.code(), flag.describe()))
                .collect(),
        })
        .collect();
    let mut kiosks = vec![Choice {
        value: String::new(),
        label: "Mọi ki-ốt (every kiosk)".to_owned(),
        selected: kiosk.is_none(),
    }];
    kiosks.extend(queue.by_kiosk.iter().map(|(id, count)| Choice {
        value: id.clone(),
        label: format!("{id} ({count})"),
        selected: kiosk.as_deref() == Some(id.as_str()),
    }));
    let mut kinds = vec![Choice {
        value: String::new(),
        label: "Mọi loại (every kind)".to_owned(),
        selected: kind.is_none(),
    }];
    kinds.extend(DocumentType::ALL.iter().map(|each| Choice {
        value: each.code().to_owned(),
        label: each.label_vi().to_owned(),
        selected: kind == Some(*each),
    }));
    let flag_choices = [
        (FlagFilter::Any, "Tất cả (all)"),
        (FlagFilter::Flagged, "Cần xem kỹ (flagged)"),
        (FlagFilter::Clean, "Không có cảnh báo (clean)"),
    ]
    .into_iter()
    .map(|(each, label)| Choice {
        value: each.code().to_owned(),
        label: label.to_owned(),
        selected: each == flags,
    })
    .collect();
    let clean: Vec<String> = queue
        .entries
        .iter()
        .filter(|entry| entry.flags.is_empty())
        .map(|entry| entry.copy_id.to_string())
        .collect();
    let page = QueuePage {
        chrome,
        waiting: queue.waiting,
        shown: rows.len(),
        rows,
        kiosks,
        kinds,
        flag_choices,
        clean,
        min_confidence: DEFAULT_BATCH_CONFIDENCE_PERCENT,
    };
    Ok(page.render()?)
}

/// The batch approval form's fields.
#[derive(Debug, Deserialize)]
pub struct BatchForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    copy: Vec<String>,
    min_confidence: Option<u16>,
}

#[derive(Template)]
#[template(path = "batch.html")]
struct BatchPage {
    chrome: Chrome,
    approved: Vec<(String, String)>,
    skipped: Vec<(String, String)>,
}

/// `POST /queue/approve-clean`: approves the clean copies the queue listed, each signed and
/// numbered on its own, and shows what was approved and what was left.
pub async fn approve_clean(
    State(state): State<WebState>,
    current: CurrentOfficial,
    axum_extra::extract::Form(form): axum_extra::extract::Form<BatchForm>,
) -> Result<Html<String>, WebError> {
    current.check_form(&form.csrf)?;
    let copies = form
        .copy
        .iter()
        .map(|text| {
            CopyId::parse(text)
                .map_err(|_| WebError::BadRequest(format!("{text:?} is not a copy id")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let percent = form
        .min_confidence
        .unwrap_or(DEFAULT_BATCH_CONFIDENCE_PERCENT)
        .clamp(50, 100);
    let official = current.signed_in.person.clone();
    let outcomes = state
        .with_ward(move |ward| {
            Ok(ward.approve_clean(&copies, &official, percent * 10, entropy::now())?)
        })
        .await?;
    let mut approved = Vec::new();
    let mut skipped = Vec::new();
    for outcome in outcomes {
        match outcome {
            BatchOutcome::Approved {
                copy_id,
                certification_number,
            } => approved.push((copy_id.to_string(), certification_number)),
            BatchOutcome::Skipped { copy_id, why } => skipped.push((copy_id.to_string(), why)),
        }
    }
    tracing::info!(
        official = %current.signed_in.person.id,
        approved = approved.len(),
        skipped = skipped.len(),
        "batch approval"
    );
    let page = BatchPage {
        chrome: Chrome::signed_in(&state, &current),
        approved,
        skipped,
    };
    Ok(Html(page.render()?))
}
