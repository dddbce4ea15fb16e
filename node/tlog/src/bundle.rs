//! Entry bundles (c2sp.org/tlog-tiles "data tiles"): the entries of one level-0 tile, each
//! prefixed with its length as a big-endian `u16`.

use crate::tree::MAX_ENTRY_BYTES;

/// Why bytes are not an entry bundle, or entries cannot be bundled.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BundleError {
    /// An entry is longer than a `u16` length can say.
    #[error("entry {position} is {length} bytes, more than {MAX_ENTRY_BYTES}")]
    EntryTooLarge {
        /// Its position in the bundle.
        position: usize,
        /// Its length.
        length: usize,
    },
    /// The bytes end inside a length or an entry.
    #[error("the bundle ends inside entry {position}")]
    Truncated {
        /// The entry cut short.
        position: usize,
    },
}

/// Bundles `entries`.
pub fn encode_entry_bundle(entries: &[impl AsRef<[u8]>]) -> Result<Vec<u8>, BundleError> {
    let mut bundle = Vec::new();
    for (position, entry) in entries.iter().enumerate() {
        let entry = entry.as_ref();
        let length = u16::try_from(entry.len()).map_err(|_| BundleError::EntryTooLarge {
            position,
            length: entry.len(),
        })?;
        bundle.extend_from_slice(&length.to_be_bytes());
        bundle.extend_from_slice(entry);
    }
    Ok(bundle)
}

/// Reads the entries of a bundle.
pub fn decode_entry_bundle(mut bundle: &[u8]) -> Result<Vec<&[u8]>, BundleError> {
    let mut entries = Vec::new();
    while !bundle.is_empty() {
        let truncated = BundleError::Truncated {
            position: entries.len(),
        };
        let (length, rest) = bundle.split_first_chunk::<2>().ok_or(truncated.clone())?;
        let length = usize::from(u16::from_be_bytes(*length));
        let (entry, rest) = rest.split_at_checked(length).ok_or(truncated)?;
        entries.push(entry);
        bundle = rest;
    }
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bundle_round_trips_and_a_cut_one_is_refused() {
        let entries: Vec<&[u8]> = vec![b"a", b"", b"three"];
        let bundle = encode_entry_bundle(&entries).unwrap();
        assert_eq!(&bundle[..5], &[0, 1, b'a', 0, 0]);
        assert_eq!(decode_entry_bundle(&bundle).unwrap(), entries);
        assert_eq!(
            decode_entry_bundle(&bundle[..bundle.len() - 1]),
            Err(BundleError::Truncated { position: 2 })
        );
        assert!(encode_entry_bundle(&[vec![0u8; 65_536]]).is_err());
    }
}
