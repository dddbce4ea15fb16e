//! The highest editions of the trust list and the revocation list this node has used, so that
//! it never goes back to older trust: a trust file from before a revocation, restored by hand
//! or by a backup, would admit the revoked key again.

use rusqlite::{OptionalExtension, params};

use crate::{Store, StoreError};
use bansao_copy::Timestamp;

/// Edition numbers of the two lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TrustEditions {
    /// The trust list's edition (0: none used yet).
    pub trust_list: u64,
    /// The revocation list's edition (0: none used yet).
    pub revocations: u64,
}

const TRUST_LIST: &str = "trust-list";
const REVOCATIONS: &str = "revocation-list";

impl Store {
    /// The highest editions this node has recorded as used.
    pub fn used_trust_editions(&self) -> Result<TrustEditions, StoreError> {
        let edition = |list: &str| -> Result<u64, StoreError> {
            let version: Option<i64> = self
                .connection
                .query_row(
                    "SELECT version FROM trust_editions WHERE list = ?1",
                    [list],
                    |row| row.get(0),
                )
                .optional()?;
            Ok(version.map_or(0, |version| u64::try_from(version).unwrap_or(0)))
        };
        Ok(TrustEditions {
            trust_list: edition(TRUST_LIST)?,
            revocations: edition(REVOCATIONS)?,
        })
    }

    /// Records that this node uses `editions`; a recorded edition never goes down.
    pub fn record_trust_editions(
        &mut self,
        editions: TrustEditions,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let transaction = self.connection.transaction()?;
        for (list, version) in [
            (TRUST_LIST, editions.trust_list),
            (REVOCATIONS, editions.revocations),
        ] {
            transaction.execute(
                "INSERT INTO trust_editions (list, version, updated_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (list) DO UPDATE SET version = excluded.version,
                     updated_at = excluded.updated_at
                 WHERE excluded.version > trust_editions.version",
                params![
                    list,
                    i64::try_from(version).unwrap_or(i64::MAX),
                    now.to_rfc3339()
                ],
            )?;
        }
        transaction.commit()?;
        Ok(())
    }
}
