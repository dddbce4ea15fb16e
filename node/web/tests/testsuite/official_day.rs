//! An official's day on the ward's pages: sign in, review, approve, reject — and what must be
//! refused: a wrong passphrase, too many of them, a form without its token, an idle session.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bansao_copy::{CopyId, CopyStatus, OfficialId};
use bansao_node::entropy;
use bansao_node::ward::Ward;
use bansao_testkit::world::{OFFICIAL_ID, OFFICIAL_PASSPHRASE, official_passphrase};
use bansao_web::sessions::{SessionRules, Sessions};

use crate::browser::Browser;
use crate::http::{self, csrf_field, form, set_cookie};
use crate::world::{serve, ward_with_a_gap, ward_with_copies};

fn status_of(ward_dir: &std::path::Path, copy: CopyId) -> (CopyStatus, Option<String>) {
    let ward = Ward::open(ward_dir).unwrap();
    let case = ward.case(copy).unwrap();
    let reason = case
        .report
        .decisions
        .iter()
        .find_map(|decision| decision.record.reason.clone());
    (
        case.report.status,
        case.report.certification_number.or(reason),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_official_signs_in_approves_one_copy_rejects_another_and_the_store_has_both() {
    let root = tempfile::tempdir().unwrap();
    let (world, ids) = ward_with_copies(root.path(), 3);
    let address = serve(&world).await;
    let browser = Browser::start().await;
    let url = |path: &str| format!("http://{address}{path}");

    // Not signed in: the queue sends the official to the sign-in page.
    browser.client.goto(&url("/queue")).await.unwrap();
    assert_eq!(browser.path().await, "/sign-in");
    browser.screenshot("ward-sign-in").await;

    // A wrong passphrase opens nothing.
    browser.type_into("#official", OFFICIAL_ID).await;
    browser.type_into("#passphrase", "not the passphrase").await;
    browser.click("#sign-in").await;
    browser.wait_for_text("không đúng").await;
    assert!(
        browser
            .client
            .get_named_cookie("bansao_session")
            .await
            .is_err()
    );
    browser.screenshot("ward-sign-in-wrong-passphrase").await;

    browser.type_into("#official", OFFICIAL_ID).await;
    browser.type_into("#passphrase", OFFICIAL_PASSPHRASE).await;
    browser.click("#sign-in").await;
    browser.wait_for_path("/queue").await;
    let text = browser.text().await;
    assert!(
        text.contains("Nguyễn Văn Bình"),
        "the official is named: {text}"
    );
    let waiting = browser.text_of("#waiting").await;
    assert_eq!(waiting, "3");
    assert!(
        text.contains("công dân sửa"),
        "the correction is flagged: {text}"
    );
    browser.screenshot("ward-queue").await;

    // The oldest copy: its page, then approve.
    browser.click(".copy-link").await;
    browser.wait_for_path(&format!("/copies/{}", ids[0])).await;
    let text = browser.text().await;
    assert!(text.contains("NGUYỄN VĂN AN"), "{text}");
    assert!(text.contains("công dân sửa từ"), "{text}");
    assert!(text.contains("KIOSK-BENCH-01"), "{text}");
    // The sample was issued without the citizen's card: the page says so.
    assert!(browser.text_of("#identity").await.contains("Chưa xác minh"));
    browser.screenshot("ward-copy").await;
    browser.click("#approve").await;
    browser.wait_for_text("Đã ký duyệt").await;
    let notice = browser.text_of("#notice").await;
    let year = bansao_node::decisions::vietnam_year(entropy::now());
    let number = format!("1/{year}-SCT/BS");
    assert!(notice.contains(&number), "{notice}");
    browser.screenshot("ward-copy-approved").await;
    assert_eq!(
        status_of(&world.dir("ward"), ids[0]),
        (CopyStatus::Countersigned, Some(number))
    );

    // The next one is refused: it bears a secrecy stamp.
    browser.client.goto(&url("/queue")).await.unwrap();
    browser.click(".copy-link").await;
    browser.wait_for_path(&format!("/copies/{}", ids[1])).await;
    browser.click("input[name=ground][value=secret]").await;
    browser.type_into("#note", "dấu MẬT ở góc trên").await;
    browser.screenshot("ward-copy-reject-form").await;
    browser.click("#reject").await;
    browser.wait_for_text("Đã từ chối").await;
    let (status, reason) = status_of(&world.dir("ward"), ids[1]);
    assert_eq!(status, CopyStatus::Rejected);
    let reason = reason.unwrap();
    assert!(
        reason.starts_with("secret:") && reason.ends_with("dấu MẬT ở góc trên"),
        "{reason}"
    );
    browser.screenshot("ward-copy-rejected").await;

    // One copy is left; after signing out the queue is closed again.
    browser.client.goto(&url("/queue")).await.unwrap();
    assert!(browser.text().await.contains("1 bản sao chờ duyệt"));
    browser.click("header form.who button").await;
    browser.wait_for_path("/sign-in").await;
    browser.client.goto(&url("/queue")).await.unwrap();
    assert_eq!(browser.path().await, "/sign-in");
    assert_eq!(
        status_of(&world.dir("ward"), ids[2]).0,
        CopyStatus::Provisional
    );
    browser.client.clone().close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batch_approval_from_the_queue_signs_every_clean_copy_and_leaves_the_flagged_one() {
    let root = tempfile::tempdir().unwrap();
    // One copy with the citizen's correction (flagged), then three clean ones.
    let (world, flagged) = ward_with_copies(root.path(), 1);
    let clean =
        bansao_testkit::world::issue_bulk(&world, 3, &[bansao_testkit::SAMPLE_SCAN.to_vec()]);
    // issue_bulk restarts the kiosk's chain: write its copies to a second kiosk database and
    // bring both to the ward as the sync would.
    let clean = clean.unwrap_or_else(|error| panic!("{error}"));
    world.copy_database("kiosk", "ward").unwrap();
    let address = serve(&world).await;
    let browser = Browser::start().await;
    browser
        .sign_in(address, OFFICIAL_ID, OFFICIAL_PASSPHRASE)
        .await;
    browser.wait_for_path("/queue").await;
    let count = browser.text_of("#clean-count").await;
    assert_eq!(count, "3");
    browser.screenshot("ward-queue-batch").await;
    browser.click("#approve-clean").await;
    browser.wait_for_text("Đã ký duyệt").await;
    let approved = browser.text_of("#approved-count").await;
    assert_eq!(approved, "3");
    browser.screenshot("ward-batch-approved").await;
    let year = bansao_node::decisions::vietnam_year(entropy::now());
    let mut numbers: Vec<String> = clean
        .iter()
        .map(|copy| {
            let (status, number) = status_of(&world.dir("ward"), *copy);
            assert_eq!(status, CopyStatus::Countersigned);
            number.unwrap()
        })
        .collect();
    numbers.sort();
    assert_eq!(
        numbers,
        (1..=3)
            .map(|n| format!("{n}/{year}-SCT/BS"))
            .collect::<Vec<_>>()
    );
    assert_eq!(
        status_of(&world.dir("ward"), flagged[0]).0,
        CopyStatus::Provisional
    );
    browser.client.clone().close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_official_resolves_a_gap_in_a_kiosks_chain_and_closes_the_day() {
    let root = tempfile::tempdir().unwrap();
    let (world, ids) = ward_with_a_gap(root.path());
    let address = serve(&world).await;
    let browser = Browser::start().await;
    browser
        .sign_in(address, OFFICIAL_ID, OFFICIAL_PASSPHRASE)
        .await;
    browser.wait_for_path("/queue").await;
    browser.click("nav.pages a[href='/reconcile']").await;
    browser.wait_for_path("/reconcile").await;
    let text = browser.text().await;
    assert!(text.contains("gap"), "{text}");
    assert!(text.contains(&ids[2].to_string()), "{text}");
    browser.screenshot("ward-reconcile").await;
    let note = "Đã gọi ki-ốt: bản sao số 2 chưa đồng bộ, sẽ về sau";
    browser
        .type_into("section.anomaly textarea[name=note]", note)
        .await;
    browser
        .click("section.anomaly button.resolve-anomaly")
        .await;
    browser.wait_for_text("Đã xử lý").await;
    assert!(browser.text().await.contains(note));
    browser.screenshot("ward-reconcile-resolved").await;
    let ward = Ward::open(&world.dir("ward")).unwrap();
    let found = ward.reconciliation(entropy::now(), 7).unwrap();
    assert!(found.open_anomalies.is_empty());
    let resolution = found.resolved_anomalies[0].resolution.clone().unwrap();
    assert_eq!(
        (resolution.official.as_str(), resolution.note.as_str()),
        (OFFICIAL_ID, note)
    );
    assert_eq!(resolution.signature.len(), 64);

    // The day: two copies received and issued today at the kiosk, nothing decided yet.
    browser.click("nav.pages a[href='/report']").await;
    browser.wait_for_path("/report").await;
    assert_eq!(browser.text_of("#total-issued").await, "2");
    assert_eq!(browser.text_of("#report-waiting").await, "2");
    browser.screenshot("ward-report").await;
    browser.client.clone().close().await.unwrap();
}

/// Signs in over plain HTTP; returns the session cookie and the session's CSRF token.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fork_of_the_city_log_the_ward_was_offered_shows_on_the_reconcile_page() {
    let root = tempfile::tempdir().unwrap();
    let (world, _) = ward_with_copies(root.path(), 1);
    // As the ward's sync records it when a peer offers a checkpoint that forks from its own.
    bansao_store::Store::open(&world.dir("ward").join("bansao.sqlite"))
        .unwrap()
        .record_log_fork(
            "fork",
            "bansao/city-log/held\n5\n",
            "bansao/city-log/offered\n5\n",
            "two signed checkpoints of 5 leaves with different roots",
            "c1ty0000rogue",
            entropy::now(),
        )
        .unwrap();
    let address = serve(&world).await;
    let browser = Browser::start().await;
    browser
        .sign_in(address, OFFICIAL_ID, OFFICIAL_PASSPHRASE)
        .await;
    browser.wait_for_path("/queue").await;
    browser.click("nav.pages a[href='/reconcile']").await;
    browser.wait_for_path("/reconcile").await;
    let card = browser.text_of("section.log-fork").await;
    assert!(card.contains("Hai lịch sử khác nhau"), "{card}");
    assert!(card.contains("c1ty0000rogue"), "{card}");
    assert!(
        card.contains("two signed checkpoints of 5 leaves with different roots"),
        "{card}"
    );
    let text = browser.text().await;
    assert!(text.contains("City log forks and bad proofs (1)"), "{text}");
    assert!(!text.contains("Không có gì cần đối chiếu"), "{text}");
    browser.screenshot("ward-reconcile-log-fork").await;
    browser.client.clone().close().await.unwrap();
}

async fn sign_in(address: SocketAddr, passphrase: &str) -> (http::Response, Option<String>) {
    sign_in_as(address, OFFICIAL_ID, passphrase).await
}

/// Signs in as `official` over plain HTTP; returns the answer and the session cookie, if any.
async fn sign_in_as(
    address: SocketAddr,
    official: &str,
    passphrase: &str,
) -> (http::Response, Option<String>) {
    let page = http::request(address, "GET", "/sign-in", &[], "").await;
    let cookie = set_cookie(&page, "bansao_sign_in").unwrap();
    let body = form(&[
        ("csrf", &csrf_field(&page.body)),
        ("official", official),
        ("passphrase", passphrase),
    ]);
    let response = http::request(
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
    let session = set_cookie(&response, "bansao_session");
    (response, session)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_form_without_its_csrf_token_or_with_a_wrong_one_is_refused_and_changes_nothing() {
    let root = tempfile::tempdir().unwrap();
    let (world, ids) = ward_with_copies(root.path(), 1);
    let address = serve(&world).await;
    let (response, session) = sign_in(address, OFFICIAL_PASSPHRASE).await;
    assert_eq!(response.status, 303, "{}", response.headers);
    let session = session.unwrap();
    let copy = ids[0];
    let approve = |body: String| {
        let session = session.clone();
        async move {
            http::request(
                address,
                "POST",
                &format!("/copies/{copy}/approve"),
                &[
                    format!("Cookie: bansao_session={session}"),
                    "Content-Type: application/x-www-form-urlencoded".to_owned(),
                ],
                &body,
            )
            .await
        }
    };
    let missing = approve(String::new()).await;
    assert_eq!(missing.status, 403, "{}", missing.body);
    let wrong = approve(form(&[("csrf", &"0".repeat(64))])).await;
    assert_eq!(wrong.status, 403, "{}", wrong.body);
    assert_eq!(
        status_of(&world.dir("ward"), copy).0,
        CopyStatus::Provisional
    );
    // The sign-in form itself needs the token its cookie carries.
    let forged = http::request(
        address,
        "POST",
        "/sign-in",
        &["Content-Type: application/x-www-form-urlencoded".to_owned()],
        &form(&[
            ("csrf", "x"),
            ("official", OFFICIAL_ID),
            ("passphrase", OFFICIAL_PASSPHRASE),
        ]),
    )
    .await;
    assert_eq!(forged.status, 403);
    assert!(set_cookie(&forged, "bansao_session").is_none());

    // With the page's own token it is approved.
    let page = http::request(
        address,
        "GET",
        &format!("/copies/{copy}"),
        &[format!("Cookie: bansao_session={session}")],
        "",
    )
    .await;
    assert_eq!(page.status, 200);
    assert!(
        page.headers
            .to_lowercase()
            .contains("content-security-policy: default-src 'none'")
    );
    let approved = approve(form(&[("csrf", &csrf_field(&page.body))])).await;
    assert_eq!(approved.status, 303, "{}", approved.body);
    assert_eq!(
        status_of(&world.dir("ward"), copy).0,
        CopyStatus::Countersigned
    );

    // Its PDF from the page, sealed by the ward, verifies with the trust file alone and shows
    // the number.
    let pdf = http::request(
        address,
        "GET",
        &format!("/copies/{copy}/pdf"),
        &[format!("Cookie: bansao_session={session}")],
        "",
    )
    .await;
    assert_eq!(pdf.status, 200, "{}", pdf.body);
    assert!(pdf.bytes.starts_with(b"%PDF"), "{}", pdf.headers);
    let trust = bansao_trust::TrustContext::from_bundle(
        &std::fs::read(world.dir("ward").join("trust.cbor")).unwrap(),
    )
    .unwrap();
    let verification = bansao_node::verify::verify_pdf(&pdf.bytes, &trust).unwrap();
    assert_eq!(
        verification.verdict,
        bansao_copy::verify::Verdict::Genuine(CopyStatus::Countersigned)
    );
    let year = bansao_node::decisions::vietnam_year(entropy::now());
    assert_eq!(
        verification.report.unwrap().certification_number,
        Some(format!("1/{year}-SCT/BS"))
    );
    // The day's report as a PDF.
    let report = http::request(
        address,
        "GET",
        "/report.pdf",
        &[format!("Cookie: bansao_session={session}")],
        "",
    )
    .await;
    assert_eq!(report.status, 200, "{}", report.body);
    assert!(report.bytes.starts_with(b"%PDF-"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_wrong_passphrases_lock_the_official_out_even_with_the_right_one() {
    let root = tempfile::tempdir().unwrap();
    let (world, _) = ward_with_copies(root.path(), 1);
    let address = serve(&world).await;
    for attempt in 0..5 {
        let (response, session) = sign_in(address, "guess number one").await;
        assert_eq!(response.status, 401, "attempt {attempt}: {}", response.body);
        assert!(session.is_none());
    }
    let (response, session) = sign_in(address, OFFICIAL_PASSPHRASE).await;
    assert_eq!(response.status, 429, "{}", response.body);
    assert!(response.body.contains("15 phút"), "{}", response.body);
    assert!(session.is_none());
}

#[test]
fn an_idle_session_is_over_and_its_official_must_sign_in_again() {
    let root = tempfile::tempdir().unwrap();
    let (world, _) = ward_with_copies(root.path(), 0);
    let ward = Ward::open(&world.dir("ward")).unwrap();
    let official = ward
        .official(
            &OfficialId::parse(OFFICIAL_ID).unwrap(),
            &official_passphrase().unwrap(),
            entropy::now(),
        )
        .unwrap();
    let sessions = Sessions::new(SessionRules::default());
    let start = Instant::now();
    sessions.start(
        "token".to_owned(),
        "csrf".to_owned(),
        OFFICIAL_ID,
        official,
        start,
    );
    // Each request keeps it open…
    let later = start + Duration::from_secs(14 * 60);
    assert!(sessions.current("token", later).is_some());
    assert!(
        sessions
            .current("token", later + Duration::from_secs(14 * 60))
            .is_some()
    );
    // …fifteen minutes without one end it.
    let idle = later + Duration::from_secs(14 * 60) + Duration::from_secs(15 * 60 + 1);
    assert!(sessions.current("token", idle).is_none());
    assert!(sessions.current("token", idle).is_none(), "ended for good");
}

/// A sign-in naming no official answered at once, while a wrong passphrase took the key's
/// scrypt: the time told which official ids exist. Both now take the scrypt.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sign_in_for_an_unknown_official_takes_as_long_as_a_wrong_passphrase() {
    let root = tempfile::tempdir().unwrap();
    let (world, _) = ward_with_copies(root.path(), 0);
    let address = serve(&world).await;
    let time = |official: String| async move {
        let started = Instant::now();
        let (response, _) = sign_in_as(address, &official, "not anybody's passphrase").await;
        let elapsed = started.elapsed();
        assert_eq!(response.status, 401, "{}", response.body);
        assert!(
            response.body.contains("không đúng"),
            "the same answer for both"
        );
        elapsed
    };
    let mut unknown = Vec::new();
    let mut wrong = Vec::new();
    for n in 0..3 {
        unknown.push(time(format!("nobody-{n}")).await);
        wrong.push(time(OFFICIAL_ID.to_owned()).await);
    }
    unknown.sort();
    wrong.sort();
    assert!(
        unknown[1] * 2 >= wrong[1],
        "unknown official {:?}, wrong passphrase {:?}",
        unknown[1],
        wrong[1]
    );
}
