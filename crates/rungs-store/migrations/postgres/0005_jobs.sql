-- 0005: background jobs shared by every server instance, and the index the
-- idempotency sweep needs.
--
-- A job is claimed by setting a lease (`locked_until`) in one short statement
-- (`FOR UPDATE SKIP LOCKED`, so instances never wait on each other's claims) and run
-- OUTSIDE that transaction. While the lease holds, no other instance claims the job;
-- if the holder dies, the lease expires and another instance runs it. `attempts` is
-- bumped on every claim and doubles as a fencing token: finishing requires the same
-- (locked_by, attempts) pair, so a worker whose lease was taken over cannot finish or
-- reschedule the job of its successor.
CREATE TABLE jobs (
    id            uuid        NOT NULL PRIMARY KEY,
    kind          text        NOT NULL,
    payload       jsonb       NOT NULL DEFAULT '{}',
    -- Not before this instant.
    run_at        timestamptz NOT NULL,
    locked_until  timestamptz,
    locked_by     text,
    attempts      integer     NOT NULL DEFAULT 0,
    -- Periodic jobs are rescheduled this many seconds after finishing instead of
    -- being deleted.
    every_secs    bigint,
    -- Identity of a job that must exist at most once (every instance registers the
    -- periodic jobs on start; the unique key makes that idempotent).
    unique_key    text        CONSTRAINT jobs_unique_key UNIQUE,
    last_error    text,
    created_at    timestamptz NOT NULL
);

-- The claim query: due jobs in run_at order.
CREATE INDEX jobs_due ON jobs (run_at);

-- The sweep deletes idempotency claims older than the retention window.
CREATE INDEX idempotency_by_age ON idempotency (created_at);
