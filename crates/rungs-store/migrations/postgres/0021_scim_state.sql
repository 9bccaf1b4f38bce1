-- 0022: SCIM state beyond 0013 (see the SQLite migration for the why).

ALTER TABLE scim_identities ADD COLUMN given_name text;
ALTER TABLE scim_identities ADD COLUMN family_name text;
ALTER TABLE scim_identities ADD COLUMN emails text;
ALTER TABLE scim_identities ADD COLUMN deleted boolean NOT NULL DEFAULT false;

CREATE TABLE scim_groups (
    org_id       uuid NOT NULL REFERENCES organizations (id),
    id           text NOT NULL,
    name         text NOT NULL,
    external_id  text,
    PRIMARY KEY (org_id, id),
    CONSTRAINT scim_groups_name UNIQUE (org_id, name)
);
