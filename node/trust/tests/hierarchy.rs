//! Signing and verification across the whole key hierarchy, through the `trust.cbor` bundle an
//! offline verifier is given: chains, roles, communes, validity, rotation and revocation.

#![allow(clippy::unwrap_used)] // Helpers outside #[test] functions unwrap too.

use bansao_trust::testing::{Hierarchy, Holder, VALID_FROM, VALID_UNTIL, certify};
use bansao_trust::{
    KeyStanding, Revocation, Role, SignerError, Succession, SuccessionError, TrustBundle,
    TrustBundleError, TrustContext,
};
use proptest::prelude::*;

const NOW: i64 = VALID_FROM + 86_400;

#[test]
fn every_certified_key_chains_to_the_root_through_the_bundle() {
    let hierarchy = Hierarchy::new();
    let context = TrustContext::from_bundle(&hierarchy.bundle()).unwrap();
    for holder in [
        &hierarchy.root,
        &hierarchy.registrar,
        &hierarchy.ward,
        &hierarchy.kiosk,
        &hierarchy.official,
    ] {
        let certificate = context.check_signer(holder.key.key_id(), NOW).unwrap();
        assert_eq!(certificate, &holder.certificate);
    }
    assert!(matches!(
        context.check_signer_with_role(hierarchy.kiosk.key.key_id(), NOW, &[Role::Official]),
        Err(SignerError::WrongRole {
            actual: Role::Kiosk,
            ..
        })
    ));
}

#[test]
fn an_unknown_key_is_refused() {
    let hierarchy = Hierarchy::new();
    let stranger = bansao_trust::SecretKey::from_seed([99; 32]);
    assert_eq!(
        hierarchy.context().check_signer(stranger.key_id(), NOW),
        Err(SignerError::UnknownKey(stranger.key_id()))
    );
}

#[test]
fn signatures_outside_validity_do_not_count() {
    let hierarchy = Hierarchy::new();
    let context = hierarchy.context();
    let kiosk = hierarchy.kiosk.key.key_id();
    assert!(matches!(
        context.check_signer(kiosk, VALID_FROM - 1),
        Err(SignerError::OutsideValidity { .. })
    ));
    assert!(matches!(
        context.check_signer(kiosk, VALID_UNTIL),
        Err(SignerError::OutsideValidity { .. })
    ));
}

#[test]
fn a_kiosk_certified_by_a_ward_of_another_commune_does_not_chain() {
    let mut hierarchy = Hierarchy::new();
    let rogue = certify(
        50,
        &hierarchy.other_ward.key,
        Role::Kiosk,
        "KIOSK-ROGUE",
        Some("00001"),
    );
    hierarchy
        .trust_list
        .certificates
        .insert(rogue.key.key_id(), rogue.certificate.clone());
    let error = hierarchy
        .context()
        .check_signer(rogue.key.key_id(), NOW)
        .unwrap_err();
    assert!(matches!(error, SignerError::BrokenChain { .. }), "{error}");
}

#[test]
fn a_kiosk_may_not_certify_and_an_official_cannot_be_certified_by_the_root() {
    let mut hierarchy = Hierarchy::new();
    let by_kiosk = certify(51, &hierarchy.kiosk.key, Role::Official, "X", Some("00001"));
    let by_root = certify(52, &hierarchy.root.key, Role::Official, "Y", Some("00001"));
    for holder in [&by_kiosk, &by_root] {
        hierarchy
            .trust_list
            .certificates
            .insert(holder.key.key_id(), holder.certificate.clone());
    }
    let context = hierarchy.context();
    for holder in [&by_kiosk, &by_root] {
        assert!(matches!(
            context.check_signer(holder.key.key_id(), NOW),
            Err(SignerError::BrokenChain { .. })
        ));
    }
}

