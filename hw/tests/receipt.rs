//! Receipts as ESC/POS streams, and the file and network printer drivers.

#![allow(clippy::unwrap_used)]

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::time::Duration;

use bansao_hw::printer::raster::TextRenderer;
use bansao_hw::printer::{
    FilePrinter, NetworkPrinter, Paper, PrinterError, PrinterState, QrMode, Receipt,
    ReceiptPrinter, render,
};
use expect_test::expect;
use sha2::{Digest, Sha256};

/// Debian's DejaVu Sans (package fonts-dejavu-core, installed by deploy/setup.sh).
const FONT: &str = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";

fn renderer() -> TextRenderer {
    TextRenderer::from_file(Path::new(FONT), 24.0).unwrap()
}

fn receipt() -> Receipt {
    Receipt {
        reprinted_at: None,
        kiosk: "Ki-ốt Nhà văn hóa thôn Đông".to_owned(),
        commune: "Xã Tân Lập".to_owned(),
        copy_id: "01M84JWJ7G6GHHRNYQC1V4CM94".to_owned(),
        document_type: "Giấy khai sinh".to_owned(),
        pages: 3,
        fee: "5.000".to_owned(),
        issued_at: "23/11/2026 14:05".to_owned(),
        qr_text: "HC1:6BF+70790T9WJWG.FKY*4GO0.O1CV2 O5 N2FBBRW1*70HS8WY04AC*WIFN0AHCD8KD97TK0F90KECTHGWJC0FDC:5AIA%G7X+AQB9746HS80:54IBQF60R6$A80X6S1VAGM%RGA1*Q9*W2S9".to_owned(),
    }
}

/// The stream as a listing of its commands (rasters as size, black dots and a hash).
fn listing(stream: &[u8]) -> String {
    let mut out = Vec::new();
    let mut i = 0;
    let byte = |i: usize| stream.get(i).copied().unwrap_or(0) as usize;
    while i < stream.len() {
        match (byte(i), byte(i + 1), byte(i + 2)) {
            (0x1B, 0x40, _) => {
                out.push("ESC @ initialise".to_owned());
                i += 2;
            }
            (0x1B, 0x61, n) => {
                out.push(format!("ESC a {n} justify"));
                i += 3;
            }
            (0x1B, 0x64, n) => {
                out.push(format!("ESC d {n} feed lines"));
                i += 3;
            }
            (0x0A, _, _) => {
                out.push("LF".to_owned());
                i += 1;
            }
            (0x1D, 0x76, 0x30) => {
                let width = byte(i + 4) | byte(i + 5) << 8;
                let rows = byte(i + 6) | byte(i + 7) << 8;
                let data = &stream[i + 8..i + 8 + width * rows];
                let black: u32 = data.iter().map(|b| b.count_ones()).sum();
                let hash = hex::encode(&Sha256::digest(data)[..4]);
                out.push(format!(
                    "GS v 0 raster {}x{rows} dots, {black} black, {hash}",
                    width * 8
                ));
                i += 8 + width * rows;
            }
            (0x1D, 0x28, 0x6B) => {
                let length = byte(i + 3) | byte(i + 4) << 8;
                let body = &stream[i + 5..i + 5 + length];
                let what = match (body.first(), body.get(1)) {
                    (Some(49), Some(65)) => format!("QR model {}", body[2] - 48),
                    (Some(49), Some(67)) => format!("QR module {} dots", body[2]),
                    (Some(49), Some(69)) => {
                        format!(
                            "QR error correction {}",
                            ["L", "M", "Q", "H"][usize::from(body[2] - 48)]
                        )
                    }
                    (Some(49), Some(80)) => format!("QR store {} bytes", body.len() - 3),
                    (Some(49), Some(81)) => "QR print".to_owned(),
                    _ => format!("GS ( k {body:?}"),
                };
                out.push(format!("GS ( k {what}"));
                i += 5 + length;
            }
            (0x1D, 0x56, m) if m >= 65 => {
                out.push(format!("GS V {m} {} cut after feeding", byte(i + 3)));
                i += 4;
            }
            (0x1D, 0x56, m) => {
                out.push(format!("GS V {m} cut"));
                i += 3;
            }
            (other, _, _) => {
                out.push(format!("byte {other:#04x}"));
                i += 1;
            }
        }
    }
    out.join("\n")
}

