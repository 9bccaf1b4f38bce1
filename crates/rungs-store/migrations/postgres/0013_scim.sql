-- 0013: SCIM provisioning (see the SQLite migration for the why).

ALTER TABLE tokens ADD COLUMN scope text NOT NULL DEFAULT 'api';

CREATE TABLE scim_identities (
    org_id          uuid NOT NULL REFERENCES organizations (id),
    person_id       uuid NOT NULL,
    user_name       text NOT NULL,
    user_key        text NOT NULL,
    external_id     text,
    employee_number text,
    PRIMARY KEY (org_id, person_id),
    CONSTRAINT scim_identities_user_key UNIQUE (org_id, user_key)
);
