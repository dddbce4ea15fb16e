//! `bansao kiosk issue` end to end: a kiosk directory, real Tesseract, real face models, real
//! SQLite, simulated devices fed with generated scans, identity cards made from real face
//! photos, and the receipt printed to a file. Every refusal and device failure is a clear
//! outcome with nothing stored.

use std::path::{Path, PathBuf};

use bansao_copy::CopyId;
use bansao_node::entropy;
use bansao_store::Store;
use bansao_testkit::specimens;
use serde_json::Value;

/// The recognition benchmark's floor on fields read exactly right, each part, on the few
/// originals the test reads (the whole set is measured by the bench: see BENCHMARKS.md).
const FIELD_FLOOR: f64 = 0.5;

/// The originals the recognition test reads: the clean first copy of every kind and layout,
/// and marks to refuse and not to refuse, in both parts (the whole set takes minutes).
const RECOGNITION_SAMPLE: &str = "/clean/0,mark/mat-over-header,mark/mat-corner,mark/toi-mat,mark/tuyet-mat,mark/mat-bang,mark/sao-y";

/// The steps of a whole issue session, in order, as its timings name them.
const SESSION_STEPS: [&str; 7] = [
    "identify",
    "face",
    "scan_and_check",
    "recognise",
    "sign_and_store",
    "pdf",
    "receipt",
];

struct Kiosk {
    _temp: tempfile::TempDir,
    root: PathBuf,
}

impl Kiosk {
    fn dir(&self) -> PathBuf {
        self.root.join("kiosk")
    }

    fn file(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let path = self.root.join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }

    /// The sample scan, written as `page.png`.
    fn sample_scan(&self) -> PathBuf {
        self.file("page.png", bansao_testkit::SAMPLE_SCAN)
    }

    fn store(&self) -> Store {
        Store::open(&self.dir().join("bansao.sqlite")).unwrap()
    }

    fn copies(&self) -> usize {
        usize::try_from(self.store().copy_count().unwrap()).unwrap()
    }

    /// The copy the JSON of an issue names, as the kiosk's database holds it.
    fn stored_copy(&self, json: &Value) -> bansao_copy::CopyDocument {
        let copy_id = CopyId::parse(&text(json, "copy_id")).unwrap();
        self.store()
            .load_copy(copy_id, entropy::new_actor().unwrap())
            .unwrap()
    }

    /// Runs `bansao kiosk SUBCOMMAND --node KIOSK ARGS...` as text; returns the exit code and
    /// what it printed (standard output, then standard error).
    fn run_text(&self, subcommand: &str, args: &[&str]) -> (u8, String) {
        let node = self.dir();
        let mut full = vec![
            "bansao",
            "kiosk",
            subcommand,
            "--node",
            node.to_str().unwrap(),
        ];
        full.extend_from_slice(args);
        run_cli(&full)
    }

    /// Runs `bansao kiosk issue --scan SCAN [--face FACE]... --id-photo CARD EXTRA...`; returns
    /// the exit code and the JSON.
    fn issue_checked(
        &self,
        scan: &Path,
        faces: &[&Path],
        card: &Path,
        extra: &[&str],
    ) -> (u8, Value) {
        let mut args = vec!["--scan", scan.to_str().unwrap()];
        for face in faces {
            args.extend(["--face", face.to_str().unwrap()]);
        }
        args.extend(["--id-photo", card.to_str().unwrap()]);
        args.extend_from_slice(extra);
        self.issue(&args)
    }

    /// Runs `bansao kiosk issue` with these arguments; returns the exit code and the JSON.
    fn issue(&self, args: &[&str]) -> (u8, Value) {
        let node = self.dir();
        let mut full = vec!["bansao", "kiosk", "issue", "--json", "--node"];
        full.push(node.to_str().unwrap());
        full.extend_from_slice(args);
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let code = bansao::cli::execute(full, &mut out, &mut err);
        let text = String::from_utf8(out).unwrap();
        let json = serde_json::from_str(&text).unwrap_or_else(|error| {
            panic!("{error}: {text}\nstderr: {}", String::from_utf8_lossy(&err))
        });
        (code, json)
    }
}

