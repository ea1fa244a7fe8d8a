-- PostgreSQL's history starts here: the schema SQLite reached at migration 0007, in one file.
-- Types: ids, snowflakes and epoch instants are BIGINT; other integers INTEGER (so SUM gives an integer);
-- instants the services compare as text stay ISO-8601 TEXT, as on SQLite, so one SQL text serves both.
-- Later migrations come in pairs: bot/migrations/NNNN_x.sql and bot/migrations/postgres/NNNN_x.sql.

CREATE TABLE guild_settings (
    guild_id              BIGINT  PRIMARY KEY,
    timezone              TEXT    NOT NULL DEFAULT 'UTC',
    prompts_channel_id    BIGINT,
    mentoring_channel_id  BIGINT,
    checkins_channel_id   BIGINT,
    modlog_channel_id     BIGINT,
    mod_role_id           BIGINT,
    grace_minutes         INTEGER NOT NULL DEFAULT 360 CHECK (grace_minutes BETWEEN 0 AND 10080),
    proposal_expiry_days  INTEGER NOT NULL DEFAULT 3 CHECK (proposal_expiry_days BETWEEN 1 AND 30),
    removed_at            TEXT,
    created_at            TEXT    NOT NULL DEFAULT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
    updated_at            TEXT    NOT NULL DEFAULT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
);

CREATE TABLE member_settings (
    guild_id    BIGINT NOT NULL,
    user_id     BIGINT NOT NULL,
    timezone    TEXT,
    created_at  TEXT   NOT NULL DEFAULT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
    updated_at  TEXT   NOT NULL DEFAULT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
    PRIMARY KEY (guild_id, user_id)
);

CREATE TABLE command_sync (
    scope        TEXT PRIMARY KEY,
    payload_hash TEXT NOT NULL,
    synced_at    TEXT NOT NULL
);

-- SQLite keeps this in an FTS5 table; here a plain table with a weighted tsvector and a GIN index. The text is
-- pre-analysed words (bot/search.py), so the 'simple' configuration (no stemming, no stop words) is right.
CREATE TABLE faq_search (
    rowid     BIGINT PRIMARY KEY,
    guild_id  BIGINT NOT NULL,
    topic     TEXT   NOT NULL,
    scope     TEXT   NOT NULL,
    question  TEXT   NOT NULL DEFAULT '',
    aliases   TEXT   NOT NULL DEFAULT '',
    tags      TEXT   NOT NULL DEFAULT '',
    answer    TEXT   NOT NULL DEFAULT '',
    document  tsvector GENERATED ALWAYS AS (
        to_tsvector('simple', question || ' ' || aliases || ' ' || tags || ' ' || answer)
    ) STORED,
    -- words in the row, as FTS5 counts them for bm25's length normalisation (the scope word included)
    tokens    INTEGER GENERATED ALWAYS AS (
        1 + regexp_count(question || ' ' || aliases || ' ' || tags || ' ' || answer, '[a-z0-9]+')
    ) STORED
);

CREATE INDEX faq_search_document ON faq_search USING GIN (document);

CREATE INDEX faq_search_scope ON faq_search (scope);

CREATE TABLE faq_index_state (
    name        TEXT PRIMARY KEY,
    digest      TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);

CREATE TABLE faq_feedback (
    guild_id    BIGINT  NOT NULL,
    topic       TEXT    NOT NULL,
    user_id     BIGINT  NOT NULL,
    vote        INTEGER NOT NULL CHECK (vote IN (-1, 1)),
    created_at  TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL,
    PRIMARY KEY (guild_id, topic, user_id)
);

CREATE TABLE prompt_exclusions (
    guild_id    BIGINT NOT NULL,
    builtin_id  TEXT   NOT NULL,
    created_at  TEXT   NOT NULL,
    PRIMARY KEY (guild_id, builtin_id)
);

CREATE TABLE prompt_rotations (
    guild_id      BIGINT  PRIMARY KEY,
    warned_cycle  INTEGER NOT NULL DEFAULT -1,
    created_at    TEXT    NOT NULL,
    updated_at    TEXT    NOT NULL
);

CREATE TABLE mentoring_members (
    guild_id      BIGINT  NOT NULL,
    user_id       BIGINT  NOT NULL,
    paused        INTEGER NOT NULL DEFAULT 0 CHECK (paused IN (0, 1)),
    paused_reason TEXT    CHECK (paused_reason IN ('member', 'left')),
    paused_at     TEXT,
    created_at    TEXT    NOT NULL,
    updated_at    TEXT    NOT NULL,
    PRIMARY KEY (guild_id, user_id)
);

