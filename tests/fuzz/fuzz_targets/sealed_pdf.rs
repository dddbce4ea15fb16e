//! Fuzzes the sealed-PDF reader `bansao_artifact::open_sealed_pdf` (lopdf parsing, seal and
//! byte-range checks, embedded metadata and scans, the binding of each page to its scan), then
//! the seal check and the embedded copy record.
#![no_main]

use bansao_artifact::open_sealed_pdf;
use bansao_copy::CopyRecord;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(opened) = open_sealed_pdf(data) else {
        return;
    };
    let kiosk = &bansao_fuzz::hierarchy().kiosk.certificate.body.public_key;
    let _ = opened.verify_seal(kiosk);
    let _ = CopyRecord::from_cbor(&opened.metadata_cbor);
});
