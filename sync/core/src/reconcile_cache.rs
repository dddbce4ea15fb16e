//! Reconciliation sets kept between sessions.
//!
//! Building the set of `(copy id, heads digest)` items costs a node a read of every copy of the
//! commune and a sort: tens of milliseconds for 100,000 copies, paid by both sides of every
//! round even when nothing changed. A [`ReconcileCache`] shared by a node's sessions keeps the
//! sealed set of each commune, keyed by the replica's [`Replica::items_generation`] (a number
//! the store moves on every change to the items) and the trust bundle's digest, and sessions
//! start from a copy of it. A replica that has no generation (`None`) is never cached.
//!
//! [`Replica::items_generation`]: crate::Replica::items_generation

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use negentropy::NegentropyStorageVector;

use crate::replica::DIGEST_LENGTH;

/// Communes whose sets are kept at most (a city node serves many).
const COMMUNES_KEPT: usize = 8;

#[derive(Debug)]
struct Entry {
    generation: u64,
    bundle: [u8; DIGEST_LENGTH],
    storage: Arc<NegentropyStorageVector>,
    last_used: u64,
}

/// Sealed reconciliation sets by commune; share one per node (`Arc`).
#[derive(Debug, Default)]
pub struct ReconcileCache {
    entries: Mutex<(u64, HashMap<String, Entry>)>,
}

impl ReconcileCache {
    /// The set of `commune` built at `generation` with the bundle whose digest is `bundle`.
    pub(crate) fn get(
        &self,
        commune: &str,
        generation: u64,
        bundle: &[u8; DIGEST_LENGTH],
    ) -> Option<Arc<NegentropyStorageVector>> {
        let mut guard = match self.entries.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        let (clock, entries) = &mut *guard;
        *clock += 1;
        let entry = entries.get_mut(commune)?;
        if entry.generation != generation || entry.bundle != *bundle {
            return None;
        }
        entry.last_used = *clock;
        Some(entry.storage.clone())
    }

    /// Keeps the set of `commune`, evicting the least recently used commune if full.
    pub(crate) fn put(
        &self,
        commune: &str,
        generation: u64,
        bundle: [u8; DIGEST_LENGTH],
        storage: Arc<NegentropyStorageVector>,
    ) {
        let mut guard = match self.entries.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        let (clock, entries) = &mut *guard;
        *clock += 1;
        if !entries.contains_key(commune)
            && entries.len() >= COMMUNES_KEPT
            && let Some(oldest) = entries
                .iter()
                .min_by_key(|(_, entry)| entry.last_used)
                .map(|(commune, _)| commune.clone())
        {
            entries.remove(&oldest);
        }
        entries.insert(
            commune.to_owned(),
            Entry {
                generation,
                bundle,
                storage,
                last_used: *clock,
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(items: u64) -> Arc<NegentropyStorageVector> {
        let mut storage = NegentropyStorageVector::new();
        for n in 0..items {
            let mut id = [0u8; 32];
            id[..8].copy_from_slice(&n.to_be_bytes());
            storage
                .insert(n, negentropy::Id::from_byte_array(id))
                .expect("insert");
        }
        storage.seal().expect("seal");
        Arc::new(storage)
    }

    #[test]
    fn a_set_is_reused_only_at_the_same_generation_and_bundle() {
        let cache = ReconcileCache::default();
        cache.put("00001", 7, [1; DIGEST_LENGTH], set(3));
        assert!(cache.get("00001", 7, &[1; DIGEST_LENGTH]).is_some());
        assert!(
            cache.get("00001", 8, &[1; DIGEST_LENGTH]).is_none(),
            "items changed"
        );
        assert!(
            cache.get("00001", 7, &[2; DIGEST_LENGTH]).is_none(),
            "new trust bundle"
        );
        assert!(
            cache.get("00002", 7, &[1; DIGEST_LENGTH]).is_none(),
            "other commune"
        );
    }

    #[test]
    fn the_least_recently_used_commune_is_evicted() {
        let cache = ReconcileCache::default();
        for n in 0..COMMUNES_KEPT {
            cache.put(&format!("{n:05}"), 1, [0; DIGEST_LENGTH], set(1));
        }
        assert!(cache.get("00000", 1, &[0; DIGEST_LENGTH]).is_some());
        cache.put("99999", 1, [0; DIGEST_LENGTH], set(1));
        assert!(
            cache.get("00000", 1, &[0; DIGEST_LENGTH]).is_some(),
            "recently used, kept"
        );
        assert!(
            cache.get("00001", 1, &[0; DIGEST_LENGTH]).is_none(),
            "least recently used, evicted"
        );
        assert!(cache.get("99999", 1, &[0; DIGEST_LENGTH]).is_some());
    }
}
