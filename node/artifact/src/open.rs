//! Reading a sealed artifact back: find the seal through the catalog, check
//! that its byte range covers the whole file except the signature digits,
//! hash the covered bytes, pull out the embedded metadata and scans, and check
//! that every scan page shows its scan. No key is
//! needed to open; [`OpenedArtifact::verify_seal`] then checks the signature
//! against a key the caller trusts.
//!
//! Everything here takes untrusted bytes: every failure is an [`OpenError`],
//! never a panic (a proptest feeds it random and mutated files).

use ed25519_dalek::{Signature, VerifyingKey};
use lopdf::{Dictionary, Document, Object};

use crate::error::{OpenError, SealError};
use crate::seal::{
    CATALOG_SEAL_KEY, SEAL_FILTER, SEAL_SUBFILTER, SEAL_TYPE, SIGNATURE_HEX_LEN, covered_digest,
    seal_message,
};
use crate::{binding, embed};

/// A sealed artifact whose structure has been checked; the signature has not.
#[derive(Debug, Clone)]
pub struct OpenedArtifact {
    /// Identifier of the key that made the seal (from `/KeyId`).
    pub seal_key_id: [u8; 8],
    /// The seal signature (from `/Contents`).
    pub signature: Signature,
    /// The `/ByteRange` as `[0, A, B, C]`: the covered bytes are `[0, A)` and
    /// `[B, B + C)`, and `B + C` is the file length.
    pub byte_range: [usize; 4],
    /// SHA-256 of the covered bytes.
    pub covered_digest: [u8; 32],
    /// The embedded signed metadata (`bansao-copy.cbor`), byte for byte.
    pub metadata_cbor: Vec<u8>,
    /// Number of pages, the certification page included.
    pub page_count: usize,
    /// The exact scans embedded for the scan pages, in page order; each scan page was checked
    /// to show its scan and nothing else ([`crate::binding`]). The caller compares their
    /// SHA-256 with the signed page hashes.
    pub scans: Vec<Vec<u8>>,
}

impl OpenedArtifact {
    /// Checks the seal signature with `key`.
    ///
    /// Uses strict verification (canonical signature encoding, no small-order
    /// keys), so no second signature string verifies for the same file.
    pub fn verify_seal(&self, key: &VerifyingKey) -> Result<(), SealError> {
        key.verify_strict(&seal_message(&self.covered_digest), &self.signature)
            .map_err(|_| SealError::BadSignature)
    }
}

/// Opens `bytes` as a sealed artifact. Does not need (or check) the key.
pub fn open_sealed_pdf(bytes: &[u8]) -> Result<OpenedArtifact, OpenError> {
    if !bytes.starts_with(b"%PDF-") {
        return Err(OpenError::NotPdf("no %PDF- header".to_string()));
    }
    let document =
        Document::load_mem(bytes).map_err(|error| OpenError::NotPdf(error.to_string()))?;
    let catalog = document
        .catalog()
        .map_err(|_| OpenError::NotPdf("no document catalog".to_string()))?;
    let seal = match catalog.get(CATALOG_SEAL_KEY) {
        Ok(Object::Reference(id)) => document
            .get_dictionary(*id)
            .map_err(|_| OpenError::MalformedSeal("/BansaoSeal is not a dictionary"))?,
        Ok(_) => return Err(OpenError::MalformedSeal("/BansaoSeal is not a reference")),
        Err(_) => return Err(OpenError::NoSeal),
    };

    expect_name(seal, b"Type", SEAL_TYPE, "/Type is not /BansaoSeal")?;
    expect_name(
        seal,
        b"Filter",
        SEAL_FILTER,
        "/Filter is not /Bansao.Ed25519",
    )?;
    expect_name(
        seal,
        b"SubFilter",
        SEAL_SUBFILTER,
        "/SubFilter is not /bansao.seal.v1",
    )?;
    let seal_key_id: [u8; 8] = string_bytes(seal, b"KeyId")
        .and_then(|bytes| bytes.try_into().ok())
        .ok_or(OpenError::MalformedSeal("/KeyId is not an 8-byte string"))?;
    let signature_bytes: [u8; 64] = string_bytes(seal, b"Contents")
        .and_then(|bytes| bytes.try_into().ok())
        .ok_or(OpenError::MalformedSeal(
            "/Contents is not a 64-byte string",
        ))?;
    let byte_range = byte_range(seal)?;
    let (gap_start, gap_end) = check_byte_range(bytes, byte_range, &signature_bytes)?;

    let metadata_cbor = embed::extract_metadata(&document)?;
    let scans = embed::extract_scans(&document)?;
    binding::check_pages_show_their_scans(&document, &scans)?;
    Ok(OpenedArtifact {
        seal_key_id,
        signature: Signature::from_bytes(&signature_bytes),
        byte_range,
        covered_digest: covered_digest(bytes, gap_start, gap_end),
        metadata_cbor,
        page_count: document.get_pages().len(),
        scans,
    })
}

