//! Error types, one enum per operation: [`RenderError`] for
//! [`render_sealed_pdf`](crate::render_sealed_pdf), [`OpenError`] for
//! [`open_sealed_pdf`](crate::open_sealed_pdf), [`SealError`] for
//! [`OpenedArtifact::verify_seal`](crate::OpenedArtifact::verify_seal) and
//! [`QrError`] for the QR helpers.

/// Why a copy artifact could not be rendered.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RenderError {
    /// The content has no scanned page; an artifact copies at least one page.
    #[error("the copy has no scanned page")]
    NoPages,
    /// A scanned page image could not be decoded.
    #[error("scanned page {page_number} is not a readable {format:?} image: {reason}")]
    PageImage {
        /// 1-based page number.
        page_number: usize,
        /// The format the caller declared.
        format: crate::PageImageFormat,
        /// What the image decoder said.
        reason: String,
    },
    /// The QR payload could not be encoded.
    #[error("QR code: {0}")]
    Qr(#[from] QrError),
    /// The creation date cannot be written as a PDF date (year before 0 or after 9999).
    #[error("creation date {0} cannot be written as a PDF date")]
    CreationDate(time::OffsetDateTime),
    /// The certification page has more text than fits on one A4 page.
    #[error(
        "the certification text does not fit on one page ({needed_points:.0} pt needed, {available_points:.0} pt available)"
    )]
    CertificationPageOverflow {
        /// Height the content needs, in PDF points.
        needed_points: f32,
        /// Height available, in PDF points.
        available_points: f32,
    },
    /// krilla refused to write the document (for example a PDF/A-3b validation error).
    #[error("PDF writer: {0}")]
    Pdf(String),
    /// The PDF written by krilla did not have the structure the seal update relies on.
    /// This is a bug in this crate or a change in krilla, never a problem with the input.
    #[error("unexpected PDF structure from the writer: {0}")]
    UnexpectedWriterOutput(String),
    /// The sealed file would be larger than the fixed-width byte range can describe.
    #[error("the sealed file is too large ({0} bytes)")]
    TooLarge(usize),
}

/// Why bytes could not be opened as a sealed copy artifact.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OpenError {
    /// The bytes are not a PDF file that can be parsed.
    #[error("not a readable PDF file: {0}")]
    NotPdf(String),
    /// The PDF has no `/BansaoSeal` entry in its catalog.
    #[error("the PDF carries no bansao seal")]
    NoSeal,
    /// The seal dictionary is present but not in the expected form.
    #[error("malformed seal: {0}")]
    MalformedSeal(&'static str),
    /// The seal's byte range does not cover the whole file except the signature
    /// placeholder (for example bytes were appended or the file was truncated).
    #[error("the seal's byte range does not cover the whole file: {0}")]
    ByteRangeNotCoveringFile(&'static str),
    /// The embedded signed metadata file `bansao-copy.cbor` is missing or unreadable.
    #[error("no embedded copy metadata: {0}")]
    NoEmbeddedMetadata(&'static str),
    /// A scan page does not show exactly its embedded scan, or the scans are missing.
    #[error("page {page_number} is not bound to its scan: {reason}")]
    PageNotBound {
        /// The page, from 1 (0 when no page can be named).
        page_number: usize,
        /// What is wrong.
        reason: String,
    },
}

/// Why a seal did not verify.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SealError {
    /// The Ed25519 signature does not match the file's bytes under the given key:
    /// the file was changed after sealing, or it was sealed with another key.
    #[error("the seal signature does not verify: the file was changed or sealed with another key")]
    BadSignature,
}

/// Why a QR code could not be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum QrError {
    /// The text does not fit in a QR code at error-correction level Q.
    #[error("the text is too long for a QR code at level Q")]
    TooLong,
    /// The QR encoder refused the text for another reason.
    #[error("the QR encoder refused the text: {0}")]
    Encode(String),
    /// `pixels_per_module` was 0 or the image would be unreasonably large.
    #[error("invalid QR image scale: {0} pixels per module")]
    InvalidScale(u32),
    /// The PNG encoder failed.
    #[error("PNG encoding failed: {0}")]
    Png(String),
}
