//! The citizen's kiosk screen, served by the kiosk node on localhost and shown full screen
//! (Chromium's kiosk mode): `/` is the screen of the moment — the start (choose the
//! procedure), identify, camera, scanner, fields, fee, receipt, rating, the end.
//!
//! The page never talks to devices: every button posts a form to the node, which does the step
//! on its devices through `bansao_node::kiosk_desk` and redirects back to `/` (no script: the
//! CSP forbids it). Stills the node captured (the card, the face, the last page, the camera
//! now) are `<img>`s of `/stills/…`. The idle timeout is also a `<meta http-equiv="refresh">`
//! to the start, so an abandoned screen clears itself even with nobody touching it. Every
//! form carries the screen's token, new for every session; a form from an earlier screen gets
//! "this screen is out of date". The text size is a cookie set by a button.

pub mod screen;

use axum::Form;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use bansao_copy::DocumentType;
use bansao_node::kiosk_desk::worker::DeskHandle;
use bansao_node::kiosk_desk::{DeskError, Press, Still};
use serde::Deserialize;

use crate::keyboard::{KeyboardInput, KeyboardState, Pressed};

use screen::ScreenPage;

/// The cookie holding the screen's text size (1, 2 or 3).
pub const TEXT_SIZE_COOKIE: &str = "bansao_kiosk_text";

/// The kiosk screen's style sheet, with the on-screen keyboard's.
pub const KIOSK_STYLE_SHEET: &str = concat!(
    include_str!("../../assets/kiosk.css"),
    include_str!("../../assets/keyboard.css"),
);

/// What the kiosk's handlers share: the desk (on its own thread) and the commune's name.
#[derive(Clone, Debug)]
pub struct KioskState {
    desk: DeskHandle,
    place: String,
}

impl KioskState {
    /// The screen of the desk `desk`, in the commune `place`.
    pub fn new(desk: DeskHandle, place: &str) -> KioskState {
        KioskState {
            desk,
            place: place.to_owned(),
        }
    }
}

/// The kiosk's screen: `/`, its forms and stills, and its style sheet.
pub fn kiosk_router(state: KioskState) -> Router {
    Router::new()
        .route("/", get(show))
        .route("/fields/{name}", get(edit_field).post(correct_field))
        .route("/start", post(start))
        .route("/press/{action}", post(press))
        .route("/rate", post(rate))
        .route("/text-size", post(text_size))
        .route("/call-official", post(call_official))
        .route("/stills/{which}", get(still))
        .route("/assets/kiosk.css", get(style_sheet))
        .with_state(state)
}

/// A desk call, off the async threads (the desk recognises pages and signs copies).
async fn on_desk<T: Send + 'static>(
    state: &KioskState,
    call: impl FnOnce(&DeskHandle) -> T + Send + 'static,
) -> Result<T, Response> {
    let desk = state.desk.clone();
    tokio::task::spawn_blocking(move || call(&desk))
        .await
        .map_err(|_| trouble("the kiosk's screen service failed"))
}

fn trouble(what: &str) -> Response {
    tracing::error!("kiosk screen: {what}");
    (
        StatusCode::SERVICE_UNAVAILABLE,
        Html(format!(
            "<!doctype html><html lang=\"vi\"><meta charset=\"utf-8\"><meta http-equiv=\"refresh\" content=\"10;url=/\"><link rel=\"stylesheet\" href=\"/assets/kiosk.css\"><main><h1>Máy đang gặp sự cố <span class=\"en\">The kiosk has a problem</span></h1><p class=\"problem\">Xin gọi cán bộ (please call an official). {}</p></main>",
            askama_escape(what)
        )),
    )
        .into_response()
}

fn askama_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn text_size_of(jar: &CookieJar) -> u8 {
    jar.get(TEXT_SIZE_COOKIE)
        .and_then(|cookie| cookie.value().parse().ok())
        .filter(|size| (1..=3).contains(size))
        .unwrap_or(1)
}

