-- 0023: the organization's calendar (docs/WORKFLOWS.md): the IANA time zone in which
-- its days begin, for cycles' windows and effective dates. No row: UTC.
CREATE TABLE org_calendars (
    org_id      uuid        NOT NULL PRIMARY KEY REFERENCES organizations (id),
    time_zone   text        NOT NULL,
    updated_at  timestamptz NOT NULL
);
