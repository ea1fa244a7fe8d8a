"""The one ordering rule of every autocomplete in the bot (pure, no I/O).

:func:`rank` orders items by how what was typed matches them, best first:

1. the name exactly, 2. the start of the name, 3. the start of the name's words (every typed word), 4. anywhere
   in the name;
5. then the same four over the item's aliases — a name match always outranks an alias match, and an alias
   match carries the alias so the label can say why it was offered: ``Name (alias)`` (:func:`label`);
6. then close spellings of the name or an alias (fuzzy).

Ties go by name, in natural order ("#2" before "#10"); fuzzy matches go by similarity first. Matching ignores
case, accents and punctuation ("new_y" finds "America/New_York"). Nothing typed keeps the caller's order.
Discord takes at most 25 choices with names of at most 100 characters; :func:`label` shortens the name, never
the value.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from enum import IntEnum
from functools import lru_cache
from typing import Final

__all__ = ["MAX_CHOICES", "MAX_LABEL", "Ranked", "Tier", "label", "plain", "rank"]

MAX_CHOICES: Final = 25  # Discord: choices per autocomplete answer
MAX_LABEL: Final = 100  # Discord: characters in a choice's name (and value)
FUZZY_CUTOFF: Final = 0.6
_ALIAS_ROOM: Final = 40  # an alias shown in a label is cut to this when the whole label would not fit


class Tier(IntEnum):
    """How an item matched, best first."""

    NAME_EXACT = 0
    NAME_PREFIX = 1
    NAME_WORD_PREFIX = 2
    NAME_SUBSTRING = 3
    ALIAS_EXACT = 4
    ALIAS_PREFIX = 5
    ALIAS_WORD_PREFIX = 6
    ALIAS_SUBSTRING = 7
    FUZZY = 8


_ALIAS_OFFSET: Final = Tier.ALIAS_EXACT - Tier.NAME_EXACT


@dataclass(frozen=True, slots=True)
class Ranked:
    """One ranked item: its key, its name, the alias that matched (None when the name did) and how it matched."""

    key: str
    name: str
    alias: str | None
    tier: Tier
    score: float = 1.0  # the similarity of a fuzzy match; 1.0 otherwise

    @property
    def label(self) -> str:
        """``Name`` or ``Name (alias)``, within Discord's 100 characters."""
        return label(self.name, self.alias)


_TOKEN: Final = re.compile(r"[a-z0-9]+")
_APOSTROPHE: Final = re.compile(r"['’`]")
_DIGITS: Final = re.compile(r"(\d+)")


@lru_cache(maxsize=8192)
def plain(text: str) -> str:
    """Lower case without accents, apostrophes or punctuation, words separated by one space."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    return " ".join(_TOKEN.findall(_APOSTROPHE.sub("", folded)))


@lru_cache(maxsize=8192)
def _natural(name: str) -> tuple[str | int, ...]:
    """Sort key putting "#2" before "#10": digit runs compare as numbers (they always sit at odd positions)."""
    parts = _DIGITS.split(name.casefold())
    return tuple(int(p) if i % 2 else p for i, p in enumerate(parts))


def _tier(typed: str, text: str) -> int | None:
    """0 exact, 1 prefix, 2 every typed word starts a word, 3 substring; None otherwise (both already plain)."""
    if text == typed:
        return 0
    if text.startswith(typed):
        return 1
    words = text.split()
    if all(any(w.startswith(t) for w in words) for t in typed.split()):
        return 2
    if typed in text:
        return 3
    return None


@lru_cache(maxsize=8192)
def _matcher(text: str) -> SequenceMatcher[str]:
    """A matcher with ``text`` analysed once; the caller sets the first sequence and reads it at once."""
    return SequenceMatcher(None, "", text)


def _ratio_above(a: str, b: str, floor: float) -> float:
    """The similarity of ``a`` and ``b`` when it can reach ``floor``; otherwise some value below ``floor``.

    ``real_quick_ratio`` and ``quick_ratio`` are upper bounds of ``ratio``, so most texts are ruled out cheaply.
    """
    matcher = _matcher(b)
    matcher.set_seq1(a)
    if matcher.real_quick_ratio() < floor or matcher.quick_ratio() < floor:
        return -1.0
    return matcher.ratio()


def _similarity(typed: str, text: str) -> float:
    """How alike the typed fragment is to the text's start, the whole text or the start of one of its words."""
    best = _ratio_above(typed, text[: len(typed) + 2], FUZZY_CUTOFF)
    best = max(best, _ratio_above(typed, text, max(best, FUZZY_CUTOFF)))
    for word in text.split():
        best = max(best, _ratio_above(typed, word[: len(typed) + 1], max(best, FUZZY_CUTOFF)))
    return best


def rank(typed: str, items: Iterable[tuple[str, Sequence[str]]], limit: int = MAX_CHOICES) -> list[Ranked]:
    """Items best first by the rule above; each at most once, under its best match.

    ``items`` are ``(key, (name, *aliases))``. A caller that wants the key itself to match lists it among the
    aliases. An empty ``typed`` returns the first ``limit`` items in their given order.
    """
    wanted = plain(typed)
    if not wanted:
        return [Ranked(key, names[0], None, Tier.NAME_EXACT) for key, names in list(items)[:limit]]
    found: list[Ranked] = []
    unmatched: list[tuple[str, Sequence[str]]] = []
    for key, names in items:
        name, *aliases = names
        tier = _tier(wanted, plain(name))
        if tier is not None:
            found.append(Ranked(key, name, None, Tier(tier)))
            continue
        best: tuple[int, str] | None = None
        for alias in aliases:
            alias_tier = _tier(wanted, plain(alias))
            if alias_tier is not None and (best is None or alias_tier < best[0]):
                best = (alias_tier, alias)
        if best is not None:
            found.append(Ranked(key, name, best[1], Tier(best[0] + _ALIAS_OFFSET)))
        else:
            unmatched.append((key, names))
    found.sort(key=lambda r: (r.tier, _natural(r.name), _natural(r.alias or "")))
    if len(found) >= limit:
        return found[:limit]
    fuzzy: list[Ranked] = []
    for key, (name, *aliases) in unmatched:
        score, closest = _similarity(wanted, plain(name)), None
        for candidate in aliases:
            candidate_score = _similarity(wanted, plain(candidate))
            if candidate_score > score:
                score, closest = candidate_score, candidate
        if score >= FUZZY_CUTOFF:
            fuzzy.append(Ranked(key, name, closest, Tier.FUZZY, score))
    fuzzy.sort(key=lambda r: (-r.score, _natural(r.name), r.alias is not None))
    return (found + fuzzy)[:limit]


def _cut(text: str, room: int) -> str:
    return text if len(text) <= room else text[: max(room - 1, 0)].rstrip() + "…"


def label(name: str, alias: str | None = None, *, suffix: str = "", limit: int = MAX_LABEL) -> str:
    """``Name (alias)`` plus ``suffix`` within ``limit`` characters; the name is shortened first, so why the
    item was offered (the alias, the suffix) stays visible."""
    name = " ".join(name.split())
    tail = f" ({' '.join(alias.split())})" if alias else ""
    if len(name) + len(tail) + len(suffix) <= limit:
        return name + tail + suffix
    if alias:
        tail = f" ({_cut(' '.join(alias.split()), _ALIAS_ROOM)})"
    return _cut(_cut(name, limit - len(tail) - len(suffix)) + tail + suffix, limit)
