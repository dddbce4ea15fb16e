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
