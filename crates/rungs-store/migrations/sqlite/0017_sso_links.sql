-- 0017: OIDC single sign-on. Which identity-provider account (issuer, subject) is
-- which person: stored the first time someone signs in (matched by verified email,
-- or provisioned just in time), then used before the email, so a renamed mailbox
-- at the provider still signs the same person in. No foreign key to people, like
-- credentials (people is a rebuildable projection).
CREATE TABLE sso_links (
    issuer      TEXT    NOT NULL,
    subject     TEXT    NOT NULL,
    org_id      BLOB    NOT NULL REFERENCES organizations (id),
    person_id   BLOB    NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (issuer, subject)
) WITHOUT ROWID;

CREATE INDEX sso_links_by_person ON sso_links (org_id, person_id);
