//! Changing many stored documents in one transaction with every core: the documents are read
//! in the transaction, then loaded, changed and saved on several threads (Automerge and
//! signatures are most of the cost, and each document is independent), then written back in
//! order on the transaction's connection. The city registers and proves copies 500 at a time
//! this way.

use std::sync::atomic::{AtomicUsize, Ordering};

use automerge::ActorId;
use bansao_copy::{CopyDocument, CopyStatus};
use rusqlite::OptionalExtension;

use crate::StoreError;

/// Documents a thread takes at a time.
const DOCUMENTS_PER_TAKE: usize = 4;

/// One document after its change: to be written with its bytes and status.
pub(crate) struct Reworked<T> {
    pub(crate) document: CopyDocument,
    pub(crate) bytes: Vec<u8>,
    pub(crate) status: CopyStatus,
    pub(crate) value: T,
}

/// How many threads change documents: the cores, at most four.
fn threads() -> usize {
    std::thread::available_parallelism().map_or(1, |cores| cores.get().min(4))
}

/// Reads the documents of `ids` in `transaction`, and on several threads loads each, runs
/// `change` on it (its position in `ids` and the document) and saves it. In the order of
/// `ids`: a document that is missing or does not load is the store's error, a refused change
/// the change's.
pub(crate) fn rework<T, E>(
    transaction: &rusqlite::Transaction<'_>,
    ids: &[String],
    actor: &ActorId,
    change: impl Fn(usize, &mut CopyDocument) -> Result<(CopyStatus, T), E> + Sync,
) -> Result<Vec<Result<Reworked<T>, E>>, StoreError>
where
    T: Send,
    E: From<StoreError> + Send,
{
    let mut statement =
        transaction.prepare_cached("SELECT document FROM copies WHERE copy_id = ?1")?;
    let stored: Vec<Option<Vec<u8>>> = ids
        .iter()
        .map(|id| statement.query_row([id], |row| row.get(0)).optional())
        .collect::<Result<_, _>>()?;
    let work = |position: usize| -> Result<Reworked<T>, E> {
        let id = &ids[position];
        let bytes = stored[position]
            .as_deref()
            .ok_or_else(|| StoreError::NotFound(id.clone()))?;
        let mut document =
            CopyDocument::load(bytes, actor.clone()).map_err(|error| StoreError::Document {
                copy_id: id.clone(),
                error: Box::new(error),
            })?;
        let (status, value) = change(position, &mut document)?;
        let bytes = document.save();
        Ok(Reworked {
            document,
            bytes,
            status,
            value,
        })
    };
    let threads = if ids.len() < 2 * DOCUMENTS_PER_TAKE {
        1
    } else {
        threads()
    };
    if threads == 1 {
        return Ok((0..ids.len()).map(work).collect());
    }
    let next = AtomicUsize::new(0);
    let take_and_work = || {
        let mut done = Vec::new();
        loop {
            let first = next.fetch_add(DOCUMENTS_PER_TAKE, Ordering::Relaxed);
            if first >= ids.len() {
                return done;
            }
            let last = (first + DOCUMENTS_PER_TAKE).min(ids.len());
            done.extend((first..last).map(|position| (position, work(position))));
        }
    };
    let mut done: Vec<(usize, Result<Reworked<T>, E>)> = std::thread::scope(|scope| {
        let others: Vec<_> = (1..threads).map(|_| scope.spawn(take_and_work)).collect();
        let mut done = take_and_work();
        for other in others {
            // A thread that panicked leaves its documents out: they are reported below as
            // not changed, and nothing of them is written.
            if let Ok(theirs) = other.join() {
                done.extend(theirs);
            }
        }
        done
    });
    done.sort_unstable_by_key(|(position, _)| *position);
    let mut done = done.into_iter().peekable();
    Ok((0..ids.len())
        .map(
            |position| match done.next_if(|(taken, _)| *taken == position) {
                Some((_, outcome)) => outcome,
                None => Err(E::from(StoreError::ChangeInterrupted(
                    ids[position].clone(),
                ))),
            },
        )
        .collect())
}
