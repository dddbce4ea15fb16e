//! `bansao demo --dir DIR`: a whole certification day on one machine, without interaction.
//!
//! It creates a city, a ward with an official, and a kiosk with their keys as node directories
//! (`DIR/city`, `DIR/ward`, `DIR/kiosk`), issues copies of a sample birth certificate at the
//! kiosk, lets the official counter-sign and the city register, brings the decisions back to the
//! kiosk, and leaves in DIR the trust list (`trust.cbor`) and, per copy, `<id>.pdf`,
//! `<id>.qr.txt` and `<id>.qr.png`, each verified the way a citizen's verifier would.
//!
//! Until the sync engine lands, documents move between the node directories in-process (the
//! same merge the sync will perform); the demo says so where it happens.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use anyhow::{Context, bail};
use bansao_copy::{CopyDocument, CopyId, Decision, DocumentType, ExtractedField};
use bansao_store::Store;
use bansao_trust::TrustContext;

use crate::city::{City, Validity, Ward};
use crate::config::Commune;
use crate::kiosk::{IssueRequest, Kiosk};
use crate::{copies, entropy, files, verify};

/// The sample scan shipped with bansao (a synthetic birth certificate; see `node/assets`).
pub const SAMPLE_SCAN: &[u8] = include_bytes!("../assets/sample-scan-giay-khai-sinh.png");

const OFFICIAL_ID: &str = "tran-thi-binh";

fn sample_fields() -> BTreeMap<String, ExtractedField> {
    let field =
        |value: &str, confidence_permille: u16, corrected_from: Option<&str>| ExtractedField {
            value: value.to_owned(),
            confidence_permille,
            corrected_from: corrected_from.map(str::to_owned),
        };
    [
        ("ho_ten", field("NGUYỄN VĂN AN", 958, Some("NGUYÊN VĂN AN"))),
        ("ngay_sinh", field("12/03/2015", 981, None)),
        ("gioi_tinh", field("Nam", 990, None)),
        ("noi_sinh", field("Trạm Y tế xã Tân Lập", 934, None)),
        ("ho_ten_me", field("TRẦN THỊ HOA", 962, None)),
        ("ho_ten_cha", field("NGUYỄN VĂN BÌNH", 955, None)),
    ]
    .into_iter()
    .map(|(name, value)| (name.to_owned(), value))
    .collect()
}

