//! The node's web pages, served by the node itself on `[web] listen` and rendered on the server.
//!
//! Each part of a site is a self-contained axum [`Router`] with its own state: the ward's pages
//! ([`ward_router`]), the city's ([`city_router`]). The binary merges the parts a node's role
//! serves with [`site`], which adds the embedded assets and the security headers over all of
//! them; another part (metrics, a dashboard) is one more router in that list.
//!
//! Layout, one concern a module:
//! - [`state`]: what the ward's handlers share (the ward service behind a lock, run on the
//!   blocking pool); [`city::state`]: the same for the city;
//! - [`sessions`]: sign-in sessions, CSRF tokens, idle sign-out, lock-out, for any kind of person;
//! - [`auth`]: the extractor that finds the signed-in person and the form check;
//! - [`pages`]: one module a ward page, and the sign-in every realm shares; handlers are thin:
//!   they call the same ward service ([`bansao_node::ward::Ward`]) the `bansao ward` commands
//!   call, and render a template (askama, compiled in from `templates/`); no SQL and no signing
//!   here;
//! - [`city`]: the city staff's pages (keys and revocations, the audit trail) over
//!   [`bansao_node::city_desk`];
//! - [`verify`]: the public verify page every node serves, with no sign-in, over
//!   [`bansao_node::verify_online`];
//! - [`log`]: the city log's public tlog-tiles read API (`/log/…`), over
//!   [`bansao_node::log_serve`];
//! - [`keyboard`]: the kiosk's on-screen Vietnamese keyboard (a pure composition model and the
//!   `keyboard.html` macro; the text lives in the form, not on the server);
//! - [`kiosk_status`]: the kiosk's copy status screen (`/status`: the receipt's QR shown to the
//!   kiosk's camera or the copy id typed, the answer, the counter-signed copy's slip printed),
//!   over [`bansao_node::kiosk_status`];
//! - [`assets`]: the style sheet, embedded in the binary (no CDN: wards have no internet);
//! - [`error`]: the error page;
//! - [`kiosk`]: the citizen's kiosk screen (`/` on a kiosk), over
//!   [`bansao_node::kiosk_desk`];
//! - [`dashboard`]: the city's sync monitoring page (wards, kiosks, SVG charts, drill-down);
//! - [`monitoring`]: `/metrics` and `/healthz` on every node, a router with its own state, and
//!   the layer counting web requests.
//!
//! Every response carries a strict Content-Security-Policy (same origin only, no inline script),
//! `nosniff`, no framing and `no-store`.

pub mod assets;
pub mod auth;
pub mod city;
pub mod dashboard;
pub mod error;
pub mod keyboard;
pub mod kiosk;
pub mod kiosk_status;
pub mod log;
pub mod monitoring;
pub mod pages;
pub mod sessions;
pub mod state;
pub mod verify;

use std::future::Future;

use axum::http::{HeaderValue, header};
use axum::response::Response;
use axum::routing::{get, post};

pub use axum::Router;
pub use city::{CityState, city_router};
pub use error::WebError;
pub use kiosk::{KioskState, kiosk_router};
pub use kiosk_status::{KioskStatusState, status_router};
pub use log::{LogState, log_router};
pub use monitoring::{MonitoringState, monitoring_router, with_request_counting};
pub use sessions::SessionRules;
pub use state::WebState;
pub use verify::{VerifyState, home_router, verify_router};

/// A node's whole site: `parts` merged (their paths must not overlap), the embedded assets, and
/// the security headers on every response.
pub fn site(parts: impl IntoIterator<Item = Router>) -> Router {
    parts
        .into_iter()
        .fold(assets_router(), Router::merge)
        .layer(axum::middleware::map_response(secure_headers))
}

/// The embedded assets (`/assets/…`).
pub fn assets_router() -> Router {
    Router::new().route("/assets/bansao.css", get(assets::style_sheet))
}

/// Every page of a ward.
pub fn ward_router(state: WebState) -> Router {
    Router::new()
        .route("/", get(pages::queue::home))
        .route(
            "/sign-in",
            get(pages::sign_in::form::<WebState>).post(pages::sign_in::submit::<WebState>),
        )
        .route("/sign-out", post(pages::sign_in::sign_out::<WebState>))
        .route("/queue", get(pages::queue::page))
        .route("/queue/approve-clean", post(pages::queue::approve_clean))
        .route("/copies/{copy}", get(pages::case::page))
        .route("/copies/{copy}/scans/{page}", get(pages::case::scan))
        .route("/copies/{copy}/faces/{side}", get(pages::case::face))
        .route("/copies/{copy}/pdf", get(pages::case::pdf))
        .route("/copies/{copy}/approve", post(pages::case::approve))
        .route("/copies/{copy}/reject", post(pages::case::reject))
        .route(
            "/copies/{copy}/resolve",
            post(pages::reconcile::resolve_conflict),
        )
        .route("/reconcile", get(pages::reconcile::page))
        .route("/report", get(pages::report::page))
        .route("/report.csv", get(pages::report::csv))
        .route("/report.pdf", get(pages::report::pdf))
        .route(
            "/anomalies/{id}/resolve",
            post(pages::reconcile::resolve_anomaly),
        )
        .with_state(state)
}

async fn secure_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// Serves `router` on `listener` until `shutdown` completes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown)
        .await
}
