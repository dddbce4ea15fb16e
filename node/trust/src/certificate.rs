//! Compact CBOR certificates: who holds a key, in which role and commune, for how long, and who
//! vouches for it.
//!
//! A certificate is a CBOR array of nine items:
//! `[format, role, issuer key id, subject, commune or null, public key, not-before, not-after,
//! signature]`, times in Unix seconds. The issuer signs the first eight items (encoded as a CBOR
//! array) in [`SigningContext::Certificate`]. The city root's certificate is self-signed.

use ciborium::value::Value;
use ed25519_dalek::{Signature, VerifyingKey};

use crate::cbor::{self, CborError};
use crate::key::{self, KeyId, SecretKey, SigningContext};

/// The certificate format this code writes and reads.
pub const CERTIFICATE_FORMAT: u64 = 1;
/// Longest subject or commune accepted, in bytes.
pub const MAX_NAME_LENGTH: usize = 200;

/// What a key may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// The city root: certifies wards and the registrar, signs the trust list. Kept offline.
    CityRoot,
    /// The city's online key: registers copies and signs revocation lists.
    Registrar,
    /// A ward (commune) node: certifies the kiosks and officials of its commune.
    Ward,
    /// A kiosk device: signs the copies it issues (provisionally).
    Kiosk,
    /// A commune official: approves or rejects copies (counter-signs).
    Official,
    /// The city's transparency log key: signs the log's checkpoints, nothing else.
    Log,
    /// A member of the city's staff: signs in to the city's pages (their key is locked under
    /// their passphrase, like an official's). Certified by the root; signs no copy or list.
    CityStaff,
}

impl Role {
    /// Every role, in hierarchy order.
    pub const ALL: [Role; 7] = [
        Role::CityRoot,
        Role::Registrar,
        Role::Ward,
        Role::Kiosk,
        Role::Official,
        Role::Log,
        Role::CityStaff,
    ];

    fn code(self) -> u64 {
        match self {
            Role::CityRoot => 1,
            Role::Registrar => 2,
            Role::Ward => 3,
            Role::Kiosk => 4,
            Role::Official => 5,
            Role::Log => 6,
            Role::CityStaff => 7,
        }
    }

    fn from_code(code: u64) -> Option<Role> {
        Role::ALL.into_iter().find(|role| role.code() == code)
    }

    /// A stable lowercase name: `city-root`, `registrar`, `ward`, `kiosk`, `official`, `log`,
    /// `city-staff`.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::CityRoot => "city-root",
            Role::Registrar => "registrar",
            Role::Ward => "ward",
            Role::Kiosk => "kiosk",
            Role::Official => "official",
            Role::Log => "log",
            Role::CityStaff => "city-staff",
        }
    }

    /// The Vietnamese name shown to people.
    pub fn label_vi(self) -> &'static str {
        match self {
            Role::CityRoot => "Khóa gốc thành phố",
            Role::Registrar => "Cán bộ đăng ký thành phố",
            Role::Ward => "Xã/phường",
            Role::Kiosk => "Ki-ốt",
            Role::Official => "Cán bộ tư pháp",
            Role::Log => "Khóa nhật ký minh bạch thành phố",
            Role::CityStaff => "Cán bộ Sở Tư pháp",
        }
    }

    /// The role whose key may certify this one.
    pub fn issuer_role(self) -> Role {
        match self {
            Role::CityRoot | Role::Registrar | Role::Ward | Role::Log | Role::CityStaff => {
                Role::CityRoot
            }
            Role::Kiosk | Role::Official => Role::Ward,
        }
    }

    /// Whether keys of this role act for one commune (and so carry its code).
    pub fn is_commune_scoped(self) -> bool {
        matches!(self, Role::Ward | Role::Kiosk | Role::Official)
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Role {
    type Err = String;

    fn from_str(text: &str) -> Result<Role, String> {
        Role::ALL
            .into_iter()
            .find(|role| role.as_str() == text)
            .ok_or_else(|| format!("unknown role {text:?} (expected one of city-root, registrar, ward, kiosk, official, log, city-staff)"))
    }
}

/// The fields a certificate's issuer vouches for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertificateBody {
    /// The key id of the certifying key (equal to the subject's own id for the city root).
    pub issuer: KeyId,
    /// What the key may do.
    pub role: Role,
    /// Who holds the key: a city or commune name, a kiosk id, an official's name.
    pub subject: String,
    /// The commune the key acts for, for ward, kiosk and official keys.
    pub commune: Option<String>,
    /// The certified public key.
    pub public_key: VerifyingKey,
    /// Start of validity, Unix seconds.
    pub not_before: i64,
    /// End of validity (exclusive), Unix seconds.
    pub not_after: i64,
}