CREATE TABLE mentor_profiles (
    guild_id   BIGINT  NOT NULL,
    user_id    BIGINT  NOT NULL,
    areas      TEXT    NOT NULL,
    capacity   INTEGER NOT NULL CHECK (capacity BETWEEN 1 AND 10),
    timezone   TEXT    NOT NULL,
    bio        TEXT    CHECK (bio IS NULL OR length(bio) BETWEEN 1 AND 1000),
    created_at TEXT    NOT NULL,
    updated_at TEXT    NOT NULL,
    PRIMARY KEY (guild_id, user_id)
);

CREATE TABLE progress_reminders (
    guild_id       BIGINT NOT NULL,
    user_id        BIGINT NOT NULL,
    dms_closed_at  TEXT,
    told_at        TEXT,
    created_at     TEXT   NOT NULL,
    updated_at     TEXT   NOT NULL,
    PRIMARY KEY (guild_id, user_id)
);

CREATE TABLE progress_skipped_weeks (
    guild_id    BIGINT NOT NULL,
    user_id     BIGINT NOT NULL,
    week_start  TEXT   NOT NULL,
    created_at  TEXT   NOT NULL,
    PRIMARY KEY (guild_id, user_id, week_start)
);

CREATE TABLE job_uses (
    guild_id    BIGINT NOT NULL,
    job         TEXT   NOT NULL CHECK (job IN ('faq', 'prompts', 'mentoring', 'progress', 'admin')),
    used_on     TEXT   NOT NULL,
    user_id     BIGINT NOT NULL,
    created_at  TEXT   NOT NULL,
    PRIMARY KEY (guild_id, job, used_on, user_id)
);

CREATE INDEX job_uses_member ON job_uses (guild_id, user_id);

CREATE INDEX job_uses_day ON job_uses (used_on);

CREATE TABLE audit_log (
    id          BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    guild_id    BIGINT NOT NULL,
    actor_id    BIGINT NOT NULL,
    action      TEXT   NOT NULL,
    target      TEXT,
    before_json TEXT,
    after_json  TEXT,
    created_at  TEXT   NOT NULL
);

CREATE INDEX audit_log_guild_created ON audit_log (guild_id, created_at DESC, id DESC);

CREATE TABLE moderator_notices (
    id           BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    guild_id     BIGINT NOT NULL,
    text         TEXT   NOT NULL,
    created_at   TEXT   NOT NULL,
    delivered_at TEXT
);

CREATE INDEX moderator_notices_pending ON moderator_notices (guild_id) WHERE delivered_at IS NULL;

CREATE TABLE schedules (
    id            BIGINT  GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    guild_id      BIGINT  NOT NULL,
    kind          TEXT    NOT NULL,
    owner_id      BIGINT  NOT NULL DEFAULT 0,
    channel_id    BIGINT,
    local_time    TEXT    NOT NULL CHECK (local_time ~ '^[0-2][0-9]:[0-5][0-9]$'),
    days          INTEGER NOT NULL CHECK (days BETWEEN 1 AND 127),
    timezone      TEXT    NOT NULL,
    paused        INTEGER NOT NULL DEFAULT 0,
    paused_reason TEXT,
    payload       TEXT    NOT NULL DEFAULT '{}',
    anchor_at     BIGINT  NOT NULL,
    created_at    TEXT    NOT NULL,
    updated_at    TEXT    NOT NULL,
    UNIQUE (guild_id, kind, owner_id)
);

CREATE TABLE jobs (
    id           BIGINT  GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    guild_id     BIGINT  NOT NULL,
    schedule_id  BIGINT  REFERENCES schedules (id) ON DELETE SET NULL,
    kind         TEXT    NOT NULL,
    key          TEXT    NOT NULL UNIQUE,
    due_at       BIGINT  NOT NULL,
    run_at       BIGINT  NOT NULL,
    status       TEXT    NOT NULL DEFAULT 'pending'
                 CHECK (status IN ('pending', 'claimed', 'sent', 'skipped', 'failed', 'cancelled')),
    attempts     INTEGER NOT NULL DEFAULT 0,
    late         INTEGER NOT NULL DEFAULT 0,
    last_error   TEXT,
    message_id   BIGINT,
    payload      TEXT    NOT NULL DEFAULT '{}',
    claimed_at   BIGINT,
    finished_at  BIGINT,
    created_at   TEXT    NOT NULL,
    UNIQUE (schedule_id, due_at)
);

CREATE INDEX jobs_runnable ON jobs (run_at) WHERE status IN ('pending', 'claimed');

