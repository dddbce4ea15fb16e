//! The public verify page, on every node (kiosk, ward, city) at `/verify`, with no sign-in:
//! paste the QR text, upload the sealed PDF, or a photo of the QR (a phone's camera opens from
//! the file field). The verdict in plain Vietnamese, English second, with the whole chain
//! (issued by which kiosk, counter-signed by whom with which number, registered, included in the
//! city log), then what this node knows of the copy now.
//!
//! The checks are `bansao_node::verify_online`'s, the same `bansao verify` makes. Bad input
//! never takes the node down: bodies are limited before they are read ([`MAX_TEXT_BODY_BYTES`],
//! [`MAX_FILE_BODY_BYTES`]), at most [`CONCURRENT_VERIFICATIONS`] run at once (others wait up
//! to [`WAIT_FOR_TURN`]), and every refusal is a page saying what to do.

pub mod render;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::response::{Html, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, extract::rejection::FormRejection};
use bansao_node::verify_online::{
    MAX_QR_TEXT_BYTES, MAX_UPLOAD_BYTES, OnlineVerifier, Upload, verify_upload,
};
use serde::Deserialize;
use tokio::sync::Semaphore;

use crate::error::WebError;

/// The largest body the QR text form may send.
pub const MAX_TEXT_BODY_BYTES: usize = 3 * MAX_QR_TEXT_BYTES + 1024;
/// The largest body a file upload may send (the file and the form around it).
pub const MAX_FILE_BODY_BYTES: usize = MAX_UPLOAD_BYTES + 64 * 1024;
/// How many verifications run at once.
pub const CONCURRENT_VERIFICATIONS: usize = 2;
/// How long a verification waits for its turn before the page says to try again.
pub const WAIT_FOR_TURN: Duration = Duration::from_secs(30);

/// The verify page's state: the node's verifier (its trust file and database).
#[derive(Clone)]
pub struct VerifyState {
    inner: Arc<Inner>,
}

struct Inner {
    verifier: Mutex<OnlineVerifier>,
    turns: Semaphore,
    place: String,
}

impl std::fmt::Debug for VerifyState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerifyState")
            .field("node", &self.inner.place)
            .finish_non_exhaustive()
    }
}

impl VerifyState {
    /// The verify page of the node `verifier` opened.
    pub fn new(verifier: OnlineVerifier) -> VerifyState {
        VerifyState {
            inner: Arc::new(Inner {
                place: verifier.name().to_owned(),
                verifier: Mutex::new(verifier),
                turns: Semaphore::new(CONCURRENT_VERIFICATIONS),
            }),
        }
    }

    /// Verifies `upload` on the blocking pool, when its turn comes.
    async fn verify(&self, upload: Upload) -> Result<Response, WebError> {
        let Ok(Ok(_turn)) = tokio::time::timeout(WAIT_FOR_TURN, self.inner.turns.acquire()).await
        else {
            return Ok(render::problem_page(
                &self.inner.place,
                StatusCode::SERVICE_UNAVAILABLE,
                "Máy đang bận kiểm tra bản sao khác: hãy thử lại sau ít phút. The node is busy verifying other copies: try again in a few minutes.",
            ));
        };
        let inner = self.inner.clone();
        let verified = tokio::task::spawn_blocking(move || {
            let lock = || {
                inner
                    .verifier
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner())
            };
            let trust = lock().trust()?;
            let checked = verify_upload(upload, &trust)?;
            lock().look_up(checked, &trust)
        })
        .await
        .map_err(|error| WebError::Internal(format!("the verifier failed: {error}")))?;
        Ok(match verified {
            Ok(verified) => render::verdict_page(&self.inner.place, &verified)?,
            Err(error) => {
                let (status, message) = render::refusal(&error);
                if status.is_server_error() {
                    tracing::error!("verification failed: {error}");
                }
                render::problem_page(&self.inner.place, status, &message)
            }
        })
    }
}

/// The public verify page's routes: `GET /verify`, `POST /verify` (QR text),
/// `POST /verify/file` (a PDF or a photo), and the page behind `GET /` of a node that has no
/// other pages there (a kiosk) is added by [`home_router`].
pub fn verify_router(state: VerifyState) -> Router {
    Router::new()
        .route(
            "/verify",
            get(form)
                .post(text)
                .layer(DefaultBodyLimit::max(MAX_TEXT_BODY_BYTES)),
        )
        .route(
            "/verify/file",
            post(file).layer(DefaultBodyLimit::max(MAX_FILE_BODY_BYTES)),
        )
        .with_state(state)
}

/// `GET /` leading to the verify page, for a node that serves nothing else (a kiosk).
pub fn home_router() -> Router {
    Router::new().route("/", get(|| async { Redirect::to("/verify") }))
}

/// `GET /verify`.
async fn form(State(state): State<VerifyState>) -> Result<Html<String>, WebError> {
    Ok(Html(render::form_page(&state.inner.place)?))
}

/// The QR text form's fields.
#[derive(Debug, Deserialize)]
struct TextForm {
    #[serde(default)]
    qr: String,
}

/// `POST /verify`.
async fn text(
    State(state): State<VerifyState>,
    form: Result<Form<TextForm>, FormRejection>,
) -> Result<Response, WebError> {
    let Form(form) = match form {
        Ok(form) => form,
        Err(rejection) => {
            return Ok(render::problem_page(
                &state.inner.place,
                rejection.status(),
                &render::body_refusal(rejection.status()),
            ));
        }
    };
    state.verify(Upload::QrText(form.qr)).await
}

/// `POST /verify/file`: the first field named `file`.
async fn file(
    State(state): State<VerifyState>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, WebError> {
    let refuse = |status: StatusCode| {
        Ok(render::problem_page(
            &state.inner.place,
            status,
            &render::body_refusal(status),
        ))
    };
    let mut multipart = match multipart {
        Ok(multipart) => multipart,
        Err(rejection) => return refuse(rejection.status()),
    };
    loop {
        match multipart.next_field().await {
            Ok(Some(field)) if field.name() == Some("file") => {
                return match field.bytes().await {
                    Ok(bytes) if bytes.is_empty() => Ok(render::problem_page(
                        &state.inner.place,
                        StatusCode::BAD_REQUEST,
                        "Chưa chọn tệp nào (no file was chosen).",
                    )),
                    Ok(bytes) => state.verify(Upload::File(bytes.to_vec())).await,
                    Err(error) => refuse(error.status()),
                };
            }
            Ok(Some(_)) => continue,
            Ok(None) => {
                return Ok(render::problem_page(
                    &state.inner.place,
                    StatusCode::BAD_REQUEST,
                    "Chưa chọn tệp nào (no file was chosen).",
                ));
            }
            Err(error) => return refuse(error.status()),
        }
    }
}
