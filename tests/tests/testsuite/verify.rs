//! `bansao verify` end to end, one test per verdict and per kind of unusable input, on the files
//! a real demo run leaves behind.

use crate::common;

use bansao_copy::qr::QrClaims;
use common::{DemoWorld, bansao, verify_json};

fn qr_text(world: &DemoWorld, copy_id: &str) -> String {
    std::fs::read_to_string(world.path(&format!("{copy_id}.qr.txt")))
        .unwrap()
        .trim()
        .to_owned()
}

#[test]
fn the_demo_leaves_every_promised_file_and_explains_itself() {
    let world = DemoWorld::new();
    for node in ["city", "ward", "kiosk"] {
        assert!(
            world.path(node).join("bansao.toml").is_file(),
            "{node} directory"
        );
    }
    assert!(world.path("trust.cbor").is_file());
    let ids = world.copy_ids();
    assert_eq!(ids.len(), 3);
    for id in &ids {
        for suffix in ["pdf", "qr.txt", "qr.png"] {
            assert!(
                world.path(&format!("{id}.{suffix}")).is_file(),
                "{id}.{suffix}"
            );
        }
        assert!(world.output.contains(id.as_str()));
        // The kiosk's receipt: an ESC/POS stream that starts by initialising the printer,
        // carries the QR code natively with the copy's QR text, and ends with a cut.
        let receipt = std::fs::read(world.path(&format!("{id}.receipt.escpos"))).unwrap();
        assert!(receipt.starts_with(&[0x1B, 0x40]), "{id}: ESC @");
        let qr_text = std::fs::read_to_string(world.path(&format!("{id}.qr.txt"))).unwrap();
        assert!(
            receipt
                .windows(qr_text.trim().len())
                .any(|window| window == qr_text.trim().as_bytes()),
            "{id}: the receipt's QR carries the copy's QR text"
        );
        assert!(receipt.windows(2).any(|w| w == [0x1D, 0x56]), "{id}: cut");
    }
    assert!(world.output.contains("Biên nhận đã in"));
    assert!(world.output.contains("Cán bộ Trần Thị Bình"));
    assert!(world.output.contains("Đã đăng ký tại thành phố"));
}

#[test]
fn genuine_copies_verify_from_pdf_qr_text_and_qr_image_with_their_status() {
    let world = DemoWorld::new();
    let ids = world.copy_ids();
    let expected = ["registered", "countersigned", "provisional"];
    for (id, status) in ids.iter().zip(expected) {
        let run = world.verify(&world.arg(&format!("{id}.pdf")));
        assert_exit!(run, 0);
        let json = run.json();
        assert_eq!(json["verdict"], "genuine");
        assert_eq!(json["status"], status, "{id}");
        assert_eq!(json["input"], "pdf");
        assert_eq!(json["copy"]["copy_id"], id.as_str());

        for (file, kind) in [("qr.txt", "qr-text"), ("qr.png", "qr-image")] {
            let run = world.verify(&world.arg(&format!("{id}.{file}")));
            assert_exit!(run, 0);
            assert_eq!(
                run.json()["status"],
                "provisional",
                "a QR proves issuance only"
            );
            assert_eq!(run.json()["input"], kind);
        }
    }
    // The human form is Vietnamese first.
    let run = bansao(&[
        "verify",
        "--trust",
        &world.trust(),
        &world.arg(&format!("{}.pdf", ids[0])),
    ]);
    assert_exit!(run, 0);
    assert!(run.stdout.starts_with("BẢN SAO HỢP LỆ"), "{}", run.stdout);
}

