//! `bansao demo --dir DIR`: a whole certification day on one machine, without interaction.
//!
//! It creates a city, a ward with an official, and a kiosk with their keys as node directories
//! (`DIR/city`, `DIR/ward`, `DIR/kiosk`), issues copies of a sample birth certificate at the
//! kiosk, lets the official counter-sign and the city register, brings the decisions back to the
//! kiosk, and leaves in DIR the trust list (`trust.cbor`) and, per copy, `<id>.pdf`,
//! `<id>.qr.txt` and `<id>.qr.png`, each verified the way a citizen's verifier would, and the
//! receipt the kiosk printed, `<id>.receipt.escpos` (the ESC/POS bytes of an 80 mm printer).
//!
//! Documents move between the nodes with the real sync: the ward and the city listen on
//! loopback, and the kiosk and the ward sync with them over QUIC, as `bansao run` does.

use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use bansao_copy::{CommuneCode, CopyId, KioskId, OfficialId};
use bansao_node::city::{City, Validity};
use bansao_node::config::Commune;
use bansao_node::kiosk::Kiosk;
use bansao_node::sync::service::SyncNode;
use bansao_node::sync::stream::SessionOutcome;
use bansao_node::ward::Ward;
use bansao_node::{copies, entropy, files, verify};
use bansao_testkit::{SAMPLE_SCAN, sample_request};
use bansao_trust::Passphrase;

pub(crate) const OFFICIAL_ID: &str = "tran-thi-binh";
/// The demo official's passphrase (written to DIR/official.passphrase for the commands and pages
/// the demo suggests; a real official's is theirs alone).
pub(crate) const OFFICIAL_PASSPHRASE: &str = "bình-ký-duyệt-2026";

/// Face photos the demo makes its sample identity card and camera frame from (both of one
/// person, each showing one face).
#[derive(Debug, Clone, Default)]
pub struct DemoFaces {
    /// The card's portrait.
    pub portrait: Option<PathBuf>,
    /// The citizen in front of the camera.
    pub camera: Option<PathBuf>,
}

/// Runs the demo, writing what happens to `out`.
pub fn run(dir: &Path, faces: &DemoFaces, out: &mut dyn Write) -> anyhow::Result<()> {
    for node in ["city", "ward", "kiosk"] {
        if dir.join(node).exists() {
            bail!(
                "{} already exists: give the demo an empty or new directory",
                dir.join(node).display()
            );
        }
    }
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    say(
        out,
        "Bản trình diễn bansao — một ngày chứng thực bản sao (bansao demo)",
    )?;
    say(out, "")?;
    let (mut city, official_id, trust_path) = ceremonies(dir, out)?;
    let mut kiosk = Kiosk::open(&dir.join("kiosk"))?;
    let issued = issue_offline(dir, &mut kiosk, out)?;
    let network = DemoNetwork::start(&dir.join("ward"), &dir.join("city"))?;
    let ward = review_at_ward(dir, &network, &official_id, &issued, out)?;
    register_at_city(dir, &network, &mut city, &issued, out)?;
    flow_back(dir, &network, &kiosk, &issued, out)?;
    export_and_verify(dir, &mut city, &ward, &kiosk, &issued, &trust_path, out)?;
    say(out, "")?;
    say(
        out,
        &format!(
            "Xong. Kiểm tra một bản sao bất kỳ: bansao verify --trust {} {}",
            trust_path.display(),
            dir.join(format!("{}.pdf", issued[0].0)).display()
        ),
    )?;
    let samples = write_samples(dir, faces)?;
    say(
        out,
        "Mẫu để thử một phiên ki-ốt (samples for a kiosk session, `bansao kiosk issue`):",
    )?;
    for sample in &samples {
        say(out, &format!("   {}", sample.display()))?;
    }
    say(out, "Done. Every file above is in the demo directory.")?;
    Ok(())
}

pub(crate) fn say(out: &mut dyn Write, line: &str) -> std::io::Result<()> {
    writeln!(out, "{line}")
}

