-- Mentor matching: profiles, requests, proposals, mentorships, check-in answers and the pair history.
-- Instants are ISO-8601 UTC text ("2026-03-02T08:00:00Z"); their fixed width makes text order time order.
-- Areas are JSON arrays of skill ids from data/vocabulary.yaml.

-- Whether a member takes part in matching at all (as mentor and as mentee). 'left' means Discord said the
-- member is gone (Unknown Member); any mentoring command from them again clears it.
CREATE TABLE mentoring_members (
    guild_id      INTEGER NOT NULL,
    user_id       INTEGER NOT NULL,
    paused        INTEGER NOT NULL DEFAULT 0 CHECK (paused IN (0, 1)),
    paused_reason TEXT    CHECK (paused_reason IN ('member', 'left')),
    paused_at     TEXT,
    created_at    TEXT    NOT NULL,
    updated_at    TEXT    NOT NULL,
    PRIMARY KEY (guild_id, user_id)
);

CREATE TABLE mentor_profiles (
    guild_id   INTEGER NOT NULL,
    user_id    INTEGER NOT NULL,
    areas      TEXT    NOT NULL,
    capacity   INTEGER NOT NULL CHECK (capacity BETWEEN 1 AND 10),
    timezone   TEXT    NOT NULL,
    bio        TEXT    CHECK (bio IS NULL OR length(bio) BETWEEN 1 AND 1000),
    created_at TEXT    NOT NULL,
    updated_at TEXT    NOT NULL,
    PRIMARY KEY (guild_id, user_id)
);

-- waiting → proposed (a proposal is out) → matched; back to waiting when a proposal is declined, expires or is
-- withdrawn. A member has at most one open (waiting or proposed) request per server.
CREATE TABLE mentee_requests (
    id         INTEGER PRIMARY KEY,
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
CREATE UNIQUE INDEX mentee_requests_one_open ON mentee_requests (guild_id, user_id)
    WHERE status IN ('waiting', 'proposed');
CREATE INDEX mentee_requests_status ON mentee_requests (guild_id, status, created_at);

CREATE TABLE mentoring_proposals (
    id            INTEGER PRIMARY KEY,
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
CREATE UNIQUE INDEX mentoring_proposals_one_pending ON mentoring_proposals (request_id) WHERE status = 'pending';
CREATE INDEX mentoring_proposals_mentor ON mentoring_proposals (guild_id, mentor_id, status);

CREATE TABLE mentorships (
    id          INTEGER PRIMARY KEY,
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
CREATE INDEX mentorships_guild_status ON mentorships (guild_id, status);
CREATE INDEX mentorships_mentor ON mentorships (guild_id, mentor_id, status);
CREATE INDEX mentorships_mentee ON mentorships (guild_id, mentee_id, status);

-- Answers to the fortnightly "how is it going?" check-in.
CREATE TABLE mentorship_checkins (
    id            INTEGER PRIMARY KEY,
    guild_id      INTEGER NOT NULL,
    mentorship_id INTEGER NOT NULL REFERENCES mentorships (id) ON DELETE CASCADE,
    user_id       INTEGER NOT NULL,
    answer        TEXT    NOT NULL CHECK (answer IN ('well', 'help', 'end')),
    created_at    TEXT    NOT NULL
);
CREATE INDEX mentorship_checkins_mentorship ON mentorship_checkins (mentorship_id);

-- Pairs that must never be proposed again: declined, expired or ended (by either side or a moderator).
CREATE TABLE mentoring_pair_history (
    id         INTEGER PRIMARY KEY,
    guild_id   INTEGER NOT NULL,
    mentee_id  INTEGER NOT NULL,
    mentor_id  INTEGER NOT NULL,
    outcome    TEXT    NOT NULL CHECK (outcome IN ('declined', 'expired', 'ended')),
    created_at TEXT    NOT NULL
);
CREATE INDEX mentoring_pair_history_pair ON mentoring_pair_history (guild_id, mentee_id, mentor_id);
