-- 0008: recognition with points (docs/RECOGNITION.md).
--
-- The policy (allowance per role, calendar, cap per receiver, company values) is one
-- JSON document per organization, edited and read whole like the framework.
CREATE TABLE recognition_policies (
    org_id      BLOB    NOT NULL PRIMARY KEY REFERENCES organizations (id),
    body        TEXT    NOT NULL,
    updated_at  INTEGER NOT NULL
);

-- What a giver spent in an allowance period: the append plan's snapshot sums the
-- points of the giver's recognition in the period on every gift. Partial, so the
-- other kinds (most of the ledger, and every bulk import) pay nothing for it.
CREATE INDEX events_recognition_by_actor ON events (actor, occurred_at) WHERE kind = 'recognition';

-- The feed: recognition newest first, one index range per page whatever the size of
-- the ledger.
CREATE INDEX events_recognition_feed ON events (org_id, seq) WHERE kind = 'recognition';
