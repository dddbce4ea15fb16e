//! `GET /keys`: the trust list as the city published it (every key, its role, who certified it,
//! its validity and standing; the revoked copies; the lists' editions), and the forms that act on
//! it: `POST /keys/{key}/revoke`, `POST /revoke-copy`, `POST /publish`. Each posts to
//! `bansao_node::city_desk`, which signs with the registrar key and audits; a refused action is
//! an error page saying why (and is audited too).

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{Html, Redirect};
use bansao_copy::{CopyId, Timestamp};
use bansao_node::entropy;
use bansao_trust::{KeyId, KeyStanding, Role, TrustContext};
use serde::Deserialize;

use crate::auth::CurrentStaff;
use crate::city::CityState;
use crate::error::WebError;
use crate::pages::Chrome;

/// One key of the trust list, as the page shows it.
#[derive(Debug)]
struct KeyRow {
    key_id: String,
    role: &'static str,
    role_label: &'static str,
    subject: String,
    commune: String,
    issuer: String,
    valid_from: String,
    valid_until: String,
    standing: &'static str,
    standing_text: String,
    /// Whether staff may revoke it here (not the root's, the registrar's, or revoked already).
    revocable: bool,
}

/// One revoked copy.
#[derive(Debug)]
struct RevokedCopy {
    copy_id: String,
    revoked_at: String,
    reason: String,
}

#[derive(Template)]
#[template(path = "city_keys.html")]
struct KeysPage {
    chrome: Chrome,
    notice: Option<&'static str>,
    trust_version: u64,
    trust_issued: String,
    revocations_version: u64,
    revocations_issued: String,
    keys: Vec<KeyRow>,
    revoked_copies: Vec<RevokedCopy>,
}

/// What the page says after an action (a fixed sentence: nothing from the address is echoed).
#[derive(Debug, Default, Deserialize)]
pub struct KeysQuery {
    done: Option<String>,
}

fn notice(done: Option<&str>) -> Option<&'static str> {
    match done? {
        "key-revoked" => Some(
            "Đã thu hồi khóa và phát hành danh sách thu hồi mới. The key is revoked; a new revocation list is published.",
        ),
        "copy-revoked" => Some(
            "Đã thu hồi bản sao và phát hành danh sách thu hồi mới. The copy is revoked; a new revocation list is published.",
        ),
        "published" => Some(
            "Đã phát hành danh sách thu hồi mới; các xã/phường nhận ở lần đồng bộ tới. A new revocation list is published; wards receive it at their next sync.",
        ),
        _ => None,
    }
}

fn local(unix: i64) -> String {
    Timestamp::from_unix(unix).map_or_else(|_| unix.to_string(), Timestamp::vietnam_local)
}

fn key_rows(trust: &TrustContext) -> Vec<KeyRow> {
    let list = trust.trust_list();
    let subject_of = |key: KeyId| {
        if list.root.key_id() == key {
            Some(list.root.body.subject.clone())
        } else {
            list.certificate(key).map(|c| c.body.subject.clone())
        }
    };
    std::iter::once(&list.root)
        .chain(list.certificates.values())
        .map(|certificate| {
            let body = &certificate.body;
            let key_id = certificate.key_id();
            let (standing, standing_text) = match trust.standing(key_id) {
                KeyStanding::Active => ("active", "Đang dùng (active)".to_owned()),
                KeyStanding::Retired(at) => {
                    ("retired", format!("Đã thay từ {} (retired)", local(at)))
                }
                KeyStanding::Revoked(revocation) => (
                    "revoked",
                    format!(
                        "Đã thu hồi lúc {}: {} (revoked)",
                        local(revocation.revoked_at),
                        revocation.reason
                    ),
                ),
                KeyStanding::Broken(reason) => ("broken", format!("Chuỗi hỏng (broken): {reason}")),
            };
            let issuer = if body.role == Role::CityRoot {
                "— (tự ký, self-signed)".to_owned()
            } else {
                match subject_of(body.issuer) {
                    Some(subject) => format!("{subject} ({})", body.issuer),
                    None => body.issuer.to_string(),
                }
            };
            KeyRow {
                key_id: key_id.to_hex(),
                role: body.role.as_str(),
                role_label: body.role.label_vi(),
                subject: body.subject.clone(),
                commune: body.commune.clone().unwrap_or_default(),
                issuer,
                valid_from: local(body.not_before),
                valid_until: local(body.not_after),
                revocable: standing != "revoked"
                    && !matches!(body.role, Role::CityRoot | Role::Registrar),
                standing,
                standing_text,
            }
        })
        .collect()
}

