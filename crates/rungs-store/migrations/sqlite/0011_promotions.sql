-- 0012: promotion cycles and cases (rungs_core::promotion).
--
-- Workflow state, not history: a case changes in place (nominated → in_review →
-- approved → effective). What a case produces for a career, the promotion, goes on the
-- ledger, and its event id is kept in the case. Each row keeps the whole record as
-- JSON in `body`; the columns beside it are the ones queries, unique keys and
-- conditional updates need, written together with the body.
CREATE TABLE promotion_cycles (
    id          BLOB    NOT NULL PRIMARY KEY,
    org_id      BLOB    NOT NULL REFERENCES organizations (id),
    name        TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    body        TEXT    NOT NULL,
    UNIQUE (org_id, name)
) WITHOUT ROWID;

CREATE TABLE promotion_cases (
    id            BLOB    NOT NULL PRIMARY KEY,
    org_id        BLOB    NOT NULL REFERENCES organizations (id),
    cycle_id      BLOB    NOT NULL REFERENCES promotion_cycles (id),
    subject_id    BLOB    NOT NULL,
    nominator_id  BLOB    NOT NULL,
    status        TEXT    NOT NULL CHECK (status IN ('nominated', 'in_review', 'approved', 'declined', 'withdrawn', 'effective')),
    budget        TEXT    NOT NULL,
    rank          INTEGER NOT NULL,
    created_at    INTEGER NOT NULL,
    body          TEXT    NOT NULL
) WITHOUT ROWID;
-- One live case per person and cycle (a withdrawn one leaves room for a new nomination).
CREATE UNIQUE INDEX promotion_cases_once ON promotion_cases (cycle_id, subject_id) WHERE status <> 'withdrawn';
CREATE INDEX promotion_cases_by_cycle ON promotion_cases (cycle_id, rank);
CREATE INDEX promotion_cases_by_subject ON promotion_cases (org_id, subject_id);
CREATE INDEX promotion_cases_by_nominator ON promotion_cases (org_id, nominator_id);

-- Every move of a case, with actor and time. (case_id, seq) is unique: two moves
-- made at once from the same state cannot both be recorded.
CREATE TABLE promotion_transitions (
    case_id      BLOB    NOT NULL REFERENCES promotion_cases (id),
    seq          INTEGER NOT NULL,
    from_status  TEXT,
    to_status    TEXT    NOT NULL,
    actor_id     BLOB,
    at           INTEGER NOT NULL,
    reason       TEXT,
    PRIMARY KEY (case_id, seq)
) WITHOUT ROWID;

CREATE TABLE promotion_reviews (
    id           BLOB    NOT NULL PRIMARY KEY,
    case_id      BLOB    NOT NULL REFERENCES promotion_cases (id),
    reviewer_id  BLOB    NOT NULL,
    vote         TEXT    CHECK (vote IN ('support', 'oppose', 'abstain')),
    comment      TEXT,
    at           INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX promotion_reviews_by_case ON promotion_reviews (case_id, at);

-- The budget: an approval takes the next slot of its cycle's budget. The primary key
-- is what holds the budget under concurrent approvals: two approvals that counted the
-- same slots both try to insert the same slot number, and only one can.
CREATE TABLE promotion_slots (
    cycle_id  BLOB    NOT NULL REFERENCES promotion_cycles (id),
    budget    TEXT    NOT NULL,
    slot      INTEGER NOT NULL CHECK (slot > 0),
    case_id   BLOB    NOT NULL UNIQUE,
    pay       INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (cycle_id, budget, slot)
) WITHOUT ROWID;
