-- Expanding a message walks the confirmed subscribers of a channel in id
-- order, a chunk at a time (channel = ? AND state = 'confirmed' AND id > ?
-- ORDER BY id LIMIT n). With (channel, state, id) every chunk is a range
-- read of the index. With (channel, state) alone, a planner without fresh
-- statistics (right after an audience import) read and sorted every
-- confirmed subscriber of the channel for each chunk. The new index
-- replaces the old one, its prefix.

-- +goose Up
CREATE INDEX subscribers_expand ON subscribers (channel, state, id);
DROP INDEX subscribers_state;

-- +goose Down
CREATE INDEX subscribers_state ON subscribers (channel, state);
DROP INDEX subscribers_expand;
