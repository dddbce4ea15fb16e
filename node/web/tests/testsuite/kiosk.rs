//! The citizen's kiosk screen in a real headless Chromium, against a real kiosk directory, real
//! Tesseract and face models, and simulated devices fed from sample images: a whole session by
//! clicks, a correction, a refused original, the idle timeout, a printer that fails and the
//! reprint; after each, the kiosk's store is checked. Every screen is written to
//! `target/screenshots/kiosk-*.png`.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use bansao_copy::CopyId;
use bansao_node::config::PrinterSetting;
use bansao_node::kiosk::RATING_EVENT;
use bansao_node::kiosk_desk::devices::{SIMULATED_CAMERA, SIMULATED_CARD, SimulatedKit};
use bansao_node::kiosk_desk::worker::{DeskHandle, DeskOptions};
use bansao_testkit::{World, specimens};
use fantoccini::Locator;

use crate::browser::Browser;
use crate::http;

/// A kiosk whose screen is served on a loopback port.
struct KioskScreen {
    _temp: tempfile::TempDir,
    world: World,
    address: std::net::SocketAddr,
    receipt: PathBuf,
    desk: DeskHandle,
}

impl KioskScreen {
    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    fn store(&self) -> bansao_store::Store {
        bansao_store::Store::open(&self.world.dir("kiosk").join("bansao.sqlite")).unwrap()
    }

    fn copies(&self) -> u64 {
        self.store().copy_count().unwrap()
    }

    fn copy(&self, copy_id: &str) -> bansao_copy::CopyDocument {
        self.store()
            .load_copy(
                CopyId::parse(copy_id).unwrap(),
                bansao_node::entropy::new_actor().unwrap(),
            )
            .unwrap()
    }
}

fn photo(name: &str) -> image::DynamicImage {
    specimens::face_photo(name).unwrap_or_else(|error| panic!("{error:#}"))
}

/// The checkout's face models (tests run in `node/web`).
fn face_models() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.models/face")
}

/// A kiosk whose simulated scanner holds `pages` (name, bytes), whose card reader shows the
/// sample card and camera the same person; receipts go to `receipts/receipt.escpos` under the
/// kiosk's root, a directory that exists only when `printer_works`.
async fn kiosk_screen(
    pages: &[(&str, Vec<u8>)],
    printer_works: bool,
    idle_timeout: Duration,
) -> KioskScreen {
    let temp = tempfile::tempdir().unwrap();
    let root = temp.path().to_owned();
    let world = World::create(&root).unwrap();
    let inputs = root.join("samples");
    std::fs::create_dir_all(&inputs).unwrap();
    let card =
        specimens::identity_card_photo(&photo("obama.jpg"), specimens::SAMPLE_CCCD_QR).unwrap();
    std::fs::write(inputs.join(SIMULATED_CARD), card).unwrap();
    let frame = specimens::camera_frame(&photo("obama2.jpg")).unwrap();
    std::fs::write(inputs.join(SIMULATED_CAMERA), frame).unwrap();
    for (name, bytes) in pages {
        std::fs::write(inputs.join(name), bytes).unwrap();
    }
    let receipts = root.join("receipts");
    if printer_works {
        std::fs::create_dir_all(&receipts).unwrap();
    }
    let receipt = receipts.join("receipt.escpos");
    let config = bansao_node::node_dir::NodeDir::read(&world.dir("kiosk")).unwrap();
    let mut settings = config.config.kiosk().unwrap().devices.clone();
    settings.printer = PrinterSetting::File(receipt.clone());
    settings.face_models = Some(face_models());
    let mut options = DeskOptions::new(&world.dir("kiosk"));
    options.kit = Some(Box::new(SimulatedKit::new(&inputs, &settings)));
    options.settings = Some(settings);
    options.idle_timeout = Some(idle_timeout);
    let desk = DeskHandle::start(options).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let state = bansao_web::KioskState::new(desk.clone(), "Xã Tân Lập");
    tokio::spawn(bansao_web::serve(
        listener,
        bansao_web::site([bansao_web::kiosk_router(state)]),
        std::future::pending(),
    ));
    KioskScreen {
        _temp: temp,
        world,
        address,
        receipt,
        desk,
    }
}

