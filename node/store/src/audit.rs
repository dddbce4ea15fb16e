//! The city's audit trail: every action city staff take on its pages (sign-in, revoking a key or
//! a copy, publishing the lists), who took it with which key, when, why, and whether it was done.
//! Rows are only ever added: nothing here updates or deletes one.

use rusqlite::params;

use crate::{Store, StoreError};
use bansao_copy::Timestamp;

/// One action, as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEvent {
    /// The row's number, in the order actions were recorded (0 before it is recorded).
    pub id: i64,
    /// When, RFC 3339 UTC.
    pub at: String,
    /// Who: the staff member's id.
    pub actor: String,
    /// The key they signed in with (16 hex digits).
    pub actor_key: String,
    /// What: a stable name such as `revoke-copy`.
    pub action: String,
    /// On what: a copy id, a key id, or empty.
    pub subject: String,
    /// Why, in the staff member's words (may be empty).
    pub reason: String,
    /// `done`, or `refused: …` with the reason it was not done.
    pub outcome: String,
}

impl Store {
    /// Records `event` (its `id` is ignored) and returns its number.
    pub fn record_audit(&mut self, event: &AuditEvent, now: Timestamp) -> Result<i64, StoreError> {
        self.connection.execute(
            "INSERT INTO audit_events (at, actor, actor_key, action, subject, reason, outcome)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                now.to_rfc3339(),
                event.actor,
                event.actor_key,
                event.action,
                event.subject,
                event.reason,
                event.outcome
            ],
        )?;
        Ok(self.connection.last_insert_rowid())
    }

    /// The newest `limit` recorded actions, newest first.
    pub fn audit_events(&self, limit: usize) -> Result<Vec<AuditEvent>, StoreError> {
        let mut statement = self.connection.prepare_cached(
            "SELECT id, at, actor, actor_key, action, subject, reason, outcome
             FROM audit_events ORDER BY id DESC LIMIT ?1",
        )?;
        let rows = statement.query_map([i64::try_from(limit).unwrap_or(i64::MAX)], |row| {
            Ok(AuditEvent {
                id: row.get(0)?,
                at: row.get(1)?,
                actor: row.get(2)?,
                actor_key: row.get(3)?,
                action: row.get(4)?,
                subject: row.get(5)?,
                reason: row.get(6)?,
                outcome: row.get(7)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn audit_events_come_back_newest_first() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("city.sqlite")).unwrap();
        let event = |action: &str| AuditEvent {
            id: 0,
            at: String::new(),
            actor: "le-thi-hoa".to_owned(),
            actor_key: "0011223344556677".to_owned(),
            action: action.to_owned(),
            subject: "01J0000000000000000000000".to_owned(),
            reason: "giả mạo".to_owned(),
            outcome: "done".to_owned(),
        };
        let now = Timestamp::from_unix(1_750_000_000).unwrap();
        let first = store.record_audit(&event("sign-in"), now).unwrap();
        let second = store.record_audit(&event("revoke-copy"), now).unwrap();
        assert!(second > first);
        let events = store.audit_events(10).unwrap();
        assert_eq!(events.len(), 2);
        assert_eq!(events[0].action, "revoke-copy");
        assert_eq!(events[0].at, now.to_rfc3339());
        assert_eq!(events[1].action, "sign-in");
        assert_eq!(store.audit_events(1).unwrap().len(), 1);
    }
}