async fn render(
    state: &KioskState,
    jar: &CookieJar,
    called: bool,
    edit: Option<(String, Option<KeyboardState>)>,
    stale: bool,
) -> Response {
    let view = match on_desk(state, |desk| desk.view()).await {
        Ok(Ok(view)) => view,
        Ok(Err(error)) => return trouble(&error.to_string()),
        Err(response) => return response,
    };
    let page = ScreenPage::new(
        &state.place,
        view,
        text_size_of(jar),
        called,
        edit.as_ref()
            .map(|(name, keyboard)| (name.as_str(), keyboard.as_ref())),
        stale,
    );
    match askama::Template::render(&page) {
        Ok(html) => {
            let status = if stale {
                StatusCode::FORBIDDEN
            } else {
                StatusCode::OK
            };
            (status, Html(html)).into_response()
        }
        Err(error) => trouble(&format!("the screen could not be drawn: {error}")),
    }
}

#[derive(Debug, Deserialize)]
struct ShowQuery {
    called: Option<String>,
}

/// `GET /`: the screen of the moment.
async fn show(
    State(state): State<KioskState>,
    jar: CookieJar,
    Query(query): Query<ShowQuery>,
) -> Response {
    render(&state, &jar, query.called.is_some(), None, false).await
}

/// `GET /fields/{name}`: the edit screen of one field.
async fn edit_field(
    State(state): State<KioskState>,
    jar: CookieJar,
    Path(name): Path<String>,
) -> Response {
    render(&state, &jar, false, Some((name, None)), false).await
}

/// Does `press` and goes back to the screen; a stale form gets "out of date".
async fn pressed(state: &KioskState, jar: &CookieJar, csrf: String, press: Press) -> Response {
    match on_desk(state, move |desk| desk.press(&csrf, press)).await {
        Ok(Ok(())) => Redirect::to("/").into_response(),
        Ok(Err(DeskError::StaleForm)) => render(state, jar, false, None, true).await,
        Ok(Err(error)) => trouble(&error.to_string()),
        Err(response) => response,
    }
}

#[derive(Debug, Deserialize)]
struct TokenForm {
    #[serde(default)]
    csrf: String,
}

#[derive(Debug, Deserialize)]
struct StartForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    kind: String,
}

/// `POST /start`: a session for an original of the chosen kind.
async fn start(
    State(state): State<KioskState>,
    jar: CookieJar,
    Form(form): Form<StartForm>,
) -> Response {
    let kind = DocumentType::from_code(form.kind.trim());
    pressed(&state, &jar, form.csrf, Press::Start(kind)).await
}

/// `POST /press/{action}`: one of the screen's buttons.
async fn press(
    State(state): State<KioskState>,
    jar: CookieJar,
    Path(action): Path<String>,
    Form(form): Form<TokenForm>,
) -> Response {
    let press = match action.as_str() {
        "read-card" => Press::ReadCard,
        "skip-identity" => Press::SkipIdentity,
        "look" => Press::LookAtCamera,
        "scan" => Press::ScanPage,
        "done" => Press::DoneScanning,
        "confirm" => Press::ConfirmFields,
        "pay" => Press::PayFee,
        "reprint" => Press::Reprint,
        "receipt-taken" => Press::ReceiptTaken,
        "skip-rating" => Press::SkipRating,
        "cancel" => Press::Cancel,
        "back" => Press::BackToStart,
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    pressed(&state, &jar, form.csrf, press).await
}

#[derive(Debug, Deserialize)]
struct FieldForm {
    #[serde(default)]
    csrf: String,
    #[serde(flatten)]
    keyboard: KeyboardInput,
}

/// `POST /fields/{name}`: a key of the on-screen keyboard (the edit screen again, the text so
/// far in the form; the session is touched so the idle timeout starts over), or "Xong / Done":
/// the field corrected (NFC-normalised by the keyboard and the desk).
async fn correct_field(
    State(state): State<KioskState>,
    jar: CookieJar,
    Path(name): Path<String>,
    Form(form): Form<FieldForm>,
) -> Response {
    match form.keyboard.press() {
        Pressed::Typing(keyboard) => {
            let csrf = form.csrf;
            match on_desk(&state, move |desk| desk.press(&csrf, Press::Touch)).await {
                Ok(Ok(())) => {
                    render(&state, &jar, false, Some((name, Some(keyboard))), false).await
                }
                Ok(Err(DeskError::StaleForm)) => render(&state, &jar, false, None, true).await,
                Ok(Err(error)) => trouble(&error.to_string()),
                Err(response) => response,
            }
        }
        Pressed::Done(value) => {
            pressed(&state, &jar, form.csrf, Press::Correct { name, value }).await
        }
    }
}

#[derive(Debug, Deserialize)]
struct RateForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    rating: String,
}