/// A city, a ward and its kiosk as real node directories (the benchmarks' world).
fn kiosk() -> Kiosk {
    let temp = tempfile::tempdir().unwrap();
    let root = temp.path().to_owned();
    bansao_testkit::World::create(&root).unwrap();
    Kiosk { _temp: temp, root }
}

fn photo(name: &str) -> image::DynamicImage {
    specimens::face_photo(name).unwrap_or_else(|error| panic!("{error:#}"))
}

/// The sample card (Obama's portrait, a made-up citizen) and a camera frame of `who`.
fn card_and_camera(kiosk: &Kiosk, who: &str) -> (PathBuf, PathBuf) {
    let card =
        specimens::identity_card_photo(&photo("obama.jpg"), specimens::SAMPLE_CCCD_QR).unwrap();
    let frame = specimens::camera_frame(&photo(who)).unwrap();
    (
        kiosk.file("cccd.jpg", &card),
        kiosk.file(&format!("camera-{who}"), &frame),
    )
}

/// A kiosk with the sample card, a camera frame of `who` and the sample scan on file: the
/// kiosk, the card, the frame and the scan.
fn kiosk_with_citizen(who: &str) -> (Kiosk, PathBuf, PathBuf, PathBuf) {
    let kiosk = kiosk();
    let (card, camera) = card_and_camera(&kiosk, who);
    let scan = kiosk.sample_scan();
    (kiosk, card, camera, scan)
}

fn text(json: &Value, key: &str) -> String {
    json[key].as_str().unwrap_or_default().to_owned()
}

/// The session ended with exit code 1 and `outcome`, for a reason that says `reason`, and the
/// kiosk stored no copy.
fn assert_nothing_issued(kiosk: &Kiosk, (code, json): &(u8, Value), outcome: &str, reason: &str) {
    assert_eq!(*code, 1, "{json:#}");
    assert_eq!(text(json, "outcome"), outcome, "{json:#}");
    assert!(text(json, "reason").contains(reason), "{json:#}");
    assert_eq!(kiosk.copies(), 0);
}

#[test]
fn a_citizen_is_identified_matched_and_leaves_with_a_copy_a_pdf_and_a_receipt() {
    let (kiosk, card, camera, scan) = kiosk_with_citizen("obama2.jpg");
    let receipt = kiosk.root.join("receipt.escpos");
    let (code, json) = kiosk.issue_checked(
        &scan,
        &[&camera],
        &card,
        &[
            "--receipt",
            receipt.to_str().unwrap(),
            "--set",
            "ho_ten_cha=NGUYỄN VĂN HÙNG",
        ],
    );
    assert_eq!(code, 0, "{json:#}");
    assert_eq!(text(&json, "outcome"), "issued");
    assert_eq!(text(&json, "document_type"), "khai-sinh");
    assert_eq!(json["citizen"]["number"], "025088001234");
    assert_eq!(json["face"]["outcome"], "match", "{json:#}");
    assert!(json["face"]["distance"].as_f64().unwrap() < 0.5);
    assert_eq!(json["needs_official_review"], false);
    assert_eq!(json["fields"]["Ngày sinh"], "12/03/2015");
    assert_eq!(json["fields"]["Số định danh cá nhân"], "025215000123");
    assert_eq!(json["fields"]["Giới tính"], "Nam");
    assert_eq!(
        json["fields"]["Họ, chữ đệm, tên người cha"],
        "NGUYỄN VĂN HÙNG"
    );
    let steps = crate::common::strings_of(&json["timings"], "step");
    assert_eq!(steps, SESSION_STEPS);

    // The copy is in the kiosk's database, provisional, with what the kiosk recorded.
    let document = kiosk.stored_copy(&json);
    let events = document.events().unwrap();
    assert!(
        events
            .iter()
            .any(|e| e.kind == "identity" && e.detail.contains("025088001234")),
        "{events:?}"
    );
    assert!(
        events
            .iter()
            .any(|e| e.kind == "face-check" && e.detail.starts_with("match")),
        "{events:?}"
    );
    let father = &document.content().fields["ho_ten_cha"];
    assert_eq!(father.value, "NGUYỄN VĂN HÙNG");
    // The sealed PDF verifies, and the receipt is one ESC/POS job carrying the copy's QR.
    let pdf = std::fs::read(json["artifact"].as_str().unwrap()).unwrap();
    let trust = kiosk.dir().join("trust.cbor");
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let pdf_path = kiosk.file("copy.pdf", &pdf);
    let verified = bansao::cli::execute(
        [
            "bansao",
            "verify",
            "--trust",
            trust.to_str().unwrap(),
            pdf_path.to_str().unwrap(),
        ],
        &mut out,
        &mut err,
    );
    assert_eq!(verified, 0, "{}", String::from_utf8_lossy(&out));
    let receipt = std::fs::read(&receipt).unwrap();
    assert!(receipt.starts_with(b"\x1b@"));
    let issuing_kiosk = bansao_node::kiosk::Kiosk::open(&kiosk.dir()).unwrap();
    let qr_text = bansao_node::copies::qr_text(&document, issuing_kiosk.key());
    assert!(
        receipt
            .windows(qr_text.len())
            .any(|w| w == qr_text.as_bytes())
    );
}

