-- 0007: the opportunity board (see migrations/sqlite/0007_opportunities.sql).
--
-- Moves and applications lock the opportunity row (`SELECT ... FOR UPDATE`) before
-- counting places, so two instances cannot both take the last place.
CREATE TABLE opportunities (
    id            uuid        NOT NULL PRIMARY KEY,
    org_id        uuid        NOT NULL REFERENCES organizations (id),
    owner_id      uuid        NOT NULL,          -- a person (people is a rebuildable projection: no foreign key)
    title         text        NOT NULL,
    description   text,
    competencies  text[]      NOT NULL,          -- competency keys, sorted
    category      text        NOT NULL,          -- the win category completing it records
    capacity      integer     NOT NULL CHECK (capacity > 0),
    status        text        NOT NULL CHECK (status IN ('open', 'closed')),
    created_at    timestamptz NOT NULL,
    closed_at     timestamptz
);
CREATE INDEX opportunities_by_org ON opportunities (org_id, id);

CREATE TABLE applications (
    id              uuid        NOT NULL PRIMARY KEY,
    org_id          uuid        NOT NULL REFERENCES organizations (id),
    opportunity_id  uuid        NOT NULL REFERENCES opportunities (id),
    applicant_id    uuid        NOT NULL,
    note            text,
    status          text        NOT NULL CHECK (status IN ('applied', 'accepted', 'declined', 'withdrawn', 'completed')),
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    evidence_event  uuid,
    UNIQUE (opportunity_id, applicant_id)
);
CREATE INDEX applications_by_applicant ON applications (org_id, applicant_id);
