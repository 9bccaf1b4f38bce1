-- 0015: evidence from work systems (see migrations/sqlite/0015_evidence.sql for the
-- why of each table).
CREATE TABLE evidence_sources (
    id           uuid        NOT NULL PRIMARY KEY,
    org_id       uuid        NOT NULL REFERENCES organizations (id),
    kind         text        NOT NULL CHECK (kind IN ('github', 'gitlab', 'generic')),
    name         text        NOT NULL,
    secret_hash  bytea       NOT NULL,
    created_at   timestamptz NOT NULL
);

CREATE INDEX evidence_sources_org ON evidence_sources (org_id, created_at);

CREATE TABLE evidence_rules (
    org_id        uuid    NOT NULL REFERENCES organizations (id),
    position      integer NOT NULL,
    match_on      text    NOT NULL CHECK (match_on IN ('repository', 'label', 'course')),
    value         text    NOT NULL,
    competencies  text[]  NOT NULL DEFAULT '{}',
    category      text    NOT NULL,
    PRIMARY KEY (org_id, position)
);

CREATE TABLE evidence_accounts (
    org_id     uuid NOT NULL REFERENCES organizations (id),
    system     text NOT NULL CHECK (system IN ('github', 'gitlab')),
    login      text NOT NULL,
    person_id  uuid NOT NULL,
    PRIMARY KEY (org_id, system, login)
);

CREATE TABLE evidence_settings (
    org_id       uuid    NOT NULL PRIMARY KEY REFERENCES organizations (id),
    auto_accept  boolean NOT NULL DEFAULT false
);

CREATE TABLE evidence_deliveries (
    source_id    uuid        NOT NULL REFERENCES evidence_sources (id) ON DELETE CASCADE,
    delivery     text        NOT NULL,
    org_id       uuid        NOT NULL,
    outcome      text        NOT NULL,
    received_at  timestamptz NOT NULL,
    CONSTRAINT evidence_delivered_once PRIMARY KEY (source_id, delivery)
);

CREATE INDEX evidence_deliveries_log ON evidence_deliveries (source_id, received_at);

CREATE TABLE evidence_suggestions (
    id            uuid        NOT NULL PRIMARY KEY,
    org_id        uuid        NOT NULL REFERENCES organizations (id),
    person_id     uuid        NOT NULL,
    source_id     uuid        NOT NULL,
    source_kind   text        NOT NULL,
    delivery      text        NOT NULL,
    title         text        NOT NULL,
    description   text,
    url           text,
    competencies  text[]      NOT NULL DEFAULT '{}',
    category      text        NOT NULL,
    occurred_at   timestamptz,
    state         text        NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'accepted', 'dismissed')),
    event_id      uuid,
    created_at    timestamptz NOT NULL,
    resolved_at   timestamptz,
    CONSTRAINT evidence_suggested_once UNIQUE (source_id, delivery)
);

CREATE INDEX evidence_suggestions_inbox ON evidence_suggestions (org_id, person_id, state, created_at);
