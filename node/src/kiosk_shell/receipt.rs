//! A committed copy's receipt: what it says, its ESC/POS bytes, and the printer the kiosk's
//! configuration names. Shared by `bansao kiosk issue` and the demo.

use std::net::ToSocketAddrs;
use std::time::Duration;

use bansao_hw::printer::raster::TextRenderer;
use bansao_hw::printer::{
    FilePrinter, NetworkPrinter, Paper, PrinterError, QrMode, Receipt, ReceiptPrinter,
    SerialPrinter, UsbPrinter, render,
};

use crate::config::{KioskSettings, PrinterSetting};
use crate::kiosk::{IssuedCopy, Kiosk};

/// How long a network printer may take to answer each step.
const NETWORK_PRINTER_TIMEOUT: Duration = Duration::from_secs(5);
/// The size Vietnamese lines are drawn at, in dots (about 3 mm on a 203 dpi printer).
const TEXT_SIZE: f32 = 24.0;

/// What the receipt of `copy` says.
pub fn receipt_for(kiosk: &Kiosk, copy: &IssuedCopy) -> Receipt {
    let content = copy.document.content();
    Receipt {
        kiosk: kiosk.node.config().name.clone(),
        commune: kiosk.settings.commune.name.clone(),
        copy_id: content.copy_id.to_string(),
        document_type: content.document_type.label_vi().to_owned(),
        pages: u32::try_from(content.pages.len()).unwrap_or(u32::MAX),
        fee: bansao_copy::fee::format_vnd(content.fee_vnd),
        issued_at: content.issued_at.vietnam_local(),
        qr_text: copy.qr_text.clone(),
        reprinted_at: None,
    }
}

/// The receipt as the ESC/POS bytes a thermal printer is sent, its lines drawn with the DejaVu
/// Sans the PDF artifact embeds (no system font needed).
pub fn render_receipt(receipt: &Receipt, paper_80mm: bool) -> Result<Vec<u8>, PrinterError> {
    let font = TextRenderer::from_bytes(
        bansao_artifact::DEJAVU_SANS.to_vec(),
        "DejaVuSans.ttf",
        TEXT_SIZE,
    )?;
    let paper = if paper_80mm { Paper::Mm80 } else { Paper::Mm58 };
    render(receipt, paper, &font, QrMode::Native)
}

/// The printer the configuration names, or why there is none.
pub fn configured_printer(settings: &KioskSettings) -> Result<Box<dyn ReceiptPrinter>, String> {
    match &settings.printer {
        PrinterSetting::None => {
            Err("chưa cấu hình máy in (no receipt printer configured)".to_owned())
        }
        PrinterSetting::File(path) => Ok(Box::new(FilePrinter::new(path))),
        PrinterSetting::Network(address) => {
            let resolved = address
                .to_socket_addrs()
                .map_err(|error| {
                    format!("không tìm thấy máy in {address} (cannot resolve the printer): {error}")
                })?
                .next()
                .ok_or_else(|| format!("không tìm thấy máy in {address} (no address)"))?;
            Ok(Box::new(NetworkPrinter::new(
                resolved,
                NETWORK_PRINTER_TIMEOUT,
            )))
        }
        PrinterSetting::Usb {
            vendor_id,
            product_id,
        } => Ok(Box::new(UsbPrinter::new(*vendor_id, *product_id))),
        PrinterSetting::Serial { path, baud_rate } => {
            Ok(Box::new(SerialPrinter::new(path, *baud_rate)))
        }
    }
}
