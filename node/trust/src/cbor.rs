//! Deterministic CBOR (RFC 8949 §4.2) for everything bansao signs, and strict decoding helpers.
//!
//! Signed structures are built as [`Value`]s and encoded with [`to_canonical_vec`], which sorts
//! every map's keys in the RFC 8949 core deterministic order (ciborium already writes integers,
//! lengths and tags in their shortest form and never uses indefinite lengths). Decoders use
//! [`from_slice_exact`], which refuses trailing bytes and deeply nested input, and the small
//! accessors here, which turn "wrong type" into a typed error instead of a panic.

use ciborium::value::{CanonicalValue, Value};

/// Maximum nesting accepted when decoding untrusted CBOR.
const MAX_DEPTH: usize = 16;

/// CBOR could not be decoded into the expected shape.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CborError {
    /// The bytes are not well-formed CBOR.
    #[error("not valid CBOR: {0}")]
    Malformed(String),
    /// The input ends in the middle of an item.
    #[error("the CBOR data is truncated")]
    Truncated,
    /// Bytes follow the first CBOR item.
    #[error("{0} unexpected bytes after the CBOR item")]
    TrailingBytes(usize),
    /// The item is well-formed but not what was expected here.
    #[error("unexpected CBOR structure: {0}")]
    Shape(String),
}

/// Sorts map keys recursively into RFC 8949 deterministic order.
pub fn canonicalize(value: Value) -> Value {
    match value {
        Value::Map(entries) => {
            let mut entries: Vec<(Value, Value)> = entries
                .into_iter()
                .map(|(key, value)| (canonicalize(key), canonicalize(value)))
                .collect();
            if entries.iter().all(|(key, _)| key.is_text()) {
                // Every signed map bansao writes has text keys: compare them in place.
                entries.sort_by(|(a, _), (b, _)| text_key_order(a, b));
            } else {
                // The order's key owns its value: clone each key once, not twice per comparison.
                entries.sort_by_cached_key(|(key, _)| CanonicalValue::from(key.clone()));
            }
            Value::Map(entries)
        }
        Value::Array(items) => Value::Array(items.into_iter().map(canonicalize).collect()),
        Value::Tag(tag, inner) => Value::Tag(tag, Box::new(canonicalize(*inner))),
        other => other,
    }
}

/// [`CanonicalValue`]'s order for two text keys (shorter first, then bytewise), without cloning
/// them into `CanonicalValue`s.
fn text_key_order(a: &Value, b: &Value) -> std::cmp::Ordering {
    match (a.as_text(), b.as_text()) {
        (Some(a), Some(b)) => a.len().cmp(&b.len()).then_with(|| a.cmp(b)),
        _ => CanonicalValue::from(a.clone()).cmp(&CanonicalValue::from(b.clone())),
    }
}

/// Encodes a value deterministically.
pub fn to_canonical_vec(value: Value) -> Vec<u8> {
    let mut out = Vec::new();
    // Writing into a Vec cannot fail, and every `Value` is encodable.
    if let Err(error) = ciborium::into_writer(&canonicalize(value), &mut out) {
        unreachable!("encoding a CBOR value into memory failed: {error}");
    }
    out
}

/// Decodes exactly one CBOR item that fills the whole slice.
pub fn from_slice_exact(bytes: &[u8]) -> Result<Value, CborError> {
    let mut cursor = std::io::Cursor::new(bytes);
    let value: Value = ciborium::de::from_reader_with_recursion_limit(&mut cursor, MAX_DEPTH)
        .map_err(|error| match error {
            ciborium::de::Error::Io(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
                CborError::Truncated
            }
            other => CborError::Malformed(other.to_string()),
        })?;
    let consumed = usize::try_from(cursor.position()).unwrap_or(usize::MAX);
    if consumed < bytes.len() {
        return Err(CborError::TrailingBytes(bytes.len() - consumed));
    }
    Ok(value)
}

fn shape(what: &str) -> CborError {
    CborError::Shape(what.to_owned())
}

/// The items of an array of exactly `length` items.
pub fn array_of(value: Value, length: usize, what: &str) -> Result<Vec<Value>, CborError> {
    match value {
        Value::Array(items) if items.len() == length => Ok(items),
        Value::Array(items) => Err(shape(&format!(
            "{what}: expected {length} items, found {}",
            items.len()
        ))),
        _ => Err(shape(&format!("{what}: expected an array"))),
    }
}

/// The items of an array of any length.
pub fn array(value: Value, what: &str) -> Result<Vec<Value>, CborError> {
    match value {
        Value::Array(items) => Ok(items),
        _ => Err(shape(&format!("{what}: expected an array"))),
    }
}

/// A map's entries.
pub fn map(value: Value, what: &str) -> Result<Vec<(Value, Value)>, CborError> {
    match value {
        Value::Map(entries) => Ok(entries),
        _ => Err(shape(&format!("{what}: expected a map"))),
    }
}