#[test]
fn a_changed_byte_anywhere_in_the_pdf_is_tampering() {
    let world = DemoWorld::new();
    let id = &world.copy_ids()[0];
    let original = std::fs::read(world.path(&format!("{id}.pdf"))).unwrap();
    for position in [original.len() / 3, original.len() / 2, original.len() - 40] {
        let mut changed = original.clone();
        changed[position] ^= 0x01;
        let path = world.write("changed.pdf", &changed);
        let run = world.verify(&path);
        assert_exit!(run, 1);
        assert_eq!(run.json()["verdict"], "tampered", "byte {position}");
    }
    let mut appended = original.clone();
    appended.extend_from_slice(b"\n% extra\n");
    let run = world.verify(&world.write("appended.pdf", &appended));
    run.assert_not_genuine("tampered");
}

#[test]
fn a_changed_claim_in_the_qr_is_tampering() {
    let world = DemoWorld::new();
    let text = qr_text(&world, &world.copy_ids()[0]);
    let mut cose = base45::decode(text.strip_prefix("BS1:").unwrap()).unwrap();
    let position = cose.windows(5).position(|w| w == b"00001").unwrap();
    cose[position + 4] = b'9';
    let forged = format!("BS1:{}", base45::encode(&cose));
    let run = world.verify(&world.write("forged.qr.txt", forged.as_bytes()));
    run.assert_not_genuine("tampered");
}

#[test]
fn a_code_signed_by_an_unknown_key_is_refused() {
    let world = DemoWorld::new();
    let text = qr_text(&world, &world.copy_ids()[0]);
    let claims = bansao_copy::qr::decode_qr_text(&text).unwrap().claims;
    let stranger = bansao_trust::SecretKey::from_seed([42; 32]);
    let run =
        world.verify(&world.write("stranger.qr.txt", claims.to_qr_text(&stranger).as_bytes()));
    run.assert_not_genuine("unknown-signer");
}

#[test]
fn a_code_claiming_a_time_outside_the_kiosk_certificate_is_expired() {
    let world = DemoWorld::new();
    let text = qr_text(&world, &world.copy_ids()[0]);
    let mut claims: QrClaims = bansao_copy::qr::decode_qr_text(&text).unwrap().claims;
    // Ten years on: past the kiosk certificate's five years.
    claims.issued_at =
        bansao_copy::Timestamp::from_unix(claims.issued_at.unix() + 10 * 365 * 86_400).unwrap();
    let kiosk_key = bansao_node::files::read_secret_key(&world.path("kiosk/node.key")).unwrap();
    let run = world.verify(&world.write("late.qr.txt", claims.to_qr_text(&kiosk_key).as_bytes()));
    run.assert_not_genuine("expired");
}

