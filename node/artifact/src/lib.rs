//! The copy artifact: the PDF file a kiosk hands out as the certified digital
//! copy of a paper original ("chứng thực bản sao từ bản chính").
//!
//! One call, [`render_sealed_pdf`], turns an [`ArtifactContent`] (scanned page
//! images plus the plain, already-localised strings to show) into a sealed
//! PDF/A-3b file:
//!
//! * one A4 page per scan, scaled into the margins, with a footer naming the
//!   copy and a semi-transparent diagonal watermark ([`WATERMARK_TEXT`]);
//! * a final certification page: the commune, the statement
//!   [`STATEMENT_VI`] / [`STATEMENT_EN`], copy id, document type, time of
//!   issue, page count, status, signers, and the QR code (level Q, drawn as
//!   vector squares) with the copy id under it;
//! * the signed copy metadata embedded as the PDF/A-3 associated file
//!   `bansao-copy.cbor` (`application/cbor`, `/AFRelationship /Data`);
//! * title, language `vi` and creation date in the document information and
//!   XMP metadata;
//! * a seal: an Ed25519 signature, made by a [`Sealer`], over every byte of
//!   the file except the signature's own 128 hex digits, stored in an
//!   incremental update in the manner of a PDF signature's `/ByteRange`.
//!
//! * the exact scans embedded as associated files (`bansao-page-<n>.png|jpg`),
//!   so that a verifier can bind each page shown to the signed page hashes.
//!
//! [`open_sealed_pdf`] reads such a file back without a key (seal fields,
//! embedded metadata and scans, each scan page checked to show its scan) and [`OpenedArtifact::verify_seal`] checks the seal
//! against a key. Any changed, added or removed byte fails one or the other.
//!
//! Text is set in DejaVu Sans, compiled into the crate (`fonts/`, with its
//! licence), which covers Vietnamese.
//!
//! # Code map
//!
//! * `render` — builds the krilla document (PDF/A-3b settings, pages, metadata).
//! * `layout` — where everything goes on the scan pages and the certification page.
//! * `fonts` — the embedded faces and a small text measurer for centring and wrapping.
//! * `qr` — [`qr_matrix`] and [`qr_png`], shared by the PDF and the node's PNG.
//! * `embed` — embedding and finding `bansao-copy.cbor` and the exact scans.
//! * `binding` — checks that each scan page shows its embedded scan and nothing else.
//! * `seal` — the seal's byte layout, the signed message, the [`Sealer`] trait.
//! * `open` — [`open_sealed_pdf`] and [`OpenedArtifact`].
//! * `error` — one error enum per operation.
//!
//! Architecture Invariant: the seal covers the whole file. A verifier accepts
//! a byte range only if it starts at 0, ends at the end of the file, and
//! leaves out exactly the lowercase hex digits of the signature it carries.

mod binding;
mod embed;
mod error;
mod fonts;
mod layout;
mod open;
mod qr;
mod render;
mod report;
mod seal;

pub use embed::{METADATA_FILE_NAME, METADATA_MIME_TYPE, scan_file_name};
pub use error::{OpenError, QrError, RenderError, SealError};
pub use fonts::DEJAVU_SANS;
pub use layout::{STATEMENT_EN, STATEMENT_VI, WATERMARK_TEXT};
pub use open::{OpenedArtifact, open_sealed_pdf};
pub use qr::{QUIET_ZONE_MODULES, QrMatrix, qr_matrix, qr_png};
pub use render::DOCUMENT_LANGUAGE;
pub use report::{ReportContent, ReportTable, render_report_pdf};
pub use seal::{SEAL_DOMAIN, Sealer, seal_message};

/// Encoding of a scanned page image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageImageFormat {
    /// PNG (greyscale, RGB, with or without alpha, 8 or 16 bits).
    Png,
    /// Baseline or progressive JPEG.
    Jpeg,
}

/// One scanned page of the original.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageImage {
    /// The encoded image file.
    pub bytes: Vec<u8>,
    /// How `bytes` is encoded.
    pub format: PageImageFormat,
}

/// Everything the artifact shows or embeds. Strings are shown as given: the
/// caller localises and formats them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArtifactContent {
    /// The copy's identifier, printed on every page and under the QR code.
    pub copy_id: String,
    /// What the original is, e.g. "Giấy khai sinh (birth certificate)".
    pub document_type_label: String,
    /// The certifying commune, e.g. "UBND xã Tân Lập, tỉnh Phú Thọ".
    pub commune_label: String,
    /// When the copy was certified, in Vietnam time, e.g. "23/11/2026 16:05 (giờ Việt Nam)".
    pub issued_at_label: String,
    /// e.g. "Bản sao tạm thời — chờ ký duyệt (provisional)".
    pub status_label: String,
    /// One line per signer, e.g. "Nguyễn Thị Hoa — công chức tư pháp (kiosk officer)".
    pub signer_lines: Vec<String>,
    /// The QR payload, "BS1:..." in the Base45 alphabet (up to about 600 characters).
    pub qr_text: String,
    /// The signed copy metadata, embedded as `bansao-copy.cbor`.
    pub metadata_cbor: Vec<u8>,
    /// The document's creation date (also the embedded file's modification date).
    pub created_at: time::OffsetDateTime,
    /// The scanned pages, in order; at least one.
    pub pages: Vec<PageImage>,
}

/// Renders `content` as a PDF/A-3b file and seals it with `sealer`.
pub fn render_sealed_pdf(
    content: &ArtifactContent,
    sealer: &dyn Sealer,
) -> Result<Vec<u8>, RenderError> {
    let unsealed = render::render_unsealed_pdf(content)?;
    seal::seal_pdf(unsealed, sealer)
}
