//! The verified view an offline verifier works from: a trust list whose root signature checked
//! out, a revocation list signed by an authorised key, and every certificate chain checked once,
//! so that deciding whether one signature counts is a few map lookups and no cryptography.
//!
//! Architecture Invariant: a signature counts only if [`TrustContext::check_signer`] accepts its
//! key at the time of signing: the key chains to the city root through certificates of the right
//! roles and commune, every link was valid at that time, the key was not retired before it, and
//! no link is revoked.

use std::collections::BTreeMap;

use crate::cbor::CborError;
use crate::certificate::{Certificate, Role};
use crate::key::KeyId;
use crate::lists::{ListDecodeError, Revocation, RevocationList, TrustBundle, TrustList};
use crate::signed_list::{ListKind, SignedList};

/// Why a signer's key does not count.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignerError {
    /// The key is not on the trust list.
    #[error("key {0} is not on the trust list")]
    UnknownKey(KeyId),
    /// The key, or a key that certified it, is revoked.
    #[error("key {key_id} is revoked since {revoked_at}: {reason}")]
    Revoked {
        /// The revoked key (the signer's or an issuer's).
        key_id: KeyId,
        /// When, Unix seconds.
        revoked_at: i64,
        /// Why.
        reason: String,
    },
    /// The signature was made outside the validity of the key or of a key that certified it.
    #[error(
        "key {key_id} was not valid at the time of signing (valid {not_before}..{not_after}, signed {signed_at})"
    )]
    OutsideValidity {
        /// The key whose validity does not cover the time.
        key_id: KeyId,
        /// Start of validity.
        not_before: i64,
        /// End of validity.
        not_after: i64,
        /// Claimed time of signing.
        signed_at: i64,
    },
    /// The key was retired by rotation before the signature was made.
    #[error("key {key_id} was retired at {retired_at}, before the time of signing {signed_at}")]
    Retired {
        /// The retired key.
        key_id: KeyId,
        /// When it was retired.
        retired_at: i64,
        /// Claimed time of signing.
        signed_at: i64,
    },
    /// The key's certificate does not chain to the city root.
    #[error("key {key_id} does not chain to the city root: {reason}")]
    BrokenChain {
        /// The key whose certificate is at fault.
        key_id: KeyId,
        /// What is wrong.
        reason: String,
    },
    /// The key holds a role that may not make this signature.
    #[error("key {key_id} is a {actual} key, not allowed here")]
    WrongRole {
        /// The key.
        key_id: KeyId,
        /// Its role.
        actual: Role,
    },
}

/// A `trust.cbor` file could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TrustBundleError {
    /// Not a trust bundle at all.
    #[error("not a bansao trust file: {0}")]
    NotABundle(#[from] CborError),
    /// A list inside is malformed.
    #[error("the {which} is malformed: {error}")]
    MalformedList {
        /// Which list.
        which: &'static str,
        /// What is wrong.
        error: ListDecodeError,
    },
    /// The root certificate is not a valid self-signed city root.
    #[error("the trust list's root certificate is not a valid self-signed city root")]
    InvalidRoot,
    /// The trust list's signature does not verify with its root.
    #[error("the trust list's signature does not verify with the city root key")]
    TrustListSignature,
    /// The revocation list is signed by a key that may not sign it, or the signature is bad.
    #[error("the revocation list is not signed by the city: {0}")]
    RevocationListSignature(String),
}

