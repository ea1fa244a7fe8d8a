-- pmo: foreign-keys-off
-- Ids that are never reused. Without AUTOINCREMENT, SQLite gives a new row the largest freed rowid, so after
-- /privacy delete a new proposal, mentorship, post or job could take the id of a deleted one, and an old DM's
-- buttons (custom_id), a job key or a nonce built from that id would act on the new row.
-- Each table with an integer id is rebuilt with AUTOINCREMENT by SQLite's documented procedure (foreign keys off
-- for this migration only, a foreign_key_check before COMMIT; see bot/db.py), rows copied with their ids, and
-- each table's sequence seeded above every id the jobs still remember, so ids freed before this migration are not
-- handed out either.

-- audit_log
CREATE TABLE audit_log__new (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    guild_id    INTEGER NOT NULL,
    actor_id    INTEGER NOT NULL,
    action      TEXT    NOT NULL,
    target      TEXT,
    before_json TEXT,
    after_json  TEXT,
    created_at  TEXT    NOT NULL
);
INSERT INTO audit_log__new (id, guild_id, actor_id, action, target, before_json, after_json, created_at)
SELECT id, guild_id, actor_id, action, target, before_json, after_json, created_at FROM audit_log;
DROP TABLE audit_log;
ALTER TABLE audit_log__new RENAME TO audit_log;
CREATE INDEX audit_log_guild_created ON audit_log (guild_id, created_at DESC, id DESC);
INSERT INTO sqlite_sequence (name, seq)
SELECT 'audit_log', 0 WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'audit_log');

-- moderator_notices
CREATE TABLE moderator_notices__new (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    guild_id     INTEGER NOT NULL,
    text         TEXT    NOT NULL,
    created_at   TEXT    NOT NULL,
    delivered_at TEXT
);
INSERT INTO moderator_notices__new (id, guild_id, text, created_at, delivered_at)
SELECT id, guild_id, text, created_at, delivered_at FROM moderator_notices;
DROP TABLE moderator_notices;
ALTER TABLE moderator_notices__new RENAME TO moderator_notices;
CREATE INDEX moderator_notices_pending ON moderator_notices (guild_id) WHERE delivered_at IS NULL;
INSERT INTO sqlite_sequence (name, seq)
SELECT 'moderator_notices', 0 WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'moderator_notices');

-- schedules
CREATE TABLE schedules__new (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    guild_id      INTEGER NOT NULL,
    kind          TEXT    NOT NULL,            -- 'prompt', 'checkin-reminder', ...
    owner_id      INTEGER NOT NULL DEFAULT 0,  -- the member a personal schedule belongs to; 0 for server schedules
    channel_id    INTEGER,
    local_time    TEXT    NOT NULL CHECK (local_time GLOB '[0-2][0-9]:[0-5][0-9]'),
    days          INTEGER NOT NULL CHECK (days BETWEEN 1 AND 127),  -- bit 0 = Monday … bit 6 = Sunday
    timezone      TEXT    NOT NULL,
    paused        INTEGER NOT NULL DEFAULT 0,
    paused_reason TEXT,
    payload       TEXT    NOT NULL DEFAULT '{}',
    anchor_at     INTEGER NOT NULL,            -- occurrences strictly after this instant count (set on create/resume)
    created_at    TEXT    NOT NULL,
    updated_at    TEXT    NOT NULL,
    UNIQUE (guild_id, kind, owner_id)
);
INSERT INTO schedules__new (id, guild_id, kind, owner_id, channel_id, local_time, days, timezone, paused, paused_reason, payload, anchor_at, created_at, updated_at)
SELECT id, guild_id, kind, owner_id, channel_id, local_time, days, timezone, paused, paused_reason, payload, anchor_at, created_at, updated_at FROM schedules;
DROP TABLE schedules;
ALTER TABLE schedules__new RENAME TO schedules;
INSERT INTO sqlite_sequence (name, seq)
SELECT 'schedules', 0 WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'schedules');

