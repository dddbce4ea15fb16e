//! `/metrics` and `/healthz` on every node, as a router of their own with their own state, which
//! the binary merges with the role's pages; and the layer that counts every web request.
//!
//! `/metrics` is the node's registry ([`bansao_node::metrics::NodeMetrics`]) in OpenMetrics
//! text for a client that asks for it (Prometheus' scrapes do), in the classic text format
//! otherwise (what `promtool check metrics` reads); `/healthz` answers 200 `ok` when the store opens and the sync service beat recently,
//! 503 with the reason otherwise. Both read the store on the blocking pool.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use bansao_copy::Timestamp;
use bansao_node::metrics::{Health, NodeMetrics};

/// The media type of OpenMetrics text.
pub const OPENMETRICS_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// The media type of Prometheus' classic text format.
pub const CLASSIC_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// A clock handed in (the node's in production, a test's own in tests).
pub type Clock = Arc<dyn Fn() -> Timestamp + Send + Sync>;

/// The real clock.
pub fn system_clock() -> Clock {
    Arc::new(bansao_node::entropy::now)
}

/// What `/metrics` and `/healthz` share.
#[derive(Clone)]
pub struct MonitoringState {
    metrics: Arc<NodeMetrics>,
    clock: Clock,
}

impl std::fmt::Debug for MonitoringState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MonitoringState")
            .field("role", &self.metrics.role())
            .finish_non_exhaustive()
    }
}

impl MonitoringState {
    /// The node's metrics, read at the time `clock` gives.
    pub fn new(metrics: Arc<NodeMetrics>, clock: Clock) -> MonitoringState {
        MonitoringState { metrics, clock }
    }
}

/// `/metrics` and `/healthz`.
pub fn monitoring_router(state: MonitoringState) -> Router {
    Router::new()
        .route("/metrics", get(metrics))
        .route("/healthz", get(healthz))
        .with_state(state)
}

/// `router` with every request it answers counted in `metrics` (`bansao_web_requests_total`).
pub fn with_request_counting(router: Router, metrics: Arc<NodeMetrics>) -> Router {
    router.layer(axum::middleware::from_fn(
        move |request: Request, next: Next| {
            let metrics = metrics.clone();
            async move {
                let method = request.method().as_str().to_owned();
                let response = next.run(request).await;
                metrics.record_web_request(&method, response.status().as_u16());
                response
            }
        },
    ))
}

/// OpenMetrics for a client that asks for it (Prometheus does), the classic text format
/// otherwise.
async fn metrics(State(state): State<MonitoringState>, headers: axum::http::HeaderMap) -> Response {
    let now = (state.clock)();
    let metrics = state.metrics.clone();
    let openmetrics = headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .any(|value| value.contains("application/openmetrics-text"));
    let rendered = tokio::task::spawn_blocking(move || {
        if openmetrics {
            metrics.render(now)
        } else {
            metrics.render_classic(now)
        }
    })
    .await;
    match rendered {
        Ok(text) => {
            let mut response = text.into_response();
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static(if openmetrics {
                    OPENMETRICS_TYPE
                } else {
                    CLASSIC_TYPE
                }),
            );
            response
                .headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        }
        Err(error) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("metrics failed: {error}\n"),
        )
            .into_response(),
    }
}

async fn healthz(State(state): State<MonitoringState>) -> Response {
    let now = (state.clock)();
    let metrics = state.metrics.clone();
    let health = tokio::task::spawn_blocking(move || metrics.health(now))
        .await
        .unwrap_or_else(|error| Health::Unhealthy(format!("the check failed: {error}")));
    let mut response = match health {
        Health::Healthy => (StatusCode::OK, "ok\n".to_owned()).into_response(),
        Health::Unhealthy(reason) => (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("unhealthy: {reason}\n"),
        )
            .into_response(),
    };
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