/// Steps 1–3: the city, the ward, its kiosk and official, by the real ceremonies; the trust
/// list written to `DIR/trust.cbor`.
pub(crate) fn ceremonies(
    dir: &Path,
    out: &mut dyn Write,
) -> anyhow::Result<(City, OfficialId, PathBuf)> {
    let validity = Validity::default();
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
        code: CommuneCode::parse("00001")?,
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
        &KioskId::parse("KIOSK-TANLAP-01")?,
        "Ki-ốt Nhà văn hóa thôn Đông",
        entropy::now(),
        validity,
    )?;
    let official_id = OfficialId::parse(OFFICIAL_ID)?;
    let passphrase = Passphrase::new(OFFICIAL_PASSPHRASE.to_owned())?;
    files::write_atomic(
        &dir.join("official.passphrase"),
        format!("{OFFICIAL_PASSPHRASE}\n").as_bytes(),
        0o600,
    )?;
    city.certify_official(
        &ward,
        &official_id,
        "Trần Thị Bình",
        &passphrase,
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

    Ok((city, official_id, trust_path))
}

/// Step 4: three copies issued offline at the kiosk, each with its receipt.
fn issue_offline(
    dir: &Path,
    kiosk: &mut Kiosk,
    out: &mut dyn Write,
) -> anyhow::Result<Vec<(CopyId, String)>> {
    say(
        out,
        "4. Ki-ốt làm việc không cần mạng: công dân xin 3 bản sao giấy khai sinh",
    )?;
    say(
        out,
        "   (the kiosk works offline: a citizen asks for 3 certified copies of a birth certificate)",
    )?;
    let mut issued: Vec<(CopyId, String)> = Vec::new();
    for number in 1..=3 {
        let copy = kiosk.issue(sample_request(), entropy::now())?;
        let content = copy.document.content();
        say(
            out,
            &format!(
                "   Bản sao {number}: mã {}, số thứ tự ki-ốt {}, {} trang, lệ phí {} đồng — đã lưu an toàn, ký tạm thời",
                content.copy_id,
                content.kiosk_sequence,
                content.pages.len(),
                bansao_copy::fee::format_vnd(content.fee_vnd)
            ),
        )?;
        let receipt = print_receipt(dir, kiosk, &copy);
        say(out, &format!("      {receipt}"))?;
        issued.push((content.copy_id, copy.qr_text));
    }

    Ok(issued)
}

/// Steps 5–6: the copies reach the ward over QUIC; the official counter-signs two of them.
fn review_at_ward(
    dir: &Path,
    network: &DemoNetwork,
    official_id: &OfficialId,
    issued: &[(CopyId, String)],
    out: &mut dyn Write,
) -> anyhow::Result<Ward> {
    say(
        out,
        "5. Có mạng trở lại: các bản sao được chuyển lên xã (the copies reach the ward)",
    )?;
    say(
        out,
        "   (xã và thành phố nhận kết nối QUIC trên máy này; ki-ốt đồng bộ như khi chạy `bansao run`)",
    )?;
    let outcome = network.sync(&dir.join("kiosk"), network.ward)?;
    say(
        out,
        &format!(
            "   Ki-ốt → xã qua QUIC: {} bản sao và {} mảnh bản chụp, {} byte (kiosk → ward over QUIC)",
            outcome.stats.documents_sent,
            outcome.stats.chunks_sent,
            outcome.stats.bytes_sent + outcome.stats.bytes_received
        ),
    )?;
    // Opened again: the ward's trust now holds the official (and its store the copies).
    let mut ward = Ward::open(&dir.join("ward"))?;
    let passphrase = Passphrase::new(OFFICIAL_PASSPHRASE.to_owned())?;
    let official = ward.official(official_id, &passphrase, entropy::now())?;
    say(
        out,
        "6. Cán bộ Trần Thị Bình xem xét và ký duyệt bản sao 1 và 2, cấp số chứng thực",
    )?;
    say(
        out,
        "   (the official reviews and counter-signs copies 1 and 2; copy 3 waits for review)",
    )?;
    let queue = ward.queue(&Default::default())?;
    say(
        out,
        &format!(
            "   Hàng chờ của xã: {} bản sao chờ duyệt (the ward's queue: copies waiting)",
            queue.waiting
        ),
    )?;
    for (index, (copy_id, _)) in issued.iter().take(2).enumerate() {
        let decided = ward.approve(*copy_id, &official, entropy::now())?;
        say(
            out,
            &format!(
                "   Bản sao {}: {} — số chứng thực {}",
                index + 1,
                decided.report.status.label_vi(),
                decided.certification_number.unwrap_or_default()
            ),
        )?;
    }
    // The close of the day so far, as the official's report page shows it.
    let report = ward.day_report(bansao_node::day_report::vietnam_day(entropy::now()))?;
    let totals = report.totals();
    say(
        out,
        &format!(
            "   Cuối ngày: cấp {}, duyệt {}, từ chối {}, lệ phí {} đồng, còn chờ {} (close of day so far)",
            totals.issued,
            totals.approved,
            totals.rejected,
            bansao_copy::fee::format_vnd(totals.fees_vnd),
            report.waiting
        ),
    )?;
    say(
        out,
        &format!(
            "   Trang của cán bộ (the official's pages): bansao run --node {} rồi mở http://{}/ — mã tran-thi-binh, mật khẩu trong {}",
            dir.join("ward").display(),
            ward.node
                .config()
                .web
                .listen
                .map_or_else(|| "off".to_owned(), |address| address.to_string()),
            dir.join("official.passphrase").display()
        ),
    )?;

    Ok(ward)
}

