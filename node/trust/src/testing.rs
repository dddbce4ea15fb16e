//! A ready-made key hierarchy for tests and benchmarks in any crate (feature `testing`): a city
//! root, the registrar, one ward with a kiosk and two officials, and a second ward, all from
//! fixed seeds so results are reproducible.

use crate::certificate::{Certificate, CertificateBody, Role};
use crate::context::TrustContext;
use crate::key::SecretKey;
use crate::lists::{RevocationList, TrustBundle, TrustList};

/// Unix seconds when the fixture's certificates start (2026-01-01T00:00:00Z).
pub const VALID_FROM: i64 = 1_767_225_600;
/// Unix seconds when they end (2036-01-01T00:00:00Z).
pub const VALID_UNTIL: i64 = 2_082_758_400;
/// The commune code of the fixture's first ward.
pub const COMMUNE: &str = "00001";
/// The commune code of the fixture's second ward.
pub const OTHER_COMMUNE: &str = "00002";

/// A key and its certificate.
#[derive(Debug, Clone)]
pub struct Holder {
    /// The secret key.
    pub key: SecretKey,
    /// Its certificate.
    pub certificate: Certificate,
}

/// The fixture hierarchy.
#[derive(Debug, Clone)]
pub struct Hierarchy {
    /// The city root.
    pub root: Holder,
    /// The city registrar.
    pub registrar: Holder,
    /// Ward of [`COMMUNE`].
    pub ward: Holder,
    /// A kiosk of [`COMMUNE`].
    pub kiosk: Holder,
    /// An official of [`COMMUNE`].
    pub official: Holder,
    /// A second official of [`COMMUNE`].
    pub second_official: Holder,
    /// Ward of [`OTHER_COMMUNE`].
    pub other_ward: Holder,
    /// An official of [`OTHER_COMMUNE`].
    pub other_official: Holder,
    /// The trust list naming all of them.
    pub trust_list: TrustList,
    /// An empty revocation list.
    pub revocations: RevocationList,
}

/// Certifies a fresh key from `seed` under `issuer`.
pub fn certify(
    seed: u8,
    issuer: &SecretKey,
    role: Role,
    subject: &str,
    commune: Option<&str>,
) -> Holder {
    let key = SecretKey::from_seed([seed; 32]);
    let body = CertificateBody {
        issuer: issuer.key_id(),
        role,
        subject: subject.to_owned(),
        commune: commune.map(str::to_owned),
        public_key: key.public_key(),
        not_before: VALID_FROM,
        not_after: VALID_UNTIL,
    };
    let certificate = body
        .sign(issuer)
        .expect("fixture certificates are well-formed");
    Holder { key, certificate }
}

impl Hierarchy {
    /// Builds the hierarchy.
    pub fn new() -> Hierarchy {
        let root_key = SecretKey::from_seed([1; 32]);
        let root = certify(1, &root_key, Role::CityRoot, "Thành phố Hà Nội", None);
        let registrar = certify(2, &root.key, Role::Registrar, "Sở Tư pháp Hà Nội", None);
        let ward = certify(3, &root.key, Role::Ward, "Xã Tân Lập", Some(COMMUNE));
        let kiosk = certify(4, &ward.key, Role::Kiosk, "KIOSK-TANLAP-01", Some(COMMUNE));
        let official = certify(5, &ward.key, Role::Official, "Trần Thị Bình", Some(COMMUNE));
        let second_official = certify(6, &ward.key, Role::Official, "Lê Văn Cường", Some(COMMUNE));
        let other_ward = certify(7, &root.key, Role::Ward, "Xã Đông Hội", Some(OTHER_COMMUNE));
        let other_official = certify(
            8,
            &other_ward.key,
            Role::Official,
            "Phạm Minh Đức",
            Some(OTHER_COMMUNE),
        );
        let certificates = [
            &registrar,
            &ward,
            &kiosk,
            &official,
            &second_official,
            &other_ward,
            &other_official,
        ]
        .into_iter()
        .map(|holder| (holder.certificate.key_id(), holder.certificate.clone()))
        .collect();
        let trust_list = TrustList {
            version: 1,
            issued_at: VALID_FROM,
            root: root.certificate.clone(),
            certificates,
            retired: Default::default(),
            revoked: Default::default(),
        };
        let revocations = RevocationList {
            version: 1,
            issued_at: VALID_FROM,
            ..RevocationList::default()
        };
        Hierarchy {
            root,
            registrar,
            ward,
            kiosk,
            official,
            second_official,
            other_ward,
            other_official,
            trust_list,
            revocations,
        }
    }

    /// The verified context.
    pub fn context(&self) -> TrustContext {
        TrustContext::new(self.trust_list.clone(), self.revocations.clone())
    }

    /// The `trust.cbor` bytes, the revocation list signed by the registrar.
    pub fn bundle(&self) -> Vec<u8> {
        TrustBundle {
            trust_list: self.trust_list.sign(&self.root.key),
            revocations: self.revocations.sign(&self.registrar.key),
        }
        .to_cbor()
    }
}

impl Default for Hierarchy {
    fn default() -> Hierarchy {
        Hierarchy::new()
    }
}
