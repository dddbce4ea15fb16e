//! A hostile user on the commune's LAN, or a hostile page in the official's browser, against the
//! ward's pages. Each test is one attack; a failing test is a flaw that is still open. The tests
//! named after a flaw failed when they were written (2026-12-02) and pass since its fix; their
//! doc comments describe the flaw as it was found.

use std::net::SocketAddr;
use std::os::unix::fs::PermissionsExt;

use bansao_copy::{CopyId, CopyStatus};
use bansao_node::entropy;
use bansao_node::ward::Ward;
use bansao_testkit::world::{OFFICIAL_ID, OFFICIAL_PASSPHRASE};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::http::{self, csrf_field, form, set_cookie};
use crate::world::{serve, ward_with_a_gap, ward_with_copies};

const FORM: &str = "Content-Type: application/x-www-form-urlencoded";

/// A signed-in session: its cookie and its CSRF token.
struct Session {
    cookie: String,
    csrf: String,
}

impl Session {
    fn header(&self) -> String {
        format!("Cookie: bansao_session={}", self.cookie)
    }
}

/// A ward whose kiosk chain has a gap, its pages served, the official signed in: the address,
/// the session and the gap's anomaly id.
async fn a_gap_signed_in() -> (
    tempfile::TempDir,
    bansao_testkit::World,
    SocketAddr,
    Session,
    i64,
) {
    let root = tempfile::tempdir().unwrap();
    let (world, _) = ward_with_a_gap(root.path());
    let address = serve(&world).await;
    let session = sign_in(address).await;
    let id = Ward::open(&world.dir("ward"))
        .unwrap()
        .reconciliation(entropy::now(), 7)
        .unwrap()
        .open_anomalies[0]
        .id;
    (root, world, address, session, id)
}

/// The sign-in page's cookie and token, then a sign-in POST for `official` with `passphrase`.
async fn try_sign_in(address: SocketAddr, official: &str, passphrase: &str) -> http::Response {
    let page = http::request(address, "GET", "/sign-in", &[], "").await;
    let cookie = set_cookie(&page, "bansao_sign_in").unwrap();
    let body = form(&[
        ("csrf", &csrf_field(&page.body)),
        ("official", official),
        ("passphrase", passphrase),
    ]);
    http::request(
        address,
        "POST",
        "/sign-in",
        &[format!("Cookie: bansao_sign_in={cookie}"), FORM.to_owned()],
        &body,
    )
    .await
}

async fn sign_in(address: SocketAddr) -> Session {
    let response = try_sign_in(address, OFFICIAL_ID, OFFICIAL_PASSPHRASE).await;
    assert_eq!(response.status, 303, "{}", response.body);
    let cookie = set_cookie(&response, "bansao_session").unwrap();
    let queue = http::request(
        address,
        "GET",
        "/queue",
        &[format!("Cookie: bansao_session={cookie}")],
        "",
    )
    .await;
    assert_eq!(queue.status, 200);
    Session {
        cookie,
        csrf: csrf_field(&queue.body),
    }
}

async fn get(address: SocketAddr, session: &Session, path: &str) -> http::Response {
    http::request(address, "GET", path, &[session.header()], "").await
}

async fn post(address: SocketAddr, session: &Session, path: &str, body: &str) -> http::Response {
    http::request(
        address,
        "POST",
        path,
        &[session.header(), FORM.to_owned()],
        body,
    )
    .await
}

/// Sends raw bytes as one request; returns the status.
async fn raw(address: SocketAddr, request: &[u8]) -> u16 {
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    stream.write_all(request).await.unwrap();
    let mut reply = Vec::new();
    stream.read_to_end(&mut reply).await.unwrap();
    String::from_utf8_lossy(&reply)
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or(0)
}

fn status_of(world: &bansao_testkit::World, copy: CopyId) -> CopyStatus {
    Ward::open(&world.dir("ward"))
        .unwrap()
        .case(copy)
        .unwrap()
        .report
        .status
}

