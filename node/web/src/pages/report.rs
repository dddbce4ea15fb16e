//! `GET /report`: closing the day — per kiosk and per official, copies issued, approved,
//! rejected with their grounds, fees collected, open anomalies; `GET /report.csv` the same as CSV.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use bansao_node::day_report::{DayReport, vietnam_day};
use bansao_node::entropy;
use serde::Deserialize;
use time::Date;
use time::macros::format_description;

use crate::auth::CurrentOfficial;
use crate::error::WebError;
use crate::pages::Chrome;
use crate::state::WebState;

/// The day asked for (`YYYY-MM-DD`, Vietnam; default today).
#[derive(Debug, Default, Deserialize)]
pub struct ReportQuery {
    day: Option<String>,
}

/// The day of `query`, or today in Vietnam.
pub fn parse_day(text: Option<&str>) -> Result<Date, WebError> {
    match text.filter(|text| !text.is_empty()) {
        Some(text) => {
            Date::parse(text, format_description!("[year]-[month]-[day]")).map_err(|_| {
                WebError::BadRequest(format!(
                    "{text:?}: ngày dạng YYYY-MM-DD (a day such as 2026-12-02)"
                ))
            })
        }
        None => Ok(vietnam_day(entropy::now())),
    }
}

#[derive(Debug)]
struct KioskRow {
    kiosk: String,
    issued: u64,
    fees: String,
    approved: u64,
    rejected: u64,
    open_anomalies: u64,
}

#[derive(Debug)]
struct OfficialRow {
    official: String,
    approved: u64,
    rejected: u64,
    grounds: String,
}

#[derive(Template)]
#[template(path = "report.html")]
struct ReportPage {
    chrome: Chrome,
    day: String,
    kiosks: Vec<KioskRow>,
    officials: Vec<OfficialRow>,
    total: KioskRow,
    waiting: u64,
}

fn kiosk_row(kiosk: String, day: &bansao_node::day_report::KioskDay) -> KioskRow {
    KioskRow {
        kiosk,
        issued: day.issued,
        fees: bansao_copy::fee::format_vnd(day.fees_vnd),
        approved: day.approved,
        rejected: day.rejected,
        open_anomalies: day.open_anomalies,
    }
}

async fn report_of(state: &WebState, query: &ReportQuery) -> Result<DayReport, WebError> {
    let day = parse_day(query.day.as_deref())?;
    state.with_ward(move |ward| Ok(ward.day_report(day)?)).await
}

/// `GET /report`.
pub async fn page(
    State(state): State<WebState>,
    current: CurrentOfficial,
    Query(query): Query<ReportQuery>,
) -> Result<Html<String>, WebError> {
    let report = report_of(&state, &query).await?;
    let page = ReportPage {
        chrome: Chrome::signed_in(&state, &current),
        day: report.day.to_string(),
        kiosks: report
            .kiosks
            .iter()
            .map(|(kiosk, day)| kiosk_row(kiosk.clone(), day))
            .collect(),
        officials: report
            .officials
            .iter()
            .map(|(official, day)| OfficialRow {
                official: official.clone(),
                approved: day.approved,
                rejected: day.rejected,
                grounds: day
                    .rejected_by_ground
                    .iter()
                    .map(|(ground, count)| format!("{ground}: {count}"))
                    .collect::<Vec<_>>()
                    .join(", "),
            })
            .collect(),
        total: kiosk_row("Tổng (total)".to_owned(), &report.totals()),
        waiting: report.waiting,
    };
    Ok(Html(page.render()?))
}

/// `GET /report.pdf`.
pub async fn pdf(
    State(state): State<WebState>,
    _current: CurrentOfficial,
    Query(query): Query<ReportQuery>,
) -> Result<Response, WebError> {
    let day = parse_day(query.day.as_deref())?;
    let bytes = state
        .with_ward(move |ward| Ok(ward.day_report_pdf(day, entropy::now())?))
        .await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"bansao-{day}.pdf\""),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// `GET /report.csv`.
pub async fn csv(
    State(state): State<WebState>,
    _current: CurrentOfficial,
    Query(query): Query<ReportQuery>,
) -> Result<Response, WebError> {
    let report = report_of(&state, &query).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"bansao-{}.csv\"", report.day),
            ),
        ],
        report.to_csv(),
    )
        .into_response())
}
