//! Figures for `bansao bench` (issue 13: "inclusion proof size and verify time at 10 million
//! leaves"): a log built in memory, proofs of sampled leaves, their size and the time to build
//! and verify them. The clock is handed in (this crate reads none), so the bench binary or the
//! `bansao bench` command passes `Instant::now`.

use std::time::Instant;

use ed25519_dalek::SigningKey;

use crate::checkpoint::{Checkpoint, CheckpointError, VerifiedCheckpoint};
use crate::hash::{TreeHead, leaf_hash};
use crate::note::{BadKeyName, NoteKeyName, NoteSigner};
use crate::proof::{
    ProofError, ProveError, prove_consistency, prove_inclusion, verify_consistency,
    verify_inclusion,
};
use crate::store::MemoryTileStore;
use crate::tree::{AppendError, TreeError, append_leaf_hashes, tree_head};

/// One measured figure, printed as a JSON line `{"name":…,"value":…,"unit":…}`.
#[derive(Clone, PartialEq, Debug)]
pub struct Figure {
    /// What was measured.
    pub name: &'static str,
    /// The figure.
    pub value: f64,
    /// Its unit.
    pub unit: &'static str,
}

impl Figure {
    /// The JSON line (names and units are plain ASCII of ours: nothing to escape).
    pub fn json_line(&self) -> String {
        format!(
            "{{\"name\":\"{}\",\"value\":{},\"unit\":\"{}\"}}",
            self.name, self.value, self.unit
        )
    }
}

