-- 0016: notifications and invites (docs/NOTIFICATIONS.md).
--
-- Notifications are derived from the ledger by a background job that reads past a
-- per-organization cursor (the write path is untouched); each is created once,
-- whatever the number of runs or instances: the UNIQUE key on its source, recipient
-- and kind. Its email state rides on the row: `pending` (sent on its own, retried
-- with backoff at `email_next_at`), `digest` (waits for the daily digest), `none`,
-- `sent`, `failed`.
CREATE TABLE notifications (
    id              BLOB    NOT NULL PRIMARY KEY,     -- UUIDv7: newest last
    org_id          BLOB    NOT NULL REFERENCES organizations (id),
    recipient       BLOB    NOT NULL,
    kind            TEXT    NOT NULL,
    source          TEXT    NOT NULL,
    text            TEXT    NOT NULL,
    link            TEXT,
    created_at      INTEGER NOT NULL,
    read_at         INTEGER,
    email_status    TEXT    NOT NULL DEFAULT 'none' CHECK (email_status IN ('none', 'pending', 'digest', 'sent', 'failed')),
    email_attempts  INTEGER NOT NULL DEFAULT 0,
    email_next_at   INTEGER,
    email_error     TEXT,
    CONSTRAINT notified_once UNIQUE (source, recipient, kind)
) WITHOUT ROWID;

CREATE INDEX notifications_inbox ON notifications (org_id, recipient, id);
CREATE INDEX notifications_unread ON notifications (org_id, recipient) WHERE read_at IS NULL;
CREATE INDEX notifications_email_due ON notifications (email_next_at) WHERE email_status = 'pending';
CREATE INDEX notifications_digest ON notifications (recipient, id) WHERE email_status = 'digest';

-- How far into each organization's ledger notifications were derived.
CREATE TABLE notification_cursors (
    org_id     BLOB    NOT NULL PRIMARY KEY REFERENCES organizations (id),
    after_seq  INTEGER NOT NULL
) WITHOUT ROWID;

-- Email choice per person and kind; a kind without a row takes its default.
CREATE TABLE notification_prefs (
    org_id     BLOB NOT NULL,
    person_id  BLOB NOT NULL,
    kind       TEXT NOT NULL,
    email      TEXT NOT NULL CHECK (email IN ('off', 'immediate', 'digest')),
    PRIMARY KEY (org_id, person_id, kind)
) WITHOUT ROWID;

-- One-time sign-in links: only the token's SHA-256 is kept; `used_at` set once, by
-- a conditional update, so a second use (or two at once) fails.
CREATE TABLE invites (
    id          BLOB    NOT NULL PRIMARY KEY,
    org_id      BLOB    NOT NULL REFERENCES organizations (id),
    person_id   BLOB    NOT NULL,
    token_hash  BLOB    NOT NULL UNIQUE,
    created_by  BLOB,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    used_at     INTEGER
) WITHOUT ROWID;

CREATE INDEX invites_by_person ON invites (org_id, person_id, created_at);

-- An existing ledger is history: notifications start after it.
INSERT INTO notification_cursors (org_id, after_seq) SELECT org_id, max(seq) FROM events GROUP BY org_id;
