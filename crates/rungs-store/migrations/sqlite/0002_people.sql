-- 0002: the people projection, folded from the ledger by rungs_core::projection.
--
-- Every column here can be recomputed from `events` (`rungs rebuild` does exactly
-- that), so this table may be deleted and re-filled; nothing else may point at it
-- with a foreign key for that reason.
--
-- WITHOUT ROWID: lookups are by the 16-byte id, and clustering rows on it saves the
-- separate primary-key index a rowid table would need.
CREATE TABLE people (
    id                     BLOB    NOT NULL PRIMARY KEY,
    org_id                 BLOB    NOT NULL REFERENCES organizations (id),
    name                   TEXT    NOT NULL,
    -- Lowercased by parsing before it reaches the ledger.
    email                  TEXT    NOT NULL,
    manager_id             BLOB,
    department             TEXT,
    location               TEXT,
    hired_at               INTEGER NOT NULL,
    status                 TEXT    NOT NULL,
    ended_at               INTEGER,
    end_reason             TEXT,
    -- The position, flattened: analytics group by track and level.
    track                  TEXT    NOT NULL,
    level                  TEXT    NOT NULL,
    title                  TEXT    NOT NULL,
    scope                  TEXT,
    level_since            INTEGER NOT NULL,
    last_promotion_at      INTEGER,
    last_progression_at    INTEGER,
    micro_progressions     INTEGER NOT NULL,
    micro_promotions       INTEGER NOT NULL,
    promotions             INTEGER NOT NULL,
    recognitions_received  INTEGER NOT NULL,
    pay_band               TEXT,
    -- Free-form key/value attributes (people team only); never filtered in SQL.
    sensitive              TEXT    NOT NULL DEFAULT '{}',
    last_occurred_at       INTEGER NOT NULL,
    events_in_force        INTEGER NOT NULL,
    -- One person per email per organization. The writer checks first to name the
    -- offending event; this constraint is the backstop.
    UNIQUE (org_id, email)
) WITHOUT ROWID;

-- The people list is ordered by (name, id) with a keyset cursor on both.
CREATE INDEX people_by_name ON people (org_id, name, id);

-- The org chart walk for direct and indirect reports.
CREATE INDEX people_by_manager ON people (org_id, manager_id);
