-- Lighter ledger writes at a million recipients:
-- - the idempotency key derives from (message_id, subscriber_id, channel),
--   which is unique already; its own unique index only cost a random
--   B-tree insert per delivery (the key is a hash);
-- - recording an outcome sets the provider: with the provider out of the
--   receipts index, and room left in each page, that update is a HOT
--   update (no new index entries).

-- +goose Up
ALTER TABLE deliveries DROP CONSTRAINT deliveries_idem_key_key;
DROP INDEX deliveries_provider_id;
CREATE INDEX deliveries_provider_id ON deliveries (provider_id) WHERE provider_id <> '';
ALTER TABLE deliveries SET (fillfactor = 60);

-- +goose Down
ALTER TABLE deliveries RESET (fillfactor);
DROP INDEX deliveries_provider_id;
CREATE INDEX deliveries_provider_id ON deliveries (provider, provider_id) WHERE provider_id <> '';
ALTER TABLE deliveries ADD CONSTRAINT deliveries_idem_key_key UNIQUE (idem_key);
