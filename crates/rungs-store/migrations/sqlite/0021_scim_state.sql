-- 0022: what SCIM (RFC 7643/7644) needs beyond 0013 to keep its promises to an
-- identity provider (docs/INTEGRATIONS.md, "SCIM provisioning").

-- The name parts as the provider last sent them. Rungs keeps one name per person;
-- without these, givenName and familyName are read back split at the first space,
-- which a provider would see as a difference to push again at every sync.
ALTER TABLE scim_identities ADD COLUMN given_name TEXT;
ALTER TABLE scim_identities ADD COLUMN family_name TEXT;
-- Likewise the emails (a JSON array of {value, type, primary}): Rungs keeps one email,
-- and shows the provider its list as sent while that email is still in it.
ALTER TABLE scim_identities ADD COLUMN emails TEXT;
-- DELETE /Users/{id} records a departure (nothing leaves the ledger) and sets this:
-- RFC 7644 3.6 then wants 404 for the resource and no place in query results while
-- the person stays departed. A POST with the same userName clears it (a rehire).
ALTER TABLE scim_identities ADD COLUMN deleted INTEGER NOT NULL DEFAULT 0;

-- Groups are departments. A department people are in is a group without a row here
-- (its id the hex of its name); a row gives a group what a department name alone
-- cannot: existence with nobody in it yet (created by the provider), an id that stays
-- when the group is renamed (RFC 7643 3.1: ids never change), and the provider's
-- externalId. Deleting the group deletes its row. Not a projection of the ledger
-- (the provider owns it), so no foreign key to people.
CREATE TABLE scim_groups (
    org_id       BLOB NOT NULL REFERENCES organizations (id),
    id           TEXT NOT NULL,
    name         TEXT NOT NULL,
    external_id  TEXT,
    PRIMARY KEY (org_id, id),
    UNIQUE (org_id, name)
);
