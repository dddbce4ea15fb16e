//! Writing the seal: an incremental update appended to krilla's PDF that adds
//! a seal dictionary and a new catalog pointing at it, followed by an Ed25519
//! signature over every byte of the final file except the signature's own hex
//! digits.
//!
//! # Byte layout
//!
//! krilla writes a classic cross-reference table (no xref stream, no object
//! streams) and ends its file with `%%EOF` and no newline. The sealed file is:
//!
//! ```text
//! <krilla's PDF, unchanged>                           ends "...startxref\n<X>\n%%EOF"
//! \n
//! <S> 0 obj\n
//! << /Type /BansaoSeal /Filter /Bansao.Ed25519 /SubFilter /bansao.seal.v1
//!    /KeyId <16 hex digits> /ByteRange [0 AAAAAAAAAA BBBBBBBBBB CCCCCCCCCC]
//!    /Contents <128 hex digits> >>\n                  (one line in the file)
//! endobj\n
//! <R> <G> obj\n<<krilla's catalog entries.../BansaoSeal S 0 R>>\nendobj\n
//! xref\n0 1\n0000000000 65535 f \n
//! <N> 1\n<offset, 10 digits> <generation, 5 digits> n \n     for R and S, by number
//! trailer\n<</Size S+1/Root R G R/Info I 0 R/ID[<krilla's two ids>]/Prev X>>\n
//! startxref\n<offset of this xref>\n%%EOF\n
//! ```
//!
//! `S` is the first unused object number, `R G` the catalog's; the new
//! catalog and the trailer are serialised by lopdf in its compact form. The
//! byte range numbers are written zero-padded to ten digits, so they can be
//! filled in after the whole file is laid out without moving any byte: `A`
//! is the offset of the first hex digit of `/Contents`, `B = A + 128` the
//! offset of the closing `>`, and `C = file length − B`. The covered bytes
//! are `[0, A)` and `[B, B + C)`: everything, including the `<` and `>`
//! around the signature, the byte range itself, the key id, the xref and the
//! trailer, except the 128 signature digits.
//!
//! # What is signed
//!
//! ```text
//! message = b"bansao/artifact-seal/v1\0" || SHA-256(bytes[0..A] || bytes[B..B+C])
//! ```
//!
//! The signer sees a fixed 56-byte message rather than the whole file, so a
//! signer behind a slow link (a hardware token) costs the same for a 10-page
//! copy as for a 1-page one; the domain prefix keeps the signature from being
//! valid as any other kind of bansao signature. The signature digits are
//! written in lowercase and the opener accepts lowercase only, so every byte
//! of the file, the placeholder included, has exactly one accepted value.
//!
//! A classic incremental update is what PDF signatures use; PDF/A permits it,
//! keeps nothing after the final `%%EOF` but one end-of-line, and readers that
//! know nothing of `/BansaoSeal` (a second-class name) ignore it.

use std::io::Write;

use ed25519_dalek::Signature;
use lopdf::{Dictionary, Object};
use sha2::{Digest, Sha256};

use crate::error::RenderError;

/// Domain-separation prefix of the signed message.
pub const SEAL_DOMAIN: &[u8] = b"bansao/artifact-seal/v1\0";
/// `/Type` of the seal dictionary.
pub const SEAL_TYPE: &[u8] = b"BansaoSeal";
/// `/Filter` of the seal dictionary: who can check it.
pub const SEAL_FILTER: &[u8] = b"Bansao.Ed25519";
/// `/SubFilter` of the seal dictionary: the byte layout and message format.
pub const SEAL_SUBFILTER: &[u8] = b"bansao.seal.v1";
/// Catalog key that points at the seal dictionary.
pub const CATALOG_SEAL_KEY: &[u8] = b"BansaoSeal";
/// Length of the signature placeholder: 64 bytes as hex.
pub(crate) const SIGNATURE_HEX_LEN: usize = 128;
/// Width of each zero-padded `/ByteRange` number.
const RANGE_DIGITS: usize = 10;
const RANGE_MAX: usize = 9_999_999_999;

/// Signs the seal of an artifact.
///
/// The node implements this over its kiosk signing key (in memory, or on a
/// hardware token); tests implement it over a fixed test key.
pub trait Sealer {
    /// An 8-byte identifier of the verifying key, written into the seal so a
    /// verifier can pick the right key.
    fn key_id(&self) -> [u8; 8];
    /// Signs `message` (see [`seal_message`]) with the Ed25519 key named by
    /// [`Sealer::key_id`].
    fn sign(&self, message: &[u8]) -> Signature;
}

/// The message the seal signs, given the SHA-256 of the covered bytes.
pub fn seal_message(covered_digest: &[u8; 32]) -> Vec<u8> {
    let mut message = Vec::with_capacity(SEAL_DOMAIN.len() + covered_digest.len());
    message.extend_from_slice(SEAL_DOMAIN);
    message.extend_from_slice(covered_digest);
    message
}

/// SHA-256 over the two covered ranges `[0, gap_start)` and `[gap_end, len)`.
pub(crate) fn covered_digest(file: &[u8], gap_start: usize, gap_end: usize) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(&file[..gap_start]);
    hasher.update(&file[gap_end..]);
    hasher.finalize().into()
}

