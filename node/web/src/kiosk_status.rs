//! The kiosk's copy status screen (`/status`): a citizen shows their receipt's QR to the
//! kiosk's camera, or types the copy id on the on-screen keyboard, and reads what the copy is
//! now — provisional, counter-signed with its number, registered, rejected with the reason —
//! in plain Vietnamese first; once it is counter-signed, "In bản sao / Print" prints the
//! copy's QR with its certification number on the kiosk's receipt printer.
//!
//! No script runs: the camera is the node's (the page's "Đọc mã QR" button asks the node to
//! take a few frames and read them with the kiosk's `decode_frame`), and the keyboard is a form
//! ([`crate::keyboard`]). The answers come from [`bansao_node::kiosk_status::StatusDesk`]; this
//! module only reads requests and renders ([`answer`] turns an answer into sentences). An
//! answer page goes back to the start by itself after [`ANSWER_SECONDS`], so the next citizen
//! does not find it.
//!
//! Routes: `GET /status`, `POST /status/id` (a key of the keyboard, or "Xong"),
//! `POST /status/camera`, `GET /status/copies/{copy}`, `POST /status/copies/{copy}/print`.

pub mod answer;

use std::sync::{Arc, Mutex};

use askama::Template;
use axum::Form;
use axum::Router;
use axum::extract::rejection::FormRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use bansao_node::entropy;
use bansao_node::kiosk_status::{Camera, PrintError, StatusAnswer, StatusDesk, StatusError};

use crate::error::WebError;
use crate::keyboard::{KeyboardInput, KeyboardState, KeyboardView, Pressed};
use crate::pages::Chrome;
use answer::AnswerView;

/// How long an answer stays on the screen before the page goes back to the start.
pub const ANSWER_SECONDS: u32 = 90;

/// What the status screen's handlers share: the kiosk's status desk and its camera.
#[derive(Clone)]
pub struct KioskStatusState {
    inner: Arc<Inner>,
}

struct Inner {
    desk: Mutex<StatusDesk>,
    camera: Mutex<Option<Box<dyn Camera + Send>>>,
    has_camera: bool,
    place: String,
}

impl std::fmt::Debug for KioskStatusState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KioskStatusState")
            .field("kiosk", &self.inner.place)
            .finish_non_exhaustive()
    }
}

impl KioskStatusState {
    /// The status screen of the kiosk `desk` opened, reading QR codes with `camera` (`None`:
    /// the kiosk has no camera; the screen then offers the keyboard only).
    pub fn new(desk: StatusDesk, camera: Option<Box<dyn Camera + Send>>) -> KioskStatusState {
        KioskStatusState {
            inner: Arc::new(Inner {
                place: desk.name().to_owned(),
                desk: Mutex::new(desk),
                has_camera: camera.is_some(),
                camera: Mutex::new(camera),
            }),
        }
    }

    /// The status screen of the kiosk in `dir`, with the camera its `[kiosk] camera` names.
    pub fn open(
        dir: &std::path::Path,
    ) -> Result<KioskStatusState, bansao_node::node_dir::NodeError> {
        let desk = StatusDesk::open(dir)?;
        let camera = bansao_node::kiosk_camera::configured_camera(desk.settings());
        Ok(KioskStatusState::new(desk, camera))
    }

    /// Runs `work` with the desk (and the camera) on the blocking pool.
    async fn with_desk<T: Send + 'static>(
        &self,
        work: impl FnOnce(&StatusDesk, &mut Option<Box<dyn Camera + Send>>) -> T + Send + 'static,
    ) -> Result<T, WebError> {
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || {
            let desk = inner
                .desk
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            let mut camera = inner
                .camera
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            work(&desk, &mut camera)
        })
        .await
        .map_err(|error| WebError::Internal(format!("the status desk failed: {error}")))
    }

    fn chrome(&self) -> Chrome {
        Chrome::public(self.inner.place.clone(), "/status", &[])
    }
}

/// The status screen's routes.
pub fn status_router(state: KioskStatusState) -> Router {
    Router::new()
        .route("/status", get(screen))
        .route("/status/id", post(typed))
        .route("/status/camera", post(camera))
        .route("/status/copies/{copy}", get(copy_page))
        .route("/status/copies/{copy}/print", post(print))
        .with_state(state)
}

#[derive(Template)]
#[template(path = "kiosk_status.html")]
struct ScreenPage {
    chrome: Chrome,
    problem: Option<String>,
    keyboard: KeyboardView,
    has_camera: bool,
}

#[derive(Template)]
#[template(path = "kiosk_status_answer.html")]
struct AnswerPage {
    chrome: Chrome,
    answer: AnswerView,
    back_after: u32,
}

/// The keyboard for the copy id.
fn id_keyboard(state: &KeyboardState) -> KeyboardView {
    KeyboardView::new(
        "/status/id",
        "Mã bản sao (copy id) — in trên biên nhận, dưới dòng “Mã bản sao”",
        state,
        Vec::new(),
    )
}

async fn render_screen(
    state: &KioskStatusState,
    status: StatusCode,
    problem: Option<String>,
    keyboard: &KeyboardState,
) -> Result<Response, WebError> {
    let page = ScreenPage {
        chrome: state.chrome(),
        problem,
        keyboard: id_keyboard(keyboard),
        has_camera: state.inner.has_camera,
    };
    Ok((status, Html(page.render()?)).into_response())
}