/// Runs the demo, writing what happens to `out`.
pub fn run(dir: &Path, out: &mut dyn Write) -> anyhow::Result<()> {
    for node in ["city", "ward", "kiosk"] {
        if dir.join(node).exists() {
            bail!(
                "{} already exists: give the demo an empty or new directory",
                dir.join(node).display()
            );
        }
    }
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let validity = Validity::default();
    let say = |out: &mut dyn Write, line: &str| writeln!(out, "{line}");

    say(
        out,
        "Bản trình diễn bansao — một ngày chứng thực bản sao (bansao demo)",
    )?;
    say(out, "")?;
    say(
        out,
        "1. Thành phố tạo khóa gốc và khóa đăng ký (the city creates its root and registrar keys)",
    )?;
    let mut city = City::init(
        &dir.join("city"),
        "Sở Tư pháp Thành phố Hà Nội",
        entropy::now(),
        validity,
    )?;
    say(
        out,
        &format!("   Thư mục thành phố: {}", city.dir().display()),
    )?;

    say(
        out,
        "2. Thành phố cấp chứng thư cho UBND xã Tân Lập (the city certifies the ward)",
    )?;
    let commune = Commune {
        code: "00001".to_owned(),
        name: "Xã Tân Lập".to_owned(),
    };
    city.certify_ward(
        &dir.join("ward"),
        &commune,
        "UBND xã Tân Lập",
        entropy::now(),
        validity,
    )?;
    let ward = Ward::open(&dir.join("ward"))?;

    say(
        out,
        "3. Xã cấp chứng thư cho ki-ốt ở nhà văn hóa thôn Đông và cho cán bộ tư pháp Trần Thị Bình",
    )?;
    say(
        out,
        "   (the ward certifies a kiosk and an official; the city adds them to the trust list)",
    )?;
    city.certify_kiosk(
        &ward,
        &dir.join("kiosk"),
        "KIOSK-TANLAP-01",
        "Ki-ốt Nhà văn hóa thôn Đông",
        entropy::now(),
        validity,
    )?;
    city.certify_official(
        &ward,
        OFFICIAL_ID,
        "Trần Thị Bình",
        entropy::now(),
        validity,
    )?;
    // The kiosk learns of the official through the trust list (the sync will carry it).
    city.distribute(&[&dir.join("ward"), &dir.join("kiosk")])?;
    let trust_path = dir.join("trust.cbor");
    files::write_atomic(&trust_path, &city.bundle()?, 0o644)?;
    let trust = city.trust()?;
    say(
        out,
        &format!(
            "   Danh sách tin cậy có {} khóa, đã ký bởi khóa gốc thành phố: {}",
            trust.trust_list().certificates.len() + 1,
            trust_path.display()
        ),
    )?;

    say(
        out,
        "4. Ki-ốt làm việc không cần mạng: công dân xin 3 bản sao giấy khai sinh",
    )?;
    say(
        out,
        "   (the kiosk works offline: a citizen asks for 3 certified copies of a birth certificate)",
    )?;
    let mut kiosk = Kiosk::open(&dir.join("kiosk"))?;
    let mut issued: Vec<(CopyId, String)> = Vec::new();
    for number in 1..=3 {
        let copy = kiosk.issue(
            IssueRequest {
                document_type: DocumentType::BirthCertificate,
                fields: sample_fields(),
                scans: vec![SAMPLE_SCAN.to_vec()],
            },
            entropy::now(),
        )?;
        let content = copy.document.content();
        say(
            out,
            &format!(
                "   Bản sao {number}: mã {}, số thứ tự ki-ốt {}, {} trang, lệ phí {} đồng — đã lưu an toàn, ký tạm thời",
                content.copy_id,
                content.kiosk_sequence,
                content.pages.len(),
                format_vnd(content.fee_vnd)
            ),
        )?;
        issued.push((content.copy_id, copy.qr_text));
    }

    say(
        out,
        "5. Có mạng trở lại: các bản sao được chuyển lên xã (the copies reach the ward)",
    )?;
    say(
        out,
        "   (trong bản này dữ liệu được chuyển trực tiếp giữa các thư mục; đồng bộ QUIC sẽ thay thế bước này)",
    )?;
    let ward_trust = TrustContext::from_bundle(&files::read(&ward.config.paths.trust)?)?;
    let mut ward_store = Store::open(&ward.config.paths.database)?;
    let actor = entropy::new_actor()?;
    for (copy_id, _) in &issued {
        transfer(&kiosk.store, &mut ward_store, *copy_id, &ward_trust)?;
    }

    let (official_key_path, _) = ward.official_files(OFFICIAL_ID);
    let official_key = files::read_secret_key(&official_key_path)?;
    say(
        out,
        "6. Cán bộ Trần Thị Bình xem xét và ký duyệt bản sao 1 và 2, cấp số chứng thực",
    )?;
    say(
        out,
        "   (the official reviews and counter-signs copies 1 and 2; copy 3 waits for review)",
    )?;
    for (index, (copy_id, _)) in issued.iter().take(2).enumerate() {
        let number = format!("{:04}/2026/SCBS", index + 1);
        let report = copies::decide(
            &mut ward_store,
            copies::DecisionRequest {
                copy_id: *copy_id,
                decision: Decision::Approve,
                reason: None,
                certification_number: Some(number.clone()),
            },
            &official_key,
            &ward_trust,
            actor.clone(),
            entropy::now(),
        )?;
        say(
            out,
            &format!(
                "   Bản sao {}: {} — số chứng thực {number}",
                index + 1,
                report.status.label_vi()
            ),
        )?;
    }

    say(
        out,
        "7. Thành phố nhận bản sao 1 và đăng ký (the city registers copy 1)",
    )?;
    let city_trust = city.trust()?;
    let registrar_key = city.registrar_key()?;
    transfer(&ward_store, city.store_mut(), issued[0].0, &city_trust)?;
    let report = copies::decide(
        city.store_mut(),
        copies::DecisionRequest {
            copy_id: issued[0].0,
            decision: Decision::Register,
            reason: None,
            certification_number: None,
        },
        &registrar_key,
        &city_trust,
        actor.clone(),
        entropy::now(),
    )?;
    say(out, &format!("   Bản sao 1: {}", report.status.label_vi()))?;

    say(
        out,
        "8. Chữ ký duyệt và đăng ký được gửi ngược về xã và ki-ốt (signatures flow back down)",
    )?;
    transfer(city.store_mut(), &mut ward_store, issued[0].0, &ward_trust)?;
    for (copy_id, _) in &issued {
        transfer(&ward_store, &mut kiosk.store, *copy_id, &kiosk.trust)?;
    }
    for (index, (copy_id, _)) in issued.iter().enumerate() {
        let document = kiosk.store.load_copy(*copy_id, actor.clone())?;
        say(
            out,
            &format!(
                "   Ki-ốt thấy bản sao {}: {}",
                index + 1,
                copies::status_report(&document, &kiosk.trust)?
                    .status
                    .label_vi()
            ),
        )?;
    }

    say(
        out,
        "9. Xuất bản sao điện tử (PDF/A có niêm phong), mã QR, và kiểm tra lại như người nhận",
    )?;
    say(
        out,
        "   (export sealed PDF/A copies and QR codes, then verify them offline with trust.cbor only)",
    )?;
    let verifier = verify::load_trust(&trust_path)?;
    let ward_key = files::read_secret_key(&ward.config.paths.key)?;
    for (index, (copy_id, qr_text)) in issued.iter().enumerate() {
        // The newest replica seals the file: the city for copy 1, the ward for 2, the kiosk for 3.
        let now = entropy::now();
        let pdf = match index {
            0 => {
                let document = city.store_mut().load_copy(*copy_id, actor.clone())?;
                copies::render_artifact(
                    &document,
                    qr_text,
                    city.store_mut(),
                    &city_trust,
                    &registrar_key,
                    now,
                )?
            }
            1 => {
                let document = ward_store.load_copy(*copy_id, actor.clone())?;
                copies::render_artifact(
                    &document,
                    qr_text,
                    &ward_store,
                    &ward_trust,
                    &ward_key,
                    now,
                )?
            }
            _ => {
                let document = kiosk.store.load_copy(*copy_id, actor.clone())?;
                kiosk.render_artifact(&document, qr_text, now)?
            }
        };
        let pdf_path = dir.join(format!("{copy_id}.pdf"));
        let qr_text_path = dir.join(format!("{copy_id}.qr.txt"));
        let qr_png_path = dir.join(format!("{copy_id}.qr.png"));
        files::write_atomic(&pdf_path, &pdf, 0o644)?;
        files::write_atomic(&qr_text_path, format!("{qr_text}\n").as_bytes(), 0o644)?;
        files::write_atomic(&qr_png_path, &bansao_artifact::qr_png(qr_text, 6)?, 0o644)?;
        let from_pdf = verify::verify_pdf(&pdf, &verifier)?;
        let (_, from_png) = verify::verify_input(&qr_png_path.to_string_lossy(), &verifier)?;
        say(
            out,
            &format!("   Bản sao {}: {}", index + 1, pdf_path.display()),
        )?;
        say(
            out,
            &format!("      Kiểm tra tệp PDF: {}", from_pdf.verdict.headline()),
        )?;
        say(
            out,
            &format!("      Kiểm tra ảnh mã QR: {}", from_png.verdict.headline()),
        )?;
    }
    say(out, "")?;
    say(
        out,
        &format!(
            "Xong. Kiểm tra một bản sao bất kỳ: bansao verify --trust {} {}",
            trust_path.display(),
            dir.join(format!("{}.pdf", issued[0].0)).display()
        ),
    )?;
    say(out, "Done. Every file above is in the demo directory.")?;
    Ok(())
}

/// Hands a copy from one node's database to another's (what the sync engine will do).
fn transfer(
    from: &Store,
    to: &mut Store,
    copy_id: CopyId,
    trust: &TrustContext,
) -> anyhow::Result<CopyDocument> {
    let actor = entropy::new_actor()?;
    let mut document = from.load_copy(copy_id, actor.clone())?;
    let bytes = document.save();
    let mut received = copies::receive_copy(to, &bytes, trust, actor, entropy::now())?;
    // Scans travel with the copy.
    for page in &received.content().pages.clone() {
        if to.blob(&page.sha256)?.is_none() {
            let scan = from
                .blob(&page.sha256)?
                .context("the sending node lacks a scan of its own copy")?;
            to.put_blob(page, &scan)?;
        }
    }
    let _ = received.heads();
    Ok(received)
}

/// 12000 → "12.000" (Vietnamese thousands separator).
pub fn format_vnd(amount: u64) -> String {
    let digits = amount.to_string();
    let mut out = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            out.push('.');
        }
        out.push(digit);
    }
    out
}
