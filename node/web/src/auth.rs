//! The signed-in person of a request (a ward's official, a city's staff member), and the checks
//! every form passes. Any state that keeps [`Sessions`] ([`SessionState`]) gets the extractor.
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

use bansao_node::city_staff::Staff;
use bansao_node::ward::Official;

use crate::error::WebError;
use crate::sessions::{Sessions, SignedIn, tokens_match};

/// The cookie that names a session.
pub const SESSION_COOKIE: &str = "bansao_session";
/// The cookie the sign-in form's token must match.
pub const SIGN_IN_COOKIE: &str = "bansao_sign_in";

/// A state whose pages people sign in to.
pub trait SessionState: Send + Sync {
    /// Who signs in.
    type Person: Send + Sync + 'static;
    /// The sessions.
    fn sessions(&self) -> &Sessions<Self::Person>;
}

/// The person signed in for this request.
#[derive(Debug)]
pub struct Current<P> {
    /// The session's token.
    pub token: String,
    /// The person and the session's CSRF token.
    pub signed_in: SignedIn<P>,
}

impl<P> Clone for Current<P> {
    fn clone(&self) -> Current<P> {
        Current {
            token: self.token.clone(),
            signed_in: self.signed_in.clone(),
        }
    }
}

/// The ward official signed in for this request.
pub type CurrentOfficial = Current<Official>;
/// The city staff member signed in for this request.
pub type CurrentStaff = Current<Staff>;

impl<P> Current<P> {
    /// Refuses a form whose CSRF token is not this session's.
    pub fn check_form(&self, csrf: &str) -> Result<(), WebError> {
        if tokens_match(csrf, &self.signed_in.csrf) {
            Ok(())
        } else {
            Err(WebError::Forbidden)
        }
    }
}

fn current_of<S: SessionState>(parts: &Parts, state: &S) -> Option<Current<S::Person>> {
    let jar = CookieJar::from_headers(&parts.headers);
    let token = jar.get(SESSION_COOKIE)?.value().to_owned();
    state
        .sessions()
        .current(&token, Instant::now())
        .map(|signed_in| Current { token, signed_in })
}

impl<S: SessionState> FromRequestParts<S> for Current<S::Person> {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &S,
    ) -> Result<Current<S::Person>, Response> {
        current_of(parts, state).ok_or_else(|| Redirect::to("/sign-in").into_response())
    }
}

impl<S: SessionState> OptionalFromRequestParts<S> for Current<S::Person> {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &S,
    ) -> Result<Option<Current<S::Person>>, std::convert::Infallible> {
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
