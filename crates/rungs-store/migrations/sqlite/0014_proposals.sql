-- 0014: proposals (rungs_core::proposal): micro-promotions, lateral moves, demotions
-- and pay changes going through the organization's approval route for their kind.
--
-- Workflow state that changes in place; what a proposal produces for a career goes on
-- the ledger on its effective date, one event keyed `proposal:<id>` (the ledger's
-- unique idempotency key makes a second run of the effective-date job a replay).
-- `body` keeps each record as JSON; the columns beside it are what queries, unique
-- keys and conditional updates need.
CREATE TABLE approval_routes (
    org_id  BLOB NOT NULL REFERENCES organizations (id),
    kind    TEXT NOT NULL CHECK (kind IN ('micro_promotion', 'lateral_move', 'demotion', 'pay_change')),
    body    TEXT NOT NULL,
    PRIMARY KEY (org_id, kind)
) WITHOUT ROWID;

CREATE TABLE proposals (
    id           BLOB    NOT NULL PRIMARY KEY,
    org_id       BLOB    NOT NULL REFERENCES organizations (id),
    kind         TEXT    NOT NULL CHECK (kind IN ('micro_promotion', 'lateral_move', 'demotion', 'pay_change')),
    subject_id   BLOB    NOT NULL,
    proposer_id  BLOB    NOT NULL,
    status       TEXT    NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'withdrawn', 'effective')),
    created_at   INTEGER NOT NULL,
    body         TEXT    NOT NULL
) WITHOUT ROWID;
CREATE INDEX proposals_by_subject ON proposals (org_id, subject_id);
CREATE INDEX proposals_by_status ON proposals (org_id, status, created_at);

-- One decision per approver per step, whether the approver or their delegate made it.
CREATE TABLE proposal_decisions (
    proposal_id  BLOB    NOT NULL REFERENCES proposals (id),
    step         INTEGER NOT NULL,
    approver_id  BLOB    NOT NULL,
    actor_id     BLOB    NOT NULL,
    approve      INTEGER NOT NULL CHECK (approve IN (0, 1)),
    comment      TEXT,
    at           INTEGER NOT NULL,
    PRIMARY KEY (proposal_id, step, approver_id)
) WITHOUT ROWID;

-- One reminder per approver per step.
CREATE TABLE proposal_reminders (
    proposal_id  BLOB    NOT NULL REFERENCES proposals (id),
    step         INTEGER NOT NULL,
    approver_id  BLOB    NOT NULL,
    at           INTEGER NOT NULL,
    PRIMARY KEY (proposal_id, step, approver_id)
) WITHOUT ROWID;

-- One delegation at a time per person.
CREATE TABLE delegations (
    org_id     BLOB NOT NULL REFERENCES organizations (id),
    person_id  BLOB NOT NULL,
    body       TEXT NOT NULL,
    PRIMARY KEY (org_id, person_id)
) WITHOUT ROWID;
