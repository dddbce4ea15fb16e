//! Fuzzes the QR payload decoder `bansao_copy::qr::decode_qr_text` (and `verify_qr` on whatever
//! it accepts), on the input as UTF-8 text and as the bytes inside `BS1:` + Base45.
#![no_main]

use bansao_copy::qr::decode_qr_text;
use bansao_copy::verify_qr;
use libfuzzer_sys::fuzz_target;

fn check(text: &str) {
    if decode_qr_text(text).is_ok() {
        // Readable text always gets a verdict.
        let verification = verify_qr(text, bansao_fuzz::trust());
        assert!(
            verification.is_ok(),
            "decode_qr_text accepted what verify_qr refuses: {verification:?}"
        );
    }
}

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        check(text);
    }
    check(&format!("BS1:{}", base45::encode(data)));
});
