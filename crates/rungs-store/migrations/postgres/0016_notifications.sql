-- 0016: notifications and invites (see migrations/sqlite/0016_notifications.sql for
-- the why of each table and key).
CREATE TABLE notifications (
    id              uuid        NOT NULL PRIMARY KEY,
    org_id          uuid        NOT NULL REFERENCES organizations (id),
    recipient       uuid        NOT NULL,
    kind            text        NOT NULL,
    source          text        NOT NULL,
    text            text        NOT NULL,
    link            text,
    created_at      timestamptz NOT NULL,
    read_at         timestamptz,
    email_status    text        NOT NULL DEFAULT 'none' CHECK (email_status IN ('none', 'pending', 'digest', 'sent', 'failed')),
    email_attempts  integer     NOT NULL DEFAULT 0,
    email_next_at   timestamptz,
    email_error     text,
    CONSTRAINT notified_once UNIQUE (source, recipient, kind)
);

CREATE INDEX notifications_inbox ON notifications (org_id, recipient, id);
CREATE INDEX notifications_unread ON notifications (org_id, recipient) WHERE read_at IS NULL;
CREATE INDEX notifications_email_due ON notifications (email_next_at) WHERE email_status = 'pending';
CREATE INDEX notifications_digest ON notifications (recipient, id) WHERE email_status = 'digest';

CREATE TABLE notification_cursors (
    org_id     uuid   NOT NULL PRIMARY KEY REFERENCES organizations (id),
    after_seq  bigint NOT NULL
);

CREATE TABLE notification_prefs (
    org_id     uuid NOT NULL,
    person_id  uuid NOT NULL,
    kind       text NOT NULL,
    email      text NOT NULL CHECK (email IN ('off', 'immediate', 'digest')),
    PRIMARY KEY (org_id, person_id, kind)
);

CREATE TABLE invites (
    id          uuid        NOT NULL PRIMARY KEY,
    org_id      uuid        NOT NULL REFERENCES organizations (id),
    person_id   uuid        NOT NULL,
    token_hash  bytea       NOT NULL UNIQUE,
    created_by  uuid,
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz
);

CREATE INDEX invites_by_person ON invites (org_id, person_id, created_at);

-- An existing ledger is history: notifications start after it.
INSERT INTO notification_cursors (org_id, after_seq) SELECT org_id, last_seq FROM ledger_heads;