/// Why a bundle may not replace the one a node holds. Lists only move forward: a newer bundle
/// keeps every revocation of the one it replaces, and is not signed by a key that one revokes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SuccessionError {
    /// Signed by another city root.
    #[error("it is signed by another city root")]
    OtherRoot,
    /// A newer revocation list (or trust list) leaves out a revocation the held one has.
    #[error("its revocation list leaves out the revocation of {entry}, which the held list has")]
    DropsRevocation {
        /// The entry left out (`key/<id>` or `copy/<id>`, `revoked/<id>` for the trust list's).
        entry: String,
    },
    /// Its revocation list is signed by a key the held lists revoke.
    #[error("its revocation list is signed by key {0}, which the held lists revoke")]
    RevokedSigner(KeyId),
    /// The same edition number with other contents: one of the two was not made by the city.
    #[error("it has edition {version} of the {which} with other contents than the held edition")]
    Fork {
        /// Which list.
        which: &'static str,
        /// The edition number both carry.
        version: u64,
    },
}

/// How an offered bundle stands to the one a node holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Succession {
    /// The same editions of both lists.
    Same,
    /// At least one list newer and none older: the offered bundle replaces the held one.
    Newer,
    /// At least one list older: the held bundle stays.
    Older,
}

/// The trust list and revocation list, verified and indexed.
#[derive(Debug, Clone)]
pub struct TrustContext {
    trust_list: TrustList,
    revocations: RevocationList,
    /// The key that signed the revocation list (`None` for lists checked by the caller).
    revocations_signer: Option<KeyId>,
    /// Keys whose certificate fails to chain, with the reason.
    broken: BTreeMap<KeyId, String>,
}

/// How one key stands, for listings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyStanding {
    /// In service.
    Active,
    /// Retired by rotation at the given time.
    Retired(i64),
    /// Revoked (itself or an issuer).
    Revoked(Revocation),
    /// Its certificate does not chain to the root.
    Broken(String),
}

impl TrustContext {
    /// Builds the context from lists whose signatures the caller has already verified (the
    /// node's own documents), checking every certificate chain.
    pub fn new(trust_list: TrustList, revocations: RevocationList) -> TrustContext {
        let broken = check_certificates(&trust_list);
        TrustContext {
            trust_list,
            revocations,
            revocations_signer: None,
            broken,
        }
    }

    /// Opens and verifies a `trust.cbor` bundle.
    pub fn from_bundle(bytes: &[u8]) -> Result<TrustContext, TrustBundleError> {
        let bundle = TrustBundle::from_cbor(bytes)?;
        let malformed = |which: &'static str| {
            move |error: ListDecodeError| TrustBundleError::MalformedList { which, error }
        };

        let (signed_trust, trust_envelope) =
            SignedList::open(&bundle.trust_list, ListKind::TrustList)
                .map_err(|e| malformed("trust list")(e.into()))?;
        let trust_list =
            TrustList::from_signed_list(&signed_trust).map_err(malformed("trust list"))?;
        if trust_list.root.body.role != Role::CityRoot || !trust_list.root.is_valid_self_signed() {
            return Err(TrustBundleError::InvalidRoot);
        }
        if trust_envelope.key_id != trust_list.root.key_id()
            || !trust_envelope.verify(&trust_list.root.body.public_key)
        {
            return Err(TrustBundleError::TrustListSignature);
        }

        let (signed_revocations, revocation_envelope) =
            SignedList::open(&bundle.revocations, ListKind::RevocationList)
                .map_err(|e| malformed("revocation list")(e.into()))?;
        let revocations = RevocationList::from_signed_list(&signed_revocations)
            .map_err(malformed("revocation list"))?;

