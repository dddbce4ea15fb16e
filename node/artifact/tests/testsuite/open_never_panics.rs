//! Property tests: `open_sealed_pdf` returns an error, never a panic, on
//! arbitrary bytes, on PDF-looking garbage, and on damaged sealed files; and a
//! damaged sealed file never passes `verify_seal`.

// Test helpers outside `#[test]` functions unwrap too: a failure is a test failure.
use crate::common;

use std::sync::OnceLock;

use bansao_artifact::{open_sealed_pdf, render_sealed_pdf};
use common::{TestSealer, content, png_page};
use proptest::prelude::*;

fn sealed() -> &'static [u8] {
    static SEALED: OnceLock<Vec<u8>> = OnceLock::new();
    SEALED
        .get_or_init(|| render_sealed_pdf(&content(vec![png_page()]), &TestSealer::new(3)).unwrap())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_are_an_error(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        prop_assert!(open_sealed_pdf(&bytes).is_err());
    }

    #[test]
    fn pdf_looking_garbage_is_an_error(
        body in proptest::collection::vec(
            prop_oneof![
                Just(b"1 0 obj\n<< /Type /Catalog /BansaoSeal 2 0 R >>\nendobj\n".to_vec()),
                Just(b"2 0 obj\n<< /Type /BansaoSeal /ByteRange [0 99999999999999 -1 7] /Contents <00> >>\nendobj\n".to_vec()),
                Just(b"xref\n0 3\n0000000000 65535 f \n0000000009 00000 n \n".to_vec()),
                Just(b"trailer\n<< /Root 1 0 R /Size 3 /Prev 999999999 >>\n".to_vec()),
                Just(b"startxref\n9\n%%EOF\n".to_vec()),
                Just(b"[[[[[[[[[[((((<<<<".to_vec()),
                proptest::collection::vec(any::<u8>(), 0..64),
            ],
            0..12,
        )
    ) {
        let mut bytes = b"%PDF-1.7\n".to_vec();
        for part in body {
            bytes.extend_from_slice(&part);
        }
        let _ = open_sealed_pdf(&bytes);
    }

    #[test]
    fn damaged_sealed_files_never_verify(damages in proptest::collection::vec(damage(), 1..4)) {
        let file = sealed();
        let mut changed = file.to_vec();
        for damage in damages {
            damage.apply(&mut changed);
        }
        prop_assume!(changed != file);
        if let Ok(opened) = open_sealed_pdf(&changed) {
            prop_assert!(opened.verify_seal(&TestSealer::new(3).verifying_key()).is_err());
        }
    }
}

/// One way of damaging a file; positions are relative to its current length.
#[derive(Debug, Clone)]
enum Damage {
    Replace(prop::sample::Index, u8),
    Delete(prop::sample::Index, usize),
    Insert(prop::sample::Index, Vec<u8>),
    Truncate(prop::sample::Index),
}

impl Damage {
    fn apply(&self, file: &mut Vec<u8>) {
        if file.is_empty() {
            return;
        }
        match self {
            Damage::Replace(at, byte) => {
                let at = at.index(file.len());
                file[at] = *byte;
            }
            Damage::Delete(at, len) => {
                let at = at.index(file.len());
                let end = (at + len).min(file.len());
                file.drain(at..end);
            }
            Damage::Insert(at, bytes) => {
                let at = at.index(file.len() + 1);
                file.splice(at..at, bytes.iter().copied());
            }
            Damage::Truncate(at) => {
                let at = at.index(file.len());
                file.truncate(at);
            }
        }
    }
}

fn damage() -> impl Strategy<Value = Damage> {
    prop_oneof![
        4 => (any::<prop::sample::Index>(), any::<u8>()).prop_map(|(at, byte)| Damage::Replace(at, byte)),
        2 => (any::<prop::sample::Index>(), 1..64usize).prop_map(|(at, len)| Damage::Delete(at, len)),
        2 => (any::<prop::sample::Index>(), proptest::collection::vec(any::<u8>(), 1..16))
            .prop_map(|(at, bytes)| Damage::Insert(at, bytes)),
        1 => any::<prop::sample::Index>().prop_map(Damage::Truncate),
    ]
}
