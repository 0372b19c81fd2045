-- Channel order: a contact (one person's addresses on several channels,
-- grouped by the import's contact column) gets the message on the first
-- channel, and on the next one only if the first did not reach them within
-- the plan's delay. outbox.not_before holds the escalation phase until then.

-- +goose Up
ALTER TABLE subscribers ADD COLUMN contact TEXT NOT NULL DEFAULT '';
CREATE INDEX subscribers_contact ON subscribers (contact, channel) WHERE contact <> '';
ALTER TABLE outbox ADD COLUMN not_before TEXT;

-- +goose Down
ALTER TABLE outbox DROP COLUMN not_before;
DROP INDEX subscribers_contact;
ALTER TABLE subscribers DROP COLUMN contact;
