//! The handshake check: a peer whose key is unknown, revoked, retired, expired or of a role
//! that never links with this node is refused inside the QUIC handshake, before any stream
//! opens. The session repeats the check (and the commune check) on its hello.
//!
//! A flood of refused handshakes (anyone can send them) must not flood the log or the peer
//! table: at most [`REFUSALS_LOGGED_PER_MINUTE`] are logged each minute and the rest counted
//! in one line when the minute is over ([`RefusalLog`]); keys the trust list does not know
//! are recorded together under one entry ([`UNKNOWN_KEYS_ENTRY`]), not one entry each.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use bansao_sync::{NodeIdentity, link_policy};
use bansao_sync_net::PeerAuthorizer;
use bansao_trust::KeyId;
use ed25519_dalek::VerifyingKey;

use crate::entropy;
use crate::sync::peers::PeerBook;
use crate::sync::trust::TrustHandle;

/// How many refused handshakes are logged one by one each minute.
pub const REFUSALS_LOGGED_PER_MINUTE: u32 = 10;
/// The peer-table entry that counts handshakes by keys the trust list does not know.
pub const UNKNOWN_KEYS_ENTRY: &str = "unknown-keys";

/// What to do with the log line of one refused handshake.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefusalLogDecision {
    /// Log it.
    Log,
    /// Log it, after a line saying how many the last minute left out.
    LogAfterSuppressed(u64),
    /// Count it, do not log it.
    Suppress,
}

/// Rate limit of refusal log lines: a fixed window of one minute.
#[derive(Debug)]
pub struct RefusalLog {
    window_start: Option<Instant>,
    logged: u32,
    suppressed: u64,
}

impl RefusalLog {
    /// No refusal seen yet.
    pub fn new() -> RefusalLog {
        RefusalLog {
            window_start: None,
            logged: 0,
            suppressed: 0,
        }
    }

    /// Decides for a refusal at `now`.
    pub fn decide(&mut self, now: Instant) -> RefusalLogDecision {
        let new_window = self
            .window_start
            .is_none_or(|start| now.duration_since(start) >= Duration::from_secs(60));
        if new_window {
            self.window_start = Some(now);
            self.logged = 1;
            let suppressed = std::mem::take(&mut self.suppressed);
            return if suppressed > 0 {
                RefusalLogDecision::LogAfterSuppressed(suppressed)
            } else {
                RefusalLogDecision::Log
            };
        }
        if self.logged < REFUSALS_LOGGED_PER_MINUTE {
            self.logged += 1;
            RefusalLogDecision::Log
        } else {
            self.suppressed += 1;
            RefusalLogDecision::Suppress
        }
    }
}

impl Default for RefusalLog {
    fn default() -> RefusalLog {
        RefusalLog::new()
    }
}

/// Admits the peers this node may sync with, by its trust list now.
#[derive(Debug)]
pub struct TrustAuthorizer {
    local: NodeIdentity,
    trust: TrustHandle,
    peers: PeerBook,
    log: Mutex<RefusalLog>,
}

impl TrustAuthorizer {
    /// The check for the node `local`.
    pub fn new(local: NodeIdentity, trust: TrustHandle, peers: PeerBook) -> TrustAuthorizer {
        TrustAuthorizer {
            local,
            trust,
            peers,
            log: Mutex::new(RefusalLog::new()),
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
                let decision = match self.log.lock() {
                    Ok(mut log) => log.decide(Instant::now()),
                    Err(poisoned) => poisoned.into_inner().decide(Instant::now()),
                };
                if let RefusalLogDecision::LogAfterSuppressed(count) = decision {
                    tracing::warn!(
                        "{count} more sync handshakes were refused in the last minute (not logged one by one)"
                    );
                }
                if decision != RefusalLogDecision::Suppress {
                    tracing::warn!(peer = %key_id, "sync peer refused at the handshake: {reason}");
                }
                let known = self
                    .trust
                    .context()
                    .trust_list()
                    .certificate(key_id)
                    .is_some();
                let entry = if known {
                    key_id.to_hex()
                } else {
                    UNKNOWN_KEYS_ENTRY.to_owned()
                };
                self.peers.record_refused_handshake(
                    entry,
                    &format!("{key_id}: {reason}"),
                    entropy::now(),
                );
                Err(reason)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flood_of_refusals_logs_ten_a_minute_and_counts_the_rest() {
        let mut log = RefusalLog::new();
        let start = Instant::now();
        let decisions: Vec<RefusalLogDecision> = (0..2_000)
            .map(|n| log.decide(start + Duration::from_millis(n)))
            .collect();
        let logged = decisions
            .iter()
            .filter(|decision| **decision != RefusalLogDecision::Suppress)
            .count();
        assert_eq!(logged, REFUSALS_LOGGED_PER_MINUTE as usize);
        // The next minute's first refusal says how many were left out.
        assert_eq!(
            log.decide(start + Duration::from_secs(61)),
            RefusalLogDecision::LogAfterSuppressed(2_000 - u64::from(REFUSALS_LOGGED_PER_MINUTE))
        );
        assert_eq!(
            log.decide(start + Duration::from_secs(62)),
            RefusalLogDecision::Log
        );
    }
}