#[test]
fn revoking_a_ward_revokes_its_kiosk_and_shows_in_standing() {
    let hierarchy = hierarchy_revoking(|h| &h.ward, "khóa bị lộ");
    let context = TrustContext::from_bundle(&hierarchy.bundle()).unwrap();
    let error = context
        .check_signer(hierarchy.kiosk.key.key_id(), NOW - 10)
        .unwrap_err();
    assert!(
        matches!(&error, SignerError::Revoked { key_id, .. } if *key_id == hierarchy.ward.key.key_id())
    );
    assert!(matches!(
        context.standing(hierarchy.kiosk.key.key_id()),
        KeyStanding::Revoked(_)
    ));
    assert!(matches!(
        context.standing(hierarchy.official.key.key_id()),
        KeyStanding::Revoked(_)
    ));
    assert_eq!(
        context.standing(hierarchy.other_ward.key.key_id()),
        KeyStanding::Active
    );
}

#[test]
fn a_retired_key_keeps_its_earlier_signatures() {
    let mut hierarchy = Hierarchy::new();
    hierarchy
        .trust_list
        .retired
        .insert(hierarchy.kiosk.key.key_id(), NOW);
    let context = hierarchy.context();
    assert!(
        context
            .check_signer(hierarchy.kiosk.key.key_id(), NOW - 1)
            .is_ok()
    );
    assert!(matches!(
        context.check_signer(hierarchy.kiosk.key.key_id(), NOW),
        Err(SignerError::Retired { .. })
    ));
}

#[test]
fn a_bundle_with_a_forged_trust_list_is_refused() {
    let hierarchy = Hierarchy::new();
    let mut forged = hierarchy.trust_list.clone();
    let intruder = certify(
        60,
        &hierarchy.ward.key,
        Role::Kiosk,
        "KIOSK-EVIL",
        Some("00001"),
    );
    forged
        .certificates
        .insert(intruder.key.key_id(), intruder.certificate);
    // Signed by the ward, not the root.
    let bundle = TrustBundle {
        trust_list: forged.sign(&hierarchy.ward.key),
        revocations: hierarchy.revocations.sign(&hierarchy.registrar.key),
    };
    assert_eq!(
        TrustContext::from_bundle(&bundle.to_cbor()).unwrap_err(),
        TrustBundleError::TrustListSignature
    );
}

#[test]
fn a_revocation_list_signed_by_a_ward_is_refused() {
    let hierarchy = Hierarchy::new();
    let bundle = TrustBundle {
        trust_list: hierarchy.trust_list.sign(&hierarchy.root.key),
        revocations: hierarchy.revocations.sign(&hierarchy.ward.key),
    };
    assert!(matches!(
        TrustContext::from_bundle(&bundle.to_cbor()),
        Err(TrustBundleError::RevocationListSignature(_))
    ));
}

#[test]
fn bundles_round_trip_exactly() {
    let hierarchy = Hierarchy::new();
    let bytes = hierarchy.bundle();
    let context = TrustContext::from_bundle(&bytes).unwrap();
    assert_eq!(context.trust_list(), &hierarchy.trust_list);
    assert_eq!(context.revocations(), &hierarchy.revocations);
}

fn revocation(reason: &str) -> Revocation {
    Revocation {
        revoked_at: NOW,
        reason: reason.into(),
    }
}

/// A new hierarchy whose revocation list, in edition 2, revokes the key of the holder `which`
/// picks for `reason`.
fn hierarchy_revoking(which: fn(&Hierarchy) -> &Holder, reason: &str) -> Hierarchy {
    let mut hierarchy = Hierarchy::new();
    hierarchy.revocations.version = 2;
    let key_id = which(&hierarchy).key.key_id();
    hierarchy
        .revocations
        .keys
        .insert(key_id, revocation(reason));
    hierarchy
}

/// The held lists: a kiosk revoked in edition 2 of the revocation list.
fn hierarchy_with_a_revoked_kiosk() -> Hierarchy {
    hierarchy_revoking(|h| &h.kiosk, "máy bị mất")
}

