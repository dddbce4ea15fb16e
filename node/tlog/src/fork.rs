//! Fork detection: a ward or kiosk holds a checkpoint of the city's log and is offered another
//! with a consistency proof between the two. [`check_consistency`] says whether the offered one
//! extends the held one ([`ConsistencyVerdict::Consistent`]), is older but consistent with it
//! ([`ConsistencyVerdict::OlderButConsistent`]), proves that the log has shown two histories
//! ([`ConsistencyVerdict::Fork`], with the evidence to report), or proves nothing
//! ([`ConsistencyVerdict::BadProof`]: ask again, elsewhere).
//!
//! A fork is claimed only on evidence that two *signed* heads cannot both be true: equal sizes
//! with different roots, or a proof whose hashes lead to the larger checkpoint's signed root but
//! to another root for the smaller size than the one signed. When the smaller size is a power
//! of two the proof format carries no hash of that subtree (RFC 6962 §2.1.2), so a fork there
//! shows only as a bad proof; so does any proof an attacker garbled.

use crate::checkpoint::VerifiedCheckpoint;
use crate::hash::Hash;
use crate::proof::{
    ConsistencyProof, ProofError, roots_from_consistency_proof, verify_consistency,
};

/// What the offered checkpoint is, next to the held one.
#[derive(Clone, PartialEq, Eq, Debug)]
#[non_exhaustive]
pub enum ConsistencyVerdict {
    /// It extends (or equals) the held checkpoint: keep it instead.
    Consistent,
    /// It is older than the held checkpoint and consistent with it: keep the held one.
    OlderButConsistent,
    /// The log signed two histories: keep the held checkpoint, report the evidence.
    Fork(Box<ForkEvidence>),
    /// The proof shows nothing either way.
    BadProof(ProofError),
}

/// Two signed checkpoints of one log that cannot both be true, and what shows it.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ForkEvidence {
    /// The checkpoint held.
    pub held: VerifiedCheckpoint,
    /// The checkpoint offered.
    pub offered: VerifiedCheckpoint,
    /// What shows the fork.
    pub shown_by: ForkShownBy,
}

/// How a fork is shown.
#[derive(Clone, PartialEq, Eq, Debug)]
#[non_exhaustive]
pub enum ForkShownBy {
    /// Both checkpoints are of one size, with different roots.
    SameSizeDifferentRoots,
    /// The proof leads to the larger checkpoint's root, and from there to `smaller_root` for
    /// the smaller size, which is not the root that checkpoint signed.
    Proof {
        /// The proof.
        proof: ConsistencyProof,
        /// The root the larger tree has at the smaller size.
        smaller_root: Hash,
    },
}

/// The checkpoints are not of one log: nothing can be compared.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the held checkpoint is of {held:?}, the offered one of {offered:?}")]
pub struct OtherLog {
    /// The held checkpoint's origin.
    pub held: String,
    /// The offered checkpoint's origin.
    pub offered: String,
}

/// Compares the `offered` checkpoint with the `held` one, using `proof` between their sizes
/// (from the smaller to the larger; unused when the sizes are equal).
pub fn check_consistency(
    held: &VerifiedCheckpoint,
    offered: &VerifiedCheckpoint,
    proof: &ConsistencyProof,
) -> Result<ConsistencyVerdict, OtherLog> {
    if held.origin() != offered.origin() {
        return Err(OtherLog {
            held: held.origin().to_owned(),
            offered: offered.origin().to_owned(),
        });
    }
    let fork = |shown_by| {
        ConsistencyVerdict::Fork(Box::new(ForkEvidence {
            held: held.clone(),
            offered: offered.clone(),
            shown_by,
        }))
    };
    let (held_head, offered_head) = (held.head(), offered.head());
    if held_head.size == offered_head.size {
        return Ok(if held_head.root == offered_head.root {
            ConsistencyVerdict::Consistent
        } else {
            fork(ForkShownBy::SameSizeDifferentRoots)
        });
    }
    let offered_is_older = offered_head.size < held_head.size;
    let (smaller, larger) = if offered_is_older {
        (offered_head, held_head)
    } else {
        (held_head, offered_head)
    };
    match verify_consistency(smaller, larger, proof) {
        Ok(()) if offered_is_older => Ok(ConsistencyVerdict::OlderButConsistent),
        Ok(()) => Ok(ConsistencyVerdict::Consistent),
        Err(ProofError::RootMismatch) => {
            match roots_from_consistency_proof(smaller, larger.size, &proof.path) {
                Some((smaller_root, larger_root))
                    if larger_root == larger.root && smaller_root != smaller.root =>
                {
                    Ok(fork(ForkShownBy::Proof {
                        proof: proof.clone(),
                        smaller_root,
                    }))
                }
                _ => Ok(ConsistencyVerdict::BadProof(ProofError::RootMismatch)),
            }
        }
        Err(error) => Ok(ConsistencyVerdict::BadProof(error)),
    }
}
