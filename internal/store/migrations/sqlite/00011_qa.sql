-- Live question-and-answer sessions on the public /qa page: visitors'
-- questions (moderated before anyone sees them), one vote per client and
-- question, answers by a named member of the technical team, and FAQ
-- entries proposed from answered questions, waiting for approval.
-- client_key is an HMAC of address and user agent, never the address; it
-- is cleared when the session closes.

-- +goose Up
CREATE TABLE qa_sessions (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    incident_id INTEGER,
    title       TEXT    NOT NULL,
    answerer    TEXT    NOT NULL,
    state       TEXT    NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'closed')),
    opened_by   TEXT    NOT NULL,
    opened_at   TEXT    NOT NULL,
    closed_at   TEXT
);
-- At most one session is open at a time: it is the one /qa shows.
CREATE UNIQUE INDEX qa_sessions_one_open ON qa_sessions (state) WHERE state = 'open';

CREATE TABLE qa_questions (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id   INTEGER NOT NULL REFERENCES qa_sessions (id),
    text         TEXT    NOT NULL,
    first_name   TEXT    NOT NULL DEFAULT '',
    lang         TEXT    NOT NULL,
    client_key   TEXT    NOT NULL DEFAULT '',
    state        TEXT    NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'published', 'hidden')),
    flag         TEXT    NOT NULL DEFAULT '',
    votes        INTEGER NOT NULL DEFAULT 0,
    answer       TEXT    NOT NULL DEFAULT '',
    answered_by  TEXT    NOT NULL DEFAULT '',
    answerer     TEXT    NOT NULL DEFAULT '',
    answered_at  TEXT,
    moderated_by TEXT    NOT NULL DEFAULT '',
    moderated_at TEXT,
    mirrored_at  TEXT,
    asked_at     TEXT    NOT NULL
);
CREATE INDEX qa_questions_session ON qa_questions (session_id, state);
CREATE INDEX qa_questions_client ON qa_questions (client_key, asked_at);

CREATE TABLE qa_votes (
    question_id INTEGER NOT NULL REFERENCES qa_questions (id),
    client_key  TEXT    NOT NULL,
    voted_at    TEXT    NOT NULL,
    PRIMARY KEY (question_id, client_key)
);
CREATE INDEX qa_votes_client ON qa_votes (client_key, voted_at);

CREATE TABLE qa_faq_drafts (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    question_id INTEGER NOT NULL REFERENCES qa_questions (id),
    lang        TEXT    NOT NULL,
    question    TEXT    NOT NULL,
    answer      TEXT    NOT NULL,
    state       TEXT    NOT NULL DEFAULT 'proposed' CHECK (state IN ('proposed', 'approved', 'rejected')),
    proposed_by TEXT    NOT NULL,
    proposed_at TEXT    NOT NULL,
    decided_by  TEXT    NOT NULL DEFAULT '',
    decided_at  TEXT
);
CREATE UNIQUE INDEX qa_faq_drafts_question ON qa_faq_drafts (question_id, lang);

-- +goose Down
DROP TABLE qa_faq_drafts;
DROP TABLE qa_votes;
DROP TABLE qa_questions;
DROP TABLE qa_sessions;
