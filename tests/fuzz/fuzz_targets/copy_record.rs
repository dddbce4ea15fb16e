//! Fuzzes the copy decoders: `bansao_copy::CopyRecord::from_cbor` (then `verify_record`),
//! `CopyContent::from_canonical_cbor`, the city log's `LoggedEvent::from_cbor` and
//! `LogInclusion::from_cbor`, and the Automerge loads `CopyDocument::load` and
//! `bansao_trust::document::ListDocument::load` (then reading what was loaded); the loads run
//! again with the Automerge chunk checksums repaired, to get past the checksum check.
#![no_main]

use bansao_copy::{CopyContent, CopyDocument, CopyRecord, LogInclusion, LoggedEvent, verify_record};
use bansao_trust::document::ListDocument;
use bansao_trust::signed_list::ListKind;
use libfuzzer_sys::fuzz_target;

fn load_documents(data: &[u8]) {
    if let Ok(document) = CopyDocument::load(data, bansao_fuzz::actor()) {
        let _ = document.signatures();
        let _ = document.events();
        let _ = document.notes();
        let _ = document.log_inclusion();
    }
    if let Ok(document) = ListDocument::load(data, bansao_fuzz::actor()) {
        let _ = document.signed(ListKind::TrustList);
        let _ = document.signed(ListKind::RevocationList);
    }
}

fuzz_target!(|data: &[u8]| {
    bansao_fuzz::contain_automerge_panics();
    if let Ok(record) = CopyRecord::from_cbor(data) {
        let _ = verify_record(&record, bansao_fuzz::trust());
    }
    if let Ok(event) = LoggedEvent::from_cbor(data) {
        assert_eq!(event.to_cbor(), data, "a leaf has one encoding");
    }
    let _ = LogInclusion::from_cbor(data);
    if let Ok(content) = CopyContent::from_canonical_cbor(data) {
        let _ = content.content_hash();
    }
    load_documents(data);
    if let Some(fixed) = bansao_fuzz::fix_automerge_checksums(data) {
        load_documents(&fixed);
    }
});