/// `POST /rate`: one tap on one of the five faces.
async fn rate(
    State(state): State<KioskState>,
    jar: CookieJar,
    Form(form): Form<RateForm>,
) -> Response {
    let Some(rating) = form
        .rating
        .trim()
        .parse::<u8>()
        .ok()
        .filter(|r| (1..=5).contains(r))
    else {
        return (StatusCode::BAD_REQUEST, "a rating is 1 to 5").into_response();
    };
    pressed(&state, &jar, form.csrf, Press::Rate(rating)).await
}

#[derive(Debug, Deserialize)]
struct TextSizeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    size: String,
}

/// `POST /text-size`: the text size, kept in a cookie.
async fn text_size(
    State(state): State<KioskState>,
    jar: CookieJar,
    Form(form): Form<TextSizeForm>,
) -> Response {
    let size = form
        .size
        .trim()
        .parse::<u8>()
        .ok()
        .filter(|size| (1..=3).contains(size))
        .unwrap_or(1);
    let csrf = form.csrf;
    match on_desk(&state, move |desk| desk.press(&csrf, Press::Touch)).await {
        Ok(Ok(())) => {
            let cookie = Cookie::build((TEXT_SIZE_COOKIE, size.to_string()))
                .http_only(true)
                .same_site(SameSite::Strict)
                .path("/")
                .build();
            (jar.add(cookie), Redirect::to("/")).into_response()
        }
        Ok(Err(DeskError::StaleForm)) => render(&state, &jar, false, None, true).await,
        Ok(Err(error)) => trouble(&error.to_string()),
        Err(response) => response,
    }
}

/// `POST /call-official`: says an official is called (logged for the commune hall's staff).
async fn call_official(
    State(state): State<KioskState>,
    jar: CookieJar,
    Form(form): Form<TokenForm>,
) -> Response {
    let csrf = form.csrf;
    match on_desk(&state, move |desk| desk.press(&csrf, Press::Touch)).await {
        Ok(Ok(())) => {
            tracing::warn!("a citizen at the kiosk called an official");
            Redirect::to("/?called=1").into_response()
        }
        Ok(Err(DeskError::StaleForm)) => render(&state, &jar, false, None, true).await,
        Ok(Err(error)) => trouble(&error.to_string()),
        Err(response) => response,
    }
}

/// `GET /stills/{card,face,page,camera}.jpg`: a still of the session (the camera's: a frame
/// taken now), never cached.
async fn still(State(state): State<KioskState>, Path(which): Path<String>) -> Response {
    let which = match which.as_str() {
        "card.jpg" => Some(Still::Card),
        "face.jpg" => Some(Still::Face),
        "page.jpg" => Some(Still::Page),
        "camera.jpg" => None,
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    let bytes = on_desk(&state, move |desk| match which {
        Some(which) => desk.still(which),
        None => desk.camera_preview(),
    })
    .await;
    match bytes {
        Ok(Ok(Some(bytes))) => (
            [
                (header::CONTENT_TYPE, "image/jpeg"),
                (header::CACHE_CONTROL, "no-store"),
            ],
            bytes,
        )
            .into_response(),
        Ok(Ok(None)) => StatusCode::NOT_FOUND.into_response(),
        Ok(Err(error)) => trouble(&error.to_string()),
        Err(response) => response,
    }
}

/// `GET /assets/kiosk.css`.
async fn style_sheet() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        KIOSK_STYLE_SHEET,
    )
}
