-- Crisis room: incidents, their components, roles, tasks, messages,
-- approvals, the append-only timeline, the delivery outbox, API tokens and
-- team availability. PostgreSQL flavour; same tables and columns as the SQLite one.

-- +goose Up
ALTER TABLE users ADD COLUMN person text NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN lang text NOT NULL DEFAULT '';

CREATE TABLE incidents (
    id               bigserial PRIMARY KEY,
    scenario         text    NOT NULL,
    title            text    NOT NULL,
    severity         text    NOT NULL,
    state            text    NOT NULL,
    drill            boolean NOT NULL DEFAULT false,
    plan_hash        text    NOT NULL,
    declared_by      text    NOT NULL,
    declared_at      timestamptz    NOT NULL,
    updated_at       timestamptz    NOT NULL,
    resolved_at      timestamptz,
    closed_at        timestamptz,
    next_update_due  timestamptz,
    reminded_for     timestamptz,
    escalated_for    timestamptz,
    next_report_due  timestamptz,
    report_reminded_for timestamptz
);
CREATE INDEX incidents_state ON incidents (state);

CREATE TABLE incident_components (
    incident_id bigint NOT NULL REFERENCES incidents (id),
    component   text    NOT NULL,
    status      text    NOT NULL,
    updated_at  timestamptz    NOT NULL,
    PRIMARY KEY (incident_id, component)
);

CREATE TABLE incident_roles (
    incident_id bigint NOT NULL REFERENCES incidents (id),
    role        text    NOT NULL,
    person      text    NOT NULL,
    assigned_at timestamptz    NOT NULL,
    PRIMARY KEY (incident_id, role)
);

CREATE TABLE tasks (
    id          bigserial PRIMARY KEY,
    incident_id bigint NOT NULL REFERENCES incidents (id),
    role        text    NOT NULL,
    task_key    text    NOT NULL,
    title       text    NOT NULL,
    owner       text    NOT NULL,
    due_at      timestamptz    NOT NULL,
    done_at     timestamptz,
    done_by     text    NOT NULL DEFAULT '',
    UNIQUE (incident_id, role, task_key)
);

CREATE TABLE messages (
    id           bigserial PRIMARY KEY,
    incident_id  bigint NOT NULL REFERENCES incidents (id),
    template_id  text    NOT NULL,
    phase        text    NOT NULL,
    audience     text    NOT NULL,
    channels     text    NOT NULL,
    content      text    NOT NULL,
    state        text    NOT NULL,
    pre_approved boolean NOT NULL DEFAULT false,
    revision     integer NOT NULL DEFAULT 1,
    author       text    NOT NULL,
    created_at   timestamptz    NOT NULL,
    updated_at   timestamptz    NOT NULL,
    published_at timestamptz,
    published_by text    NOT NULL DEFAULT ''
);
CREATE INDEX messages_incident ON messages (incident_id);

CREATE TABLE approvals (
    id         bigserial PRIMARY KEY,
    message_id bigint NOT NULL REFERENCES messages (id),
    revision   integer NOT NULL,
    username   text    NOT NULL,
    person     text    NOT NULL DEFAULT '',
    roles      text    NOT NULL DEFAULT '[]',
    decision   text    NOT NULL CHECK (decision IN ('approve', 'reject')),
    comment    text    NOT NULL DEFAULT '',
    at         timestamptz    NOT NULL,
    UNIQUE (message_id, revision, username)
);

CREATE TABLE timeline (
    id          bigserial PRIMARY KEY,
    incident_id bigint NOT NULL REFERENCES incidents (id),
    at          timestamptz    NOT NULL,
    actor       text    NOT NULL,
    kind        text    NOT NULL,
    payload     text    NOT NULL DEFAULT '{}'
);
CREATE INDEX timeline_incident ON timeline (incident_id, id);

-- +goose StatementBegin
CREATE FUNCTION append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END;
$$;
-- +goose StatementEnd

CREATE TRIGGER timeline_no_update_delete
    BEFORE UPDATE OR DELETE ON timeline
    FOR EACH ROW EXECUTE FUNCTION append_only();

CREATE TRIGGER timeline_no_truncate
    BEFORE TRUNCATE ON timeline
    FOR EACH STATEMENT EXECUTE FUNCTION append_only();

CREATE TABLE outbox (
    id          bigserial PRIMARY KEY,
    message_id  bigint NOT NULL REFERENCES messages (id),
    incident_id bigint NOT NULL REFERENCES incidents (id),
    channel     text    NOT NULL,
    lang        text    NOT NULL,
    audience    text    NOT NULL,
    drill       boolean NOT NULL DEFAULT false,
    state       text    NOT NULL DEFAULT 'pending',
    created_at  timestamptz    NOT NULL,
    UNIQUE (message_id, channel, lang)
);
CREATE INDEX outbox_state ON outbox (state, id);

CREATE TABLE api_tokens (
    id           bigserial PRIMARY KEY,
    user_id      bigint NOT NULL REFERENCES users (id),
    name         text    NOT NULL,
    scope        text    NOT NULL,
    token_hash   text    NOT NULL UNIQUE,
    created_at   timestamptz    NOT NULL,
    expires_at   timestamptz,
    last_used_at timestamptz,
    revoked      boolean NOT NULL DEFAULT false
);

CREATE TABLE availability (
    person     text    PRIMARY KEY,
    available  boolean NOT NULL,
    note       text    NOT NULL DEFAULT '',
    updated_by text    NOT NULL,
    updated_at timestamptz    NOT NULL
);

-- +goose Down
DROP TABLE availability;
DROP TABLE api_tokens;
DROP TABLE outbox;
DROP TABLE timeline;
DROP FUNCTION append_only();
DROP TABLE approvals;
DROP TABLE messages;
DROP TABLE tasks;
DROP TABLE incident_roles;
DROP TABLE incident_components;
DROP TABLE incidents;
ALTER TABLE users DROP COLUMN lang;
ALTER TABLE users DROP COLUMN person;
