-- Delivery ledger and jobs. One ledger row per (message, recipient,
-- channel) with its idempotency key; one job per provider batch.

-- +goose Up
ALTER TABLE outbox ADD COLUMN cursor INTEGER NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN priority INTEGER NOT NULL DEFAULT 1;

CREATE TABLE delivery_jobs (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    outbox_id    INTEGER NOT NULL REFERENCES outbox (id),
    channel      TEXT    NOT NULL,
    priority     INTEGER NOT NULL DEFAULT 1,
    state        TEXT    NOT NULL DEFAULT 'ready' CHECK (state IN ('ready', 'running', 'done')),
    run_at       TEXT    NOT NULL,
    locked_until TEXT,
    locked_by    TEXT    NOT NULL DEFAULT '',
    created_at   TEXT    NOT NULL
);
CREATE INDEX delivery_jobs_ready ON delivery_jobs (state, priority, run_at, id);

CREATE TABLE deliveries (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id        INTEGER NOT NULL REFERENCES delivery_jobs (id),
    message_id    INTEGER NOT NULL REFERENCES messages (id),
    subscriber_id INTEGER NOT NULL,
    channel       TEXT    NOT NULL,
    address       TEXT    NOT NULL,
    lang          TEXT    NOT NULL,
    idem_key      TEXT    NOT NULL UNIQUE,
    state         TEXT    NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'sending', 'sent', 'delivered', 'failed', 'dead', 'uncertain')),
    provider      TEXT    NOT NULL DEFAULT '',
    provider_id   TEXT    NOT NULL DEFAULT '',
    attempts      INTEGER NOT NULL DEFAULT 0,
    last_error    TEXT    NOT NULL DEFAULT '',
    next_at       TEXT,
    updated_at    TEXT    NOT NULL,
    UNIQUE (message_id, subscriber_id, channel)
);
CREATE INDEX deliveries_job ON deliveries (job_id, state);
CREATE INDEX deliveries_message ON deliveries (message_id, channel, state);

-- +goose Down
DROP TABLE deliveries;
DROP TABLE delivery_jobs;
ALTER TABLE outbox DROP COLUMN priority;
ALTER TABLE outbox DROP COLUMN cursor;