#[test]
fn another_persons_face_is_refused_and_nothing_is_issued() {
    let (kiosk, card, camera, scan) = kiosk_with_citizen("biden.jpg");
    let issued = kiosk.issue_checked(&scan, &[&camera], &card, &[]);
    assert_eq!(issued.1["face"]["outcome"], "no_match");
    assert_nothing_issued(&kiosk, &issued, "refused", "không khớp");
}

#[test]
fn no_face_and_two_faces_are_retried_then_refused() {
    let (kiosk, card, _, scan) = kiosk_with_citizen("obama2.jpg");
    // The camera sees the document, not a face: three attempts, then a refusal.
    let (code, json) = kiosk.issue_checked(&scan, &[&scan], &card, &[]);
    assert_eq!(code, 1);
    assert_eq!(json["face"]["outcome"], "no_face");
    assert_eq!(json["face"]["attempts"], 3);
    assert_eq!(text(&json, "outcome"), "refused");
    // Two people in front of the camera, then the citizen alone: issued on the second look.
    let (left, right) = (photo("obama2.jpg").to_rgb8(), photo("biden.jpg").to_rgb8());
    let mut both = image::RgbImage::new(
        left.width() + right.width(),
        left.height().max(right.height()),
    );
    image::imageops::replace(&mut both, &left, 0, 0);
    image::imageops::replace(&mut both, &right, i64::from(left.width()), 0);
    let two = kiosk.file(
        "two.jpg",
        &specimens::camera_frame(&image::DynamicImage::ImageRgb8(both)).unwrap(),
    );
    let alone = kiosk.file(
        "alone.jpg",
        &specimens::camera_frame(&photo("obama2.jpg")).unwrap(),
    );
    // One look is three frames: a look where every frame shows both is retried.
    let (code, json) = kiosk.issue_checked(&scan, &[&two, &two, &two, &alone], &card, &[]);
    assert_eq!(code, 0, "{json:#}");
    assert_eq!(json["face"]["attempts"], 2);
    assert!(
        json["screens"]
            .as_array()
            .unwrap()
            .iter()
            .any(|screen| screen.as_str().unwrap().contains("Chỉ một người")),
        "{json:#}"
    );
    // Without a printer configured the copy is issued and the receipt reported as not printed.
    assert_eq!(text(&json, "outcome"), "issued_without_receipt");
    assert!(text(&json, "reason").contains("máy in"), "{json:#}");
    assert_eq!(kiosk.copies(), 1);
}

