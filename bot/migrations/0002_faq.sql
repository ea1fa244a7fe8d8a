-- The FAQ: server entries (which override built-ins by topic in that server only), the search index over
-- built-in and server entries, knowledge gaps, per-member feedback and usage counts.
-- Built-in entries live in data/faq.yaml; only their search rows are stored here (guild_id 0).

CREATE TABLE faq_entries (
    id          INTEGER PRIMARY KEY,
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

-- Full-text index. Text is analysed in Python (bot/search.py: canonical spelling, synonyms, stemming) before it
-- is stored, so the tokenizer only splits on spaces and Python and SQLite agree on every term.
-- guild_id 0 holds the built-in entries.
-- Row ids: a server entry's faq_entries.id; built-ins use negative ids. ``scope`` holds one token, 'g0' or
-- 'g<guild id>', so a search only walks the rows of built-ins and of the asking server.
CREATE VIRTUAL TABLE faq_search USING fts5 (
    guild_id UNINDEXED,
    topic UNINDEXED,
    scope,
    question,
    aliases,
    tags,
    answer,
    tokenize = 'unicode61 remove_diacritics 0'
);

-- Digests of what is indexed, so start-up only re-indexes when the built-in content or the analyser changed.
CREATE TABLE faq_index_state (
    name        TEXT PRIMARY KEY,               -- 'builtin'
    digest      TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);

-- Questions /faq ask could not answer confidently, merged by their normalised form. No member ids are kept:
-- the example is the latest wording, which moderators need in order to write an answer.
CREATE TABLE faq_gaps (
    id              INTEGER PRIMARY KEY,
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
CREATE INDEX faq_gaps_open ON faq_gaps (guild_id, status, ask_count DESC, last_asked_at DESC);

-- One vote per member per entry (a second vote replaces the first).
CREATE TABLE faq_feedback (
    guild_id    INTEGER NOT NULL,
    topic       TEXT    NOT NULL,
    user_id     INTEGER NOT NULL,
    vote        INTEGER NOT NULL CHECK (vote IN (-1, 1)),
    created_at  TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL,
    PRIMARY KEY (guild_id, topic, user_id)
);

-- One row each time an entry is shown (or /faq ask found nothing: via 'miss', no topic), for /admin stats.
-- Anonymous on purpose.
CREATE TABLE faq_usage (
    id          INTEGER PRIMARY KEY,
    guild_id    INTEGER NOT NULL,
    topic       TEXT,
    via         TEXT    NOT NULL CHECK (via IN ('ask', 'show', 'button', 'miss')),
    created_at  TEXT    NOT NULL,
    CHECK ((via = 'miss') = (topic IS NULL))
);
CREATE INDEX faq_usage_guild_created ON faq_usage (guild_id, created_at);