        // The signer is checked against both lists: the root's revocations in the trust list
        // (a revoked registrar cannot sign revocations away) and the list's own entries.
        let mut context = TrustContext::new(trust_list, revocations);
        context.revocations_signer = Some(revocation_envelope.key_id);
        let signer = context
            .check_signer_with_role(
                revocation_envelope.key_id,
                context.revocations.issued_at,
                &[Role::CityRoot, Role::Registrar],
            )
            .map_err(|error| TrustBundleError::RevocationListSignature(error.to_string()))?;
        if !revocation_envelope.verify(&signer.body.public_key) {
            return Err(TrustBundleError::RevocationListSignature(
                "the signature does not verify".to_owned(),
            ));
        }
        Ok(context)
    }

    /// The key that signed the revocation list, when the context was opened from a bundle.
    pub fn revocations_signer(&self) -> Option<KeyId> {
        self.revocations_signer
    }

    /// Whether a key is revoked, by the revocation list or by the root in the trust list.
    pub fn key_revocation(&self, key_id: KeyId) -> Option<&Revocation> {
        self.trust_list
            .revoked
            .get(&key_id)
            .or_else(|| self.revocations.keys.get(&key_id))
    }

    /// How `offered` stands to this context, the one a node holds: [`Succession::Newer`] only if
    /// it is of the same root, no list is older, at least one is newer, a list of the same edition
    /// is the same list, every revocation held is kept (revocations are append-only), and its
    /// revocation list is not signed by a key this context revokes.
    pub fn succession(&self, offered: &TrustContext) -> Result<Succession, SuccessionError> {
        if offered.trust_list.root != self.trust_list.root {
            return Err(SuccessionError::OtherRoot);
        }
        let trust_order = offered.trust_list.version.cmp(&self.trust_list.version);
        let revocation_order = offered.revocations.version.cmp(&self.revocations.version);
        if trust_order.is_eq() && offered.trust_list != self.trust_list {
            return Err(SuccessionError::Fork {
                which: "trust list",
                version: self.trust_list.version,
            });
        }
        if revocation_order.is_eq() && offered.revocations != self.revocations {
            return Err(SuccessionError::Fork {
                which: "revocation list",
                version: self.revocations.version,
            });
        }
        if trust_order.is_lt() || revocation_order.is_lt() {
            return Ok(Succession::Older);
        }
        if trust_order.is_eq() && revocation_order.is_eq() {
            return Ok(Succession::Same);
        }
        let dropped = |entry: String| SuccessionError::DropsRevocation { entry };
        if let Some(key_id) = (self.trust_list.revoked.keys())
            .find(|key_id| !offered.trust_list.revoked.contains_key(key_id))
        {
            return Err(dropped(format!("revoked/{key_id}")));
        }
        if let Some(key_id) = (self.revocations.keys.keys())
            .find(|key_id| !offered.revocations.keys.contains_key(key_id))
        {
            return Err(dropped(format!("key/{key_id}")));
        }
        if let Some(copy_id) = (self.revocations.copies.keys())
            .find(|copy_id| !offered.revocations.copies.contains_key(*copy_id))
        {
            return Err(dropped(format!("copy/{copy_id}")));
        }
        if let Some(signer) = offered.revocations_signer
            && self.key_revocation(signer).is_some()
        {
            return Err(SuccessionError::RevokedSigner(signer));
        }
        Ok(Succession::Newer)
    }

    /// The trust list.
    pub fn trust_list(&self) -> &TrustList {
        &self.trust_list
    }

    /// The revocation list.
    pub fn revocations(&self) -> &RevocationList {
        &self.revocations
    }

    /// Whether a copy is revoked.
    pub fn copy_revocation(&self, copy_id: &str) -> Option<&Revocation> {
        self.revocations.copies.get(copy_id)
    }

    /// Checks that `key_id` may have signed at `signed_at` (Unix seconds) and returns its
    /// certificate. See the module's invariant.
    pub fn check_signer(&self, key_id: KeyId, signed_at: i64) -> Result<&Certificate, SignerError> {
        let certificate = self
            .trust_list
            .certificate(key_id)
            .ok_or(SignerError::UnknownKey(key_id))?;
        if let Some(&retired_at) = self.trust_list.retired.get(&key_id)
            && signed_at >= retired_at
        {
            return Err(SignerError::Retired {
                key_id,
                retired_at,
                signed_at,
            });
        }
        let mut link = certificate;
        // Chains are at most three long (kiosk → ward → root); the bound guards against cycles.
        for _ in 0..4 {
            let link_id = link.key_id();
            if let Some(revocation) = self.key_revocation(link_id) {
                return Err(SignerError::Revoked {
                    key_id: link_id,
                    revoked_at: revocation.revoked_at,
                    reason: revocation.reason.clone(),
                });
            }
            if let Some(reason) = self.broken.get(&link_id) {
                return Err(SignerError::BrokenChain {
                    key_id: link_id,
                    reason: reason.clone(),
                });
            }
            if !link.body.is_valid_at(signed_at) {
                return Err(SignerError::OutsideValidity {
                    key_id: link_id,
                    not_before: link.body.not_before,
                    not_after: link.body.not_after,
                    signed_at,
                });
            }
            if link.body.role == Role::CityRoot {
                return Ok(certificate);
            }
            link = self
                .trust_list
                .certificate(link.body.issuer)
                .ok_or_else(|| SignerError::BrokenChain {
                    key_id: link_id,
                    reason: "its issuer is not on the trust list".to_owned(),
                })?;
        }
        Err(SignerError::BrokenChain {
            key_id,
            reason: "the certificate chain is too long".to_owned(),
        })
    }

    /// Like [`TrustContext::check_signer`], and the key must hold one of `roles`.
    pub fn check_signer_with_role(
        &self,
        key_id: KeyId,
        signed_at: i64,
        roles: &[Role],
    ) -> Result<&Certificate, SignerError> {
        let certificate = self.check_signer(key_id, signed_at)?;
        if roles.contains(&certificate.body.role) {
            Ok(certificate)
        } else {
            Err(SignerError::WrongRole {
                key_id,
                actual: certificate.body.role,
            })
        }
    }

    /// How a key stands today, for listings.
    pub fn standing(&self, key_id: KeyId) -> KeyStanding {
        if let Some(reason) = self.broken.get(&key_id) {
            return KeyStanding::Broken(reason.clone());
        }
        let mut link = self.trust_list.certificate(key_id);
        for _ in 0..4 {
            let Some(certificate) = link else { break };
            if let Some(revocation) = self.key_revocation(certificate.key_id()) {
                return KeyStanding::Revoked(revocation.clone());
            }
            if certificate.body.role == Role::CityRoot {
                break;
            }
            link = self.trust_list.certificate(certificate.body.issuer);
        }
        match self.trust_list.retired.get(&key_id) {
            Some(&at) => KeyStanding::Retired(at),
            None => KeyStanding::Active,
        }
    }
}

