//! Fuzzes the reader of the identity card's QR code, `bansao_hw::qr_reader::cccd`: any text a
//! QR reader returns must give a checked citizen or a clear error, never a panic; an accepted
//! code's fields must be the ones its text carries.
#![no_main]

use bansao_hw::qr_reader::cccd::CitizenId;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(citizen) = CitizenId::parse(text) {
        assert!(text.contains(&citizen.number), "{citizen:?} from {text:?}");
        assert_eq!(citizen.number.len(), 12, "{citizen:?}");
    }
});
