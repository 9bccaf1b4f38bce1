-- 0008: badge definitions (see migrations/sqlite/0008_badges.sql). Awards are ledger
-- events, unique by their event key.
CREATE TABLE badges (
    org_id      uuid        NOT NULL REFERENCES organizations (id),
    key         text        NOT NULL,
    body        jsonb       NOT NULL,
    revision    bigint      NOT NULL,
    updated_at  timestamptz NOT NULL,
    PRIMARY KEY (org_id, key)
);
