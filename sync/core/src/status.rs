//! Node status documents: what a node reports of its own sync, signed by its node key, so the
//! city sees kiosks it never talks to directly (kiosk → ward → city, or through a fellow kiosk).
//!
//! A status is a small CBOR map ([`NodeStatus`]) inside a COSE_Sign1 made with the reporting
//! node's key ([`sign_status`]). It travels as one more kind of reconciliation item beside the
//! copies and the trust bundle: its key is [`status_key`] (a reserved prefix and the reporter's
//! key id) and its digest starts with the status's sequence number, so the initiator of a
//! session sees from the reconciliation alone whose status is newer on which side
//! (`status_phase`). Statuses flow upstream only ([`status_flow`]): kiosk → ward → city, and
//! between kiosks and officials' laptops of a commune, which relay for each other.
//!
//! On arrival [`open_status`] checks everything before anything is stored: the signature, by a
//! key that counts in the receiver's trust list at the reported time, of a kiosk or ward of the
//! link's commune, naming itself as the reporter. A node keeps only the newest status per
//! reporter (highest sequence); an older or forged one is refused and counted.

use bansao_trust::{KeyId, Role, SecretKey, TrustContext, cose};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::replica::DIGEST_LENGTH;

/// The `format` field of every status this code writes and reads.
pub const STATUS_FORMAT: &str = "bansao/node-status/v1";

/// The largest signed status accepted (a status of [`MAX_PEERS_REPORTED`] peers is ~12 KB).
pub const MAX_STATUS_BYTES: usize = 64 * 1024;

/// The most peers one status names.
pub const MAX_PEERS_REPORTED: usize = 64;

/// The longest error text a status carries per peer; longer ones are cut.
pub const MAX_ERROR_BYTES: usize = 200;

/// A status arriving more than this far ahead of the receiver's clock is refused.
pub const FUTURE_TOLERANCE_SECONDS: i64 = 86_400;

/// The first 8 bytes of every status item's key (a ULID of time zero, which no copy has).
pub const STATUS_KEY_PREFIX: [u8; 8] = [0, 0, 0, 0, 0, 0, b'S', b'T'];

/// What one node reports of itself.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq, Default)]
pub struct NodeStatus {
    /// [`STATUS_FORMAT`].
    pub format: String,
    /// The reporting node's key id (hex): must be the signer's.
    pub reporter: String,
    /// The reporter's certified role (`kiosk`, `ward`, `registrar`), as its certificate says.
    pub role: String,
    /// Its certificate's subject (kiosk id, commune).
    pub subject: String,
    /// Its certified commune.
    pub commune: Option<String>,
    /// Grows with every status the node makes: the newest is the highest.
    pub sequence: u64,
    /// When the node made it, Unix seconds (its own clock).
    pub reported_at: i64,
    /// The bansao version it runs.
    pub software_version: String,
    /// Copies it holds.
    pub copies: u64,
    /// Of which provisional (no decision yet).
    pub provisional_copies: u64,
    /// Its oldest provisional copy.
    pub oldest_provisional: Option<OldestProvisional>,
    /// Its sync with each peer it knows.
    pub peers: Vec<PeerReport>,
}

/// A node's oldest provisional copy.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq, Default)]
pub struct OldestProvisional {
    /// The copy.
    pub copy_id: String,
    /// When it was issued, Unix seconds.
    pub issued_at: i64,
}

/// What a node knows of its sync with one peer.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq, Default)]
pub struct PeerReport {
    /// The peer's key id (hex).
    pub key_id: String,
    /// Its certificate's subject, once known.
    pub subject: Option<String>,
    /// Its role, once known.
    pub role: Option<String>,
    /// Last session that got past the handshake, Unix seconds.
    pub last_contact: Option<i64>,
    /// Last session that finished cleanly, Unix seconds.
    pub last_success: Option<i64>,
    /// Copies the peer may still lack (written here since the last clean session).
    pub backlog_out: u64,
    /// Copies the last session left to receive.
    pub backlog_in: u64,
    /// How far behind the peer is: seconds since the last clean session while copies wait to
    /// go, else 0.
    pub lag_seconds: u64,
    /// Protocol bytes sent to it, over all sessions.
    pub bytes_sent: u64,
    /// Protocol bytes received from it, over all sessions.
    pub bytes_received: u64,
    /// Sessions that ended early.
    pub errors: u64,
    /// Handshakes, sessions or documents refused, by either side.
    pub refusals: u64,
    /// The last error, cut to [`MAX_ERROR_BYTES`].
    pub last_error: Option<String>,
}