#[test]
fn revoking_a_copy_and_then_the_kiosk_shows_in_verification() {
    let world = DemoWorld::new();
    let ids = world.copy_ids();
    let run = world.keys(
        "revoke-copy",
        &["--copy", &ids[1], "--reason", "Cấp nhầm người"],
    );
    assert_exit!(run, 0);
    let city_trust = world.arg("city/trust.cbor");
    let run = verify_json(&city_trust, &world.arg(&format!("{}.pdf", ids[1])));
    run.assert_not_genuine("revoked");
    assert!(
        run.json()["reason"]
            .as_str()
            .unwrap()
            .contains("Cấp nhầm người")
    );
    // The other copies are unaffected.
    let run = verify_json(&city_trust, &world.arg(&format!("{}.qr.txt", ids[0])));
    assert_exit!(run, 0);

    let export = bansao(&["trust", "export", "--trust", &city_trust, "--json"]);
    let kiosk = export.json()["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["role"] == "kiosk")
        .unwrap()
        .clone();
    let run = world.revoke(kiosk["key_id"].as_str().unwrap(), "Máy bị mất");
    assert_exit!(run, 0);
    let run = verify_json(&city_trust, &world.arg(&format!("{}.qr.png", ids[0])));
    run.assert_not_genuine("revoked");
}

#[test]
fn a_code_without_a_signature_is_unsigned() {
    let world = DemoWorld::new();
    let text = qr_text(&world, &world.copy_ids()[0]);
    let cose = base45::decode(text.strip_prefix("BS1:").unwrap()).unwrap();
    // The signature is the last item: a 64-byte byte string (0x58 0x40 + 64 bytes). Empty it.
    let cut = cose.len() - 66;
    assert_eq!(&cose[cut..cut + 2], &[0x58, 0x40]);
    let mut unsigned = cose[..cut].to_vec();
    unsigned.push(0x40);
    let run = world.verify(&world.write(
        "unsigned.qr.txt",
        format!("BS1:{}", base45::encode(&unsigned)).as_bytes(),
    ));
    run.assert_not_genuine("unsigned");
}

#[test]
fn unusable_input_gets_its_own_error_and_exit_code_2() {
    let world = DemoWorld::new();
    let good = qr_text(&world, &world.copy_ids()[0]);
    // Cut inside a Base45 group (one character left over). Base45 has a space in its alphabet and
    // the verifier trims pasted text, so the cut must not leave a space at the end.
    let cut_inside_group = |cut: &usize| {
        let kept = &good[..good.len() - cut];
        (kept.len() - 4) % 3 == 1 && !kept.ends_with(' ')
    };
    let inside_group = (1..=30).find(cut_inside_group).unwrap();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("empty.txt", b"  \n".to_vec(), "empty"),
        (
            "dcc.txt",
            b"HC1:6BFOXN%TS3DH0YOJ58S S-W5HDC".to_vec(),
            "wrong-prefix",
        ),
        (
            "cut.txt",
            good.as_bytes()[..good.len() - inside_group].to_vec(),
            "invalid-base45",
        ),
        (
            "cbor.txt",
            format!("BS1:{}", base45::encode([0xff, 0xff])).into_bytes(),
            "invalid-cbor",
        ),
        (
            "cose.txt",
            format!("BS1:{}", base45::encode([0x83, 0x01, 0x02, 0x03])).into_bytes(),
            "invalid-cose",
        ),
        (
            "binary.bin",
            vec![0x00, 0xff, 0xfe, 0x80, 0x81],
            "unknown-input",
        ),
        ("blank.png", blank_png(), "no-qr-in-image"),
        (
            "plain.pdf",
            b"%PDF-1.7\n1 0 obj << >> endobj\n%%EOF\n".to_vec(),
            "not-a-sealed-copy",
        ),
    ];
    for (name, bytes, code) in cases {
        let run = world.verify(&world.write(name, &bytes));
        assert_exit!(run, 2);
        assert_eq!(run.json()["error"], code, "{name}: {}", run.stdout);
    }
    let run = world.verify(&world.arg("does-not-exist.pdf"));
    assert_exit!(run, 2);
    assert_eq!(run.json()["error"], "unreadable-input");
    // Without --json: a message on stderr, nothing on stdout.
    let run = bansao(&[
        "verify",
        "--trust",
        &world.trust(),
        &world.write("e.txt", b"HC1:X"),
    ]);
    assert_exit!(run, 2);
    run.assert_stderr_has("BS1:");
}

#[test]
fn an_unusable_trust_file_is_exit_code_3() {
    let world = DemoWorld::new();
    let input = world.arg(&format!("{}.qr.txt", world.copy_ids()[0]));
    let run = bansao(&["verify", "--trust", &world.arg("nope.cbor"), &input]);
    assert_exit!(run, 3);
    let mut trust = std::fs::read(world.path("trust.cbor")).unwrap();
    let middle = trust.len() / 2;
    trust[middle] ^= 0x40;
    let run = verify_json(&world.write("bad-trust.cbor", &trust), &input);
    assert_exit!(run, 3);
    assert_eq!(run.json()["error"], "unusable-trust-file");
}

/// A valid 16×16 white PNG: an image with no QR code in it.
fn blank_png() -> Vec<u8> {
    let mut out = Vec::new();
    let encoder = image::codecs::png::PngEncoder::new(&mut out);
    image::ImageEncoder::write_image(encoder, &[255u8; 256], 16, 16, image::ExtendedColorType::L8)
        .unwrap();
    out
}

