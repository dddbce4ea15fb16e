//! RFC 6962 test vectors: the 8-leaf reference tree of the RFC's reference implementation, as
//! carried by certificate-transparency-go and its successor transparency-dev/merkle
//! (`proof/verify_test.go`: `leaves`, `roots`, `inclusionProofs`, `consistencyProofs`; that
//! file numbers leaves from 1, here they are 0-based). Our tile-built proofs must equal the
//! published ones, and `ct-merkle`'s verifier, behind ours, must accept them.

use bansao_tlog::{
    ConsistencyProof, Hash, InclusionProof, MemoryTileStore, TreeHead, append, empty_tree_hash,
    prove_consistency, prove_inclusion, tree_head, verify_consistency, verify_inclusion,
};

/// The reference leaves (hex).
const LEAVES: [&str; 8] = [
    "",
    "00",
    "10",
    "2021",
    "3031",
    "40414243",
    "5051525354555657",
    "606162636465666768696a6b6c6d6e6f",
];

/// The root of the tree of the first 1, 2, ..., 8 leaves.
const ROOTS: [&str; 8] = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
];

/// `(leaf index, tree size, path)`.
const INCLUSION_PROOFS: [(u64, u64, &[&str]); 5] = [
    (
        0,
        8,
        &[
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        5,
        8,
        &[
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        3,
        &["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"],
    ),
    (
        1,
        5,
        &[
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
    (0, 1, &[]),
];

/// `(old size, new size, proof)`.
const CONSISTENCY_PROOFS: [(u64, u64, &[&str]); 5] = [
    (1, 1, &[]),
    (
        1,
        8,
        &[
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        &[
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        5,
        &[
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
    (
        6,
        7,
        &[
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
];

fn h(text: &str) -> Hash {
    Hash::from_hex(text).unwrap()
}

fn path(texts: &[&str]) -> Vec<Hash> {
    texts.iter().map(|text| h(text)).collect()
}

fn leaves() -> Vec<Vec<u8>> {
    LEAVES
        .iter()
        .map(|leaf| hex::decode(leaf).unwrap())
        .collect()
}

/// The reference tree, appended one leaf at a time (each append a separate batch).
fn reference_tree() -> MemoryTileStore {
    let mut store = MemoryTileStore::new();
    for (size, leaf) in leaves().iter().enumerate() {
        let appended = append(&store, size as u64, &[leaf]).unwrap();
        assert_eq!(
            appended.head.root,
            h(ROOTS[size]),
            "root after {} leaves",
            size + 1
        );
        store.apply(appended.updates);
    }
    store
}

fn head(size: u64) -> TreeHead {
    TreeHead {
        size,
        root: h(ROOTS[size as usize - 1]),
    }
}

#[test]
fn the_empty_tree_hash_is_sha256_of_nothing() {
    assert_eq!(
        empty_tree_hash(),
        h("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    );
    assert_eq!(
        tree_head(&MemoryTileStore::new(), 0).unwrap(),
        TreeHead::empty()
    );
}

#[test]
fn every_prefix_of_the_reference_tree_has_the_published_root() {
    let store = reference_tree();
    for size in 1..=8u64 {
        assert_eq!(tree_head(&store, size).unwrap(), head(size));
    }
    // And all eight leaves appended in one batch give the same root.
    let appended = append(&MemoryTileStore::new(), 0, &leaves()).unwrap();
    assert_eq!(appended.head, head(8));
}

#[test]
fn inclusion_proofs_equal_the_published_ones_and_verify() {
    let store = reference_tree();
    let leaves = leaves();
    for (leaf_index, tree_size, expected) in INCLUSION_PROOFS {
        let proof = prove_inclusion(&store, tree_size, leaf_index).unwrap();
        assert_eq!(
            proof.path,
            path(expected),
            "leaf {leaf_index} of {tree_size}"
        );
        verify_inclusion(&leaves[leaf_index as usize], &head(tree_size), &proof).unwrap();
    }
}

#[test]
fn consistency_proofs_equal_the_published_ones_and_verify() {
    let store = reference_tree();
    for (old_size, new_size, expected) in CONSISTENCY_PROOFS {
        let proof = prove_consistency(&store, old_size, new_size).unwrap();
        assert_eq!(proof.path, path(expected), "{old_size} -> {new_size}");
        verify_consistency(&head(old_size), &head(new_size), &proof).unwrap();
    }
}

#[test]
fn the_published_inclusion_proofs_are_refused_when_anything_is_changed() {
    // The probes of verify_test.go's corruptInclusionProof.
    let leaves = leaves();
    for (leaf_index, tree_size, expected) in INCLUSION_PROOFS {
        let good = InclusionProof {
            leaf_index,
            tree_size,
            path: path(expected),
        };
        let entry = &leaves[leaf_index as usize];
        let head = head(tree_size);
        let refused = |entry: &[u8], head: &TreeHead, proof: &InclusionProof| {
            verify_inclusion(entry, head, proof).is_err()
        };
        let with = |leaf_index: u64, tree_size: u64, path: Vec<Hash>| InclusionProof {
            leaf_index,
            tree_size,
            path,
        };
        let wrong_size = |size: u64| TreeHead {
            size,
            root: head.root,
        };
        assert!(refused(
            entry,
            &head,
            &with(leaf_index + 1, tree_size, good.path.clone())
        ));
        assert!(refused(
            entry,
            &head,
            &with(leaf_index ^ 2, tree_size, good.path.clone())
        ));
        if leaf_index > 0 {
            assert!(refused(
                entry,
                &head,
                &with(leaf_index - 1, tree_size, good.path.clone())
            ));
        }
        for size in [tree_size * 2, tree_size / 2] {
            assert!(refused(
                entry,
                &wrong_size(size),
                &with(leaf_index, size, good.path.clone())
            ));
        }
        assert!(refused(b"WrongLeaf", &head, &good));
        let empty_root = TreeHead {
            size: tree_size,
            root: empty_tree_hash(),
        };
        assert!(refused(entry, &empty_root, &good));
        let mut longer = good.path.clone();
        longer.push(head.root);
        assert!(refused(entry, &head, &with(leaf_index, tree_size, longer)));
        let mut preceded = vec![head.root];
        preceded.extend(good.path.clone());
        assert!(refused(
            entry,
            &head,
            &with(leaf_index, tree_size, preceded)
        ));
        for position in 0..good.path.len() {
            let mut flipped = good.path.clone();
            flipped[position].0[0] ^= 8;
            assert!(refused(entry, &head, &with(leaf_index, tree_size, flipped)));
            let mut removed = good.path.clone();
            removed.remove(position);
            assert!(refused(entry, &head, &with(leaf_index, tree_size, removed)));
        }
        // The proof is for another size than the head.
        assert!(refused(
            entry,
            &head,
            &with(leaf_index, tree_size + 1, good.path.clone())
        ));
    }
}

#[test]
fn the_published_consistency_proofs_are_refused_when_anything_is_changed() {
    // The probes of verify_test.go's corruptConsistencyProof, for the non-trivial proofs.
    for (old_size, new_size, expected) in CONSISTENCY_PROOFS {
        if expected.is_empty() {
            continue;
        }
        let good = path(expected);
        let (old, new) = (head(old_size), head(new_size));
        let refused = |old: TreeHead, new: TreeHead, path: Vec<Hash>| {
            let proof = ConsistencyProof {
                old_size: old.size,
                new_size: new.size,
                path,
            };
            verify_consistency(&old, &new, &proof).is_err()
        };
        let resized = |head: TreeHead, size: u64| TreeHead {
            size,
            root: head.root,
        };
        for size in [old_size - 1, old_size + 1, old_size ^ 2] {
            assert!(
                refused(resized(old, size), new, good.clone()),
                "old size {size}"
            );
        }
        for size in [new_size * 2, new_size / 2] {
            assert!(
                refused(old, resized(new, size), good.clone()),
                "new size {size}"
            );
        }
        let wrong = TreeHead {
            size: old_size,
            root: h(ROOTS[0]),
        };
        if old_size != 1 {
            assert!(refused(wrong, new, good.clone()));
        }
        assert!(refused(
            old,
            TreeHead {
                size: new_size,
                root: old.root
            },
            good.clone()
        ));
        assert!(refused(old, new, Vec::new()));
        for extra in [old.root, new.root, good[0]] {
            let mut longer = good.clone();
            longer.push(extra);
            assert!(refused(old, new, longer));
            let mut preceded = vec![extra];
            preceded.extend(good.clone());
            assert!(refused(old, new, preceded));
        }
        assert!(refused(old, new, good[..good.len() - 1].to_vec()));
        for position in 0..good.len() {
            let mut flipped = good.clone();
            flipped[position].0[0] ^= 16;
            assert!(
                refused(old, new, flipped),
                "{old_size} -> {new_size} bit flipped at {position}"
            );
        }
    }
}

#[test]
fn the_trivial_consistency_cases_of_verify_test_go() {
    let some = h(ROOTS[3]);
    let empty = TreeHead::empty();
    let check = |old: TreeHead, new: TreeHead, path: Vec<Hash>| {
        verify_consistency(
            &old,
            &new,
            &ConsistencyProof {
                old_size: old.size,
                new_size: new.size,
                path,
            },
        )
    };
    // The empty tree is a prefix of any tree, with an empty proof, and only then.
    assert!(check(empty, head(1), vec![]).is_ok());
    assert!(check(empty, empty, vec![]).is_ok());
    assert!(check(empty, head(1), vec![empty_tree_hash()]).is_err());
    // Equal sizes need equal roots and an empty proof.
    assert!(check(head(1), head(1), vec![]).is_ok());
    assert!(
        check(
            head(1),
            TreeHead {
                size: 1,
                root: some
            },
            vec![]
        )
        .is_err()
    );
    assert!(check(head(1), head(1), vec![empty_tree_hash()]).is_err());
    // No going back, and a non-trivial proof is never empty.
    assert!(check(head(2), head(1), vec![]).is_err());
    assert!(check(head(1), head(2), vec![]).is_err());
}