/// Checks every certificate's issuer, role, commune and signature once.
fn check_certificates(trust_list: &TrustList) -> BTreeMap<KeyId, String> {
    let mut broken = BTreeMap::new();
    if trust_list.root.body.role != Role::CityRoot || !trust_list.root.is_valid_self_signed() {
        broken.insert(
            trust_list.root.key_id(),
            "the root certificate is not a valid self-signed city root".to_owned(),
        );
    }
    for (key_id, certificate) in &trust_list.certificates {
        if let Err(reason) = check_link(trust_list, certificate) {
            broken.insert(*key_id, reason);
        }
    }
    broken
}

fn check_link(trust_list: &TrustList, certificate: &Certificate) -> Result<(), String> {
    let body = &certificate.body;
    if body.role == Role::CityRoot {
        return Err("a second city root certificate is not allowed".to_owned());
    }
    let issuer = trust_list
        .certificate(body.issuer)
        .ok_or_else(|| format!("its issuer {} is not on the trust list", body.issuer))?;
    if issuer.body.role != body.role.issuer_role() {
        return Err(format!(
            "a {} key may not certify a {} key",
            issuer.body.role, body.role
        ));
    }
    if issuer.body.role == Role::Ward && issuer.body.commune != body.commune {
        return Err("certified by the ward of another commune".to_owned());
    }
    if !certificate.signature_verifies(&issuer.body.public_key) {
        return Err("the issuer's signature on the certificate does not verify".to_owned());
    }
    Ok(())
}
