-- 0021: the first response to each keyed API request (docs/API.md, "Idempotency").
--
-- Every state-changing /api/v1 request that carries an `Idempotency-Key` claims a
-- row here before it runs (in flight: `status` NULL, trusted until `locked_until`)
-- and fills it with its answer when it completes; a repeat with the same
-- fingerprint (method, path with query, SHA-256 of the body) is answered from the
-- row byte for byte. The decision of what a row means is `rungs_core::idempotency::decide`.
--
-- One row per (organization, principal, key): the UNIQUE constraint is what makes
-- two requests racing with one key end up as one that runs and one that sees it in
-- flight. `principal` is the caller's person id (or `system`), as in `idempotency`.
--
-- A rowid table, not WITHOUT ROWID: `body` may be large (a bulk import's answer),
-- and SQLite keeps big rows out of a WITHOUT ROWID B-tree's pages badly.
--
-- `holder` names the attempt holding or having completed the row: finishing or
-- abandoning is fenced by it, so an attempt whose lease ran out (and whose key
-- another attempt took over) cannot overwrite the newer answer.
--
-- `withheld` = 1: the response carried a secret shown once (a new token, say); only
-- its status is kept and `body` is empty. 5xx answers are never kept: the row is
-- deleted so a retry runs again.
--
-- Rows expire 24 hours after `created_at`: a read treats an older row as absent,
-- and the sweep job deletes them (`idempotent_responses_by_age`). This is not the
-- ledger's `idempotency` table, which stays: it is written inside the append's own
-- transaction and keeps the events appended once even if the process dies between
-- the append and this row's answer.
CREATE TABLE idempotent_responses (
    org_id        BLOB    NOT NULL REFERENCES organizations (id),
    principal     TEXT    NOT NULL,
    key           TEXT    NOT NULL,
    fingerprint   TEXT    NOT NULL,
    holder        BLOB    NOT NULL,
    locked_until  INTEGER NOT NULL,
    status        INTEGER,
    content_type  TEXT,
    location      TEXT,
    body          BLOB,
    withheld      INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL,
    CONSTRAINT idempotent_responses_key UNIQUE (org_id, principal, key)
);

CREATE INDEX idempotent_responses_by_age ON idempotent_responses (created_at);
