-- Image cards of social posts, served at /cards/NAME.png for platforms
-- that fetch the picture themselves (Instagram); NAME is the SHA-256 of
-- the PNG, so it cannot be guessed.

-- +goose Up
CREATE TABLE social_images (
    name       TEXT PRIMARY KEY,
    png        bytea NOT NULL,
    created_at timestamptz NOT NULL
);

-- +goose Down
DROP TABLE social_images;
