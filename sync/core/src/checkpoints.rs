//! The city log's checkpoints as they travel down the sync: what a node holds, what it is
//! offered, and what an offer means ([`judge_offer`]).
//!
//! The city signs checkpoints of its transparency log (`bansao-tlog`); a ward holds the newest
//! it has seen and passes it on to its kiosks, and so does a kiosk to the kiosks it meets. An
//! offer is a chain of [`CheckpointStep`]s, each a signed note and the RFC 6962 consistency
//! proof from the size before it (the receiver's held size for the first step): the city proves
//! from any size with its tiles, a ward relays the steps it took itself. Each step is opened
//! against the log keys of the receiver's trust list and compared with the checkpoint held
//! ([`bansao_tlog::check_consistency`]); the held checkpoint only ever moves forward, and a fork
//! or a proof that does not hold stops the chain and is reported, the held checkpoint kept.
//!
//! Architecture Invariant: **a node's held checkpoint never goes back and is replaced only by
//! one proven consistent with it.** Only the first checkpoint a node ever holds is taken on its
//! signature alone.

use bansao_tlog::{
    ConsistencyProof, ConsistencyVerdict, ForkShownBy, Hash, NoteKeyName, NoteVerifier,
    VerifiedCheckpoint, check_consistency,
};
use bansao_trust::{Role, TrustContext};

/// The reserved key of the checkpoint's reconciliation item (beside the trust bundle's).
pub const CHECKPOINT_KEY: [u8; 16] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2];

/// The most steps one offer carries; a receiver far behind catches up over several rounds
/// (each step it adopts is a size the relay can continue from).
pub const MAX_STEPS_PER_OFFER: usize = 256;

/// The checkpoint a node holds now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldCheckpoint {
    /// The tree size it states.
    pub size: u64,
    /// The signed note, as received.
    pub note: String,
}

/// One signed checkpoint offered, with the consistency proof from the size before it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckpointStep {
    /// The signed note.
    pub note: String,
    /// RFC 6962 consistency proof from the previous size (the receiver's, for the first step)
    /// to this note's size; empty from the empty tree or between equal sizes.
    pub proof: Vec<[u8; 32]>,
}

/// A checkpoint the receiver takes, with how it was proven.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdoptedCheckpoint {
    /// Its size.
    pub size: u64,
    /// Its signed note.
    pub note: String,
    /// The size it was proven from (0: the node held none).
    pub previous_size: u64,
    /// The proof from `previous_size`, kept so the node can relay it.
    pub proof: Vec<[u8; 32]>,
}

/// What is wrong with an offered checkpoint that is signed by the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckpointProblemKind {
    /// The log signed two histories that cannot both be true.
    Fork,
    /// The proof shows nothing either way (also how a fork below a power-of-two size shows).
    BadProof,
}

impl CheckpointProblemKind {
    /// A stable name for storage and output.
    pub fn as_str(self) -> &'static str {
        match self {
            CheckpointProblemKind::Fork => "fork",
            CheckpointProblemKind::BadProof => "bad-proof",
        }
    }
}

/// A fork or bad proof, with the two notes that show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckpointProblem {
    /// Which.
    pub kind: CheckpointProblemKind,
    /// The checkpoint held when it was found.
    pub held_note: String,
    /// The checkpoint offered.
    pub offered_note: String,
    /// What shows it, in words.
    pub detail: String,
}

/// What an offer means for the receiver.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OfferJudgement {
    /// Checkpoints to take, in order (each proven from the one before).
    pub adopt: Vec<AdoptedCheckpoint>,
    /// A fork or a bad proof that stopped the chain.
    pub problem: Option<CheckpointProblem>,
    /// Notes refused before any comparison (not signed by a log key that counts, another log,
    /// unreadable), with why.
    pub refused: Vec<String>,
}

/// The log's origin line: `bansao/city-log/<root key id>` of the trust list's root.
pub fn log_origin(trust: &TrustContext) -> String {
    format!(
        "bansao/city-log/{}",
        trust.trust_list().root.key_id().to_hex()
    )
}

/// The note verifiers of the trust list's `log` keys; with `at`, only those that count then.
pub fn log_note_verifiers(trust: &TrustContext, at: Option<i64>) -> Vec<NoteVerifier> {
    let Ok(name) = NoteKeyName::new(&log_origin(trust)) else {
        return Vec::new();
    };
    trust
        .trust_list()
        .certificates
        .values()
        .filter(|certificate| certificate.body.role == Role::Log)
        .filter(|certificate| {
            at.is_none_or(|at| {
                trust
                    .check_signer_with_role(certificate.key_id(), at, &[Role::Log])
                    .is_ok()
            })
        })
        .map(|certificate| NoteVerifier::ed25519(name.clone(), certificate.body.public_key))
        .collect()
}

/// Opens the node's held checkpoint (any log key of the list: it was checked when taken).
pub fn open_held(
    held: &HeldCheckpoint,
    trust: &TrustContext,
) -> Result<VerifiedCheckpoint, String> {
    VerifiedCheckpoint::open(
        held.note.as_bytes(),
        &log_origin(trust),
        &log_note_verifiers(trust, None),
    )
    .map_err(|error| error.to_string())
}