/// The lock-out is checked before the passphrase is tried, but the failure is only counted
/// after the scrypt, which runs one at a time behind the ward's lock: an attacker who sends
/// many sign-ins at once gets every one of them past `may_try` before the first failure is
/// counted, so far more than five passphrases are tried per lock-out (and a right guess among
/// them signs in). Only five may be tried.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_ins_sent_all_at_once_try_no_more_than_five_passphrases() {
    let root = tempfile::tempdir().unwrap();
    let (world, _) = ward_with_copies(root.path(), 0);
    let address = serve(&world).await;
    let mut forms = Vec::new();
    for n in 0..12 {
        let page = http::request(address, "GET", "/sign-in", &[], "").await;
        let cookie = set_cookie(&page, "bansao_sign_in").unwrap();
        let body = form(&[
            ("csrf", &csrf_field(&page.body)),
            ("official", OFFICIAL_ID),
            ("passphrase", &format!("guess number {n}")),
        ]);
        forms.push((cookie, body));
    }
    let attempts: Vec<_> = forms
        .into_iter()
        .map(|(cookie, body)| {
            tokio::spawn(async move {
                http::request(
                    address,
                    "POST",
                    "/sign-in",
                    &[format!("Cookie: bansao_sign_in={cookie}"), FORM.to_owned()],
                    &body,
                )
                .await
                .status
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for attempt in attempts {
        statuses.push(attempt.await.unwrap());
    }
    let tried = statuses.iter().filter(|status| **status == 401).count();
    assert!(
        tried <= 5,
        "{tried} passphrases were tried before the lock-out held: {statuses:?}"
    );
}

/// An official's decision reason is signed into the copy, but a record's reason is read back
/// with a limit of 2,000 bytes (`MAX_TEXT`) that nothing checks when it is written. A rejection
/// note of ~700 Vietnamese characters (or 2,100 ASCII) is signed and stored as an unreadable
/// signature: the page answers "rejected", the copy stays provisional, and its official's
/// decision slot holds a record no node can read. The note must be refused (400) before
/// anything is written, or recorded readable.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_rejection_note_is_refused_or_recorded_never_stored_unreadable() {
    let root = tempfile::tempdir().unwrap();
    let (world, ids) = ward_with_copies(root.path(), 1);
    let address = serve(&world).await;
    let session = sign_in(address).await;
    let note = "Bản chính bị tẩy xóa ở mục ngày sinh. ".repeat(60);
    let response = post(
        address,
        &session,
        &format!("/copies/{}/reject", ids[0]),
        &form(&[
            ("csrf", &session.csrf),
            ("ground", "other"),
            ("note", &note),
        ]),
    )
    .await;
    let ward = Ward::open(&world.dir("ward")).unwrap();
    let case = ward.case(ids[0]).unwrap();
    if response.status == 400 {
        assert_eq!(case.report.status, CopyStatus::Provisional);
        assert!(case.report.ignored.is_empty(), "{:?}", case.report.ignored);
    } else {
        assert!(
            case.report.ignored.is_empty(),
            "answered {} but stored an unreadable decision: {:?} (status {})",
            response.status,
            case.report.ignored,
            case.report.status
        );
        assert_eq!(case.report.status, CopyStatus::Rejected);
    }
}

/// The anomaly form's textarea is `required`, which a note of spaces passes; the ward trims it
/// and refuses it (`NoteRequired`), which the web layer maps to 500 and logs as a server
/// failure. It is the official's mistake: 400.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_anomaly_note_of_spaces_is_a_bad_request_not_a_server_error() {
    let (_root, _world, address, session, id) = a_gap_signed_in().await;
    let response = post(
        address,
        &session,
        &format!("/anomalies/{id}/resolve"),
        &form(&[("csrf", &session.csrf), ("note", "   ")]),
    )
    .await;
    assert_eq!(response.status, 400, "{}", response.body);
}

/// Two officials (or one double click) resolving the same anomaly: the second is refused by the
/// store (`AlreadyResolved`) — good, the first note stands — but it is answered 500, a server
/// failure, where it is a conflict (409) to show the official.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resolving_an_anomaly_twice_is_a_conflict_not_a_server_error() {
    let (_root, world, address, session, id) = a_gap_signed_in().await;
    let path = format!("/anomalies/{id}/resolve");
    let resolve = |note: &'static str| {
        let body = form(&[("csrf", &session.csrf), ("note", note)]);
        let (session, path) = (&session, &path);
        async move { post(address, session, path, &body).await }
    };
    assert_eq!(resolve("đã gọi ki-ốt").await.status, 303);
    let again = resolve("ghi đè ghi chú").await;
    let resolved = Ward::open(&world.dir("ward"))
        .unwrap()
        .reconciliation(entropy::now(), 7)
        .unwrap()
        .resolved_anomalies;
    assert_eq!(
        resolved[0].resolution.as_ref().unwrap().note,
        "đã gọi ki-ốt",
        "the first note stands"
    );
    // An unknown anomaly is not found.
    let unknown = post(
        address,
        &session,
        "/anomalies/987654/resolve",
        &form(&[("csrf", &session.csrf), ("note", "x")]),
    )
    .await;
    assert_eq!(unknown.status, 404);
    assert_eq!(again.status, 409, "{}", again.body);
}

