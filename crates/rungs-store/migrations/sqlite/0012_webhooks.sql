-- 0012: signed webhooks (docs/WEBHOOKS.md).
--
-- The outbox: one row per ledger event, inserted by the append in the SAME
-- transaction as the event (the writer's batch), so an acknowledged event is always
-- reported and a rolled-back one never is. Rows are small (no payload: events are
-- immutable, the body is rendered from the ledger when sent) and short-lived: the
-- dispatcher moves them into deliveries and deletes them (`fan_out`).
CREATE TABLE webhook_outbox (
    seq       INTEGER PRIMARY KEY,          -- the event's seq (the ledger's order)
    org_id    BLOB    NOT NULL,
    event_id  BLOB    NOT NULL,
    kind      TEXT    NOT NULL
);

-- Subscriptions, managed by the people team. The secret signs deliveries, so it is
-- kept as given (like an API key for a service we call, not one that calls us).
-- `due_at`: when its next delivery may go (NULL: nothing pending); the dispatcher's
-- lease is (`locked_by`, `locked_until`) with `claims` as the fencing token.
CREATE TABLE webhook_subscriptions (
    id            BLOB    NOT NULL PRIMARY KEY,
    org_id        BLOB    NOT NULL REFERENCES organizations (id),
    url           TEXT    NOT NULL,
    description   TEXT    NOT NULL DEFAULT '',
    kinds         TEXT    NOT NULL DEFAULT '[]',   -- JSON array of event kinds; empty: all
    active        INTEGER NOT NULL DEFAULT 1,
    secret        TEXT    NOT NULL,
    after_seq     INTEGER NOT NULL,
    due_at        INTEGER,
    locked_by     TEXT,
    locked_until  INTEGER,
    claims        INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL
) WITHOUT ROWID;

CREATE INDEX webhook_subscriptions_due ON webhook_subscriptions (due_at) WHERE due_at IS NOT NULL;

-- One delivery per subscription and event: the unique key that makes "each event is
-- delivered to a subscription once" a property of the store, whatever the number of
-- dispatchers or fan-outs.
CREATE TABLE webhook_deliveries (
    id               BLOB    NOT NULL PRIMARY KEY,
    org_id           BLOB    NOT NULL,
    subscription_id  BLOB    NOT NULL REFERENCES webhook_subscriptions (id) ON DELETE CASCADE,
    event_id         BLOB    NOT NULL,
    seq              INTEGER NOT NULL,
    kind             TEXT    NOT NULL,
    status           TEXT    NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    first_attempt_at INTEGER,
    next_attempt_at  INTEGER NOT NULL,
    last_status      INTEGER,
    last_error       TEXT,
    delivered_at     INTEGER,
    created_at       INTEGER NOT NULL,
    CONSTRAINT webhook_delivered_once UNIQUE (subscription_id, event_id)
) WITHOUT ROWID;

-- A subscription's queue in ledger order (pending first), and the log newest first.
CREATE INDEX webhook_deliveries_queue ON webhook_deliveries (subscription_id, status, seq);
CREATE INDEX webhook_deliveries_log ON webhook_deliveries (org_id, seq);

-- The delivery log: every attempt, kept with its delivery.
CREATE TABLE webhook_attempts (
    delivery_id  BLOB    NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    at           INTEGER NOT NULL,
    status       INTEGER,
    error        TEXT,
    duration_ms  INTEGER NOT NULL
);

CREATE INDEX webhook_attempts_by_delivery ON webhook_attempts (delivery_id, at);