#[test]
fn a_stolen_registrar_key_cannot_cancel_revocations_with_an_empty_newer_list() {
    let held = hierarchy_with_a_revoked_kiosk();
    let current = TrustContext::from_bundle(&held.bundle()).unwrap();
    // The thief signs edition 3 with no entries: by itself a valid bundle...
    let mut emptied = held.clone();
    emptied.revocations.version = 3;
    emptied.revocations.keys.clear();
    let offered = TrustContext::from_bundle(&emptied.bundle()).unwrap();
    // ...which a node holding edition 2 does not adopt.
    assert_eq!(
        current.succession(&offered),
        Err(SuccessionError::DropsRevocation {
            entry: format!("key/{}", held.kiosk.key.key_id())
        })
    );
    // A genuine edition 3 that keeps the entry and adds one is adopted.
    let mut genuine = held.clone();
    genuine.revocations.version = 3;
    genuine
        .revocations
        .copies
        .insert("01J0000000000000000000000A".into(), revocation("cấp nhầm"));
    let offered = TrustContext::from_bundle(&genuine.bundle()).unwrap();
    assert_eq!(current.succession(&offered), Ok(Succession::Newer));
    assert_eq!(offered.succession(&current), Ok(Succession::Older));
    assert_eq!(current.succession(&current.clone()), Ok(Succession::Same));
}

#[test]
fn a_revocation_list_signed_by_a_registrar_the_root_revoked_is_refused_from_the_file_alone() {
    let mut hierarchy = hierarchy_with_a_revoked_kiosk();
    hierarchy.trust_list.version = 2;
    hierarchy.trust_list.revoked.insert(
        hierarchy.registrar.key.key_id(),
        revocation("khóa bị đánh cắp"),
    );
    // The thief's list, signed by the revoked registrar, paired with the newest trust list.
    hierarchy.revocations.keys.clear();
    hierarchy.revocations.version = 3;
    let error = TrustContext::from_bundle(&hierarchy.bundle()).unwrap_err();
    assert!(
        matches!(&error, TrustBundleError::RevocationListSignature(reason) if reason.contains("revoked")),
        "{error}"
    );
    // The same lists signed by the root are accepted, and the registrar's signatures are void.
    let bundle = TrustBundle {
        trust_list: hierarchy.trust_list.sign(&hierarchy.root.key),
        revocations: hierarchy.revocations.sign(&hierarchy.root.key),
    };
    let context = TrustContext::from_bundle(&bundle.to_cbor()).unwrap();
    assert!(matches!(
        context.check_signer(hierarchy.registrar.key.key_id(), NOW),
        Err(SignerError::Revoked { .. })
    ));
}

#[test]
fn a_revocation_list_that_revokes_its_own_signer_is_refused() {
    let hierarchy = hierarchy_revoking(|h| &h.registrar, "tự thu hồi");
    assert!(matches!(
        TrustContext::from_bundle(&hierarchy.bundle()),
        Err(TrustBundleError::RevocationListSignature(_))
    ));
}

