-- Live question-and-answer sessions on the public /qa page: visitors'
-- questions (moderated before anyone sees them), one vote per client and
-- question, answers by a named member of the technical team, and FAQ
-- entries proposed from answered questions, waiting for approval.
-- client_key is an HMAC of address and user agent, never the address; it
-- is cleared when the session closes.

-- +goose Up
CREATE TABLE qa_sessions (
    id          bigserial PRIMARY KEY,
    incident_id bigint,
    title       text    NOT NULL,
    answerer    text    NOT NULL,
    state       text    NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'closed')),
    opened_by   text    NOT NULL,
    opened_at   timestamptz NOT NULL,
    closed_at   timestamptz
);
-- At most one session is open at a time: it is the one /qa shows.
CREATE UNIQUE INDEX qa_sessions_one_open ON qa_sessions (state) WHERE state = 'open';

CREATE TABLE qa_questions (
    id           bigserial PRIMARY KEY,
    session_id   bigint  NOT NULL REFERENCES qa_sessions (id),
    text         text    NOT NULL,
    first_name   text    NOT NULL DEFAULT '',
    lang         text    NOT NULL,
    client_key   text    NOT NULL DEFAULT '',
    state        text    NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'published', 'hidden')),
    flag         text    NOT NULL DEFAULT '',
    votes        integer NOT NULL DEFAULT 0,
    answer       text    NOT NULL DEFAULT '',
    answered_by  text    NOT NULL DEFAULT '',
    answerer     text    NOT NULL DEFAULT '',
    answered_at  timestamptz,
    moderated_by text    NOT NULL DEFAULT '',
    moderated_at timestamptz,
    mirrored_at  timestamptz,
    asked_at     timestamptz NOT NULL
);
CREATE INDEX qa_questions_session ON qa_questions (session_id, state);
CREATE INDEX qa_questions_client ON qa_questions (client_key, asked_at);

CREATE TABLE qa_votes (
    question_id bigint  NOT NULL REFERENCES qa_questions (id),
    client_key  text    NOT NULL,
    voted_at    timestamptz NOT NULL,
    PRIMARY KEY (question_id, client_key)
);
CREATE INDEX qa_votes_client ON qa_votes (client_key, voted_at);

CREATE TABLE qa_faq_drafts (
    id          bigserial PRIMARY KEY,
    question_id bigint  NOT NULL REFERENCES qa_questions (id),
    lang        text    NOT NULL,
    question    text    NOT NULL,
    answer      text    NOT NULL,
    state       text    NOT NULL DEFAULT 'proposed' CHECK (state IN ('proposed', 'approved', 'rejected')),
    proposed_by text    NOT NULL,
    proposed_at timestamptz NOT NULL,
    decided_by  text    NOT NULL DEFAULT '',
    decided_at  timestamptz
);
CREATE UNIQUE INDEX qa_faq_drafts_question ON qa_faq_drafts (question_id, lang);

-- +goose Down
DROP TABLE qa_faq_drafts;
DROP TABLE qa_votes;
DROP TABLE qa_questions;
DROP TABLE qa_sessions;