/// What the seal update needs from krilla's file.
struct Previous {
    catalog_id: (u32, u16),
    catalog: Dictionary,
    next_object_number: u32,
    info: Option<Object>,
    file_id: Object,
    xref_offset: usize,
}

fn read_previous(pdf: &[u8]) -> Result<Previous, RenderError> {
    let unexpected = |what: &str| RenderError::UnexpectedWriterOutput(what.to_string());
    let document = lopdf::Document::load_mem(pdf)
        .map_err(|error| RenderError::UnexpectedWriterOutput(error.to_string()))?;
    let catalog_id = document
        .trailer
        .get(b"Root")
        .and_then(Object::as_reference)
        .map_err(|_| unexpected("no /Root in the trailer"))?;
    let catalog = document
        .get_dictionary(catalog_id)
        .map_err(|_| unexpected("the catalog is not a dictionary"))?
        .clone();
    let size = document
        .trailer
        .get(b"Size")
        .and_then(Object::as_i64)
        .ok()
        .and_then(|size| u32::try_from(size).ok())
        .ok_or_else(|| unexpected("no /Size in the trailer"))?;
    let file_id = document
        .trailer
        .get(b"ID")
        .map_err(|_| unexpected("no /ID in the trailer"))?
        .clone();
    Ok(Previous {
        catalog_id,
        catalog,
        next_object_number: size.max(document.max_id.saturating_add(1)),
        info: document.trailer.get(b"Info").ok().cloned(),
        file_id,
        xref_offset: document.xref_start,
    })
}

/// Appends the seal update to krilla's `pdf` and signs it.
pub(crate) fn seal_pdf(pdf: Vec<u8>, sealer: &dyn Sealer) -> Result<Vec<u8>, RenderError> {
    let previous = read_previous(&pdf)?;
    let io = |error: std::io::Error| RenderError::UnexpectedWriterOutput(error.to_string());
    let mut file = pdf;
    if !file.ends_with(b"\n") {
        file.push(b'\n');
    }

    // The seal dictionary, with the byte range and the signature as placeholders.
    let seal_number = previous.next_object_number;
    let seal_offset = file.len();
    let zeros = "0".repeat(RANGE_DIGITS);
    write!(
        file,
        "{seal_number} 0 obj\n<< /Type /{} /Filter /{} /SubFilter /{} /KeyId <{}> /ByteRange [0 ",
        String::from_utf8_lossy(SEAL_TYPE),
        String::from_utf8_lossy(SEAL_FILTER),
        String::from_utf8_lossy(SEAL_SUBFILTER),
        hex::encode(sealer.key_id()),
    )
    .map_err(io)?;
    let range_at = file.len();
    write!(file, "{zeros} {zeros} {zeros}] /Contents <").map_err(io)?;
    let gap_start = file.len();
    file.resize(gap_start + SIGNATURE_HEX_LEN, b'0');
    let gap_end = file.len();
    file.extend_from_slice(b"> >>\nendobj\n");

    // The catalog, rewritten with a pointer to the seal.
    let (catalog_number, catalog_generation) = previous.catalog_id;
    let catalog_offset = file.len();
    let mut catalog = previous.catalog;
    catalog.set(CATALOG_SEAL_KEY, Object::Reference((seal_number, 0)));
    writeln!(file, "{catalog_number} {catalog_generation} obj").map_err(io)?;
    lopdf::Writer::write_object(&mut file, &Object::Dictionary(catalog))
        .map_err(|error| RenderError::UnexpectedWriterOutput(error.to_string()))?;
    file.extend_from_slice(b"\nendobj\n");

    // Cross-reference section for the two objects, and the trailer.
    let xref_offset = file.len();
    file.extend_from_slice(b"xref\n0 1\n0000000000 65535 f \n");
    let mut entries = [
        (catalog_number, catalog_generation, catalog_offset),
        (seal_number, 0, seal_offset),
    ];
    entries.sort();
    for (number, generation, offset) in entries {
        write!(file, "{number} 1\n{offset:010} {generation:05} n \n").map_err(io)?;
    }
    let mut trailer = Dictionary::new();
    trailer.set("Size", Object::Integer(i64::from(seal_number) + 1));
    trailer.set("Root", Object::Reference(previous.catalog_id));
    if let Some(info) = previous.info {
        trailer.set("Info", info);
    }
    trailer.set("ID", previous.file_id);
    trailer.set("Prev", Object::Integer(previous.xref_offset as i64));
    file.extend_from_slice(b"trailer\n");
    lopdf::Writer::write_object(&mut file, &Object::Dictionary(trailer))
        .map_err(|error| RenderError::UnexpectedWriterOutput(error.to_string()))?;
    write!(file, "\nstartxref\n{xref_offset}\n%%EOF\n").map_err(io)?;

    // Now that the length is known, fill in the byte range.
    let tail = file.len() - gap_end;
    if file.len() > RANGE_MAX {
        return Err(RenderError::TooLarge(file.len()));
    }
    let range = format!("{gap_start:010} {gap_end:010} {tail:010}");
    file[range_at..range_at + range.len()].copy_from_slice(range.as_bytes());

    // Sign everything but the placeholder, and write the signature into it.
    let digest = covered_digest(&file, gap_start, gap_end);
    let signature = sealer.sign(&seal_message(&digest));
    let signature_hex = hex::encode(signature.to_bytes());
    file[gap_start..gap_end].copy_from_slice(signature_hex.as_bytes());
    Ok(file)
}
