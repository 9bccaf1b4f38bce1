-- 0021: the first response to each keyed API request (docs/API.md, "Idempotency";
-- see the SQLite migration for the why of each column).
--
-- One row per (organization, principal, key), enforced by the unique constraint: a
-- request claims its key with INSERT ... ON CONFLICT DO NOTHING, so of two instances
-- racing with one key exactly one inserts; the other locks the row (FOR UPDATE) and
-- sees it in flight. Rows expire 24 hours after `created_at` (checked on read, and
-- deleted by the sweep job).
CREATE TABLE idempotent_responses (
    org_id        uuid        NOT NULL REFERENCES organizations (id),
    principal     text        NOT NULL,
    key           text        NOT NULL,
    fingerprint   text        NOT NULL,
    holder        uuid        NOT NULL,
    locked_until  timestamptz NOT NULL,
    status        smallint,
    content_type  text,
    location      text,
    body          bytea,
    withheld      boolean     NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL,
    CONSTRAINT idempotent_responses_key UNIQUE (org_id, principal, key)
);

CREATE INDEX idempotent_responses_by_age ON idempotent_responses (created_at);