/// A PDF made from a genuine copy's signed record with another page, sealed with `key`.
fn forged_pdf(genuine: &[u8], key: &bansao_trust::SecretKey) -> Vec<u8> {
    let opened = bansao_artifact::open_sealed_pdf(genuine).unwrap();
    let record = bansao_copy::CopyRecord::from_cbor(&opened.metadata_cbor).unwrap();
    let page = image::GrayImage::from_fn(620, 877, |x, y| {
        image::Luma([if (y / 20) % 4 == 1 && x > 60 && x < 560 {
            30
        } else {
            235
        }])
    });
    let mut bytes = std::io::Cursor::new(Vec::new());
    page.write_to(&mut bytes, image::ImageFormat::Png).unwrap();
    let content = bansao_artifact::ArtifactContent {
        copy_id: "forged".into(),
        document_type_label: "Giấy khai sinh".into(),
        commune_label: "Xã Tân Lập".into(),
        issued_at_label: "02/12/2026".into(),
        status_label: "Đã ký duyệt".into(),
        signer_lines: vec![],
        qr_text: record.qr_text.clone(),
        metadata_cbor: opened.metadata_cbor.clone(),
        created_at: time::OffsetDateTime::now_utc(),
        pages: vec![bansao_artifact::PageImage {
            bytes: bytes.into_inner(),
            format: bansao_artifact::PageImageFormat::Png,
        }],
    };
    bansao_artifact::render_sealed_pdf(&content, &bansao_node::copies::KeySealer(key)).unwrap()
}

#[test]
fn a_page_swapped_and_resealed_by_another_communes_kiosk_is_not_genuine() {
    let world = DemoWorld::new();
    let ids = world.copy_ids();
    let run = world.keys(
        "certify-ward",
        &[
            "--dir",
            &world.arg("other-ward"),
            "--commune-code",
            "00002",
            "--commune-name",
            "Xã Đông Hội",
        ],
    );
    assert_exit!(run, 0);
    let run = world.keys(
        "certify-kiosk",
        &[
            "--ward",
            &world.arg("other-ward"),
            "--dir",
            &world.arg("other-kiosk"),
            "--kiosk-id",
            "KIOSK-DONGHOI-01",
        ],
    );
    assert_exit!(run, 0);
    let trust = world.arg("city/trust.cbor");
    let genuine = std::fs::read(world.path(&format!("{}.pdf", ids[1]))).unwrap();
    let verify = |name: &str, bytes: &[u8]| {
        let path = world.write(name, bytes);
        verify_json(&trust, &path)
    };
    assert_exit!(verify("genuine.pdf", &genuine), 0);

    // Another commune's kiosk may not seal this commune's copy, whatever it shows.
    let other_kiosk =
        bansao_node::files::read_secret_key(&world.path("other-kiosk/node.key")).unwrap();
    let run = verify("other-kiosk.pdf", &forged_pdf(&genuine, &other_kiosk));
    run.assert_not_genuine("not-authorised");

    // Even the copy's own ward cannot seal a page that is not the signed scan.
    let ward = bansao_node::files::read_secret_key(&world.path("ward/node.key")).unwrap();
    let run = verify("own-ward.pdf", &forged_pdf(&genuine, &ward));
    run.assert_not_genuine("tampered");
    run.assert_stdout_has("not the scan");
}

#[test]
fn verify_reads_no_more_than_a_copy_can_be_from_an_endless_file() {
    let world = DemoWorld::new();
    let started = std::time::Instant::now();
    // /dev/zero never ends; before the limit `verify` read it until memory ran out.
    let run = world.verify("/dev/zero");
    assert_exit!(run, 2);
    assert_eq!(run.json()["error"], "too-large", "{}", run.stdout);
    assert!(started.elapsed() < std::time::Duration::from_secs(30));
}
