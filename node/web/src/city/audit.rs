//! `GET /audit`: the audit trail, newest first: every sign-in, revocation and publication by
//! city staff, who did it with which key, when (Vietnam time), why, and whether it was done.

use askama::Template;
use axum::extract::State;
use axum::response::Html;
use bansao_copy::Timestamp;

use crate::auth::CurrentStaff;
use crate::city::CityState;
use crate::error::WebError;
use crate::pages::Chrome;

/// How many actions the page lists.
pub const AUDIT_PAGE_SIZE: usize = 500;

#[derive(Debug)]
struct Row {
    at: String,
    actor: String,
    actor_key: String,
    action: &'static str,
    subject: String,
    reason: String,
    done: bool,
    outcome: String,
}

#[derive(Template)]
#[template(path = "city_audit.html")]
struct AuditPage {
    chrome: Chrome,
    rows: Vec<Row>,
}

fn action_label(action: &str) -> &'static str {
    use bansao_node::city_desk::action;
    match action {
        action::SIGN_IN => "Đăng nhập (sign-in)",
        action::REVOKE_KEY => "Thu hồi khóa (revoke key)",
        action::REVOKE_COPY => "Thu hồi bản sao (revoke copy)",
        action::PUBLISH => "Phát hành danh sách (publish lists)",
        _ => "Khác (other)",
    }
}

/// `GET /audit`.
pub async fn page(
    State(state): State<CityState>,
    current: CurrentStaff,
) -> Result<Html<String>, WebError> {
    let chrome = state.chrome(&current);
    let events = state
        .with_city(|city| Ok(city.audit_trail(AUDIT_PAGE_SIZE)?))
        .await?;
    let rows = events
        .into_iter()
        .map(|event| Row {
            at: Timestamp::parse(&event.at).map_or(event.at.clone(), Timestamp::vietnam_local),
            actor: event.actor,
            actor_key: event.actor_key,
            action: action_label(&event.action),
            subject: event.subject,
            reason: event.reason,
            done: event.outcome == "done",
            outcome: event.outcome,
        })
        .collect();
    Ok(Html(AuditPage { chrome, rows }.render()?))
}
