//! The SQLite schema and its migrations (rusqlite_migration, tracked in `PRAGMA user_version`).
//!
//! Architecture Invariant: the `document` column (Automerge bytes) is the truth; every other
//! column of `copies` is an index derived from it and can be rebuilt with
//! [`crate::Store::rebuild_index`].

use rusqlite_migration::{M, Migrations};

/// The schema version the migrations lead to (`PRAGMA user_version`); a database with a higher
/// one was written by a newer bansao and is not opened.
pub const SCHEMA_VERSION: i64 = 9;

/// Every migration, oldest first. Never edit a released one; append.
pub fn migrations() -> Migrations<'static> {
    Migrations::new(vec![
        M::up(
            "CREATE TABLE copies (
            copy_id        TEXT PRIMARY KEY NOT NULL,
            document       BLOB NOT NULL,
            commune        TEXT NOT NULL,
            kiosk_id       TEXT NOT NULL,
            kiosk_sequence INTEGER NOT NULL,
            status         TEXT NOT NULL,
            issued_at      TEXT NOT NULL,
            content_hash   BLOB NOT NULL,
            updated_at     TEXT NOT NULL
        ) STRICT;
        CREATE INDEX copies_by_commune_status ON copies (commune, status);
        CREATE INDEX copies_by_kiosk_sequence ON copies (kiosk_id, kiosk_sequence);
        CREATE INDEX copies_by_issued_at ON copies (issued_at);

        CREATE TABLE blobs (
            sha256     BLOB PRIMARY KEY NOT NULL,
            media_type TEXT NOT NULL,
            bytes      BLOB NOT NULL
        ) STRICT;

        CREATE TABLE kiosk_chain (
            kiosk_id          TEXT PRIMARY KEY NOT NULL,
            last_sequence     INTEGER NOT NULL,
            last_content_hash BLOB NOT NULL,
            last_copy_id      TEXT NOT NULL
        ) STRICT;

        CREATE TABLE system_documents (
            name       TEXT PRIMARY KEY NOT NULL,
            bytes      BLOB NOT NULL,
            updated_at TEXT NOT NULL
        ) STRICT;",
        ),
        // Sync: the heads digest each copy is reconciled by, the pages each copy references
        // (to find missing scans without decoding every document), partly received scans,
        // and the per-peer sync state monitoring shows. `heads_digest` is filled for older
        // rows by `Store::open`, with their pages (that needs the documents, which SQL cannot read).
        M::up(
            "ALTER TABLE copies ADD COLUMN heads_digest BLOB NOT NULL DEFAULT x'';
        CREATE INDEX copies_by_commune_sync ON copies (commune, copy_id, heads_digest);

        CREATE TABLE copy_pages (
            copy_id    TEXT NOT NULL REFERENCES copies (copy_id) ON DELETE CASCADE,
            page       INTEGER NOT NULL,
            sha256     BLOB NOT NULL,
            media_type TEXT NOT NULL,
            PRIMARY KEY (copy_id, page)
        ) STRICT;
        CREATE INDEX copy_pages_by_sha256 ON copy_pages (sha256);

        CREATE TABLE blob_transfers (
            sha256       BLOB PRIMARY KEY NOT NULL,
            media_type   TEXT NOT NULL,
            size         INTEGER NOT NULL,
            chunk_size   INTEGER NOT NULL,
            chunk_hashes BLOB NOT NULL
        ) STRICT;
        CREATE TABLE blob_chunks (
            sha256 BLOB NOT NULL REFERENCES blob_transfers (sha256) ON DELETE CASCADE,
            chunk  INTEGER NOT NULL,
            bytes  BLOB NOT NULL,
            PRIMARY KEY (sha256, chunk)
        ) STRICT;

        CREATE TABLE sync_peers (
            peer_key   TEXT PRIMARY KEY NOT NULL,
            state      TEXT NOT NULL,
            updated_at TEXT NOT NULL
        ) STRICT;",
        ),
        // Sync, cheaply when nothing changed: a generation counter that moves whenever a
        // copy's reconciliation item (commune, id, heads digest) may have changed, so the sync
        // engine can keep its reconciliation set between sessions; and the scans copies
        // reference that this node lacks, kept by triggers so finding them reads a few rows
        // instead of every page of every copy.
        M::up(
            "CREATE TABLE sync_generation (
            only       INTEGER PRIMARY KEY CHECK (only = 1),
            generation INTEGER NOT NULL
        ) STRICT;
        INSERT INTO sync_generation (only, generation) VALUES (1, 0);
        CREATE TRIGGER copies_inserted_bump_generation AFTER INSERT ON copies
        BEGIN UPDATE sync_generation SET generation = generation + 1; END;
        CREATE TRIGGER copies_updated_bump_generation AFTER UPDATE OF commune, heads_digest ON copies
        BEGIN UPDATE sync_generation SET generation = generation + 1; END;
        CREATE TRIGGER copies_deleted_bump_generation AFTER DELETE ON copies
        BEGIN UPDATE sync_generation SET generation = generation + 1; END;

        CREATE TABLE wanted_scans (
            sha256        BLOB NOT NULL,
            commune       TEXT NOT NULL,
            media_type    TEXT NOT NULL,
            first_copy_id TEXT NOT NULL,
            PRIMARY KEY (sha256, commune)
        ) STRICT, WITHOUT ROWID;
        CREATE INDEX wanted_scans_in_order ON wanted_scans (commune, first_copy_id);
        INSERT OR IGNORE INTO wanted_scans (sha256, commune, media_type, first_copy_id)
            SELECT p.sha256, c.commune, min(p.media_type), min(c.copy_id)
            FROM copy_pages p JOIN copies c USING (copy_id)
            WHERE NOT EXISTS (SELECT 1 FROM blobs b WHERE b.sha256 = p.sha256)
            GROUP BY p.sha256, c.commune;
        CREATE TRIGGER copy_pages_inserted_want_scan AFTER INSERT ON copy_pages
            WHEN NOT EXISTS (SELECT 1 FROM blobs WHERE sha256 = NEW.sha256)
        BEGIN
            INSERT OR IGNORE INTO wanted_scans (sha256, commune, media_type, first_copy_id)
                SELECT NEW.sha256, commune, NEW.media_type, NEW.copy_id FROM copies
                WHERE copy_id = NEW.copy_id;
        END;
        CREATE TRIGGER blobs_inserted_unwant_scan AFTER INSERT ON blobs
        BEGIN DELETE FROM wanted_scans WHERE sha256 = NEW.sha256; END;",
        ),
        // Integrity: each copy's previous content hash (an index of the document, so anyone
        // receiving copies can check a kiosk's chain) and when this node first saw it (a local
        // observation, kept by reindexing); the sequence numbers a kiosk handed out, one row
        // each (the last guard against two issuances with one number); the highest editions
        // of the trust and revocation lists this node has used (it never goes back to older);
        // the breaks found in kiosk chains as copies arrive (`anomalies.rs`); the outcome of
        // the last content check (`check.rs`).
        M::up(
            "ALTER TABLE copies ADD COLUMN previous_content_hash BLOB NOT NULL DEFAULT x'';
        ALTER TABLE copies ADD COLUMN received_at TEXT NOT NULL DEFAULT '';
        UPDATE copies SET received_at = updated_at;

        CREATE TABLE issued_sequences (
            kiosk_id TEXT NOT NULL,
            sequence INTEGER NOT NULL,
            copy_id  TEXT NOT NULL,
            PRIMARY KEY (kiosk_id, sequence)
        ) STRICT, WITHOUT ROWID;
        INSERT OR IGNORE INTO issued_sequences (kiosk_id, sequence, copy_id)
            SELECT c.kiosk_id, c.kiosk_sequence, c.copy_id
            FROM copies c JOIN kiosk_chain k ON k.kiosk_id = c.kiosk_id;

        CREATE TABLE trust_editions (
            list       TEXT PRIMARY KEY NOT NULL,
            version    INTEGER NOT NULL,
            updated_at TEXT NOT NULL
        ) STRICT;

        CREATE TABLE anomalies (
            id            INTEGER PRIMARY KEY,
            kind          TEXT NOT NULL,
            kiosk_id      TEXT NOT NULL,
            sequence      INTEGER NOT NULL,
            copy_id       TEXT NOT NULL,
            other_copy_id TEXT NOT NULL,
            detail        TEXT NOT NULL,
            first_seen    TEXT NOT NULL,
            cleared_at    TEXT,
            UNIQUE (kind, copy_id, other_copy_id)
        ) STRICT;
        CREATE INDEX anomalies_by_kiosk ON anomalies (kiosk_id, sequence);
        CREATE INDEX anomalies_by_other_copy ON anomalies (other_copy_id);

        CREATE TABLE store_checks (
            only       INTEGER PRIMARY KEY CHECK (only = 1),
            checked_at TEXT NOT NULL,
            damaged    INTEGER NOT NULL
        ) STRICT;",
        ),
        // The ward's book of certification numbers (Decree 23/2015, Art. 13): numbers run on
        // from 1 within a book and a year, each given once, to one copy once.
        M::up(
            "CREATE TABLE certification_numbers (
            book       TEXT NOT NULL,
            year       INTEGER NOT NULL,
            number     INTEGER NOT NULL,
            copy_id    TEXT NOT NULL UNIQUE,
            decided_at TEXT NOT NULL,
            PRIMARY KEY (book, year, number)
        ) STRICT;",
        ),
        // An official's signed word on an anomaly of a kiosk chain (the reconciliation page):
        // who, when, what they found, their signature over it. A resolved anomaly stays, with its
        // resolution; it no longer flags the copy.
        M::up(
            "CREATE TABLE anomaly_resolutions (
            anomaly_id  INTEGER PRIMARY KEY NOT NULL REFERENCES anomalies (id),
            resolved_at TEXT NOT NULL,
            official    TEXT NOT NULL,
            key_id      TEXT NOT NULL,
            note        TEXT NOT NULL,
            signature   BLOB NOT NULL
        ) STRICT;",
        ),
        // The city's transparency log (`log.rs`): its entries (the canonical CBOR of each event,
        // once per event key), its hash tiles (tlog-tiles, the widest version of each), its
        // size and root (one row, present once the log is started: only the city starts it),
        // the checkpoints it signed, the copies whose changes are still to be logged (kept by
        // triggers in the transaction that writes the copy, so a crash loses none), and the
        // registrations whose copy still waits for its inclusion proof.
        M::up(
            "CREATE TABLE log_entries (
            leaf_index INTEGER PRIMARY KEY NOT NULL,
            event_key  TEXT NOT NULL UNIQUE,
            copy_id    TEXT,
            entry      BLOB NOT NULL,
            logged_at  TEXT NOT NULL
        ) STRICT;
        CREATE INDEX log_entries_by_copy ON log_entries (copy_id);

        CREATE TABLE log_tiles (
            level      INTEGER NOT NULL,
            tile_index INTEGER NOT NULL,
            hashes     BLOB NOT NULL,
            PRIMARY KEY (level, tile_index)
        ) STRICT, WITHOUT ROWID;

        CREATE TABLE log_state (
            only       INTEGER PRIMARY KEY CHECK (only = 1),
            tree_size  INTEGER NOT NULL,
            root_hash  BLOB NOT NULL,
            updated_at TEXT NOT NULL
        ) STRICT;

        CREATE TABLE log_checkpoints (
            tree_size INTEGER PRIMARY KEY NOT NULL,
            note      TEXT NOT NULL,
            signed_at TEXT NOT NULL
        ) STRICT;

        CREATE TABLE log_pending_copies (
            copy_id TEXT PRIMARY KEY NOT NULL
        ) STRICT, WITHOUT ROWID;
        CREATE TRIGGER copies_inserted_log_pending AFTER INSERT ON copies
            WHEN EXISTS (SELECT 1 FROM log_state)
        BEGIN INSERT OR IGNORE INTO log_pending_copies (copy_id) VALUES (NEW.copy_id); END;
        CREATE TRIGGER copies_updated_log_pending AFTER UPDATE OF document ON copies
            WHEN EXISTS (SELECT 1 FROM log_state)
        BEGIN INSERT OR IGNORE INTO log_pending_copies (copy_id) VALUES (NEW.copy_id); END;

        CREATE TABLE log_proofs_wanted (
            leaf_index INTEGER PRIMARY KEY NOT NULL REFERENCES log_entries (leaf_index),
            copy_id    TEXT NOT NULL
        ) STRICT;",
        ),
        // The city's audit trail (`audit.rs`): what city staff did on its pages, added to only.
        M::up(
            "CREATE TABLE audit_events (
            id        INTEGER PRIMARY KEY AUTOINCREMENT,
            at        TEXT NOT NULL,
            actor     TEXT NOT NULL,
            actor_key TEXT NOT NULL,
            action    TEXT NOT NULL,
            subject   TEXT NOT NULL,
            reason    TEXT NOT NULL,
            outcome   TEXT NOT NULL
        ) STRICT;",
        ),
        // Monitoring (`node_status.rs`): the newest signed status document of each reporting
        // node (its own included), reconciled like copies, so its changes move the sync
        // generation; and a bounded history of samples per node for the dashboard's charts.
        M::up(
            "CREATE TABLE node_statuses (
            reporter    TEXT PRIMARY KEY NOT NULL,
            role        TEXT NOT NULL,
            subject     TEXT NOT NULL,
            commune     TEXT,
            sequence    INTEGER NOT NULL,
            reported_at INTEGER NOT NULL,
            received_at TEXT NOT NULL,
            digest      BLOB NOT NULL,
            status      TEXT NOT NULL,
            bytes       BLOB NOT NULL
        ) STRICT;
        CREATE INDEX node_statuses_by_commune ON node_statuses (commune, reporter);
        CREATE TRIGGER node_statuses_inserted_generation AFTER INSERT ON node_statuses
        BEGIN UPDATE sync_generation SET generation = generation + 1; END;
        CREATE TRIGGER node_statuses_updated_generation AFTER UPDATE ON node_statuses
        BEGIN UPDATE sync_generation SET generation = generation + 1; END;

        CREATE TABLE node_status_history (
            reporter       TEXT NOT NULL,
            reported_at    INTEGER NOT NULL,
            lag_seconds    INTEGER NOT NULL,
            backlog_out    INTEGER NOT NULL,
            backlog_in     INTEGER NOT NULL,
            bytes_sent     INTEGER NOT NULL,
            bytes_received INTEGER NOT NULL,
            errors         INTEGER NOT NULL,
            refusals       INTEGER NOT NULL,
            PRIMARY KEY (reporter, reported_at)
        ) STRICT, WITHOUT ROWID;",
        ),
    ])
}

#[cfg(test)]
mod tests {
    #[test]
    fn migrations_are_valid() {
        assert!(super::migrations().validate().is_ok());
    }

    #[test]
    fn the_schema_version_is_where_the_migrations_lead() {
        let mut connection = rusqlite::Connection::open_in_memory().unwrap();
        super::migrations().to_latest(&mut connection).unwrap();
        let version: i64 = connection
            .query_row("PRAGMA user_version", [], |row| row.get(0))
            .unwrap();
        assert_eq!(version, super::SCHEMA_VERSION);
    }
}
