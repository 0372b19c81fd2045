-- Credentials Vigie obtains at run time (refreshed OAuth tokens, social
-- sessions, tokens pasted in the console), sealed with AES-256-GCM under a
-- key derived from secret_key: the database alone does not reveal them.

-- +goose Up
CREATE TABLE vault (
    name       TEXT PRIMARY KEY,
    sealed     TEXT NOT NULL,
    updated_at timestamptz NOT NULL
);

-- +goose Down
DROP TABLE vault;
