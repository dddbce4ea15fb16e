//! `bansao log audit`: the city's log recomputed from its stored entries alone (in memory, with
//! `bansao-tlog`), compared with the root the store states, with the root its stored tiles give,
//! and with the latest checkpoint, whose signature is checked against the trust list's log key.
//! Every entry must also decode as a [`LoggedEvent`]. What disagrees is listed, not hidden.

use bansao_copy::LoggedEvent;
use bansao_tlog::{MemoryTileStore, TreeHead, VerifiedCheckpoint};

use crate::city::City;
use crate::city_log::{CityLogError, log_origin, log_verifiers};

/// Entries read (and appended in memory) per batch.
const ENTRIES_PER_BATCH: u64 = 4_096;

/// What an audit found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogAudit {
    /// The tree recomputed from the entries.
    pub recomputed: TreeHead,
    /// The size and root the store states.
    pub stored: Option<TreeHead>,
    /// The latest checkpoint's head, once its signature was checked.
    pub checkpoint: Option<TreeHead>,
    /// Everything that disagrees, in words.
    pub problems: Vec<String>,
}

impl LogAudit {
    /// Whether everything agrees.
    pub fn passed(&self) -> bool {
        self.problems.is_empty()
    }
}

impl City {
    /// Recomputes the log from its entries and checks it against the store and the latest
    /// checkpoint.
    pub fn audit_log(&self) -> Result<LogAudit, CityLogError> {
        let mut problems = Vec::new();
        let stored = self.store.log_head()?;
        let mut memory = MemoryTileStore::new();
        let mut size = 0u64;
        loop {
            let entries = self.store.log_entries(size, ENTRIES_PER_BATCH)?;
            if entries.is_empty() {
                break;
            }
            let mut bytes = Vec::with_capacity(entries.len());
            for entry in entries {
                if entry.leaf_index != size + bytes.len() as u64 {
                    problems.push(format!("entry {} is missing", size + bytes.len() as u64));
                    break;
                }
                if let Err(error) = LoggedEvent::from_cbor(&entry.entry) {
                    problems.push(format!(
                        "entry {} is not an event: {error}",
                        entry.leaf_index
                    ));
                }
                bytes.push(entry.entry);
            }
            if bytes.is_empty() {
                break;
            }
            let appended = bansao_tlog::append(&memory, size, &bytes).map_err(StoreErrorOf)?;
            memory.apply(appended.updates);
            size = appended.head.size;
        }
        let recomputed =
            bansao_tlog::tree_head(&memory, size).map_err(|e| StoreErrorOf(e.into()))?;
        match stored {
            Some(stored) if stored != recomputed => problems.push(format!(
                "the store states {} leaves with root {}; the entries give {} leaves with root {}",
                stored.size, stored.root, recomputed.size, recomputed.root
            )),
            _ => {}
        }
        if let Err(error) = self.store.check_log() {
            problems.push(error.to_string());
        }
        let trust = self.trust()?;
        let checkpoint = match self.store.latest_log_checkpoint()? {
            None => {
                problems.push("no checkpoint has been signed".to_owned());
                None
            }
            Some(latest) => {
                let verifiers: Vec<_> = log_verifiers(&trust)
                    .into_iter()
                    .map(|(verifier, _)| verifier)
                    .collect();
                match VerifiedCheckpoint::open(
                    latest.note.as_bytes(),
                    &log_origin(&trust),
                    &verifiers,
                ) {
                    Err(error) => {
                        problems.push(format!("the latest checkpoint does not verify: {error}"));
                        None
                    }
                    Ok(verified) => {
                        let head = *verified.head();
                        if head.size > recomputed.size {
                            problems.push(format!(
                                "the checkpoint states {} leaves; the entries are {}",
                                head.size, recomputed.size
                            ));
                        } else {
                            let at_size = bansao_tlog::tree_head(&memory, head.size)
                                .map_err(|e| StoreErrorOf(e.into()))?;
                            if at_size != head {
                                problems.push(format!(
                                    "the checkpoint of {} leaves states root {}; the entries give {}",
                                    head.size, head.root, at_size.root
                                ));
                            }
                        }
                        Some(head)
                    }
                }
            }
        };
        Ok(LogAudit {
            recomputed,
            stored,
            checkpoint,
            problems,
        })
    }
}

/// Recomputing failed in memory: reported as the store's log error.
struct StoreErrorOf(bansao_tlog::AppendError);

impl From<StoreErrorOf> for CityLogError {
    fn from(error: StoreErrorOf) -> CityLogError {
        CityLogError::Store(error.0.into())
    }
}
