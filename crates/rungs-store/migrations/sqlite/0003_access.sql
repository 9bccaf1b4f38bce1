-- 0003: API tokens and request idempotency.

-- Bearer tokens. Only the SHA-256 of the secret is stored, so a copy of the
-- database does not grant access. `person_id` has no foreign key: people is a
-- rebuildable projection (see 0002). Revocation keeps the row for the audit trail.
CREATE TABLE tokens (
    id          BLOB    NOT NULL PRIMARY KEY,
    org_id      BLOB    NOT NULL REFERENCES organizations (id),
    person_id   BLOB    NOT NULL,
    role        TEXT    NOT NULL,
    label       TEXT    NOT NULL,
    hash        BLOB    NOT NULL UNIQUE,
    created_at  INTEGER NOT NULL,
    revoked_at  INTEGER
);

CREATE INDEX tokens_by_person ON tokens (org_id, person_id);

-- Idempotency-Key claims, written in the same transaction as the append they guard,
-- so a request is either fully done and remembered, or not done at all. Keys are
-- scoped per organization and per caller; a repeat with the same fingerprint replays
-- the events recorded the first time (`event_ids`, a JSON array, in order).
CREATE TABLE idempotency (
    org_id       BLOB    NOT NULL REFERENCES organizations (id),
    scope        TEXT    NOT NULL,
    key          TEXT    NOT NULL,
    fingerprint  TEXT    NOT NULL,
    event_ids    TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (org_id, scope, key)
) WITHOUT ROWID;
