-- Tables every feature shares: server settings, member settings, audit log, command-sync state,
-- the scheduler's rules and occurrences, moderator notices and the 70-20-10 progress log.
-- Instants are ISO-8601 UTC text ("2026-03-02T08:00:00Z") except scheduler instants, which are unix seconds
-- so the dispatcher can compare and order them cheaply.

CREATE TABLE guild_settings (
    guild_id              INTEGER PRIMARY KEY,
    timezone              TEXT    NOT NULL DEFAULT 'UTC',
    prompts_channel_id    INTEGER,
    mentoring_channel_id  INTEGER,
    checkins_channel_id   INTEGER,
    modlog_channel_id     INTEGER,
    mod_role_id           INTEGER,
    grace_minutes         INTEGER NOT NULL DEFAULT 360 CHECK (grace_minutes BETWEEN 0 AND 10080),
    proposal_expiry_days  INTEGER NOT NULL DEFAULT 3 CHECK (proposal_expiry_days BETWEEN 1 AND 30),
    removed_at            TEXT,
    created_at            TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    updated_at            TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);

CREATE TABLE member_settings (
    guild_id    INTEGER NOT NULL,
    user_id     INTEGER NOT NULL,
    timezone    TEXT,
    created_at  TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    updated_at  TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    PRIMARY KEY (guild_id, user_id)
);

CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    guild_id    INTEGER NOT NULL,
    actor_id    INTEGER NOT NULL,
    action      TEXT    NOT NULL,
    target      TEXT,
    before_json TEXT,
    after_json  TEXT,
    created_at  TEXT    NOT NULL
);
CREATE INDEX audit_log_guild_created ON audit_log (guild_id, created_at DESC, id DESC);

CREATE TABLE command_sync (
    scope        TEXT PRIMARY KEY,          -- 'global' or a guild id
    payload_hash TEXT NOT NULL,
    synced_at    TEXT NOT NULL
);

CREATE TABLE moderator_notices (
    id           INTEGER PRIMARY KEY,
    guild_id     INTEGER NOT NULL,
    text         TEXT    NOT NULL,
    created_at   TEXT    NOT NULL,
    delivered_at TEXT
);
CREATE INDEX moderator_notices_pending ON moderator_notices (guild_id) WHERE delivered_at IS NULL;

-- A recurring rule: local HH:MM on a set of weekdays in an IANA timezone.
CREATE TABLE schedules (
    id            INTEGER PRIMARY KEY,
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

-- One row per occurrence (recurring) or one-off job; moves pending → claimed → sent / skipped / failed.
CREATE TABLE jobs (
    id           INTEGER PRIMARY KEY,
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
CREATE INDEX jobs_runnable ON jobs (run_at) WHERE status IN ('pending', 'claimed');
CREATE INDEX jobs_guild_kind ON jobs (guild_id, kind, due_at);

-- The 70-20-10 learning log. Shared because prompts' "Log this" button writes here too.
CREATE TABLE progress_entries (
    id          INTEGER PRIMARY KEY,
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
);
CREATE INDEX progress_entries_member ON progress_entries (guild_id, user_id, local_date);
