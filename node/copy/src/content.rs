//! The immutable part of a certified copy: what the kiosk saw and signed at issuance.
//!
//! The content is encoded as deterministic CBOR (a map with text keys, see
//! [`bansao_trust::cbor`]); the kiosk signs exactly those bytes, and the copy's *content hash* is
//! their SHA-256. Each kiosk chains the content hash of its previous copy into the next one,
//! together with a sequence number, so that backdating or removing a copy leaves a visible gap.

use std::collections::BTreeMap;
use std::fmt;

use bansao_trust::cbor::{self, CborError};
use ciborium::value::Value;
use sha2::{Digest, Sha256};

use crate::timestamp::Timestamp;

/// The content schema this code writes.
pub const CONTENT_SCHEMA_VERSION: u64 = 1;
/// Longest text accepted in any content field, in bytes.
pub const MAX_TEXT: usize = 2_000;
/// Most extracted fields in one copy.
pub const MAX_FIELDS: usize = 100;
/// Most pages in one copy.
pub const MAX_PAGES: usize = 500;

/// A copy's identifier: a ULID (time-ordered, 26 Crockford base-32 characters).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CopyId(pub ulid::Ulid);

impl CopyId {
    /// Builds an id from the issue time in milliseconds and 80 random bits supplied by the caller.
    pub fn from_parts(unix_millis: u64, random: u128) -> CopyId {
        CopyId(ulid::Ulid::from_parts(unix_millis, random))
    }

    /// Parses the 26-character text form.
    pub fn parse(text: &str) -> Result<CopyId, CopyIdError> {
        ulid::Ulid::from_string(text.trim())
            .map(CopyId)
            .map_err(|_| CopyIdError(text.to_owned()))
    }
}

impl std::str::FromStr for CopyId {
    type Err = CopyIdError;

    fn from_str(text: &str) -> Result<CopyId, CopyIdError> {
        CopyId::parse(text)
    }
}

impl CopyId {
    /// The 16 bytes of the ULID.
    pub fn to_bytes(self) -> [u8; 16] {
        self.0.to_bytes()
    }

    /// From the 16 bytes of a ULID.
    pub fn from_bytes(bytes: [u8; 16]) -> CopyId {
        CopyId(ulid::Ulid::from_bytes(bytes))
    }
}

impl fmt::Display for CopyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl fmt::Debug for CopyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CopyId({})", self.0)
    }
}

/// Text that is not a copy id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a copy id (26 characters, ULID): {0:?}")]
pub struct CopyIdError(pub String);

/// SHA-256 of a copy's canonical content.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct ContentHash(pub [u8; 32]);

impl ContentHash {
    /// The hash a kiosk chains into its very first copy.
    pub const GENESIS: ContentHash = ContentHash([0; 32]);

    /// Lowercase hex.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }
}

impl fmt::Debug for ContentHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ContentHash({})", self.to_hex())
    }
}

/// Kinds of original documents the kiosk recognises.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DocumentType {
    /// Căn cước công dân: citizen identity card.
    CitizenIdentityCard,
    /// Giấy khai sinh: birth certificate.
    BirthCertificate,
    /// Giấy chứng nhận kết hôn: marriage certificate.
    MarriageCertificate,
    /// Bằng tốt nghiệp trung học phổ thông: high-school diploma.
    HighSchoolDiploma,
    /// Bằng tốt nghiệp đại học (cử nhân, kỹ sư …): university diploma.
    UniversityDiploma,
    /// Giấy chứng tử, trích lục khai tử: death certificate or its extract.
    DeathCertificate,
    /// Học bạ, bảng điểm: school record or academic transcript.
    Transcript,
    /// Sổ hộ khẩu, giấy xác nhận thông tin về cư trú: household and residence papers.
    HouseholdRegistration,
    /// Giấy chứng nhận quyền sử dụng đất: land-use right certificate.
    LandUseCertificate,
    /// Any other paper.
    Other,
}

