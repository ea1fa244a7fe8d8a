-- Daily learning prompts: a server's own prompts, built-in prompts it switched off, member suggestions, the
-- posts that drive the rotation (one per scheduler occurrence) and per-server rotation state.
-- The schedule itself is a `schedules` row of kind 'prompt' (0001).

-- Prompts a server added (by a moderator, an import or an approved suggestion); the built-in bank lives in
-- data/prompts.yaml.
CREATE TABLE prompts (
    id            INTEGER PRIMARY KEY,
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
CREATE INDEX prompts_guild_active ON prompts (guild_id) WHERE removed_at IS NULL;

-- Built-in prompts a server's moderators removed from its active bank.
CREATE TABLE prompt_exclusions (
    guild_id    INTEGER NOT NULL,
    builtin_id  TEXT    NOT NULL,
    created_at  TEXT    NOT NULL,
    PRIMARY KEY (guild_id, builtin_id)
);

CREATE TABLE prompt_suggestions (
    id           INTEGER PRIMARY KEY,
    guild_id     INTEGER NOT NULL,
    user_id      INTEGER NOT NULL,
    text         TEXT    NOT NULL CHECK (length(text) BETWEEN 1 AND 300),
    kind         TEXT    NOT NULL CHECK (kind IN ('experience', 'exposure', 'education')),
    status       TEXT    NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
    prompt_id    INTEGER REFERENCES prompts (id) ON DELETE SET NULL,
    reviewed_at  TEXT,
    created_at   TEXT    NOT NULL
);
CREATE INDEX prompt_suggestions_pending ON prompt_suggestions (guild_id, id) WHERE status = 'pending';

-- One row per prompt occurrence: the prompt is reserved when the occurrence first runs (so a retry after a
-- crash posts the same prompt) and the message and thread are recorded once sent. The text is a snapshot, so
-- /prompt today and "Log this" keep working after the prompt is removed from the bank.
CREATE TABLE prompt_posts (
    id          INTEGER PRIMARY KEY,
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
CREATE INDEX prompt_posts_guild ON prompt_posts (guild_id, status, id);

CREATE TABLE prompt_rotations (
    guild_id      INTEGER PRIMARY KEY,
    warned_cycle  INTEGER NOT NULL DEFAULT -1,      -- the cycle whose low-bank warning was sent
    created_at    TEXT    NOT NULL,
    updated_at    TEXT    NOT NULL
);