/// A byte string.
pub fn bytes(value: Value, what: &str) -> Result<Vec<u8>, CborError> {
    match value {
        Value::Bytes(bytes) => Ok(bytes),
        _ => Err(shape(&format!("{what}: expected a byte string"))),
    }
}

/// A byte string of exactly `N` bytes.
pub fn fixed_bytes<const N: usize>(value: Value, what: &str) -> Result<[u8; N], CborError> {
    let bytes = bytes(value, what)?;
    <[u8; N]>::try_from(bytes.as_slice()).map_err(|_| {
        shape(&format!(
            "{what}: expected {N} bytes, found {}",
            bytes.len()
        ))
    })
}

/// A text string of at most `max_len` bytes.
pub fn text(value: Value, max_len: usize, what: &str) -> Result<String, CborError> {
    match value {
        Value::Text(text) if text.len() <= max_len => Ok(text),
        Value::Text(_) => Err(shape(&format!("{what}: longer than {max_len} bytes"))),
        _ => Err(shape(&format!("{what}: expected a text string"))),
    }
}

/// A text string or null.
pub fn optional_text(
    value: Value,
    max_len: usize,
    what: &str,
) -> Result<Option<String>, CborError> {
    match value {
        Value::Null => Ok(None),
        other => text(other, max_len, what).map(Some),
    }
}

/// An integer that fits an `i64`.
pub fn int(value: Value, what: &str) -> Result<i64, CborError> {
    match value {
        Value::Integer(integer) => {
            i64::try_from(integer).map_err(|_| shape(&format!("{what}: integer out of range")))
        }
        _ => Err(shape(&format!("{what}: expected an integer"))),
    }
}

/// A non-negative integer that fits a `u64`.
pub fn uint(value: Value, what: &str) -> Result<u64, CborError> {
    match value {
        Value::Integer(integer) => u64::try_from(integer)
            .map_err(|_| shape(&format!("{what}: expected a non-negative integer"))),
        _ => Err(shape(&format!("{what}: expected an integer"))),
    }
}

/// Looks up a text key in a decoded map, removing it.
pub fn take_field(entries: &mut Vec<(Value, Value)>, key: &str) -> Option<Value> {
    let position = entries
        .iter()
        .position(|(k, _)| matches!(k, Value::Text(text) if text == key))?;
    Some(entries.swap_remove(position).1)
}

/// Like [`take_field`], but the field is required.
pub fn require_field(
    entries: &mut Vec<(Value, Value)>,
    key: &str,
    what: &str,
) -> Result<Value, CborError> {
    take_field(entries, key).ok_or_else(|| shape(&format!("{what}: missing field {key:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn map_keys_are_sorted_length_first() {
        let value = Value::Map(vec![
            (Value::Text("bb".into()), Value::Integer(1.into())),
            (Value::Text("a".into()), Value::Integer(2.into())),
            (Value::Text("ab".into()), Value::Integer(3.into())),
        ]);
        let encoded = to_canonical_vec(value);
        // {"a": 2, "ab": 3, "bb": 1}
        assert_eq!(hex::encode(encoded), "a36161026261620362626201");
    }

    #[test]
    fn text_keys_sort_as_ciborium_orders_them() {
        // Signatures depend on this order: the fast path for text keys must agree with
        // `CanonicalValue` on short, long (≥ 24 bytes: longer length header) and non-ASCII keys.
        let keys = [
            "b",
            "a",
            "ab",
            "ba",
            "ngày_sinh",
            "ho_ten",
            "Z",
            "z",
            "",
            "a_key_of_more_than_twenty_four_bytes",
            "a_key_of_more_than_twenty_four_bytez",
            "đ",
            "e\u{301}",
        ];
        let mut fast: Vec<Value> = keys.iter().map(|k| Value::Text((*k).into())).collect();
        let mut reference = fast.clone();
        fast.sort_by(text_key_order);
        reference.sort_by_cached_key(|key| CanonicalValue::from(key.clone()));
        assert_eq!(fast, reference);
        // A map mixing integer and text keys still sorts by the reference order.
        let mixed = Value::Map(vec![
            (Value::Text("a".into()), Value::Null),
            (Value::Integer(1.into()), Value::Null),
        ]);
        assert_eq!(hex::encode(to_canonical_vec(mixed)), "a201f66161f6");
    }

    #[test]
    fn trailing_bytes_are_refused() {
        assert_eq!(
            from_slice_exact(&[0x01, 0x02]),
            Err(CborError::TrailingBytes(1))
        );
        assert_eq!(from_slice_exact(&[0x5f]), Err(CborError::Truncated));
        // Additional information 28 is reserved.
        assert!(matches!(
            from_slice_exact(&[0x1c]),
            Err(CborError::Malformed(_))
        ));
    }

    #[test]
    fn deep_nesting_is_refused_without_overflow() {
        let deep = vec![0x81u8; 100_000];
        assert!(from_slice_exact(&deep).is_err());
    }
}
