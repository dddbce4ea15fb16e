//! Signed notes against the Go reference's own vectors (golang.org/x/mod/sumdb/note,
//! `note_test.go`: the PeterNeumann and EnochRoot keys, `TestSign`'s exact output, `TestOpen`'s
//! cases and its malformed messages, `TestNewVerifier`'s manglings). Ed25519 is deterministic
//! (RFC 8032), so signing the same text with the same key must give Go's note byte for byte.

use bansao_tlog::note::BadNoteText;
use bansao_tlog::{
    MalformedNote, Note, NoteKeyId, NoteKeyName, NoteSigner, NoteVerifier, NoteVerifyError,
    sign_note,
};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use ed25519_dalek::SigningKey;

const PETER_VERIFIER_KEY: &str =
    "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
const PETER_SIGNER_KEY: &str =
    "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
const ENOCH_VERIFIER_KEY: &str = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop";
const TEXT: &str = "If you think cryptography is the answer to your problem,\n\
                    then you don't know what your problem is.\n";
const PETER_SIGNATURE: &str = "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
const ENOCH_SIGNATURE: &str = "— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n";

/// Go's signer key string: `PRIVATE+KEY+<name>+<id>+base64(0x01 || 32-byte seed)`.
fn peter_signer() -> NoteSigner {
    // The base64 itself may hold '+': it is what follows the fourth one.
    let encoded = PETER_SIGNER_KEY.splitn(5, '+').nth(4).unwrap();
    let bytes = BASE64.decode(encoded).unwrap();
    assert_eq!(bytes[0], 0x01, "an Ed25519 key");
    let seed: [u8; 32] = bytes[1..].try_into().unwrap();
    NoteSigner::ed25519(
        NoteKeyName::new("PeterNeumann").unwrap(),
        SigningKey::from_bytes(&seed),
    )
}

fn peter() -> NoteVerifier {
    NoteVerifier::from_verifier_key(PETER_VERIFIER_KEY).unwrap()
}

fn enoch() -> NoteVerifier {
    NoteVerifier::from_verifier_key(ENOCH_VERIFIER_KEY).unwrap()
}

fn note(signatures: &[&str]) -> Vec<u8> {
    format!("{TEXT}\n{}", signatures.concat()).into_bytes()
}

#[test]
fn the_reference_keys_read_and_write_back_with_their_ids() {
    assert_eq!(peter().id(), NoteKeyId(0xc74f20a3));
    assert_eq!(peter().verifier_key(), PETER_VERIFIER_KEY);
    assert_eq!(enoch().id(), NoteKeyId(0xaf0cfe78));
    assert_eq!(peter_signer().verifier(), &peter());
}

#[test]
fn signing_the_reference_text_gives_gos_note_byte_for_byte() {
    let signed = sign_note(TEXT, &[&peter_signer()]).unwrap();
    assert_eq!(signed.encode().into_bytes(), note(&[PETER_SIGNATURE]));
    assert_eq!(
        sign_note("abc", &[&peter_signer()]),
        Err(BadNoteText::NoFinalNewline)
    );
    assert_eq!(
        sign_note("a\tb\n", &[&peter_signer()]),
        Err(BadNoteText::ControlCharacter)
    );
}

