-- Crisis room: incidents, their components, roles, tasks, messages,
-- approvals, the append-only timeline, the delivery outbox, API tokens and
-- team availability. SQLite flavour.

-- +goose Up
ALTER TABLE users ADD COLUMN person TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN lang TEXT NOT NULL DEFAULT '';

CREATE TABLE incidents (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    scenario         TEXT    NOT NULL,
    title            TEXT    NOT NULL,
    severity         TEXT    NOT NULL,
    state            TEXT    NOT NULL,
    drill            INTEGER NOT NULL DEFAULT 0 CHECK (drill IN (0, 1)),
    plan_hash        TEXT    NOT NULL,
    declared_by      TEXT    NOT NULL,
    declared_at      TEXT    NOT NULL,
    updated_at       TEXT    NOT NULL,
    resolved_at      TEXT,
    closed_at        TEXT,
    next_update_due  TEXT,
    reminded_for     TEXT,
    escalated_for    TEXT,
    next_report_due  TEXT,
    report_reminded_for TEXT
);
CREATE INDEX incidents_state ON incidents (state);

CREATE TABLE incident_components (
    incident_id INTEGER NOT NULL REFERENCES incidents (id),
    component   TEXT    NOT NULL,
    status      TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL,
    PRIMARY KEY (incident_id, component)
);

CREATE TABLE incident_roles (
    incident_id INTEGER NOT NULL REFERENCES incidents (id),
    role        TEXT    NOT NULL,
    person      TEXT    NOT NULL,
    assigned_at TEXT    NOT NULL,
    PRIMARY KEY (incident_id, role)
);

CREATE TABLE tasks (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    incident_id INTEGER NOT NULL REFERENCES incidents (id),
    role        TEXT    NOT NULL,
    task_key    TEXT    NOT NULL,
    title       TEXT    NOT NULL,
    owner       TEXT    NOT NULL,
    due_at      TEXT    NOT NULL,
    done_at     TEXT,
    done_by     TEXT    NOT NULL DEFAULT '',
    UNIQUE (incident_id, role, task_key)
);

CREATE TABLE messages (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    incident_id  INTEGER NOT NULL REFERENCES incidents (id),
    template_id  TEXT    NOT NULL,
    phase        TEXT    NOT NULL,
    audience     TEXT    NOT NULL,
    channels     TEXT    NOT NULL,
    content      TEXT    NOT NULL,
    state        TEXT    NOT NULL,
    pre_approved INTEGER NOT NULL DEFAULT 0 CHECK (pre_approved IN (0, 1)),
    revision     INTEGER NOT NULL DEFAULT 1,
    author       TEXT    NOT NULL,
    created_at   TEXT    NOT NULL,
    updated_at   TEXT    NOT NULL,
    published_at TEXT,
    published_by TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX messages_incident ON messages (incident_id);

CREATE TABLE approvals (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    message_id INTEGER NOT NULL REFERENCES messages (id),
    revision   INTEGER NOT NULL,
    username   TEXT    NOT NULL,
    person     TEXT    NOT NULL DEFAULT '',
    roles      TEXT    NOT NULL DEFAULT '[]',
    decision   TEXT    NOT NULL CHECK (decision IN ('approve', 'reject')),
    comment    TEXT    NOT NULL DEFAULT '',
    at         TEXT    NOT NULL,
    UNIQUE (message_id, revision, username)
);

CREATE TABLE timeline (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    incident_id INTEGER NOT NULL REFERENCES incidents (id),
    at          TEXT    NOT NULL,
    actor       TEXT    NOT NULL,
    kind        TEXT    NOT NULL,
    payload     TEXT    NOT NULL DEFAULT '{}'
);
CREATE INDEX timeline_incident ON timeline (incident_id, id);

-- +goose StatementBegin
CREATE TRIGGER timeline_no_update BEFORE UPDATE ON timeline
BEGIN
    SELECT RAISE(ABORT, 'timeline is append-only');
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER timeline_no_delete BEFORE DELETE ON timeline
BEGIN
    SELECT RAISE(ABORT, 'timeline is append-only');
END;
-- +goose StatementEnd

CREATE TABLE outbox (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    message_id  INTEGER NOT NULL REFERENCES messages (id),
    incident_id INTEGER NOT NULL REFERENCES incidents (id),
    channel     TEXT    NOT NULL,
    lang        TEXT    NOT NULL,
    audience    TEXT    NOT NULL,
    drill       INTEGER NOT NULL DEFAULT 0 CHECK (drill IN (0, 1)),
    state       TEXT    NOT NULL DEFAULT 'pending',
    created_at  TEXT    NOT NULL,
    UNIQUE (message_id, channel, lang)
);
CREATE INDEX outbox_state ON outbox (state, id);

CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id      INTEGER NOT NULL REFERENCES users (id),
    name         TEXT    NOT NULL,
    scope        TEXT    NOT NULL,
    token_hash   TEXT    NOT NULL UNIQUE,
    created_at   TEXT    NOT NULL,
    expires_at   TEXT,
    last_used_at TEXT,
    revoked      INTEGER NOT NULL DEFAULT 0 CHECK (revoked IN (0, 1))
);

CREATE TABLE availability (
    person     TEXT    PRIMARY KEY,
    available  INTEGER NOT NULL CHECK (available IN (0, 1)),
    note       TEXT    NOT NULL DEFAULT '',
    updated_by TEXT    NOT NULL,
    updated_at TEXT    NOT NULL
);

-- +goose Down
DROP TABLE availability;
DROP TABLE api_tokens;
DROP TABLE outbox;
DROP TRIGGER timeline_no_delete;
DROP TRIGGER timeline_no_update;
DROP TABLE timeline;
DROP TABLE approvals;
DROP TABLE messages;
DROP TABLE tasks;
DROP TABLE incident_roles;
DROP TABLE incident_components;
DROP TABLE incidents;
ALTER TABLE users DROP COLUMN lang;
ALTER TABLE users DROP COLUMN person;
