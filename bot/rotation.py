"""Which prompt a server posts next: pure rotation rules, no I/O.

Two rules, in order of strength:

1. **No repeat until the active bank is used.** Every post belongs to a *cycle*; a prompt already posted in the
   current cycle is not posted again until every active prompt has been, and then a new cycle begins.
2. **Kinds near 70/20/10 across any 10 consecutive posts.** Rule 1 fixes the mix of a whole cycle (it is the
   mix of the active bank), so the rotation spreads that mix evenly: the next kind is the one furthest below
   its quota (its share of the cycle times the posts made so far). Every prefix of a cycle then stays within
   one post per kind of the cycle's mix, so every 10 consecutive posts are within two of it — and exactly
   7/2/1 when the bank is (the built-in bank is 53/15/8). A bank that drifts from 70/20/10 is reported to
   moderators by ``/admin prompts status``; it cannot be corrected without breaking rule 1.

Within a kind the pick is a stable pseudo-random function of a seed (e.g. the occurrence key), so members
don't see the bank's file order and a retried occurrence would choose the same prompt.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "KINDS",
    "LOW_BANK",
    "TARGET",
    "WINDOW",
    "Candidate",
    "Choice",
    "Posted",
    "bank_mix",
    "choose_next",
    "count_kinds",
    "current_cycle",
    "kind_order",
    "mix_drifts",
    "unused_in_cycle",
]

KINDS: tuple[str, ...] = ("experience", "exposure", "education")
# Posts of each kind per WINDOW consecutive posts (the 70-20-10 rule); also the tie-break between kinds.
TARGET: dict[str, int] = {"experience": 7, "exposure": 2, "education": 1}
WINDOW = 10
# Moderators are warned when fewer than this many unused prompts remain in the current cycle.
LOW_BANK = 7


@dataclass(frozen=True, slots=True)
class Candidate:
    """An active prompt that may be posted: a stable reference and its kind."""

    ref: str
    kind: str


@dataclass(frozen=True, slots=True)
class Posted:
    """A post already made (or reserved), oldest first in a history."""

    ref: str
    kind: str
    cycle: int


@dataclass(frozen=True, slots=True)
class Choice:
    """The next prompt, the cycle it belongs to, and how many active prompts stay unused in that cycle after it."""

    ref: str
    kind: str
    cycle: int
    remaining: int

    @property
    def low(self) -> bool:
        """Whether the cycle is running out (moderators should add prompts before repeats start)."""
        return self.remaining < LOW_BANK


def current_cycle(history: Sequence[Posted]) -> int:
    """The cycle of the latest post (0 before the first post)."""
    return max((post.cycle for post in history), default=0)


def unused_in_cycle(bank: Sequence[Candidate], history: Sequence[Posted]) -> list[Candidate]:
    """Active prompts not yet posted in the current cycle, in bank order."""
    cycle = current_cycle(history)
    used = {post.ref for post in history if post.cycle == cycle}
    return [candidate for candidate in bank if candidate.ref not in used]


def count_kinds(kinds: Sequence[str]) -> dict[str, int]:
    """How many of each kind a sequence of kinds holds."""
    return {kind: sum(1 for k in kinds if k == kind) for kind in KINDS}


def kind_order(cycle_kinds: Sequence[str], pool_kinds: Sequence[str]) -> list[str]:
    """Kinds from most to least needed next in a cycle.

    ``cycle_kinds`` are the kinds already posted in the cycle, ``pool_kinds`` those of its unused prompts. A
    kind's quota after the next post is its share of the whole cycle times the posts made by then; its need is
    that quota minus what it has had. Following the quota keeps every prefix of the cycle within one post of
    the cycle's mix, so every window of ``WINDOW`` posts is too. Ties go to the larger 70-20-10 share.
    """
    used = count_kinds(cycle_kinds)
    left = count_kinds(pool_kinds)
    total = len(cycle_kinds) + len(pool_kinds)
    after = len(cycle_kinds) + 1
    # need = (used + left) / total * after - used, scaled by total to stay in integers.
    need = {kind: (used[kind] + left[kind]) * after - used[kind] * total for kind in KINDS}
    return sorted(KINDS, key=lambda kind: (-need[kind], -TARGET[kind], KINDS.index(kind)))


def bank_mix(bank: Sequence[Candidate]) -> dict[str, int]:
    """The bank's mix of kinds in whole percent (what a full cycle will post)."""
    counts = count_kinds([candidate.kind for candidate in bank])
    total = sum(counts.values())
    return {kind: round(100 * counts[kind] / total) if total else 0 for kind in KINDS}


def mix_drifts(bank: Sequence[Candidate], tolerance: int = 5) -> bool:
    """Whether the bank's mix is more than ``tolerance`` percentage points from 70/20/10 for some kind."""
    mix = bank_mix(bank)
    return any(abs(mix[kind] - TARGET[kind] * 100 // WINDOW) > tolerance for kind in KINDS)


def _rank(seed: str, ref: str) -> bytes:
    return hashlib.sha256(f"{seed}\x00{ref}".encode()).digest()


def choose_next(bank: Sequence[Candidate], history: Sequence[Posted], seed: str) -> Choice | None:
    """The next prompt to post, or None when the active bank is empty.

    ``history`` must hold, oldest first, at least every post of the current cycle (older posts are ignored,
    apart from the latest one, which a new cycle does not open with).
    """
    if not bank:
        return None
    cycle = current_cycle(history)
    pool = unused_in_cycle(bank, history)
    in_cycle = [post.kind for post in history if post.cycle == cycle]
    if not pool:
        cycle += 1
        in_cycle = []
        pool = list(bank)
    remaining_after = len(pool) - 1
    order = kind_order(in_cycle, [candidate.kind for candidate in pool])
    if not in_cycle and history and len(pool) > 1:
        # A fresh cycle should not open with the prompt that closed the last one.
        pool = [candidate for candidate in pool if candidate.ref != history[-1].ref]
    for kind in order:
        of_kind = [candidate for candidate in pool if candidate.kind == kind]
        if of_kind:
            pick = min(of_kind, key=lambda candidate: _rank(seed, candidate.ref))
            return Choice(pick.ref, pick.kind, cycle, remaining_after)
    # Every candidate has a kind outside KINDS: still honour rule 1.
    pick = min(pool, key=lambda candidate: _rank(seed, candidate.ref))
    return Choice(pick.ref, pick.kind, cycle, remaining_after)
