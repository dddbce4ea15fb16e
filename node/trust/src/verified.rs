//! The signatures this process has already verified, so a copy's status can be derived again
//! without checking its signatures again.
//!
//! A city takes a ward's push in (every signature of every copy checked), then registers,
//! logs and proves the same copies, each step deriving the copy's status anew: without this
//! memo, about thirteen Ed25519 verifications a copy where three are new. Strict Ed25519
//! verification is a pure function of the key, the message and the signature, so its `true`
//! answers can be remembered: an entry is the SHA-256 of all three (with the signing context),
//! and only signatures that verified are kept. Nobody can add an entry without a signature
//! that verifies, and SHA-256's collision resistance keeps one triple from standing for
//! another. A failure is never remembered: it is checked again every time.
//!
//! The memo is bounded: two generations of at most [`GENERATION`] entries each; when the newer
//! fills, the older is dropped. Lookups and inserts take a lock for a hash-set operation only.

use std::collections::HashSet;
use std::sync::Mutex;

use ed25519_dalek::{Signature, VerifyingKey};
use sha2::{Digest, Sha256};

/// Entries a generation holds (32 bytes each, plus the set's overhead: ~5 MB at most in all).
pub const GENERATION: usize = 65_536;

/// A bounded set of verified (key, message, signature) triples.
#[derive(Debug, Default)]
pub struct VerifiedSignatures {
    generations: Mutex<Generations>,
}

#[derive(Debug, Default)]
struct Generations {
    newer: HashSet<[u8; 32]>,
    older: HashSet<[u8; 32]>,
}

/// The memo's key for one triple.
fn entry(public_key: &VerifyingKey, message: &[u8], signature: &Signature) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(b"bansao verified ed25519\0");
    hasher.update(public_key.as_bytes());
    hasher.update(signature.to_bytes());
    hasher.update(message);
    hasher.finalize().into()
}

impl VerifiedSignatures {
    /// An empty memo.
    pub fn new() -> VerifiedSignatures {
        VerifiedSignatures::default()
    }

    /// Whether `signature` is a strict Ed25519 signature of `message` by `public_key`, from
    /// the memo when this triple verified before.
    pub fn verify_strict(
        &self,
        public_key: &VerifyingKey,
        message: &[u8],
        signature: &Signature,
    ) -> bool {
        let entry = entry(public_key, message, signature);
        if self.holds(&entry) {
            return true;
        }
        let verified = public_key.verify_strict(message, signature).is_ok();
        if verified {
            self.remember(entry);
        }
        verified
    }

    /// How many triples the memo holds.
    pub fn len(&self) -> usize {
        self.generations.lock().map_or(0, |generations| {
            generations.newer.len() + generations.older.len()
        })
    }

    /// Whether the memo holds nothing.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn holds(&self, entry: &[u8; 32]) -> bool {
        // A poisoned lock (a thread panicked while holding it: it cannot, the critical
        // sections do not panic) would only mean verifying again.
        self.generations.lock().is_ok_and(|generations| {
            generations.newer.contains(entry) || generations.older.contains(entry)
        })
    }

    fn remember(&self, entry: [u8; 32]) {
        if let Ok(mut generations) = self.generations.lock() {
            if generations.newer.len() >= GENERATION {
                generations.older = std::mem::take(&mut generations.newer);
            }
            generations.newer.insert(entry);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::key::SecretKey;

    #[test]
    fn a_remembered_signature_does_not_vouch_for_another_message() {
        let key = SecretKey::from_seed([3; 32]);
        let public_key = key.public_key();
        let signature = key.sign_raw(b"approve copy 1");
        let memo = VerifiedSignatures::new();
        assert!(memo.verify_strict(&public_key, b"approve copy 1", &signature));
        assert_eq!(memo.len(), 1);
        assert!(memo.verify_strict(&public_key, b"approve copy 1", &signature));
        assert!(!memo.verify_strict(&public_key, b"approve copy 2", &signature));
        let other = SecretKey::from_seed([4; 32]).public_key();
        assert!(!memo.verify_strict(&other, b"approve copy 1", &signature));
        assert_eq!(memo.len(), 1, "failures are not remembered");
    }

    #[test]
    fn a_failed_signature_is_checked_again_every_time() {
        let key = SecretKey::from_seed([5; 32]);
        let mut bytes = key.sign_raw(b"m").to_bytes();
        bytes[0] ^= 1;
        let forged = Signature::from_bytes(&bytes);
        let memo = VerifiedSignatures::new();
        for _ in 0..3 {
            assert!(!memo.verify_strict(&key.public_key(), b"m", &forged));
        }
        assert!(memo.is_empty());
    }

    #[test]
    fn the_memo_stays_within_two_generations() {
        let key = SecretKey::from_seed([6; 32]);
        let memo = VerifiedSignatures::new();
        let first = key.sign_raw(b"0");
        assert!(memo.verify_strict(&key.public_key(), b"0", &first));
        // Fill past two generations with entries (inserted directly: signing 130k messages
        // would make the test slow without testing anything more).
        for n in 0..(2 * GENERATION + 10) {
            let mut fake = [0u8; 32];
            fake[..8].copy_from_slice(&(n as u64).to_le_bytes());
            fake[31] = 1;
            memo.remember(fake);
        }
        assert!(memo.len() <= 2 * GENERATION);
        assert!(
            !memo.holds(&entry(&key.public_key(), b"0", &first)),
            "the oldest entry was dropped"
        );
        assert!(memo.verify_strict(&key.public_key(), b"0", &first));
    }
}
