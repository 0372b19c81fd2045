-- The idempotency key derives from (message_id, subscriber_id, channel),
-- which is unique already. Its own unique index only cost a random B-tree
-- insert per delivery (the key is a hash), which dominated the ledger's
-- writes at a million recipients.

-- +goose Up
ALTER TABLE deliveries DROP CONSTRAINT deliveries_idem_key_key;

-- +goose Down
ALTER TABLE deliveries ADD CONSTRAINT deliveries_idem_key_key UNIQUE (idem_key);
