-- 0002: the people projection, folded from the ledger by rungs_core::projection.
-- Every column can be recomputed from `events` (`rungs rebuild`); nothing may point at
-- this table with a foreign key.
CREATE TABLE people (
    id                     uuid        NOT NULL PRIMARY KEY,
    org_id                 uuid        NOT NULL REFERENCES organizations (id),
    -- COLLATE "C": byte order, exactly what SQLite's BINARY collation gives, so the
    -- people list and its (name, id) keyset cursor order the same on both backends
    -- and do not depend on the server's locale.
    name                   text        COLLATE "C" NOT NULL,
    -- Lowercased by parsing before it reaches the ledger.
    email                  text        NOT NULL,
    manager_id             uuid,
    department             text,
    location               text,
    hired_at               timestamptz NOT NULL,
    status                 text        NOT NULL,
    ended_at               timestamptz,
    end_reason             text,
    track                  text        NOT NULL,
    level                  text        NOT NULL,
    title                  text        NOT NULL,
    scope                  text,
    level_since            timestamptz NOT NULL,
    last_promotion_at      timestamptz,
    last_progression_at    timestamptz,
    -- Counters are u32 in the domain; bigint holds them without a sign problem.
    micro_progressions     bigint      NOT NULL,
    micro_promotions       bigint      NOT NULL,
    promotions             bigint      NOT NULL,
    recognitions_received  bigint      NOT NULL,
    pay_band               text,
    sensitive              jsonb       NOT NULL DEFAULT '{}',
    last_occurred_at       timestamptz NOT NULL,
    events_in_force        bigint      NOT NULL,
    -- One person per email per organization: the backstop behind the writer's check.
    CONSTRAINT people_email_unique UNIQUE (org_id, email)
);

-- The people list is ordered by (name, id) with a keyset cursor on both.
CREATE INDEX people_by_name ON people (org_id, name, id);

-- The org chart walk for direct and indirect reports.
CREATE INDEX people_by_manager ON people (org_id, manager_id);