/// A status whose signature and signer were checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedStatus {
    /// The signer.
    pub reporter: KeyId,
    /// Its certified role.
    pub role: Role,
    /// Its certificate's subject.
    pub subject: String,
    /// Its certified commune.
    pub commune: Option<String>,
    /// The decoded status.
    pub status: NodeStatus,
    /// The signed bytes, as they travel and are stored.
    pub bytes: Vec<u8>,
}

impl VerifiedStatus {
    /// The digest this status is reconciled by (see [`status_digest`]).
    pub fn digest(&self) -> [u8; DIGEST_LENGTH] {
        status_digest(self.status.sequence, &self.bytes)
    }
}

/// Why a status was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StatusRefusal {
    /// Larger than [`MAX_STATUS_BYTES`].
    #[error("the status is {0} bytes, more than {MAX_STATUS_BYTES}")]
    TooLarge(usize),
    /// Not a COSE_Sign1, or its payload is not a status.
    #[error("not a status document: {0}")]
    Malformed(String),
    /// Another format.
    #[error("unknown status format {0:?}")]
    Format(String),
    /// The payload names another node than the signer.
    #[error("signed by {signer} but reports for {reporter}")]
    NotItsOwn {
        /// The signer's key id.
        signer: String,
        /// The reporter named.
        reporter: String,
    },
    /// The signer does not count at the reported time.
    #[error("the signer {0} does not count: {1}")]
    Signer(String, String),
    /// The signature does not verify.
    #[error("the signature of {0} does not verify")]
    BadSignature(String),
    /// The signer is of a role that does not report (an official, the root).
    #[error("a {0} key does not report status")]
    Role(&'static str),
    /// The reporter is of another commune than the link carries.
    #[error("the status of {reporter} is of commune {found:?}, the link carries {expected}")]
    OutOfScope {
        /// The reporter.
        reporter: String,
        /// Its commune.
        found: Option<String>,
        /// The link's.
        expected: String,
    },
    /// Dated too far in the future.
    #[error("the status is dated {0} s ahead of this node's clock")]
    Future(i64),
    /// Not newer than the held status of the reporter.
    #[error("status {offered} of {reporter} is not newer than the held {held}")]
    NotNewer {
        /// The reporter.
        reporter: String,
        /// The offered sequence.
        offered: u64,
        /// The held sequence.
        held: u64,
    },
    /// The peer may not send statuses on this link (they flow upstream).
    #[error("a {0} does not send statuses to a {1}")]
    Direction(&'static str, &'static str),
}

/// The reconciliation key of `reporter`'s status.
pub fn status_key(reporter: KeyId) -> [u8; 16] {
    let mut key = [0u8; 16];
    key[..8].copy_from_slice(&STATUS_KEY_PREFIX);
    key[8..].copy_from_slice(&reporter.0);
    key
}

/// The reporter of a status item's key, or `None` for any other key.
pub fn status_reporter(key: &[u8; 16]) -> Option<KeyId> {
    if key[..8] != STATUS_KEY_PREFIX {
        return None;
    }
    KeyId::from_slice(&key[8..])
}

/// The digest a status is reconciled by: its sequence (8 bytes, big-endian), then the first 8
/// bytes of the signed bytes' SHA-256. Two sides that hold different statuses of one reporter
/// thus learn whose is newer without exchanging them.
pub fn status_digest(sequence: u64, bytes: &[u8]) -> [u8; DIGEST_LENGTH] {
    let hash: [u8; 32] = Sha256::digest(bytes).into();
    let mut digest = [0u8; DIGEST_LENGTH];
    digest[..8].copy_from_slice(&sequence.to_be_bytes());
    digest[8..].copy_from_slice(&hash[..DIGEST_LENGTH - 8]);
    digest
}

/// The sequence a status digest carries.
pub fn digest_sequence(digest: &[u8]) -> u64 {
    let mut sequence = [0u8; 8];
    if let Some(head) = digest.get(..8) {
        sequence.copy_from_slice(head);
    }
    u64::from_be_bytes(sequence)
}

