//! Inclusion and consistency proofs (RFC 6962 §2.1.1 `PATH` and §2.1.2 `PROOF`): built here
//! from stored tiles, verified by `ct-merkle`'s verifier, so the check a ward or `bansao verify`
//! relies on is a maintained implementation's, not ours.

use ct_merkle::RootHash;
use sha2::Sha256;

use crate::hash::{Hash, MAX_TREE_SIZE, TreeHead, node_hash};
use crate::store::TileStore;
use crate::tree::{HashReader, TreeError, largest_power_of_two_below};

/// A proof that an entry is the leaf at `leaf_index` of the tree of `tree_size` leaves: the
/// sibling hashes from the leaf up to the root.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct InclusionProof {
    /// The leaf's index.
    pub leaf_index: u64,
    /// The size of the tree the proof leads to.
    pub tree_size: u64,
    /// The audit path, bottom up.
    pub path: Vec<Hash>,
}

/// A proof that the tree of `old_size` leaves is a prefix of the tree of `new_size` leaves.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ConsistencyProof {
    /// The earlier tree's size.
    pub old_size: u64,
    /// The later tree's size.
    pub new_size: u64,
    /// The proof's hashes, in RFC 6962 order.
    pub path: Vec<Hash>,
}

/// A proof could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProveError {
    /// The tree's hashes could not be read.
    #[error(transparent)]
    Tree(#[from] TreeError),
    /// The leaf is not in the tree.
    #[error("leaf {leaf_index} is not in a tree of {tree_size} leaves")]
    LeafNotInTree {
        /// The leaf asked for.
        leaf_index: u64,
        /// The tree's size.
        tree_size: u64,
    },
    /// The old size is larger than the new one, or the new one is beyond 2^63.
    #[error("no consistency proof from {old_size} to {new_size} leaves")]
    SizesOutOfOrder {
        /// The earlier size.
        old_size: u64,
        /// The later size.
        new_size: u64,
    },
}

/// Why a proof was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProofError {
    /// The proof is for another leaf index or tree size than the one checked against.
    #[error("the proof is for other sizes than the tree heads checked")]
    SizesDoNotMatch,
    /// A size is beyond 2^63, or the leaf index is not below the tree size.
    #[error("the sizes are out of range")]
    OutOfRange,
    /// The proof has the wrong number of hashes for its sizes.
    #[error("the proof has the wrong number of hashes for its sizes")]
    WrongLength,
    /// The hashes do not lead to the root(s).
    #[error("the proof does not lead to the tree head's root")]
    RootMismatch,
}

/// Builds the inclusion proof of leaf `leaf_index` in the tree of `tree_size` leaves.
pub fn prove_inclusion<S: TileStore>(
    store: &S,
    tree_size: u64,
    leaf_index: u64,
) -> Result<InclusionProof, ProveError> {
    if leaf_index >= tree_size || tree_size > MAX_TREE_SIZE {
        return Err(ProveError::LeafNotInTree {
            leaf_index,
            tree_size,
        });
    }
    let mut reader = HashReader::new(store);
    let mut path = Vec::new();
    inclusion_path(&mut reader, leaf_index, 0, tree_size, &mut path)?;
    Ok(InclusionProof {
        leaf_index,
        tree_size,
        path,
    })
}

/// RFC 6962 `PATH(m, D[lo:hi])`, appending bottom up.
fn inclusion_path<S: TileStore>(
    reader: &mut HashReader<'_, S>,
    leaf_index: u64,
    lo: u64,
    hi: u64,
    path: &mut Vec<Hash>,
) -> Result<(), TreeError> {
    if hi - lo <= 1 {
        return Ok(());
    }
    let split = lo + largest_power_of_two_below(hi - lo);
    if leaf_index < split {
        inclusion_path(reader, leaf_index, lo, split, path)?;
        path.push(reader.range_hash(split, hi)?);
    } else {
        inclusion_path(reader, leaf_index, split, hi, path)?;
        path.push(reader.range_hash(lo, split)?);
    }
    Ok(())
}

