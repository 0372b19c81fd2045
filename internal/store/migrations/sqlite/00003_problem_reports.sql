-- Visitors' "I have a problem with …" reports from the status page.
-- client_key is an HMAC of address and user agent, never the address.

-- +goose Up
CREATE TABLE problem_reports (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    dependency TEXT NOT NULL,
    category   TEXT NOT NULL DEFAULT '',
    client_key TEXT NOT NULL,
    at         TEXT NOT NULL
);
CREATE INDEX problem_reports_dep_at ON problem_reports (dependency, at);
CREATE INDEX problem_reports_client ON problem_reports (client_key, dependency, at);

-- +goose Down
DROP TABLE problem_reports;