/// `GET /keys`.
pub async fn page(
    State(state): State<CityState>,
    current: CurrentStaff,
    Query(query): Query<KeysQuery>,
) -> Result<Html<String>, WebError> {
    let chrome = state.chrome(&current);
    let trust = state.with_city(|city| Ok(city.published_trust()?)).await?;
    let revocations = trust.revocations();
    let page = KeysPage {
        chrome,
        notice: notice(query.done.as_deref()),
        trust_version: trust.trust_list().version,
        trust_issued: local(trust.trust_list().issued_at),
        revocations_version: revocations.version,
        revocations_issued: local(revocations.issued_at),
        keys: key_rows(&trust),
        revoked_copies: revocations
            .copies
            .iter()
            .rev()
            .map(|(copy_id, revocation)| RevokedCopy {
                copy_id: copy_id.clone(),
                revoked_at: local(revocation.revoked_at),
                reason: revocation.reason.clone(),
            })
            .collect(),
    };
    Ok(Html(page.render()?))
}

/// A revocation form's fields.
#[derive(Debug, Deserialize)]
pub struct RevokeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    reason: String,
}

/// `POST /keys/{key}/revoke`.
pub async fn revoke_key(
    State(state): State<CityState>,
    current: CurrentStaff,
    Path(key): Path<String>,
    Form(form): Form<RevokeForm>,
) -> Result<Redirect, WebError> {
    current.check_form(&form.csrf)?;
    let key_id = KeyId::from_hex(&key).map_err(|_| WebError::NotFound)?;
    let staff = current.signed_in.person.clone();
    state
        .with_city(move |city| {
            Ok(city.revoke_key_by(&staff, key_id, &form.reason, entropy::now())?)
        })
        .await?;
    tracing::info!(key = %key_id, staff = %current.signed_in.person.id, "key revoked");
    Ok(Redirect::to("/keys?done=key-revoked"))
}

/// The copy revocation form's fields.
#[derive(Debug, Deserialize)]
pub struct RevokeCopyForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    copy: String,
    #[serde(default)]
    reason: String,
}

/// `POST /revoke-copy`.
pub async fn revoke_copy(
    State(state): State<CityState>,
    current: CurrentStaff,
    Form(form): Form<RevokeCopyForm>,
) -> Result<Redirect, WebError> {
    current.check_form(&form.csrf)?;
    let copy_id = CopyId::parse(form.copy.trim()).map_err(|_| {
        WebError::BadRequest(
            "mã bản sao không hợp lệ: 26 ký tự in trên bản sao (not a copy id: the 26 characters printed on the copy)"
                .to_owned(),
        )
    })?;
    let staff = current.signed_in.person.clone();
    state
        .with_city(move |city| {
            Ok(city.revoke_copy_by(&staff, copy_id, &form.reason, entropy::now())?)
        })
        .await?;
    tracing::info!(copy = %copy_id, staff = %current.signed_in.person.id, "copy revoked");
    Ok(Redirect::to("/keys?done=copy-revoked"))
}

/// The publish form's fields.
#[derive(Debug, Deserialize)]
pub struct PublishForm {
    #[serde(default)]
    csrf: String,
}

/// `POST /publish`.
pub async fn publish(
    State(state): State<CityState>,
    current: CurrentStaff,
    Form(form): Form<PublishForm>,
) -> Result<Redirect, WebError> {
    current.check_form(&form.csrf)?;
    let staff = current.signed_in.person.clone();
    state
        .with_city(move |city| Ok(city.publish_by(&staff, entropy::now())?))
        .await?;
    tracing::info!(staff = %current.signed_in.person.id, "lists published");
    Ok(Redirect::to("/keys?done=published"))
}
