-- 70-20-10 check-ins beyond the shared log (0001 progress_entries): edits, the server view's index,
-- weekly reminder state and the weeks a member chose to skip.

-- When a member last corrected an entry (NULL = never edited).
ALTER TABLE progress_entries ADD COLUMN edited_at TEXT;

-- /progress show reads a member's minutes by kind over a date range: a covering index answers it from the index
-- alone (no table lookups), which matters for members with thousands of entries. It replaces 0001's narrower
-- (guild_id, user_id, local_date) index, whose columns it starts with.
CREATE INDEX progress_entries_member_mix ON progress_entries (guild_id, user_id, local_date, kind, minutes);
DROP INDEX progress_entries_member;

-- /admin stats reads a server's recent activity by the instant it was logged.
CREATE INDEX progress_entries_guild_logged ON progress_entries (guild_id, logged_at);

-- A member's weekly check-in reminder. The rule itself is a 'checkin-reminder' row in schedules (owner_id = the
-- member); this keeps what the scheduler does not know: that DMs were refused, and whether the member was told.
CREATE TABLE progress_reminders (
    guild_id       INTEGER NOT NULL,
    user_id        INTEGER NOT NULL,
    dms_closed_at  TEXT,                       -- a reminder DM was refused; paused until /progress reminders again
    told_at        TEXT,                       -- when the member was told in the check-ins channel (once per closure)
    created_at     TEXT    NOT NULL,
    updated_at     TEXT    NOT NULL,
    PRIMARY KEY (guild_id, user_id)
);

-- Weeks a member skipped from a reminder ("Skip this week"): they bridge the weekly streak.
CREATE TABLE progress_skipped_weeks (
    guild_id    INTEGER NOT NULL,
    user_id     INTEGER NOT NULL,
    week_start  TEXT    NOT NULL,              -- the Monday (YYYY-MM-DD) of the member's local week
    created_at  TEXT    NOT NULL,
    PRIMARY KEY (guild_id, user_id, week_start)
);