/// `day=` is parsed with `[year]`, which takes a sign: `-9999-01-01` is a date, whose Vietnam
/// midnight is before the first instant `time` can hold in UTC; `day_bounds` panics on the
/// ward's worker and the page is a 500. A day out of range must be a 400.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_report_for_a_day_before_the_calendar_is_a_bad_request_not_a_panic() {
    let root = tempfile::tempdir().unwrap();
    let (world, _) = ward_with_copies(root.path(), 0);
    let address = serve(&world).await;
    let session = sign_in(address).await;
    let mut answers = Vec::new();
    for path in ["/report", "/report.csv", "/report.pdf"] {
        for day in ["-9999-01-01", "%2B9999-12-31", "0000-01-01"] {
            let response = get(address, &session, &format!("{path}?day={day}")).await;
            answers.push((format!("{path}?day={day}"), response.status));
        }
    }
    let failed: Vec<_> = answers
        .iter()
        .filter(|(_, status)| *status >= 500)
        .collect();
    assert!(failed.is_empty(), "{failed:?}");
}

/// An official id whose key file is still plain text (made before keys were locked) is answered,
/// for any passphrase and before any is tried, with a 403 naming the key file's absolute path
/// and that it is not locked; a key file others can read likewise. A stranger on the LAN learns
/// which officials exist, which keys are unprotected, and where the ward keeps its files — and
/// the failure is not even counted toward the lock-out. It must be the same 401 as a wrong
/// passphrase.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_official_whose_key_is_not_locked_gets_the_same_answer_as_a_wrong_passphrase() {
    let root = tempfile::tempdir().unwrap();
    let (world, _) = ward_with_copies(root.path(), 0);
    let officials = world.dir("ward").join("officials");
    let plain = officials.join("le-van-cuong.key");
    let pem = bansao_trust::SecretKey::from_seed([7; 32])
        .to_pkcs8_pem()
        .unwrap();
    std::fs::write(&plain, pem.as_bytes()).unwrap();
    std::fs::set_permissions(&plain, std::fs::Permissions::from_mode(0o600)).unwrap();
    let address = serve(&world).await;
    let response = try_sign_in(address, "le-van-cuong", "any passphrase at all").await;
    let ward_path = world.dir("ward").display().to_string();
    assert!(
        !response.body.contains(&ward_path),
        "the page names the ward's directory: {}",
        response.body
    );
    assert_eq!(response.status, 401, "{}", response.body);
}

/// The scans — a citizen's identity papers — are served `private, max-age=600`, overriding the
/// `no-store` every other page carries: after the official signs out, the next person at the
/// commune's shared computer opens them from the browser's cache for ten minutes, without a
/// session. They must be `no-store` like the pages that show them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scan_is_not_kept_in_the_browser_cache_after_sign_out() {
    let root = tempfile::tempdir().unwrap();
    let (world, ids) = ward_with_copies(root.path(), 1);
    let address = serve(&world).await;
    let session = sign_in(address).await;
    let scan = get(address, &session, &format!("/copies/{}/scans/0", ids[0])).await;
    assert_eq!(scan.status, 200);
    let headers = scan.headers.to_lowercase();
    assert!(
        headers.contains("cache-control: no-store"),
        "{}",
        scan.headers
    );
}