CREATE INDEX jobs_guild_kind ON jobs (guild_id, kind, due_at);

CREATE TABLE progress_entries (
    id          BIGINT  GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    guild_id    BIGINT  NOT NULL,
    user_id     BIGINT  NOT NULL,
    kind        TEXT    NOT NULL CHECK (kind IN ('experience', 'exposure', 'education')),
    minutes     INTEGER NOT NULL CHECK (minutes BETWEEN 1 AND 1440),
    activity    TEXT    NOT NULL CHECK (length(activity) BETWEEN 1 AND 200),
    local_date  TEXT    NOT NULL,
    logged_at   TEXT    NOT NULL,
    source      TEXT    NOT NULL DEFAULT 'command',
    source_ref  TEXT,
    created_at  TEXT    NOT NULL,
    edited_at   TEXT
);

CREATE INDEX progress_entries_member_mix ON progress_entries (guild_id, user_id, local_date, kind, minutes);

CREATE INDEX progress_entries_guild_logged ON progress_entries (guild_id, logged_at);

CREATE TABLE faq_entries (
    id          BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    guild_id    BIGINT NOT NULL,
    topic       TEXT   NOT NULL CHECK (length(topic) BETWEEN 1 AND 60),
    question    TEXT   NOT NULL CHECK (length(question) BETWEEN 1 AND 100),
    answer      TEXT   NOT NULL CHECK (length(answer) BETWEEN 1 AND 4000),
    aliases     TEXT   NOT NULL DEFAULT '[]',
    tags        TEXT   NOT NULL DEFAULT '[]',
    terms       TEXT   NOT NULL DEFAULT '',
    created_at  TEXT   NOT NULL,
    updated_at  TEXT   NOT NULL,
    UNIQUE (guild_id, topic)
);

