//! The signed copy metadata as a PDF/A-3 associated file: how it is embedded
//! (file name `bansao-copy.cbor`, MIME type `application/cbor`,
//! `/AFRelationship /Data`, listed in the catalog's `/AF` array) and how
//! [`crate::open_sealed_pdf`] finds it again.
//!
//! The bytes are stored without compression: CBOR metadata is small, and a
//! person inspecting the file sees the stream as written.

use krilla::embed::{AssociationKind, EmbeddedFile, MimeType};
use krilla::metadata::DateTime;
use lopdf::{Dictionary, Document, Object};

use crate::error::OpenError;

/// File name of the embedded metadata.
pub const METADATA_FILE_NAME: &str = "bansao-copy.cbor";
/// MIME type of the embedded metadata.
pub const METADATA_MIME_TYPE: &str = "application/cbor";
/// Largest embedded metadata [`crate::open_sealed_pdf`] will inflate, should a
/// (foreign) file store it compressed.
const MAX_METADATA_BYTES: usize = 4 * 1024 * 1024;

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

/// Finds `bansao-copy.cbor` among the catalog's associated files and returns
/// its bytes.
pub(crate) fn extract_metadata(document: &Document) -> Result<Vec<u8>, OpenError> {
    let catalog = document
        .catalog()
        .map_err(|_| OpenError::NoEmbeddedMetadata("the PDF has no catalog"))?;
    let associated = resolve(document, catalog.get(b"AF").ok())
        .and_then(|object| object.as_array().ok())
        .ok_or(OpenError::NoEmbeddedMetadata(
            "the catalog has no /AF array",
        ))?;

    let file_spec = associated
        .iter()
        .filter_map(|entry| resolve(document, Some(entry))?.as_dict().ok())
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
    let stream = file_spec
        .get(b"EF")
        .ok()
        .and_then(|ef| resolve(document, Some(ef))?.as_dict().ok())
        .and_then(|ef| resolve(document, ef.get(b"F").ok()))
        .and_then(|file| file.as_stream().ok())
        .ok_or(OpenError::NoEmbeddedMetadata(
            "the file specification has no embedded stream",
        ))?;

    if stream.dict.has(b"Filter") {
        stream
            .decompressed_content_with_limit(MAX_METADATA_BYTES)
            .map_err(|_| OpenError::NoEmbeddedMetadata("the embedded stream cannot be decoded"))
    } else {
        Ok(stream.content.clone())
    }
}

fn names_metadata_file(spec: &Dictionary) -> bool {
    [b"UF".as_slice(), b"F".as_slice()].iter().any(|key| {
        spec.get(key)
            .and_then(Object::as_str)
            .is_ok_and(|name| name == METADATA_FILE_NAME.as_bytes())
    })
}

/// Follows at most a few indirect references (a chain longer than that is not
/// something this crate writes).
fn resolve<'a>(document: &'a Document, object: Option<&'a Object>) -> Option<&'a Object> {
    let mut object = object?;
    for _ in 0..4 {
        match object {
            Object::Reference(id) => object = document.get_object(*id).ok()?,
            other => return Some(other),
        }
    }
    None
}