/// Step 7: the ward syncs up; the city registers the first copy.
fn register_at_city(
    dir: &Path,
    network: &DemoNetwork,
    city: &mut City,
    issued: &[(CopyId, String)],
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    say(
        out,
        "7. Xã đồng bộ lên thành phố; thành phố đăng ký bản sao 1 (the ward syncs up; the city registers copy 1)",
    )?;
    let outcome = network.sync(&dir.join("ward"), network.city)?;
    say(
        out,
        &format!(
            "   Xã → thành phố qua QUIC: {} bản sao (ward → city over QUIC)",
            outcome.stats.documents_sent
        ),
    )?;
    let decided = city.register(issued[0].0, entropy::now())?;
    say(
        out,
        &format!("   Bản sao 1: {}", decided.report.status.label_vi()),
    )?;
    Ok(())
}

/// Step 8: the signatures flow back down to the ward and the kiosk.
fn flow_back(
    dir: &Path,
    network: &DemoNetwork,
    kiosk: &Kiosk,
    issued: &[(CopyId, String)],
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let actor = entropy::new_actor()?;
    say(
        out,
        "8. Chữ ký duyệt và đăng ký được gửi ngược về xã và ki-ốt (signatures flow back down)",
    )?;
    network.sync(&dir.join("ward"), network.city)?;
    network.sync(&dir.join("kiosk"), network.ward)?;
    for (index, (copy_id, _)) in issued.iter().enumerate() {
        let document = kiosk.store().load_copy(*copy_id, actor.clone())?;
        say(
            out,
            &format!(
                "   Ki-ốt thấy bản sao {}: {}",
                index + 1,
                copies::status_report(&document, kiosk.trust())?
                    .status
                    .label_vi()
            ),
        )?;
    }

    Ok(())
}

/// Step 9: each copy's sealed PDF and QR files, sealed by its newest replica, verified with
/// `trust.cbor` only, as a citizen's verifier would.
fn export_and_verify(
    dir: &Path,
    city: &mut City,
    ward: &Ward,
    kiosk: &Kiosk,
    issued: &[(CopyId, String)],
    trust_path: &Path,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let city_trust = city.trust()?;
    let registrar_key = city.registrar_key()?;
    let actor = entropy::new_actor()?;
    say(
        out,
        "9. Xuất bản sao điện tử (PDF/A có niêm phong), mã QR, và kiểm tra lại như người nhận",
    )?;
    say(
        out,
        "   (export sealed PDF/A copies and QR codes, then verify them offline with trust.cbor only)",
    )?;
    let verifier = verify::load_trust(trust_path)?;
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
                let node = &ward.node;
                let document = node.store.load_copy(*copy_id, actor.clone())?;
                copies::render_artifact(
                    &document,
                    qr_text,
                    &node.store,
                    &node.trust,
                    &node.key,
                    now,
                )?
            }
            _ => {
                let document = kiosk.store().load_copy(*copy_id, actor.clone())?;
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
    Ok(())
}