#[test]
fn a_camera_that_is_not_plugged_in_ends_the_session_with_nothing_issued() {
    let (kiosk, card, _, scan) = kiosk_with_citizen("obama2.jpg");
    let issued = kiosk.issue(&[
        "--scan",
        scan.to_str().unwrap(),
        "--camera",
        "v4l2:/dev/video-bansao-none",
        "--id-photo",
        card.to_str().unwrap(),
    ]);
    assert_nothing_issued(&kiosk, &issued, "failed", "không tìm thấy máy ảnh");
}

#[test]
fn without_an_identity_card_the_copy_is_flagged_for_the_official() {
    let kiosk = kiosk();
    // An upside-down, skewed, noisy A4 scan at 300 dpi.
    let page = specimens::scanned_a4_page(&specimens::BIRTH_CERTIFICATE_LINES, 1.5).unwrap();
    let turned = image::imageops::rotate180(&image::load_from_memory(&page).unwrap().to_luma8());
    let mut bytes = Vec::new();
    image::DynamicImage::ImageLuma8(turned)
        .write_to(
            &mut std::io::Cursor::new(&mut bytes),
            image::ImageFormat::Png,
        )
        .unwrap();
    let scan = kiosk.file("upside-down.png", &bytes);
    let (code, json) = kiosk.issue(&["--scan", scan.to_str().unwrap()]);
    assert_eq!(code, 0, "{json:#}");
    assert_eq!(json["face"]["outcome"], "not_checked");
    assert_eq!(json["needs_official_review"], true);
    assert_eq!(
        json["fields"]["Họ, chữ đệm, tên"], "Nguyễn Văn An",
        "{json:#}"
    );
    assert_eq!(json["fields"]["Họ, chữ đệm, tên người mẹ"], "Trần Thị Bình");
    let document = kiosk.stored_copy(&json);
    let notes = document.notes().unwrap();
    assert!(
        notes
            .iter()
            .any(|note| note.text.contains("chưa được xác minh")),
        "{notes:?}"
    );
}