fn expect_name(
    dictionary: &Dictionary,
    key: &[u8],
    expected: &[u8],
    error: &'static str,
) -> Result<(), OpenError> {
    match dictionary.get(key).and_then(Object::as_name) {
        Ok(name) if name == expected => Ok(()),
        _ => Err(OpenError::MalformedSeal(error)),
    }
}

fn string_bytes<'a>(dictionary: &'a Dictionary, key: &[u8]) -> Option<&'a [u8]> {
    dictionary.get(key).and_then(Object::as_str).ok()
}

fn byte_range(seal: &Dictionary) -> Result<[usize; 4], OpenError> {
    let malformed = OpenError::MalformedSeal("/ByteRange is not an array of 4 integers");
    let array = seal
        .get(b"ByteRange")
        .and_then(Object::as_array)
        .map_err(|_| OpenError::MalformedSeal("no /ByteRange array"))?;
    let numbers: Vec<i64> = array
        .iter()
        .map(|value| value.as_i64().ok())
        .collect::<Option<_>>()
        .ok_or(OpenError::MalformedSeal(
            "/ByteRange is not an array of 4 integers",
        ))?;
    let numbers: [i64; 4] = numbers.try_into().map_err(|_| malformed)?;
    let mut range = [0usize; 4];
    for (slot, number) in range.iter_mut().zip(numbers) {
        *slot = usize::try_from(number).map_err(|_| {
            OpenError::ByteRangeNotCoveringFile("a /ByteRange number is negative or too large")
        })?;
    }
    Ok(range)
}

/// Checks that `[0, A) ∪ [B, B + C)` is the whole file but the signature
/// digits, and that those digits are the lowercase hex of `/Contents`.
/// Returns the gap `(A, B)`.
fn check_byte_range(
    file: &[u8],
    [start, gap_start, gap_end, tail]: [usize; 4],
    signature: &[u8; 64],
) -> Result<(usize, usize), OpenError> {
    if start != 0 {
        return Err(OpenError::ByteRangeNotCoveringFile(
            "the first range does not start at byte 0",
        ));
    }
    if gap_end.checked_add(tail) != Some(file.len()) {
        return Err(OpenError::ByteRangeNotCoveringFile(
            "the second range does not end at the end of the file",
        ));
    }
    if gap_start.checked_add(SIGNATURE_HEX_LEN) != Some(gap_end) {
        return Err(OpenError::ByteRangeNotCoveringFile(
            "the uncovered gap is not exactly the 128 signature digits",
        ));
    }
    let opening = gap_start.checked_sub(1).and_then(|at| file.get(at));
    if opening != Some(&b'<') || file.get(gap_end) != Some(&b'>') {
        return Err(OpenError::MalformedSeal(
            "the uncovered gap is not the inside of a hex string",
        ));
    }
    let digits = file
        .get(gap_start..gap_end)
        .ok_or(OpenError::ByteRangeNotCoveringFile(
            "the gap is outside the file",
        ))?;
    if !digits
        .iter()
        .all(|digit| matches!(digit, b'0'..=b'9' | b'a'..=b'f'))
    {
        return Err(OpenError::MalformedSeal(
            "the signature is not written as lowercase hex",
        ));
    }
    if hex::encode(signature).as_bytes() != digits {
        return Err(OpenError::MalformedSeal(
            "the uncovered gap is not the seal's /Contents",
        ));
    }
    Ok((gap_start, gap_end))
}