/// Judges an offer of `steps` against the checkpoint `held`, under `trust` at unix time `at`:
/// each step must be signed by a log key that counts at `at` and, after the first checkpoint
/// the node ever holds, proven consistent with the one before it.
pub fn judge_offer(
    held: Option<&HeldCheckpoint>,
    steps: &[CheckpointStep],
    trust: &TrustContext,
    at: i64,
) -> OfferJudgement {
    let mut judgement = OfferJudgement::default();
    let origin = log_origin(trust);
    let verifiers = log_note_verifiers(trust, Some(at));
    let mut current = match held.map(|held| open_held(held, trust)) {
        None => None,
        Some(Ok(opened)) => Some(opened),
        Some(Err(reason)) => {
            // The held checkpoint no longer opens (its key left the list): nothing can be
            // compared with it, and nothing replaces it without a proof.
            judgement
                .refused
                .push(format!("the held checkpoint no longer opens: {reason}"));
            return judgement;
        }
    };
    for step in steps.iter().take(MAX_STEPS_PER_OFFER) {
        let offered = match VerifiedCheckpoint::open(step.note.as_bytes(), &origin, &verifiers) {
            Ok(offered) => offered,
            Err(error) => {
                judgement.refused.push(format!(
                    "not a checkpoint signed by the trust list's log key: {error}"
                ));
                return judgement;
            }
        };
        let offered_size = offered.head().size;
        let Some(held) = &current else {
            judgement.adopt.push(AdoptedCheckpoint {
                size: offered_size,
                note: offered.note().to_owned(),
                previous_size: 0,
                proof: step.proof.clone(),
            });
            current = Some(offered);
            continue;
        };
        let held_size = held.head().size;
        let proof = ConsistencyProof {
            old_size: held_size.min(offered_size),
            new_size: held_size.max(offered_size),
            path: step.proof.iter().map(|hash| Hash(*hash)).collect(),
        };
        let problem = |kind, detail: String| CheckpointProblem {
            kind,
            held_note: held.note().to_owned(),
            offered_note: offered.note().to_owned(),
            detail,
        };
        match check_consistency(held, &offered, &proof) {
            Ok(ConsistencyVerdict::Consistent) if offered_size > held_size => {
                judgement.adopt.push(AdoptedCheckpoint {
                    size: offered_size,
                    note: offered.note().to_owned(),
                    previous_size: held_size,
                    proof: step.proof.clone(),
                });
                current = Some(offered);
            }
            Ok(ConsistencyVerdict::Consistent | ConsistencyVerdict::OlderButConsistent) => {}
            Ok(ConsistencyVerdict::Fork(evidence)) => {
                let detail = match &evidence.shown_by {
                    ForkShownBy::SameSizeDifferentRoots => {
                        format!("two signed checkpoints of {held_size} leaves with different roots")
                    }
                    ForkShownBy::Proof { smaller_root, .. } => format!(
                        "the proof from {} to {} leaves leads to the signed root of {} leaves \
                         and to root {} at {} leaves, not the one signed",
                        proof.old_size,
                        proof.new_size,
                        proof.new_size,
                        smaller_root.to_base64(),
                        proof.old_size
                    ),
                    _ => "two signed checkpoints that cannot both be true".to_owned(),
                };
                judgement.problem = Some(problem(CheckpointProblemKind::Fork, detail));
                return judgement;
            }
            Ok(ConsistencyVerdict::BadProof(error)) => {
                judgement.problem = Some(problem(
                    CheckpointProblemKind::BadProof,
                    format!(
                        "the consistency proof from {} to {} leaves does not hold: {error}",
                        proof.old_size, proof.new_size
                    ),
                ));
                return judgement;
            }
            Ok(_) => return judgement,
            Err(other_log) => {
                judgement.refused.push(other_log.to_string());
                return judgement;
            }
        }
    }
    judgement
}

/// The steps a relay offers a peer holding `from_size` leaves, from the checkpoints it took
/// (`history`, by size, each with its proof from the one before): its latest alone from 0 or
/// from its own size, the chain after `from_size` when `from_size` is a size it held, else none
/// (it cannot prove from there).
pub fn relay_steps(history: &[AdoptedCheckpoint], from_size: u64) -> Vec<CheckpointStep> {
    let Some(latest) = history.last() else {
        return Vec::new();
    };
    let alone = || {
        vec![CheckpointStep {
            note: latest.note.clone(),
            proof: Vec::new(),
        }]
    };
    if from_size == 0 || from_size == latest.size {
        return alone();
    }
    match history
        .iter()
        .position(|taken| taken.previous_size == from_size)
    {
        Some(first) => history[first..]
            .iter()
            .take(MAX_STEPS_PER_OFFER)
            .map(|taken| CheckpointStep {
                note: taken.note.clone(),
                proof: taken.proof.clone(),
            })
            .collect(),
        None => Vec::new(),
    }
}