/// Builds the proof that the tree of `old_size` leaves is a prefix of the tree of `new_size`
/// leaves. From the empty tree, or between equal sizes, the proof is empty.
pub fn prove_consistency<S: TileStore>(
    store: &S,
    old_size: u64,
    new_size: u64,
) -> Result<ConsistencyProof, ProveError> {
    if old_size > new_size || new_size > MAX_TREE_SIZE {
        return Err(ProveError::SizesOutOfOrder { old_size, new_size });
    }
    let mut path = Vec::new();
    if old_size > 0 {
        let mut reader = HashReader::new(store);
        consistency_subproof(&mut reader, old_size, 0, new_size, true, &mut path)?;
    }
    Ok(ConsistencyProof {
        old_size,
        new_size,
        path,
    })
}

/// RFC 6962 `SUBPROOF(m, D[lo:hi], whole)`, with `m` counted from the tree's first leaf.
fn consistency_subproof<S: TileStore>(
    reader: &mut HashReader<'_, S>,
    old_size: u64,
    lo: u64,
    hi: u64,
    whole: bool,
    path: &mut Vec<Hash>,
) -> Result<(), TreeError> {
    if old_size == hi {
        if !whole {
            path.push(reader.range_hash(lo, hi)?);
        }
        return Ok(());
    }
    let split = lo + largest_power_of_two_below(hi - lo);
    if old_size <= split {
        consistency_subproof(reader, old_size, lo, split, whole, path)?;
        path.push(reader.range_hash(split, hi)?);
    } else {
        consistency_subproof(reader, old_size, split, hi, false, path)?;
        path.push(reader.range_hash(lo, split)?);
    }
    Ok(())
}

fn ct_root(head: &TreeHead) -> RootHash<Sha256> {
    RootHash::new(head.root.0.into(), head.size)
}

fn concatenated(path: &[Hash]) -> Vec<u8> {
    path.iter().flat_map(|hash| hash.0).collect()
}

/// Checks that `entry` is the leaf `proof.leaf_index` of the tree `head`.
pub fn verify_inclusion(
    entry: &[u8],
    head: &TreeHead,
    proof: &InclusionProof,
) -> Result<(), ProofError> {
    if proof.tree_size != head.size {
        return Err(ProofError::SizesDoNotMatch);
    }
    if head.size > MAX_TREE_SIZE || proof.leaf_index >= head.size {
        return Err(ProofError::OutOfRange);
    }
    let ct_proof = ct_merkle::InclusionProof::<Sha256>::try_from_bytes(concatenated(&proof.path))
        .map_err(|_| ProofError::WrongLength)?;
    ct_root(head)
        .verify_inclusion(&entry, proof.leaf_index, &ct_proof)
        .map_err(|error| match error {
            ct_merkle::InclusionVerifError::MalformedProof => ProofError::WrongLength,
            ct_merkle::InclusionVerifError::IndexOutOfRange
            | ct_merkle::InclusionVerifError::TreeEmpty => ProofError::OutOfRange,
            ct_merkle::InclusionVerifError::IncorrectHash => ProofError::RootMismatch,
        })
}

/// Checks that the tree `old` is a prefix of the tree `new`. Equal sizes need equal roots and
/// an empty proof; the empty tree is a prefix of every tree.
pub fn verify_consistency(
    old: &TreeHead,
    new: &TreeHead,
    proof: &ConsistencyProof,
) -> Result<(), ProofError> {
    if proof.old_size != old.size || proof.new_size != new.size {
        return Err(ProofError::SizesDoNotMatch);
    }
    if old.size > new.size || new.size > MAX_TREE_SIZE {
        return Err(ProofError::OutOfRange);
    }
    if old.size == 0 {
        // ct-merkle refuses an empty old tree; RFC 9162 §2.1.4.2: the proof is empty.
        return match (proof.path.is_empty(), *old == TreeHead::empty()) {
            (false, _) => Err(ProofError::WrongLength),
            (true, false) => Err(ProofError::RootMismatch),
            (true, true) => Ok(()),
        };
    }
    let ct_proof = ct_merkle::ConsistencyProof::<Sha256>::try_from_bytes(concatenated(&proof.path))
        .map_err(|_| ProofError::WrongLength)?;
    ct_root(new)
        .verify_consistency(&ct_root(old), &ct_proof)
        .map_err(|error| match error {
            ct_merkle::ConsistencyVerifError::MalformedProof => ProofError::WrongLength,
            ct_merkle::ConsistencyVerifError::OldTreeEmpty
            | ct_merkle::ConsistencyVerifError::OldTreeLarger
            | ct_merkle::ConsistencyVerifError::NewTreeTooBig => ProofError::OutOfRange,
            ct_merkle::ConsistencyVerifError::VerificationFailure => ProofError::RootMismatch,
        })
}