/// Signs `status` with the reporting node's key (a COSE_Sign1 with the payload attached). The
/// peers and the error texts are cut to the limits first.
pub fn sign_status(status: &NodeStatus, key: &SecretKey) -> Vec<u8> {
    let mut status = status.clone();
    status.peers.truncate(MAX_PEERS_REPORTED);
    for peer in &mut status.peers {
        if let Some(error) = &mut peer.last_error {
            cut(error, MAX_ERROR_BYTES);
        }
    }
    let mut payload = Vec::new();
    if let Err(error) = ciborium::into_writer(&status, &mut payload) {
        // Writing into a Vec fails only if serde does; a plain struct of strings and numbers
        // does not.
        unreachable!("encoding a node status failed: {error}");
    }
    cose::sign1(payload, key)
}

fn cut(text: &mut String, max: usize) {
    if text.len() > max {
        let mut at = max;
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        text.truncate(at);
    }
}

/// Reads a status without checking its signature: for a node's own stored statuses and for
/// comparing sequences. Never use it on what a peer sent; that is [`open_status`].
pub fn read_status_unverified(bytes: &[u8]) -> Result<NodeStatus, StatusRefusal> {
    if bytes.len() > MAX_STATUS_BYTES {
        return Err(StatusRefusal::TooLarge(bytes.len()));
    }
    let opened =
        cose::open_sign1(bytes).map_err(|error| StatusRefusal::Malformed(error.to_string()))?;
    decode(&opened.payload)
}

fn decode(payload: &[u8]) -> Result<NodeStatus, StatusRefusal> {
    let mut reader = payload;
    let status: NodeStatus = ciborium::from_reader(&mut reader)
        .map_err(|error| StatusRefusal::Malformed(error.to_string()))?;
    if !reader.is_empty() {
        return Err(StatusRefusal::Malformed(format!(
            "{} bytes after the status",
            reader.len()
        )));
    }
    if status.format != STATUS_FORMAT {
        return Err(StatusRefusal::Format(status.format));
    }
    Ok(status)
}

/// Opens a status a peer sent: the signature verifies with a key that counts in `trust` at the
/// reported time, the signer names itself as the reporter, is a kiosk or ward (or the city, for
/// its own status) and, when `commune` is given, of that commune; the status is not dated more
/// than [`FUTURE_TOLERANCE_SECONDS`] after `now` (Unix seconds). Role, subject and commune come
/// from the certificate, never from the payload.
pub fn open_status(
    bytes: &[u8],
    trust: &TrustContext,
    commune: Option<&str>,
    now: i64,
) -> Result<VerifiedStatus, StatusRefusal> {
    if bytes.len() > MAX_STATUS_BYTES {
        return Err(StatusRefusal::TooLarge(bytes.len()));
    }
    let opened =
        cose::open_sign1(bytes).map_err(|error| StatusRefusal::Malformed(error.to_string()))?;
    let status = decode(&opened.payload)?;
    let signer = opened.key_id;
    if status.reporter != signer.to_hex() {
        return Err(StatusRefusal::NotItsOwn {
            signer: signer.to_hex(),
            reporter: status.reporter,
        });
    }
    let certificate = trust
        .check_signer(signer, status.reported_at)
        .map_err(|error| StatusRefusal::Signer(signer.to_hex(), error.to_string()))?;
    if !opened.verify(&certificate.body.public_key) {
        return Err(StatusRefusal::BadSignature(signer.to_hex()));
    }
    let role = certificate.body.role;
    if !matches!(role, Role::Kiosk | Role::Ward | Role::Registrar) {
        return Err(StatusRefusal::Role(role.as_str()));
    }
    if let Some(expected) = commune
        && certificate.body.commune.as_deref() != Some(expected)
    {
        return Err(StatusRefusal::OutOfScope {
            reporter: certificate.body.subject.clone(),
            found: certificate.body.commune.clone(),
            expected: expected.to_owned(),
        });
    }
    let ahead = status.reported_at.saturating_sub(now);
    if ahead > FUTURE_TOLERANCE_SECONDS {
        return Err(StatusRefusal::Future(ahead));
    }
    Ok(VerifiedStatus {
        reporter: signer,
        role,
        subject: certificate.body.subject.clone(),
        commune: certificate.body.commune.clone(),
        status,
        bytes: bytes.to_vec(),
    })
}