fn sample_page() -> (&'static str, Vec<u8>) {
    ("giay-khai-sinh.png", bansao_testkit::SAMPLE_SCAN.to_vec())
}

/// Waits (up to 60 s: a page is read by Tesseract on a loaded machine) for an element `css`.
async fn wait_for_css(browser: &Browser, css: &str) {
    let started = Instant::now();
    loop {
        if browser.client.find(Locator::Css(css)).await.is_ok() {
            return;
        }
        if started.elapsed() > Duration::from_secs(60) {
            let shown = browser.text().await;
            panic!("no {css}: {shown}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits for the screen `name`.
async fn wait_for_screen(browser: &Browser, name: &str) {
    wait_for_css(browser, &format!("body[data-screen='{name}']")).await;
}

/// Clicks `css` and waits for the screen `next`.
async fn press(browser: &Browser, css: &str, next: &str) {
    browser.click(css).await;
    wait_for_screen(browser, next).await;
}

/// From the start screen to the fields screen: a birth certificate, the card read, the face
/// checked, the one page scanned; screenshots on the way when `shots`.
async fn to_the_fields(browser: &Browser, kiosk: &KioskScreen, shots: bool) {
    browser.client.goto(&kiosk.url("/")).await.unwrap();
    wait_for_screen(browser, "start").await;
    if shots {
        browser.screenshot("kiosk-1-start").await;
    }
    press(browser, "#procedure-khai-sinh", "identify").await;
    if shots {
        browser.screenshot("kiosk-2-identify").await;
    }
    press(browser, "#read-card", "face").await;
    if shots {
        browser.screenshot("kiosk-3-face").await;
    }
    press(browser, "#take-photo", "scan").await;
    if shots {
        browser.screenshot("kiosk-4-scan-first").await;
    }
    browser.click("#scan-page").await;
    wait_for_css(browser, "#done-scanning").await;
    assert!(browser.text().await.contains("Đã quét 1 trang"));
    if shots {
        browser.screenshot("kiosk-5-scan-one-page").await;
    }
    press(browser, "#done-scanning", "fields").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_whole_session_by_clicks_issues_the_copy_prints_the_receipt_and_stores_the_rating() {
    let kiosk = kiosk_screen(&[sample_page()], true, Duration::from_secs(120)).await;
    let browser = Browser::start().await;
    to_the_fields(&browser, &kiosk, true).await;
    let fields = browser.text_of("#fields").await;
    assert!(fields.contains("12/03/2015"), "{fields}");
    assert!(fields.contains("025215000123"), "{fields}");
    assert_eq!(browser.text_of("#document-type").await, "Giấy khai sinh");
    browser.screenshot("kiosk-6-fields").await;

    // The text size is a cookie set by a button, and stays across screens.
    browser.click("#text-size-3").await;
    wait_for_css(&browser, "body.text-3[data-screen='fields']").await;
    browser.screenshot("kiosk-6-fields-larger-text").await;
    browser.click("#text-size-1").await;
    wait_for_css(&browser, "body.text-1[data-screen='fields']").await;

    press(&browser, "#confirm-fields", "fee").await;
    assert_eq!(browser.text_of("#fee").await, "2.000 đồng");
    browser.screenshot("kiosk-8-fee").await;
    press(&browser, "#pay-fee", "receipt").await;
    let copy_id = browser.text_of("#copy-id").await;
    browser.text_of("#receipt-printed").await;
    browser.screenshot("kiosk-9-receipt").await;
    press(&browser, "#receipt-taken", "rating").await;
    browser.screenshot("kiosk-10-rating").await;
    press(&browser, "#rate-5", "over").await;
    assert!(browser.text_of("#outcome").await.contains(&copy_id));
    browser.screenshot("kiosk-11-thanks").await;
    press(&browser, "#back-to-start", "start").await;
    assert!(!kiosk.desk.in_session().unwrap());

    // The copy is in the kiosk's store with the face matched, the procedure and the rating.
    assert_eq!(kiosk.copies(), 1);
    let copy = kiosk.copy(&copy_id);
    assert_eq!(copy.content().fields["ngay_sinh"].value, "12/03/2015");
    let events = copy.events().unwrap();
    assert!(
        events
            .iter()
            .any(|e| e.kind == "face-check" && e.detail.starts_with("match")),
        "{events:?}"
    );
    assert!(
        events
            .iter()
            .any(|e| e.kind == "procedure" && e.detail.contains("khai-sinh")),
        "{events:?}"
    );
    let ratings: Vec<_> = events.iter().filter(|e| e.kind == RATING_EVENT).collect();
    assert_eq!(ratings.len(), 1, "{events:?}");
    assert_eq!(ratings[0].detail, "5");
    // The receipt is one ESC/POS job carrying the copy's QR text.
    let receipt = std::fs::read(&kiosk.receipt).unwrap();
    let qr = copy.kiosk_qr_text().unwrap();
    assert!(
        receipt
            .windows(qr.len())
            .any(|window| window == qr.as_bytes()),
        "the receipt carries the QR"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_correction_on_the_edit_screen_ends_up_nfc_in_the_copy_s_fields() {
    let kiosk = kiosk_screen(&[sample_page()], true, Duration::from_secs(120)).await;
    let browser = Browser::start().await;
    to_the_fields(&browser, &kiosk, false).await;
    let read = browser.text_of("#field-ho_ten .field-value").await;
    browser.click("#correct-ho_ten").await;
    wait_for_screen(&browser, "edit").await;
    browser.screenshot("kiosk-7-correct-field").await;
    // Typed on the on-screen keyboard, word by word, each mark and tone after its word.
    let keys = [
        "clear", "caps", "n", "caps", "g", "u", "y", "e", "n", "mark-ee", "tone-nga", "space",
        "caps", "v", "caps", "a", "n", "mark-aw", "space", "caps", "a", "caps", "n", "mark-aa",
    ];
    for key in keys {
        browser.click_for_new_page(&format!("#key-{key}")).await;
    }
    let typed = browser.text_of("#kb-text").await;
    assert_eq!(typed.trim(), "Nguyễn Văn Ân", "the keyboard's text");
    browser.screenshot("kiosk-7-correct-field-typed").await;
    // "Xong" is painted: the kiosk's palette once lacked the colour keyboard.css paints it with,
    // and it was white on nothing.
    let done = browser
        .client
        .find(Locator::Css("#key-done"))
        .await
        .unwrap();
    let background = done.css_value("background-color").await.unwrap();
    assert!(
        !background.is_empty() && background != "rgba(0, 0, 0, 0)" && background != "transparent",
        "Done has no background: {background}"
    );
    press(&browser, "#key-done", "fields").await;
    wait_for_css(&browser, "#field-ho_ten .corrected").await;
    let row = browser.text_of("#field-ho_ten").await;
    assert!(row.contains("Nguyễn Văn Ân"), "{row}");
    assert!(row.contains("Đã sửa"), "{row}");
    browser.screenshot("kiosk-7-field-corrected").await;
    press(&browser, "#confirm-fields", "fee").await;
    press(&browser, "#pay-fee", "receipt").await;
    let copy_id = browser.text_of("#copy-id").await;

    let field = &kiosk.copy(&copy_id).content().fields["ho_ten"].clone();
    assert_eq!(field.value, "Nguyễn Văn Ân", "stored NFC");
    assert_eq!(field.value.chars().count(), 13, "precomposed characters");
    assert_eq!(field.corrected_from.as_deref(), Some(read.as_str()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_original_ends_with_its_reason_and_nothing_issued() {
    let secret = specimens::scanned_a4_page(
        &[
            "ỦY BAN NHÂN DÂN XÃ TÂN LẬP",
            "MẬT",
            "BÁO CÁO TÌNH HÌNH AN NINH",
            "Nội dung báo cáo gồm các mục sau đây",
        ],
        0.0,
    )
    .unwrap();
    let kiosk = kiosk_screen(&[("secret.jpg", secret)], true, Duration::from_secs(120)).await;
    let browser = Browser::start().await;
    browser.client.goto(&kiosk.url("/")).await.unwrap();
    wait_for_screen(&browser, "start").await;
    press(&browser, "#procedure-any", "identify").await;
    // Without identifying: the copy would go to an official, and the screen says so.
    press(&browser, "#skip-identity", "scan").await;
    assert!(browser.text_of("#flagged").await.contains("cán bộ"));
    press(&browser, "#scan-page", "over").await;
    let reason = browser.text_of("#refusal-reason").await;
    assert!(reason.contains("MẬT"), "{reason}");
    browser.screenshot("kiosk-12-refused").await;
    assert_eq!(kiosk.copies(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_idle_timeout_clears_the_screen_and_the_session_in_memory() {
    let kiosk = kiosk_screen(&[sample_page()], true, Duration::from_secs(3)).await;
    let browser = Browser::start().await;
    browser.client.goto(&kiosk.url("/")).await.unwrap();
    wait_for_screen(&browser, "start").await;
    press(&browser, "#procedure-khai-sinh", "identify").await;
    press(&browser, "#read-card", "face").await;
    assert!(browser.text().await.contains("Nguyễn Văn Hùng MẪU"));
    assert!(kiosk.desk.in_session().unwrap());
    browser.screenshot("kiosk-13-before-idle").await;
    // Nobody touches the screen: its own refresh brings the start back, with nothing of the
    // citizen left on it or in the desk.
    wait_for_screen(&browser, "start").await;
    assert!(!browser.text().await.contains("Nguyễn Văn Hùng"));
    assert!(!kiosk.desk.in_session().unwrap());
    let card = http::request(kiosk.address, "GET", "/stills/card.jpg", &[], "").await;
    assert_eq!(card.status, 404, "the card's still is gone");
    browser.screenshot("kiosk-14-after-idle").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_printer_failure_leaves_the_copy_issued_and_the_reprint_works() {
    let kiosk = kiosk_screen(&[sample_page()], false, Duration::from_secs(120)).await;
    let browser = Browser::start().await;
    to_the_fields(&browser, &kiosk, false).await;
    press(&browser, "#confirm-fields", "fee").await;
    press(&browser, "#pay-fee", "receipt").await;
    let copy_id = browser.text_of("#copy-id").await;
    let problem = browser.text_of("#receipt-problem").await;
    assert!(problem.contains("không mất"), "{problem}");
    browser.screenshot("kiosk-15-receipt-failed").await;
    assert_eq!(kiosk.copies(), 1, "the copy is issued before its receipt");
    assert!(!kiosk.receipt.exists());

    // The official puts the printer right; the citizen presses "print again".
    std::fs::create_dir_all(kiosk.receipt.parent().unwrap()).unwrap();
    browser.click("#reprint").await;
    wait_for_css(&browser, "#receipt-printed").await;
    browser.screenshot("kiosk-16-reprinted").await;
    let receipt = std::fs::read(&kiosk.receipt).unwrap();
    assert!(!receipt.is_empty());
    assert_eq!(kiosk.copies(), 1, "the reprint issued nothing new");
    assert_eq!(kiosk.copy(&copy_id).content().copy_id.to_string(), copy_id);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forged_press_without_the_screen_s_token_is_refused() {
    let kiosk = kiosk_screen(&[sample_page()], true, Duration::from_secs(120)).await;
    let form_type = "Content-Type: application/x-www-form-urlencoded".to_owned();
    let forged = http::form(&[("csrf", "nope"), ("kind", "khai-sinh")]);
    let answer = http::request(
        kiosk.address,
        "POST",
        "/start",
        std::slice::from_ref(&form_type),
        &forged,
    )
    .await;
    assert_eq!(answer.status, 403);
    assert!(!kiosk.desk.in_session().unwrap());
    // The screen's own token starts a session.
    let page = http::request(kiosk.address, "GET", "/", &[], "").await;
    let genuine = http::form(&[
        ("csrf", &http::csrf_field(&page.body)),
        ("kind", "khai-sinh"),
    ]);
    let answer = http::request(kiosk.address, "POST", "/start", &[form_type], &genuine).await;
    assert_eq!(answer.status, 303, "{}", answer.body);
    assert!(kiosk.desk.in_session().unwrap());
}
