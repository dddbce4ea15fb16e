//! A node never goes back to older trust than it has used.
//!
//! The highest trust and revocation list editions a node has used are kept in its store
//! ([`bansao_store::TrustEditions`]). Opening a node checks its `trust.cbor` against them and
//! refuses an older file with [`OlderTrustFile`], before any key is admitted: a trust file from
//! before a revocation (an old backup, a copy from another machine) would let the revoked key in
//! again. Adopting a newer bundle records its editions.

use std::path::{Path, PathBuf};

use bansao_copy::Timestamp;
use bansao_store::{Store, StoreError, TrustEditions};
use bansao_trust::TrustContext;

/// The trust file is older than the trust this node has used.
#[derive(Debug, thiserror::Error)]
#[error(
    "tệp tin cậy {path} cũ hơn tệp nút này đã dùng (the trust file is older than the one this node has used): \
     it holds edition {found} of the {list}, this node has used edition {used}; \
     put the newest trust.cbor back (from the ward or the city), a node never goes back to older trust"
)]
pub struct OlderTrustFile {
    /// The trust file.
    pub path: PathBuf,
    /// Which list is older.
    pub list: &'static str,
    /// Its edition in the file.
    pub found: u64,
    /// The edition this node has used.
    pub used: u64,
}

/// Why the trust floor could not be checked or kept.
#[derive(Debug, thiserror::Error)]
pub enum TrustFloorError {
    /// The file is older than what was used.
    #[error(transparent)]
    Older(#[from] OlderTrustFile),
    /// The store could not be read or written.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The editions a context carries.
pub fn editions(context: &TrustContext) -> TrustEditions {
    TrustEditions {
        trust_list: context.trust_list().version,
        revocations: context.revocations().version,
    }
}

/// Refuses `context` (read from `path`) if it is older than what `store` has recorded, and
/// records it otherwise.
pub fn check_and_record(
    store: &mut Store,
    path: &Path,
    context: &TrustContext,
    now: Timestamp,
) -> Result<(), TrustFloorError> {
    let used = store.used_trust_editions()?;
    let found = editions(context);
    for (list, found, used) in [
        ("trust list", found.trust_list, used.trust_list),
        ("revocation list", found.revocations, used.revocations),
    ] {
        if found < used {
            return Err(OlderTrustFile {
                path: path.to_owned(),
                list,
                found,
                used,
            }
            .into());
        }
    }
    store.record_trust_editions(found, now)?;
    Ok(())
}
