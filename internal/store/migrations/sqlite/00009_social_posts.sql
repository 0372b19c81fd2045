-- Posts published on the organisation's social accounts: where each update
-- of an incident landed, so the next one replies to it (one thread per
-- incident and platform) and the crisis room can link, correct or delete it.

-- +goose Up
CREATE TABLE social_posts (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    incident_id INTEGER NOT NULL,
    message_id  INTEGER NOT NULL,
    platform    TEXT    NOT NULL,
    account     TEXT    NOT NULL,
    post_id     TEXT    NOT NULL,
    uri         TEXT    NOT NULL DEFAULT '',
    cid         TEXT    NOT NULL DEFAULT '',
    root_uri    TEXT    NOT NULL DEFAULT '',
    root_cid    TEXT    NOT NULL DEFAULT '',
    url         TEXT    NOT NULL DEFAULT '',
    posted_at   TEXT    NOT NULL,
    deleted_at  TEXT
);
CREATE INDEX social_posts_thread ON social_posts (incident_id, platform, id);

-- +goose Down
DROP TABLE social_posts;
