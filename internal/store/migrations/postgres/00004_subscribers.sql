-- Status page subscribers: one row per channel and address, with the
-- consent that was given and the double opt-in state. Confirmation tokens
-- are stored hashed. The fan-out work grows this into the audience model.

-- +goose Up
CREATE TABLE subscribers (
    id                 bigserial PRIMARY KEY,
    channel            text NOT NULL,
    address            text NOT NULL,
    lang               text NOT NULL,
    components         text NOT NULL DEFAULT '[]',
    state              text NOT NULL CHECK (state IN ('pending', 'confirmed', 'unsubscribed')),
    consent_source     text NOT NULL,
    consent_at         timestamptz NOT NULL,
    consent_client     text NOT NULL DEFAULT '',
    consent_wording    text NOT NULL,
    token_hash         text,
    token_expires_at   timestamptz,
    confirmed_at       timestamptz,
    unsubscribed_at    timestamptz,
    created_at         timestamptz NOT NULL,
    updated_at         timestamptz NOT NULL,
    UNIQUE (channel, address)
);
CREATE INDEX subscribers_token ON subscribers (token_hash);
CREATE INDEX subscribers_state ON subscribers (channel, state);

-- +goose Down
DROP TABLE subscribers;