#[test]
fn a_newer_list_signed_by_a_key_the_held_lists_revoke_is_not_adopted() {
    // The held lists revoke the registrar in the root's trust list and are signed by the root.
    let mut held = Hierarchy::new();
    held.trust_list.version = 2;
    held.trust_list
        .revoked
        .insert(held.registrar.key.key_id(), revocation("khóa bị đánh cắp"));
    let held_bundle = TrustBundle {
        trust_list: held.trust_list.sign(&held.root.key),
        revocations: held.revocations.sign(&held.root.key),
    };
    let current = TrustContext::from_bundle(&held_bundle.to_cbor()).unwrap();
    // Another edition 3 of the trust list cannot be forged (root), but an older trust list with
    // a newer revocation list by the revoked registrar is older, never newer.
    let mut offered = Hierarchy::new();
    offered.revocations.version = 5;
    let offered = TrustContext::from_bundle(&offered.bundle()).unwrap();
    assert_eq!(current.succession(&offered), Ok(Succession::Older));
    // With the trust list of the same edition, the revoked signer is caught.
    let forged = TrustBundle {
        trust_list: held.trust_list.sign(&held.root.key),
        revocations: {
            let mut list = held.revocations.clone();
            list.version = 5;
            list.sign(&held.registrar.key)
        },
    };
    // The file alone is refused already (the trust list revokes its signer)...
    assert!(TrustContext::from_bundle(&forged.to_cbor()).is_err());
    // ...and a list signed by a key only the held revocation list revokes is refused too.
    let mut held = hierarchy_with_a_revoked_kiosk();
    let second_registrar = certify(61, &held.root.key, Role::Registrar, "Sở Tư pháp", None);
    held.trust_list.certificates.insert(
        second_registrar.key.key_id(),
        second_registrar.certificate.clone(),
    );
    held.revocations
        .keys
        .insert(second_registrar.key.key_id(), revocation("bị lộ"));
    let current = TrustContext::from_bundle(&held.bundle()).unwrap();
    let mut newer = held.revocations.clone();
    newer.version = 3;
    newer.keys.remove(&second_registrar.key.key_id());
    let forged = TrustBundle {
        trust_list: held.trust_list.sign(&held.root.key),
        revocations: newer.sign(&second_registrar.key),
    };
    let offered = TrustContext::from_bundle(&forged.to_cbor()).unwrap();
    assert!(matches!(
        current.succession(&offered),
        Err(SuccessionError::DropsRevocation { .. })
    ));
    let mut kept = held.revocations.clone();
    kept.version = 3;
    let forged = TrustBundle {
        trust_list: held.trust_list.sign(&held.root.key),
        revocations: kept.sign(&second_registrar.key),
    };
    // Keeping its own revocation makes the list name its signer: refused as a file.
    assert!(TrustContext::from_bundle(&forged.to_cbor()).is_err());
}

#[test]
fn two_different_lists_with_one_edition_number_are_a_fork() {
    let held = hierarchy_with_a_revoked_kiosk();
    let current = TrustContext::from_bundle(&held.bundle()).unwrap();
    let mut other = held.clone();
    other.revocations.keys.clear();
    let offered = TrustContext::from_bundle(&other.bundle()).unwrap();
    assert_eq!(
        current.succession(&offered),
        Err(SuccessionError::Fork {
            which: "revocation list",
            version: 2
        })
    );
}

#[test]
fn a_newer_trust_list_must_keep_the_roots_revocations() {
    let mut held = Hierarchy::new();
    held.trust_list.version = 2;
    held.trust_list
        .revoked
        .insert(held.ward.key.key_id(), revocation("bị lộ"));
    let current = TrustContext::from_bundle(&held.bundle()).unwrap();
    let mut newer = held.clone();
    newer.trust_list.version = 3;
    newer.trust_list.revoked.clear();
    let offered = TrustContext::from_bundle(&newer.bundle()).unwrap();
    assert!(matches!(
        current.succession(&offered),
        Err(SuccessionError::DropsRevocation { entry }) if entry.starts_with("revoked/")
    ));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn revocation_lists_round_trip(
        entries in proptest::collection::btree_map("[0-9A-Z]{26}", (any::<i64>(), "\\PC{0,30}"), 0..8),
        version in any::<u64>(),
    ) {
        let hierarchy = Hierarchy::new();
        let mut revocations = hierarchy.revocations.clone();
        revocations.version = version;
        revocations.copies = entries.into_iter()
            .map(|(id, (revoked_at, reason))| (id, Revocation { revoked_at, reason }))
            .collect();
        let bundle = TrustBundle {
            trust_list: hierarchy.trust_list.sign(&hierarchy.root.key),
            revocations: revocations.sign(&hierarchy.registrar.key),
        };
        let context = TrustContext::from_bundle(&bundle.to_cbor()).unwrap();
        prop_assert_eq!(context.revocations(), &revocations);
    }

    #[test]
    fn opening_arbitrary_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = TrustContext::from_bundle(&bytes);
    }

    #[test]
    fn any_flipped_bit_in_a_bundle_is_caught(position in any::<prop::sample::Index>(), bit in 0u8..8) {
        let hierarchy = Hierarchy::new();
        let mut bytes = hierarchy.bundle();
        let index = position.index(bytes.len());
        bytes[index] ^= 1 << bit;
        // Every byte of the bundle is either signed or structural, so any flip must be refused.
        prop_assert!(TrustContext::from_bundle(&bytes).is_err());
    }
}
