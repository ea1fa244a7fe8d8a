-- /admin stats: which members used each of the bot's jobs on which day, so moderators can see how many members
-- used each job in the last 7 and 30 days. One row per (server, job, UTC day, member); rows older than 31 days
-- are deleted as new ones arrive (bot/services/stats.py). Covered by /privacy export and delete.

CREATE TABLE job_uses (
    guild_id    INTEGER NOT NULL,
    job         TEXT    NOT NULL CHECK (job IN ('faq', 'prompts', 'mentoring', 'progress', 'admin')),
    used_on     TEXT    NOT NULL,               -- YYYY-MM-DD, UTC
    user_id     INTEGER NOT NULL,
    created_at  TEXT    NOT NULL,
    PRIMARY KEY (guild_id, job, used_on, user_id)
);
CREATE INDEX job_uses_member ON job_uses (guild_id, user_id);
CREATE INDEX job_uses_day ON job_uses (used_on);