-- jobs
CREATE TABLE jobs__new (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    guild_id     INTEGER NOT NULL,
    schedule_id  INTEGER REFERENCES schedules (id) ON DELETE SET NULL,
    kind         TEXT    NOT NULL,
    key          TEXT    NOT NULL UNIQUE,      -- identity of the occurrence; the nonce is derived from it
    due_at       INTEGER NOT NULL,
    run_at       INTEGER NOT NULL,
    status       TEXT    NOT NULL DEFAULT 'pending'
                 CHECK (status IN ('pending', 'claimed', 'sent', 'skipped', 'failed', 'cancelled')),
    attempts     INTEGER NOT NULL DEFAULT 0,
    late         INTEGER NOT NULL DEFAULT 0,
    last_error   TEXT,
    message_id   INTEGER,
    payload      TEXT    NOT NULL DEFAULT '{}',
    claimed_at   INTEGER,
    finished_at  INTEGER,
    created_at   TEXT    NOT NULL,
    UNIQUE (schedule_id, due_at)
);
INSERT INTO jobs__new (id, guild_id, schedule_id, kind, key, due_at, run_at, status, attempts, late, last_error, message_id, payload, claimed_at, finished_at, created_at)
SELECT id, guild_id, schedule_id, kind, key, due_at, run_at, status, attempts, late, last_error, message_id, payload, claimed_at, finished_at, created_at FROM jobs;
DROP TABLE jobs;
ALTER TABLE jobs__new RENAME TO jobs;
CREATE INDEX jobs_runnable ON jobs (run_at) WHERE status IN ('pending', 'claimed');
CREATE INDEX jobs_guild_kind ON jobs (guild_id, kind, due_at);
INSERT INTO sqlite_sequence (name, seq)
SELECT 'jobs', 0 WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'jobs');

-- progress_entries
CREATE TABLE progress_entries__new (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    guild_id    INTEGER NOT NULL,
    user_id     INTEGER NOT NULL,
    kind        TEXT    NOT NULL CHECK (kind IN ('experience', 'exposure', 'education')),
    minutes     INTEGER NOT NULL CHECK (minutes BETWEEN 1 AND 1440),
    activity    TEXT    NOT NULL CHECK (length(activity) BETWEEN 1 AND 200),
    local_date  TEXT    NOT NULL,              -- YYYY-MM-DD in the member's timezone
    logged_at   TEXT    NOT NULL,              -- UTC instant of logging
    source      TEXT    NOT NULL DEFAULT 'command',  -- 'command', 'prompt', 'reminder'
    source_ref  TEXT,                          -- e.g. the prompt id for "Log this"
    created_at  TEXT    NOT NULL
, edited_at TEXT);
INSERT INTO progress_entries__new (id, guild_id, user_id, kind, minutes, activity, local_date, logged_at, source, source_ref, created_at, edited_at)
SELECT id, guild_id, user_id, kind, minutes, activity, local_date, logged_at, source, source_ref, created_at, edited_at FROM progress_entries;
DROP TABLE progress_entries;
ALTER TABLE progress_entries__new RENAME TO progress_entries;
CREATE INDEX progress_entries_member_mix ON progress_entries (guild_id, user_id, local_date, kind, minutes);
CREATE INDEX progress_entries_guild_logged ON progress_entries (guild_id, logged_at);
INSERT INTO sqlite_sequence (name, seq)
SELECT 'progress_entries', 0 WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'progress_entries');