/// Which way statuses go on a link, from one side's point of view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatusFlow {
    /// This side sends the statuses it holds that the peer lacks or holds older.
    pub send: bool,
    /// This side takes statuses from the peer.
    pub receive: bool,
}

fn rank(role: Role) -> u8 {
    match role {
        Role::Kiosk | Role::Official | Role::CityStaff => 0,
        Role::Ward => 1,
        Role::Registrar | Role::CityRoot | Role::Log => 2,
    }
}

/// Statuses go upstream: a node sends to a peer of its rank or above (kiosk and laptop < ward <
/// city) and takes from a peer of its rank or below. Kiosks and laptops of a commune relay for
/// each other both ways; a ward never sends its kiosks' statuses back down.
pub fn status_flow(local: Role, peer: Role) -> StatusFlow {
    StatusFlow {
        send: rank(peer) >= rank(local),
        receive: rank(peer) <= rank(local),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bansao_trust::testing::{COMMUNE, Hierarchy, VALID_FROM};

    fn status_of(holder: &bansao_trust::testing::Holder, sequence: u64) -> NodeStatus {
        NodeStatus {
            format: STATUS_FORMAT.to_owned(),
            reporter: holder.key.key_id().to_hex(),
            sequence,
            reported_at: VALID_FROM + 100,
            ..NodeStatus::default()
        }
    }

    #[test]
    fn a_signed_status_opens_and_a_forged_one_does_not() {
        let h = Hierarchy::new();
        let trust = h.context();
        let bytes = sign_status(&status_of(&h.kiosk, 3), &h.kiosk.key);
        let opened = open_status(&bytes, &trust, Some(COMMUNE), VALID_FROM + 100).unwrap();
        assert_eq!(opened.reporter, h.kiosk.key.key_id());
        assert_eq!(opened.role, Role::Kiosk);
        assert_eq!(opened.status.sequence, 3);
        assert_eq!(digest_sequence(&opened.digest()), 3);

        // Signed by the ward, naming the kiosk.
        let forged = sign_status(&status_of(&h.kiosk, 4), &h.ward.key);
        assert!(matches!(
            open_status(&forged, &trust, Some(COMMUNE), VALID_FROM + 100),
            Err(StatusRefusal::NotItsOwn { .. })
        ));
        // One byte of the payload changed.
        let mut tampered = bytes.clone();
        let at = tampered.len() - 70;
        tampered[at] ^= 1;
        assert!(open_status(&tampered, &trust, Some(COMMUNE), VALID_FROM + 100).is_err());
        // Another commune's link.
        assert!(matches!(
            open_status(&bytes, &trust, Some("00002"), VALID_FROM + 100),
            Err(StatusRefusal::OutOfScope { .. })
        ));
        // An official does not report.
        let official = sign_status(&status_of(&h.official, 1), &h.official.key);
        assert!(matches!(
            open_status(&official, &trust, Some(COMMUNE), VALID_FROM + 100),
            Err(StatusRefusal::Role(_))
        ));
        // Garbage.
        assert!(open_status(&[0xff, 0, 1], &trust, None, VALID_FROM).is_err());
    }

    #[test]
    fn status_keys_are_not_copy_ids_and_flow_goes_upstream() {
        let key = KeyId([9; 8]);
        assert_eq!(status_reporter(&status_key(key)), Some(key));
        assert_eq!(
            status_reporter(&crate::session::TRUST_BUNDLE_KEY),
            None,
            "the trust bundle's key is not a status key"
        );
        assert!(status_flow(Role::Kiosk, Role::Ward).send);
        assert!(!status_flow(Role::Kiosk, Role::Ward).receive);
        assert!(status_flow(Role::Ward, Role::Registrar).send);
        assert!(!status_flow(Role::Registrar, Role::Ward).send);
        assert!(status_flow(Role::Registrar, Role::Ward).receive);
        let lan = status_flow(Role::Kiosk, Role::Kiosk);
        assert!(lan.send && lan.receive);
    }
}
