//! The first phases of a session: the hello (who the peer is, what the link shares) and the
//! range-based set reconciliation (negentropy) that finds which documents differ, plus the
//! trust bundle carried alongside. See `session` for the phases as a whole.

use std::sync::Arc;

use bansao_copy::Timestamp;
use bansao_trust::{KeyId, SignerError, Succession, TrustContext};
use negentropy::{Id, Negentropy, NegentropyStorageVector};
use serde_bytes::ByteBuf;
use sha2::{Digest, Sha256};

use crate::phase::{DocumentWork, Link, Phase, Reconciliation};
use crate::policy::{NodeIdentity, PolicyError, link_policy};
use crate::replica::{DIGEST_LENGTH, Replica, ReplicaError, StorageEffect};
use crate::session::{Session, SessionError, Side, TRUST_BUNDLE_KEY};
use crate::wire::{ErrorCode, Message, PROTOCOL_VERSION};

impl Session {
    pub(crate) fn on_hello(
        &mut self,
        version: u32,
        key_id: KeyId,
        now: Timestamp,
        replica: &mut dyn Replica,
    ) -> Result<(), SessionError> {
        if version != PROTOCOL_VERSION {
            return Err(self.refuse(
                ErrorCode::VersionMismatch,
                format!("the peer speaks protocol {version}, this node {PROTOCOL_VERSION}"),
            ));
        }
        if key_id != self.peer_key {
            return Err(self.refuse(
                ErrorCode::UnknownPeer,
                format!(
                    "the peer says it is key {key_id} but the connection authenticated key {}",
                    self.peer_key
                ),
            ));
        }
        let certificate = match self.trust.check_signer(key_id, now.unix()) {
            Ok(certificate) => certificate.clone(),
            Err(error) => {
                let code = match error {
                    SignerError::UnknownKey(_) => ErrorCode::UnknownPeer,
                    _ => ErrorCode::NotAuthorised,
                };
                return Err(self.refuse(code, format!("peer key {key_id}: {error}")));
            }
        };
        let peer = NodeIdentity {
            key_id,
            role: certificate.body.role,
            commune: certificate.body.commune.clone(),
            subject: certificate.body.subject.clone(),
        };
        let policy = match link_policy(&self.local, &peer) {
            Ok(policy) => policy,
            Err(error) => {
                let code = match error {
                    PolicyError::DifferentCommunes { .. } => ErrorCode::OutOfScope,
                    PolicyError::WrongRoles { .. } => ErrorCode::NotAuthorised,
                };
                return Err(self.refuse(code, format!("peer {}: {error}", peer.subject)));
            }
        };
        tracing::debug!(peer = %peer.subject, role = peer.role.as_str(), commune = %policy.commune, "sync peer accepted");
        self.phase = Phase::Reconcile {
            link: Link { peer, policy },
            reconciliation: Reconciliation::NotStarted,
        };
        if self.side == Side::Initiator {
            let mut negentropy = self.build_negentropy(replica)?;
            match negentropy.initiate() {
                Ok(payload) => self.control.push_back(Message::Reconcile {
                    payload: ByteBuf::from(payload),
                }),
                Err(error) => {
                    return Err(self.refuse(ErrorCode::Storage, format!("reconciliation: {error}")));
                }
            }
            self.set_reconciliation(Reconciliation::Initiating {
                negentropy,
                have: Vec::new(),
                need: Vec::new(),
            });
        }
        Ok(())
    }

    /// Installs this side's reconciliation once its set is built (the phase is still
    /// `Reconcile`: building it fails only by ending the session).
    fn set_reconciliation(&mut self, built: Reconciliation) {
        if let Phase::Reconcile { reconciliation, .. } = &mut self.phase {
            *reconciliation = built;
        }
    }