/// The old and new roots a consistency proof leads to, by RFC 9162 §2.1.4.2 (the algorithm
/// that computes both), or `None` when the proof's shape does not fit its sizes. Used only to
/// tell a fork from a bad proof after `ct-merkle` refused one; acceptance is `ct-merkle`'s.
pub(crate) fn roots_from_consistency_proof(
    old: &TreeHead,
    new_size: u64,
    path: &[Hash],
) -> Option<(Hash, Hash)> {
    if old.size == 0 || old.size >= new_size || new_size > MAX_TREE_SIZE {
        return None;
    }
    let mut hashes: Vec<Hash> = Vec::with_capacity(path.len() + 1);
    if old.size.is_power_of_two() {
        hashes.push(old.root);
    }
    hashes.extend_from_slice(path);
    let (first, rest) = hashes.split_first()?;
    let mut first_node = old.size - 1;
    let mut second_node = new_size - 1;
    while first_node & 1 == 1 {
        first_node >>= 1;
        second_node >>= 1;
    }
    let (mut old_root, mut new_root) = (*first, *first);
    for hash in rest {
        if second_node == 0 {
            return None;
        }
        if first_node & 1 == 1 || first_node == second_node {
            old_root = node_hash(hash, &old_root);
            new_root = node_hash(hash, &new_root);
            if first_node & 1 == 0 {
                while first_node & 1 == 0 && first_node != 0 {
                    first_node >>= 1;
                    second_node >>= 1;
                }
            }
        } else {
            new_root = node_hash(&new_root, hash);
        }
        first_node >>= 1;
        second_node >>= 1;
    }
    (second_node == 0).then_some((old_root, new_root))
}

impl InclusionProof {
    /// The proof's hashes concatenated (32 bytes each), as RFC 6962 transmits them.
    pub fn path_bytes(&self) -> Vec<u8> {
        concatenated(&self.path)
    }
}

impl ConsistencyProof {
    /// The proof's hashes concatenated (32 bytes each), as RFC 6962 transmits them.
    pub fn path_bytes(&self) -> Vec<u8> {
        concatenated(&self.path)
    }
}

/// Reads concatenated 32-byte hashes; `None` when the length is not a multiple of 32.
pub fn path_from_bytes(bytes: &[u8]) -> Option<Vec<Hash>> {
    if !bytes.len().is_multiple_of(32) {
        return None;
    }
    bytes.chunks_exact(32).map(Hash::from_slice).collect()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::store::MemoryTileStore;
    use crate::tree::{append, tree_head};

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// The RFC 9162 root computation that tells forks from bad proofs accepts exactly what
        /// ct-merkle accepts, for honest proofs and for proofs with one hash changed.
        #[test]
        fn the_fork_classifier_agrees_with_ct_merkle(
            new_size in 2u64..600,
            old_fraction in 0.0f64..1.0,
            flip in proptest::option::of((any::<prop::sample::Index>(), 0usize..32)),
        ) {
            let entries: Vec<Vec<u8>> = (0..new_size).map(|index| index.to_le_bytes().to_vec()).collect();
            let mut store = MemoryTileStore::new();
            store.apply(append(&store, 0, &entries).unwrap().updates);
            let old_size = 1 + ((new_size - 1) as f64 * old_fraction) as u64;
            prop_assume!(old_size < new_size);
            let old = tree_head(&store, old_size).unwrap();
            let new = tree_head(&store, new_size).unwrap();
            let mut proof = prove_consistency(&store, old_size, new_size).unwrap();
            if let Some((position, byte)) = flip {
                let at = position.index(proof.path.len());
                proof.path[at].0[byte] ^= 0x40;
            }
            let accepted = verify_consistency(&old, &new, &proof).is_ok();
            let roots = roots_from_consistency_proof(&old, new_size, &proof.path);
            prop_assert_eq!(accepted, roots == Some((old.root, new.root)));
            prop_assert_eq!(accepted, flip.is_none());
        }
    }
}
