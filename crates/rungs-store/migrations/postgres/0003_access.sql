-- 0003: API tokens and request idempotency (see the SQLite migration for the why).

CREATE TABLE tokens (
    id          uuid        NOT NULL PRIMARY KEY,
    org_id      uuid        NOT NULL REFERENCES organizations (id),
    person_id   uuid        NOT NULL,
    role        text        NOT NULL,
    label       text        NOT NULL,
    -- SHA-256 of the secret; never the secret.
    hash        bytea       NOT NULL CONSTRAINT tokens_hash_unique UNIQUE,
    created_at  timestamptz NOT NULL,
    revoked_at  timestamptz
);

CREATE INDEX tokens_by_person ON tokens (org_id, person_id);

-- Idempotency-Key claims, written in the same transaction as the append they guard.
-- `event_ids` keeps the events of the first request, in order.
CREATE TABLE idempotency (
    org_id       uuid        NOT NULL REFERENCES organizations (id),
    scope        text        NOT NULL,
    key          text        NOT NULL,
    fingerprint  text        NOT NULL,
    event_ids    uuid[]      NOT NULL,
    created_at   timestamptz NOT NULL,
    PRIMARY KEY (org_id, scope, key)
);