#[test]
fn an_80_mm_receipt_is_raster_text_and_a_native_qr_code() {
    let stream = render(&receipt(), Paper::Mm80, &renderer(), QrMode::Native).unwrap();
    expect![[r#"
        ESC @ initialise
        ESC a 1 justify
        GS v 0 raster 576x24 dots, 1725 black, 716b5f34
        GS v 0 raster 576x24 dots, 1145 black, fce36f50
        GS v 0 raster 576x24 dots, 1636 black, 28bd16a1
        GS v 0 raster 576x48 dots, 2621 black, e0e7fa2e
        GS v 0 raster 576x24 dots, 1527 black, 2d6c8af0
        GS v 0 raster 576x24 dots, 797 black, f8efa822
        GS v 0 raster 576x24 dots, 991 black, c93153d7
        GS v 0 raster 576x24 dots, 1441 black, 8029c595
        GS v 0 raster 576x48 dots, 3703 black, 5711f86b
        ESC d 1 feed lines
        GS ( k QR model 2
        GS ( k QR module 6 dots
        GS ( k QR error correction M
        GS ( k QR store 149 bytes
        GS ( k QR print
        GS v 0 raster 576x48 dots, 2752 black, ac8915f7
        ESC d 4 feed lines
        GS V 65 0 cut after feeding"#]]
    .assert_eq(&listing(&stream));
}

#[test]
fn a_58_mm_receipt_draws_its_qr_code_when_the_printer_cannot() {
    let stream = render(&receipt(), Paper::Mm58, &renderer(), QrMode::Raster).unwrap();
    let listing = listing(&stream);
    assert!(!listing.contains("GS ( k"), "{listing}");
    assert!(
        listing
            .lines()
            .filter(|l| l.contains("raster"))
            .all(|l| l.contains("raster 384x")),
        "{listing}"
    );
    assert!(listing.starts_with("ESC @"), "{listing}");
    assert!(listing.lines().last().unwrap().contains("cut"), "{listing}");
}

#[test]
fn the_rastered_qr_code_reads_back() {
    for (width, module) in [(384, 3), (576, 5)] {
        let bitmap =
            bansao_hw::printer::raster::qr_bitmap(&receipt().qr_text, width, module).unwrap();
        let mut luma = Vec::with_capacity((bitmap.width() * bitmap.height()) as usize);
        for y in 0..bitmap.height() {
            for x in 0..bitmap.width() {
                luma.push(if bitmap.get(x, y) { 0u8 } else { 255u8 });
            }
        }
        let read = rxing::helpers::detect_in_luma(
            luma,
            bitmap.width(),
            bitmap.height(),
            Some(rxing::BarcodeFormat::QR_CODE),
        )
        .unwrap();
        assert_eq!(read.getText(), receipt().qr_text);
    }
    let too_big = bansao_hw::printer::raster::qr_bitmap(&receipt().qr_text, 384, 9).unwrap_err();
    assert!(too_big.to_string().contains("does not fit"), "{too_big}");
}

#[test]
fn vietnamese_diacritics_are_drawn_not_dropped() {
    let text = renderer();
    let plain = text.render("E e A a", 384, false);
    let marked = text.render("Ệ ệ Ẫ ẫ", 384, false);
    assert_eq!(plain.height(), marked.height(), "one line each");
    let (plain_top, plain_bottom) = ink_rows(&plain);
    let (marked_top, marked_bottom) = ink_rows(&marked);
    assert!(
        marked_top < plain_top,
        "circumflexes above the letters: {marked_top} vs {plain_top}"
    );
    assert!(
        marked_bottom > plain_bottom,
        "dots below the letters: {marked_bottom} vs {plain_bottom}"
    );
    assert!(marked.black_dots() > plain.black_dots());
    // A long line wraps instead of running off the paper.
    let long = text.render(&"Nguyễn Văn An ".repeat(20), 384, false);
    assert!(long.height() >= 4 * plain.height(), "{}", long.height());
}

/// The first and last rows with any black dot.
fn ink_rows(bitmap: &bansao_hw::printer::raster::Bitmap) -> (u32, u32) {
    let rows: Vec<u32> = (0..bitmap.height())
        .filter(|&y| (0..bitmap.width()).any(|x| bitmap.get(x, y)))
        .collect();
    (rows[0], rows[rows.len() - 1])
}

#[test]
fn a_missing_font_is_a_clear_error() {
    let error = TextRenderer::from_file(Path::new("/nonexistent/font.ttf"), 24.0).unwrap_err();
    assert!(
        error.to_string().contains("/nonexistent/font.ttf"),
        "{error}"
    );
}

#[test]
fn the_file_printer_writes_the_exact_stream_and_appends() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("receipts.escpos");
    let stream = render(&receipt(), Paper::Mm80, &renderer(), QrMode::Native).unwrap();
    let mut printer = FilePrinter::new(&path);
    assert_eq!(printer.state(), PrinterState::Ready);
    printer.print(&stream).unwrap();
    printer.print(&stream).unwrap();
    let written = std::fs::read(&path).unwrap();
    assert_eq!(written.len(), 2 * stream.len());
    assert_eq!(&written[..stream.len()], stream.as_slice());
    let mut absent = FilePrinter::new(&dir.path().join("missing-dir/receipts.escpos"));
    assert!(matches!(absent.state(), PrinterState::Offline(_)));
    assert!(matches!(
        absent.print(&stream),
        Err(PrinterError::Send { .. })
    ));
}

/// A network printer that answers every paper status request (`DLE EOT 4`) with `status` and
/// keeps the rest of what it is sent; with `drop_jobs`, it closes a job's connection after
/// reading a little of it, as a printer that drops the job does.
fn fake_network_printer_with(
    status: u8,
    drop_jobs: bool,
) -> (std::net::SocketAddr, std::thread::JoinHandle<Vec<u8>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    let thread = std::thread::spawn(move || {
        let mut printed = Vec::new();
        // First connection: the status request; second (if ready): the job and its check.
        for _ in 0..2 {
            let Ok((mut connection, _)) = listener.accept() else {
                break;
            };
            connection
                .set_read_timeout(Some(Duration::from_secs(2)))
                .unwrap();
            let mut pending = Vec::new();
            let mut buffer = [0u8; 4096];
            while let Ok(read) = connection.read(&mut buffer) {
                if read == 0 {
                    break;
                }
                if drop_jobs && pending.len() + printed.len() > 0 {
                    // Took a bit of the job, then gave up on it.
                    break;
                }
                pending.extend_from_slice(&buffer[..read]);
                let mut answered = false;
                while let Some(at) = pending.windows(3).position(|w| w == [0x10, 0x04, 0x04]) {
                    printed.extend_from_slice(&pending[..at]);
                    pending.drain(..at + 3);
                    connection.write_all(&[status]).unwrap();
                    answered = true;
                }
                if answered && pending.is_empty() {
                    break;
                }
            }
            printed.extend_from_slice(&pending);
            if status & 0x60 != 0 {
                break;
            }
        }
        printed
    });
    (address, thread)
}

fn fake_network_printer(status: u8) -> (std::net::SocketAddr, std::thread::JoinHandle<Vec<u8>>) {
    fake_network_printer_with(status, false)
}

#[test]
fn a_network_printer_that_drops_the_job_is_not_reported_as_printed() {
    let stream = render(&receipt(), Paper::Mm80, &renderer(), QrMode::Native).unwrap();
    let (address, _printed) = fake_network_printer_with(0x00, true);
    let mut printer = NetworkPrinter::new(address, Duration::from_secs(2));
    let error = printer.print(&stream).unwrap_err();
    assert!(
        matches!(error, PrinterError::NotConfirmed { .. }),
        "{error}"
    );
    assert!(error.to_string().contains("không xác nhận"), "{error}");
}

#[test]
fn a_network_printer_prints_when_ready_and_refuses_without_paper() {
    let stream = render(&receipt(), Paper::Mm80, &renderer(), QrMode::Native).unwrap();
    let (address, printed) = fake_network_printer(0x00);
    let mut printer = NetworkPrinter::new(address, Duration::from_secs(2));
    printer.print(&stream).unwrap();
    assert_eq!(printed.join().unwrap(), stream);

    let (address, printed) = fake_network_printer(0x60);
    let mut printer = NetworkPrinter::new(address, Duration::from_secs(2));
    let error = printer.print(&stream).unwrap_err();
    assert!(matches!(
        error,
        PrinterError::NotReady(PrinterState::PaperOut)
    ));
    assert!(error.to_string().starts_with("Máy in hết giấy"), "{error}");
    assert!(printed.join().unwrap().is_empty());

    let closed = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let mut printer = NetworkPrinter::new(closed, Duration::from_millis(500));
    assert!(matches!(printer.state(), PrinterState::Offline(_)));
}