impl DocumentType {
    /// Every type.
    pub const ALL: [DocumentType; 10] = [
        DocumentType::CitizenIdentityCard,
        DocumentType::BirthCertificate,
        DocumentType::MarriageCertificate,
        DocumentType::HighSchoolDiploma,
        DocumentType::UniversityDiploma,
        DocumentType::DeathCertificate,
        DocumentType::Transcript,
        DocumentType::HouseholdRegistration,
        DocumentType::LandUseCertificate,
        DocumentType::Other,
    ];

    /// The short stable code used in content, QR and index.
    pub fn code(self) -> &'static str {
        match self {
            DocumentType::CitizenIdentityCard => "cccd",
            DocumentType::BirthCertificate => "khai-sinh",
            DocumentType::MarriageCertificate => "ket-hon",
            DocumentType::HighSchoolDiploma => "bang-thpt",
            DocumentType::UniversityDiploma => "bang-dai-hoc",
            DocumentType::DeathCertificate => "khai-tu",
            DocumentType::Transcript => "hoc-ba",
            DocumentType::HouseholdRegistration => "cu-tru",
            DocumentType::LandUseCertificate => "quyen-su-dung-dat",
            DocumentType::Other => "khac",
        }
    }

    /// Parses a code.
    pub fn from_code(code: &str) -> Option<DocumentType> {
        DocumentType::ALL.into_iter().find(|t| t.code() == code)
    }

    /// Vietnamese name.
    pub fn label_vi(self) -> &'static str {
        match self {
            DocumentType::CitizenIdentityCard => "Căn cước công dân",
            DocumentType::BirthCertificate => "Giấy khai sinh",
            DocumentType::MarriageCertificate => "Giấy chứng nhận kết hôn",
            DocumentType::HighSchoolDiploma => "Bằng tốt nghiệp THPT",
            DocumentType::UniversityDiploma => "Bằng tốt nghiệp đại học",
            DocumentType::DeathCertificate => "Giấy chứng tử, trích lục khai tử",
            DocumentType::Transcript => "Học bạ, bảng điểm",
            DocumentType::HouseholdRegistration => "Giấy tờ về cư trú",
            DocumentType::LandUseCertificate => "Giấy chứng nhận quyền sử dụng đất",
            DocumentType::Other => "Giấy tờ khác",
        }
    }

    /// English name.
    pub fn label_en(self) -> &'static str {
        match self {
            DocumentType::CitizenIdentityCard => "Citizen identity card",
            DocumentType::BirthCertificate => "Birth certificate",
            DocumentType::MarriageCertificate => "Marriage certificate",
            DocumentType::HighSchoolDiploma => "High-school diploma",
            DocumentType::UniversityDiploma => "University diploma",
            DocumentType::DeathCertificate => "Death certificate",
            DocumentType::Transcript => "School record or transcript",
            DocumentType::HouseholdRegistration => "Residence papers",
            DocumentType::LandUseCertificate => "Land-use right certificate",
            DocumentType::Other => "Other document",
        }
    }
}

/// One field read from the original, as finally confirmed by the citizen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExtractedField {
    /// The confirmed value.
    pub value: String,
    /// How sure recognition was of what it read, in thousandths (0–1000).
    pub confidence_permille: u16,
    /// What recognition read, when the citizen corrected it.
    pub corrected_from: Option<String>,
}

/// A scanned page, by hash: the scan itself is a content-addressed blob stored beside the copy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PageRef {
    /// SHA-256 of the scan file's bytes.
    pub sha256: [u8; 32],
    /// Size of the scan file.
    pub byte_length: u64,
    /// `image/png` or `image/jpeg`.
    pub media_type: String,
}

impl PageRef {
    /// Describes a scan file.
    pub fn of(bytes: &[u8], media_type: &str) -> PageRef {
        PageRef {
            sha256: Sha256::digest(bytes).into(),
            byte_length: bytes.len() as u64,
            media_type: media_type.to_owned(),
        }
    }
}

