//! Decisions on stored copies, one copy at a time and whole: the copy is read, the caller signs
//! its decision on it, and it is written back, inside one immediate write transaction, so a
//! sync taking in the same copy meanwhile, or a second official deciding it, is neither lost
//! nor counted twice. An approval takes the next certification number of its book and year in
//! the same transaction: numbers run on without a gap or a duplicate, also when two officials
//! approve at once, and a decision that fails uses no number.

use automerge::ActorId;
use bansao_copy::status::CopyStatus;
use bansao_copy::{CopyDocument, CopyId, Timestamp};
use rusqlite::{OptionalExtension, TransactionBehavior, params};

use crate::{Store, StoreError, upsert_copy};

/// A book of certification numbers and the year whose numbers are taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NumberBook<'a> {
    /// The book, e.g. `SCT/BS` (the book of certified copies).
    pub book: &'a str,
    /// The year, in Vietnam's time.
    pub year: i32,
}

/// A certification number given to a copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificationEntry {
    /// Its number within the book and year, from 1.
    pub number: u64,
    /// The copy.
    pub copy_id: String,
    /// When it was given, RFC 3339 UTC.
    pub decided_at: String,
}

impl Store {
    /// Loads copy `copy_id`, lets `decide` change it (sign a decision) and return its new
    /// status with what the caller wants back, and saves it, all in one immediate transaction.
    /// With a `book`, the book's next number for the year is handed to `decide` and recorded
    /// for the copy. Whatever `decide` refuses, nothing is written and no number is used.
    pub fn record_decision<T, E: From<StoreError>>(
        &mut self,
        copy_id: CopyId,
        actor: ActorId,
        book: Option<NumberBook<'_>>,
        now: Timestamp,
        decide: impl FnOnce(&mut CopyDocument, Option<u64>) -> Result<(CopyStatus, T), E>,
    ) -> Result<T, E> {
        let id = copy_id.to_string();
        let transaction = self
            .connection
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(StoreError::from)?;
        let mut document = crate::decisions::stored_document(&transaction, &id, actor)?;
        // A copy keeps the number it was given (an approval that resolves a conflict on a copy
        // approved before): one number a copy, one copy a number.
        let given: Option<i64> = match book {
            Some(book) => transaction
                .query_row(
                    "SELECT number FROM certification_numbers
                     WHERE book = ?1 AND year = ?2 AND copy_id = ?3",
                    params![book.book, book.year, id],
                    |row| row.get(0),
                )
                .optional()
                .map_err(StoreError::from)?,
            None => None,
        };
        let number = match (book, given) {
            (Some(_), Some(given)) => Some(u64::try_from(given).unwrap_or(0)),
            (Some(book), None) => {
                let last: i64 = transaction
                    .query_row(
                        "SELECT COALESCE(MAX(number), 0) FROM certification_numbers
                         WHERE book = ?1 AND year = ?2",
                        params![book.book, book.year],
                        |row| row.get(0),
                    )
                    .map_err(StoreError::from)?;
                Some(u64::try_from(last).unwrap_or(0) + 1)
            }
            (None, _) => None,
        };
        let (status, decided) = decide(&mut document, number)?;
        upsert_copy(&transaction, &mut document, status, now)?;
        if let (Some(book), Some(number), None) = (book, number, given) {
            transaction
                .execute(
                    "INSERT INTO certification_numbers (book, year, number, copy_id, decided_at)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![
                        book.book,
                        book.year,
                        i64::try_from(number).unwrap_or(i64::MAX),
                        id,
                        now.to_rfc3339()
                    ],
                )
                .map_err(StoreError::from)?;
        }
        transaction.commit().map_err(StoreError::from)?;
        Ok(decided)
    }

    /// [`Store::record_decision`] for many copies in one immediate transaction (one commit for
    /// the batch), for decisions that take no number (registrations): each copy is loaded,
    /// `decide`d (given its position in `copy_ids`) and saved in turn. A copy that is not
    /// stored, or that `decide` refuses, is left as it was and its error is returned in its
    /// place; a failure to write ends the whole batch with nothing written.
    pub fn record_decisions<T: Send, E: From<StoreError> + Send>(
        &mut self,
        copy_ids: &[CopyId],
        actor: ActorId,
        now: Timestamp,
        decide: impl Fn(usize, &mut CopyDocument) -> Result<(CopyStatus, T), E> + Sync,
    ) -> Result<Vec<Result<T, E>>, StoreError> {
        let transaction = self
            .connection
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let ids: Vec<String> = copy_ids.iter().map(ToString::to_string).collect();
        let mut results = Vec::with_capacity(copy_ids.len());
        for outcome in crate::rework::rework(&transaction, &ids, &actor, decide)? {
            match outcome {
                Ok(mut reworked) => {
                    crate::upsert_saved_copy(
                        &transaction,
                        &mut reworked.document,
                        &reworked.bytes,
                        reworked.status,
                        now,
                    )?;
                    results.push(Ok(reworked.value));
                }
                Err(error) => results.push(Err(error)),
            }
        }
        transaction.commit()?;
        Ok(results)
    }

    /// The numbers given in a book and year, in order.
    pub fn certification_numbers(
        &self,
        book: NumberBook<'_>,
    ) -> Result<Vec<CertificationEntry>, StoreError> {
        let mut statement = self.connection.prepare_cached(
            "SELECT number, copy_id, decided_at FROM certification_numbers
             WHERE book = ?1 AND year = ?2 ORDER BY number",
        )?;
        let rows = statement.query_map(params![book.book, book.year], |row| {
            Ok(CertificationEntry {
                number: u64::try_from(row.get::<_, i64>(0)?).unwrap_or(0),
                copy_id: row.get(1)?,
                decided_at: row.get(2)?,
            })
        })?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    /// The certification number a copy was given, if any: its book, year and number.
    pub fn certification_of(
        &self,
        copy_id: &str,
    ) -> Result<Option<(String, i32, u64)>, StoreError> {
        Ok(self
            .connection
            .query_row(
                "SELECT book, year, number FROM certification_numbers WHERE copy_id = ?1",
                [copy_id],
                |row| {
                    Ok((
                        row.get::<_, String>(0)?,
                        row.get::<_, i32>(1)?,
                        u64::try_from(row.get::<_, i64>(2)?).unwrap_or(0),
                    ))
                },
            )
            .optional()?)
    }
}

/// The copy `id`'s document as stored, loaded for a change inside `transaction`.
pub(crate) fn stored_document(
    transaction: &rusqlite::Transaction<'_>,
    id: &str,
    actor: ActorId,
) -> Result<CopyDocument, StoreError> {
    let bytes: Vec<u8> = transaction
        .query_row(
            "SELECT document FROM copies WHERE copy_id = ?1",
            [id],
            |row| row.get(0),
        )
        .optional()?
        .ok_or_else(|| StoreError::NotFound(id.to_owned()))?;
    CopyDocument::load(&bytes, actor).map_err(|error| StoreError::Document {
        copy_id: id.to_owned(),
        error: Box::new(error),
    })
}
