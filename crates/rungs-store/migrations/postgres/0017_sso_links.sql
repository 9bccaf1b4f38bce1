-- 0017: OIDC single sign-on links (issuer, subject) -> person (see the SQLite migration).
CREATE TABLE sso_links (
    issuer      text        NOT NULL,
    subject     text        NOT NULL,
    org_id      uuid        NOT NULL REFERENCES organizations (id),
    person_id   uuid        NOT NULL,
    created_at  timestamptz NOT NULL,
    PRIMARY KEY (issuer, subject)
);

CREATE INDEX sso_links_by_person ON sso_links (org_id, person_id);
