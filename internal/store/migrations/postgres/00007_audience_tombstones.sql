-- People deleted at their request (GDPR erasure) leave only a tombstone: a
-- SHA-256 of channel and normalised address, so an import never brings
-- them back, and nothing that identifies them.

-- +goose Up
CREATE TABLE audience_tombstones (
    address_hash text PRIMARY KEY,
    deleted_at   timestamptz NOT NULL
);

-- +goose Down
DROP TABLE audience_tombstones;
