//! RFC 6962 hashing: the leaf hash `SHA-256(0x00 || entry)`, the node hash
//! `SHA-256(0x01 || left || right)`, the empty tree's hash, and [`TreeHead`], a tree's size with
//! its root hash.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use sha2::{Digest, Sha256};

/// The largest tree this crate handles: 2^63 leaves. Beyond it leaf indices no longer fit the
/// node numbering of `ct-merkle`'s verifier (which would panic), so such sizes are refused
/// wherever a size comes in from outside.
pub const MAX_TREE_SIZE: u64 = 1 << 63;

/// A SHA-256 hash in the tree: of a leaf, of a node, or a root.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Hash(pub [u8; 32]);

impl Hash {
    /// The hash as standard base64 (the form checkpoints carry).
    pub fn to_base64(&self) -> String {
        BASE64.encode(self.0)
    }

    /// Decodes standard, padded, canonical base64 of exactly 32 bytes.
    pub fn from_base64(text: &str) -> Option<Hash> {
        let bytes = BASE64.decode(text).ok()?;
        Some(Hash(bytes.try_into().ok()?))
    }

    /// Decodes 64 hexadecimal digits.
    pub fn from_hex(text: &str) -> Option<Hash> {
        let bytes = hex::decode(text).ok()?;
        Some(Hash(bytes.try_into().ok()?))
    }

    /// Reads a hash from exactly 32 bytes.
    pub fn from_slice(bytes: &[u8]) -> Option<Hash> {
        Some(Hash(bytes.try_into().ok()?))
    }
}

impl fmt::Debug for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Hash({})", hex::encode(self.0))
    }
}

impl fmt::Display for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

/// The leaf hash of an entry: `SHA-256(0x00 || entry)` (RFC 6962 §2.1).
pub fn leaf_hash(entry: &[u8]) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update([0x00]);
    hasher.update(entry);
    Hash(hasher.finalize().into())
}

/// The hash of an interior node: `SHA-256(0x01 || left || right)` (RFC 6962 §2.1).
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update([0x01]);
    hasher.update(left.0);
    hasher.update(right.0);
    Hash(hasher.finalize().into())
}

/// The root hash of the empty tree: `SHA-256()` of nothing (RFC 6962 §2.1).
pub fn empty_tree_hash() -> Hash {
    Hash(Sha256::digest([]).into())
}

/// The root of a perfect subtree whose leaves (or lower subtrees) are `hashes`, a power of two
/// of them; a single hash is its own root. Hashes in place, level by level.
pub(crate) fn perfect_root(hashes: &[Hash]) -> Hash {
    debug_assert!(hashes.len().is_power_of_two());
    let mut level: Vec<Hash> = hashes.to_vec();
    while level.len() > 1 {
        let next: Vec<Hash> = level
            .chunks_exact(2)
            .map(|pair| node_hash(&pair[0], &pair[1]))
            .collect();
        level = next;
    }
    level.first().copied().unwrap_or_else(empty_tree_hash)
}

/// A tree head: how many leaves the tree has and its root hash (RFC 6962's `MTH(D[n])`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct TreeHead {
    /// The number of leaves.
    pub size: u64,
    /// The Merkle tree hash of those leaves.
    pub root: Hash,
}

impl TreeHead {
    /// The head of the empty tree.
    pub fn empty() -> TreeHead {
        TreeHead {
            size: 0,
            root: empty_tree_hash(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trips_and_refuses_other_lengths() {
        let hash = leaf_hash(b"");
        assert_eq!(Hash::from_base64(&hash.to_base64()), Some(hash));
        assert_eq!(Hash::from_base64("AAAA"), None);
        assert_eq!(Hash::from_base64("not base64!"), None);
    }

    #[test]
    fn the_perfect_root_of_two_leaves_is_their_node_hash() {
        let (a, b) = (leaf_hash(b"a"), leaf_hash(b"b"));
        assert_eq!(perfect_root(&[a, b]), node_hash(&a, &b));
        assert_eq!(perfect_root(&[a]), a);
    }
}