/// Issue 12: a copy whose face check the kiosk referred showed the official only a distance,
/// never the two faces; the official could not compare them. The page now shows the card
/// portrait and the live face side by side, served as JPEG with `no-store` like the scans, and
/// an event detail that is not a JPEG (a document from elsewhere) is never served.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_referred_face_shows_the_card_portrait_and_the_live_face_side_by_side() {
    use bansao_node::face_record::{FACE_IMAGES_EVENT, face_images_detail};
    let root = tempfile::tempdir().unwrap();
    let world = bansao_testkit::World::create(root.path()).unwrap();
    let mut kiosk = bansao_node::kiosk::Kiosk::open(&world.dir("kiosk")).unwrap();
    let card = image::RgbImage::from_pixel(150, 200, image::Rgb([200, 180, 160]));
    let live = image::RgbImage::from_pixel(170, 200, image::Rgb([90, 80, 70]));
    let mut ids = Vec::new();
    for detail in [
        face_images_detail(&card, &live).unwrap(),
        "card=PHN2Zz48L3N2Zz4=;live=PHN2Zz48L3N2Zz4=".to_owned(),
    ] {
        let mut request = bansao_testkit::sample_request();
        request.events.push(bansao_copy::CopyEvent {
            kind: FACE_IMAGES_EVENT.to_owned(),
            at: entropy::now(),
            by: "kiosk".to_owned(),
            detail,
        });
        let issued = kiosk.issue(request, entropy::now()).unwrap();
        ids.push(issued.document.content().copy_id);
    }
    drop(kiosk);
    world.copy_database("kiosk", "ward").unwrap();
    let address = serve(&world).await;
    let session = sign_in(address).await;
    let page = get(address, &session, &format!("/copies/{}", ids[0])).await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("id=\"face-card\"") && page.body.contains("id=\"face-live\""),
        "{}",
        page.body
    );
    assert!(
        !page.body.contains("card=/9j"),
        "the images are not printed as text"
    );
    for (side, width) in [("card", 150), ("live", 170)] {
        let image = get(
            address,
            &session,
            &format!("/copies/{}/faces/{side}", ids[0]),
        )
        .await;
        assert_eq!(image.status, 200, "{side}");
        let headers = image.headers.to_lowercase();
        assert!(headers.contains("content-type: image/jpeg"), "{headers}");
        assert!(headers.contains("cache-control: no-store"), "{headers}");
        let decoded = image::load_from_memory(&image.bytes).unwrap();
        assert_eq!((decoded.width(), decoded.height()), (width, 200));
    }
    // Not JPEG bytes, an unknown side, a copy with no images: nothing is served.
    for path in [
        format!("/copies/{}/faces/card", ids[1]),
        format!("/copies/{}/faces/other", ids[0]),
    ] {
        assert_eq!(get(address, &session, &path).await.status, 404, "{path}");
    }
}

