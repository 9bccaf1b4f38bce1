-- 0014: proposals (see migrations/sqlite/0014_proposals.sql).
--
-- Decisions from several instances at once: `decide` locks the proposal row
-- (`FOR UPDATE`), so two approvers of one parallel step are counted one after the
-- other; `proposal_decisions_pkey` keeps one decision per approver per step.
CREATE TABLE approval_routes (
    org_id  uuid  NOT NULL REFERENCES organizations (id),
    kind    text  NOT NULL CHECK (kind IN ('micro_promotion', 'lateral_move', 'demotion', 'pay_change')),
    body    jsonb NOT NULL,
    CONSTRAINT approval_routes_pkey PRIMARY KEY (org_id, kind)
);

CREATE TABLE proposals (
    id           uuid        NOT NULL PRIMARY KEY,
    org_id       uuid        NOT NULL REFERENCES organizations (id),
    kind         text        NOT NULL CHECK (kind IN ('micro_promotion', 'lateral_move', 'demotion', 'pay_change')),
    subject_id   uuid        NOT NULL,
    proposer_id  uuid        NOT NULL,
    status       text        NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'withdrawn', 'effective')),
    created_at   timestamptz NOT NULL,
    body         jsonb       NOT NULL
);
CREATE INDEX proposals_by_subject ON proposals (org_id, subject_id);
CREATE INDEX proposals_by_status ON proposals (org_id, status, created_at);

CREATE TABLE proposal_decisions (
    proposal_id  uuid        NOT NULL REFERENCES proposals (id),
    step         integer     NOT NULL,
    approver_id  uuid        NOT NULL,
    actor_id     uuid        NOT NULL,
    approve      boolean     NOT NULL,
    comment      text,
    at           timestamptz NOT NULL,
    CONSTRAINT proposal_decisions_pkey PRIMARY KEY (proposal_id, step, approver_id)
);

CREATE TABLE proposal_reminders (
    proposal_id  uuid        NOT NULL REFERENCES proposals (id),
    step         integer     NOT NULL,
    approver_id  uuid        NOT NULL,
    at           timestamptz NOT NULL,
    CONSTRAINT proposal_reminders_pkey PRIMARY KEY (proposal_id, step, approver_id)
);

CREATE TABLE delegations (
    org_id     uuid  NOT NULL REFERENCES organizations (id),
    person_id  uuid  NOT NULL,
    body       jsonb NOT NULL,
    CONSTRAINT delegations_pkey PRIMARY KEY (org_id, person_id)
);
