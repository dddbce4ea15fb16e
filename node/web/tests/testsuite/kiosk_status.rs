//! The kiosk's copy status screen (`/status`) in a real Chromium, against a real kiosk
//! directory whose copies were decided at the ward and synced back over loopback QUIC: a copy
//! id typed on the on-screen keyboard (a tone mark on the way, echoed), a provisional copy, a
//! copy this kiosk does not hold, a counter-signed copy's QR held up to the (simulated) camera
//! and its slip printed — first on a printer that is not there, then again —, a rejected copy
//! with its reason. Screenshots: `target/screenshots/kiosk-status-*.png`.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use bansao_copy::{CopyId, OfficialId, RejectionGround};
use bansao_node::sync::service::SyncNode;
use bansao_node::ward::Ward;
use bansao_testkit::World;
use bansao_web::KioskStatusState;

use crate::browser::Browser;
use crate::world::qr_text_of;

/// Where the kiosk's simulated printer writes (inside the kiosk directory); the directory
/// does not exist at first, so the printer is offline until a test makes it.
const PRINTER_FILE: &str = "printer/receipts.escpos";

/// A world whose kiosk issued three copies: the ward approved the first and rejected the
/// second (illegible, with a note); the kiosk then synced with the ward. The kiosk's printer
/// is a file in `printer/`, its camera a directory of frames.
async fn decided_world(root: &Path) -> (World, Vec<CopyId>, PathBuf) {
    let world = World::create(root).unwrap();
    let config_path = world
        .dir("kiosk")
        .join(bansao_node::config::CONFIG_FILE_NAME);
    let config = std::fs::read_to_string(&config_path).unwrap();
    assert!(config.contains("printer = \"none\""), "{config}");
    std::fs::write(
        &config_path,
        config.replace(
            "printer = \"none\"",
            &format!("printer = \"file:{PRINTER_FILE}\"\ncamera = \"files:frames\""),
        ),
    )
    .unwrap();
    let ids = bansao_testkit::world::issue_and_bring_to_ward(&world, 3).unwrap();
    let mut ward = Ward::open(&world.dir("ward")).unwrap();
    let official = ward
        .official(
            &OfficialId::parse(bansao_testkit::world::OFFICIAL_ID).unwrap(),
            &bansao_testkit::world::official_passphrase().unwrap(),
            bansao_node::entropy::now(),
        )
        .unwrap();
    ward.approve(ids[0], &official, bansao_node::entropy::now())
        .unwrap();
    ward.reject(
        ids[1],
        RejectionGround::Illegible,
        Some("Trang 1 bị nhòe mực, hãy mang bản chính rõ hơn"),
        &official,
        bansao_node::entropy::now(),
    )
    .unwrap();
    drop(ward);
    sync_kiosk_with_ward(&world).await;
    let frames = world.dir("kiosk").join("frames");
    std::fs::create_dir_all(&frames).unwrap();
    (world, ids, frames)
}

/// One sync round kiosk → ward over loopback QUIC, as `bansao run` makes them.
async fn sync_kiosk_with_ward(world: &World) {
    let kiosk = SyncNode::open(&world.dir("kiosk")).unwrap();
    let ward = SyncNode::open(&world.dir("ward")).unwrap();
    let endpoint = ward.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let address = endpoint.local_addr().unwrap();
    tokio::spawn({
        let ward = ward.clone();
        async move { ward.serve(endpoint).await }
    });
    let dialer = kiosk.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let outcome = kiosk
        .sync_once(&dialer, &address.to_string())
        .await
        .unwrap();
    assert!(outcome.finished, "{outcome:?}");
}

/// Serves the kiosk's status screen (as `bansao run` does on a kiosk: its configured printer
/// and camera) on a free loopback port.
async fn serve_status(world: &World) -> SocketAddr {
    let state = KioskStatusState::open(&world.dir("kiosk")).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(bansao_web::serve(
        listener,
        bansao_web::site([bansao_web::status_router(state)]),
        std::future::pending(),
    ));
    address
}

/// Presses the keyboard's key `id` and waits for the page that answers it.
async fn press(browser: &Browser, id: &str) {
    browser.click_for_new_page(&format!("#{id}")).await;
}