/// Everything that is correctly refused, in one ward: forged and stale CSRF tokens, the sign-in
/// form's own token, session after sign-out, odd path segments and forms, injection in notes,
/// decisions on decided copies and conflicts one is not part of.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_odd_and_repeated_requests_are_refused_and_change_nothing() {
    let root = tempfile::tempdir().unwrap();
    let (world, ids) = ward_with_copies(root.path(), 3);
    let address = serve(&world).await;
    let one = sign_in(address).await;
    let two = sign_in(address).await;
    assert_ne!(one.csrf, two.csrf, "each session has its own token");

    // Cookie flags.
    let response = try_sign_in(address, OFFICIAL_ID, OFFICIAL_PASSPHRASE).await;
    let line = response
        .headers
        .lines()
        .find(|line| line.to_lowercase().contains("bansao_session="))
        .unwrap()
        .to_owned();
    assert!(
        line.contains("HttpOnly") && line.contains("SameSite=Strict"),
        "{line}"
    );

    // Another session's token.
    let approve = format!("/copies/{}/approve", ids[0]);
    let forged = post(address, &one, &approve, &form(&[("csrf", &two.csrf)])).await;
    assert_eq!(forged.status, 403);
    // A token of another length, a token with a prefix of the real one.
    let short = post(address, &one, &approve, &form(&[("csrf", &one.csrf[..32])])).await;
    assert_eq!(short.status, 403);
    // Repeated csrf fields: serde takes one of them; the forged one must not pass.
    let twice = post(
        address,
        &one,
        &approve,
        &format!("csrf=x&csrf={}", "0".repeat(64)),
    )
    .await;
    assert!(
        twice.status == 403 || twice.status == 422,
        "{}",
        twice.status
    );
    // No session at all: sent to sign in.
    let anonymous = http::request(
        address,
        "POST",
        &approve,
        &[FORM.to_owned()],
        &form(&[("csrf", &one.csrf)]),
    )
    .await;
    assert_eq!(anonymous.status, 303);
    assert!(anonymous.headers.contains("/sign-in"));
    // A forged session cookie.
    let fake = Session {
        cookie: "0".repeat(64),
        csrf: one.csrf.clone(),
    };
    assert_eq!(
        post(address, &fake, &approve, &form(&[("csrf", &one.csrf)]))
            .await
            .status,
        303
    );
    assert_eq!(status_of(&world, ids[0]), CopyStatus::Provisional);

    // Sign-out needs the token; then the session and its token are dead.
    let out = post(address, &two, "/sign-out", &form(&[("csrf", "nope")])).await;
    assert_eq!(out.status, 403);
    let out = post(address, &two, "/sign-out", &form(&[("csrf", &two.csrf)])).await;
    assert_eq!(out.status, 303);
    let after = post(address, &two, &approve, &form(&[("csrf", &two.csrf)])).await;
    assert_eq!(after.status, 303);
    assert!(after.headers.contains("/sign-in"));
    assert_eq!(get(address, &two, "/queue").await.status, 303);
    assert_eq!(status_of(&world, ids[0]), CopyStatus::Provisional);

    // Login CSRF: a sign-in with a token but no cookie, or another form's cookie.
    let page_a = http::request(address, "GET", "/sign-in", &[], "").await;
    let page_b = http::request(address, "GET", "/sign-in", &[], "").await;
    let crossed = http::request(
        address,
        "POST",
        "/sign-in",
        &[
            format!(
                "Cookie: bansao_sign_in={}",
                set_cookie(&page_a, "bansao_sign_in").unwrap()
            ),
            FORM.to_owned(),
        ],
        &form(&[
            ("csrf", &csrf_field(&page_b.body)),
            ("official", OFFICIAL_ID),
            ("passphrase", OFFICIAL_PASSPHRASE),
        ]),
    )
    .await;
    assert_eq!(crossed.status, 403);
    let empty = http::request(
        address,
        "POST",
        "/sign-in",
        &["Cookie: bansao_sign_in=".to_owned(), FORM.to_owned()],
        &form(&[
            ("csrf", ""),
            ("official", OFFICIAL_ID),
            ("passphrase", OFFICIAL_PASSPHRASE),
        ]),
    )
    .await;
    assert_eq!(empty.status, 403);
    // Ids in another case or with path characters are not officials (and the answer is the same).
    for id in ["NGUYEN-VAN-BINH", "../node", "nguyen-van-binh/", "a"] {
        let response = try_sign_in(address, id, OFFICIAL_PASSPHRASE).await;
        assert_eq!(response.status, 401, "{id}");
        assert!(set_cookie(&response, "bansao_session").is_none());
    }
    // Leading and trailing spaces are trimmed: the same official (and the same lock-out).
    let spaced = try_sign_in(address, " nguyen-van-binh ", OFFICIAL_PASSPHRASE).await;
    assert_eq!(spaced.status, 303);

    // Odd addresses: never a 500.
    for path in [
        "/copies/not-a-ulid".to_owned(),
        format!("/copies/{}/scans/99", ids[0]),
        format!("/copies/{}/scans/-1", ids[0]),
        format!("/copies/{}/scans/{}", ids[0], "9".repeat(40)),
        "/copies/00000000000000000000000000/scans/0".to_owned(),
        "/copies/7ZZZZZZZZZZZZZZZZZZZZZZZZZ".to_owned(),
        "/copies/00000000000000000000000000/pdf".to_owned(),
        "/copies/%FF%FE".to_owned(),
        "/reconcile?days=-99999999999".to_owned(),
        "/reconcile?days=x".to_owned(),
        "/queue?kind=%3Cscript%3E".to_owned(),
        "/queue?flags=all".to_owned(),
        "/queue?kiosk=%00".to_owned(),
        "/report?day=2026-02-30".to_owned(),
        "/report?day=%FF".to_owned(),
        format!("/report?day={}", "9".repeat(5000)),
    ] {
        let response = get(address, &one, &path).await;
        assert!(
            (200..500).contains(&response.status),
            "{path}: {}",
            response.status
        );
        assert!(!response.body.contains("<script>"), "{path}");
    }
    for (path, body) in [
        (
            "/anomalies/abc/resolve".to_owned(),
            form(&[("csrf", &one.csrf), ("note", "x")]),
        ),
        (
            format!("/anomalies/{}/resolve", i64::MIN),
            form(&[("csrf", &one.csrf), ("note", "x")]),
        ),
        (
            format!("/copies/{}/reject", ids[0]),
            form(&[("csrf", &one.csrf), ("ground", "<b>")]),
        ),
        (
            format!("/copies/{}/reject", ids[0]),
            form(&[("csrf", &one.csrf), ("ground", "other"), ("note", "  ")]),
        ),
        (
            format!("/copies/{}/resolve", ids[0]),
            form(&[("csrf", &one.csrf), ("decision", "approve")]),
        ),
        (
            format!("/copies/{}/resolve", ids[0]),
            form(&[("csrf", &one.csrf), ("decision", "register")]),
        ),
        (
            "/queue/approve-clean".to_owned(),
            form(&[("csrf", &one.csrf), ("copy", "../../x")]),
        ),
        (
            "/queue/approve-clean".to_owned(),
            format!("csrf={}&min_confidence=99999999", one.csrf),
        ),
        (
            format!("/copies/{}/reject", ids[0]),
            format!("csrf={}&ground=%FF%FE&note=x", one.csrf),
        ),
    ] {
        let response = post(address, &one, &path, &body).await;
        assert!(
            (400..500).contains(&response.status),
            "{path} {body}: {} {}",
            response.status,
            response.body
        );
    }
    // Raw non-UTF-8 bytes in the path and the form.
    let mut request = format!(
        "POST /copies/{}/reject HTTP/1.1\r\nHost: x\r\nConnection: close\r\n{}\r\n{FORM}\r\n",
        ids[0],
        one.header()
    )
    .into_bytes();
    let body = format!("csrf={}&note=x&ground=\u{0}", one.csrf).into_bytes();
    let mut body = body;
    body.extend_from_slice(&[0xff, 0xfe, b'%', b'Z']);
    request.extend_from_slice(format!("Content-Length: {}\r\n\r\n", body.len()).as_bytes());
    request.extend_from_slice(&body);
    let status = raw(address, &request).await;
    assert!((400..500).contains(&status), "{status}");
    let status = raw(
        address,
        b"GET /copies/\xff\xfe HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert!((300..500).contains(&status), "{status}");
    assert_eq!(status_of(&world, ids[0]), CopyStatus::Provisional);

    // Script in a note is shown as text; the record keeps the words.
    let note = "<script>alert(1)</script>\"><img src=x onerror=alert(1)>";
    let rejected = post(
        address,
        &one,
        &format!("/copies/{}/reject", ids[1]),
        &form(&[("csrf", &one.csrf), ("ground", "other"), ("note", note)]),
    )
    .await;
    assert_eq!(rejected.status, 303, "{}", rejected.body);
    let page = get(address, &one, &format!("/copies/{}", ids[1])).await;
    assert!(!page.body.contains("<script>alert"), "{}", page.body);
    assert!(!page.body.contains("<img src=x"), "{}", page.body);
    assert!(page.body.contains("&#60;script&#62;alert"), "{}", page.body);
    // Decided once: approving or rejecting it again is a conflict, nothing written.
    let again = post(
        address,
        &one,
        &format!("/copies/{}/approve", ids[1]),
        &form(&[("csrf", &one.csrf)]),
    )
    .await;
    assert_eq!(again.status, 409);
    assert_eq!(status_of(&world, ids[1]), CopyStatus::Rejected);
    // Batch approval of the rejected copy, an unknown one and the same one twice: skipped.
    let batch = post(
        address,
        &one,
        "/queue/approve-clean",
        &format!(
            "csrf={}&copy={}&copy={}&copy=00000000000000000000000000",
            one.csrf, ids[1], ids[1]
        ),
    )
    .await;
    assert_eq!(batch.status, 200, "{}", batch.body);
    assert!(
        batch.body.contains("id=\"approved-count\">0<"),
        "{}",
        batch.body
    );
    assert_eq!(status_of(&world, ids[1]), CopyStatus::Rejected);
    // The flagged copy (the citizen's correction) is not batch-approved by naming it.
    let flagged = post(
        address,
        &one,
        "/queue/approve-clean",
        &format!("csrf={}&copy={}&min_confidence=0", one.csrf, ids[2]),
    )
    .await;
    assert_eq!(flagged.status, 200);
    assert_eq!(status_of(&world, ids[2]), CopyStatus::Provisional);

    // The PDF's name is the parsed copy id only.
    let pdf = get(address, &one, &format!("/copies/{}/pdf", ids[1])).await;
    assert!(
        pdf.headers
            .contains(&format!("filename=\"{}.pdf\"", ids[1])),
        "{}",
        pdf.headers
    );
}
