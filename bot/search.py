"""Pure text analysis for the FAQ search and for autocomplete ranking (no I/O but reading one bundled table).

Search text is analysed here, not by SQLite: :func:`analyse` turns text into canonical, stemmed terms (one
spelling for British/American words, chat spelling and abbreviations spelled out, stop words and filler dropped, a
light suffix stemmer), and the full-text index stores those terms separated by spaces. Chat spelling, short forms
and filler ("wot", "mgmt", "lol") come from a table kept as data (``data/chat_spelling.yaml``). Python and the
index therefore agree on every term, typo correction can work against the indexed words, and a PostgreSQL
``tsvector`` stores the same terms.

:func:`rank_names` and :func:`suggest` rank autocomplete choices and "did you mean" suggestions: exact, then
prefix, then word-prefix, then substring, then fuzzy matches.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Final

import yaml

from bot import ranking

__all__ = [
    "ANALYSER_VERSION",
    "CHAT_SPELLING_FILE",
    "ChatSpelling",
    "Match",
    "QueryTerm",
    "analyse",
    "canonical_words",
    "chat_spelling",
    "correct_word",
    "edit_distance",
    "idf",
    "is_confident",
    "normalise_question",
    "parse_chat_spelling",
    "plan_query",
    "rank_names",
    "ratio_above",
    "slugify",
    "stem",
    "suggest",
]

ANALYSER_VERSION: Final = 4
"""Bump when analysis changes (this module or data/chat_spelling.yaml): the index is rebuilt at start-up when this
differs from the stored digest."""

CHAT_SPELLING_FILE: Final[Path] = Path(__file__).resolve().parent.parent / "data" / "chat_spelling.yaml"
"""Chat spelling, short forms and filler words, kept as data (see the file's header)."""

STOPWORDS: Final[frozenset[str]] = frozenset(
    """
    a about above after again against all also am an and any anybody anyone anything are as at be because been
    before being below between both but by can cannot could d did do does doing done dont down during each either
    else etc even ever every few for from further get gets getting go going got had has have having he hello her
    here hers hey hi him his how i id if im in into is it its itself ive just know let ll lot lots m me mean might
    more most much must my myself need needs no nor not now of off ok okay on once one only or other our ours out
    over own please pls plz re really s say shall she should so some someone something such t tell than thank
    thanks that the their them then there these they thing things this those through to too u ur under until up
    us use used uses using ve very want wanna was way we well were what whats when where whether which while who
    whom why will with would wondering wt wat wht y yeah yes yet you your yours
    actually basically exactly literally currently generally honestly probably definitely totally simply kinda
    sorta bit stuff guys folks idea good great nice like think sure right maybe wise quite
    """.split()  # noqa: SIM905 - a word list reads better as prose
)

# Words rewritten before stemming, on both sides, so one concept has one spelling.
_WORD_MAP: Final[Mapping[str, str]] = {
    "programme": "program",
    "programmes": "program",
    "programs": "program",
    "centre": "center",
    "learnt": "learned",
    "licence": "license",
    "behaviour": "behavior",
    "colour": "color",
    "analyze": "analyse",
    "analyzing": "analysing",
    "resume": "cv",
    "resumes": "cv",
    "cvs": "cv",
    "vitae": "cv",
    "pm": "project manager",
    "pms": "project manager",
    "pso": "project support officer",
    "mi": "management information",
    "jd": "job description",
    "admin": "administrator",
    "admins": "administrator",
    "coord": "coordinator",
    "coords": "coordinator",
    "cert": "certification",
    "certs": "certification",
    "certificate": "certification",
    "certificates": "certification",
    "certified": "certification",
    "vs": "differ",
    "v": "differ",
    "versus": "differ",
    "different": "differ",
    "difference": "differ",
    "differences": "differ",
    "differs": "differ",
    "differentiate": "differ",
    "distinguish": "differ",
    "compare": "differ",
    "compared": "differ",
    "comparison": "differ",
    "mentee": "mentor",
    "mentees": "mentor",
    "mentorship": "mentor",
    "advert": "job description",
    "adverts": "job description",
    "ad": "job description",
    "ads": "job description",
    "posting": "job description",
    "vacancy": "job description",
    "vacancies": "job description",
    "spec": "job description",
    "pdus": "pdu",
    "centralised": "central",
    "centralized": "central",
    "centralisation": "central",
    "decentralised": "distributed",
    "decentralized": "distributed",
    "kind": "type",
    "kinds": "types",
    "sorts": "types",
    "flavours": "types",
    "retro": "retrospective",
    "retros": "retrospective",
    "bi": "business intelligence",
}

# Query-only expansions: related words that should also find an entry, weighted lower than the member's own words.
_EXPANSIONS: Final[Mapping[str, tuple[str, ...]]] = {
    "software": ("tool",),
    "app": ("tool",),
    "apps": ("tool",),
    "platform": ("tool",),
    "system": ("tool",),
    "forum": ("community",),
    "forums": ("community",),
    "group": ("community",),
    "groups": ("community",),
    "meetup": ("community", "event"),
    "meetups": ("community", "event"),
    "network": ("community", "networking"),
    "slack": ("community",),
    "discord": ("community",),
    "linkedin": ("community", "cv"),
    "course": ("certification", "learning"),
    "courses": ("certification", "learning"),
    "training": ("certification", "course"),
    "class": ("course",),
    "qualification": ("certification",),
    "qualifications": ("certification",),
    "exam": ("certification",),
    "renew": ("current", "pdus", "cpd"),
    "renewal": ("current", "pdus", "cpd"),
    "worth": ("value",),
    "justify": ("value",),
    "prove": ("value",),
    "funded": ("prioritise", "portfolio"),
    "funding": ("prioritise", "portfolio"),
    "fund": ("prioritise", "portfolio"),
    "invest": ("prioritise", "portfolio"),
    "scope": ("change", "control"),
    "steering": ("governance", "committee"),
    "gate": ("governance",),
    "gates": ("governance",),
    "audit": ("assurance",),
    "healthcheck": ("assurance", "health", "check"),
    "capacity": ("resource",),
    "allocation": ("resource",),
    "bandwidth": ("resource", "capacity"),
    "utilisation": ("resource",),
    "staff": ("resource",),
    "staffing": ("resource",),
    "retrospective": ("lessons",),
    "postmortem": ("lessons",),
    "traffic": ("rag",),
    "green": ("rag",),
    "amber": ("rag",),
    "red": ("rag",),
    "watermelon": ("rag",),
    "dashboard": ("reporting",),
    "dashboards": ("reporting",),
    "report": ("reporting",),
    "beginner": ("entry", "level"),
    "graduate": ("entry", "level"),
    "onboarding": ("first", "90", "days"),
    "starting": ("first", "new"),
    "start": ("first", "new"),
    "month": ("90", "days"),
    "months": ("90", "days"),
    "interviews": ("interview",),
    "transferable": ("transfer", "industry"),
    "sector": ("industry",),
    "switch": ("move", "change"),
    "salary": ("career",),
    "promotion": ("career", "progress"),
    "progression": ("career", "path"),
    "learn": ("learning", "development"),
    "grow": ("development", "career"),
    "technical": ("hard",),
    "interpersonal": ("soft",),
    "people": ("resource", "soft"),
    "zero": ("entry", "level", "first"),
    "without": ("entry", "level"),
    "sign": ("offer", "join"),
    "volunteer": ("offer", "mentor"),
    "fighting": ("resource", "conflict"),
    "clash": ("resource", "conflict"),
    "developer": ("resource",),
    "division": ("spoke", "distributed"),
    "divisions": ("spoke", "distributed"),
    "department": ("spoke", "distributed"),
    "departments": ("spoke", "distributed"),
    "setup": ("model", "type"),
    "structure": ("model", "type"),
    "same": ("differ",),
}

# Every spelling the analyser knows, so a typo of "different" or "software" is corrected too.
_KNOWN_SPELLINGS: Final[frozenset[str]] = frozenset(w for w in (*_WORD_MAP, *_EXPANSIONS) if len(w) > 4)

_PHRASES: Final[tuple[tuple[re.Pattern[str], str], ...]] = (
    # 70-20-10 in any of its spellings ("70/20/10", "70:20:10", "70 20 10", "70%-20%-10%") is one term.
    (re.compile(r"\b70\s*%?\s*[-:/,.]?\s*20\s*%?\s*[-:/,.]?\s*10\b%?"), " r702010 "),
    # "co-ordinator", "co-ord" → "coordinator", "coord"; "e-mail" → "email"; "re-certify" → "recertify".
    (re.compile(r"\b(co|e|re|pre)-(?=[a-z])"), r"\1"),
    (re.compile(r"\b(three|3)\s+months?\b"), " 90 days "),
    (re.compile(r"\bpower\s*bi\b"), " powerbi "),
    (re.compile(r"\bhealth\s*checks?\b"), " healthcheck "),
    (re.compile(r"\bpost[-\s]?mortems?\b"), " postmortem "),
    # "what kinda PMOs" asks for kinds; elsewhere "kinda" is filler ("kinda new here").
    (re.compile(r"\b(what|which|wat|wot)\s+(?:kinda|sorta)\b"), r" \1 kind "),
    # Wanting a mentor is finding one, whichever verb is used ("get a mentor", "need a pmo mentor").
    (
        re.compile(
            r"\b(?:get|getting|need|needing|want|wanting|wanna|looking\s+for)\s+(?:me\s+)?(?:an?\s+)?((?!to\b|be\b|become\b)\w+\s+)?mentors?\b"
        ),
        r" find \1mentor ",
    ),
    # "my own dev", "career dev": development (a "dev" alone may be a developer).
    (re.compile(r"\b(my|own|personal|career|professional|self)\s+dev\b"), r" \1 development "),
)
_TOKEN: Final = re.compile(r"[a-z0-9]+")
_WHOLE_TOKEN: Final = re.compile(r"[a-z0-9]+")
_APOSTROPHE: Final = re.compile(r"['’`]")


def _fold(text: str) -> str:
    """Casefold and strip accents ("résumé" → "resume")."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@dataclass(frozen=True, slots=True)
class ChatSpelling:
    """How people type in chat: tokens spelled out (``wot`` → ``what``, ``mgmt`` → ``management``) and filler."""

    spellings: Mapping[str, str]
    filler: frozenset[str]


def parse_chat_spelling(data: object, source: str = "chat spelling") -> ChatSpelling:
    """Check and freeze the chat-spelling table (``spellings``: token → words; ``filler``: tokens to drop)."""
    if not isinstance(data, Mapping):
        raise ValueError(f"{source}: expected a mapping with 'spellings' and 'filler'")
    spellings = data.get("spellings") or {}
    filler = data.get("filler") or []
    if not isinstance(spellings, Mapping) or not isinstance(filler, list):
        raise ValueError(f"{source}: 'spellings' must be a mapping and 'filler' a list")
    problems = []
    table: dict[str, str] = {}
    for token, words in spellings.items():
        key, value = str(token), str(words).casefold()
        if not _WHOLE_TOKEN.fullmatch(key):
            problems.append(f"{key!r} is not one lowercase token")
        elif not value.split() or not all(_WHOLE_TOKEN.fullmatch(w) for w in value.split()):
            problems.append(f"{key!r}: {words!r} should be lowercase words")
        else:
            table[key] = " ".join(value.split())
    dropped = set()
    for token in filler:
        if not _WHOLE_TOKEN.fullmatch(str(token)):
            problems.append(f"filler {token!r} is not one lowercase token")
        elif str(token) in table:
            problems.append(f"{token!r} is both spelled out and filler")
        else:
            dropped.add(str(token))
    if problems:
        raise ValueError(f"{source}: " + "; ".join(problems))
    return ChatSpelling(MappingProxyType(table), frozenset(dropped))


@lru_cache(maxsize=1)
def chat_spelling() -> ChatSpelling:
    """The bundled table (data/chat_spelling.yaml), read once."""
    with CHAT_SPELLING_FILE.open(encoding="utf-8") as file:
        return parse_chat_spelling(yaml.safe_load(file), CHAT_SPELLING_FILE.name)


def canonical_words(text: str, *, keep_stopwords: bool = False) -> list[str]:
    """Lower-case words in canonical spelling, chat spelling and abbreviations spelled out, stop words and filler
    dropped (not stemmed)."""
    folded = _APOSTROPHE.sub("", _fold(text))
    for pattern, replacement in _PHRASES:
        folded = pattern.sub(replacement, folded)
    chat = chat_spelling()
    words: list[str] = []
    for token in _TOKEN.findall(folded):
        for spelled in chat.spellings.get(token, token).split():
            for word in _WORD_MAP.get(spelled, spelled).split():
                if keep_stopwords or (word not in STOPWORDS and word not in chat.filler):
                    words.append(word)
    return words


_INFLECTIONS: Final[tuple[tuple[str, str, int], ...]] = (
    # (suffix, replacement, minimum length of what remains), longest first; the first match wins.
    ("sses", "ss", 2),
    ("ies", "y", 3),
    ("ied", "y", 3),
    ("ches", "ch", 2),
    ("shes", "sh", 2),
    ("xes", "x", 2),
    ("ings", "", 3),
    ("ing", "", 3),
    ("ers", "", 4),
    ("er", "", 4),
    ("ed", "", 3),
)
_DERIVATIONS: Final[tuple[tuple[str, str, int], ...]] = (
    ("ation", "", 4),
    ("ment", "", 4),
    ("anc", "", 4),
    ("enc", "", 4),
    ("ly", "", 4),
)
_NO_PLURAL: Final = ("ss", "us", "is")


def _strip(word: str, rules: tuple[tuple[str, str, int], ...]) -> tuple[str, bool]:
    for suffix, replacement, keep in rules:
        if word.endswith(suffix) and len(word) - len(suffix) >= keep:
            return word[: -len(suffix)] + replacement, True
    return word, False


def _drop_final_e(word: str) -> str:
    return word[:-1] if len(word) > 4 and word.endswith("e") else word


def stem(word: str) -> str:
    """A light, symmetric English stemmer (applied to indexed and asked text alike).

    Inflections first ("planning" → "plan", "communities" → "community", "roles" → "role"), then a final
    "e", then a few derivations ("experience" → "experi", "management" → "manag"), and "-iz" becomes "-is"
    so American and British spellings meet.
    """
    if len(word) <= 3 or word.isdigit():
        return word
    word, stripped = _strip(word, _INFLECTIONS)
    if stripped:
        # "planning" → "plann" → "plan"; keep real doubles such as "ss" and "ll".
        if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "slz" and word[-1].isalpha():
            word = word[:-1]
    elif word.endswith("s") and not word.endswith(_NO_PLURAL):
        word = word[:-1]
    word = _drop_final_e(word)
    word, _ = _strip(word, _DERIVATIONS)
    word = _drop_final_e(word)
    if word.endswith("iz") and len(word) > 4:
        word = word[:-2] + "is"
    return word


def analyse(text: str) -> list[str]:
    """Canonical, stemmed terms of a text, in order (what the full-text index stores)."""
    return [stem(word) for word in canonical_words(text)]


_KEYBOARD_ROWS: Final = ("1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm")
_NEIGHBOURS: Final[Mapping[str, frozenset[str]]] = {
    key: frozenset(
        other
        for other_row, other_line in enumerate(_KEYBOARD_ROWS)
        for other_col, other in enumerate(other_line)
        if abs(other_row - row) <= 1 and abs(other_col - col) <= 1 and other != key
    )
    for row, line in enumerate(_KEYBOARD_ROWS)
    for col, key in enumerate(line)
}


def edit_distance(a: str, b: str, limit: int, *, strict_substitution: bool = False) -> int:
    """Optimal-string-alignment distance (adjacent swaps count once), or ``limit + 1`` once it exceeds ``limit``.

    With ``strict_substitution`` a letter swapped for one that is not its keyboard neighbour costs 2: short real
    words ("charge", "change") differ that way, while typing slips usually drop, double, swap or hit a nearby key.
    """
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, start=1):
            if ca == cb:
                cost = 0
            elif strict_substitution and cb not in _NEIGHBOURS.get(ca, frozenset()):
                cost = 2
            else:
                cost = 1
            value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                value = min(value, previous2[j - 2] + 1)
            current[j] = value
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


@lru_cache(maxsize=16384)
def _letters(word: str) -> Mapping[str, int]:
    """How often each letter occurs in a word (cached: the same vocabulary words are compared on every question)."""
    counts: dict[str, int] = {}
    for ch in word:
        counts[ch] = counts.get(ch, 0) + 1
    return counts


def _bag_distance(a: Mapping[str, int], b: Mapping[str, int]) -> int:
    """A lower bound of :func:`edit_distance`: an insertion, deletion or substitution changes each side by at most
    one letter and a swap changes neither, so the edit distance is at least the larger one-sided surplus."""
    only_a = only_b = 0
    for ch, n in a.items():
        m = b.get(ch, 0)
        if n > m:
            only_a += n - m
    for ch, m in b.items():
        n = a.get(ch, 0)
        if m > n:
            only_b += m - n
    return max(only_a, only_b)


def _max_typos(word: str) -> int:
    if len(word) <= 4:
        return 0
    if len(word) <= 7:
        return 1
    return 2


def correct_word(word: str, vocabulary: Mapping[str, int]) -> str | None:
    """The indexed word closest to a misspelt one (fewest edits, then most frequent), or None if none is close.

    ``vocabulary`` maps indexed (canonical, unstemmed) words to how many entries use them.
    """
    limit = _max_typos(word)
    if limit == 0:
        return None
    best: tuple[int, int, str] | None = None
    letters = _letters(word)
    candidates = [*vocabulary.items(), *((w, 0) for w in _KNOWN_SPELLINGS if w not in vocabulary)]
    for candidate, count in candidates:
        if abs(len(candidate) - len(word)) > limit or len(candidate) <= 3:
            continue
        if _bag_distance(letters, _letters(candidate)) > limit:
            continue  # a cheap lower bound of the edit distance rules most words out
        distance = edit_distance(word, candidate, limit, strict_substitution=len(word) <= 7)
        if distance > limit:
            continue
        key = (distance, -count, candidate)
        if best is None or key < best:
            best = key
    return None if best is None else best[2]


@dataclass(frozen=True, slots=True)
class QueryTerm:
    """One stemmed term of a query: the member's own word (weight 1), a typo fix, or a related word."""

    term: str
    weight: float
    source: str  # "word", "corrected" or "related"
    word: str  # what the member typed (for corrections and related words, the word it came from)


def plan_query(question: str, vocabulary: Mapping[str, int], stems: Iterable[str]) -> list[QueryTerm]:
    """Turn a member's question into weighted search terms: typos fixed against ``vocabulary``, related words added.

    ``stems`` are the stemmed terms present in the index; a word whose stem is already there is not "corrected".
    """
    known = set(stems)
    terms: dict[str, QueryTerm] = {}

    def add(term: QueryTerm) -> None:
        current = terms.get(term.term)
        if current is None or current.weight < term.weight:
            terms[term.term] = term

    def expand(word: str) -> None:
        for related in _expansions_by_stem().get(stem(word), ()):
            for related_word in canonical_words(related):
                add(QueryTerm(stem(related_word), 0.4, "related", word))

    for word in canonical_words(question):
        term = stem(word)
        if term not in known and word not in vocabulary and word not in _KNOWN_SPELLINGS:
            fixed = correct_word(word, vocabulary)
            if fixed is not None:
                for fixed_word in canonical_words(fixed, keep_stopwords=True):
                    add(QueryTerm(stem(fixed_word), 0.8, "corrected", word))
                    expand(fixed_word)
                continue
            # Unknown and uncorrectable: it still counts against confidence, since nothing covers it.
        add(QueryTerm(term, 1.0, "word", word))
        expand(word)
    return list(terms.values())


@lru_cache(maxsize=1)
def _expansions_by_stem() -> Mapping[str, tuple[str, ...]]:
    merged: dict[str, tuple[str, ...]] = {}
    for word, related in _EXPANSIONS.items():
        key = stem(word)
        merged[key] = tuple(dict.fromkeys((*merged.get(key, ()), *related)))
    return merged


def normalise_question(question: str, vocabulary: Mapping[str, int], stems: Iterable[str]) -> str:
    """A stable key for a knowledge gap: the member's own (typo-fixed) terms, sorted and de-duplicated."""
    terms = {term.term for term in plan_query(question, vocabulary, stems) if term.source != "related"}
    return " ".join(sorted(terms))[:200]


# When to answer rather than record a knowledge gap (chosen on tests/test_faq_search_quality.py and
# tests/data/faq_dev_slang.yaml; checked on the held-out tests/data/faq_heldout.yaml). Either rule is enough.
# 1. A good answer on its own: it scores well, covers a good part of the question and is *about* it.
CONFIDENT_SCORE: Final = 0.45
CONFIDENT_COVERAGE: Final = 0.4
CONFIDENT_FOCUS: Final = 0.4
# 2. A clear winner: well ahead of the next entry, its question or aliases naming at least two of the member's
# words, and somewhat about the question. Chat questions carry words no entry uses ("tmrw", "nhs", "go live"),
# which keep coverage low even when one entry plainly fits; a pizza or commute question names one word at most.
CLEAR_SCORE: Final = 0.45
CLEAR_LEAD: Final = 1.5
CLEAR_FOCUS: Final = 0.2
CLEAR_NAMED: Final = 2


def is_confident(score: float, coverage: float, focus: float, *, runner_up: float = 0.0, named: int = 0) -> bool:
    """Whether the best entry (``score``, ``coverage`` and ``focus`` as the FAQ search rates them) answers the question.

    ``runner_up`` is the next entry's score (0 when there is none); ``named`` is how many of the member's own words
    the best entry's question, aliases or topic contain.
    """
    if score >= CONFIDENT_SCORE and coverage >= CONFIDENT_COVERAGE and focus >= CONFIDENT_FOCUS:
        return True
    return score >= CLEAR_SCORE and score >= CLEAR_LEAD * runner_up and focus >= CLEAR_FOCUS and named >= CLEAR_NAMED


def idf(document_frequency: int, documents: int) -> float:
    """Inverse document frequency as bm25 uses it (never negative)."""
    return math.log(1 + (documents - document_frequency + 0.5) / (document_frequency + 0.5))


_SLUG_JUNK: Final = re.compile(r"[^a-z0-9]+")


def slugify(text: str, max_len: int = 60) -> str:
    """A lowercase kebab-case slug cut at a word boundary (``"What's a RAID log?"`` → ``whats-a-raid-log``)."""
    slug = _SLUG_JUNK.sub("-", _APOSTROPHE.sub("", _fold(text))).strip("-")
    if len(slug) > max_len:
        slug = slug[:max_len].rsplit("-", 1)[0] if "-" in slug[:max_len] else slug[:max_len]
    return slug


# --------------------------------------------------------------------------------------------------------------
# Autocomplete and "did you mean"
# --------------------------------------------------------------------------------------------------------------

EXACT, PREFIX, WORD_PREFIX, SUBSTRING, FUZZY = range(5)
_FUZZY_CUTOFF: Final = 0.6
_SUGGEST_CUTOFF: Final = 0.45


@lru_cache(maxsize=8192)
def _plain(text: str) -> str:
    return " ".join(_TOKEN.findall(_APOSTROPHE.sub("", _fold(text).replace("-", " "))))


@lru_cache(maxsize=8192)
def _matcher(b: str) -> SequenceMatcher[str]:
    """A matcher with ``b`` analysed once; callers set the first sequence and read it before any ``await``."""
    return SequenceMatcher(None, "", b)


def ratio_above(a: str, b: str, floor: float) -> float:
    """``SequenceMatcher(None, a, b).ratio()`` when it can reach ``floor``; otherwise some value below ``floor``.

    The length and letter-count bounds (``real_quick_ratio``, ``quick_ratio``) are never below the ratio, so an
    entry they rule out could not have reached ``floor``; most names are ruled out without the full comparison.
    """
    matcher = _matcher(b)
    matcher.set_seq1(a)
    if matcher.real_quick_ratio() < floor or matcher.quick_ratio() < floor:
        return -1.0
    return matcher.ratio()


@dataclass(frozen=True, slots=True)
class Match:
    """A ranked autocomplete match: ``key`` identifies the item, ``name`` is the label that matched."""

    key: str
    name: str
    tier: int
    score: float


def _similarity(typed: str, name: str, floor: float = 0.0) -> float:
    """How alike a typed fragment and a name are, comparing against the name's start and each of its words.

    Exact when the result is at least ``floor``; below ``floor`` it only promises to stay below it.
    """
    best = ratio_above(typed, name[: len(typed) + 2], floor)
    best = max(best, ratio_above(typed, name, max(best, floor)))
    for word in name.split():
        best = max(best, ratio_above(typed, word[: len(typed) + 1], max(best, floor)))
    return best


def _tier(typed: str, name: str) -> tuple[int, float] | None:
    if name == typed:
        return EXACT, 1.0
    if name.startswith(typed):
        return PREFIX, len(typed) / len(name)
    words = name.split()
    typed_words = typed.split()
    if all(any(w.startswith(t) for w in words) for t in typed_words):
        return WORD_PREFIX, len(typed) / len(name)
    if typed in name:
        return SUBSTRING, len(typed) / len(name)
    score = _similarity(typed, name, _FUZZY_CUTOFF)
    if score >= _FUZZY_CUTOFF:
        return FUZZY, score
    return None


def rank_names(typed: str, items: Sequence[tuple[str, Sequence[str]]], limit: int = 25) -> list[Match]:
    """Autocomplete ranking: :func:`bot.ranking.rank` (the bot's one rule; names before aliases), with each item's
    key matched as a last alias. ``name`` of a match is the name or alias that matched."""
    keyed = [(key, (*names, key)) for key, names in items]
    return [Match(m.key, m.alias or m.name, int(m.tier), m.score) for m in ranking.rank(typed, keyed, limit=limit)]


def suggest(typed: str, items: Sequence[tuple[str, Sequence[str]]], limit: int = 3) -> list[str]:
    """Keys of the items most like ``typed`` (for "did you mean …"), best first; may be empty."""
    plain = _plain(typed)
    if not plain:
        return []
    scored: list[tuple[float, int, str]] = []
    for position, (key, names) in enumerate(items):
        best = 0.0
        for name in (*names, key):
            candidate = _plain(name)
            if not candidate:
                continue
            found = _tier(plain, candidate)
            score = 1.0 + (4 - found[0]) if found is not None and found[0] < FUZZY else 0.0
            score = max(score, ratio_above(plain, candidate, max(score, best, _SUGGEST_CUTOFF)))
            best = max(best, score)
        if best >= _SUGGEST_CUTOFF:
            scored.append((-best, position, key))
    scored.sort()
    return [key for _, _, key in scored[:limit]]
