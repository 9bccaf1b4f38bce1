-- 0004: sign-in credentials and browser sessions.

-- One password per person. The hash is an argon2id PHC string (salt and parameters
-- inside it), never the password. Keyed by person, not by email: the email that
-- signs someone in is their *current* one in the people projection, so a
-- `profile_updated` that changes an email moves the login with it. `person_id` has
-- no foreign key, for the same reason as tokens (people is a rebuildable projection).
CREATE TABLE credentials (
    org_id         BLOB    NOT NULL REFERENCES organizations (id),
    person_id      BLOB    NOT NULL,
    role           TEXT    NOT NULL,
    password_hash  TEXT    NOT NULL,
    updated_at     INTEGER NOT NULL,
    PRIMARY KEY (org_id, person_id)
) WITHOUT ROWID;

-- Signed-in browser sessions. Only the SHA-256 of the 256-bit cookie secret is
-- stored, so a copy of the database cannot be used to ride a session. Expired rows
-- are refused on read and swept on sign-in.
CREATE TABLE sessions (
    hash        BLOB    NOT NULL PRIMARY KEY,
    org_id      BLOB    NOT NULL REFERENCES organizations (id),
    person_id   BLOB    NOT NULL,
    role        TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL
) WITHOUT ROWID;

CREATE INDEX sessions_by_person ON sessions (org_id, person_id);
CREATE INDEX sessions_by_expiry ON sessions (expires_at);
