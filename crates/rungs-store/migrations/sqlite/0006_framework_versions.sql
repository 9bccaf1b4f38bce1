-- 0006: framework versions.
--
-- Every edit of a framework saves a new version here and keeps the old ones, so the
-- past can be judged by the version in force at the time (`created_at` is when it
-- came into force). `frameworks` stays the current version, read on every append.
-- The body is the same JSON document as `frameworks.body`; versions are few and
-- small, so they are read whole.
CREATE TABLE framework_versions (
    org_id      BLOB    NOT NULL REFERENCES organizations (id),
    version     INTEGER NOT NULL,
    body        TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (org_id, version)
) WITHOUT ROWID;
