-- 0006: framework versions (see migrations/sqlite/0006_framework_versions.sql).
--
-- The next version number is max+1 under a lock on the organization's `frameworks`
-- row (or the insert of it), so two concurrent edits cannot take the same number;
-- the primary key would refuse it anyway.
CREATE TABLE framework_versions (
    org_id      uuid        NOT NULL REFERENCES organizations (id),
    version     integer     NOT NULL,
    body        jsonb       NOT NULL,
    created_at  timestamptz NOT NULL,
    PRIMARY KEY (org_id, version)
);