/// A certificate: a body and its issuer's signature.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Certificate {
    /// What is certified.
    pub body: CertificateBody,
    /// The issuer's signature over the encoded body.
    pub signature: Signature,
}

/// A certificate could not be made from the given fields.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CertifyError {
    /// Names are limited in length to keep certificates compact.
    #[error("{field} is longer than {MAX_NAME_LENGTH} bytes")]
    NameTooLong {
        /// Which field.
        field: &'static str,
    },
    /// A ward, kiosk or official key must name its commune; others must not.
    #[error("a {role} certificate {}", if *.needs_commune { "must name its commune" } else { "must not name a commune" })]
    CommuneMismatch {
        /// The role being certified.
        role: Role,
        /// Whether a commune was required.
        needs_commune: bool,
    },
    /// Validity must be a non-empty interval.
    #[error("the validity period is empty (not-after is not later than not-before)")]
    EmptyValidity,
}

/// A certificate could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CertificateDecodeError {
    /// Not the CBOR structure of a certificate.
    #[error("malformed certificate: {0}")]
    Cbor(#[from] CborError),
    /// A format this code does not know.
    #[error("unsupported certificate format {0}")]
    UnsupportedFormat(u64),
    /// A role code this code does not know.
    #[error("unknown role code {0}")]
    UnknownRole(u64),
    /// The public key bytes are not a valid Ed25519 point.
    #[error("the certified public key is not a valid Ed25519 key")]
    InvalidPublicKey,
}

impl CertificateBody {
    /// Checks names, commune scope and validity.
    pub fn validate(&self) -> Result<(), CertifyError> {
        if self.subject.len() > MAX_NAME_LENGTH {
            return Err(CertifyError::NameTooLong { field: "subject" });
        }
        if self
            .commune
            .as_ref()
            .is_some_and(|c| c.len() > MAX_NAME_LENGTH)
        {
            return Err(CertifyError::NameTooLong { field: "commune" });
        }
        if self.role.is_commune_scoped() != self.commune.is_some() {
            return Err(CertifyError::CommuneMismatch {
                role: self.role,
                needs_commune: self.role.is_commune_scoped(),
            });
        }
        if self.not_after <= self.not_before {
            return Err(CertifyError::EmptyValidity);
        }
        Ok(())
    }

    fn to_values(&self) -> Vec<Value> {
        vec![
            Value::Integer(CERTIFICATE_FORMAT.into()),
            Value::Integer(self.role.code().into()),
            Value::Bytes(self.issuer.0.to_vec()),
            Value::Text(self.subject.clone()),
            self.commune.clone().map_or(Value::Null, Value::Text),
            Value::Bytes(self.public_key.as_bytes().to_vec()),
            Value::Integer(self.not_before.into()),
            Value::Integer(self.not_after.into()),
        ]
    }

    /// The bytes the issuer signs.
    pub fn to_be_signed(&self) -> Vec<u8> {
        cbor::to_canonical_vec(Value::Array(self.to_values()))
    }

    /// The key id of the certified key.
    pub fn key_id(&self) -> KeyId {
        KeyId::of(&self.public_key)
    }

    /// Whether `unix_seconds` lies within the validity period.
    pub fn is_valid_at(&self, unix_seconds: i64) -> bool {
        self.not_before <= unix_seconds && unix_seconds < self.not_after
    }

    /// Signs the body with the issuer's key. The body's `issuer` must be that key's id.
    pub fn sign(self, issuer_key: &SecretKey) -> Result<Certificate, CertifyError> {
        self.validate()?;
        let signature = issuer_key.sign(SigningContext::Certificate, &self.to_be_signed());
        Ok(Certificate {
            body: self,
            signature,
        })
    }
}

impl Certificate {
    /// The key id of the certified key.
    pub fn key_id(&self) -> KeyId {
        self.body.key_id()
    }

    /// Whether the issuer's signature verifies with `issuer_public_key`.
    pub fn signature_verifies(&self, issuer_public_key: &VerifyingKey) -> bool {
        key::verify(
            issuer_public_key,
            SigningContext::Certificate,
            &self.body.to_be_signed(),
            &self.signature,
        )
    }

    /// Whether this is a self-signed certificate whose signature verifies.
    pub fn is_valid_self_signed(&self) -> bool {
        self.body.issuer == self.key_id() && self.signature_verifies(&self.body.public_key)
    }

    /// The CBOR encoding.
    pub fn to_cbor(&self) -> Vec<u8> {
        let mut values = self.body.to_values();
        values.push(Value::Bytes(self.signature.to_bytes().to_vec()));
        cbor::to_canonical_vec(Value::Array(values))
    }

    /// Decodes a certificate. This checks its structure, not its signature.
    pub fn from_cbor(bytes: &[u8]) -> Result<Certificate, CertificateDecodeError> {
        Certificate::from_value(cbor::from_slice_exact(bytes)?)
    }

