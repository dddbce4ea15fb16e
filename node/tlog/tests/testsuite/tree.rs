//! The tile-built tree against `ct-merkle`'s in-memory tree: roots, inclusion and consistency
//! proofs agree across tile boundaries (256 leaves: level 1; 65,536 leaves: level 2), whatever
//! the batches the leaves were appended in.

use bansao_tlog::{
    MemoryTileStore, TileId, TileStore, TreeHead, append, prove_consistency, prove_inclusion,
    tree_head, verify_consistency, verify_inclusion,
};
use ct_merkle::mem_backed_tree::MemoryBackedTree;
use proptest::prelude::*;
use sha2::Sha256;

fn entry(index: u64) -> Vec<u8> {
    format!("event {index}").into_bytes()
}

/// Both trees, with `size` leaves appended in batches of `batch` leaves.
fn both_trees(size: u64, batch: u64) -> (MemoryTileStore, MemoryBackedTree<Sha256, Vec<u8>>) {
    let mut store = MemoryTileStore::new();
    let mut reference = MemoryBackedTree::new();
    let mut appended = 0;
    while appended < size {
        let end = (appended + batch).min(size);
        let entries: Vec<Vec<u8>> = (appended..end).map(entry).collect();
        let result = append(&store, appended, &entries).unwrap();
        store.apply(result.updates);
        for entry in entries {
            reference.push(entry);
        }
        assert_eq!(
            result.head.root.0.as_slice(),
            reference.root().as_bytes().as_slice()
        );
        appended = end;
    }
    (store, reference)
}

#[test]
fn roots_and_proofs_agree_with_ct_merkle_across_three_tile_levels() {
    let size = 65_536 + 300;
    let (store, reference) = both_trees(size, 4_093);
    let head = tree_head(&store, size).unwrap();
    assert_eq!(
        head.root.0.as_slice(),
        reference.root().as_bytes().as_slice()
    );
    // Level 2 exists: one hash, the root of the first 65,536 leaves.
    assert_eq!(
        store
            .read_tile(TileId { level: 2, index: 0 })
            .unwrap()
            .unwrap()
            .len(),
        1
    );
    for leaf_index in [0, 1, 255, 256, 65_535, 65_536, size - 1] {
        let proof = prove_inclusion(&store, size, leaf_index).unwrap();
        let expected = reference.prove_inclusion(leaf_index as usize);
        assert_eq!(proof.path_bytes(), expected.as_bytes(), "leaf {leaf_index}");
        verify_inclusion(&entry(leaf_index), &head, &proof).unwrap();
        assert!(verify_inclusion(&entry(leaf_index + 1), &head, &proof).is_err());
    }
    for old_size in [1, 255, 256, 257, 65_535, 65_536, size - 1, size] {
        let proof = prove_consistency(&store, old_size, size).unwrap();
        let expected = reference.prove_consistency((size - old_size) as usize);
        assert_eq!(
            proof.path_bytes(),
            expected.as_bytes(),
            "{old_size} -> {size}"
        );
        let old = tree_head(&store, old_size).unwrap();
        verify_consistency(&old, &head, &proof).unwrap();
    }
}

#[test]
fn a_proof_beyond_what_the_store_holds_is_an_error_not_a_panic() {
    let (store, _) = both_trees(300, 300);
    assert!(prove_inclusion(&store, 1_000, 5).is_err());
    assert!(prove_consistency(&store, 5, 1_000).is_err());
    assert!(prove_inclusion(&store, 300, 300).is_err());
    assert!(prove_consistency(&store, 301, 300).is_err());
    assert!(tree_head(&store, 1_000).is_err());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn any_batching_gives_the_same_tiles_and_heads(
        size in 1u64..1_200,
        batch in 1u64..600,
        old_fraction in 0.0f64..=1.0,
        leaf_fraction in 0.0f64..1.0,
    ) {
        let (store, reference) = both_trees(size, batch);
        let (one_batch, _) = both_trees(size, size);
        for level in 0..2u8 {
            for index in 0..5 {
                let tile = TileId { level, index };
                prop_assert_eq!(store.read_tile(tile).unwrap(), one_batch.read_tile(tile).unwrap());
            }
        }
        let head = tree_head(&store, size).unwrap();
        let old_size = ((size as f64) * old_fraction) as u64;
        let old: TreeHead = tree_head(&store, old_size).unwrap();
        let proof = prove_consistency(&store, old_size, size).unwrap();
        prop_assert!(verify_consistency(&old, &head, &proof).is_ok());
        if old_size > 0 {
            let expected = reference.prove_consistency((size - old_size) as usize);
            prop_assert_eq!(proof.path_bytes(), expected.as_bytes().to_vec());
        }
        let leaf_index = ((size as f64) * leaf_fraction) as u64;
        let proof = prove_inclusion(&store, size, leaf_index).unwrap();
        prop_assert!(verify_inclusion(&entry(leaf_index), &head, &proof).is_ok());
    }
}
