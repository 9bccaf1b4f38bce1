-- 0012: signed webhooks (see migrations/sqlite/0012_webhooks.sql for the why of
-- each table). The outbox row commits with its event in the append transaction; its
-- seq is the event's, per organization like the ledger's.
CREATE TABLE webhook_outbox (
    org_id    uuid   NOT NULL,
    seq       bigint NOT NULL,
    event_id  uuid   NOT NULL,
    kind      text   NOT NULL,
    PRIMARY KEY (org_id, seq)
);

CREATE TABLE webhook_subscriptions (
    id            uuid        NOT NULL PRIMARY KEY,
    org_id        uuid        NOT NULL REFERENCES organizations (id),
    url           text        NOT NULL,
    description   text        NOT NULL DEFAULT '',
    kinds         text[]      NOT NULL DEFAULT '{}',
    active        boolean     NOT NULL DEFAULT true,
    secret        text        NOT NULL,
    after_seq     bigint      NOT NULL,
    due_at        timestamptz,
    locked_by     text,
    locked_until  timestamptz,
    claims        bigint      NOT NULL DEFAULT 0,
    created_at    timestamptz NOT NULL
);

CREATE INDEX webhook_subscriptions_due ON webhook_subscriptions (due_at) WHERE due_at IS NOT NULL;

CREATE TABLE webhook_deliveries (
    id               uuid        NOT NULL PRIMARY KEY,
    org_id           uuid        NOT NULL,
    subscription_id  uuid        NOT NULL REFERENCES webhook_subscriptions (id) ON DELETE CASCADE,
    event_id         uuid        NOT NULL,
    seq              bigint      NOT NULL,
    kind             text        NOT NULL,
    status           text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts         integer     NOT NULL DEFAULT 0,
    first_attempt_at timestamptz,
    next_attempt_at  timestamptz NOT NULL,
    last_status      integer,
    last_error       text,
    delivered_at     timestamptz,
    created_at       timestamptz NOT NULL,
    CONSTRAINT webhook_delivered_once UNIQUE (subscription_id, event_id)
);

CREATE INDEX webhook_deliveries_queue ON webhook_deliveries (subscription_id, status, seq);
CREATE INDEX webhook_deliveries_log ON webhook_deliveries (org_id, seq);

CREATE TABLE webhook_attempts (
    delivery_id  uuid        NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    at           timestamptz NOT NULL,
    status       integer,
    error        text,
    duration_ms  bigint      NOT NULL
);

CREATE INDEX webhook_attempts_by_delivery ON webhook_attempts (delivery_id, at);