/// Prints the copy's receipt on the demo's receipt printer: a file of ESC/POS bytes,
/// `DIR/<copy id>.receipt.escpos`, exactly what a thermal printer would be sent. The copy is
/// already committed; a receipt that cannot be printed is reported, not fatal.
fn print_receipt(dir: &Path, kiosk: &Kiosk, copy: &bansao_node::kiosk::IssuedCopy) -> String {
    use bansao_hw::printer::{FilePrinter, ReceiptPrinter};
    use bansao_node::kiosk_shell::receipt::{receipt_for, render_receipt};
    let path = dir.join(format!(
        "{}.receipt.escpos",
        copy.document.content().copy_id
    ));
    let printed = render_receipt(&receipt_for(kiosk, copy), true)
        .and_then(|stream| FilePrinter::new(&path).print(&stream));
    match printed {
        Ok(()) => format!("Biên nhận đã in (receipt printed): {}", path.display()),
        Err(error) => format!("Chưa in được biên nhận (receipt not printed): {error}"),
    }
}

/// Sample inputs for `bansao kiosk issue` in `DIR/samples`: the sample scan, and, when face
/// photos are given, a made-up identity card with the first as its portrait and a camera frame
/// of the second. Returns the files written.
pub(crate) fn write_samples(dir: &Path, faces: &DemoFaces) -> anyhow::Result<Vec<PathBuf>> {
    let samples = dir.join("samples");
    std::fs::create_dir_all(&samples)?;
    let mut written = vec![samples.join("giay-khai-sinh.png")];
    files::write_atomic(&written[0], SAMPLE_SCAN, 0o644)?;
    if let (Some(portrait), Some(camera)) = (&faces.portrait, &faces.camera) {
        let open = |path: &Path| -> anyhow::Result<image::DynamicImage> {
            image::load_from_memory(&files::read(path)?)
                .with_context(|| format!("{} is not a photo", path.display()))
        };
        let card = bansao_testkit::specimens::identity_card_photo(
            &open(portrait)?,
            bansao_testkit::specimens::SAMPLE_CCCD_QR,
        )?;
        let frame = bansao_testkit::specimens::camera_frame(&open(camera)?)?;
        for (name, bytes) in [("cccd.jpg", card), ("camera.jpg", frame)] {
            let path = samples.join(name);
            files::write_atomic(&path, &bytes, 0o644)?;
            written.push(path);
        }
    }
    Ok(written)
}

/// The demo's network: the ward and the city listen on loopback; nodes sync with them over QUIC
/// exactly as `bansao run` and `bansao sync` do.
struct DemoNetwork {
    runtime: tokio::runtime::Runtime,
    ward: SocketAddr,
    city: SocketAddr,
}

impl DemoNetwork {
    fn start(ward_dir: &Path, city_dir: &Path) -> anyhow::Result<DemoNetwork> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()?;
        let loopback = SocketAddr::from(([127, 0, 0, 1], 0));
        let mut addresses = Vec::new();
        for dir in [ward_dir, city_dir] {
            let node = SyncNode::open(dir)?;
            let endpoint = runtime.block_on(async { node.bind(loopback) })?;
            addresses.push(endpoint.local_addr()?);
            runtime.spawn(async move { node.serve(endpoint).await });
        }
        Ok(DemoNetwork {
            runtime,
            ward: addresses[0],
            city: addresses[1],
        })
    }

    /// One round of sync from the node in `dir` to `peer`; an unfinished round is an error.
    fn sync(&self, dir: &Path, peer: SocketAddr) -> anyhow::Result<SessionOutcome> {
        let node = SyncNode::open(dir)?;
        let outcome = self.runtime.block_on(async {
            let endpoint = node.bind(SocketAddr::from(([127, 0, 0, 1], 0)))?;
            let outcome = node.sync_once(&endpoint, &peer.to_string()).await;
            endpoint.wait_idle().await;
            Ok::<_, anyhow::Error>(outcome?)
        })?;
        if let Some(error) = &outcome.error {
            bail!("sync from {} did not finish: {error}", dir.display());
        }
        Ok(outcome)
    }
}
