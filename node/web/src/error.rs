//! What a page says when a request cannot be served: a status code and a plain sentence in
//! Vietnamese and English, never a stack trace or a store path.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use bansao_node::city_desk::DeskError;
use bansao_node::ward::WardError;

use crate::pages::render_error;

/// A request that could not be served.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    /// The form's CSRF token is missing or wrong.
    #[error(
        "biểu mẫu đã hết hạn hoặc không hợp lệ (the form expired or is not valid): reload the page"
    )]
    Forbidden,
    /// Nothing at that address.
    #[error("không tìm thấy (not found)")]
    NotFound,
    /// The request's values are not usable.
    #[error("{0}")]
    BadRequest(String),
    /// The ward service refused or failed.
    #[error(transparent)]
    Ward(Box<WardError>),
    /// The city refused or failed a staff member's action.
    #[error(transparent)]
    City(Box<DeskError>),
    /// A page could not be rendered.
    #[error("the page could not be rendered: {0}")]
    Render(#[from] askama::Error),
    /// Something else failed.
    #[error("{0}")]
    Internal(String),
}

impl WebError {
    fn status(&self) -> StatusCode {
        match self {
            WebError::Forbidden => StatusCode::FORBIDDEN,
            WebError::NotFound => StatusCode::NOT_FOUND,
            WebError::BadRequest(_) => StatusCode::BAD_REQUEST,
            WebError::Ward(error) => match &**error {
                WardError::Decision(decision) => match **decision {
                    bansao_node::decisions::DecisionError::ReasonTooLong { .. } => {
                        StatusCode::BAD_REQUEST
                    }
                    _ => StatusCode::CONFLICT,
                },
                WardError::NoteRequired | WardError::DayOutOfRange(_) => StatusCode::BAD_REQUEST,
                WardError::Store(bansao_store::StoreError::NotFound(_)) => StatusCode::NOT_FOUND,
                WardError::Store(bansao_store::StoreError::AlreadyResolved(_)) => {
                    StatusCode::CONFLICT
                }
                _ => StatusCode::INTERNAL_SERVER_ERROR,
            },
            WebError::City(error) => match &**error {
                DeskError::ReasonRequired | DeskError::ReasonTooLong => StatusCode::BAD_REQUEST,
                DeskError::UnknownKey(_) => StatusCode::NOT_FOUND,
                DeskError::NeedsRoot { .. } => StatusCode::FORBIDDEN,
                DeskError::KeyAlreadyRevoked(_) | DeskError::CopyAlreadyRevoked(_) => {
                    StatusCode::CONFLICT
                }
                DeskError::City(_) | DeskError::Store(_) => StatusCode::INTERNAL_SERVER_ERROR,
            },
            WebError::Render(_) | WebError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl From<WardError> for WebError {
    fn from(error: WardError) -> WebError {
        WebError::Ward(Box::new(error))
    }
}

impl From<DeskError> for WebError {
    fn from(error: DeskError) -> WebError {
        WebError::City(Box::new(error))
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            tracing::error!("web request failed: {self}");
        }
        let body = render_error(status, &self.to_string())
            .unwrap_or_else(|_| format!("<!doctype html><title>{status}</title><p>{status}"));
        (status, Html(body)).into_response()
    }
}
