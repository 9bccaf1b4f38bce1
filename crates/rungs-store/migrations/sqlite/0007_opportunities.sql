-- 0007: the opportunity board (stretch projects and gigs, and applications to them).
--
-- Workflow state, not history: rows change in place (an application moves applied →
-- accepted → completed). What the work produces for a career, the completed work, is
-- a micro_progression on the ledger, whose id is kept in `evidence_event`.
-- `taken` and `pending` counts are computed from applications when read; the writer
-- thread checks capacity and moves inside one transaction, so the last place cannot
-- be taken twice.
CREATE TABLE opportunities (
    id            BLOB    NOT NULL PRIMARY KEY,
    org_id        BLOB    NOT NULL REFERENCES organizations (id),
    owner_id      BLOB    NOT NULL,          -- a person (people is a rebuildable projection: no foreign key)
    title         TEXT    NOT NULL,
    description   TEXT,
    competencies  TEXT    NOT NULL,          -- JSON array of competency keys, sorted
    category      TEXT    NOT NULL,          -- the win category completing it records
    capacity      INTEGER NOT NULL CHECK (capacity > 0),
    status        TEXT    NOT NULL CHECK (status IN ('open', 'closed')),
    created_at    INTEGER NOT NULL,
    closed_at     INTEGER
) WITHOUT ROWID;
CREATE INDEX opportunities_by_org ON opportunities (org_id, id);

CREATE TABLE applications (
    id              BLOB    NOT NULL PRIMARY KEY,
    org_id          BLOB    NOT NULL REFERENCES organizations (id),
    opportunity_id  BLOB    NOT NULL REFERENCES opportunities (id),
    applicant_id    BLOB    NOT NULL,
    note            TEXT,
    status          TEXT    NOT NULL CHECK (status IN ('applied', 'accepted', 'declined', 'withdrawn', 'completed')),
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    evidence_event  BLOB,
    UNIQUE (opportunity_id, applicant_id)
) WITHOUT ROWID;
CREATE INDEX applications_by_applicant ON applications (org_id, applicant_id);
