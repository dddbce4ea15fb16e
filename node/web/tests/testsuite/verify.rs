//! The public verify page: QR text, the sealed PDF, a tampered PDF (one changed byte), a photo
//! of the QR, and every bad upload we could think of (a huge body, not an image, a PDF bomb, a
//! huge image, garbage text): each gets a clear page and the node keeps serving.

use std::io::Write;

use bansao_testkit::world::{STAFF_ID, STAFF_PASSPHRASE};

use crate::browser::Browser;
use crate::http::{self, multipart_file};
use crate::world::{
    approve_at_ward, city_with_staff, qr_text_of, serve_city, serve_verify, ward_with_copies,
};

fn write_temp(dir: &std::path::Path, name: &str, bytes: &[u8]) -> String {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path.display().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_qr_text_of_a_copy_counter_signed_since_it_was_printed_says_both() {
    let root = tempfile::tempdir().unwrap();
    let (world, ids) = ward_with_copies(root.path(), 2);
    let (_, number) = approve_at_ward(&world, ids[0]);
    let address = serve_verify(&world, "ward").await;
    let browser = Browser::start().await;

    browser
        .client
        .goto(&format!("http://{address}/"))
        .await
        .unwrap();
    browser.wait_for_path("/verify").await;
    browser.screenshot("verify-form").await;
    browser
        .type_into("#qr-text", &qr_text_of(&world, ids[0]))
        .await;
    browser.click("#verify-text").await;
    let headline = browser.text_of("#headline").await;
    assert!(headline.contains("BẢN SAO HỢP LỆ"), "{headline}");
    let chain = browser.text_of("#chain").await;
    assert!(chain.contains("KIOSK-BENCH-01"), "{chain}");
    assert!(chain.contains("chỉ chứng minh việc cấp"), "{chain}");
    let now = browser.text_of("#known-now").await;
    assert!(
        now.contains("Đã được cán bộ tư pháp ký duyệt"),
        "the node knows the approval since: {now}"
    );
    assert!(now.contains(&number), "with its number {number}: {now}");
    assert!(now.contains("Nguyễn Văn Bình"), "{now}");
    browser
        .screenshot("verify-qr-text-countersigned-since")
        .await;

    // The other copy is still provisional here.
    browser
        .type_into("#qr-text", &qr_text_of(&world, ids[1]))
        .await;
    browser.click("#verify-text").await;
    browser
        .wait_for_text("Chưa có cán bộ tư pháp ký chứng thực")
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sealed_pdf_verifies_and_one_changed_byte_makes_it_tampered() {
    let root = tempfile::tempdir().unwrap();
    let (world, ids) = ward_with_copies(root.path(), 1);
    let (pdf, number) = approve_at_ward(&world, ids[0]);
    let address = serve_verify(&world, "ward").await;
    let browser = Browser::start().await;
    let files = tempfile::tempdir().unwrap();

    browser
        .client
        .goto(&format!("http://{address}/verify"))
        .await
        .unwrap();
    let genuine = write_temp(files.path(), "copy.pdf", &pdf);
    browser
        .client
        .find(fantoccini::Locator::Css("#pdf-file"))
        .await
        .unwrap()
        .send_keys(&genuine)
        .await
        .unwrap();
    browser.click("#verify-pdf").await;
    let headline = browser.text_of("#headline").await;
    assert!(headline.contains("BẢN SAO HỢP LỆ"), "{headline}");
    assert!(headline.contains("countersigned"), "{headline}");
    let chain = browser.text_of("#chain").await;
    assert!(
        chain.contains(&format!("số chứng thực {number}")),
        "counter-signed by whom with which number: {chain}"
    );
    assert!(chain.contains("Nguyễn Văn Bình"), "{chain}");
    assert!(chain.contains("Chưa đăng ký tại thành phố"), "{chain}");
    browser.screenshot("verify-pdf-countersigned").await;

    // One byte changed in the middle of the file (not in the seal's own text).
    let mut tampered = pdf.clone();
    let middle = tampered.len() / 2;
    tampered[middle] ^= 0x01;
    let tampered_path = write_temp(files.path(), "tampered.pdf", &tampered);
    browser
        .client
        .goto(&format!("http://{address}/verify"))
        .await
        .unwrap();
    browser
        .client
        .find(fantoccini::Locator::Css("#pdf-file"))
        .await
        .unwrap()
        .send_keys(&tampered_path)
        .await
        .unwrap();
    browser.click("#verify-pdf").await;
    let headline = browser.text_of("#headline").await;
    assert!(headline.contains("ĐÃ BỊ SỬA ĐỔI"), "{headline}");
    let verdict = browser
        .client
        .find(fantoccini::Locator::Css("#verdict"))
        .await
        .unwrap()
        .attr("data-verdict")
        .await
        .unwrap();
    assert_eq!(verdict.as_deref(), Some("tampered"));
    browser.screenshot("verify-pdf-tampered").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_photo_of_the_qr_is_read_as_the_kiosk_reads_a_card() {
    let root = tempfile::tempdir().unwrap();
    let (world, ids) = ward_with_copies(root.path(), 1);
    let address = serve_verify(&world, "ward").await;
    let png = bansao_artifact::qr_png(&qr_text_of(&world, ids[0]), 6).unwrap();
    let (content_type, body) = multipart_file(&png, "photo.png");
    let page = http::request_bytes(
        address,
        "POST",
        "/verify/file",
        &[format!("Content-Type: {content_type}")],
        &body,
    )
    .await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body.contains("data-verdict=\"genuine\""),
        "{}",
        page.body
    );
    assert!(page.body.contains("ảnh chụp mã QR"), "{}", page.body);
}

fn huge_png_header() -> Vec<u8> {
    // A PNG whose header says 60,000 × 60,000 pixels (3.6 gigapixels), and nothing after it.
    let mut ihdr = b"IHDR".to_vec();
    ihdr.extend_from_slice(&60_000u32.to_be_bytes());
    ihdr.extend_from_slice(&60_000u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 0, 0, 0, 0]);
    let mut crc = flate2::Crc::new();
    crc.update(&ihdr);
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend_from_slice(&13u32.to_be_bytes());
    png.extend_from_slice(&ihdr);
    png.extend_from_slice(&crc.sum().to_be_bytes());
    png
}

fn pdf_bomb() -> Vec<u8> {
    // An object stream and an embedded file that each inflate to 1 GiB of zeros from ~1 MB,
    // in a file that claims to carry a bansao seal.
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..1024 {
        encoder.write_all(&zeros).unwrap();
    }
    let stream = encoder.finish().unwrap();
    let mut pdf = b"%PDF-1.7\n".to_vec();
    let mut offsets = Vec::new();
    for (number, dictionary) in [
        (1, "<< /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode"),
        (2, "<< /Type /EmbeddedFile /Filter /FlateDecode"),
    ] {
        offsets.push(pdf.len());
        pdf.extend_from_slice(
            format!(
                "{number} 0 obj\n{dictionary} /Length {} >>\nstream\n",
                stream.len()
            )
            .as_bytes(),
        );
        pdf.extend_from_slice(&stream);
        pdf.extend_from_slice(b"\nendstream\nendobj\n");
    }
    offsets.push(pdf.len());
    pdf.extend_from_slice(
        b"3 0 obj\n<< /Type /Catalog /BansaoSeal 2 0 R /Names << /EmbeddedFiles << /Names [(bansao-copy.cbor) << /Type /Filespec /F (bansao-copy.cbor) /EF << /F 2 0 R >> >>] >> >> >>\nendobj\n",
    );
    let xref = pdf.len();
    pdf.extend_from_slice(b"xref\n0 4\n0000000000 65535 f \n");
    for offset in offsets {
        pdf.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    pdf.extend_from_slice(
        format!("trailer\n<< /Size 4 /Root 3 0 R >>\nstartxref\n{xref}\n%%EOF\n").as_bytes(),
    );
    pdf
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_uploads_get_a_clear_page_and_the_node_keeps_serving() {
    let root = tempfile::tempdir().unwrap();
    let (world, _) = ward_with_copies(root.path(), 0);
    let address = serve_verify(&world, "ward").await;

    let upload = |bytes: Vec<u8>, name: &'static str| async move {
        let (content_type, body) = multipart_file(&bytes, name);
        http::request_bytes(
            address,
            "POST",
            "/verify/file",
            &[format!("Content-Type: {content_type}")],
            &body,
        )
        .await
    };
    let blank = {
        let mut png = Vec::new();
        image::DynamicImage::new_luma8(400, 300)
            .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
            .unwrap();
        png
    };
    let cases: Vec<(&str, Vec<u8>, u16, &str)> = vec![
        ("huge body", vec![0u8; 41 * 1024 * 1024], 413, "Tệp quá lớn"),
        (
            "not an image",
            b"GIF89a this is not what we take".to_vec(),
            422,
            "không phải PDF hay ảnh PNG/JPEG",
        ),
        ("empty file", Vec::new(), 400, "Chưa chọn tệp"),
        (
            "a truncated png",
            blank[..blank.len() / 2].to_vec(),
            422,
            "Không mở được ảnh",
        ),
        (
            "a png whose header claims 3.6 gigapixels",
            huge_png_header(),
            422,
            "Không mở được ảnh",
        ),
        ("a photo with no code", blank, 422, "Không đọc được mã QR"),
        (
            "a plain pdf",
            b"%PDF-1.7\n1 0 obj << >> endobj\n%%EOF\n".to_vec(),
            422,
            "không phải bản sao chứng thực",
        ),
    ];
    for (what, bytes, status, says) in cases {
        let page = upload(bytes, "upload.bin").await;
        assert_eq!(page.status, status, "{what}: {}", page.body);
        assert!(page.body.contains(says), "{what}: {}", page.body);
        assert!(page.body.contains("id=\"problem\""), "{what}");
    }

    // A PDF bomb: a verdict of tampered or a refusal, within seconds, never the node's memory.
    let started = std::time::Instant::now();
    let page = upload(pdf_bomb(), "bomb.pdf").await;
    assert!(
        matches!(page.status, 200 | 422),
        "the bomb: {} {}",
        page.status,
        page.body
    );
    assert!(
        page.body.contains("data-verdict=\"tampered\"")
            || page.body.contains("không phải bản sao chứng thực"),
        "the bomb: {}",
        page.body
    );
    assert!(
        started.elapsed() < std::time::Duration::from_secs(60),
        "the bomb took {:?}",
        started.elapsed()
    );

    // Text that is not a code, and too much of it.
    for (what, text, says) in [
        (
            "garbage",
            "hello, is this genuine?".to_owned(),
            "không phải mã QR",
        ),
        ("empty", "   ".to_owned(), "Chưa dán"),
        (
            "too long",
            format!("BS1:{}", "A".repeat(5000)),
            "không phải mã QR",
        ),
        ("too big a body", "A".repeat(64 * 1024), "không đọc được"),
    ] {
        let body = http::form(&[("qr", &text)]);
        let page = http::request(
            address,
            "POST",
            "/verify",
            &["Content-Type: application/x-www-form-urlencoded".to_owned()],
            &body,
        )
        .await;
        assert!(
            (400..500).contains(&page.status),
            "{what}: {} {}",
            page.status,
            page.body
        );
        assert!(
            page.body.contains(says) || page.body.contains("Tệp quá lớn"),
            "{what}: {}",
            page.body
        );
    }

    let page = http::request(address, "GET", "/verify", &[], "").await;
    assert_eq!(page.status, 200, "the node still serves");
    assert!(
        page.headers.contains("content-security-policy"),
        "{}",
        page.headers
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_copy_revoked_on_the_city_pages_then_verifies_as_revoked() {
    let root = tempfile::tempdir().unwrap();
    let (world, ids) = city_with_staff(root.path(), 1);
    let address = serve_city(&world).await;
    let browser = Browser::start().await;
    let qr = qr_text_of(&world, ids[0]);

    // Before: genuine (provisional).
    browser
        .client
        .goto(&format!("http://{address}/verify"))
        .await
        .unwrap();
    browser.type_into("#qr-text", &qr).await;
    browser.click("#verify-text").await;
    let headline = browser.text_of("#headline").await;
    assert!(headline.contains("BẢN SAO HỢP LỆ"), "{headline}");

    browser.sign_in(address, STAFF_ID, STAFF_PASSPHRASE).await;
    browser.wait_for_path("/keys").await;
    browser
        .type_into("#revoke-copy-id", &ids[0].to_string())
        .await;
    browser
        .type_into("#revoke-copy-reason", "Bản gốc giả mạo (forged original)")
        .await;
    browser.click("#revoke-copy").await;
    browser.wait_for_text("Đã thu hồi bản sao").await;
    let text = browser.text().await;
    assert!(
        text.contains(&ids[0].to_string()),
        "listed as revoked: {text}"
    );
    browser.screenshot("city-copy-revoked").await;

    // Revoking it again is refused, and both are in the audit trail.
    let city = bansao_node::city::City::open(&world.dir("city")).unwrap();
    assert!(
        city.trust()
            .unwrap()
            .copy_revocation(&ids[0].to_string())
            .is_some(),
        "the published trust.cbor revokes it"
    );
    browser
        .client
        .goto(&format!("http://{address}/audit"))
        .await
        .unwrap();
    let text = browser.text().await;
    assert!(text.contains("Thu hồi bản sao (revoke copy)"), "{text}");
    assert!(text.contains("forged original"), "{text}");
    browser.screenshot("city-audit-revocation").await;

    browser
        .client
        .goto(&format!("http://{address}/verify"))
        .await
        .unwrap();
    browser.type_into("#qr-text", &qr).await;
    browser.click("#verify-text").await;
    let headline = browser.text_of("#headline").await;
    assert!(headline.contains("ĐÃ BỊ THU HỒI"), "{headline}");
    let reason = browser.text_of("#reason").await;
    assert!(reason.contains("forged original"), "{reason}");
    browser.screenshot("verify-revoked").await;
}
