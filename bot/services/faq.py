"""The FAQ: built-in entries (data/faq.yaml) plus each server's own, searched together.

* A server entry whose topic equals a built-in one overrides it in that server only; removing the override
  restores the built-in.
* Search (:func:`search`) ranks with SQLite FTS5's bm25 over pre-analysed text (see :mod:`bot.search`), then
  re-scores the candidates in Python by how much of the question each entry covers. Everything FTS5-specific is
  in :func:`_full_text_candidates` and the ``faq_search`` writes next to it.
* A question without a confident answer is stored as a knowledge gap (normalised, counted, no member ids).
* Feedback (👍/👎) is one vote per member per entry; usage is one anonymous row per view, read by
  :func:`faq_stats`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import re
from collections import Counter, OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import lru_cache
from types import MappingProxyType
from typing import Any, Final

import yaml
from yaml.nodes import MappingNode, SequenceNode

from bot import ranking
from bot import search as text
from bot.content import Content, FaqEntry, Vocabulary
from bot.db import Database, Row, Transaction
from bot.errors import ConflictError, LimitError, NotFoundError, ValidationError
from bot.services.audit import AuditEntry, record_action
from bot.timeutil import iso, parse_iso

__all__ = [
    "ALTERNATIVES",
    "MAX_ALIASES",
    "MAX_ANSWER",
    "MAX_ASK",
    "MAX_IMPORT_BYTES",
    "MAX_QUESTION",
    "MAX_SERVER_ENTRIES",
    "MAX_TAG",
    "MAX_TAGS",
    "MAX_TOPIC",
    "AskResult",
    "ChangeResult",
    "Faq",
    "FaqCatalog",
    "FaqDraft",
    "FaqStats",
    "FeedbackResult",
    "Gap",
    "GapPage",
    "ImportResult",
    "RemoveResult",
    "SearchHit",
    "TopicChoice",
    "add_entry",
    "answer_gap",
    "ask",
    "autocomplete_topics",
    "build_catalog",
    "catalog_for",
    "check_draft",
    "dismiss_gap",
    "edit_entry",
    "export_entries",
    "faq_stats",
    "get_faq",
    "get_gap",
    "import_entries",
    "is_confident",
    "list_gaps",
    "parse_draft",
    "parse_import",
    "record_feedback",
    "record_view",
    "remove_entry",
    "search",
    "split_tags",
    "sync_index",
]

log = logging.getLogger(__name__)

MAX_TOPIC: Final = 60
MAX_QUESTION: Final = 100  # the question is an autocomplete label (Discord: 100 characters)
MAX_ANSWER: Final = 4000  # a modal's paragraph limit; fits an embed description (4096)
MAX_ALIAS: Final = 100
MAX_ALIASES: Final = 6
MAX_TAGS: Final = 8
MAX_TAG: Final = 32  # a server-local tag: lowercase letters, digits and hyphens
MIN_ASK: Final = 3
MAX_ASK: Final = 200
MAX_SERVER_ENTRIES: Final = 500
MAX_IMPORT_BYTES: Final = 512 * 1024
MAX_REPORTED_PROBLEMS: Final = 15
ALTERNATIVES: Final = 3
GAPS_PER_PAGE: Final = 5

# Search tuning (checked by tests/test_faq_search_quality.py).
_CANDIDATES: Final = 25
_BM25_WEIGHTS: Final = (0.0, 0.0, 0.0, 6.0, 4.0, 2.0, 1.0)  # guild_id, topic, scope, question, aliases, tags, answer
# When an answer is confident: bot.search.is_confident (the rule and its thresholds).
_W_BM25: Final = 0.3
_W_HEAD: Final = 0.3
_W_COVERAGE: Final = 0.1
_W_PHRASE: Final = 0.3
_ALTERNATIVE_SHARE: Final = 0.35

_SLUG: Final = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_TAG_SPLIT: Final = re.compile(r"[\s,;]+")
BUILTIN: Final = "builtin"
SERVER: Final = "server"


# --------------------------------------------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Faq:
    """An FAQ entry as a server sees it: built-in, or the server's own (which may override a built-in)."""

    topic: str
    question: str
    answer: str
    aliases: tuple[str, ...]
    tags: tuple[str, ...]
    source: str  # "builtin" or "server"
    overrides_builtin: bool = False
    updated_at: datetime | None = None

    @property
    def is_server(self) -> bool:
        """Whether this server wrote the entry (rather than it shipping with the bot)."""
        return self.source == SERVER


@dataclass(frozen=True, slots=True)
class FaqDraft:
    """Validated moderator input for a server entry.

    ``tags`` are shared-vocabulary ids and this server's own (local) tags, in the order typed; ``notes`` say what
    validation changed or left out without refusing the entry (a tag dropped, a tag re-spelled). Notes are not
    stored and do not count when drafts are compared.
    """

    topic: str
    question: str
    answer: str
    aliases: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default=(), compare=False)

    def as_dict(self) -> dict[str, Any]:
        """Plain data (for the audit log and exports)."""
        return {
            "topic": self.topic,
            "question": self.question,
            "answer": self.answer,
            "aliases": list(self.aliases),
            "tags": list(self.tags),
        }


@dataclass(frozen=True, slots=True)
class _Doc:
    """An entry prepared for scoring: its stemmed terms and the terms of each phrasing (question, aliases)."""

    faq: Faq
    terms: frozenset[str]
    head: frozenset[str]  # terms of the question, aliases and topic: what the entry is about
    tagged: frozenset[str]  # terms of its tags' labels
    phrasings: tuple[frozenset[str], ...]


