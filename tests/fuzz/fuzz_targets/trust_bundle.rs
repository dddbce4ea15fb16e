//! Fuzzes the `trust.cbor` decoder `bansao_trust::TrustContext::from_bundle` (bundle CBOR, the
//! two COSE-signed lists, certificate chains), then queries whatever context it accepts.
#![no_main]

use bansao_trust::TrustContext;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(context) = TrustContext::from_bundle(data) else {
        return;
    };
    let list = context.trust_list();
    let signed_at = list.issued_at;
    let key_ids = std::iter::once(list.root.key_id())
        .chain(list.certificates.keys().copied())
        .collect::<Vec<_>>();
    for key_id in key_ids {
        let _ = context.check_signer(key_id, signed_at);
        let _ = context.standing(key_id);
    }
    let _ = context.copy_revocation("01J00000000000000000000000");
});