-- faq_entries
CREATE TABLE faq_entries__new (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    guild_id    INTEGER NOT NULL,
    topic       TEXT    NOT NULL CHECK (length(topic) BETWEEN 1 AND 60),
    question    TEXT    NOT NULL CHECK (length(question) BETWEEN 1 AND 100),
    answer      TEXT    NOT NULL CHECK (length(answer) BETWEEN 1 AND 4000),
    aliases     TEXT    NOT NULL DEFAULT '[]',   -- JSON list of alternative phrasings
    tags        TEXT    NOT NULL DEFAULT '[]',   -- JSON list of ids from data/vocabulary.yaml
    terms       TEXT    NOT NULL DEFAULT '',     -- analysed words (bot/search.py), for typo correction
    created_at  TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL,
    UNIQUE (guild_id, topic)
);
INSERT INTO faq_entries__new (id, guild_id, topic, question, answer, aliases, tags, terms, created_at, updated_at)
SELECT id, guild_id, topic, question, answer, aliases, tags, terms, created_at, updated_at FROM faq_entries;
DROP TABLE faq_entries;
ALTER TABLE faq_entries__new RENAME TO faq_entries;
INSERT INTO sqlite_sequence (name, seq)
SELECT 'faq_entries', 0 WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'faq_entries');

-- faq_gaps
CREATE TABLE faq_gaps__new (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    guild_id        INTEGER NOT NULL,
    normalised      TEXT    NOT NULL,
    example         TEXT    NOT NULL,
    ask_count       INTEGER NOT NULL DEFAULT 1,
    first_asked_at  TEXT    NOT NULL,
    last_asked_at   TEXT    NOT NULL,
    status          TEXT    NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'answered', 'dismissed')),
    answered_topic  TEXT,
    resolved_at     TEXT,
    created_at      TEXT    NOT NULL,
    UNIQUE (guild_id, normalised)
);
INSERT INTO faq_gaps__new (id, guild_id, normalised, example, ask_count, first_asked_at, last_asked_at, status, answered_topic, resolved_at, created_at)
SELECT id, guild_id, normalised, example, ask_count, first_asked_at, last_asked_at, status, answered_topic, resolved_at, created_at FROM faq_gaps;
DROP TABLE faq_gaps;
ALTER TABLE faq_gaps__new RENAME TO faq_gaps;
CREATE INDEX faq_gaps_open ON faq_gaps (guild_id, status, ask_count DESC, last_asked_at DESC);
INSERT INTO sqlite_sequence (name, seq)
SELECT 'faq_gaps', 0 WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'faq_gaps');

-- faq_usage
CREATE TABLE faq_usage__new (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    guild_id    INTEGER NOT NULL,
    topic       TEXT,
    via         TEXT    NOT NULL CHECK (via IN ('ask', 'show', 'button', 'miss')),
    created_at  TEXT    NOT NULL,
    CHECK ((via = 'miss') = (topic IS NULL))
);
INSERT INTO faq_usage__new (id, guild_id, topic, via, created_at)
SELECT id, guild_id, topic, via, created_at FROM faq_usage;
DROP TABLE faq_usage;
ALTER TABLE faq_usage__new RENAME TO faq_usage;
CREATE INDEX faq_usage_guild_created ON faq_usage (guild_id, created_at);
INSERT INTO sqlite_sequence (name, seq)
SELECT 'faq_usage', 0 WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'faq_usage');

-- prompts
CREATE TABLE prompts__new (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    guild_id      INTEGER NOT NULL,
    text          TEXT    NOT NULL CHECK (length(text) BETWEEN 1 AND 300),
    kind          TEXT    NOT NULL CHECK (kind IN ('experience', 'exposure', 'education')),
    hint          TEXT    NOT NULL DEFAULT '' CHECK (length(hint) <= 200),
    tags          TEXT    NOT NULL DEFAULT '[]',     -- JSON list of vocabulary ids
    source        TEXT    NOT NULL CHECK (source IN ('moderator', 'import', 'suggestion')),
    suggested_by  INTEGER,                           -- the member whose suggestion it was
    removed_at    TEXT,                              -- kept for post history; no longer in the active bank
    created_at    TEXT    NOT NULL
);
INSERT INTO prompts__new (id, guild_id, text, kind, hint, tags, source, suggested_by, removed_at, created_at)
SELECT id, guild_id, text, kind, hint, tags, source, suggested_by, removed_at, created_at FROM prompts;
DROP TABLE prompts;
ALTER TABLE prompts__new RENAME TO prompts;
CREATE INDEX prompts_guild_active ON prompts (guild_id) WHERE removed_at IS NULL;
INSERT INTO sqlite_sequence (name, seq)
SELECT 'prompts', 0 WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'prompts');

