//! The signed copy metadata as a PDF/A-3 associated file: how it is embedded
//! (file name `bansao-copy.cbor`, MIME type `application/cbor`,
//! `/AFRelationship /Data`, listed in the catalog's `/AF` array) and how
//! [`crate::open_sealed_pdf`] finds it again.
//!
//! The bytes are stored without compression: CBOR metadata is small, and a
//! person inspecting the file sees the stream as written.
//!
//! The exact scans are embedded beside it (`bansao-page-<n>.png|jpg`,
//! `/AFRelationship /Source`), so that a verifier holding only the file can
//! check that each page it shows is the scan the copy's signature names.

use krilla::embed::{AssociationKind, EmbeddedFile, MimeType};
use krilla::metadata::DateTime;
use lopdf::{Dictionary, Document, Object};

use crate::error::OpenError;
use crate::{PageImage, PageImageFormat};

/// File name of the embedded metadata.
pub const METADATA_FILE_NAME: &str = "bansao-copy.cbor";
/// MIME type of the embedded metadata.
pub const METADATA_MIME_TYPE: &str = "application/cbor";
/// Largest embedded metadata [`crate::open_sealed_pdf`] will inflate, should a
/// (foreign) file store it compressed.
const MAX_METADATA_BYTES: usize = 4 * 1024 * 1024;
/// Largest embedded scan [`crate::open_sealed_pdf`] will inflate, should a (foreign) file store
/// one compressed.
const MAX_SCAN_BYTES: usize = 64 * 1024 * 1024;
/// Embedded scans are named `bansao-page-<number>.<png|jpg>`.
const SCAN_FILE_PREFIX: &str = "bansao-page-";

/// The embedded-file description for krilla.
pub(crate) fn metadata_file(cbor: &[u8], modified: DateTime) -> EmbeddedFile {
    EmbeddedFile {
        path: METADATA_FILE_NAME.to_string(),
        mime_type: MimeType::new(METADATA_MIME_TYPE),
        description: Some(
            "Siêu dữ liệu đã ký của bản sao (CBOR) · Signed copy metadata (CBOR)".to_string(),
        ),
        association_kind: AssociationKind::Data,
        data: cbor.to_vec().into(),
        modification_date: Some(modified),
        compress: Some(false),
        location: None,
    }
}

/// The file name page `page_number` (from 1) of the original is embedded under.
pub fn scan_file_name(page_number: usize, format: PageImageFormat) -> String {
    let extension = match format {
        PageImageFormat::Png => "png",
        PageImageFormat::Jpeg => "jpg",
    };
    format!("{SCAN_FILE_PREFIX}{page_number}.{extension}")
}

/// The exact scan of one page, as a PDF/A-3 associated file of the `Source` kind: the bytes
/// whose SHA-256 the copy's signed content names, so a verifier can bind the page it is
/// shown to the signature.
pub(crate) fn scan_file(page_number: usize, page: &PageImage, modified: DateTime) -> EmbeddedFile {
    let mime_type = match page.format {
        PageImageFormat::Png => "image/png",
        PageImageFormat::Jpeg => "image/jpeg",
    };
    EmbeddedFile {
        path: scan_file_name(page_number, page.format),
        mime_type: MimeType::new(mime_type),
        description: Some(format!(
            "Bản quét trang {page_number} của bản chính · Scan of page {page_number} of the original"
        )),
        association_kind: AssociationKind::Source,
        data: page.bytes.clone().into(),
        modification_date: Some(modified),
        // Already compressed image files.
        compress: Some(false),
        location: None,
    }
}

