//! Fork detection as a ward does it: the checkpoint it holds, one offered, a proof between.

use bansao_tlog::{
    Checkpoint, ConsistencyProof, ConsistencyVerdict, ForkShownBy, MemoryTileStore, ProofError,
    TreeHead, VerifiedCheckpoint, append, check_consistency, prove_consistency, tree_head,
};

use crate::checkpoints::{ORIGIN, log_signer};

/// A log of `size` entries; from `fork_at` on its entries differ from the honest log's.
fn log(size: u64, fork_at: u64) -> MemoryTileStore {
    let entries: Vec<Vec<u8>> = (0..size)
        .map(|index| {
            let history = if index < fork_at { "honest" } else { "forged" };
            format!("{history} event {index}").into_bytes()
        })
        .collect();
    let mut store = MemoryTileStore::new();
    store.apply(append(&store, 0, &entries).unwrap().updates);
    store
}

fn checkpoint(store: &MemoryTileStore, size: u64) -> VerifiedCheckpoint {
    let head: TreeHead = tree_head(store, size).unwrap();
    Checkpoint::new(ORIGIN, head)
        .unwrap()
        .sign(&log_signer(1))
        .unwrap()
}

#[test]
fn a_checkpoint_that_extends_the_held_one_is_consistent_and_an_older_one_is_kept_out() {
    let honest = log(1_000, u64::MAX);
    let (held, offered) = (checkpoint(&honest, 600), checkpoint(&honest, 900));
    let proof = prove_consistency(&honest, 600, 900).unwrap();
    assert_eq!(
        check_consistency(&held, &offered, &proof),
        Ok(ConsistencyVerdict::Consistent)
    );
    assert_eq!(
        check_consistency(&offered, &held, &proof),
        Ok(ConsistencyVerdict::OlderButConsistent)
    );
    let same = prove_consistency(&honest, 900, 900).unwrap();
    assert_eq!(
        check_consistency(&offered, &offered, &same),
        Ok(ConsistencyVerdict::Consistent)
    );
}

#[test]
fn a_forked_checkpoint_is_detected_with_the_proof_as_evidence() {
    let honest = log(1_000, u64::MAX);
    let forged = log(1_000, 500);
    let held = checkpoint(&honest, 600);
    let offered = checkpoint(&forged, 900);
    // The forged log's own proof leads to its signed root at 900, and from there to a root at
    // 600 that is not the one the ward holds.
    let proof = prove_consistency(&forged, 600, 900).unwrap();
    let Ok(ConsistencyVerdict::Fork(evidence)) = check_consistency(&held, &offered, &proof) else {
        panic!("the fork was not detected");
    };
    assert_eq!(evidence.held, held);
    assert_eq!(evidence.offered, offered);
    let ForkShownBy::Proof { smaller_root, .. } = evidence.shown_by else {
        panic!("{:?}", evidence.shown_by);
    };
    assert_eq!(smaller_root, tree_head(&forged, 600).unwrap().root);
    // The honest log's proof does not lead to the forged root: it shows nothing.
    let honest_proof = prove_consistency(&honest, 600, 900).unwrap();
    assert_eq!(
        check_consistency(&held, &offered, &honest_proof),
        Ok(ConsistencyVerdict::BadProof(ProofError::RootMismatch))
    );
}

#[test]
fn two_checkpoints_of_one_size_with_different_roots_are_a_fork() {
    let held = checkpoint(&log(700, u64::MAX), 700);
    let offered = checkpoint(&log(700, 699), 700);
    let no_proof = ConsistencyProof {
        old_size: 700,
        new_size: 700,
        path: vec![],
    };
    let Ok(ConsistencyVerdict::Fork(evidence)) = check_consistency(&held, &offered, &no_proof)
    else {
        panic!("the fork was not detected");
    };
    assert_eq!(evidence.shown_by, ForkShownBy::SameSizeDifferentRoots);
}

#[test]
fn a_tampered_or_mismatched_proof_is_a_bad_proof_not_a_fork() {
    let honest = log(1_000, u64::MAX);
    let (held, offered) = (checkpoint(&honest, 600), checkpoint(&honest, 900));
    let good = prove_consistency(&honest, 600, 900).unwrap();
    for position in 0..good.path.len() {
        let mut tampered = good.clone();
        tampered.path[position].0[7] ^= 1;
        assert_eq!(
            check_consistency(&held, &offered, &tampered),
            Ok(ConsistencyVerdict::BadProof(ProofError::RootMismatch)),
            "hash {position} flipped"
        );
    }
    let mut short = good.clone();
    short.path.pop();
    assert_eq!(
        check_consistency(&held, &offered, &short),
        Ok(ConsistencyVerdict::BadProof(ProofError::WrongLength))
    );
    let other_sizes = prove_consistency(&honest, 601, 900).unwrap();
    assert_eq!(
        check_consistency(&held, &offered, &other_sizes),
        Ok(ConsistencyVerdict::BadProof(ProofError::SizesDoNotMatch))
    );
}

#[test]
fn a_fork_below_a_power_of_two_size_shows_only_as_a_bad_proof() {
    // RFC 6962's proof from a power-of-two size carries no hash of that subtree (the verifier
    // starts from the held root), so the forged log's proof cannot show the other root.
    let held = checkpoint(&log(1_000, u64::MAX), 512);
    let forged = log(1_000, 100);
    let offered = checkpoint(&forged, 900);
    let proof = prove_consistency(&forged, 512, 900).unwrap();
    assert_eq!(
        check_consistency(&held, &offered, &proof),
        Ok(ConsistencyVerdict::BadProof(ProofError::RootMismatch))
    );
}

#[test]
fn checkpoints_of_two_logs_are_not_compared() {
    let store = log(10, u64::MAX);
    let head = tree_head(&store, 10).unwrap();
    let ours = checkpoint(&store, 10);
    let theirs = Checkpoint::new("bansao.example/other-log", head)
        .unwrap()
        .sign(&log_signer(1))
        .unwrap();
    let proof = prove_consistency(&store, 10, 10).unwrap();
    assert!(check_consistency(&ours, &theirs, &proof).is_err());
}