-- prompt_suggestions
CREATE TABLE prompt_suggestions__new (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    guild_id     INTEGER NOT NULL,
    user_id      INTEGER NOT NULL,
    text         TEXT    NOT NULL CHECK (length(text) BETWEEN 1 AND 300),
    kind         TEXT    NOT NULL CHECK (kind IN ('experience', 'exposure', 'education')),
    status       TEXT    NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
    prompt_id    INTEGER REFERENCES prompts (id) ON DELETE SET NULL,
    reviewed_at  TEXT,
    created_at   TEXT    NOT NULL
);
INSERT INTO prompt_suggestions__new (id, guild_id, user_id, text, kind, status, prompt_id, reviewed_at, created_at)
SELECT id, guild_id, user_id, text, kind, status, prompt_id, reviewed_at, created_at FROM prompt_suggestions;
DROP TABLE prompt_suggestions;
ALTER TABLE prompt_suggestions__new RENAME TO prompt_suggestions;
CREATE INDEX prompt_suggestions_pending ON prompt_suggestions (guild_id, id) WHERE status = 'pending';
INSERT INTO sqlite_sequence (name, seq)
SELECT 'prompt_suggestions', 0 WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'prompt_suggestions');
UPDATE sqlite_sequence
SET seq = MAX(seq, COALESCE((SELECT MAX(CAST(json_extract(payload, '$.suggestion_id') AS INTEGER)) FROM jobs), 0))
WHERE name = 'prompt_suggestions';

-- prompt_posts
CREATE TABLE prompt_posts__new (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    guild_id    INTEGER NOT NULL,
    job_key     TEXT    NOT NULL UNIQUE,            -- the scheduler occurrence (jobs.key)
    prompt_ref  TEXT    NOT NULL,                   -- 'builtin:<id>' or 'server:<id>'
    kind        TEXT    NOT NULL CHECK (kind IN ('experience', 'exposure', 'education')),
    text        TEXT    NOT NULL,
    hint        TEXT    NOT NULL DEFAULT '',
    cycle       INTEGER NOT NULL,                   -- rotation cycle: no repeat within one
    status      TEXT    NOT NULL DEFAULT 'reserved' CHECK (status IN ('reserved', 'posted', 'abandoned')),
    channel_id  INTEGER,
    message_id  INTEGER,
    thread_id   INTEGER,
    posted_at   TEXT,
    created_at  TEXT    NOT NULL
);
INSERT INTO prompt_posts__new (id, guild_id, job_key, prompt_ref, kind, text, hint, cycle, status, channel_id, message_id, thread_id, posted_at, created_at)
SELECT id, guild_id, job_key, prompt_ref, kind, text, hint, cycle, status, channel_id, message_id, thread_id, posted_at, created_at FROM prompt_posts;
DROP TABLE prompt_posts;
ALTER TABLE prompt_posts__new RENAME TO prompt_posts;
CREATE INDEX prompt_posts_guild ON prompt_posts (guild_id, status, id);
INSERT INTO sqlite_sequence (name, seq)
SELECT 'prompt_posts', 0 WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'prompt_posts');
UPDATE sqlite_sequence
SET seq = MAX(seq, COALESCE((SELECT MAX(CAST(json_extract(payload, '$.post_id') AS INTEGER)) FROM jobs), 0))
WHERE name = 'prompt_posts';

