//! The signed-in official of a request, and the checks every form passes.
//!
//! The session cookie is random (256 bits), `HttpOnly` and `SameSite=Strict`; every form carries
//! the session's CSRF token in a hidden field, compared in constant time. The sign-in form, which
//! has no session yet, carries a token that must match a cookie set with the form.

use std::time::Instant;

use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use bansao_node::entropy;

use crate::error::WebError;
use crate::sessions::{SignedIn, tokens_match};
use crate::state::WebState;

/// The cookie that names a session.
pub const SESSION_COOKIE: &str = "bansao_session";
/// The cookie the sign-in form's token must match.
pub const SIGN_IN_COOKIE: &str = "bansao_sign_in";

/// The official signed in for this request.
#[derive(Debug, Clone)]
pub struct CurrentOfficial {
    /// The session's token.
    pub token: String,
    /// The official and the session's CSRF token.
    pub signed_in: SignedIn,
}

impl CurrentOfficial {
    /// Refuses a form whose CSRF token is not this session's.
    pub fn check_form(&self, csrf: &str) -> Result<(), WebError> {
        if tokens_match(csrf, &self.signed_in.csrf) {
            Ok(())
        } else {
            Err(WebError::Forbidden)
        }
    }
}

fn current_of(parts: &Parts, state: &WebState) -> Option<CurrentOfficial> {
    let jar = CookieJar::from_headers(&parts.headers);
    let token = jar.get(SESSION_COOKIE)?.value().to_owned();
    state
        .sessions()
        .current(&token, Instant::now())
        .map(|signed_in| CurrentOfficial { token, signed_in })
}

impl FromRequestParts<WebState> for CurrentOfficial {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &WebState,
    ) -> Result<CurrentOfficial, Response> {
        current_of(parts, state).ok_or_else(|| Redirect::to("/sign-in").into_response())
    }
}

impl OptionalFromRequestParts<WebState> for CurrentOfficial {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &WebState,
    ) -> Result<Option<CurrentOfficial>, std::convert::Infallible> {
        Ok(current_of(parts, state))
    }
}

/// A fresh random token (64 hex digits).
pub fn new_token() -> Result<String, WebError> {
    let bytes =
        entropy::random_bytes::<32>().map_err(|error| WebError::Internal(error.to_string()))?;
    Ok(hex::encode(bytes))
}

/// A cookie only this site's own requests carry, invisible to scripts.
pub fn private_cookie(name: &'static str, value: String) -> Cookie<'static> {
    Cookie::build((name, value))
        .http_only(true)
        .same_site(SameSite::Strict)
        .path("/")
        .build()
}
