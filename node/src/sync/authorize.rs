//! The handshake check: a peer whose key is unknown, revoked, retired, expired or of a role
//! that never links with this node is refused inside the QUIC handshake, before any stream
//! opens. The session repeats the check (and the commune check) on its hello.

use bansao_sync::{NodeIdentity, link_policy};
use bansao_sync_net::PeerAuthorizer;
use bansao_trust::KeyId;
use ed25519_dalek::VerifyingKey;

use crate::entropy;
use crate::sync::peers::PeerBook;
use crate::sync::trust::TrustHandle;

/// Admits the peers this node may sync with, by its trust list now.
#[derive(Debug)]
pub struct TrustAuthorizer {
    local: NodeIdentity,
    trust: TrustHandle,
    peers: PeerBook,
}

impl TrustAuthorizer {
    /// The check for the node `local`.
    pub fn new(local: NodeIdentity, trust: TrustHandle, peers: PeerBook) -> TrustAuthorizer {
        TrustAuthorizer {
            local,
            trust,
            peers,
        }
    }

    /// Why `key_id` may not connect now, if it may not.
    pub fn check(&self, key_id: KeyId) -> Result<NodeIdentity, String> {
        let now = entropy::now();
        let trust = self.trust.context();
        let certificate = trust
            .check_signer(key_id, now.unix())
            .map_err(|error| error.to_string())?;
        let peer = NodeIdentity {
            key_id,
            role: certificate.body.role,
            commune: certificate.body.commune.clone(),
            subject: certificate.body.subject.clone(),
        };
        link_policy(&self.local, &peer).map_err(|error| error.to_string())?;
        Ok(peer)
    }
}

impl PeerAuthorizer for TrustAuthorizer {
    fn authorize(&self, public_key: &VerifyingKey) -> Result<(), String> {
        let key_id = KeyId::of(public_key);
        match self.check(key_id) {
            Ok(_) => Ok(()),
            Err(reason) => {
                tracing::warn!(peer = %key_id, "sync peer refused at the handshake: {reason}");
                self.peers
                    .record_refused_handshake(key_id, &reason, entropy::now());
                Err(reason)
            }
        }
    }
}
