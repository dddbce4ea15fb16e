//! Issuance and verification throughput on real files: copies created, signed and durably
//! stored per second (SQLite WAL, synchronous=FULL, one transaction per copy, like the kiosk),
//! QR verifications per second, and the time to produce a one-page sealed PDF/A.
//!
//! Run with `cargo bench -p bansao-node --bench issuance`. The nodes come from the testkit's world (the real key
//! ceremonies) in a temporary directory, so keys, certificates, trust list and databases are
//! the real ones.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use bansao_copy::verify_qr;
use bansao_node::kiosk::Kiosk;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn benches(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let world = bansao_testkit::World::create(dir.path()).unwrap();
    let mut kiosk = Kiosk::open(&world.dir("kiosk")).unwrap();

    let mut group = c.benchmark_group("kiosk");
    group.throughput(Throughput::Elements(1));
    group.measurement_time(Duration::from_secs(8));
    group.bench_function("copy_created_signed_stored", |b| {
        b.iter(|| {
            kiosk
                .issue(
                    bansao_testkit::sample_request(),
                    bansao_node::entropy::now(),
                )
                .unwrap()
        });
    });

    let issued = kiosk
        .issue(
            bansao_testkit::sample_request(),
            bansao_node::entropy::now(),
        )
        .unwrap();
    let trust = kiosk.trust().clone();
    group.bench_function("qr_verification", |b| {
        b.iter(|| {
            let verification = verify_qr(&issued.qr_text, &trust).unwrap();
            assert!(verification.verdict.is_genuine());
        });
    });

    group.sample_size(20);
    group.bench_function("pdf_a_one_page", |b| {
        b.iter(|| {
            kiosk
                .render_artifact(
                    &issued.document,
                    &issued.qr_text,
                    bansao_node::entropy::now(),
                )
                .unwrap()
        });
    });
    group.finish();
}

criterion_group!(issuance, benches);
criterion_main!(issuance);
