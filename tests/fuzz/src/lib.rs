//! Fixtures shared by the fuzz targets and the seed writer: the `bansao_trust` test hierarchy
//! (built once per process) and a fixed Automerge actor.

use std::sync::OnceLock;

use automerge::ActorId;
use bansao_trust::TrustContext;
use bansao_trust::testing::Hierarchy;

/// The fixture key hierarchy (city root, registrar, wards, a kiosk, officials).
pub fn hierarchy() -> &'static Hierarchy {
    static HIERARCHY: OnceLock<Hierarchy> = OnceLock::new();
    HIERARCHY.get_or_init(Hierarchy::new)
}

/// The verified trust context of [`hierarchy`].
pub fn trust() -> &'static TrustContext {
    static TRUST: OnceLock<TrustContext> = OnceLock::new();
    TRUST.get_or_init(|| hierarchy().context())
}

/// The actor id documents are loaded with.
pub fn actor() -> ActorId {
    ActorId::from([0xF0_u8; 16])
}

/// The magic bytes that open every Automerge chunk.
const AUTOMERGE_MAGIC: [u8; 4] = [0x85, 0x6f, 0x4a, 0x83];

/// Rewrites the checksum of every Automerge chunk in `data` (magic, 4-byte checksum, type byte,
/// LEB128 length, data; the checksum is the first 4 bytes of SHA-256 over type, canonical length
/// and data) so that it matches, and returns the result if anything changed.
///
/// `AutoCommit::load` rejects a chunk whose checksum is wrong before it parses the columns, so
/// almost every mutation of a saved document stops there; loading the repaired bytes as well
/// lets the fuzzer reach document reconstruction and change application.
pub fn fix_automerge_checksums(data: &[u8]) -> Option<Vec<u8>> {
    use sha2::{Digest, Sha256};

    let mut fixed = data.to_vec();
    let mut at = 0;
    while fixed.get(at..at + 4) == Some(AUTOMERGE_MAGIC.as_slice()) {
        let type_at = at + 8;
        let chunk_type = *fixed.get(type_at)?;
        let (length, length_size) = read_uleb128(fixed.get(type_at + 1..)?)?;
        let data_at = type_at + 1 + length_size;
        let data_end = data_at.checked_add(usize::try_from(length).ok()?)?;
        let chunk = fixed.get(data_at..data_end)?;
        let mut hasher = Sha256::new();
        hasher.update([chunk_type]);
        hasher.update(uleb128(length));
        hasher.update(chunk);
        let hash = hasher.finalize();
        fixed[at + 4..at + 8].copy_from_slice(&hash[..4]);
        at = data_end;
    }
    (fixed != data).then_some(fixed)
}

/// Reads an unsigned LEB128 number; returns it and its size in bytes.
fn read_uleb128(bytes: &[u8]) -> Option<(u64, usize)> {
    let mut value = 0_u64;
    for (index, byte) in bytes.iter().take(10).enumerate() {
        value |= u64::from(byte & 0x7f).checked_shl(7 * index as u32)?;
        if byte & 0x80 == 0 {
            return Some((value, index + 1));
        }
    }
    None
}

/// The canonical unsigned LEB128 encoding of `value`.
fn uleb128(mut value: u64) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(byte);
            return out;
        }
        out.push(byte | 0x80);
    }
}

/// Lets panics raised inside automerge (and its column codec `hexane`) unwind to the
/// `catch_unwind` in `bansao_trust::document::load_untrusted`, which turns them into load errors;
/// every other panic still aborts, as libfuzzer-sys' own hook does, so our code's panics are
/// still found. automerge 0.12 panics on some malformed documents (see the regression test
/// `regression_automerge_load_panic_on_malformed_bytes_is_an_error` in node/copy).
pub fn contain_automerge_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        std::panic::set_hook(Box::new(|info| {
            let file = info.location().map(|l| l.file()).unwrap_or("");
            if file.contains("/automerge-") || file.contains("/hexane-") {
                return;
            }
            eprintln!("{info}");
            std::process::abort();
        }));
    });
}