/// A measurement went wrong (a bug, not a slow machine).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MeasureError {
    /// Building the log failed.
    #[error(transparent)]
    Append(#[from] AppendError),
    /// The tree could not be read.
    #[error(transparent)]
    Tree(#[from] TreeError),
    /// The bench's key name was refused.
    #[error(transparent)]
    KeyName(#[from] BadKeyName),
    /// A proof could not be built.
    #[error(transparent)]
    Prove(#[from] ProveError),
    /// A proof the log built did not verify.
    #[error(transparent)]
    Verify(#[from] ProofError),
    /// The checkpoint could not be signed or opened.
    #[error(transparent)]
    Checkpoint(#[from] CheckpointError),
    /// The log must have at least two leaves.
    #[error("a log of at least 2 leaves is measured")]
    TooSmall,
}

/// The entry of leaf `index` in benchmark logs: 120 bytes, about a small CBOR event.
pub fn bench_entry(index: u64) -> Vec<u8> {
    let mut entry = Vec::with_capacity(120);
    while entry.len() < 120 {
        entry.extend_from_slice(&index.to_be_bytes());
    }
    entry.truncate(120);
    entry
}

/// Builds a log of `size` [`bench_entry`] leaves in memory, a million leaves per append.
pub fn build_memory_log(size: u64) -> Result<(MemoryTileStore, TreeHead), AppendError> {
    const BATCH: u64 = 1 << 20;
    let mut store = MemoryTileStore::new();
    let mut head = TreeHead::empty();
    while head.size < size {
        let end = (head.size + BATCH).min(size);
        let hashes = (head.size..end)
            .map(|index| leaf_hash(&bench_entry(index)))
            .collect();
        let appended = append_leaf_hashes(&store, head.size, hashes)?;
        store.apply(appended.updates);
        head = appended.head;
    }
    Ok((store, head))
}

/// Leaf indices spread over `0..size`, the same every run (SplitMix64).
fn sample_indices(size: u64, samples: usize) -> Vec<u64> {
    let mut state: u64 = 0x5eed_0fb4_5a00;
    (0..samples)
        .map(|_| {
            state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut mixed = state;
            mixed = (mixed ^ (mixed >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            mixed = (mixed ^ (mixed >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            (mixed ^ (mixed >> 31)) % size
        })
        .collect()
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    match values.len() {
        0 => 0.0,
        n if n % 2 == 1 => values[n / 2],
        n => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

fn micros_since(start: Instant, now: &dyn Fn() -> Instant) -> f64 {
    now().duration_since(start).as_secs_f64() * 1e6
}

/// Builds a log of `size` leaves and measures it ([`measure_proofs`]), the build included.
/// `now` is the clock.
pub fn measure_log(
    size: u64,
    samples: usize,
    now: &dyn Fn() -> Instant,
) -> Result<Vec<Figure>, MeasureError> {
    if size < 2 {
        return Err(MeasureError::TooSmall);
    }
    let start = now();
    let (store, head) = build_memory_log(size)?;
    let build_seconds = micros_since(start, now) / 1e6;
    let mut figures = vec![Figure {
        name: "tlog_build_in_memory",
        value: build_seconds,
        unit: "s",
    }];
    figures.extend(measure_proofs(&store, &head, samples, now)?);
    Ok(figures)
}

/// Measures a log of [`bench_entry`] leaves: `samples` inclusion proofs of leaves spread over
/// it, a consistency proof from about half its size, and opening a checkpoint of it.
pub fn measure_proofs(
    store: &MemoryTileStore,
    head: &TreeHead,
    samples: usize,
    now: &dyn Fn() -> Instant,
) -> Result<Vec<Figure>, MeasureError> {
    let size = head.size;
    if size < 2 {
        return Err(MeasureError::TooSmall);
    }
    let mut prove_times = Vec::with_capacity(samples);
    let mut verify_times = Vec::with_capacity(samples);
    let mut largest_proof = 0usize;
    for leaf_index in sample_indices(size, samples) {
        let start = now();
        let proof = prove_inclusion(store, size, leaf_index)?;
        prove_times.push(micros_since(start, now));
        let entry = bench_entry(leaf_index);
        let start = now();
        verify_inclusion(&entry, head, &proof)?;
        verify_times.push(micros_since(start, now));
        largest_proof = largest_proof.max(proof.path.len());
    }

    let old_size = size / 2 + 13;
    let start = now();
    let old = tree_head(store, old_size)?;
    let consistency = prove_consistency(store, old_size, size)?;
    let consistency_prove = micros_since(start, now);
    let start = now();
    verify_consistency(&old, head, &consistency)?;
    let consistency_verify = micros_since(start, now);

    let name = NoteKeyName::new("bench.bansao.invalid/log")?;
    let signer = NoteSigner::ed25519(name, SigningKey::from_bytes(&[7; 32]));
    let signed = Checkpoint::new("bench.bansao.invalid/log", *head)?.sign(&signer)?;
    let start = now();
    VerifiedCheckpoint::open(
        signed.note().as_bytes(),
        "bench.bansao.invalid/log",
        std::slice::from_ref(signer.verifier()),
    )?;
    let checkpoint_open = micros_since(start, now);

    Ok(vec![
        Figure {
            name: "tlog_leaves",
            value: size as f64,
            unit: "leaves",
        },
        Figure {
            name: "tlog_inclusion_proof_hashes",
            value: largest_proof as f64,
            unit: "hashes",
        },
        Figure {
            name: "tlog_inclusion_proof_size",
            value: (largest_proof * 32) as f64,
            unit: "bytes",
        },
        Figure {
            name: "tlog_inclusion_verify_median",
            value: median(&mut verify_times),
            unit: "us",
        },
        Figure {
            name: "tlog_inclusion_prove_from_tiles_median",
            value: median(&mut prove_times),
            unit: "us",
        },
        Figure {
            name: "tlog_consistency_proof_size",
            value: (consistency.path.len() * 32) as f64,
            unit: "bytes",
        },
        Figure {
            name: "tlog_consistency_prove_from_tiles",
            value: consistency_prove,
            unit: "us",
        },
        Figure {
            name: "tlog_consistency_verify",
            value: consistency_verify,
            unit: "us",
        },
        Figure {
            name: "tlog_checkpoint_open",
            value: checkpoint_open,
            unit: "us",
        },
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[allow(clippy::disallowed_methods)] // The test is the shell here: it hands in the clock.
    fn a_small_log_is_measured_and_its_figures_print_as_json_lines() {
        let figures = measure_log(3_000, 5, &Instant::now).unwrap();
        let hashes = figures
            .iter()
            .find(|figure| figure.name == "tlog_inclusion_proof_hashes")
            .unwrap();
        // 3,000 leaves: a path of at most ceil(log2 3000) = 12 hashes.
        assert!(hashes.value <= 12.0 && hashes.value >= 11.0, "{hashes:?}");
        assert!(
            figures[1]
                .json_line()
                .starts_with("{\"name\":\"tlog_leaves\",\"value\":3000,")
        );
    }
}
