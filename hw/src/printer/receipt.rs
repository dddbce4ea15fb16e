//! A citizen's receipt and its ESC/POS rendering.
//!
//! The receipt carries the copy id, the kind of document, the pages, the fee, the time, the
//! status (provisional: the copy is signed by the kiosk and waits for an official) and the QR
//! code anyone can verify the copy with. Every text line is Vietnamese first, English second,
//! drawn as a raster image; the QR code is the printer's own (`GS ( k`, model 2), or a raster
//! image for printers without it.

use std::sync::{Arc, Mutex};

use escpos::driver::Driver;
use escpos::printer::Printer;
use escpos::utils::{JustifyMode, Protocol, QRCodeCorrectionLevel, QRCodeModel, QRCodeOption};

use crate::printer::PrinterError;
use crate::printer::raster::{TextRenderer, qr_bitmap};

/// The paper roll.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Paper {
    /// 80 mm paper: 576 dots a line at 203 dpi.
    Mm80,
    /// 58 mm paper: 384 dots a line.
    Mm58,
}

impl Paper {
    /// Printable width in dots.
    pub fn dots(self) -> u32 {
        match self {
            Paper::Mm80 => 576,
            Paper::Mm58 => 384,
        }
    }
}

/// How the QR code is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QrMode {
    /// The printer draws it (`GS ( k`, model 2, error correction M): sharp and small to send.
    Native,
    /// Drawn here as a raster image, for printers without QR support.
    Raster,
}

/// What a receipt says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    /// The kiosk (e.g. "Ki-ốt Nhà văn hóa thôn Đông").
    pub kiosk: String,
    /// The commune whose authority certifies the copy (e.g. "Xã Tân Lập").
    pub commune: String,
    /// The copy id.
    pub copy_id: String,
    /// The kind of original, in Vietnamese (e.g. "Giấy khai sinh").
    pub document_type: String,
    /// Pages copied.
    pub pages: u32,
    /// The fee in đồng as people write it (e.g. "5.000"): the fee rules are the copy's
    /// business, not the printer's.
    pub fee: String,
    /// When the copy was issued, in Vietnam's time (e.g. "23/11/2026 14:05").
    pub issued_at: String,
    /// The QR text printed on the copy.
    pub qr_text: String,
    /// When this is a reprint, when it was reprinted (Vietnam's time); printed at the top so
    /// nobody takes it for a second copy.
    pub reprinted_at: Option<String>,
}

/// The receipt's text blocks, in print order: (text, centred).
pub fn lines(receipt: &Receipt) -> Vec<(String, bool)> {
    let reprint = receipt
        .reprinted_at
        .as_ref()
        .map(|at| (format!("BẢN IN LẠI lúc {at} (reprint)"), true));
    reprint.into_iter().chain(vec![
        ("BIÊN NHẬN CHỨNG THỰC BẢN SAO".to_owned(), true),
        ("(Receipt for a certified copy)".to_owned(), true),
        (format!("{} — {}", receipt.kiosk, receipt.commune), true),
        (format!("Mã bản sao (copy id): {}", receipt.copy_id), false),
        (format!("Loại giấy tờ (document): {}", receipt.document_type), false),
        (format!("Số trang (pages): {}", receipt.pages), false),
        (format!("Lệ phí (fee): {} đồng", receipt.fee), false),
        (format!("Thời gian (time): {}", receipt.issued_at), false),
        (
            "Trạng thái: TẠM THỜI — chờ cán bộ tư pháp ký duyệt (status: provisional, awaiting the official)"
                .to_owned(),
            false,
        ),
        (
            "Quét mã QR để kiểm tra bản sao (scan the QR code to check the copy)".to_owned(),
            true,
        ),
    ])
    .collect()
}

/// Collects what the ESC/POS printer model writes, instead of sending it anywhere.
#[derive(Debug, Clone, Default)]
struct Collect(Arc<Mutex<Vec<u8>>>);

impl Driver for Collect {
    fn name(&self) -> String {
        "memory".to_owned()
    }

    fn write(&self, data: &[u8]) -> escpos::errors::Result<()> {
        match self.0.lock() {
            Ok(mut bytes) => bytes.extend_from_slice(data),
            Err(poisoned) => poisoned.into_inner().extend_from_slice(data),
        }
        Ok(())
    }

    fn read(&self, _buf: &mut [u8]) -> escpos::errors::Result<usize> {
        Ok(0)
    }

    fn flush(&self) -> escpos::errors::Result<()> {
        Ok(())
    }
}

/// Renders `receipt` for `paper` as one ESC/POS stream: initialise, the text blocks as raster
/// images, the QR code, feed and cut.
pub fn render(
    receipt: &Receipt,
    paper: Paper,
    text: &TextRenderer,
    qr: QrMode,
) -> Result<Vec<u8>, PrinterError> {
    let blocks = lines(receipt);
    let (before_qr, after_qr) = blocks.split_at(blocks.len() - 1);
    render_slip(before_qr, &receipt.qr_text, after_qr, paper, text, qr)
}

/// Renders any slip for `paper` as one ESC/POS stream: initialise, the text blocks `before_qr`
/// (text, centred) as raster images, the QR code of `qr_text`, the blocks `after_qr`, feed and
/// cut. A receipt is one such slip ([`render`]); the kiosk's status screen prints another.
pub fn render_slip(
    before_qr: &[(String, bool)],
    qr_text: &str,
    after_qr: &[(String, bool)],
    paper: Paper,
    text: &TextRenderer,
    qr: QrMode,
) -> Result<Vec<u8>, PrinterError> {
    let escpos = |error: escpos::errors::PrinterError| PrinterError::EscPos(error.to_string());
    let collected = Collect::default();
    let mut printer = Printer::new(collected.clone(), Protocol::default(), None);
    printer.init().map_err(escpos)?;
    printer.justify(JustifyMode::CENTER).map_err(escpos)?;
    for (line, centred) in before_qr {
        let image = text.render(line, paper.dots(), *centred);
        printer.custom(&image.to_escpos()).map_err(escpos)?;
    }
    printer.feeds(1).map_err(escpos)?;
    match qr {
        QrMode::Native => {
            // Module size in dots: 6 on 80 mm paper, 4 on 58 mm (a ~200-byte code stays legible).
            let size = if paper == Paper::Mm80 { 6 } else { 4 };
            printer
                .qrcode_option(
                    qr_text,
                    QRCodeOption::new(QRCodeModel::Model2, size, QRCodeCorrectionLevel::M),
                )
                .map_err(escpos)?;
        }
        QrMode::Raster => {
            let module = if paper == Paper::Mm80 { 5 } else { 3 };
            let image = qr_bitmap(qr_text, paper.dots(), module)?;
            printer.custom(&image.to_escpos()).map_err(escpos)?;
        }
    }
    for (line, centred) in after_qr {
        let image = text.render(line, paper.dots(), *centred);
        printer.custom(&image.to_escpos()).map_err(escpos)?;
    }
    printer.feeds(4).map_err(escpos)?;
    printer.print_cut().map_err(escpos)?;
    let bytes = match collected.0.lock() {
        Ok(bytes) => bytes.clone(),
        Err(poisoned) => poisoned.into_inner().clone(),
    };
    Ok(bytes)
}
