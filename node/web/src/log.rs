//! The city log's public read API in the c2sp.org/tlog-tiles layout, under the prefix
//! [`LOG_PREFIX`], with no sign-in, so a third party can mirror and audit the log:
//! - `GET /log/checkpoint`: the latest signed note (`text/plain; charset=utf-8`, `no-cache`);
//! - `GET /log/tile/<L>/<N>[.p/<W>]`: hashes; `GET /log/tile/entries/<N>[.p/<W>]`: an entry
//!   bundle (`application/octet-stream`). A full tile never changes and may be kept for a year
//!   (`immutable`); a partial one grows with the log and is kept 10 s (the default
//!   checkpoint interval).
//!
//! Only a city serves it (a ward or kiosk has no log). The answers are
//! `bansao_node::log_serve`'s, read on the blocking pool from a connection of their own:
//! a path that is no tile path is a 400, a tile outside the published tree a 404, and a store
//! that cannot give what its checkpoint commits to a 500, logged.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use bansao_node::log_serve::{LogReader, LogServeError, TileAnswer};

use crate::error::WebError;

/// Where the API lives on the city's site.
pub const LOG_PREFIX: &str = "/log";
/// How a full tile may be cached: it never changes.
pub const FULL_TILE_CACHE: &str = "public, max-age=31536000, immutable";
/// How a partial tile may be cached: a wider one comes with the next checkpoint.
pub const PARTIAL_TILE_CACHE: &str = "public, max-age=10";

/// The log API's state: the city's log reader.
#[derive(Clone)]
pub struct LogState {
    inner: Arc<Inner>,
}

struct Inner {
    reader: Mutex<LogReader>,
}

impl std::fmt::Debug for LogState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LogState").finish_non_exhaustive()
    }
}

impl LogState {
    /// The API over `reader`.
    pub fn new(reader: LogReader) -> LogState {
        LogState {
            inner: Arc::new(Inner {
                reader: Mutex::new(reader),
            }),
        }
    }

    async fn with_reader<T, F>(&self, work: F) -> Result<T, WebError>
    where
        T: Send + 'static,
        F: FnOnce(&mut LogReader) -> T + Send + 'static,
    {
        crate::state::locked_on_blocking_pool(
            self.inner.clone(),
            |inner| &inner.reader,
            "log",
            |reader| Ok(work(reader)),
        )
        .await
    }
}

/// The log's routes (paths under [`LOG_PREFIX`]).
pub fn log_router(state: LogState) -> Router {
    Router::new()
        .route("/log/checkpoint", get(checkpoint))
        .route("/log/tile/{*path}", get(tile))
        .with_state(state)
}

async fn checkpoint(State(state): State<LogState>) -> Response {
    match state.with_reader(|reader| reader.checkpoint()).await {
        Ok(Ok(Some(note))) => (
            [
                (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
                (header::CACHE_CONTROL, "no-cache"),
            ],
            note,
        )
            .into_response(),
        Ok(Ok(None)) => plain(
            StatusCode::NOT_FOUND,
            "Nhật ký chưa có checkpoint nào (the log has no signed checkpoint yet).",
        ),
        Ok(Err(error)) => failed(&error.to_string()),
        Err(error) => failed(&error.to_string()),
    }
}

async fn tile(State(state): State<LogState>, Path(path): Path<String>) -> Response {
    let path = format!("tile/{path}");
    match state.with_reader(move |reader| reader.tile(&path)).await {
        Ok(Ok(TileAnswer { bytes, full })) => {
            let cache = if full {
                FULL_TILE_CACHE
            } else {
                PARTIAL_TILE_CACHE
            };
            (
                [
                    (header::CONTENT_TYPE, "application/octet-stream"),
                    (header::CACHE_CONTROL, cache),
                ],
                bytes,
            )
                .into_response()
        }
        Ok(Err(error @ LogServeError::BadPath(_))) => plain(
            StatusCode::BAD_REQUEST,
            &format!("Đường dẫn không hợp lệ (bad tile path): {error}"),
        ),
        Ok(Err(error @ LogServeError::NotFound(_))) => plain(
            StatusCode::NOT_FOUND,
            &format!("Không có (not found): {error}"),
        ),
        Ok(Err(error)) => failed(&error.to_string()),
        Err(error) => failed(&error.to_string()),
    }
}

fn plain(status: StatusCode, text: &str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        format!("{text}\n"),
    )
        .into_response()
}

/// A 500: the reason goes to the node's log, not to the client.
fn failed(reason: &str) -> Response {
    tracing::error!("log API request failed: {reason}");
    plain(
        StatusCode::INTERNAL_SERVER_ERROR,
        "Lỗi máy chủ (the server failed): the log cannot be served now.",
    )
}
