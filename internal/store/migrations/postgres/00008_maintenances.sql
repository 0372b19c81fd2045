-- Scheduled maintenance windows shown on the status page. The status a
-- visitor sees is derived from the clock (scheduled, in progress,
-- completed) unless someone set it by hand (started early, verifying,
-- completed early, cancelled): manual_status holds that choice.

-- +goose Up
CREATE TABLE maintenances (
    id            bigserial PRIMARY KEY,
    title         text NOT NULL,
    body          text NOT NULL DEFAULT '{}',
    components    text NOT NULL DEFAULT '[]',
    starts_at     timestamptz NOT NULL,
    ends_at       timestamptz NOT NULL,
    manual_status text NOT NULL DEFAULT '',
    created_by    text NOT NULL,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL
);
CREATE INDEX maintenances_ends_at ON maintenances (ends_at);

-- +goose Down
DROP TABLE maintenances;
