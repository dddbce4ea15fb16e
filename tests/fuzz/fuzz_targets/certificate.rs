//! Fuzzes the certificate decoder `bansao_trust::Certificate::from_cbor`; whatever it accepts
//! must survive re-encoding: `from_cbor(to_cbor(c)) == c`.
#![no_main]

use bansao_trust::Certificate;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(certificate) = Certificate::from_cbor(data) else {
        return;
    };
    let encoded = certificate.to_cbor();
    let decoded = Certificate::from_cbor(&encoded)
        .unwrap_or_else(|error| panic!("a re-encoded certificate does not decode: {error}"));
    assert_eq!(decoded, certificate, "re-encoding changed the certificate");
    // What a verifier does next with a certificate it read.
    let _ = certificate.body.validate();
    let _ = certificate.is_valid_self_signed();
    let _ = certificate.body.is_valid_at(0);
});
