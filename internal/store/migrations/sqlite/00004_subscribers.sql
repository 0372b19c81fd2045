-- Status page subscribers: one row per channel and address, with the
-- consent that was given and the double opt-in state. Confirmation tokens
-- are stored hashed. The fan-out work grows this into the audience model.

-- +goose Up
CREATE TABLE subscribers (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    channel            TEXT NOT NULL,
    address            TEXT NOT NULL,
    lang               TEXT NOT NULL,
    components         TEXT NOT NULL DEFAULT '[]',
    state              TEXT NOT NULL CHECK (state IN ('pending', 'confirmed', 'unsubscribed')),
    consent_source     TEXT NOT NULL,
    consent_at         TEXT NOT NULL,
    consent_client     TEXT NOT NULL DEFAULT '',
    consent_wording    TEXT NOT NULL,
    token_hash         TEXT,
    token_expires_at   TEXT,
    confirmed_at       TEXT,
    unsubscribed_at    TEXT,
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL,
    UNIQUE (channel, address)
);
CREATE INDEX subscribers_token ON subscribers (token_hash);
CREATE INDEX subscribers_state ON subscribers (channel, state);

-- +goose Down
DROP TABLE subscribers;
