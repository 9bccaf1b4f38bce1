-- 0012: promotion cycles and cases (see migrations/sqlite/0012_promotions.sql).
--
-- Approvals from several instances at once: each counts the budget's slots and inserts
-- the next one; `promotion_slots_pkey` lets one of two equal slot numbers in, and the
-- other transaction fails, rolls back and counts again (`move_case` retries).
CREATE TABLE promotion_cycles (
    id          uuid        NOT NULL PRIMARY KEY,
    org_id      uuid        NOT NULL REFERENCES organizations (id),
    name        text        NOT NULL,
    created_at  timestamptz NOT NULL,
    body        jsonb       NOT NULL,
    CONSTRAINT promotion_cycles_name UNIQUE (org_id, name)
);

CREATE TABLE promotion_cases (
    id            uuid        NOT NULL PRIMARY KEY,
    org_id        uuid        NOT NULL REFERENCES organizations (id),
    cycle_id      uuid        NOT NULL REFERENCES promotion_cycles (id),
    subject_id    uuid        NOT NULL,
    nominator_id  uuid        NOT NULL,
    status        text        NOT NULL CHECK (status IN ('nominated', 'in_review', 'approved', 'declined', 'withdrawn', 'effective')),
    budget        text        NOT NULL,
    rank          bigint      NOT NULL,
    created_at    timestamptz NOT NULL,
    body          jsonb       NOT NULL
);
CREATE UNIQUE INDEX promotion_cases_once ON promotion_cases (cycle_id, subject_id) WHERE status <> 'withdrawn';
CREATE INDEX promotion_cases_by_cycle ON promotion_cases (cycle_id, rank);
CREATE INDEX promotion_cases_by_subject ON promotion_cases (org_id, subject_id);
CREATE INDEX promotion_cases_by_nominator ON promotion_cases (org_id, nominator_id);

CREATE TABLE promotion_transitions (
    case_id      uuid        NOT NULL REFERENCES promotion_cases (id),
    seq          bigint      NOT NULL,
    from_status  text,
    to_status    text        NOT NULL,
    actor_id     uuid,
    at           timestamptz NOT NULL,
    reason       text,
    CONSTRAINT promotion_transitions_pkey PRIMARY KEY (case_id, seq)
);

CREATE TABLE promotion_reviews (
    id           uuid        NOT NULL PRIMARY KEY,
    case_id      uuid        NOT NULL REFERENCES promotion_cases (id),
    reviewer_id  uuid        NOT NULL,
    vote         text        CHECK (vote IN ('support', 'oppose', 'abstain')),
    comment      text,
    at           timestamptz NOT NULL
);
CREATE INDEX promotion_reviews_by_case ON promotion_reviews (case_id, at);

CREATE TABLE promotion_slots (
    cycle_id  uuid    NOT NULL REFERENCES promotion_cycles (id),
    budget    text    NOT NULL,
    slot      integer NOT NULL CHECK (slot > 0),
    case_id   uuid    NOT NULL UNIQUE,
    pay       bigint  NOT NULL DEFAULT 0,
    CONSTRAINT promotion_slots_pkey PRIMARY KEY (cycle_id, budget, slot)
);
