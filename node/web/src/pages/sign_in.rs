//! `GET/POST /sign-in`, `POST /sign-out`: an official unlocks their key with their passphrase for
//! a session. A wrong id or passphrase gets one message (which of the two is not said) and counts
//! towards the lock-out.

use std::time::Instant;

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar};
use bansao_copy::OfficialId;
use bansao_node::entropy;
use bansao_node::files::FileError;
use bansao_node::ward::WardError;
use bansao_trust::Passphrase;
use serde::Deserialize;

use crate::auth::{CurrentOfficial, SESSION_COOKIE, SIGN_IN_COOKIE, new_token, private_cookie};
use crate::error::WebError;
use crate::pages::Chrome;
use crate::sessions::tokens_match;
use crate::state::WebState;

#[derive(Template)]
#[template(path = "sign_in.html")]
struct SignInPage {
    chrome: Chrome,
    csrf: String,
    official_id: String,
    problem: Option<String>,
}

/// The sign-in form's fields.
#[derive(Debug, Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    csrf: String,
    official: String,
    passphrase: String,
}

/// The sign-out form's fields.
#[derive(Debug, Deserialize)]
pub struct SignOutForm {
    #[serde(default)]
    csrf: String,
}

/// `GET /sign-in`.
pub async fn form(
    State(state): State<WebState>,
    current: Option<CurrentOfficial>,
    jar: CookieJar,
) -> Result<Response, WebError> {
    if current.is_some() {
        return Ok(Redirect::to("/queue").into_response());
    }
    render_form(&state, jar, String::new(), None, StatusCode::OK)
}

fn render_form(
    state: &WebState,
    jar: CookieJar,
    official_id: String,
    problem: Option<String>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let csrf = new_token()?;
    let page = SignInPage {
        chrome: Chrome::anonymous(state),
        csrf: csrf.clone(),
        official_id,
        problem,
    };
    let jar = jar.add(private_cookie(SIGN_IN_COOKIE, csrf));
    Ok((status, jar, Html(page.render()?)).into_response())
}

/// `POST /sign-in`.
pub async fn submit(
    State(state): State<WebState>,
    jar: CookieJar,
    Form(form): Form<SignInForm>,
) -> Result<Response, WebError> {
    let expected = jar
        .get(SIGN_IN_COOKIE)
        .map(|cookie| cookie.value().to_owned())
        .unwrap_or_default();
    if expected.is_empty() || !tokens_match(&form.csrf, &expected) {
        return Err(WebError::Forbidden);
    }
    let refuse = |jar: CookieJar, problem: String, status: StatusCode| {
        render_form(&state, jar, form.official.clone(), Some(problem), status)
    };
    let wrong = "Mã cán bộ hoặc mật khẩu không đúng (wrong official id or passphrase)".to_owned();
    let Ok(official_id) = OfficialId::parse(form.official.trim()) else {
        return refuse(jar, wrong, StatusCode::UNAUTHORIZED);
    };
    let sessions = state.sessions();
    if let Err(locked) = sessions.attempt(official_id.as_str(), Instant::now()) {
        let minutes = locked.remaining.as_secs().div_ceil(60);
        return refuse(
            jar,
            format!(
                "Đăng nhập sai quá nhiều lần: thử lại sau {minutes} phút (too many wrong passphrases: try again in {minutes} min)"
            ),
            StatusCode::TOO_MANY_REQUESTS,
        );
    }
    let Ok(passphrase) = Passphrase::new(form.passphrase.clone()) else {
        return refuse(jar, wrong, StatusCode::UNAUTHORIZED);
    };
    let id = official_id.clone();
    let decoy = state.decoy_key().to_owned();
    let unlocked = state
        .with_ward(move |ward| {
            let unlocked = ward.official(&id, &passphrase, entropy::now());
            let tried_the_key = matches!(
                unlocked,
                Ok(_)
                    | Err(WardError::OfficialMayNotSign { .. })
                    | Err(WardError::File(FileError::WrongPassphrase { .. }))
            );
            if !tried_the_key {
                // As long as a wrong passphrase takes: the answer's time does not say which
                // official ids exist or whose key file is unusable.
                let _ = bansao_trust::SecretKey::from_encrypted_pkcs8_pem(&decoy, &passphrase);
            }
            Ok(unlocked)
        })
        .await?;
    match unlocked {
        Ok(official) => {
            let token = new_token()?;
            let csrf = new_token()?;
            sessions.start(token.clone(), csrf, official, Instant::now());
            tracing::info!(official = %official_id, "official signed in");
            let jar = jar
                .remove(Cookie::from(SIGN_IN_COOKIE))
                .add(private_cookie(SESSION_COOKIE, token));
            Ok((jar, Redirect::to("/queue")).into_response())
        }
        // The passphrase was right but the official may not sign here now (another commune,
        // revoked, expired): they may be told why.
        Err(error @ WardError::OfficialMayNotSign { .. }) => {
            refuse(jar, error.to_string(), StatusCode::FORBIDDEN)
        }
        // Anything else — no such official, a wrong passphrase, a key file that is missing,
        // plain or open to others — gets one answer, which names no file.
        Err(error) => {
            tracing::warn!(official = %official_id, "sign-in refused: {error}");
            refuse(jar, wrong, StatusCode::UNAUTHORIZED)
        }
    }
}

/// `POST /sign-out`.
pub async fn sign_out(
    State(state): State<WebState>,
    current: CurrentOfficial,
    jar: CookieJar,
    Form(form): Form<SignOutForm>,
) -> Result<Response, WebError> {
    current.check_form(&form.csrf)?;
    state.sessions().end(&current.token);
    let jar = jar.remove(Cookie::from(SESSION_COOKIE));
    Ok((jar, Redirect::to("/sign-in")).into_response())
}
