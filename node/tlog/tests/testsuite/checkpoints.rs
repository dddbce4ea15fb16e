//! Checkpoints: the C2SP example parses, ours sign and open, and anything not quite a
//! checkpoint of the expected log, signed by its key, is refused with the reason.

use bansao_tlog::{
    Checkpoint, CheckpointError, Hash, MalformedNote, Note, NoteKeyName, NoteSigner, NoteVerifier,
    NoteVerifyError, TreeHead, VerifiedCheckpoint, leaf_hash,
};
use ed25519_dalek::SigningKey;

pub const ORIGIN: &str = "bansao.example/city-log";

pub fn log_signer(seed: u8) -> NoteSigner {
    NoteSigner::ed25519(
        NoteKeyName::new(ORIGIN).unwrap(),
        SigningKey::from_bytes(&[seed; 32]),
    )
}

fn head() -> TreeHead {
    TreeHead {
        size: 20_852_163,
        root: leaf_hash(b"root"),
    }
}

#[test]
fn the_c2sp_example_checkpoint_parses() {
    // c2sp.org/tlog-checkpoint's example (its key is not published, so only parsing is checked).
    let example = "example.com/behind-the-sofa\n\
                   20852163\n\
                   CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\
                   \n\
                   — example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n";
    let note = Note::parse(example.as_bytes()).unwrap();
    let checkpoint = Checkpoint::from_note_text(&note.text).unwrap();
    assert_eq!(checkpoint.origin, "example.com/behind-the-sofa");
    assert_eq!(checkpoint.head.size, 20_852_163);
    assert_eq!(
        checkpoint.head.root,
        Hash::from_base64("CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=").unwrap()
    );
    assert_eq!(note.signatures[0].name, "example.com/behind-the-sofa");
    assert_eq!(
        VerifiedCheckpoint::open(example.as_bytes(), "example.com/behind-the-sofa", &[]),
        Err(CheckpointError::Signature(
            NoteVerifyError::NoKnownSignature { unverified: 1 }
        ))
    );
}

#[test]
fn a_signed_checkpoint_reads_as_the_spec_lays_it_out_and_opens() {
    let signer = log_signer(1);
    let signed = Checkpoint::new(ORIGIN, head())
        .unwrap()
        .sign(&signer)
        .unwrap();
    let expected_start = format!(
        "{ORIGIN}\n20852163\n{}\n\n— {ORIGIN} ",
        head().root.to_base64()
    );
    assert!(
        signed.note().starts_with(&expected_start),
        "{}",
        signed.note()
    );
    let opened = VerifiedCheckpoint::open(
        signed.note().as_bytes(),
        ORIGIN,
        &[signer.verifier().clone()],
    )
    .unwrap();
    assert_eq!(opened, signed);
    assert_eq!(opened.head(), &head());
}

#[test]
fn a_checkpoint_of_another_log_or_key_or_changed_is_refused() {
    let signer = log_signer(1);
    let known = [signer.verifier().clone()];
    let signed = Checkpoint::new(ORIGIN, head())
        .unwrap()
        .sign(&signer)
        .unwrap();
    let note = signed.note();
    assert!(matches!(
        VerifiedCheckpoint::open(note.as_bytes(), "bansao.example/other-log", &known),
        Err(CheckpointError::OtherOrigin { .. })
    ));
    assert!(matches!(
        VerifiedCheckpoint::open(note.as_bytes(), ORIGIN, &[log_signer(2).verifier().clone()]),
        Err(CheckpointError::Signature(
            NoteVerifyError::NoKnownSignature { unverified: 1 }
        ))
    ));
    let bigger = note.replacen("20852163", "20852164", 1);
    assert!(matches!(
        VerifiedCheckpoint::open(bigger.as_bytes(), ORIGIN, &known),
        Err(CheckpointError::Signature(
            NoteVerifyError::InvalidSignature { .. }
        ))
    ));
    assert!(matches!(
        VerifiedCheckpoint::open(&note.as_bytes()[..note.len() - 1], ORIGIN, &known),
        Err(CheckpointError::Note(MalformedNote::NoFinalNewline))
    ));
}

/// Whether an error is the one a case expects.
type IsExpected = fn(&CheckpointError) -> bool;

#[test]
fn malformed_checkpoint_texts_are_refused_with_their_reason() {
    let root = head().root.to_base64();
    let cases: [(String, IsExpected); 10] = [
        (format!("{ORIGIN}\n5\n"), |e| {
            matches!(e, CheckpointError::TooFewLines)
        }),
        (format!("\n5\n{root}\n"), |e| {
            matches!(e, CheckpointError::EmptyOrigin)
        }),
        (format!("{ORIGIN}\n05\n{root}\n"), |e| {
            matches!(e, CheckpointError::BadSize(_))
        }),
        (format!("{ORIGIN}\n-1\n{root}\n"), |e| {
            matches!(e, CheckpointError::BadSize(_))
        }),
        (format!("{ORIGIN}\n+5\n{root}\n"), |e| {
            matches!(e, CheckpointError::BadSize(_))
        }),
        (format!("{ORIGIN}\n18446744073709551616\n{root}\n"), |e| {
            matches!(e, CheckpointError::BadSize(_))
        }),
        // Beyond 2^63 leaves.
        (format!("{ORIGIN}\n9223372036854775809\n{root}\n"), |e| {
            matches!(e, CheckpointError::BadSize(_))
        }),
        (format!("{ORIGIN}\n5\nAAAA\n"), |e| {
            matches!(e, CheckpointError::BadRootHash(_))
        }),
        (format!("{ORIGIN}\n5\n{}\n", &root[..root.len() - 1]), |e| {
            matches!(e, CheckpointError::BadRootHash(_))
        }),
        (format!("{ORIGIN}\n5\n{root}\n\nextension\n"), |e| {
            matches!(e, CheckpointError::EmptyExtensionLine)
        }),
    ];
    for (text, expected) in cases {
        let error = Checkpoint::from_note_text(&text).unwrap_err();
        assert!(expected(&error), "{text:?} gave {error:?}");
    }
    assert!(Checkpoint::from_note_text(&format!("{ORIGIN}\n0\n{root}\nan extension\n")).is_ok());
    assert!(matches!(
        Checkpoint::new("two\nlines", head()),
        Err(CheckpointError::BadOrigin(_))
    ));
}

#[test]
fn a_verifier_key_for_the_log_can_be_handed_to_wards_as_text() {
    let signer = log_signer(3);
    let text = signer.verifier().verifier_key();
    assert!(text.starts_with(&format!("{ORIGIN}+")));
    assert_eq!(
        &NoteVerifier::from_verifier_key(&text).unwrap(),
        signer.verifier()
    );
}
