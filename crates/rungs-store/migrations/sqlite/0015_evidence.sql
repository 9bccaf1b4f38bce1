-- 0015: evidence from work systems (docs/INTEGRATIONS.md, "Evidence from work systems").
--
-- Sources: who may send deliveries. Only the SHA-256 of a source's secret is kept
-- (it is shown once; secrets are longer than HMAC's block, so the hash verifies
-- signatures: see rungs_core::evidence::verify).
CREATE TABLE evidence_sources (
    id           BLOB    NOT NULL PRIMARY KEY,
    org_id       BLOB    NOT NULL REFERENCES organizations (id),
    kind         TEXT    NOT NULL CHECK (kind IN ('github', 'gitlab', 'generic')),
    name         TEXT    NOT NULL,
    secret_hash  BLOB    NOT NULL,
    created_at   INTEGER NOT NULL
) WITHOUT ROWID;

CREATE INDEX evidence_sources_org ON evidence_sources (org_id, created_at);

-- The people team's mapping rules, in their order (the first match names the category).
CREATE TABLE evidence_rules (
    org_id        BLOB    NOT NULL REFERENCES organizations (id),
    position      INTEGER NOT NULL,
    match_on      TEXT    NOT NULL CHECK (match_on IN ('repository', 'label', 'course')),
    value         TEXT    NOT NULL,
    competencies  TEXT    NOT NULL DEFAULT '[]',   -- JSON array of competency keys
    category      TEXT    NOT NULL,
    PRIMARY KEY (org_id, position)
) WITHOUT ROWID;

-- Work accounts linked to people: one person per login and system.
CREATE TABLE evidence_accounts (
    org_id     BLOB NOT NULL REFERENCES organizations (id),
    system     TEXT NOT NULL CHECK (system IN ('github', 'gitlab')),
    login      TEXT NOT NULL,
    person_id  BLOB NOT NULL,
    PRIMARY KEY (org_id, system, login)
) WITHOUT ROWID;

-- The organization's option: suggestions become wins without the person.
CREATE TABLE evidence_settings (
    org_id       BLOB    NOT NULL PRIMARY KEY REFERENCES organizations (id),
    auto_accept  INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

-- Every delivery, once per source and the sender's delivery id: the unique key
-- that makes a retried delivery change nothing.
CREATE TABLE evidence_deliveries (
    source_id    BLOB    NOT NULL REFERENCES evidence_sources (id) ON DELETE CASCADE,
    delivery     TEXT    NOT NULL,
    org_id       BLOB    NOT NULL,
    outcome      TEXT    NOT NULL,
    received_at  INTEGER NOT NULL,
    CONSTRAINT evidence_delivered_once PRIMARY KEY (source_id, delivery)
) WITHOUT ROWID;

CREATE INDEX evidence_deliveries_log ON evidence_deliveries (source_id, received_at);

-- Suggested wins. One per delivery (unique), and it leaves `pending` once (the
-- state guard in every update).
CREATE TABLE evidence_suggestions (
    id            BLOB    NOT NULL PRIMARY KEY,
    org_id        BLOB    NOT NULL REFERENCES organizations (id),
    person_id     BLOB    NOT NULL,
    source_id     BLOB    NOT NULL,
    source_kind   TEXT    NOT NULL,
    delivery      TEXT    NOT NULL,
    title         TEXT    NOT NULL,
    description   TEXT,
    url           TEXT,
    competencies  TEXT    NOT NULL DEFAULT '[]',
    category      TEXT    NOT NULL,
    occurred_at   INTEGER,
    state         TEXT    NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'accepted', 'dismissed')),
    event_id      BLOB,
    created_at    INTEGER NOT NULL,
    resolved_at   INTEGER,
    CONSTRAINT evidence_suggested_once UNIQUE (source_id, delivery)
) WITHOUT ROWID;

CREATE INDEX evidence_suggestions_inbox ON evidence_suggestions (org_id, person_id, state, created_at);
