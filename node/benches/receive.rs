//! What a ward spends on each copy it receives, piece by piece: the Automerge load, the
//! content's canonical decode, the status derivation (signature checks), the whole check the
//! sync session runs, and a frame's worth of copies checked on one and on two threads. These are the per-copy costs behind `bansao bench sync`'s
//! `initial_push_10k`; see BENCHMARKS.md ("What bounds initial_push_10k").
//!
//! Run with `cargo bench -p bansao-node --bench receive`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use bansao_copy::{CopyDocument, CopyId};
use bansao_node::kiosk::Kiosk;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn benches(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let world = bansao_testkit::World::create(dir.path()).unwrap();
    let mut kiosk = Kiosk::open(&world.dir("kiosk")).unwrap();
    let mut issued = kiosk
        .issue(
            bansao_testkit::sample_request(),
            bansao_node::entropy::now(),
        )
        .unwrap();
    let bytes = issued.document.save();
    let copy_id: CopyId = issued.document.content().copy_id;
    let commune = issued.document.content().commune.clone();
    let content_bytes = issued.document.content_bytes().to_vec();
    let trust = kiosk.trust().clone();
    let actor = automerge::ActorId::random();

    let mut group = c.benchmark_group("receive");
    group.throughput(Throughput::Elements(1));
    group.measurement_time(Duration::from_secs(4));
    group.bench_function("automerge_load", |b| {
        b.iter(|| bansao_trust::document::load_untrusted(&bytes).unwrap());
    });
    let (records, _) = issued.document.signatures().unwrap();
    let record = records[0].clone();
    let certificate = trust
        .check_signer_with_role(
            record.signer,
            record.signed_at.unix(),
            &[bansao_trust::Role::Kiosk],
        )
        .unwrap()
        .clone();
    group.bench_function("check_signer", |b| {
        b.iter(|| {
            trust
                .check_signer_with_role(
                    record.signer,
                    record.signed_at.unix(),
                    &[bansao_trust::Role::Kiosk],
                )
                .unwrap();
        });
    });
    group.bench_function("ed25519_verify", |b| {
        b.iter(|| {
            assert!(record.verifies(
                issued.document.content(),
                &content_bytes,
                &certificate.body.public_key
            ))
        });
    });
    let raw = {
        let mut doc = bansao_trust::document::load_untrusted(&bytes).unwrap();
        doc.save_nocompress()
    };
    // The same document saved without DEFLATE (~18 % larger when measured): what storing and
    // sending copies uncompressed would save on each load.
    assert!(raw.len() > bytes.len());
    group.bench_function("automerge_load_plain", |b| {
        b.iter(|| bansao_trust::document::load_untrusted(&raw).unwrap());
    });
    group.bench_function("content_canonical_decode", |b| {
        b.iter(|| bansao_copy::CopyContent::from_canonical_cbor(&content_bytes).unwrap());
    });
    group.bench_function("copy_document_load", |b| {
        b.iter(|| CopyDocument::load(&bytes, actor.clone()).unwrap());
    });
    let document = CopyDocument::load(&bytes, actor.clone()).unwrap();
    group.bench_function("signatures_read", |b| {
        b.iter(|| document.signatures().unwrap());
    });
    group.bench_function("status_report", |b| {
        b.iter(|| bansao_sync::validate::report(&document, &trust).unwrap());
    });
    group.bench_function("whole_check", |b| {
        b.iter(|| {
            let document = CopyDocument::load(&bytes, actor.clone()).unwrap();
            bansao_sync::validate::check_new_document(&document, copy_id, &commune, &trust).unwrap()
        });
    });
    group.finish();

    // A frame's worth of copies checked on one and on two threads, as the sync session does.
    let batch: Vec<(CopyId, &[u8])> = (0..300).map(|_| (copy_id, bytes.as_slice())).collect();
    let mut group = c.benchmark_group("receive_batch");
    group.throughput(Throughput::Elements(batch.len() as u64));
    group.sample_size(20);
    for threads in [1, 2] {
        group.bench_function(format!("check_300_on_{threads}_threads"), |b| {
            b.iter(|| {
                bansao_sync::validate::check_new_documents(
                    &batch, &commune, &trust, &actor, threads,
                )
            });
        });
    }
    group.finish();
}

criterion_group!(receive, benches);
criterion_main!(receive);