@dataclass(frozen=True)
class FaqCatalog:
    """The built-in entries, analysed once at start-up."""

    entries: Mapping[str, Faq]
    docs: Mapping[str, _Doc]
    index_rows: tuple[tuple[int, str, str, str, str, str], ...]  # rowid, topic, question, aliases, tags, answer
    words: Mapping[str, int]  # indexed words → number of built-in entries using them
    term_frequency: Mapping[str, int]  # stemmed terms → number of built-in entries using them
    vocabulary: Vocabulary
    digest: str


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One ranked search result."""

    faq: Faq
    score: float
    coverage: float  # share of the question's weight found anywhere in the entry
    focus: float  # share found in what the entry is about (question, aliases, topic; tags count half)
    named: int = 0  # how many of the member's own words its question, aliases or topic contain
    runner_up: float = 0.0  # the next hit's score (set on the best hit: a clear winner may be trusted)


@dataclass(frozen=True, slots=True)
class AskResult:
    """What /faq ask found: the best answer when confident, close alternatives, and whether a gap was recorded."""

    best: Faq | None
    alternatives: tuple[Faq, ...]
    confident: bool
    gap_recorded: bool


@dataclass(frozen=True, slots=True)
class TopicChoice:
    """An autocomplete choice for a topic."""

    topic: str
    label: str


@dataclass(frozen=True, slots=True)
class ChangeResult:
    """A server entry was added or changed."""

    faq: Faq
    audit: AuditEntry
    created: bool
    overrides_builtin: bool


@dataclass(frozen=True, slots=True)
class RemoveResult:
    """A server entry was removed; ``restored`` is the built-in entry now shown again, if any."""

    removed: Faq
    restored: Faq | None
    audit: AuditEntry


@dataclass(frozen=True, slots=True)
class ImportResult:
    """Counts of an import, with the topics touched."""

    added: tuple[str, ...]
    updated: tuple[str, ...]
    audit: AuditEntry


@dataclass(frozen=True, slots=True)
class FeedbackResult:
    """A member's vote and the entry's totals after it."""

    topic: str
    vote: int
    changed: bool
    up: int
    down: int


@dataclass(frozen=True, slots=True)
class Gap:
    """A question members asked that the FAQ could not answer confidently."""

    id: int
    normalised: str
    example: str
    ask_count: int
    first_asked_at: datetime
    last_asked_at: datetime
    status: str


@dataclass(frozen=True, slots=True)
class GapPage:
    """One page of open gaps, most asked first."""

    gaps: tuple[Gap, ...]
    page: int
    pages: int
    total: int


@dataclass(frozen=True, slots=True)
class TopicStats:
    """How often one entry was shown over a period."""

    topic: str
    views: int


@dataclass(frozen=True, slots=True)
class FaqStats:
    """FAQ engagement since an instant, for /admin stats."""

    asks: int  # /faq ask questions that found a confident answer
    misses: int  # /faq ask questions that did not
    shows: int  # /faq show and entry buttons
    helpful: int  # 👍 votes cast or changed in the period
    unhelpful: int  # 👎 votes
    new_gaps: int  # gaps first asked in the period
    open_gaps: int  # open gaps now
    top: tuple[TopicStats, ...] = field(default=())

    @property
    def answer_rate(self) -> float | None:
        """Share of /faq ask questions answered confidently, or None without questions."""
        total = self.asks + self.misses
        return None if total == 0 else self.asks / total


# --------------------------------------------------------------------------------------------------------------
# The built-in catalog and the index
# --------------------------------------------------------------------------------------------------------------


def _tag_text(tags: Iterable[str], vocabulary: Vocabulary) -> str:
    """Tags as searchable words: the id and its label from the shared vocabulary."""
    parts = []
    for tag in tags:
        parts.append(tag.replace("-", " "))
        if vocabulary.is_tag(tag):
            parts.append(vocabulary.label(tag))
    return " . ".join(parts)


def _index_fields(faq: Faq, vocabulary: Vocabulary) -> tuple[str, str, str, str]:
    """Analysed text of each indexed column: question, aliases, tags (with the topic's words), answer."""
    tags = _tag_text(faq.tags, vocabulary) + " . " + faq.topic.replace("-", " ")
    return (
        " ".join(text.analyse(faq.question)),
        " ".join(text.analyse(" . ".join(faq.aliases))),
        " ".join(text.analyse(tags)),
        " ".join(text.analyse(faq.answer)),
    )


def _words_of(faq: Faq, vocabulary: Vocabulary) -> list[str]:
    """Canonical (unstemmed) words of every field: the vocabulary typo correction works against."""
    source = " ".join((faq.question, *faq.aliases, _tag_text(faq.tags, vocabulary), faq.topic, faq.answer))
    return text.canonical_words(source.replace("-", " "))


def _doc(faq: Faq, words: Iterable[str], vocabulary: Vocabulary) -> _Doc:
    terms = frozenset(_stem(w) for w in words)
    phrasings = tuple(frozenset(text.analyse(p)) for p in (faq.question, *faq.aliases))
    tagged = frozenset(text.analyse(_tag_text(faq.tags, vocabulary)))
    head = frozenset(text.analyse(faq.topic.replace("-", " "))).union(*phrasings)
    return _Doc(faq, terms | head | tagged, head, tagged, phrasings)


@lru_cache(maxsize=8192)
def _stem(word: str) -> str:
    return text.stem(word)


def build_catalog(entries: Sequence[FaqEntry], vocabulary: Vocabulary) -> FaqCatalog:
    """Analyse the built-in entries once: scoring data, index rows and a digest that changes with them."""
    faqs: dict[str, Faq] = {}
    docs: dict[str, _Doc] = {}
    rows: list[tuple[int, str, str, str, str, str]] = []
    words: Counter[str] = Counter()
    for position, entry in enumerate(entries, start=1):
        faq = Faq(entry.topic, entry.question, entry.answer, entry.aliases, entry.tags, BUILTIN)
        entry_words = _words_of(faq, vocabulary)
        faqs[faq.topic] = faq
        docs[faq.topic] = _doc(faq, entry_words, vocabulary)
        words.update(set(entry_words))
        rows.append((-position, faq.topic, *_index_fields(faq, vocabulary)))
    digest = hashlib.sha256(
        json.dumps([text.ANALYSER_VERSION, rows], ensure_ascii=False, separators=(",", ":")).encode()
    ).hexdigest()
    return FaqCatalog(
        entries=MappingProxyType(faqs),
        docs=MappingProxyType(docs),
        index_rows=tuple(rows),
        words=MappingProxyType(dict(words)),
        term_frequency=MappingProxyType(dict(Counter(t for d in docs.values() for t in d.terms))),
        vocabulary=vocabulary,
        digest=digest,
    )


_catalog_memo: list[tuple[Content, FaqCatalog]] = []


def catalog_for(content: Content) -> FaqCatalog:
    """The catalog of ``content``'s built-in entries, built once per loaded content (cogs share it)."""
    if _catalog_memo and _catalog_memo[0][0] is content:
        return _catalog_memo[0][1]
    catalog = build_catalog(content.faqs, content.vocabulary)
    _catalog_memo[:] = [(content, catalog)]
    return catalog


async def sync_index(db: Database, catalog: FaqCatalog, now: datetime) -> bool:
    """Index the built-in entries unless the index already holds exactly these; True if it re-indexed.

    A change of the analyser (``bot.search.ANALYSER_VERSION``) also re-analyses every server's entries.
    """
    analyser = str(text.ANALYSER_VERSION)
    async with db.transaction() as tx:
        state = {row["name"]: row["digest"] for row in await tx.fetch_all("SELECT name, digest FROM faq_index_state")}
        if state.get("builtin") == catalog.digest and state.get("analyser") == analyser:
            return False
        await tx.execute("DELETE FROM faq_search WHERE rowid < 0")
        await tx.execute_many(
            """
            INSERT INTO faq_search (rowid, guild_id, topic, scope, question, aliases, tags, answer)
            VALUES (?, 0, ?, 'g0', ?, ?, ?, ?)
            """,
            catalog.index_rows,
        )
        if state.get("analyser") != analyser:
            for row in await tx.fetch_all("SELECT * FROM faq_entries"):
                await _index_server_entry(tx, row["guild_id"], _faq_from_row(row, overrides=False), catalog, row["id"])
        for name, digest in (("builtin", catalog.digest), ("analyser", analyser)):
            await tx.execute(
                """
                INSERT INTO faq_index_state (name, digest, updated_at) VALUES (?, ?, ?)
                ON CONFLICT (name) DO UPDATE SET digest = excluded.digest, updated_at = excluded.updated_at
                """,
                (name, digest, iso(now)),
            )
    log.info("Indexed %d built-in FAQ entries", len(catalog.index_rows))
    return True


async def _index_server_entry(tx: Transaction, guild_id: int, faq: Faq, catalog: FaqCatalog, entry_id: int) -> None:
    """(Re-)write one server entry's index row and its stored words."""
    words = " ".join(sorted(set(_words_of(faq, catalog.vocabulary))))
    await tx.execute("UPDATE faq_entries SET terms = ? WHERE id = ?", (words, entry_id))
    await tx.execute("DELETE FROM faq_search WHERE rowid = ?", (entry_id,))
    await tx.execute(
        """
        INSERT INTO faq_search (rowid, guild_id, topic, scope, question, aliases, tags, answer)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
        """,
        (entry_id, guild_id, faq.topic, f"g{guild_id}", *_index_fields(faq, catalog.vocabulary)),
    )


async def _full_text_candidates(
    db: Database, guild_id: int, terms: Sequence[str], limit: int
) -> list[tuple[int, str, float]]:
    """``(guild_id, topic, relevance)`` of the best bm25 matches among built-ins and this server's entries.

    The one FTS5 query: terms are analysed words (``[a-z0-9]+``), so quoting them is enough to make a safe
    MATCH expression. Relevance is ``-bm25`` (higher is better).
    """
    if not terms:
        return []
    if db.dialect == "postgresql":
        return await _tsvector_candidates(db, guild_id, terms, limit)
    words = " OR ".join(f'"{term}"' for term in terms)
    expression = f'scope : ("g0" OR "g{int(guild_id)}") AND {{question aliases tags answer}} : ({words})'
    rows = await db.fetch_all(
        f"""
        SELECT guild_id, topic, bm25(faq_search, {", ".join(str(w) for w in _BM25_WEIGHTS)}) AS rank
        FROM faq_search
        WHERE faq_search MATCH ?
        ORDER BY rank
        LIMIT ?
        """,  # noqa: S608 - the weights are constants, not input
        (expression, limit),
    )
    return [(int(row["guild_id"]), str(row["topic"]), -float(row["rank"])) for row in rows]


_BM25_K1: Final = 1.2  # FTS5's constants
_BM25_B: Final = 0.75
_INDEXED_WEIGHTS: Final = _BM25_WEIGHTS[3:]  # question, aliases, tags, answer


async def _tsvector_candidates(
    db: Database, guild_id: int, terms: Sequence[str], limit: int
) -> list[tuple[int, str, float]]:
    """PostgreSQL's form of :func:`_full_text_candidates`: the GIN index finds the rows, bm25 ranks them.

    The same bm25 as FTS5 (column weights, k1 = 1.2, b = 0.75, idf floored at 1e-6), computed here over the
    rows the index returns, so the ranking and the FAQ quality figure are the engine's, not a second scorer's.
    Its statistics (row count, mean length, rows per term) count only the built-ins and this server's
    entries, where FTS5's count every server's.
    """
    scopes = ("g0", f"g{int(guild_id)}")
    stats = await db.fetch_one(
        "SELECT COUNT(*) AS n, COALESCE(SUM(tokens), 0) AS size FROM faq_search WHERE scope IN (?, ?)", scopes
    )
    rows = await db.fetch_all(
        """
        SELECT guild_id, topic, question, aliases, tags, answer FROM faq_search
        WHERE scope IN (?, ?) AND document @@ to_tsquery('simple', ?)
        """,
        (*scopes, " | ".join(terms)),
    )
    if not rows or stats is None:
        return []
    total, mean_size = int(stats["n"]), float(stats["size"]) / max(int(stats["n"]), 1)
    columns = [[row[c].split() for c in ("question", "aliases", "tags", "answer")] for row in rows]
    wanted = set(terms)
    with_term = Counter(t for cols in columns for t in {w for words in cols for w in words} & wanted)
    idf = {t: max(math.log((total - n + 0.5) / (n + 0.5)), 1e-6) for t, n in with_term.items()}
    scored = []
    for row, cols in zip(rows, columns, strict=True):
        size = 1 + sum(len(words) for words in cols)
        norm = _BM25_K1 * (1 - _BM25_B + _BM25_B * size / mean_size)
        score = 0.0
        for term in terms:  # a repeated word counts twice, as a repeated phrase does in FTS5
            hits = sum(w * words.count(term) for w, words in zip(_INDEXED_WEIGHTS, cols, strict=True))
            if hits:
                score += idf[term] * hits * (_BM25_K1 + 1) / (hits + norm)
        scored.append((int(row["guild_id"]), str(row["topic"]), score))
    scored.sort(key=lambda hit: -hit[2])
    return scored[:limit]


# --------------------------------------------------------------------------------------------------------------
# Reading entries
# --------------------------------------------------------------------------------------------------------------


def _faq_from_row(row: Row, *, overrides: bool) -> Faq:
    return Faq(
        topic=row["topic"],
        question=row["question"],
        answer=row["answer"],
        aliases=tuple(json.loads(row["aliases"])),
        tags=tuple(json.loads(row["tags"])),
        source=SERVER,
        overrides_builtin=overrides,
        updated_at=parse_iso(row["updated_at"]),
    )


async def _server_rows(db: Database | Transaction, guild_id: int) -> list[Row]:
    return await db.fetch_all("SELECT * FROM faq_entries WHERE guild_id = ? ORDER BY topic", (guild_id,))


async def _visible(db: Database | Transaction, catalog: FaqCatalog, guild_id: int) -> dict[str, Faq]:
    """Every entry this server sees, by topic: built-ins, replaced by the server's overrides, plus its own."""
    entries: dict[str, Faq] = dict(catalog.entries)
    for row in await _server_rows(db, guild_id):
        entries[row["topic"]] = _faq_from_row(row, overrides=row["topic"] in catalog.entries)
    return entries


def _choices(entries: Mapping[str, Faq]) -> list[tuple[str, Sequence[str]]]:
    return [(faq.topic, (faq.question, *faq.aliases)) for faq in entries.values()]


async def get_faq(db: Database, catalog: FaqCatalog, guild_id: int, topic: str) -> Faq:
    """The entry a server sees under ``topic`` (its override, its own, or the built-in); "did you mean" if none."""
    wanted = topic.strip().lower()
    row = await db.fetch_one("SELECT * FROM faq_entries WHERE guild_id = ? AND topic = ?", (guild_id, wanted))
    if row is not None:
        return _faq_from_row(row, overrides=wanted in catalog.entries)
    if wanted in catalog.entries:
        return catalog.entries[wanted]
    entries = await _visible(db, catalog, guild_id)
    # A typed question or alias (not picked from the list) still finds its entry.
    folded = " ".join(topic.casefold().split())
    for faq in entries.values():
        if folded in (" ".join(p.casefold().split()) for p in (faq.question, *faq.aliases)):
            return faq
    suggestions = text.suggest(topic, _choices(entries))
    hint = ""
    if suggestions:
        hint = " Did you mean " + " or ".join(f"“{entries[t].question}” (`{t}`)" for t in suggestions) + "?"
    raise NotFoundError(f"There is no FAQ entry called “{topic.strip()[:80]}”.{hint} Try /faq ask with a question.")


async def autocomplete_topics(
    db: Database, catalog: FaqCatalog, guild_id: int, typed: str, *, server_only: bool = False, limit: int = 25
) -> list[TopicChoice]:
    """Topic choices in :func:`bot.ranking.rank` order: questions before aliases and topics, an alias match
    labelled ``Question (alias)`` (labels ≤ 100 characters)."""
    entries = await _visible(db, catalog, guild_id)
    if server_only:
        entries = {topic: faq for topic, faq in entries.items() if faq.is_server}
    items = [(faq.topic, (faq.question, *faq.aliases, faq.topic)) for faq in entries.values()]
    choices = []
    for match in ranking.rank(typed[:100], items, limit=limit):
        faq = entries[match.key]
        suffix = ""
        if faq.overrides_builtin:
            suffix = " (this server's version)"
        elif faq.is_server:
            suffix = " (this server)"
        choices.append(TopicChoice(faq.topic, ranking.label(faq.question, match.alias, suffix=suffix)))
    return choices


async def record_view(db: Database, guild_id: int, topic: str | None, via: str, now: datetime) -> None:
    """Count one view of an entry (``via`` ask / show / button), or a miss of /faq ask (``topic`` None)."""
    await db.execute(
        "INSERT INTO faq_usage (guild_id, topic, via, created_at) VALUES (?, ?, ?, ?)",
        (guild_id, topic, "miss" if topic is None else via, iso(now)),
    )


# --------------------------------------------------------------------------------------------------------------
# Search
# --------------------------------------------------------------------------------------------------------------


def _clean_question(question: str) -> str:
    cleaned = " ".join(question.split())
    if len(cleaned) < MIN_ASK:
        raise ValidationError("Ask a question in a few words, e.g. “what does a PMO analyst do?”.")
    if len(cleaned) > MAX_ASK:
        raise ValidationError(f"Keep the question to {MAX_ASK} characters; yours has {len(cleaned)}.")
    return cleaned


@dataclass(frozen=True, slots=True)
class _Searched:
    hits: tuple[SearchHit, ...]
    normalised: str


class _Prepared:
    """What every question against the built-ins alone reuses: the typo vocabulary, the stems, recent plans."""

    def __init__(self, catalog: FaqCatalog) -> None:
        self.vocabulary: dict[str, int] = {word: count for word, count in catalog.words.items() if count > 0}
        self.stems: frozenset[str] = frozenset(t for t, count in catalog.term_frequency.items() if count > 0)
        self._plans: OrderedDict[str, tuple[text.QueryTerm, ...]] = OrderedDict()

    def plan(self, question: str) -> tuple[text.QueryTerm, ...]:
        """``plan_query`` for a question, remembered (a pure function of the question and the built-ins)."""
        plan = self._plans.get(question)
        if plan is None:
            plan = tuple(text.plan_query(question, self.vocabulary, self.stems))
            self._plans[question] = plan
            if len(self._plans) > _PLAN_CACHE:
                self._plans.popitem(last=False)
        else:
            self._plans.move_to_end(question)
        return plan


_PLAN_CACHE: Final = 1024
_prepared_memo: list[tuple[FaqCatalog, _Prepared]] = []


def _prepared(catalog: FaqCatalog) -> _Prepared:
    """The catalog's reusable search data, built on its first question (cogs share one catalog per content)."""
    if _prepared_memo and _prepared_memo[0][0] is catalog:
        return _prepared_memo[0][1]
    prepared = _Prepared(catalog)
    _prepared_memo[:] = [(catalog, prepared)]
    return prepared


async def _search(db: Database, catalog: FaqCatalog, guild_id: int, question: str) -> _Searched:
    rows = await _server_rows(db, guild_id)
    docs: Mapping[str, _Doc]
    frequency: Mapping[str, int]
    if not rows:
        # Most servers have no entries of their own: everything but the question is the same every time.
        prepared = _prepared(catalog)
        docs, frequency = catalog.docs, catalog.term_frequency
        plan: Sequence[text.QueryTerm] = prepared.plan(question)
    else:
        own_docs: dict[str, _Doc] = dict(catalog.docs)
        words: Counter[str] = Counter(catalog.words)
        counts: Counter[str] = Counter(catalog.term_frequency)
        for row in rows:
            faq = _faq_from_row(row, overrides=row["topic"] in catalog.entries)
            row_words = row["terms"].split()
            replaced = own_docs.get(faq.topic)
            if replaced is not None:
                words.subtract(set(_words_of(replaced.faq, catalog.vocabulary)))
                counts.subtract(replaced.terms)
            own_docs[faq.topic] = doc = _doc(faq, row_words, catalog.vocabulary)
            words.update(set(row_words))
            counts.update(doc.terms)
        vocabulary = {word: count for word, count in words.items() if count > 0}
        stems = {term for term, count in counts.items() if count > 0}
        docs, frequency = own_docs, counts
        plan = text.plan_query(question, vocabulary, stems)
    normalised = " ".join(sorted({t.term for t in plan if t.source != "related"}))[:200]
    if not normalised:
        raise ValidationError(
            "I couldn't find any keywords in that. Ask with a few words about the topic, e.g. “PMO analyst skills”."
        )
    candidates = await _full_text_candidates(db, guild_id, [t.term for t in plan], _CANDIDATES)
    relevance: dict[str, float] = {}
    for source_guild, topic, score in candidates:
        found = docs.get(topic)
        if found is None or (source_guild == 0) == found.faq.is_server:
            continue  # a built-in row hidden by this server's override (or the reverse)
        relevance[topic] = max(relevance.get(topic, 0.0), score)
    if not relevance:
        return _Searched(_closest_by_spelling(question, docs), normalised)
    count = len(docs)
    weights: dict[str, float] = {}

    def weight(term: str) -> float:
        found = weights.get(term)
        if found is None:
            found = weights[term] = text.idf(frequency.get(term, 0), count)
        return found

    own = [t for t in plan if t.source != "related"]
    related: dict[str, list[str]] = {}
    for t in plan:
        if t.source == "related":
            related.setdefault(t.word, []).append(t.term)
    total = sum(weight(t.term) * t.weight for t in own) or 1.0
    top = max(relevance.values())
    hits = []
    for topic, score in relevance.items():
        doc = docs[topic]
        coverage = _covered(own, related, doc.terms, weight) / total
        head = (
            _covered(own, related, doc.head, weight) + 0.5 * _covered(own, related, doc.tagged - doc.head, weight)
        ) / total
        own_terms = {t.term for t in own}
        phrase = 0.0
        for phrasing in doc.phrasings:
            union = sum(weight(term) for term in own_terms | phrasing) or 1.0
            phrase = max(phrase, sum(weight(term) for term in own_terms & phrasing) / union)
        final = _W_BM25 * (score / top) + _W_HEAD * head + _W_COVERAGE * coverage + _W_PHRASE * phrase
        log.debug(
            "faq score %s: bm25 %.3f head %.3f coverage %.3f phrase %.3f", topic, score / top, head, coverage, phrase
        )
        named = len(own_terms & doc.head)
        hits.append(SearchHit(doc.faq, round(final, 4), round(coverage, 4), round(head, 4), named))
    hits.sort(key=lambda hit: (-hit.score, hit.faq.topic))
    if len(hits) > 1:
        hits[0] = replace(hits[0], runner_up=hits[1].score)
    return _Searched(tuple(hits), normalised)


def _covered(
    own: Sequence[text.QueryTerm], related: Mapping[str, list[str]], terms: frozenset[str], weight: Any
) -> float:
    """The idf-weighted share of the member's words found in ``terms`` (a related word counts half)."""
    covered = 0.0
    for t in own:
        if t.term in terms:
            covered += weight(t.term) * t.weight
        elif any(r in terms for r in related.get(t.word, ())):
            covered += weight(t.term) * t.weight * 0.5
    return covered


def _closest_by_spelling(question: str, docs: Mapping[str, _Doc]) -> tuple[SearchHit, ...]:
    """When no indexed word matches: entries whose question or alias is spelled most like the question."""
    plain = _spelling(question)
    keep = ALTERNATIVES + 1
    scored: list[SearchHit] = []
    floor = 0.0  # the raw ratio an entry needs to reach the kept few (0 until that many are kept)
    for doc in docs.values():
        best = -1.0
        for phrasing in (doc.faq.question, *doc.faq.aliases):
            best = max(best, text.ratio_above(plain, _spelling(phrasing), max(best, floor)))
        if best < floor:
            continue  # its upper bound already ranks it below the kept entries
        scored.append(SearchHit(doc.faq, round(best * 0.3, 4), 0.0, 0.0))
        if len(scored) >= keep:
            scored.sort(key=lambda hit: (-hit.score, hit.faq.topic))
            del scored[keep:]
            # Anything scoring below the last kept one (after rounding) can't displace it; equal scores can.
            floor = max(0.0, (scored[-1].score - 0.00005) / 0.3 - 1e-9)
    scored.sort(key=lambda hit: (-hit.score, hit.faq.topic))
    return tuple(scored[:keep])


@lru_cache(maxsize=4096)
def _spelling(phrase: str) -> str:
    return " ".join(text.canonical_words(phrase, keep_stopwords=True))


async def search(db: Database, catalog: FaqCatalog, guild_id: int, question: str) -> list[SearchHit]:
    """Entries for a question, best first (no side effects; /faq ask adds feedback, usage and gaps)."""
    return list((await _search(db, catalog, guild_id, _clean_question(question))).hits)


def is_confident(hit: SearchHit) -> bool:
    """Whether a hit is good enough to answer with (otherwise the question is a knowledge gap)."""
    return text.is_confident(hit.score, hit.coverage, hit.focus, runner_up=hit.runner_up, named=hit.named)


async def ask(
    db: Database, catalog: FaqCatalog, guild_id: int, question: str, now: datetime, *, record_gap: bool = True
) -> AskResult:
    """Answer a member's question: the best entry and close alternatives, or a recorded knowledge gap.

    ``record_gap`` False (the member passed many questions on already) answers without adding to the gap list.
    """
    cleaned = _clean_question(question)
    searched = await _search(db, catalog, guild_id, cleaned)
    hits = searched.hits
    if hits and is_confident(hits[0]):
        best = hits[0]
        alternatives = tuple(
            hit.faq for hit in hits[1:] if hit.score >= best.score * _ALTERNATIVE_SHARE and hit.coverage > 0.2
        )[:ALTERNATIVES]
        await record_view(db, guild_id, best.faq.topic, "ask", now)
        return AskResult(best.faq, alternatives, True, False)
    if not record_gap:
        await record_view(db, guild_id, None, "miss", now)
        return AskResult(None, tuple(hit.faq for hit in hits[:ALTERNATIVES]), False, False)
    async with db.transaction() as tx:
        await tx.execute(
            """
            INSERT INTO faq_gaps (guild_id, normalised, example, first_asked_at, last_asked_at, created_at)
            VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT (guild_id, normalised) DO UPDATE SET
                ask_count = faq_gaps.ask_count + 1,
                example = excluded.example,
                last_asked_at = excluded.last_asked_at,
                status = CASE WHEN faq_gaps.status = 'answered' THEN 'open' ELSE faq_gaps.status END
            """,
            (guild_id, searched.normalised, cleaned, iso(now), iso(now), iso(now)),
        )
        await record_view(db, guild_id, None, "miss", now)
    return AskResult(None, tuple(hit.faq for hit in hits[:ALTERNATIVES]), False, True)


# --------------------------------------------------------------------------------------------------------------
# Feedback
# --------------------------------------------------------------------------------------------------------------


async def record_feedback(
    db: Database, catalog: FaqCatalog, guild_id: int, topic: str, user_id: int, vote: int, now: datetime
) -> FeedbackResult:
    """Store a member's 👍 (``vote`` 1) or 👎 (-1) for an entry; a second vote replaces the first."""
    if vote not in (-1, 1):
        raise ValidationError("A vote is 👍 or 👎.")
    entries = await _visible(db, catalog, guild_id)
    if topic not in entries:
        raise NotFoundError("That FAQ entry no longer exists in this server.")
    async with db.transaction() as tx:
        previous = await tx.fetch_value(
            "SELECT vote FROM faq_feedback WHERE guild_id = ? AND topic = ? AND user_id = ?",
            (guild_id, topic, user_id),
        )
        await tx.execute(
            """
            INSERT INTO faq_feedback (guild_id, topic, user_id, vote, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT (guild_id, topic, user_id) DO UPDATE SET vote = excluded.vote, updated_at = excluded.updated_at
            """,
            (guild_id, topic, user_id, vote, iso(now), iso(now)),
        )
        row = await tx.fetch_one(
            """
            SELECT COUNT(*) FILTER (WHERE vote = 1) AS up, COUNT(*) FILTER (WHERE vote = -1) AS down
            FROM faq_feedback WHERE guild_id = ? AND topic = ?
            """,
            (guild_id, topic),
        )
    up, down = (int(row["up"]), int(row["down"])) if row is not None else (0, 0)
    return FeedbackResult(topic, vote, previous != vote, up, down)


# --------------------------------------------------------------------------------------------------------------
# Validating moderator input
# --------------------------------------------------------------------------------------------------------------


def _split_lines(value: str) -> list[str]:
    return [" ".join(line.split()) for line in value.splitlines() if line.strip()]


def check_draft(
    vocabulary: Vocabulary,
    *,
    topic: str,
    question: str,
    answer: str,
    aliases: Sequence[str] = (),
    tags: Sequence[str] = (),
) -> tuple[FaqDraft | None, list[str]]:
    """Validate one entry; return the cleaned draft, or None and every problem found (plain sentences)."""
    problems: list[str] = []
    question = " ".join(question.split())
    answer = answer.strip()
    raw_topic = topic.strip()
    topic = text.slugify(raw_topic or question, MAX_TOPIC) if not _SLUG.fullmatch(raw_topic) else raw_topic
    if not question:
        problems.append("the question is empty")
    elif len(question) > MAX_QUESTION:
        problems.append(f"the question is {len(question)} characters (at most {MAX_QUESTION})")
    if not answer:
        problems.append("the answer is empty")
    elif len(answer) > MAX_ANSWER:
        problems.append(f"the answer is {len(answer)} characters (at most {MAX_ANSWER})")
    if not topic and (raw_topic or question):
        problems.append("the topic is empty (use a few lowercase words joined by hyphens, like `salary-bands`)")
    elif len(topic) > MAX_TOPIC:
        problems.append(f"the topic is {len(topic)} characters (at most {MAX_TOPIC})")
    cleaned_aliases: list[str] = []
    seen = {question.casefold()}
    for alias in aliases:
        alias = " ".join(alias.split())
        if not alias:
            continue
        if len(alias) > MAX_ALIAS:
            problems.append(f"the alias “{alias[:40]}…” is {len(alias)} characters (at most {MAX_ALIAS})")
        elif alias.casefold() in seen:
            problems.append(f"the alias “{alias}” repeats the question or another alias")
        else:
            seen.add(alias.casefold())
            cleaned_aliases.append(alias)
    if len(cleaned_aliases) > MAX_ALIASES:
        problems.append(f"there are {len(cleaned_aliases)} aliases (at most {MAX_ALIASES})")
    cleaned_tags, notes = _clean_tags(vocabulary, tags)
    if problems:
        return None, problems
    return FaqDraft(topic, question, answer, tuple(cleaned_aliases), cleaned_tags, tuple(notes)), []


def _clean_tags(vocabulary: Vocabulary, tags: Sequence[str]) -> tuple[tuple[str, ...], list[str]]:
    """Shared-vocabulary ids as they are, any other word as a server-local tag; never a reason to refuse an entry.

    A local tag is normalised the way topics are (lowercase letters a-z, digits and single hyphens, accents
    folded), so the search analyser indexes it like any other word. A tag that is empty after that, longer than
    :data:`MAX_TAG`, or beyond :data:`MAX_TAGS` is left out with a note; a tag that was re-spelled, or that looks
    like a misspelt vocabulary id, gets a note too.
    """
    kept: list[str] = []
    notes: list[str] = []
    left_over: list[str] = []
    for raw in tags:
        typed = " ".join(raw.split())
        if not typed:
            continue
        shown = typed if len(typed) <= 40 else typed[:39] + "…"
        if len(typed) > 4 * MAX_TAG:
            notes.append(f"the tag `{shown}` is longer than {MAX_TAG} characters, so it was left out")
            continue
        tag = typed.lower() if vocabulary.is_tag(typed.lower()) else text.slugify(typed, 4 * MAX_TAG)
        if not tag:
            notes.append(f"the tag `{shown}` has no letters a-z or digits, so it was left out")
            continue
        if len(tag) > MAX_TAG:
            notes.append(f"the tag `{shown}` is longer than {MAX_TAG} characters, so it was left out")
            continue
        if tag in kept or tag in left_over:
            continue
        if len(kept) >= MAX_TAGS:
            left_over.append(tag)
            continue
        kept.append(tag)
        if tag != typed.lower():
            notes.append(f"the tag `{shown}` was saved as `{tag}`")
        if not vocabulary.is_tag(tag):
            close = _close_vocabulary_tag(vocabulary, tag)
            if close is not None:
                notes.append(
                    f"`{tag}` is kept as this server's own tag; did you mean `{close}` from the shared vocabulary?"
                )
    if left_over:
        notes.append(f"only {MAX_TAGS} tags are kept, so " + ", ".join(f"`{t}`" for t in left_over) + " were left out")
    return tuple(kept), notes


def _close_vocabulary_tag(vocabulary: Vocabulary, tag: str) -> str | None:
    """A vocabulary id one or two typos away from a local tag (``carrer`` → ``career``), if there is one."""
    known = [(t, (t,)) for t in (*vocabulary.skills, *vocabulary.roles, *vocabulary.topics)]
    allowed = 1 if len(tag) < 6 else 2
    for candidate in text.suggest(tag, known, limit=3):
        if text.edit_distance(tag, candidate, allowed) <= allowed:
            return candidate
    return None


def split_tags(vocabulary: Vocabulary, tags: Iterable[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """An entry's tags as (shared-vocabulary ids, this server's own tags), each in the entry's order."""
    listed = tuple(tags)
    return tuple(t for t in listed if vocabulary.is_tag(t)), tuple(t for t in listed if not vocabulary.is_tag(t))


def _sentence(problems: Sequence[str]) -> str:
    joined = "; ".join(problems)
    return joined[0].upper() + joined[1:] + "."


def parse_draft(
    vocabulary: Vocabulary, *, topic: str, question: str, answer: str, aliases: str = "", tags: str = ""
) -> FaqDraft:
    """Validate modal input (aliases one per line, tags separated by commas or spaces); nothing is stored."""
    draft, problems = check_draft(
        vocabulary,
        topic=topic,
        question=question,
        answer=answer,
        aliases=_split_lines(aliases),
        tags=[t for t in _TAG_SPLIT.split(tags) if t],
    )
    if draft is None:
        raise ValidationError(_sentence(problems) + " Nothing was saved.")
    return draft


# --------------------------------------------------------------------------------------------------------------
# Writing server entries
# --------------------------------------------------------------------------------------------------------------


async def _insert(tx: Transaction, catalog: FaqCatalog, guild_id: int, draft: FaqDraft, now: datetime) -> Faq:
    entry_id = await tx.execute(
        """
        INSERT INTO faq_entries (guild_id, topic, question, answer, aliases, tags, created_at, updated_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
        """,
        (
            guild_id,
            draft.topic,
            draft.question,
            draft.answer,
            json.dumps(list(draft.aliases)),
            json.dumps(list(draft.tags)),
            iso(now),
            iso(now),
        ),
    )
    faq = Faq(*_draft_fields(draft), SERVER, draft.topic in catalog.entries, now)
    await _index_server_entry(tx, guild_id, faq, catalog, entry_id)
    return faq


async def _update(
    tx: Transaction, catalog: FaqCatalog, guild_id: int, entry_id: int, draft: FaqDraft, now: datetime
) -> Faq:
    await tx.execute(
        "UPDATE faq_entries SET question = ?, answer = ?, aliases = ?, tags = ?, updated_at = ? WHERE id = ?",
        (
            draft.question,
            draft.answer,
            json.dumps(list(draft.aliases)),
            json.dumps(list(draft.tags)),
            iso(now),
            entry_id,
        ),
    )
    faq = Faq(*_draft_fields(draft), SERVER, draft.topic in catalog.entries, now)
    await _index_server_entry(tx, guild_id, faq, catalog, entry_id)
    return faq


def _draft_fields(draft: FaqDraft) -> tuple[str, str, str, tuple[str, ...], tuple[str, ...]]:
    return draft.topic, draft.question, draft.answer, draft.aliases, draft.tags


def _as_draft(faq: Faq) -> FaqDraft:
    return FaqDraft(faq.topic, faq.question, faq.answer, faq.aliases, faq.tags)


async def _check_room(tx: Transaction, guild_id: int, adding: int) -> None:
    count = int(await tx.fetch_value("SELECT COUNT(*) FROM faq_entries WHERE guild_id = ?", (guild_id,)) or 0)
    if count + adding > MAX_SERVER_ENTRIES:
        raise LimitError(
            f"A server can have at most {MAX_SERVER_ENTRIES} FAQ entries of its own; this one has {count}. "
            "Remove some with /admin faq remove first."
        )


async def add_entry(
    db: Database, catalog: FaqCatalog, guild_id: int, draft: FaqDraft, *, actor_id: int, now: datetime
) -> ChangeResult:
    """Add a server entry (overriding the built-in with the same topic, if any)."""
    async with db.transaction() as tx:
        existing = await tx.fetch_value(
            "SELECT 1 FROM faq_entries WHERE guild_id = ? AND topic = ?", (guild_id, draft.topic)
        )
        if existing:
            raise ConflictError(
                f"This server already has an entry `{draft.topic}`; change it with /admin faq edit or pick "
                "another topic. Nothing was saved."
            )
        await _check_room(tx, guild_id, 1)
        faq = await _insert(tx, catalog, guild_id, draft, now)
        audit = await record_action(
            tx,
            guild_id=guild_id,
            actor_id=actor_id,
            action="faq.add",
            target=draft.topic,
            after=draft.as_dict(),
            now=now,
        )
    return ChangeResult(faq, audit, True, faq.overrides_builtin)


async def edit_entry(
    db: Database, catalog: FaqCatalog, guild_id: int, draft: FaqDraft, *, actor_id: int, now: datetime
) -> ChangeResult:
    """Change a server entry, or override a built-in one in this server (``draft.topic`` names the entry)."""
    async with db.transaction() as tx:
        row = await tx.fetch_one("SELECT * FROM faq_entries WHERE guild_id = ? AND topic = ?", (guild_id, draft.topic))
        if row is not None:
            before = _faq_from_row(row, overrides=draft.topic in catalog.entries)
            if _as_draft(before) == draft:
                raise ConflictError("That is the same as the current entry; nothing changed.")
            faq = await _update(tx, catalog, guild_id, row["id"], draft, now)
            created = False
        elif draft.topic in catalog.entries:
            before = catalog.entries[draft.topic]
            if _as_draft(before) == draft:
                raise ConflictError("That is the same as the built-in entry; nothing changed.")
            await _check_room(tx, guild_id, 1)
            faq = await _insert(tx, catalog, guild_id, draft, now)
            created = True
        else:
            raise NotFoundError(f"There is no FAQ entry `{draft.topic}` in this server. Add it with /admin faq add.")
        audit = await record_action(
            tx,
            guild_id=guild_id,
            actor_id=actor_id,
            action="faq.override" if created else "faq.edit",
            target=draft.topic,
            before=_as_draft(before).as_dict(),
            after=draft.as_dict(),
            now=now,
        )
    return ChangeResult(faq, audit, created, faq.overrides_builtin)


async def remove_entry(
    db: Database, catalog: FaqCatalog, guild_id: int, topic: str, *, actor_id: int, now: datetime
) -> RemoveResult:
    """Remove a server entry; when it overrode a built-in, the built-in shows again."""
    topic = topic.strip().lower()
    async with db.transaction() as tx:
        row = await tx.fetch_one("SELECT * FROM faq_entries WHERE guild_id = ? AND topic = ?", (guild_id, topic))
        if row is None:
            if topic in catalog.entries:
                raise ValidationError(
                    f"`{topic}` is a built-in entry, which can't be removed. Use /admin faq edit to replace its "
                    "text in this server."
                )
            raise NotFoundError(f"This server has no FAQ entry `{topic[:60]}`.")
        removed = _faq_from_row(row, overrides=topic in catalog.entries)
        await tx.execute("DELETE FROM faq_entries WHERE id = ?", (row["id"],))
        await tx.execute("DELETE FROM faq_search WHERE rowid = ?", (row["id"],))
        audit = await record_action(
            tx,
            guild_id=guild_id,
            actor_id=actor_id,
            action="faq.remove",
            target=topic,
            before=_as_draft(removed).as_dict(),
            now=now,
        )
    return RemoveResult(removed, catalog.entries.get(topic), audit)


# --------------------------------------------------------------------------------------------------------------
# Knowledge gaps
# --------------------------------------------------------------------------------------------------------------


def _gap(row: Row) -> Gap:
    return Gap(
        id=row["id"],
        normalised=row["normalised"],
        example=row["example"],
        ask_count=row["ask_count"],
        first_asked_at=parse_iso(row["first_asked_at"]),
        last_asked_at=parse_iso(row["last_asked_at"]),
        status=row["status"],
    )


async def list_gaps(db: Database, guild_id: int, *, page: int = 1, per_page: int = GAPS_PER_PAGE) -> GapPage:
    """Open gaps, most asked (then most recent) first; pages count from 1 and are clamped."""
    total = int(
        await db.fetch_value("SELECT COUNT(*) FROM faq_gaps WHERE guild_id = ? AND status = 'open'", (guild_id,)) or 0
    )
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    rows = await db.fetch_all(
        """
        SELECT * FROM faq_gaps WHERE guild_id = ? AND status = 'open'
        ORDER BY ask_count DESC, last_asked_at DESC, id DESC
        LIMIT ? OFFSET ?
        """,
        (guild_id, per_page, (page - 1) * per_page),
    )
    return GapPage(tuple(_gap(r) for r in rows), page, pages, total)


async def get_gap(db: Database | Transaction, guild_id: int, gap_id: int) -> Gap:
    """An open gap of this server."""
    row = await db.fetch_one(
        "SELECT * FROM faq_gaps WHERE guild_id = ? AND id = ? AND status = 'open'", (guild_id, gap_id)
    )
    if row is None:
        raise NotFoundError("That question has already been answered or dismissed.")
    return _gap(row)


async def answer_gap(
    db: Database, catalog: FaqCatalog, guild_id: int, gap_id: int, draft: FaqDraft, *, actor_id: int, now: datetime
) -> ChangeResult:
    """Create an entry from a gap and mark the gap answered, together."""
    async with db.transaction() as tx:
        gap = await get_gap(tx, guild_id, gap_id)
        result = await add_entry(db, catalog, guild_id, draft, actor_id=actor_id, now=now)
        await tx.execute(
            "UPDATE faq_gaps SET status = 'answered', answered_topic = ?, resolved_at = ? WHERE id = ?",
            (draft.topic, iso(now), gap.id),
        )
        await record_action(
            tx,
            guild_id=guild_id,
            actor_id=actor_id,
            action="faq.gap.answer",
            target=gap.example,
            after={"topic": draft.topic, "asked": gap.ask_count},
            now=now,
        )
    return result


async def dismiss_gap(db: Database, guild_id: int, gap_id: int, *, actor_id: int, now: datetime) -> AuditEntry:
    """Hide a gap that needs no entry (off-topic, spam); asking it again counts but does not reopen it."""
    async with db.transaction() as tx:
        gap = await get_gap(tx, guild_id, gap_id)
        await tx.execute("UPDATE faq_gaps SET status = 'dismissed', resolved_at = ? WHERE id = ?", (iso(now), gap.id))
        return await record_action(
            tx, guild_id=guild_id, actor_id=actor_id, action="faq.gap.dismiss", target=gap.example, now=now
        )


# --------------------------------------------------------------------------------------------------------------
# Import and export
# --------------------------------------------------------------------------------------------------------------

_IMPORT_FIELDS: Final = ("topic", "question", "answer", "aliases", "tags")


def _position(index: int, line: int | None, topic: Any) -> str:
    where = f"entry #{index}"
    if line is not None:
        where += f" (line {line})"
    if isinstance(topic, str) and topic.strip():
        where += f" `{topic.strip()[:40]}`"
    return where


def _decode(data: bytes, filename: str) -> tuple[Any, list[int | None]]:
    """Parse JSON or YAML; return the data and each entry's line (YAML only)."""
    if len(data) > MAX_IMPORT_BYTES:
        raise ValidationError(
            f"The file is {len(data) // 1024} KB; imports are limited to {MAX_IMPORT_BYTES // 1024} KB."
        )
    try:
        source = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationError("The file is not UTF-8 text; export it as UTF-8 YAML or JSON.") from exc
    name = filename.lower()
    looks_json = name.endswith(".json") or (not name.endswith((".yaml", ".yml")) and source.lstrip()[:1] in "[{")
    if looks_json:
        try:
            return json.loads(source), []
        except json.JSONDecodeError as exc:
            raise ValidationError(
                f"The file is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}."
            ) from exc
    try:
        node = yaml.compose(source, Loader=yaml.SafeLoader)
        loaded = yaml.safe_load(source)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise ValidationError(f"The file is not valid YAML{where}: {exc.problem or exc.context}.") from exc
    except yaml.YAMLError as exc:
        raise ValidationError(f"The file is not valid YAML: {exc}.") from exc
    lines: list[int | None] = []
    if isinstance(node, MappingNode):
        for key, value in node.value:
            if key.value == "faqs" and isinstance(value, SequenceNode):
                node = value
    if isinstance(node, SequenceNode):
        lines = [int(item.start_mark.line) + 1 for item in node.value]
    return loaded, lines


def parse_import(data: bytes, filename: str, vocabulary: Vocabulary) -> list[FaqDraft]:
    """Read and validate a whole import file (YAML or JSON: ``faqs:`` list, or a bare list) before anything is stored.

    Raises ValidationError listing every bad entry with its position (entry number, and line for YAML).
    """
    loaded, lines = _decode(data, filename)
    if isinstance(loaded, dict) and set(loaded) == {"faqs"}:
        loaded = loaded["faqs"]
    if not isinstance(loaded, list):
        raise ValidationError(
            "The file must hold a list of entries, or `faqs:` with a list, each with topic, question and answer "
            "(aliases and tags optional) — the format /admin faq export produces."
        )
    if not loaded:
        raise ValidationError("The file has no entries.")
    if len(loaded) > MAX_SERVER_ENTRIES:
        raise ValidationError(f"The file has {len(loaded)} entries; a server can have at most {MAX_SERVER_ENTRIES}.")
    problems: list[str] = []
    drafts: list[FaqDraft] = []
    topics: dict[str, int] = {}
    for index, item in enumerate(loaded, start=1):
        line = lines[index - 1] if index - 1 < len(lines) else None
        if not isinstance(item, dict):
            problems.append(f"{_position(index, line, None)}: must be a mapping with topic, question and answer")
            continue
        where = _position(index, line, item.get("topic"))
        entry_problems = [f"unknown field `{str(k)[:30]}`" for k in item if k not in _IMPORT_FIELDS]
        for name in ("topic", "question", "answer"):
            if name not in item:
                entry_problems.append(f"missing {name}")
            elif not isinstance(item[name], str):
                entry_problems.append(f"{name} must be text")
        lists: dict[str, list[str]] = {}
        for name in ("aliases", "tags"):
            value = item.get(name, [])
            if value is None:
                value = []
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                entry_problems.append(f"{name} must be a list of text")
                value = []
            lists[name] = value
        topic = item.get("topic")
        if isinstance(topic, str) and topic.strip() and not _SLUG.fullmatch(topic.strip()):
            entry_problems.append(f"the topic `{topic.strip()[:40]}` must be lowercase words joined by hyphens")
        if entry_problems:
            problems.append(f"{where}: {'; '.join(entry_problems)}")
            continue
        draft, draft_problems = check_draft(
            vocabulary,
            topic=item["topic"],
            question=item["question"],
            answer=item["answer"],
            aliases=lists["aliases"],
            tags=lists["tags"],
        )
        if draft is None:
            problems.append(f"{where}: {'; '.join(draft_problems)}")
            continue
        if draft.topic in topics:
            problems.append(f"{where}: the topic repeats entry #{topics[draft.topic]}")
            continue
        topics[draft.topic] = index
        drafts.append(draft)
    if problems:
        shown = problems[:MAX_REPORTED_PROBLEMS]
        more = len(problems) - len(shown)
        tail = f"\n… and {more} more." if more else ""
        noun = "entry has" if len(problems) == 1 else "entries have"
        raise ValidationError(
            f"Nothing was imported: {len(problems)} {noun} problems.\n" + "\n".join(f"• {p}" for p in shown) + tail
        )
    return drafts


async def import_entries(
    db: Database,
    catalog: FaqCatalog,
    guild_id: int,
    drafts: Sequence[FaqDraft],
    *,
    actor_id: int,
    now: datetime,
) -> ImportResult:
    """Store validated drafts in one transaction: new topics are added, existing server entries replaced."""
    added: list[str] = []
    updated: list[str] = []
    async with db.transaction() as tx:
        existing = {
            row["topic"]: row["id"]
            for row in await tx.fetch_all("SELECT topic, id FROM faq_entries WHERE guild_id = ?", (guild_id,))
        }
        await _check_room(tx, guild_id, sum(1 for d in drafts if d.topic not in existing))
        for draft in drafts:
            if draft.topic in existing:
                await _update(tx, catalog, guild_id, existing[draft.topic], draft, now)
                updated.append(draft.topic)
            else:
                await _insert(tx, catalog, guild_id, draft, now)
                added.append(draft.topic)
        audit = await record_action(
            tx,
            guild_id=guild_id,
            actor_id=actor_id,
            action="faq.import",
            target=f"{len(added)} added, {len(updated)} updated",
            after={"added": added, "updated": updated},
            now=now,
        )
    return ImportResult(tuple(added), tuple(updated), audit)


async def export_entries(db: Database, guild_id: int, fmt: str) -> bytes:
    """This server's own entries as YAML or JSON in the import format (built-ins are not exported)."""
    rows = await _server_rows(db, guild_id)
    if not rows:
        raise NotFoundError("This server has no FAQ entries of its own yet; add one with /admin faq add.")
    entries = [_as_draft(_faq_from_row(row, overrides=False)).as_dict() for row in rows]
    if fmt == "json":
        return (json.dumps({"faqs": entries}, ensure_ascii=False, indent=2) + "\n").encode()
    if fmt == "yaml":
        dumped: str = yaml.safe_dump({"faqs": entries}, sort_keys=False, allow_unicode=True, width=100)
        return dumped.encode()
    raise ValidationError("The format is yaml or json.")


# --------------------------------------------------------------------------------------------------------------
# Statistics
# --------------------------------------------------------------------------------------------------------------


async def faq_stats(db: Database, guild_id: int, since: datetime, *, top: int = 3) -> FaqStats:
    """FAQ use in a server since ``since``: questions answered and missed, views, votes, gaps, top entries."""
    start = iso(since)
    counts = {
        row["via"]: int(row["n"])
        for row in await db.fetch_all(
            "SELECT via, COUNT(*) AS n FROM faq_usage WHERE guild_id = ? AND created_at >= ? GROUP BY via",
            (guild_id, start),
        )
    }
    votes = await db.fetch_one(
        """
        SELECT COUNT(*) FILTER (WHERE vote = 1) AS up, COUNT(*) FILTER (WHERE vote = -1) AS down
        FROM faq_feedback WHERE guild_id = ? AND updated_at >= ?
        """,
        (guild_id, start),
    )
    new_gaps = await db.fetch_value(
        "SELECT COUNT(*) FROM faq_gaps WHERE guild_id = ? AND first_asked_at >= ?", (guild_id, start)
    )
    open_gaps = await db.fetch_value(
        "SELECT COUNT(*) FROM faq_gaps WHERE guild_id = ? AND status = 'open'", (guild_id,)
    )
    rows = await db.fetch_all(
        """
        SELECT topic, COUNT(*) AS views
        FROM faq_usage
        WHERE guild_id = ? AND created_at >= ? AND topic IS NOT NULL
        GROUP BY topic
        ORDER BY views DESC, topic
        LIMIT ?
        """,
        (guild_id, start, top),
    )
    return FaqStats(
        asks=counts.get("ask", 0),
        misses=counts.get("miss", 0),
        shows=counts.get("show", 0) + counts.get("button", 0),
        helpful=int(votes["up"]) if votes else 0,
        unhelpful=int(votes["down"]) if votes else 0,
        new_gaps=int(new_gaps or 0),
        open_gaps=int(open_gaps or 0),
        top=tuple(TopicStats(r["topic"], int(r["views"])) for r in rows),
    )
