-- Delivery ledger and jobs. One ledger row per (message, recipient,
-- channel) with its idempotency key; one job per provider batch.

-- +goose Up
ALTER TABLE outbox ADD COLUMN cursor bigint NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN priority integer NOT NULL DEFAULT 1;

CREATE TABLE delivery_jobs (
    id           bigserial PRIMARY KEY,
    outbox_id    bigint NOT NULL REFERENCES outbox (id),
    channel      text    NOT NULL,
    priority     integer NOT NULL DEFAULT 1,
    state        text    NOT NULL DEFAULT 'ready' CHECK (state IN ('ready', 'running', 'done')),
    run_at       timestamptz    NOT NULL,
    locked_until timestamptz,
    locked_by    text    NOT NULL DEFAULT '',
    created_at   timestamptz    NOT NULL
);
CREATE INDEX delivery_jobs_ready ON delivery_jobs (state, priority, run_at, id);

CREATE TABLE deliveries (
    id            bigserial PRIMARY KEY,
    job_id        bigint NOT NULL REFERENCES delivery_jobs (id),
    message_id    bigint NOT NULL REFERENCES messages (id),
    subscriber_id bigint NOT NULL,
    channel       text    NOT NULL,
    address       text    NOT NULL,
    lang          text    NOT NULL,
    idem_key      text    NOT NULL UNIQUE,
    state         text    NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'sending', 'sent', 'delivered', 'failed', 'dead', 'uncertain')),
    provider      text    NOT NULL DEFAULT '',
    provider_id   text    NOT NULL DEFAULT '',
    attempts      integer NOT NULL DEFAULT 0,
    last_error    text    NOT NULL DEFAULT '',
    next_at       timestamptz,
    updated_at    timestamptz    NOT NULL,
    UNIQUE (message_id, subscriber_id, channel)
);
CREATE INDEX deliveries_job ON deliveries (job_id, state);
CREATE INDEX deliveries_message ON deliveries (message_id, channel, state);

-- +goose Down
DROP TABLE deliveries;
DROP TABLE delivery_jobs;
ALTER TABLE outbox DROP COLUMN priority;
ALTER TABLE outbox DROP COLUMN cursor;