/// Types `text` (capitals and digits) on the keyboard, caps on.
async fn type_id(browser: &Browser, text: &str) {
    for c in text.chars() {
        press(browser, &format!("key-{}", c.to_ascii_lowercase())).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_copy_id_typed_on_the_keyboard_finds_the_copy_and_a_tone_on_the_way_is_echoed() {
    let root = tempfile::tempdir().unwrap();
    let (world, ids, _frames) = decided_world(root.path()).await;
    let address = serve_status(&world).await;
    let browser = Browser::start().await;
    browser
        .client
        .goto(&format!("http://{address}/status"))
        .await
        .unwrap();
    browser.wait_for_text("Bản sao của tôi đến đâu rồi?").await;
    browser.screenshot("kiosk-status-start").await;

    // "ma" and a ngã: the screen echoes "mã" (NFC, one character), and it is no copy id.
    press(&browser, "key-m").await;
    press(&browser, "key-a").await;
    press(&browser, "key-tone-nga").await;
    assert_eq!(browser.text_of("#kb-text").await, "mã");
    browser.screenshot("kiosk-status-keyboard-tone").await;
    press(&browser, "key-done").await;
    let problem = browser.text_of("#problem").await;
    assert!(problem.contains("“mã” không phải mã bản sao"), "{problem}");
    assert_eq!(browser.text_of("#kb-text").await, "mã", "the text is kept");
    press(&browser, "key-clear").await;
    assert_eq!(browser.text_of("#kb-text").await, "");

    // The provisional copy's id, in capitals, with a slip put right by backspace.
    press(&browser, "key-caps").await;
    let provisional = ids[2].to_string();
    type_id(&browser, &provisional[..10]).await;
    press(&browser, "key-x").await;
    press(&browser, "key-back").await;
    type_id(&browser, &provisional[10..]).await;
    assert_eq!(browser.text_of("#kb-text").await, provisional);
    browser.screenshot("kiosk-status-keyboard-id").await;
    press(&browser, "key-done").await;
    browser
        .wait_for_path(&format!("/status/copies/{provisional}"))
        .await;
    assert_eq!(answer_state(&browser).await, "provisional");
    let text = browser.text().await;
    assert!(
        text.contains("Đang chờ cán bộ tư pháp ký duyệt") && text.contains("Giấy khai sinh"),
        "{text}"
    );
    assert!(
        browser
            .client
            .find(fantoccini::Locator::Css("#print"))
            .await
            .is_err(),
        "a provisional copy cannot be printed"
    );
    browser.screenshot("kiosk-status-provisional").await;

    // A well-formed id this kiosk does not hold: ask at the commune hall.
    let unknown = CopyId::from_parts(1_700_000_000_000, 42).to_string();
    browser
        .client
        .goto(&format!("http://{address}/status/copies/{unknown}"))
        .await
        .unwrap();
    assert_eq!(answer_state(&browser).await, "not-held");
    assert!(browser.text().await.contains("hỏi tại UBND xã"));
    browser.screenshot("kiosk-status-not-held").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_counter_signed_copy_s_qr_shown_to_the_camera_prints_and_a_rejected_one_says_why() {
    let root = tempfile::tempdir().unwrap();
    let (world, ids, frames) = decided_world(root.path()).await;
    let address = serve_status(&world).await;
    let browser = Browser::start().await;
    browser
        .client
        .goto(&format!("http://{address}/status"))
        .await
        .unwrap();

    // Nothing in front of the camera yet.
    browser.click("#read-qr").await;
    browser.wait_for_text("máy ảnh").await;
    let problem = browser.text_of("#problem").await;
    assert!(problem.contains("gõ mã bản sao"), "{problem}");

    // The receipt of the approved copy held up to the camera.
    let qr_text = qr_text_of(&world, ids[0]);
    std::fs::write(
        frames.join("receipt.png"),
        bansao_artifact::qr_png(&qr_text, 6).unwrap(),
    )
    .unwrap();
    browser.click("#read-qr").await;
    browser.wait_for_path("/status/camera").await;
    assert_eq!(answer_state(&browser).await, "countersigned");
    let number = "1/".to_owned();
    let headline = browser.text_of("#headline").await;
    assert!(
        headline.contains("Đã chứng thực — số") && headline.contains(&number),
        "{headline}"
    );
    assert!(browser.text_of("#qr-verdict").await.contains("là thật"));
    assert!(browser.text().await.contains("Nguyễn Văn Bình"));
    browser.screenshot("kiosk-status-countersigned").await;

    // The printer is not there: the screen says what to do, nothing is lost.
    browser.click("#print").await;
    let problem = browser.text_of("#print-problem").await;
    assert!(
        problem.contains("Chưa in được") && problem.contains("gọi cán bộ"),
        "{problem}"
    );
    assert!(problem.contains("vẫn an toàn"), "{problem}");
    browser.screenshot("kiosk-status-print-failed").await;

    // The official plugs it in; printing again works.
    let printer_dir = world.dir("kiosk").join("printer");
    std::fs::create_dir_all(&printer_dir).unwrap();
    browser.click("#print").await;
    let printed = browser.text_of("#printed").await;
    assert!(printed.contains("Đã in bản sao số 1/"), "{printed}");
    browser.screenshot("kiosk-status-printed").await;
    let slip = std::fs::read(world.dir("kiosk").join(PRINTER_FILE)).unwrap();
    assert!(
        slip.windows(qr_text.len()).any(|w| w == qr_text.as_bytes()),
        "the slip carries the copy's QR"
    );
    assert!(slip.starts_with(b"\x1b@"), "an ESC/POS stream");

    // The rejected copy: its reason in the decree's words and the official's note.
    browser
        .client
        .goto(&format!("http://{address}/status/copies/{}", ids[1]))
        .await
        .unwrap();
    assert_eq!(answer_state(&browser).await, "rejected");
    let sentences = browser.text_of("#sentences").await;
    assert!(
        sentences.contains("Bản chính không xác định được nội dung")
            && sentences.contains("Trang 1 bị nhòe mực"),
        "{sentences}"
    );
    assert!(
        browser
            .client
            .find(fantoccini::Locator::Css("#print"))
            .await
            .is_err(),
        "a rejected copy cannot be printed"
    );
    browser.screenshot("kiosk-status-rejected").await;

    // Printing a rejected copy by a forged post is refused with the reason, nothing printed.
    let before = std::fs::metadata(world.dir("kiosk").join(PRINTER_FILE))
        .unwrap()
        .len();
    let response = crate::http::request(
        address,
        "POST",
        &format!("/status/copies/{}/print", ids[1]),
        &["Content-Type: application/x-www-form-urlencoded".to_owned()],
        "",
    )
    .await;
    assert!(
        response.body.contains("chưa được chứng thực"),
        "{}",
        response.body
    );
    assert_eq!(
        std::fs::metadata(world.dir("kiosk").join(PRINTER_FILE))
            .unwrap()
            .len(),
        before
    );
}

async fn answer_state(browser: &Browser) -> String {
    let started = std::time::Instant::now();
    loop {
        if let Ok(element) = browser
            .client
            .find(fantoccini::Locator::Css("#answer"))
            .await
            && let Ok(Some(state)) = element.attr("data-state").await
        {
            return state;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(20),
            "no answer on the page: {}",
            browser.text().await
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}