    pub(crate) fn build_negentropy(
        &mut self,
        replica: &mut dyn Replica,
    ) -> Result<Negentropy<'static, NegentropyStorageVector>, SessionError> {
        let commune = self
            .policy()
            .map(|policy| policy.commune.clone())
            .unwrap_or_default();
        let cache = self.reconcile_cache.clone();
        let built = (|| -> Result<NegentropyStorageVector, ReplicaError> {
            let bundle = replica.trust_bundle()?.map(|bundle| bundle_digest(&bundle));
            let generation = replica.items_generation()?;
            let bundle_key = bundle.unwrap_or_default();
            if let (Some(cache), Some(generation)) = (&cache, generation)
                && let Some(storage) = cache.get(&commune, generation, &bundle_key)
            {
                return Ok(NegentropyStorageVector::clone(&storage));
            }
            let items = replica.sync_items(&commune)?;
            let mut storage = NegentropyStorageVector::with_capacity(items.len() + 1);
            for (copy_id, digest) in items {
                storage.insert(
                    copy_id.0.timestamp_ms(),
                    item_id(copy_id.to_bytes(), &digest),
                )?;
            }
            if let Some(bundle) = bundle {
                storage.insert(0, item_id(TRUST_BUNDLE_KEY, &bundle))?;
            }
            Session::add_status_items(&mut storage, &commune, replica)?;
            storage.seal()?;
            if let (Some(cache), Some(generation)) = (&cache, generation) {
                cache.put(&commune, generation, bundle_key, Arc::new(storage.clone()));
            }
            Ok(storage)
        })();
        let storage = match built {
            Ok(storage) => storage,
            Err(error) => return Err(self.refuse(ErrorCode::Storage, error.to_string())),
        };
        self.stats.items_reconciled = storage_size(&storage);
        match Negentropy::owned(storage, self.config.reconcile_frame_bytes) {
            Ok(negentropy) => Ok(negentropy),
            Err(error) => Err(self.refuse(ErrorCode::Storage, format!("reconciliation: {error}"))),
        }
    }

    pub(crate) fn on_reconcile(
        &mut self,
        payload: &[u8],
        replica: &mut dyn Replica,
    ) -> Result<(), SessionError> {
        self.stats.reconcile_rounds += 1;
        if let Phase::Reconcile {
            reconciliation: Reconciliation::NotStarted,
            ..
        } = self.phase
        {
            if self.side == Side::Initiator {
                return Err(self.violation("reconcile"));
            }
            let negentropy = self.build_negentropy(replica)?;
            self.set_reconciliation(Reconciliation::Answering { negentropy });
        }
        let outcome = match &mut self.phase {
            Phase::Reconcile {
                reconciliation: Reconciliation::Answering { negentropy },
                ..
            } => negentropy.reconcile(payload).map(ReconcileStep::Reply),
            Phase::Reconcile {
                reconciliation:
                    Reconciliation::Initiating {
                        negentropy,
                        have,
                        need,
                    },
                ..
            } => match negentropy.reconcile_with_ids(payload, have, need) {
                Ok(Some(reply)) => Ok(ReconcileStep::Reply(reply)),
                Ok(None) => Ok(ReconcileStep::Differences {
                    have: std::mem::take(have),
                    need: std::mem::take(need),
                }),
                Err(error) => Err(error),
            },
            _ => return Err(self.violation("reconcile")),
        };
        match outcome {
            Ok(ReconcileStep::Reply(reply)) => {
                self.control.push_back(Message::Reconcile {
                    payload: ByteBuf::from(reply),
                });
                Ok(())
            }
            Ok(ReconcileStep::Differences { have, need }) => {
                let plan = self.plan_documents(have, need, replica)?;
                self.phase.begin_documents(|| DocumentWork::Plan(plan));
                Ok(())
            }
            Err(error) => Err(self.refuse(
                ErrorCode::MalformedFrame,
                format!("reconciliation message: {error}"),
            )),
        }
    }

    pub(crate) fn on_trust_bundle(
        &mut self,
        bytes: Vec<u8>,
        replica: &mut dyn Replica,
    ) -> Result<(), SessionError> {
        let current = match replica.trust_bundle() {
            Ok(current) => current,
            Err(error) => return Err(self.refuse(ErrorCode::Storage, error.to_string())),
        };
        match newer_bundle(current.as_deref(), &bytes) {
            Ok(true) => {
                tracing::info!(peer = %self.peer_key, "adopting a newer trust bundle from the peer");
                self.stats.trust_bundles_adopted += 1;
                self.effects
                    .push_back(StorageEffect::AdoptTrustBundle(bytes));
            }
            Ok(false) => {}
            Err(reason) => {
                tracing::warn!(peer = %self.peer_key, "ignoring the peer's trust bundle: {reason}");
            }
        }
        Ok(())
    }
}

/// What one negentropy message brought.
enum ReconcileStep {
    /// A message to send back.
    Reply(Vec<u8>),
    /// The end (initiator): the items only this side has and those only the peer has.
    Differences { have: Vec<Id>, need: Vec<Id> },
}

/// The reconciliation item of a document: its key and its heads digest.
pub fn item_id(key: [u8; 16], digest: &[u8; DIGEST_LENGTH]) -> Id {
    let mut id = [0u8; 32];
    id[..16].copy_from_slice(&key);
    id[16..].copy_from_slice(digest);
    Id::from_byte_array(id)
}

/// The digest a trust bundle is reconciled by.
pub fn bundle_digest(bundle: &[u8]) -> [u8; DIGEST_LENGTH] {
    let digest: [u8; 32] = Sha256::digest(bundle).into();
    let mut out = [0u8; DIGEST_LENGTH];
    out.copy_from_slice(&digest[..DIGEST_LENGTH]);
    out
}

fn storage_size(storage: &NegentropyStorageVector) -> u64 {
    use negentropy::NegentropyStorageBase;
    storage.size().map_or(0, |size| size as u64)
}

/// Whether `offered` is a valid trust bundle that replaces `current`
/// ([`TrustContext::succession`]: same root, newer, revocations kept, signer not revoked).
pub fn newer_bundle(current: Option<&[u8]>, offered: &[u8]) -> Result<bool, String> {
    let offered = TrustContext::from_bundle(offered).map_err(|e| e.to_string())?;
    let Some(current) = current else {
        return Ok(false);
    };
    let current = TrustContext::from_bundle(current).map_err(|e| e.to_string())?;
    match current.succession(&offered) {
        Ok(succession) => Ok(succession == Succession::Newer),
        Err(error) => Err(error.to_string()),
    }
}