-- mentee_requests
CREATE TABLE mentee_requests__new (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    guild_id   INTEGER NOT NULL,
    user_id    INTEGER NOT NULL,
    areas      TEXT    NOT NULL,
    goal       TEXT    NOT NULL CHECK (length(goal) BETWEEN 1 AND 300),
    timezone   TEXT    NOT NULL,
    status     TEXT    NOT NULL DEFAULT 'waiting' CHECK (status IN ('waiting', 'proposed', 'matched')),
    matched_at TEXT,
    created_at TEXT    NOT NULL,
    updated_at TEXT    NOT NULL
);
INSERT INTO mentee_requests__new (id, guild_id, user_id, areas, goal, timezone, status, matched_at, created_at, updated_at)
SELECT id, guild_id, user_id, areas, goal, timezone, status, matched_at, created_at, updated_at FROM mentee_requests;
DROP TABLE mentee_requests;
ALTER TABLE mentee_requests__new RENAME TO mentee_requests;
CREATE UNIQUE INDEX mentee_requests_one_open ON mentee_requests (guild_id, user_id)
    WHERE status IN ('waiting', 'proposed');
CREATE INDEX mentee_requests_status ON mentee_requests (guild_id, status, created_at);
INSERT INTO sqlite_sequence (name, seq)
SELECT 'mentee_requests', 0 WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'mentee_requests');
UPDATE sqlite_sequence
SET seq = MAX(seq, COALESCE((SELECT MAX(CAST(json_extract(payload, '$.request_id') AS INTEGER)) FROM jobs), 0))
WHERE name = 'mentee_requests';

-- mentoring_proposals
CREATE TABLE mentoring_proposals__new (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    guild_id      INTEGER NOT NULL,
    request_id    INTEGER NOT NULL REFERENCES mentee_requests (id) ON DELETE CASCADE,
    mentee_id     INTEGER NOT NULL,
    mentor_id     INTEGER NOT NULL,
    score         REAL    NOT NULL,
    source        TEXT    NOT NULL CHECK (source IN ('request', 'round', 'manual', 'next')),
    status        TEXT    NOT NULL DEFAULT 'pending'
                  CHECK (status IN ('pending', 'accepted', 'declined', 'expired', 'cancelled')),
    expires_at    TEXT    NOT NULL,
    delivered_via TEXT    CHECK (delivered_via IN ('dm', 'channel', 'none')),
    channel_id    INTEGER,
    message_id    INTEGER,
    decided_at    TEXT,
    created_at    TEXT    NOT NULL
);
INSERT INTO mentoring_proposals__new (id, guild_id, request_id, mentee_id, mentor_id, score, source, status, expires_at, delivered_via, channel_id, message_id, decided_at, created_at)
SELECT id, guild_id, request_id, mentee_id, mentor_id, score, source, status, expires_at, delivered_via, channel_id, message_id, decided_at, created_at FROM mentoring_proposals;
DROP TABLE mentoring_proposals;
ALTER TABLE mentoring_proposals__new RENAME TO mentoring_proposals;
CREATE UNIQUE INDEX mentoring_proposals_one_pending ON mentoring_proposals (request_id) WHERE status = 'pending';
CREATE INDEX mentoring_proposals_mentor ON mentoring_proposals (guild_id, mentor_id, status);
INSERT INTO sqlite_sequence (name, seq)
SELECT 'mentoring_proposals', 0 WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'mentoring_proposals');
UPDATE sqlite_sequence
SET seq = MAX(seq, COALESCE((SELECT MAX(CAST(json_extract(payload, '$.proposal_id') AS INTEGER)) FROM jobs), 0))
WHERE name = 'mentoring_proposals';

