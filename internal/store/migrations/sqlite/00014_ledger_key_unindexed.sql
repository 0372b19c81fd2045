-- The idempotency key derives from (message_id, subscriber_id, channel),
-- which is unique already. Its own unique index only cost a random B-tree
-- insert per delivery (the key is a hash), which dominated the ledger's
-- writes at a million recipients. SQLite drops a column's UNIQUE by
-- rebuilding the table.

-- +goose Up
CREATE TABLE deliveries_rebuilt (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id        INTEGER NOT NULL REFERENCES delivery_jobs (id),
    message_id    INTEGER NOT NULL REFERENCES messages (id),
    subscriber_id INTEGER NOT NULL,
    channel       TEXT    NOT NULL,
    address       TEXT    NOT NULL,
    lang          TEXT    NOT NULL,
    idem_key      TEXT    NOT NULL,
    state         TEXT    NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'sending', 'sent', 'delivered', 'failed', 'dead', 'uncertain')),
    provider      TEXT    NOT NULL DEFAULT '',
    provider_id   TEXT    NOT NULL DEFAULT '',
    attempts      INTEGER NOT NULL DEFAULT 0,
    last_error    TEXT    NOT NULL DEFAULT '',
    next_at       TEXT,
    updated_at    TEXT    NOT NULL,
    UNIQUE (message_id, subscriber_id, channel)
);
INSERT INTO deliveries_rebuilt (id, job_id, message_id, subscriber_id, channel, address, lang, idem_key, state, provider, provider_id, attempts, last_error, next_at, updated_at)
    SELECT id, job_id, message_id, subscriber_id, channel, address, lang, idem_key, state, provider, provider_id, attempts, last_error, next_at, updated_at FROM deliveries;
DROP TABLE deliveries;
ALTER TABLE deliveries_rebuilt RENAME TO deliveries;
CREATE INDEX deliveries_job_id ON deliveries (job_id);
CREATE INDEX deliveries_provider_id ON deliveries (provider, provider_id) WHERE provider_id <> '';

-- +goose Down
CREATE UNIQUE INDEX deliveries_idem_key ON deliveries (idem_key);
