-- 0005: background jobs, and the index the idempotency sweep needs.
--
-- The same table as on PostgreSQL (see migrations/postgres/0005_jobs.sql for the
-- lease and fencing rules). SQLite has one writer, so a claim is a single
-- `UPDATE ... RETURNING` run by the writer thread: no two claims can interleave.
CREATE TABLE jobs (
    id            BLOB    NOT NULL PRIMARY KEY,
    kind          TEXT    NOT NULL,
    payload       TEXT    NOT NULL DEFAULT '{}',
    run_at        INTEGER NOT NULL,
    locked_until  INTEGER,
    locked_by     TEXT,
    attempts      INTEGER NOT NULL DEFAULT 0,
    every_secs    INTEGER,
    unique_key    TEXT    UNIQUE,
    last_error    TEXT,
    created_at    INTEGER NOT NULL
) WITHOUT ROWID;

CREATE INDEX jobs_due ON jobs (run_at);

CREATE INDEX idempotency_by_age ON idempotency (created_at);