-- mentorships
CREATE TABLE mentorships__new (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    guild_id    INTEGER NOT NULL,
    mentor_id   INTEGER NOT NULL,
    mentee_id   INTEGER NOT NULL,
    request_id  INTEGER REFERENCES mentee_requests (id) ON DELETE SET NULL,
    proposal_id INTEGER REFERENCES mentoring_proposals (id) ON DELETE SET NULL,
    status      TEXT    NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'ended')),
    thread_id   INTEGER,
    started_at  TEXT    NOT NULL,
    ended_at    TEXT,
    ended_by    INTEGER,
    end_reason  TEXT    CHECK (end_reason IN ('mentor', 'mentee', 'moderator', 'deleted')),
    feedback    TEXT    CHECK (feedback IS NULL OR length(feedback) BETWEEN 1 AND 1000),
    rating      INTEGER CHECK (rating IS NULL OR rating BETWEEN 1 AND 5),
    created_at  TEXT    NOT NULL
);
INSERT INTO mentorships__new (id, guild_id, mentor_id, mentee_id, request_id, proposal_id, status, thread_id, started_at, ended_at, ended_by, end_reason, feedback, rating, created_at)
SELECT id, guild_id, mentor_id, mentee_id, request_id, proposal_id, status, thread_id, started_at, ended_at, ended_by, end_reason, feedback, rating, created_at FROM mentorships;
DROP TABLE mentorships;
ALTER TABLE mentorships__new RENAME TO mentorships;
CREATE INDEX mentorships_guild_status ON mentorships (guild_id, status);
CREATE INDEX mentorships_mentor ON mentorships (guild_id, mentor_id, status);
CREATE INDEX mentorships_mentee ON mentorships (guild_id, mentee_id, status);
INSERT INTO sqlite_sequence (name, seq)
SELECT 'mentorships', 0 WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'mentorships');
UPDATE sqlite_sequence
SET seq = MAX(seq, COALESCE((SELECT MAX(CAST(json_extract(payload, '$.mentorship_id') AS INTEGER)) FROM jobs), 0))
WHERE name = 'mentorships';

-- mentorship_checkins
CREATE TABLE mentorship_checkins__new (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    guild_id      INTEGER NOT NULL,
    mentorship_id INTEGER NOT NULL REFERENCES mentorships (id) ON DELETE CASCADE,
    user_id       INTEGER NOT NULL,
    answer        TEXT    NOT NULL CHECK (answer IN ('well', 'help', 'end')),
    created_at    TEXT    NOT NULL
);
INSERT INTO mentorship_checkins__new (id, guild_id, mentorship_id, user_id, answer, created_at)
SELECT id, guild_id, mentorship_id, user_id, answer, created_at FROM mentorship_checkins;
DROP TABLE mentorship_checkins;
ALTER TABLE mentorship_checkins__new RENAME TO mentorship_checkins;
CREATE INDEX mentorship_checkins_mentorship ON mentorship_checkins (mentorship_id);
INSERT INTO sqlite_sequence (name, seq)
SELECT 'mentorship_checkins', 0 WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'mentorship_checkins');

-- mentoring_pair_history
CREATE TABLE mentoring_pair_history__new (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    guild_id   INTEGER NOT NULL,
    mentee_id  INTEGER NOT NULL,
    mentor_id  INTEGER NOT NULL,
    outcome    TEXT    NOT NULL CHECK (outcome IN ('declined', 'expired', 'ended')),
    created_at TEXT    NOT NULL
);
INSERT INTO mentoring_pair_history__new (id, guild_id, mentee_id, mentor_id, outcome, created_at)
SELECT id, guild_id, mentee_id, mentor_id, outcome, created_at FROM mentoring_pair_history;
DROP TABLE mentoring_pair_history;
ALTER TABLE mentoring_pair_history__new RENAME TO mentoring_pair_history;
CREATE INDEX mentoring_pair_history_pair ON mentoring_pair_history (guild_id, mentee_id, mentor_id);
INSERT INTO sqlite_sequence (name, seq)
SELECT 'mentoring_pair_history', 0 WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'mentoring_pair_history');

-- A mentor has at most one open proposal about each mentee (older duplicates, if any, are withdrawn first).
UPDATE mentoring_proposals SET status = 'cancelled'
WHERE status = 'pending'
  AND id NOT IN (SELECT MAX(id) FROM mentoring_proposals WHERE status = 'pending'
                 GROUP BY guild_id, mentor_id, mentee_id);
CREATE UNIQUE INDEX mentoring_proposals_one_pending_pair ON mentoring_proposals (guild_id, mentor_id, mentee_id)
    WHERE status = 'pending';
