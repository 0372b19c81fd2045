-- Vigie initial schema, PostgreSQL flavour. Same tables and columns as the
-- SQLite migration of the same number.

-- +goose Up
CREATE TABLE users (
    id                   bigserial   PRIMARY KEY,
    username             text        NOT NULL UNIQUE,
    email                text        NOT NULL DEFAULT '',
    password_hash        text        NOT NULL,
    role                 text        NOT NULL,
    must_change_password boolean     NOT NULL DEFAULT true,
    disabled             boolean     NOT NULL DEFAULT false,
    created_at           timestamptz NOT NULL,
    updated_at           timestamptz NOT NULL
);

CREATE TABLE plan_versions (
    id           bigserial   PRIMARY KEY,
    hash         text        NOT NULL,
    source       bytea       NOT NULL,
    organisation text        NOT NULL,
    loaded_by    text        NOT NULL,
    note         text        NOT NULL DEFAULT '',
    loaded_at    timestamptz NOT NULL
);

CREATE INDEX plan_versions_hash ON plan_versions (hash);

CREATE TABLE audit_log (
    id      bigserial   PRIMARY KEY,
    at      timestamptz NOT NULL,
    actor   text        NOT NULL,
    action  text        NOT NULL,
    subject text        NOT NULL DEFAULT '',
    detail  text        NOT NULL DEFAULT '{}'
);

CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_subject ON audit_log (subject);

-- +goose StatementBegin
CREATE FUNCTION audit_log_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END;
$$;
-- +goose StatementEnd

CREATE TRIGGER audit_log_no_update_delete
    BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();

CREATE TRIGGER audit_log_no_truncate
    BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

-- +goose Down
DROP TABLE audit_log;
DROP FUNCTION audit_log_append_only();
DROP TABLE plan_versions;
DROP TABLE users;
