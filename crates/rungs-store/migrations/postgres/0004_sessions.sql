-- 0004: sign-in credentials and browser sessions (see the SQLite migration).

CREATE TABLE credentials (
    org_id         uuid        NOT NULL REFERENCES organizations (id),
    person_id      uuid        NOT NULL,
    role           text        NOT NULL,
    -- argon2id PHC string, never the password.
    password_hash  text        NOT NULL,
    updated_at     timestamptz NOT NULL,
    PRIMARY KEY (org_id, person_id)
);

-- Only the SHA-256 of the cookie secret is stored.
CREATE TABLE sessions (
    hash        bytea       NOT NULL PRIMARY KEY,
    org_id      uuid        NOT NULL REFERENCES organizations (id),
    person_id   uuid        NOT NULL,
    role        text        NOT NULL,
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL
);

CREATE INDEX sessions_by_person ON sessions (org_id, person_id);
CREATE INDEX sessions_by_expiry ON sessions (expires_at);
