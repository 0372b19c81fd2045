-- Scheduled maintenance windows shown on the status page. The status a
-- visitor sees is derived from the clock (scheduled, in progress,
-- completed) unless someone set it by hand (started early, verifying,
-- completed early, cancelled): manual_status holds that choice.

-- +goose Up
CREATE TABLE maintenances (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    title         TEXT NOT NULL,
    body          TEXT NOT NULL DEFAULT '{}',
    components    TEXT NOT NULL DEFAULT '[]',
    starts_at     TEXT NOT NULL,
    ends_at       TEXT NOT NULL,
    manual_status TEXT NOT NULL DEFAULT '',
    created_by    TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE INDEX maintenances_ends_at ON maintenances (ends_at);

-- +goose Down
DROP TABLE maintenances;
