-- Posts published on the organisation's social accounts: where each update
-- of an incident landed, so the next one replies to it (one thread per
-- incident and platform) and the crisis room can link, correct or delete it.

-- +goose Up
CREATE TABLE social_posts (
    id          bigserial PRIMARY KEY,
    incident_id bigint  NOT NULL,
    message_id  bigint  NOT NULL,
    platform    text    NOT NULL,
    account     text    NOT NULL,
    post_id     text    NOT NULL,
    uri         text    NOT NULL DEFAULT '',
    cid         text    NOT NULL DEFAULT '',
    root_uri    text    NOT NULL DEFAULT '',
    root_cid    text    NOT NULL DEFAULT '',
    url         text    NOT NULL DEFAULT '',
    posted_at   timestamptz NOT NULL,
    deleted_at  timestamptz
);
CREATE INDEX social_posts_thread ON social_posts (incident_id, platform, id);

-- +goose Down
DROP TABLE social_posts;
