-- The delivery ledger changes state twice per message (sending, sent):
-- indexes that include the state column made each change rewrite index
-- entries. Jobs are looked up by job id alone, and reach counts use the
-- unique (message_id, subscriber_id, channel) index's prefix.

-- +goose Up
DROP INDEX deliveries_job;
DROP INDEX deliveries_message;
CREATE INDEX deliveries_job_id ON deliveries (job_id);
-- Provider callbacks (delivery receipts) find their row by provider id.
CREATE INDEX deliveries_provider_id ON deliveries (provider, provider_id) WHERE provider_id <> '';

-- +goose Down
DROP INDEX deliveries_provider_id;
DROP INDEX deliveries_job_id;
CREATE INDEX deliveries_job ON deliveries (job_id, state);
CREATE INDEX deliveries_message ON deliveries (message_id, channel, state);
