//! The transparency log at 10 million leaves (issue 13): builds the log's tiles in memory,
//! prints the figures of `bansao_tlog::measure` as JSON lines `{"name","value","unit"}`, then
//! lets criterion time inclusion-proof verification and building on the same log.
//!
//! `cargo bench -p bansao-tlog` (`BANSAO_TLOG_BENCH_LEAVES` sets another size; criterion's own
//! arguments, such as a filter, follow `--`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]
// The bench is the shell: it reads the clock and the environment and hands the clock in.
#![allow(clippy::disallowed_methods)]

use std::hint::black_box;
use std::time::Instant;

use bansao_tlog::measure::{Figure, bench_entry, build_memory_log, measure_proofs};
use bansao_tlog::{prove_inclusion, verify_inclusion};
use criterion::Criterion;

fn main() {
    let size: u64 = std::env::var("BANSAO_TLOG_BENCH_LEAVES")
        .ok()
        .and_then(|text| text.parse().ok())
        .unwrap_or(10_000_000);
    let start = Instant::now();
    let (store, head) = build_memory_log(size).expect("the log is built");
    let build = Figure {
        name: "tlog_build_in_memory",
        value: start.elapsed().as_secs_f64(),
        unit: "s",
    };
    println!("{}", build.json_line());
    for figure in measure_proofs(&store, &head, 1_000, &Instant::now).expect("the log is measured")
    {
        println!("{}", figure.json_line());
    }

    let leaf_index = size / 3;
    let entry = bench_entry(leaf_index);
    let proof = prove_inclusion(&store, size, leaf_index).expect("the proof is built");
    let mut criterion = Criterion::default().configure_from_args();
    criterion.bench_function("tlog/verify_inclusion", |bencher| {
        bencher.iter(|| verify_inclusion(black_box(&entry), black_box(&head), black_box(&proof)))
    });
    criterion.bench_function("tlog/prove_inclusion_from_tiles", |bencher| {
        bencher.iter(|| prove_inclusion(black_box(&store), size, black_box(leaf_index)))
    });
    criterion.final_summary();
}
