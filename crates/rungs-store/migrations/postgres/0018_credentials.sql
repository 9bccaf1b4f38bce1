-- 0018: issued verifiable credentials (see migrations/sqlite/0018_credentials.sql for
-- the why of each table and key).
CREATE TABLE issued_credentials (
    id             uuid        NOT NULL PRIMARY KEY,
    org_id         uuid        NOT NULL REFERENCES organizations (id),
    person_id      uuid        NOT NULL,
    source         text        NOT NULL CHECK (source IN ('milestone', 'badge', 'micro_promotion')),
    event_id       uuid        NOT NULL,
    name           text        NOT NULL,
    status_list    integer     NOT NULL,
    status_index   bigint      NOT NULL CHECK (status_index >= 0 AND status_index < 131072),
    document       text        NOT NULL,
    issued_at      timestamptz NOT NULL,
    revoked_at     timestamptz,
    revoked_by     uuid,
    revoke_reason  text,
    CONSTRAINT issued_once UNIQUE (org_id, person_id, event_id),
    CONSTRAINT status_position_once UNIQUE (status_list, status_index)
);

CREATE INDEX credentials_by_person ON issued_credentials (org_id, person_id, id);
CREATE INDEX credentials_by_org ON issued_credentials (org_id, id);

CREATE TABLE credential_opt_ins (
    org_id     uuid        NOT NULL,
    person_id  uuid        NOT NULL,
    since      timestamptz NOT NULL,
    PRIMARY KEY (org_id, person_id)
);

CREATE TABLE credential_cursors (
    org_id     uuid   NOT NULL PRIMARY KEY REFERENCES organizations (id),
    after_seq  bigint NOT NULL
);

INSERT INTO credential_cursors (org_id, after_seq) SELECT org_id, last_seq FROM ledger_heads;
