-- 0008: badge definitions (docs/BADGES.md).
--
-- One row per badge, replaced in place when the people team edits it: a badge's
-- history that matters is its awards, which are ledger events (`badge_awarded`) made
-- unique by their event key `badge:<subject>:<badge>:<tier>` (the ledger's unique
-- index on (org_id, idempotency_key)), not rows here. `revision` grows on every save
-- so the evaluator notices a changed rule and re-judges everyone.
CREATE TABLE badges (
    org_id      BLOB    NOT NULL REFERENCES organizations (id),
    key         TEXT    NOT NULL,
    body        TEXT    NOT NULL,          -- the definition as JSON (rungs_core::badges::BadgeDef)
    revision    INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (org_id, key)
) WITHOUT ROWID;
