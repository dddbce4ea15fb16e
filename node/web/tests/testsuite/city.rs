//! The city's staff on the city's pages: sign in with their own locked key (a wrong passphrase
//! refused, an official of a ward not staff), the trust list, revoking a key or a copy, publishing
//! the lists, and the audit trail of each action.

use bansao_node::city::City;
use bansao_testkit::world::{OFFICIAL_ID, OFFICIAL_PASSPHRASE, STAFF_ID, STAFF_PASSPHRASE};

use crate::browser::Browser;
use crate::http::{self, csrf_field, form, set_cookie};
use crate::world::{city_with_staff, serve_city};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn city_staff_sign_in_refuses_a_wrong_passphrase_then_shows_the_trust_list() {
    let root = tempfile::tempdir().unwrap();
    let (world, _) = city_with_staff(root.path(), 0);
    let address = serve_city(&world).await;
    let browser = Browser::start().await;
    let url = |path: &str| format!("http://{address}{path}");

    browser.client.goto(&url("/keys")).await.unwrap();
    assert_eq!(browser.path().await, "/sign-in");
    assert!(browser.text().await.contains("Đăng nhập cán bộ Sở Tư pháp"));

    browser.type_into("#official", STAFF_ID).await;
    browser.type_into("#passphrase", "not the passphrase").await;
    browser.click("#sign-in").await;
    browser.wait_for_text("không đúng").await;
    assert!(
        browser
            .client
            .get_named_cookie("bansao_session")
            .await
            .is_err(),
        "a wrong passphrase opens no session"
    );
    browser.screenshot("city-sign-in-wrong-passphrase").await;

    browser.type_into("#official", STAFF_ID).await;
    browser.type_into("#passphrase", STAFF_PASSPHRASE).await;
    browser.click("#sign-in").await;
    browser.wait_for_path("/keys").await;
    let text = browser.text().await;
    assert!(
        text.contains("Lê Thị Hoa"),
        "the staff member is named: {text}"
    );
    assert!(
        text.contains("Xã Tân Lập"),
        "the ward's key is listed: {text}"
    );
    assert!(
        text.contains("KIOSK-BENCH-01"),
        "the kiosk's key is listed: {text}"
    );
    assert!(
        text.contains("Cần khóa gốc"),
        "the registrar's key is not revocable here: {text}"
    );
    browser.screenshot("city-keys").await;

    browser.client.goto(&url("/audit")).await.unwrap();
    let text = browser.text().await;
    assert!(text.contains("Đăng nhập (sign-in)"), "{text}");
    assert!(text.contains(STAFF_ID), "{text}");
    browser.screenshot("city-audit-sign-in").await;

    let city = City::open(&world.dir("city")).unwrap();
    let trail = city.audit_trail(10).unwrap();
    assert_eq!(
        trail.len(),
        1,
        "one sign-in, the wrong passphrase is no action"
    );
    assert_eq!(trail[0].action, "sign-in");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ward_official_is_not_city_staff_and_city_pages_need_a_session() {
    let root = tempfile::tempdir().unwrap();
    let (world, _) = city_with_staff(root.path(), 0);
    let address = serve_city(&world).await;

    for path in ["/keys", "/audit"] {
        let page = http::request(address, "GET", path, &[], "").await;
        assert_eq!(page.status, 303, "{path} without a session");
        assert!(
            page.headers.contains("location: /sign-in"),
            "{}",
            page.headers
        );
    }
    let page = http::request(address, "GET", "/sign-in", &[], "").await;
    let cookie = set_cookie(&page, "bansao_sign_in").unwrap();
    let body = form(&[
        ("csrf", &csrf_field(&page.body)),
        ("official", OFFICIAL_ID),
        ("passphrase", OFFICIAL_PASSPHRASE),
    ]);
    let refused = http::request(
        address,
        "POST",
        "/sign-in",
        &[
            format!("Cookie: bansao_sign_in={cookie}"),
            "Content-Type: application/x-www-form-urlencoded".to_owned(),
        ],
        &body,
    )
    .await;
    assert_eq!(
        refused.status, 401,
        "an official's key does not open the city"
    );
    assert!(set_cookie(&refused, "bansao_session").is_none());
    assert!(
        refused
            .headers
            .contains("content-security-policy: default-src 'none'"),
        "the site's headers cover the city's pages: {}",
        refused.headers
    );
}

async fn staff_session(address: std::net::SocketAddr) -> (String, String) {
    let page = http::request(address, "GET", "/sign-in", &[], "").await;
    let cookie = set_cookie(&page, "bansao_sign_in").unwrap();
    let body = form(&[
        ("csrf", &csrf_field(&page.body)),
        ("official", STAFF_ID),
        ("passphrase", STAFF_PASSPHRASE),
    ]);
    let signed_in = http::request(
        address,
        "POST",
        "/sign-in",
        &[
            format!("Cookie: bansao_sign_in={cookie}"),
            "Content-Type: application/x-www-form-urlencoded".to_owned(),
        ],
        &body,
    )
    .await;
    assert_eq!(signed_in.status, 303, "{}", signed_in.body);
    let session = set_cookie(&signed_in, "bansao_session").unwrap();
    let keys = http::request(
        address,
        "GET",
        "/keys",
        &[format!("Cookie: bansao_session={session}")],
        "",
    )
    .await;
    (session, csrf_field(&keys.body))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_revoke_a_kiosk_key_but_not_the_registrar_and_both_are_audited() {
    let root = tempfile::tempdir().unwrap();
    let (world, _) = city_with_staff(root.path(), 0);
    let address = serve_city(&world).await;
    let (session, csrf) = staff_session(address).await;
    let trust = City::open(&world.dir("city")).unwrap().trust().unwrap();
    let key_of = |role: bansao_trust::Role| {
        trust
            .trust_list()
            .certificates
            .values()
            .find(|certificate| certificate.body.role == role)
            .unwrap()
            .key_id()
    };
    let (kiosk, registrar) = (
        key_of(bansao_trust::Role::Kiosk),
        key_of(bansao_trust::Role::Registrar),
    );
    let post = |key: bansao_trust::KeyId, reason: &'static str, csrf: String| {
        let session = session.clone();
        async move {
            http::request(
                address,
                "POST",
                &format!("/keys/{key}/revoke"),
                &[
                    format!("Cookie: bansao_session={session}"),
                    "Content-Type: application/x-www-form-urlencoded".to_owned(),
                ],
                &form(&[("csrf", &csrf), ("reason", reason)]),
            )
            .await
        }
    };
    let forged = post(kiosk, "stolen", "0".repeat(64)).await;
    assert_eq!(forged.status, 403, "a wrong CSRF token");
    let refused = post(registrar, "try", csrf.clone()).await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert!(refused.body.contains("khóa gốc"), "{}", refused.body);
    let no_reason = post(kiosk, "  ", csrf.clone()).await;
    assert_eq!(no_reason.status, 400, "{}", no_reason.body);
    let done = post(kiosk, "Ki-ốt bị mất cắp (stolen kiosk)", csrf.clone()).await;
    assert_eq!(done.status, 303, "{}", done.body);
    let again = post(kiosk, "again", csrf).await;
    assert_eq!(again.status, 409, "{}", again.body);

    let city = City::open(&world.dir("city")).unwrap();
    let revocation = city
        .trust()
        .unwrap()
        .key_revocation(kiosk)
        .cloned()
        .unwrap();
    assert_eq!(revocation.reason, "Ki-ốt bị mất cắp (stolen kiosk)");
    assert!(city.trust().unwrap().key_revocation(registrar).is_none());
    let trail = city.audit_trail(10).unwrap();
    let outcomes: Vec<(&str, bool)> = trail
        .iter()
        .map(|event| (event.action.as_str(), event.outcome == "done"))
        .collect();
    assert_eq!(
        outcomes,
        [
            ("revoke-key", false),
            ("revoke-key", true),
            ("revoke-key", false),
            ("revoke-key", false),
            ("sign-in", true),
        ],
        "newest first; the forged form never reached the city"
    );
}
