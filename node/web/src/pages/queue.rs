//! `GET /queue`: the provisional copies of the commune from every kiosk, oldest first, with their
//! flags, filtered by kiosk, kind of original and flags, and the counts per kiosk.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{Html, Redirect};
use bansao_copy::DocumentType;
use bansao_node::ward::{FlagFilter, QueueFilter};
use serde::Deserialize;

use crate::auth::CurrentOfficial;
use crate::error::WebError;
use crate::pages::Chrome;
use crate::state::WebState;

/// How many copies the page lists at most.
pub const PAGE_SIZE: usize = 200;

/// The filters, as the page's address carries them.
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
    let kiosk = query.kiosk.filter(|kiosk| !kiosk.is_empty());
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
    let filter = QueueFilter {
        kiosk_id: kiosk.clone(),
        document_type: kind,
        flags,
        limit: PAGE_SIZE,
    };
    let queue = state
        .with_ward(move |ward| Ok(ward.queue(&filter)?))
        .await?;
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
    let page = QueuePage {
        chrome: Chrome::signed_in(&state, &current),
        waiting: queue.waiting,
        shown: rows.len(),
        rows,
        kiosks,
        kinds,
        flag_choices,
    };
    Ok(Html(page.render()?))
}