#[test]
fn refused_originals_and_bad_files_are_clear_and_store_nothing() {
    let kiosk = kiosk();
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
    let cases: Vec<(&str, Vec<u8>, &str, &str)> = vec![
        ("secret.jpg", secret, "refused", "MẬT"),
        (
            "blank.png",
            {
                let mut bytes = Vec::new();
                image::DynamicImage::ImageLuma8(image::GrayImage::from_pixel(
                    1240,
                    1754,
                    image::Luma([240]),
                ))
                .write_to(
                    &mut std::io::Cursor::new(&mut bytes),
                    image::ImageFormat::Png,
                )
                .unwrap();
                bytes
            },
            "refused",
            "trắng",
        ),
        (
            "truncated.png",
            bansao_testkit::SAMPLE_SCAN[..bansao_testkit::SAMPLE_SCAN.len() / 2].to_vec(),
            "failed",
            "hỏng",
        ),
        ("notes.txt", b"not an image".to_vec(), "failed", "PNG"),
    ];
    for (name, bytes, outcome, reason) in cases {
        let scan = kiosk.file(name, &bytes);
        let (code, json) = kiosk.issue(&["--scan", scan.to_str().unwrap()]);
        assert_eq!(code, 1, "{name}: {json:#}");
        assert_eq!(text(&json, "outcome"), outcome, "{name}: {json:#}");
        assert!(
            text(&json, "reason").contains(reason),
            "{name}: {}",
            text(&json, "reason")
        );
        assert!(json["copy_id"].is_null());
    }
    // A face photo put on the scanner is not a document: refused as illegible.
    let scan = kiosk.file(
        "face.jpg",
        &specimens::camera_frame(&photo("obama.jpg")).unwrap(),
    );
    let (code, json) = kiosk.issue(&["--scan", scan.to_str().unwrap()]);
    assert_eq!(
        (code, text(&json, "outcome")),
        (1, "refused".to_owned()),
        "{json:#}"
    );
    // A 100-megapixel PNG is refused from its header, before it is decoded.
    let huge = {
        let mut bytes = Vec::new();
        let encoder = image::codecs::png::PngEncoder::new(&mut bytes);
        image::ImageEncoder::write_image(
            encoder,
            &vec![255u8; 10_000 * 10_000],
            10_000,
            10_000,
            image::ExtendedColorType::L8,
        )
        .unwrap();
        bytes
    };
    let scan = kiosk.file("huge.png", &huge);
    let (code, json) = kiosk.issue(&["--scan", scan.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(text(&json, "reason").contains("quá lớn"), "{json:#}");
    // A scanner that is not there.
    let (code, json) = kiosk.issue(&["--scan", "/nonexistent/page.png"]);
    assert_eq!((code, text(&json, "outcome")), (1, "failed".to_owned()));
    assert!(text(&json, "reason").contains("máy quét"), "{json:#}");
    assert_eq!(kiosk.copies(), 0, "nothing stored for any of them");
}

#[test]
fn an_offline_printer_leaves_the_copy_issued() {
    let kiosk = kiosk();
    // A network printer nobody answers at.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    drop(listener);
    let config_path = kiosk.dir().join("bansao.toml");
    let config = std::fs::read_to_string(&config_path).unwrap();
    assert!(config.contains("printer = \"none\""), "{config}");
    let config = config.replacen(
        "printer = \"none\"",
        &format!("printer = \"tcp:{address}\""),
        1,
    );
    std::fs::write(&config_path, config).unwrap();
    let scan = kiosk.sample_scan();
    let (code, json) = kiosk.issue(&["--scan", scan.to_str().unwrap()]);
    assert_eq!(code, 0, "{json:#}");
    assert_eq!(text(&json, "outcome"), "issued_without_receipt");
    assert!(
        text(&json, "reason").contains("printer offline"),
        "{json:#}"
    );
    assert_eq!(kiosk.copies(), 1);
}

/// Runs a `bansao bench …` command; returns its JSON lines.
fn bench(args: &[&str]) -> Vec<Value> {
    let mut full = vec!["bansao", "bench"];
    full.extend_from_slice(args);
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = bansao::cli::execute(full, &mut out, &mut err);
    assert_eq!(code, 0, "{}", String::from_utf8_lossy(&err));
    String::from_utf8(out)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

#[test]
fn the_recognition_benchmark_scores_the_tuning_and_held_out_parts_apart() {
    let figures = bench(&[
        "recognition",
        "--generators",
        "drawn",
        "--only",
        RECOGNITION_SAMPLE,
    ]);
    let figure = |name: &str| {
        figures
            .iter()
            .find(|figure| figure["name"] == name)
            .unwrap_or_else(|| panic!("no figure {name} in {figures:?}"))
            .clone()
    };
    for part in ["tuning", "held_out"] {
        let fields = figure(&format!("field_accuracy_{part}"));
        println!("{fields}");
        assert!(fields["total"].as_u64().unwrap() > 20, "{fields}");
        // A floor under today's figure (BENCHMARKS.md), so that recognition cannot quietly get
        // worse; the issue's target (99 %) is measured by the bench, not asserted here.
        assert!(fields["value"].as_f64().unwrap() >= FIELD_FLOOR, "{fields}");
        let refusals = figure(&format!("refusals_made_{part}"));
        assert!(refusals["total"].as_u64().unwrap() >= 2, "{refusals}");
        let false_refusals = figure(&format!("false_refusal_rate_{part}"));
        assert!(false_refusals["ordinary_originals"].as_u64().unwrap() >= 3);
        let breakdown = figure(&format!("recognition_breakdown_{part}"));
        for dimension in ["kind", "field", "damage", "rotation"] {
            assert!(breakdown["by"][dimension].is_object(), "{breakdown}");
        }
    }
    // The held-out part's misses are counted, not shown: nobody tunes to them by accident.
    assert!(figure("field_accuracy_tuning")["misses"].is_array());
    assert!(figure("field_accuracy_held_out")["misses"].is_null());
    assert!(figure("recognition_page_time")["value"].as_f64().unwrap() > 0.0);
}

#[test]
fn a_recognition_benchmark_that_selects_no_original_says_so() {
    let (code, output) = run_cli(&[
        "bansao",
        "bench",
        "recognition",
        "--generators",
        "drawn",
        "--only",
        "no-such-original",
    ]);
    assert_ne!(code, 0, "{output}");
    assert!(output.contains("no-such-original"), "{output}");
}

#[test]
fn the_issue_benchmark_times_every_step_of_a_whole_session() {
    let photos = specimens::face_photos_dir();
    let dir = tempfile::tempdir().unwrap();
    let bench_dir = dir.path().join("bench");
    let figures = bench(&[
        "issue",
        "--runs",
        "1",
        "--photos",
        photos.to_str().unwrap(),
        "--dir",
        bench_dir.to_str().unwrap(),
    ]);
    let figure = &figures[0];
    assert_eq!(figure["name"], "issue_a4_page");
    assert_eq!(figure["unit"], "ms");
    assert!(figure["value"].as_f64().unwrap() > 0.0);
    for step in SESSION_STEPS {
        assert!(
            figure["steps_median_ms"][step].as_f64().is_some(),
            "{step}: {figure}"
        );
    }
    assert!(!bench_dir.exists(), "removed without --keep");
}

fn run_cli(args: &[&str]) -> (u8, String) {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = bansao::cli::execute(args.to_vec(), &mut out, &mut err);
    (
        code,
        format!(
            "{}{}",
            String::from_utf8_lossy(&out),
            String::from_utf8_lossy(&err)
        ),
    )
}

#[test]
fn a_pdf_that_cannot_be_written_is_said_and_a_reprint_writes_it_and_the_receipt() {
    let kiosk = kiosk();
    let node = kiosk.dir();
    // The artifacts folder cannot be made (a file is in its place), as a full or read-only
    // card would refuse the PDF.
    std::fs::write(node.join("artifacts"), b"in the way").unwrap();
    let scan = kiosk.sample_scan();
    let receipt = kiosk.root.join("receipt.escpos");
    let (code, output) = kiosk.run_text(
        "issue",
        &[
            "--scan",
            scan.to_str().unwrap(),
            "--receipt",
            receipt.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{output}");
    assert!(output.contains("Chưa ghi được tệp PDF"), "{output}");
    let copy_id = kiosk.store().list_copies(None, 1).unwrap()[0]
        .copy_id
        .clone();
    // Space made again: the reprint writes the PDF and prints a receipt marked as a reprint.
    std::fs::remove_file(node.join("artifacts")).unwrap();
    std::fs::create_dir(node.join("artifacts")).unwrap();
    std::fs::write(
        node.join("artifacts").join("left-over.pdf.partial"),
        b"half",
    )
    .unwrap();
    let reprint = kiosk.root.join("reprint.escpos");
    let (code, output) = kiosk.run_text(
        "reprint",
        &["--copy", &copy_id, "--receipt", reprint.to_str().unwrap()],
    );
    assert_eq!(code, 0, "{output}");
    assert!(
        node.join("artifacts")
            .join(format!("{copy_id}.pdf"))
            .is_file()
    );
    assert!(
        !node
            .join("artifacts")
            .join("left-over.pdf.partial")
            .exists()
    );
    let reprinted = std::fs::read(&reprint).unwrap();
    assert!(!reprinted.is_empty());
    assert_ne!(
        reprinted,
        std::fs::read(&receipt).unwrap(),
        "marked as a reprint"
    );
    let (code, output) = kiosk.run_text("reprint", &["--copy", "01J00000000000000000000000"]);
    assert_ne!(code, 0, "{output}");
}

#[test]
fn a_correction_of_a_field_that_does_not_exist_is_refused() {
    let kiosk = kiosk();
    let scan = kiosk.sample_scan();
    let (code, output) = kiosk.run_text(
        "issue",
        &[
            "--scan",
            scan.to_str().unwrap(),
            "--set",
            "ghi_chu=đã duyệt",
        ],
    );
    assert_ne!(code, 0, "{output}");
    assert!(output.contains("is not a field"), "{output}");
    assert_eq!(kiosk.copies(), 0);
}
