-- 0001: organizations, frameworks and the ledger itself.
--
-- Conventions for every table in this backend:
--   * ids are UUIDv7 stored as 16-byte BLOBs: half the size of text, and because v7
--     ids are time-ordered, new rows land at the right-hand end of their B-trees;
--   * times are INTEGER microseconds since the Unix epoch, UTC: sortable, compact,
--     and exact (no text parsing, no time zones);
--   * structured values the database never filters on (payloads, lists, the
--     framework) are JSON text, decoded by the backend's row mapping.

-- Tenants. A rowid table on purpose: the rowid records creation order, which is how
-- `default_org` finds the first organization even when clocks tie.
CREATE TABLE organizations (
    id          BLOB    NOT NULL PRIMARY KEY,
    name        TEXT    NOT NULL,
    created_at  INTEGER NOT NULL
);

-- One framework per organization, replaced as a whole: it is edited as a document
-- and read as a document, so a JSON body is simpler than six normalised tables.
CREATE TABLE frameworks (
    org_id      BLOB    NOT NULL PRIMARY KEY REFERENCES organizations (id),
    body        TEXT    NOT NULL,
    updated_at  INTEGER NOT NULL
);

-- The ledger: append-only, the source of truth every projection is folded from.
-- `seq` is the rowid (INTEGER PRIMARY KEY), assigned by SQLite as max+1 inside the
-- single writer's transaction, so it is strictly increasing in commit order and a
-- cursor "after seq N" never skips a row committed later. Without AUTOINCREMENT a
-- rolled-back append may reuse a seq, which is fine: it was never acknowledged.
-- Because rows are never deleted, max(seq) is also the row count (see `stats`).
-- No foreign key on `subject`: people is a projection that `rebuild` deletes and
-- re-creates; the store checks the subject exists before appending instead.
-- No CHECK on `kind`: new kinds would need a table rebuild in SQLite; the row
-- mapping refuses unknown kinds on read.
CREATE TABLE events (
    seq              INTEGER PRIMARY KEY,
    id               BLOB    NOT NULL UNIQUE,
    org_id           BLOB    NOT NULL REFERENCES organizations (id),
    subject          BLOB    NOT NULL,
    actor            BLOB,
    kind             TEXT    NOT NULL,
    occurred_at      INTEGER NOT NULL,
    recorded_at      INTEGER NOT NULL,
    payload          TEXT    NOT NULL,
    competencies     TEXT    NOT NULL DEFAULT '[]',
    evidence         TEXT    NOT NULL DEFAULT '[]',
    idempotency_key  TEXT,
    -- Denormalised from the payload (reversal and validation targets) so the
    -- "reversed at most once" rule can be a unique index, not a JSON scan.
    target           BLOB
);

-- Timelines and refolds read one subject's events; (occurred_at, seq) is the fold
-- order, so a rebuild can stream subject by subject without sorting.
CREATE INDEX events_by_subject ON events (subject, occurred_at, seq);

-- An event's own idempotency key is unique per organization. Partial: most events
-- have no key and should not pay for index entries.
CREATE UNIQUE INDEX events_idempotency_key ON events (org_id, idempotency_key)
    WHERE idempotency_key IS NOT NULL;

-- An event is reversed at most once. The writer checks this before appending; the
-- index is the backstop that makes a double reversal impossible even with a bug.
CREATE UNIQUE INDEX events_reversed_once ON events (target)
    WHERE kind = 'reversal';

-- Append-only is enforced by the database, not only by the code: corrections are
-- reversal events. (Erasure of personal data on a legal request will be its own,
-- recorded, migration-provided path when it is built.)
CREATE TRIGGER events_are_never_updated BEFORE UPDATE ON events
BEGIN
    SELECT RAISE(ABORT, 'the ledger is append-only: events cannot be updated');
END;

CREATE TRIGGER events_are_never_deleted BEFORE DELETE ON events
BEGIN
    SELECT RAISE(ABORT, 'the ledger is append-only: events cannot be deleted');
END;
