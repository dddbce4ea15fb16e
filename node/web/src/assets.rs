//! The style sheet, compiled into the binary: pages work with no internet and no files beside
//! the binary.

use axum::http::header;
use axum::response::IntoResponse;

/// The one style sheet: the site's, then the kiosk's parts (each in a file of its own).
pub const STYLE_SHEET: &str = concat!(
    include_str!("../assets/bansao.css"),
    include_str!("../assets/keyboard.css"),
    include_str!("../assets/kiosk_status.css"),
);

/// `GET /assets/bansao.css`.
pub async fn style_sheet() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        STYLE_SHEET,
    )
}
