//! `GET/POST /sign-in`, `POST /sign-out`, for every kind of person who signs in (a ward's
//! officials, a city's staff: [`SignInRealm`]): a person unlocks their key with their passphrase
//! for a session. A wrong id or passphrase gets one message (which of the two is not said), takes
//! as long as a wrong passphrase, and counts towards the lock-out.

use std::future::Future;
use std::time::Instant;

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar};
use bansao_copy::OfficialId;
use bansao_trust::Passphrase;
use serde::Deserialize;

use crate::auth::{
    Current, SESSION_COOKIE, SIGN_IN_COOKIE, SessionState, new_token, private_cookie,
};
use crate::error::WebError;
use crate::pages::Chrome;
use crate::sessions::tokens_match;

/// What the sign-in form calls the person and their id.
#[derive(Debug, Clone, Copy)]
pub struct SignInWords {
    /// The heading, Vietnamese.
    pub heading_vi: &'static str,
    /// The heading, English.
    pub heading_en: &'static str,
    /// The id field's label, Vietnamese.
    pub id_vi: &'static str,
    /// The id field's label, English.
    pub id_en: &'static str,
}

/// What a key's unlocking gave.
#[derive(Debug)]
pub enum Unlocked<P> {
    /// The passphrase opened the key and the key counts now.
    Person(P),
    /// The passphrase was right, but the key may not act here now (revoked, expired, another
    /// commune): the person may be told why.
    MayNotSign(String),
    /// Anything else: no such person, a wrong passphrase, an unusable key file. The reason is
    /// logged, never shown; `tried_key` says whether a key was tried (if not, a decoy is, so the
    /// answer's time does not say which ids exist).
    Refused {
        /// Why, for the log.
        reason: String,
        /// Whether a key file's passphrase check ran.
        tried_key: bool,
    },
}

/// A kind of page state people sign in to.
pub trait SignInRealm:
    SessionState<Person: std::fmt::Debug> + Clone + Send + Sync + 'static
{
    /// Where a signed-in person lands.
    const HOME: &'static str;
    /// The form's words.
    const WORDS: SignInWords;
    /// The page frame when nobody is signed in.
    fn anonymous_chrome(&self) -> Chrome;
    /// A locked key nobody can open (tried when no key was).
    fn decoy_key(&self) -> &str;
    /// Tries `passphrase` on `id`'s key (on the blocking pool).
    fn unlock(
        &self,
        id: OfficialId,
        passphrase: Passphrase,
    ) -> impl Future<Output = Result<Unlocked<Self::Person>, WebError>> + Send;
}

#[derive(Template)]
#[template(path = "sign_in.html")]
struct SignInPage {
    chrome: Chrome,
    words: SignInWords,
    csrf: String,
    person_id: String,
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
pub async fn form<S: SignInRealm>(
    State(state): State<S>,
    current: Option<Current<S::Person>>,
    jar: CookieJar,
) -> Result<Response, WebError> {
    if current.is_some() {
        return Ok(Redirect::to(S::HOME).into_response());
    }
    render_form(&state, jar, String::new(), None, StatusCode::OK)
}

fn render_form<S: SignInRealm>(
    state: &S,
    jar: CookieJar,
    person_id: String,
    problem: Option<String>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let csrf = new_token()?;
    let page = SignInPage {
        chrome: state.anonymous_chrome(),
        words: S::WORDS,
        csrf: csrf.clone(),
        person_id,
        problem,
    };
    let jar = jar.add(private_cookie(SIGN_IN_COOKIE, csrf));
    Ok((status, jar, Html(page.render()?)).into_response())
}

/// `POST /sign-in`.
pub async fn submit<S: SignInRealm>(
    State(state): State<S>,
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
    let wrong = format!(
        "{} hoặc mật khẩu không đúng (wrong {} or passphrase)",
        S::WORDS.id_vi,
        S::WORDS.id_en.to_lowercase()
    );
    let Ok(person_id) = OfficialId::parse(form.official.trim()) else {
        return refuse(jar, wrong, StatusCode::UNAUTHORIZED);
    };
    let sessions = state.sessions();
    if let Err(locked) = sessions.attempt(person_id.as_str(), Instant::now()) {
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
    let decoy = state.decoy_key().to_owned();
    let decoy_passphrase = passphrase.clone();
    let unlocked = state.unlock(person_id.clone(), passphrase).await?;
    match unlocked {
        Unlocked::Person(person) => {
            let token = new_token()?;
            let csrf = new_token()?;
            sessions.start(
                token.clone(),
                csrf,
                person_id.as_str(),
                person,
                Instant::now(),
            );
            tracing::info!(person = %person_id, "signed in");
            let jar = jar
                .remove(Cookie::from(SIGN_IN_COOKIE))
                .add(private_cookie(SESSION_COOKIE, token));
            Ok((jar, Redirect::to(S::HOME)).into_response())
        }
        Unlocked::MayNotSign(why) => refuse(jar, why, StatusCode::FORBIDDEN),
        Unlocked::Refused { reason, tried_key } => {
            if !tried_key {
                // As long as a wrong passphrase takes: the answer's time does not say which
                // ids exist or whose key file is unusable.
                let _ = tokio::task::spawn_blocking(move || {
                    bansao_trust::SecretKey::from_encrypted_pkcs8_pem(&decoy, &decoy_passphrase)
                        .is_ok()
                })
                .await;
            }
            tracing::warn!(person = %person_id, "sign-in refused: {reason}");
            refuse(jar, wrong, StatusCode::UNAUTHORIZED)
        }
    }
}

/// `POST /sign-out`.
pub async fn sign_out<S: SignInRealm>(
    State(state): State<S>,
    current: Current<S::Person>,
    jar: CookieJar,
    Form(form): Form<SignOutForm>,
) -> Result<Response, WebError> {
    current.check_form(&form.csrf)?;
    state.sessions().end(&current.token);
    let jar = jar.remove(Cookie::from(SESSION_COOKIE));
    Ok((jar, Redirect::to("/sign-in")).into_response())
}

/// A random key locked under a random passphrase, made once at start: the decoy a sign-in
/// tries when it names nobody.
pub fn decoy_key() -> Result<String, WebError> {
    let random = |_| WebError::Internal("the system random source failed".to_owned());
    let key = bansao_trust::SecretKey::from_seed(
        bansao_node::entropy::random_bytes::<32>().map_err(random)?,
    );
    let passphrase = Passphrase::new(hex::encode(
        bansao_node::entropy::random_bytes::<16>().map_err(random)?,
    ))
    .map_err(|error| WebError::Internal(error.to_string()))?;
    let pem = key
        .to_encrypted_pkcs8_pem(
            &passphrase,
            bansao_node::entropy::random_bytes::<32>().map_err(random)?,
        )
        .map_err(|error| WebError::Internal(error.to_string()))?;
    Ok(pem.to_string())
}