#[test]
fn opening_follows_gos_test_open() {
    // One signature verified, one by a key not known.
    let both = note(&[PETER_SIGNATURE, ENOCH_SIGNATURE]);
    let opened = Note::parse(&both).unwrap().verify(&[peter()]).unwrap();
    assert_eq!(opened.text, TEXT);
    assert_eq!(opened.verified.len(), 1);
    assert_eq!(opened.verified[0].name, "PeterNeumann");
    assert_eq!(opened.unverified.len(), 1);
    assert_eq!(opened.unverified[0].key_id, NoteKeyId(0xaf0cfe78));
    // Both verified.
    let opened = Note::parse(&both)
        .unwrap()
        .verify(&[peter(), enoch()])
        .unwrap();
    assert_eq!((opened.verified.len(), opened.unverified.len()), (2, 0));
    // Neither known.
    assert_eq!(
        Note::parse(&both).unwrap().verify(&[]),
        Err(NoteVerifyError::NoKnownSignature { unverified: 2 })
    );
    // A key known twice is ambiguous, but only for a note it signed.
    assert_eq!(
        Note::parse(&note(&[ENOCH_SIGNATURE]))
            .unwrap()
            .verify(&[enoch(), peter(), enoch()]),
        Err(NoteVerifyError::AmbiguousKey {
            name: "EnochRoot".to_owned(),
            key_id: NoteKeyId(0xaf0cfe78)
        })
    );
    assert!(
        Note::parse(&note(&[PETER_SIGNATURE]))
            .unwrap()
            .verify(&[enoch(), peter(), enoch()])
            .is_ok()
    );
    // Too many signatures.
    let many = note(&[PETER_SIGNATURE; 101]);
    assert_eq!(
        Note::parse(&many),
        Err(MalformedNote::TooManySignatures(101))
    );
    // A known key's signature that does not verify rejects the note.
    let garbled = format!("{}ABCD{}", &PETER_SIGNATURE[..60], &PETER_SIGNATURE[60..]);
    assert_eq!(
        Note::parse(&note(&[&garbled])).unwrap().verify(&[peter()]),
        Err(NoteVerifyError::InvalidSignature {
            name: "PeterNeumann".to_owned(),
            key_id: NoteKeyId(0xc74f20a3)
        })
    );
    // Duplicates are counted once; a garbled unknown signature is only unverified.
    let enoch_garbled = format!("{}ABCD{}", &ENOCH_SIGNATURE[..60], &ENOCH_SIGNATURE[60..]);
    let duplicated = note(&[
        PETER_SIGNATURE,
        PETER_SIGNATURE,
        ENOCH_SIGNATURE,
        ENOCH_SIGNATURE,
        &enoch_garbled,
    ]);
    let opened = Note::parse(&duplicated)
        .unwrap()
        .verify(&[peter()])
        .unwrap();
    assert_eq!((opened.verified.len(), opened.unverified.len()), (1, 2));
}

#[test]
fn gos_malformed_messages_are_refused() {
    let text = TEXT.as_bytes();
    let signature = PETER_SIGNATURE.as_bytes();
    let join = |parts: &[&[u8]]| parts.concat();
    let cases: Vec<Vec<u8>> = vec![
        text.to_vec(),
        join(&[text, b"\n"]),
        join(&[text, b"\n", &signature[..signature.len() - 1]]),
        join(&[b"\x01", text, b"\n", signature]),
        join(&[b"\xff", text, b"\n", signature]),
        join(&[
            text,
            b"\n",
            "— Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM="
                .as_bytes(),
        ]),
        join(&[text, b"\n", signature, b"Unexpected line.\n"]),
    ];
    for case in cases {
        assert!(
            Note::parse(&case).is_err(),
            "accepted {:?}",
            String::from_utf8_lossy(&case)
        );
    }
}

#[test]
fn mangled_verifier_keys_are_refused_as_in_gos_test_new_verifier() {
    let key = PETER_VERIFIER_KEY.as_bytes();
    for start in 0..=key.len() {
        for end in start + 1..=key.len() {
            if start == 0 && end == key.len() {
                continue;
            }
            let part = String::from_utf8_lossy(&key[start..end]);
            assert!(
                NoteVerifier::from_verifier_key(&part).is_err(),
                "accepted {part:?}"
            );
        }
    }
    for position in 0..key.len() {
        let mut mangled = key.to_vec();
        mangled[position] += 1;
        let mangled = String::from_utf8_lossy(&mangled);
        assert!(
            NoteVerifier::from_verifier_key(&mangled).is_err(),
            "accepted {mangled:?}"
        );
    }
    // Wrong length and unknown algorithm, each with a key id adjusted to match.
    for bad in [
        "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==",
        "PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
    ] {
        assert!(
            NoteVerifier::from_verifier_key(bad).is_err(),
            "accepted {bad:?}"
        );
    }
}

#[test]
fn key_names_with_spaces_or_plus_are_refused() {
    for bad in ["", "a b", "a+b", "a\u{00a0}b", "tab\tname"] {
        assert!(NoteKeyName::new(bad).is_err(), "accepted {bad:?}");
    }
    assert!(NoteKeyName::new("bansao.example/city-log").is_ok());
}