fn render_answer(state: &KioskStatusState, answer: AnswerView) -> Result<Response, WebError> {
    let page = AnswerPage {
        chrome: state.chrome(),
        answer,
        back_after: ANSWER_SECONDS,
    };
    Ok(Html(page.render()?).into_response())
}

/// `GET /status`.
async fn screen(State(state): State<KioskStatusState>) -> Result<Response, WebError> {
    render_screen(&state, StatusCode::OK, None, &KeyboardState::default()).await
}

/// `POST /status/id`: a key of the keyboard, or "Xong" with the id.
async fn typed(
    State(state): State<KioskStatusState>,
    form: Result<Form<KeyboardInput>, FormRejection>,
) -> Result<Response, WebError> {
    let Ok(Form(input)) = form else {
        return render_screen(
            &state,
            StatusCode::BAD_REQUEST,
            Some(
                "Biểu mẫu không đọc được: hãy gõ lại. The form could not be read: type again."
                    .to_owned(),
            ),
            &KeyboardState::default(),
        )
        .await;
    };
    let text = match input.press() {
        Pressed::Typing(keyboard) => {
            return render_screen(&state, StatusCode::OK, None, &keyboard).await;
        }
        Pressed::Done(text) => text,
    };
    let kept = KeyboardState {
        text: text.clone(),
        caps: input.caps == "1",
        unknown_key: false,
    };
    if text.is_empty() {
        return render_screen(
            &state,
            StatusCode::OK,
            Some("Chưa gõ mã bản sao. Type the copy id first.".to_owned()),
            &kept,
        )
        .await;
    }
    let looked_up = state
        .with_desk(move |desk, _| desk.look_up_id(&text))
        .await?;
    match looked_up {
        Ok(answer) => {
            Ok(Redirect::to(&format!("/status/copies/{}", answer.copy_id)).into_response())
        }
        Err(error) => {
            let status = problem_status(&error);
            render_screen(&state, status, Some(problem_words(&error)), &kept).await
        }
    }
}

/// `POST /status/camera`: the node reads the QR held up to its camera.
async fn camera(State(state): State<KioskStatusState>) -> Result<Response, WebError> {
    let looked_up = state
        .with_desk(|desk, camera| {
            let Some(camera) = camera.as_mut() else {
                return Err(StatusError::Camera(
                    "ki-ốt này không có máy ảnh (this kiosk has no camera)".to_owned(),
                ));
            };
            let text = desk.read_camera(camera.as_mut())?;
            desk.look_up_qr(&text)
        })
        .await?;
    answer_or_problem(&state, looked_up, None).await
}

/// `GET /status/copies/{copy}`: the answer for a typed id.
async fn copy_page(
    State(state): State<KioskStatusState>,
    Path(copy): Path<String>,
) -> Result<Response, WebError> {
    let looked_up = state
        .with_desk(move |desk, _| desk.look_up_id(&copy))
        .await?;
    answer_or_problem(&state, looked_up, None).await
}

/// `POST /status/copies/{copy}/print`: the slip on the kiosk's printer, then the answer again
/// with what happened.
async fn print(
    State(state): State<KioskStatusState>,
    Path(copy): Path<String>,
) -> Result<Response, WebError> {
    let (printed, looked_up) = state
        .with_desk(move |desk, _| match desk.look_up_id(&copy) {
            Ok(answer) => {
                let printed = desk.print_final(answer.copy_id, entropy::now());
                (Some(printed), Ok(answer))
            }
            Err(error) => (None, Err(error)),
        })
        .await?;
    answer_or_problem(&state, looked_up, printed).await
}

async fn answer_or_problem(
    state: &KioskStatusState,
    looked_up: Result<StatusAnswer, StatusError>,
    printed: Option<Result<bansao_node::kiosk_status::Printed, PrintError>>,
) -> Result<Response, WebError> {
    match looked_up {
        Ok(answer) => {
            let mut view = AnswerView::of(&answer);
            match printed {
                Some(Ok(printed)) => view.printed = Some(answer::printed_line(&printed)),
                Some(Err(error)) => {
                    if matches!(error, PrintError::Status(StatusError::Store(_))) {
                        tracing::error!("printing the final slip failed: {error}");
                    }
                    view.print_problem = Some(error.to_string());
                }
                None => {}
            }
            render_answer(state, view)
        }
        Err(error) => {
            let status = problem_status(&error);
            if status.is_server_error() {
                tracing::error!("the status screen failed: {error}");
            }
            render_screen(
                state,
                status,
                Some(problem_words(&error)),
                &KeyboardState::default(),
            )
            .await
        }
    }
}

/// What the screen says when a question gives no answer: a QR that gives no verdict in the
/// verify page's words, the rest as the desk says it.
fn problem_words(error: &StatusError) -> String {
    match error {
        StatusError::Verify(error) => crate::verify::render::refusal(error).1,
        other => other.to_string(),
    }
}

fn problem_status(error: &StatusError) -> StatusCode {
    match error {
        StatusError::NotACopyId(_) => StatusCode::BAD_REQUEST,
        StatusError::Camera(_) | StatusError::NoCodeSeen => StatusCode::OK,
        StatusError::Verify(bansao_node::verify_online::OnlineVerifyError::Input(_)) => {
            StatusCode::UNPROCESSABLE_ENTITY
        }
        StatusError::Verify(_) | StatusError::Store(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}