    /// Decodes a certificate from an already parsed CBOR value.
    pub fn from_value(value: Value) -> Result<Certificate, CertificateDecodeError> {
        let mut items = cbor::array_of(value, 9, "certificate")?.into_iter();
        let mut next = |what: &str| {
            items
                .next()
                .ok_or_else(|| CborError::Shape(format!("certificate: missing {what}")))
        };
        let format = cbor::uint(next("format")?, "certificate format")?;
        if format != CERTIFICATE_FORMAT {
            return Err(CertificateDecodeError::UnsupportedFormat(format));
        }
        let role_code = cbor::uint(next("role")?, "certificate role")?;
        let role =
            Role::from_code(role_code).ok_or(CertificateDecodeError::UnknownRole(role_code))?;
        let issuer = KeyId(cbor::fixed_bytes(next("issuer")?, "certificate issuer")?);
        let subject = cbor::text(next("subject")?, MAX_NAME_LENGTH, "certificate subject")?;
        let commune =
            cbor::optional_text(next("commune")?, MAX_NAME_LENGTH, "certificate commune")?;
        let public_key_bytes: [u8; 32] =
            cbor::fixed_bytes(next("public key")?, "certificate public key")?;
        let public_key = VerifyingKey::from_bytes(&public_key_bytes)
            .map_err(|_| CertificateDecodeError::InvalidPublicKey)?;
        let not_before = cbor::int(next("not-before")?, "certificate not-before")?;
        let not_after = cbor::int(next("not-after")?, "certificate not-after")?;
        let signature_bytes: [u8; 64] =
            cbor::fixed_bytes(next("signature")?, "certificate signature")?;
        Ok(Certificate {
            body: CertificateBody {
                issuer,
                role,
                subject,
                commune,
                public_key,
                not_before,
                not_after,
            },
            signature: Signature::from_bytes(&signature_bytes),
        })
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn body(role: Role, commune: Option<&str>, key: &SecretKey, issuer: KeyId) -> CertificateBody {
        CertificateBody {
            issuer,
            role,
            subject: "Xã Tân Lập".to_owned(),
            commune: commune.map(str::to_owned),
            public_key: key.public_key(),
            not_before: 1_700_000_000,
            not_after: 1_900_000_000,
        }
    }

    #[test]
    fn self_signed_root_verifies_and_round_trips() {
        let root = SecretKey::from_seed([1; 32]);
        let certificate = body(Role::CityRoot, None, &root, root.key_id())
            .sign(&root)
            .unwrap();
        assert!(certificate.is_valid_self_signed());
        let bytes = certificate.to_cbor();
        assert!(bytes.len() < 200, "compact: {} bytes", bytes.len());
        assert_eq!(Certificate::from_cbor(&bytes).unwrap(), certificate);
    }

    #[test]
    fn a_changed_field_breaks_the_signature() {
        let root = SecretKey::from_seed([1; 32]);
        let ward = SecretKey::from_seed([2; 32]);
        let mut certificate = body(Role::Ward, Some("00001"), &ward, root.key_id())
            .sign(&root)
            .unwrap();
        assert!(certificate.signature_verifies(&root.public_key()));
        certificate.body.not_after += 1;
        assert!(!certificate.signature_verifies(&root.public_key()));
    }

    #[test]
    fn commune_scope_is_enforced() {
        let root = SecretKey::from_seed([1; 32]);
        let ward = SecretKey::from_seed([2; 32]);
        assert_eq!(
            body(Role::Ward, None, &ward, root.key_id()).sign(&root),
            Err(CertifyError::CommuneMismatch {
                role: Role::Ward,
                needs_commune: true
            })
        );
        assert!(
            body(Role::Registrar, Some("x"), &ward, root.key_id())
                .sign(&root)
                .is_err()
        );
    }

    proptest! {
        #[test]
        fn certificates_round_trip(
            seed in any::<[u8; 32]>(),
            role_index in 0usize..Role::ALL.len(),
            subject in "\\PC{0,40}",
            commune in "[0-9]{5}",
            not_before in any::<i64>(),
            length in 1i64..1_000_000_000,
        ) {
            let key = SecretKey::from_seed(seed);
            let role = Role::ALL[role_index];
            let body = CertificateBody {
                issuer: key.key_id(),
                role,
                subject,
                commune: role.is_commune_scoped().then_some(commune),
                public_key: key.public_key(),
                not_before,
                not_after: not_before.saturating_add(length),
            };
            prop_assume!(body.validate().is_ok());
            let certificate = body.sign(&key).unwrap();
            prop_assert_eq!(Certificate::from_cbor(&certificate.to_cbor()).unwrap(), certificate);
        }

        #[test]
        fn decoding_arbitrary_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
            let _ = Certificate::from_cbor(&bytes);
        }
    }
}