/// The embedded scans, by page number from 1 (each name appearing once).
pub(crate) fn extract_scans(document: &Document) -> Result<Vec<Vec<u8>>, OpenError> {
    let mut scans = std::collections::BTreeMap::new();
    for spec in associated_files(document)? {
        let Some(name) = file_name(spec) else {
            continue;
        };
        let Some(rest) = name.strip_prefix(SCAN_FILE_PREFIX.as_bytes()) else {
            continue;
        };
        let number = rest
            .split(|byte| *byte == b'.')
            .next()
            .and_then(|digits| std::str::from_utf8(digits).ok())
            .and_then(|digits| digits.parse::<usize>().ok())
            .ok_or(OpenError::PageNotBound {
                page_number: 0,
                reason: "an embedded scan's name has no page number".to_owned(),
            })?;
        let bytes =
            embedded_stream(document, spec, MAX_SCAN_BYTES).ok_or(OpenError::PageNotBound {
                page_number: number,
                reason: "its embedded scan cannot be read".to_owned(),
            })?;
        if scans.insert(number, bytes).is_some() {
            return Err(OpenError::PageNotBound {
                page_number: number,
                reason: "two scans are embedded for it".to_owned(),
            });
        }
    }
    let pages: Vec<Vec<u8>> = scans.into_values().collect();
    Ok(pages)
}

fn associated_files(document: &Document) -> Result<Vec<&Dictionary>, OpenError> {
    let catalog = document
        .catalog()
        .map_err(|_| OpenError::NoEmbeddedMetadata("the PDF has no catalog"))?;
    let associated = resolve(document, catalog.get(b"AF").ok())
        .and_then(|object| object.as_array().ok())
        .ok_or(OpenError::NoEmbeddedMetadata(
            "the catalog has no /AF array",
        ))?;
    Ok(associated
        .iter()
        .filter_map(|entry| resolve(document, Some(entry))?.as_dict().ok())
        .collect())
}

fn file_name(spec: &Dictionary) -> Option<&[u8]> {
    [b"UF".as_slice(), b"F".as_slice()]
        .iter()
        .find_map(|key| spec.get(key).and_then(Object::as_str).ok())
}

fn embedded_stream(document: &Document, spec: &Dictionary, limit: usize) -> Option<Vec<u8>> {
    let stream = spec
        .get(b"EF")
        .ok()
        .and_then(|ef| resolve(document, Some(ef))?.as_dict().ok())
        .and_then(|ef| resolve(document, ef.get(b"F").ok()))
        .and_then(|file| file.as_stream().ok())?;
    if stream.dict.has(b"Filter") {
        stream.decompressed_content_with_limit(limit).ok()
    } else {
        Some(stream.content.clone())
    }
}

/// Finds `bansao-copy.cbor` among the catalog's associated files and returns
/// its bytes.
pub(crate) fn extract_metadata(document: &Document) -> Result<Vec<u8>, OpenError> {
    let file_spec = associated_files(document)?
        .into_iter()
        .find(|spec| names_metadata_file(spec))
        .ok_or(OpenError::NoEmbeddedMetadata(
            "no associated file is named bansao-copy.cbor",
        ))?;
    let relationship = file_spec
        .get(b"AFRelationship")
        .and_then(Object::as_name)
        .map_err(|_| OpenError::NoEmbeddedMetadata("the file has no /AFRelationship"))?;
    if relationship != b"Data" {
        return Err(OpenError::NoEmbeddedMetadata(
            "the file's /AFRelationship is not /Data",
        ));
    }
    embedded_stream(document, file_spec, MAX_METADATA_BYTES).ok_or(OpenError::NoEmbeddedMetadata(
        "the embedded stream is missing or cannot be decoded",
    ))
}

fn names_metadata_file(spec: &Dictionary) -> bool {
    file_name(spec) == Some(METADATA_FILE_NAME.as_bytes())
}

/// Follows at most a few indirect references (a chain longer than that is not
/// something this crate writes).
pub(crate) fn resolve<'a>(
    document: &'a Document,
    object: Option<&'a Object>,
) -> Option<&'a Object> {
    let mut object = object?;
    for _ in 0..4 {
        match object {
            Object::Reference(id) => object = document.get_object(*id).ok()?,
            other => return Some(other),
        }
    }
    None
}
