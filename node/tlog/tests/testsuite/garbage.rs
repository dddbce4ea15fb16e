//! Garbage in, typed errors out: every decoder of input from outside (notes, checkpoints,
//! verifier keys, tile paths, entry bundles, proofs) is fed random and mutated input and must
//! refuse it without panicking; what is accepted must round-trip.

use bansao_tlog::{
    Checkpoint, ConsistencyProof, Hash, InclusionProof, Note, NoteVerifier, TileRequest, TreeHead,
    VerifiedCheckpoint, decode_entry_bundle, encode_entry_bundle, leaf_hash, sign_note,
    verify_consistency, verify_inclusion,
};
use proptest::prelude::*;

use crate::checkpoints::{ORIGIN, log_signer};

fn a_signed_checkpoint() -> String {
    let head = TreeHead {
        size: 4_242,
        root: leaf_hash(b"r"),
    };
    Checkpoint::new(ORIGIN, head)
        .unwrap()
        .sign(&log_signer(1))
        .unwrap()
        .note()
        .to_owned()
}

fn hash() -> impl Strategy<Value = Hash> {
    any::<[u8; 32]>().prop_map(Hash)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn random_bytes_never_panic_any_decoder(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let _ = Note::parse(&bytes);
        let _ = VerifiedCheckpoint::open(&bytes, ORIGIN, &[log_signer(1).verifier().clone()]);
        let _ = decode_entry_bundle(&bytes);
        if let Ok(text) = std::str::from_utf8(&bytes) {
            let _ = Checkpoint::from_note_text(text);
            let _ = NoteVerifier::from_verifier_key(text);
            let _ = TileRequest::parse_path(text);
        }
    }

    #[test]
    fn note_shaped_text_never_panics(
        text in "[a-z0-9/\n]{0,40}",
        name in "[ -~—]{0,12}",
        signature in "[A-Za-z0-9+/=]{0,100}",
    ) {
        let note = format!("{text}\n\n— {name} {signature}\n");
        let _ = Note::parse(note.as_bytes());
        let _ = VerifiedCheckpoint::open(note.as_bytes(), ORIGIN, &[log_signer(1).verifier().clone()]);
    }

    #[test]
    fn a_changed_signed_checkpoint_is_never_accepted(
        position in any::<prop::sample::Index>(),
        byte in any::<u8>(),
        cut in any::<bool>(),
    ) {
        let good = a_signed_checkpoint().into_bytes();
        let mut changed = good.clone();
        let at = position.index(good.len());
        if cut {
            changed.truncate(at);
        } else {
            changed[at] = byte;
        }
        prop_assume!(changed != good);
        let known = [log_signer(1).verifier().clone()];
        prop_assert!(VerifiedCheckpoint::open(&changed, ORIGIN, &known).is_err());
    }

    #[test]
    fn any_text_ending_in_a_newline_signs_and_opens(text in "[^\u{0}-\u{9}\u{b}-\u{1f}]{0,60}\n") {
        let signer = log_signer(9);
        let note = sign_note(&text, &[&signer]).unwrap();
        let parsed = Note::parse(note.encode().as_bytes()).unwrap();
        prop_assert_eq!(&parsed, &note);
        let verified = parsed.verify(&[signer.verifier().clone()]).unwrap();
        prop_assert_eq!(verified.text, text);
    }

    #[test]
    fn tile_paths_round_trip(level in 0u8..=63, index in any::<u64>(), width in 0u16..=255, entries in any::<bool>()) {
        let width = bansao_tlog::tile::TileWidth::of_count(u64::from(width)).unwrap_or(bansao_tlog::TileWidth::Full);
        let request = if entries {
            TileRequest::Entries { index, width }
        } else {
            TileRequest::Hashes { tile: bansao_tlog::TileId { level, index }, width }
        };
        prop_assert_eq!(TileRequest::parse_path(&request.path()), Ok(request));
    }

    #[test]
    fn entry_bundles_round_trip(entries in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..50), 0..20)) {
        let bundle = encode_entry_bundle(&entries).unwrap();
        let decoded: Vec<Vec<u8>> = decode_entry_bundle(&bundle).unwrap().into_iter().map(<[u8]>::to_vec).collect();
        prop_assert_eq!(decoded, entries);
    }

    #[test]
    fn proofs_of_any_sizes_are_refused_without_panicking(
        leaf_index in any::<u64>(),
        tree_size in prop_oneof![any::<u64>(), Just(u64::MAX), Just(1u64 << 63), 0u64..20],
        old_size in prop_oneof![any::<u64>(), 0u64..20],
        root in hash(),
        path in proptest::collection::vec(hash(), 0..70),
    ) {
        let head = TreeHead { size: tree_size, root };
        let inclusion = InclusionProof { leaf_index, tree_size, path: path.clone() };
        prop_assert!(verify_inclusion(b"entry", &head, &inclusion).is_err());
        let old = TreeHead { size: old_size, root };
        let consistency = ConsistencyProof { old_size, new_size: tree_size, path };
        let result = verify_consistency(&old, &head, &consistency);
        // Only the trivial case (equal heads, empty proof) may pass.
        if result.is_ok() {
            prop_assert!(old_size == tree_size && consistency.path.is_empty());
        }
    }
}