/// The immutable, signed part of a certified copy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CopyContent {
    /// The copy's id.
    pub copy_id: CopyId,
    /// Code of the commune whose authority certifies the copy.
    pub commune: String,
    /// The issuing kiosk (the subject of its certificate).
    pub kiosk_id: String,
    /// The kiosk's running number, from 1.
    pub kiosk_sequence: u64,
    /// Content hash of the kiosk's previous copy ([`ContentHash::GENESIS`] for the first).
    pub previous_content_hash: ContentHash,
    /// What kind of original was copied.
    pub document_type: DocumentType,
    /// When the kiosk issued the copy.
    pub issued_at: Timestamp,
    /// Fields read from the original, by name (e.g. `ho_ten`, `ngay_sinh`).
    pub fields: BTreeMap<String, ExtractedField>,
    /// The scanned pages, in order.
    pub pages: Vec<PageRef>,
    /// The fee charged, in VND.
    pub fee_vnd: u64,
}

/// Content bytes could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ContentDecodeError {
    /// Not the CBOR shape of copy content.
    #[error("malformed copy content: {0}")]
    Cbor(#[from] CborError),
    /// A schema this code does not know.
    #[error("unsupported content schema {0}")]
    UnsupportedSchema(u64),
    /// A field holds an invalid value.
    #[error("invalid copy content: {0}")]
    Invalid(String),
    /// The bytes decode, but are not in canonical form, so their hash is not the content hash.
    #[error("the copy content is not in canonical form")]
    NotCanonical,
}

fn text(value: &str) -> Value {
    Value::Text(value.to_owned())
}

fn entry(key: &str, value: Value) -> (Value, Value) {
    (text(key), value)
}

impl CopyContent {
    /// The canonical CBOR bytes the kiosk signs.
    pub fn to_canonical_cbor(&self) -> Vec<u8> {
        let fields = self
            .fields
            .iter()
            .map(|(name, field)| {
                let mut entries = vec![
                    entry("value", text(&field.value)),
                    entry(
                        "confidence",
                        Value::Integer(field.confidence_permille.into()),
                    ),
                ];
                if let Some(original) = &field.corrected_from {
                    entries.push(entry("corrected_from", text(original)));
                }
                (text(name), Value::Map(entries))
            })
            .collect();
        let pages = self
            .pages
            .iter()
            .map(|page| {
                Value::Map(vec![
                    entry("sha256", Value::Bytes(page.sha256.to_vec())),
                    entry("bytes", Value::Integer(page.byte_length.into())),
                    entry("type", text(&page.media_type)),
                ])
            })
            .collect();
        cbor::to_canonical_vec(Value::Map(vec![
            entry("schema", Value::Integer(CONTENT_SCHEMA_VERSION.into())),
            entry("copy_id", text(&self.copy_id.to_string())),
            entry("commune", text(&self.commune)),
            entry("kiosk_id", text(&self.kiosk_id)),
            entry("kiosk_seq", Value::Integer(self.kiosk_sequence.into())),
            entry(
                "prev_hash",
                Value::Bytes(self.previous_content_hash.0.to_vec()),
            ),
            entry("doc_type", text(self.document_type.code())),
            entry("issued_at", text(&self.issued_at.to_rfc3339())),
            entry("fields", Value::Map(fields)),
            entry("pages", Value::Array(pages)),
            entry(
                "page_count",
                Value::Integer((self.pages.len() as u64).into()),
            ),
            entry("fee_vnd", Value::Integer(self.fee_vnd.into())),
        ]))
    }

    /// SHA-256 of the canonical bytes.
    pub fn content_hash(&self) -> ContentHash {
        hash_content_bytes(&self.to_canonical_cbor())
    }

    /// Decodes canonical content bytes. Bytes that decode but are not canonical are refused, so
    /// that the hash of accepted bytes is always the content hash.
    pub fn from_canonical_cbor(bytes: &[u8]) -> Result<CopyContent, ContentDecodeError> {
        let content = decode_content(cbor::from_slice_exact(bytes)?)?;
        if content.to_canonical_cbor() != bytes {
            return Err(ContentDecodeError::NotCanonical);
        }
        Ok(content)
    }
}