CREATE TABLE faq_gaps (
    id              BIGINT  GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    guild_id        BIGINT  NOT NULL,
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

CREATE INDEX faq_gaps_open ON faq_gaps (guild_id, status, ask_count DESC, last_asked_at DESC);

CREATE TABLE faq_usage (
    id          BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    guild_id    BIGINT NOT NULL,
    topic       TEXT,
    via         TEXT   NOT NULL CHECK (via IN ('ask', 'show', 'button', 'miss')),
    created_at  TEXT   NOT NULL,
    CHECK ((via = 'miss') = (topic IS NULL))
);

CREATE INDEX faq_usage_guild_created ON faq_usage (guild_id, created_at);

CREATE TABLE prompts (
    id            BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    guild_id      BIGINT NOT NULL,
    text          TEXT   NOT NULL CHECK (length(text) BETWEEN 1 AND 300),
    kind          TEXT   NOT NULL CHECK (kind IN ('experience', 'exposure', 'education')),
    hint          TEXT   NOT NULL DEFAULT '' CHECK (length(hint) <= 200),
    tags          TEXT   NOT NULL DEFAULT '[]',
    source        TEXT   NOT NULL CHECK (source IN ('moderator', 'import', 'suggestion')),
    suggested_by  BIGINT,
    removed_at    TEXT,
    created_at    TEXT   NOT NULL
);

CREATE INDEX prompts_guild_active ON prompts (guild_id) WHERE removed_at IS NULL;

CREATE TABLE prompt_suggestions (
    id           BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    guild_id     BIGINT NOT NULL,
    user_id      BIGINT NOT NULL,
    text         TEXT   NOT NULL CHECK (length(text) BETWEEN 1 AND 300),
    kind         TEXT   NOT NULL CHECK (kind IN ('experience', 'exposure', 'education')),
    status       TEXT   NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
    prompt_id    BIGINT REFERENCES prompts (id) ON DELETE SET NULL,
    reviewed_at  TEXT,
    created_at   TEXT   NOT NULL
);

CREATE INDEX prompt_suggestions_pending ON prompt_suggestions (guild_id, id) WHERE status = 'pending';

CREATE TABLE prompt_posts (
    id          BIGINT  GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    guild_id    BIGINT  NOT NULL,
    job_key     TEXT    NOT NULL UNIQUE,
    prompt_ref  TEXT    NOT NULL,
    kind        TEXT    NOT NULL CHECK (kind IN ('experience', 'exposure', 'education')),
    text        TEXT    NOT NULL,
    hint        TEXT    NOT NULL DEFAULT '',
    cycle       INTEGER NOT NULL,
    status      TEXT    NOT NULL DEFAULT 'reserved' CHECK (status IN ('reserved', 'posted', 'abandoned')),
    channel_id  BIGINT,
    message_id  BIGINT,
    thread_id   BIGINT,
    posted_at   TEXT,
    created_at  TEXT    NOT NULL
);

CREATE INDEX prompt_posts_guild ON prompt_posts (guild_id, status, id);

CREATE TABLE mentee_requests (
    id         BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    guild_id   BIGINT NOT NULL,
    user_id    BIGINT NOT NULL,
    areas      TEXT   NOT NULL,
    goal       TEXT   NOT NULL CHECK (length(goal) BETWEEN 1 AND 300),
    timezone   TEXT   NOT NULL,
    status     TEXT   NOT NULL DEFAULT 'waiting' CHECK (status IN ('waiting', 'proposed', 'matched')),
    matched_at TEXT,
    created_at TEXT   NOT NULL,
    updated_at TEXT   NOT NULL
);

CREATE UNIQUE INDEX mentee_requests_one_open ON mentee_requests (guild_id, user_id)
    WHERE status IN ('waiting', 'proposed');

CREATE INDEX mentee_requests_status ON mentee_requests (guild_id, status, created_at);

CREATE TABLE mentoring_proposals (
    id            BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    guild_id      BIGINT NOT NULL,
    request_id    BIGINT NOT NULL REFERENCES mentee_requests (id) ON DELETE CASCADE,
    mentee_id     BIGINT NOT NULL,
    mentor_id     BIGINT NOT NULL,
    score         DOUBLE PRECISION NOT NULL,
    source        TEXT   NOT NULL CHECK (source IN ('request', 'round', 'manual', 'next')),
    status        TEXT   NOT NULL DEFAULT 'pending'
                  CHECK (status IN ('pending', 'accepted', 'declined', 'expired', 'cancelled')),
    expires_at    TEXT   NOT NULL,
    delivered_via TEXT   CHECK (delivered_via IN ('dm', 'channel', 'none')),
    channel_id    BIGINT,
    message_id    BIGINT,
    decided_at    TEXT,
    created_at    TEXT   NOT NULL
);

CREATE UNIQUE INDEX mentoring_proposals_one_pending ON mentoring_proposals (request_id) WHERE status = 'pending';

CREATE INDEX mentoring_proposals_mentor ON mentoring_proposals (guild_id, mentor_id, status);

CREATE UNIQUE INDEX mentoring_proposals_one_pending_pair ON mentoring_proposals (guild_id, mentor_id, mentee_id)
    WHERE status = 'pending';

CREATE TABLE mentorships (
    id          BIGINT  GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    guild_id    BIGINT  NOT NULL,
    mentor_id   BIGINT  NOT NULL,
    mentee_id   BIGINT  NOT NULL,
    request_id  BIGINT  REFERENCES mentee_requests (id) ON DELETE SET NULL,
    proposal_id BIGINT  REFERENCES mentoring_proposals (id) ON DELETE SET NULL,
    status      TEXT    NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'ended')),
    thread_id   BIGINT,
    started_at  TEXT    NOT NULL,
    ended_at    TEXT,
    ended_by    BIGINT,
    end_reason  TEXT    CHECK (end_reason IN ('mentor', 'mentee', 'moderator', 'deleted')),
    feedback    TEXT    CHECK (feedback IS NULL OR length(feedback) BETWEEN 1 AND 1000),
    rating      INTEGER CHECK (rating IS NULL OR rating BETWEEN 1 AND 5),
    created_at  TEXT    NOT NULL
);

CREATE INDEX mentorships_guild_status ON mentorships (guild_id, status);

CREATE INDEX mentorships_mentor ON mentorships (guild_id, mentor_id, status);

CREATE INDEX mentorships_mentee ON mentorships (guild_id, mentee_id, status);

CREATE TABLE mentorship_checkins (
    id            BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    guild_id      BIGINT NOT NULL,
    mentorship_id BIGINT NOT NULL REFERENCES mentorships (id) ON DELETE CASCADE,
    user_id       BIGINT NOT NULL,
    answer        TEXT   NOT NULL CHECK (answer IN ('well', 'help', 'end')),
    created_at    TEXT   NOT NULL
);

CREATE INDEX mentorship_checkins_mentorship ON mentorship_checkins (mentorship_id);

CREATE TABLE mentoring_pair_history (
    id         BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    guild_id   BIGINT NOT NULL,
    mentee_id  BIGINT NOT NULL,
    mentor_id  BIGINT NOT NULL,
    outcome    TEXT   NOT NULL CHECK (outcome IN ('declined', 'expired', 'ended')),
    created_at TEXT   NOT NULL
);

CREATE INDEX mentoring_pair_history_pair ON mentoring_pair_history (guild_id, mentee_id, mentor_id);
