-- 0018: issued verifiable credentials (docs/CREDENTIALS.md).
--
-- A credential is issued once per person and source event (`issued_once`), whoever
-- asks and however many job runs or instances there are. Its revocation bit is a
-- random free position of a status list (`status_position_once`): the list then
-- says nothing about who was revoked or in which order credentials were issued.
-- A revocation is set once (`revoked_at IS NULL` in the update) and never undone.
CREATE TABLE issued_credentials (
    id             BLOB    NOT NULL PRIMARY KEY,     -- UUIDv7: newest last
    org_id         BLOB    NOT NULL REFERENCES organizations (id),
    person_id      BLOB    NOT NULL,
    source         TEXT    NOT NULL CHECK (source IN ('milestone', 'badge', 'micro_promotion')),
    event_id       BLOB    NOT NULL,
    name           TEXT    NOT NULL,
    status_list    INTEGER NOT NULL,
    status_index   INTEGER NOT NULL CHECK (status_index >= 0 AND status_index < 131072),
    document       TEXT    NOT NULL,                 -- the signed JSON, as issued
    issued_at      INTEGER NOT NULL,
    revoked_at     INTEGER,
    revoked_by     BLOB,
    revoke_reason  TEXT,
    CONSTRAINT issued_once UNIQUE (org_id, person_id, event_id),
    CONSTRAINT status_position_once UNIQUE (status_list, status_index)
) WITHOUT ROWID;

CREATE INDEX credentials_by_person ON issued_credentials (org_id, person_id, id);
CREATE INDEX credentials_by_org ON issued_credentials (org_id, id);

-- Who chose automatic issuing; no row: not opted in.
CREATE TABLE credential_opt_ins (
    org_id     BLOB    NOT NULL,
    person_id  BLOB    NOT NULL,
    since      INTEGER NOT NULL,
    PRIMARY KEY (org_id, person_id)
) WITHOUT ROWID;

-- How far into each organization's ledger automatic issuing read. An existing
-- ledger is history: issuing starts after it (people ask for older ones).
CREATE TABLE credential_cursors (
    org_id     BLOB    NOT NULL PRIMARY KEY REFERENCES organizations (id),
    after_seq  INTEGER NOT NULL
) WITHOUT ROWID;

INSERT INTO credential_cursors (org_id, after_seq) SELECT org_id, max(seq) FROM events GROUP BY org_id;
