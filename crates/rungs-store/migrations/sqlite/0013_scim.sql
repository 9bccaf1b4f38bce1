-- 0013: SCIM provisioning (docs/INTEGRATIONS.md).

-- A token opens one interface: 'api' (/api/v1) or 'scim' (/scim/v2). Existing
-- tokens are API tokens.
ALTER TABLE tokens ADD COLUMN scope TEXT NOT NULL DEFAULT 'api';

-- What the identity provider knows about a person beyond their profile: userName,
-- externalId, the enterprise employeeNumber. One row per person touched through
-- SCIM. Not a projection of the ledger (the identity provider owns these and sends
-- them again), so no foreign key to people, which a rebuild replaces. `user_key` is
-- the lower-cased userName: SCIM userNames are unique ignoring case (RFC 7643 4.1.1).
CREATE TABLE scim_identities (
    org_id          BLOB NOT NULL REFERENCES organizations (id),
    person_id       BLOB NOT NULL,
    user_name       TEXT NOT NULL,
    user_key        TEXT NOT NULL,
    external_id     TEXT,
    employee_number TEXT,
    PRIMARY KEY (org_id, person_id),
    UNIQUE (org_id, user_key)
);