/// SHA-256 of content bytes.
pub fn hash_content_bytes(bytes: &[u8]) -> ContentHash {
    ContentHash(Sha256::digest(bytes).into())
}

fn invalid(what: impl Into<String>) -> ContentDecodeError {
    ContentDecodeError::Invalid(what.into())
}

fn decode_content(value: Value) -> Result<CopyContent, ContentDecodeError> {
    let mut map = cbor::map(value, "content")?;
    let mut field = |key: &str| cbor::require_field(&mut map, key, "content");
    let schema = cbor::uint(field("schema")?, "schema")?;
    if schema != CONTENT_SCHEMA_VERSION {
        return Err(ContentDecodeError::UnsupportedSchema(schema));
    }
    let copy_id_text = cbor::text(field("copy_id")?, 26, "copy_id")?;
    let copy_id = CopyId::parse(&copy_id_text).map_err(|e| invalid(e.to_string()))?;
    let commune = cbor::text(field("commune")?, MAX_TEXT, "commune")?;
    let kiosk_id = cbor::text(field("kiosk_id")?, MAX_TEXT, "kiosk_id")?;
    let kiosk_sequence = cbor::uint(field("kiosk_seq")?, "kiosk_seq")?;
    let previous_content_hash = ContentHash(cbor::fixed_bytes(field("prev_hash")?, "prev_hash")?);
    let type_code = cbor::text(field("doc_type")?, 64, "doc_type")?;
    let document_type = DocumentType::from_code(&type_code)
        .ok_or_else(|| invalid(format!("unknown document type {type_code:?}")))?;
    let issued_text = cbor::text(field("issued_at")?, 64, "issued_at")?;
    let issued_at = Timestamp::parse(&issued_text).map_err(|e| invalid(e.to_string()))?;
    let raw_fields = cbor::map(field("fields")?, "fields")?;
    let raw_pages = cbor::array(field("pages")?, "pages")?;
    let page_count = cbor::uint(field("page_count")?, "page_count")?;
    let fee_vnd = cbor::uint(field("fee_vnd")?, "fee_vnd")?;
    if raw_fields.len() > MAX_FIELDS || raw_pages.len() > MAX_PAGES {
        return Err(invalid("too many fields or pages"));
    }
    let mut fields = BTreeMap::new();
    for (name, value) in raw_fields {
        let name = cbor::text(name, 128, "field name")?;
        let mut entries = cbor::map(value, "field")?;
        let value = cbor::text(
            cbor::require_field(&mut entries, "value", "field")?,
            MAX_TEXT,
            "field value",
        )?;
        let confidence = cbor::uint(
            cbor::require_field(&mut entries, "confidence", "field")?,
            "confidence",
        )?;
        let confidence_permille = u16::try_from(confidence)
            .ok()
            .filter(|c| *c <= 1000)
            .ok_or_else(|| invalid("confidence above 1000"))?;
        let corrected_from = cbor::take_field(&mut entries, "corrected_from")
            .map(|v| cbor::text(v, MAX_TEXT, "corrected_from"))
            .transpose()?;
        fields.insert(
            name,
            ExtractedField {
                value,
                confidence_permille,
                corrected_from,
            },
        );
    }
    let mut pages = Vec::with_capacity(raw_pages.len());
    for page in raw_pages {
        let mut entries = cbor::map(page, "page")?;
        pages.push(PageRef {
            sha256: cbor::fixed_bytes(
                cbor::require_field(&mut entries, "sha256", "page")?,
                "page sha256",
            )?,
            byte_length: cbor::uint(
                cbor::require_field(&mut entries, "bytes", "page")?,
                "page bytes",
            )?,
            media_type: cbor::text(
                cbor::require_field(&mut entries, "type", "page")?,
                64,
                "page type",
            )?,
        });
    }
    if page_count != pages.len() as u64 {
        return Err(invalid("page_count does not match the pages"));
    }
    Ok(CopyContent {
        copy_id,
        commune,
        kiosk_id,
        kiosk_sequence,
        previous_content_hash,
        document_type,
        issued_at,
        fields,
        pages,
        fee_vnd,
    })
}
