"""Mentor matching rules: the pair score, the optimal batch round and a greedy baseline (pure, no I/O).

A pair's score is in [0, 1]. Zero means "never pair these two": the same member, a paused mentee or mentor, a
mentor without a free place, a pair that was declined, expired or ended before, or a mentor who offers none of
the areas the mentee asked for. Every eligible pair scores strictly above zero, which is what lets the round
solver treat "forbidden" and "worth nothing" as the same number.

A round assigns waiting mentees to mentors' free places so that the *total* score is as high as possible. Each
mentor's free places are expanded into capacity slots; slot ``k`` of a mentor carries the capacity term the
pair would have if it were the mentor's ``k``-th new mentee this round. Those terms fall with ``k``, so an
optimal assignment always fills a mentor's slots from the first one, and the total is well defined whatever
order the pairs are listed in (see :func:`round_total`). ``scipy.optimize.linear_sum_assignment`` then solves
the rectangular mentee × slot problem exactly, one connected component of the eligibility graph at a time.
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, TypeAlias

if TYPE_CHECKING:
    # numpy and scipy are imported where a round is solved, not here: together they are ~40 MiB of resident
    # memory that a bot which never runs a round (or has not run one yet) should not carry from start-up.
    import numpy as np
    import numpy.typing as npt

__all__ = [
    "WEIGHTS",
    "Ineligible",
    "Mentee",
    "Mentor",
    "Pair",
    "RoundPlan",
    "ScoreWeights",
    "Unmatched",
    "area_overlap",
    "capacity_term",
    "ineligibility",
    "pair_score",
    "plan_greedy",
    "plan_round",
    "rank_mentors",
    "round_total",
    "timezone_distance",
]

Matrix: TypeAlias = "npt.NDArray[np.float64]"
BoolMatrix: TypeAlias = "npt.NDArray[np.bool_]"


@dataclass(frozen=True, slots=True)
class ScoreWeights:
    """How much each part of the score counts; the three weights add up to 1 so a score stays in [0, 1]."""

    areas: float
    timezone: float
    capacity: float


# The one place the weights live. Why these numbers:
# - areas 0.60: a mentor who knows what the mentee wants to learn is the point of mentoring, so this is the
#   largest part: covering one more of two wanted areas (+0.30) outweighs up to 6 hours of timezone distance
#   plus any difference in free places (≤ 0.125 + 0.15); only a mentor who is both half a day away and nearly
#   full loses to a well-placed one who covers half.
# - timezone 0.25: mentoring is mostly live conversation; 12 hours apart means one of them is always up at
#   night, but people do make it work, so it moves the choice between comparable mentors rather than decides it.
# - capacity 0.15: prefer mentors with more free places, so load spreads and nobody's last place is taken while
#   others sit idle; it is the smallest part because a free place matters less than a good fit.
WEIGHTS: Final = ScoreWeights(areas=0.60, timezone=0.25, capacity=0.15)

# The furthest two places can be apart in time of day, once distance wraps around the date line.
_MAX_TZ_DISTANCE: Final = 12.0
_DAY_HOURS: Final = 24.0


class Ineligible(enum.StrEnum):
    """Why a pair scores zero (in the order they are checked)."""

    SELF = "self"
    PAUSED_MENTEE = "paused-mentee"
    NO_SHARED_AREA = "no-shared-area"
    HISTORY = "history"
    PAUSED_MENTOR = "paused-mentor"
    FULL = "full"


class UnmatchedReason(enum.StrEnum):
    """Why a mentee was left without a mentor in a round."""

    PAUSED = "paused"  # the mentee is paused
    NO_AREA = "no-area"  # no mentor offers any of the wanted areas
    HISTORY = "history"  # every mentor offering those areas was already proposed to this mentee
    UNAVAILABLE = "unavailable"  # every remaining mentor for those areas is paused or full
    OUTBID = "outbid"  # eligible mentors existed, but their places went to closer fits this round
    LIMITED = "limited"  # the mentee started too many proposals with their own commands recently


@dataclass(frozen=True, slots=True)
class Mentor:
    """A mentor as the rules see them. ``load`` counts active mentorships plus pending proposals."""

    user_id: int
    areas: frozenset[str]
    utc_offset: float
    capacity: int
    load: int = 0
    paused: bool = False

    @property
    def remaining(self) -> int:
        """Free places (never negative)."""
        return max(self.capacity - self.load, 0)


@dataclass(frozen=True, slots=True)
class Mentee:
    """A waiting request as the rules see it."""

    request_id: int
    user_id: int
    areas: frozenset[str]
    utc_offset: float
    paused: bool = False


Blocked = Collection[tuple[int, int]]
"""(mentee user id, mentor user id) pairs that were declined, expired or ended before."""


@dataclass(frozen=True, slots=True)
class Pair:
    """One proposed pairing and its score (including the capacity term of the slot it took)."""

    request_id: int
    mentee_id: int
    mentor_id: int
    score: float


@dataclass(frozen=True, slots=True)
class Unmatched:
    """A mentee the round could not place, and why."""

    request_id: int
    mentee_id: int
    reason: UnmatchedReason


@dataclass(frozen=True, slots=True)
class RoundPlan:
    """The outcome of a round: pairs (best first), the mentees left out, and the total score."""

    pairs: tuple[Pair, ...]
    unmatched: tuple[Unmatched, ...]
    total: float


# --------------------------------------------------------------------------------------------------------------
# The pair score
# --------------------------------------------------------------------------------------------------------------


def timezone_distance(a: float, b: float) -> float:
    """Hours between two UTC offsets as time of day, wrapping around the date line (0–12).

    UTC+14 (Kiritimati) and UTC−11 (Pago Pago) are 25 hours apart on paper but one hour apart on the clock.
    """
    diff = abs(a - b) % _DAY_HOURS
    return min(diff, _DAY_HOURS - diff)


def area_overlap(wanted: Collection[str], offered: Collection[str]) -> float:
    """The share of the mentee's wanted areas that the mentor offers (0–1)."""
    if not wanted:
        return 0.0
    return len(set(wanted) & set(offered)) / len(wanted)


def capacity_term(mentor: Mentor, taken: int = 0) -> float:
    """The mentor's free share of places after ``taken`` more mentees (0–1)."""
    if mentor.capacity <= 0:
        return 0.0
    return max(mentor.remaining - taken, 0) / mentor.capacity


def ineligibility(mentee: Mentee, mentor: Mentor, blocked: Blocked = (), *, taken: int = 0) -> Ineligible | None:
    """The first rule that forbids this pair, or None when it may be proposed."""
    if mentee.user_id == mentor.user_id:
        return Ineligible.SELF
    if mentee.paused:
        return Ineligible.PAUSED_MENTEE
    if not mentee.areas & mentor.areas:
        return Ineligible.NO_SHARED_AREA
    if (mentee.user_id, mentor.user_id) in blocked:
        return Ineligible.HISTORY
    if mentor.paused:
        return Ineligible.PAUSED_MENTOR
    if mentor.remaining - taken <= 0:
        return Ineligible.FULL
    return None


def pair_score(mentee: Mentee, mentor: Mentor, blocked: Blocked = (), *, taken: int = 0) -> float:
    """The score of proposing ``mentor`` to ``mentee`` (0 when a rule forbids it, else in (0, 1]).

    ``taken`` is how many places of this mentor the same round has already handed out.
    """
    if ineligibility(mentee, mentor, blocked, taken=taken) is not None:
        return 0.0
    return (
        WEIGHTS.areas * area_overlap(mentee.areas, mentor.areas)
        + WEIGHTS.timezone * (1.0 - timezone_distance(mentee.utc_offset, mentor.utc_offset) / _MAX_TZ_DISTANCE)
        + WEIGHTS.capacity * capacity_term(mentor, taken)
    )


def rank_mentors(mentee: Mentee, mentors: Iterable[Mentor], blocked: Blocked = ()) -> list[tuple[Mentor, float]]:
    """Eligible mentors for one mentee, best first (ties: lower user id first, so results are reproducible)."""
    scored = [(mentor, pair_score(mentee, mentor, blocked)) for mentor in mentors]
    return sorted(((m, s) for m, s in scored if s > 0), key=lambda item: (-item[1], item[0].user_id))


def round_total(pairs: Iterable[Pair]) -> float:
    """The objective a round maximises: the sum of its pair scores."""
    return float(sum(pair.score for pair in pairs))


# --------------------------------------------------------------------------------------------------------------
# Rounds
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Problem:
    """The vectorised form of a round: base scores (areas + timezone) with forbidden pairs at zero."""

    mentees: Sequence[Mentee]
    mentors: Sequence[Mentor]
    base: Matrix  # n × m, zero where the pair is forbidden whatever the capacity
    shared: BoolMatrix  # n × m, mentor offers at least one wanted area (and is not the mentee)
    blocked: BoolMatrix  # n × m, the pair is in the history
    remaining: npt.NDArray[np.int64]  # m, free places (0 for paused mentors)


def _problem(mentees: Sequence[Mentee], mentors: Sequence[Mentor], blocked: Blocked) -> _Problem:
    import numpy as np  # deferred: see the imports at the top

    n, m = len(mentees), len(mentors)
    areas = {a for x in mentees for a in x.areas} | {a for y in mentors for a in y.areas}
    index = {area: i for i, area in enumerate(sorted(areas))}
    wanted = np.zeros((n, len(index)), dtype=np.float64)
    offered = np.zeros((m, len(index)), dtype=np.float64)
    for i, mentee in enumerate(mentees):
        wanted[i, [index[a] for a in mentee.areas]] = 1.0
    for j, mentor in enumerate(mentors):
        offered[j, [index[a] for a in mentor.areas]] = 1.0
    counts = wanted.sum(axis=1, keepdims=True)
    common = wanted @ offered.T
    overlap = np.divide(common, counts, out=np.zeros_like(common), where=counts > 0)
    mentee_tz = np.array([x.utc_offset for x in mentees], dtype=np.float64)
    mentor_tz = np.array([x.utc_offset for x in mentors], dtype=np.float64)
    diff = np.abs(mentee_tz[:, None] - mentor_tz[None, :]) % _DAY_HOURS
    distance = np.minimum(diff, _DAY_HOURS - diff)
    base = WEIGHTS.areas * overlap + WEIGHTS.timezone * (1.0 - distance / _MAX_TZ_DISTANCE)

    mentee_ids = np.array([x.user_id for x in mentees], dtype=np.int64)
    mentor_ids = np.array([x.user_id for x in mentors], dtype=np.int64)
    shared = (common > 0) & (mentee_ids[:, None] != mentor_ids[None, :])
    history = np.zeros((n, m), dtype=np.bool_)
    if blocked:
        rows: dict[int, list[int]] = {}
        for i, uid in enumerate(mentee_ids.tolist()):
            rows.setdefault(uid, []).append(i)
        cols: dict[int, list[int]] = {}
        for j, uid in enumerate(mentor_ids.tolist()):
            cols.setdefault(uid, []).append(j)
        for mentee_id, mentor_id in blocked:
            for i in rows.get(mentee_id, ()):
                for j in cols.get(mentor_id, ()):
                    history[i, j] = True
    remaining = np.array([0 if x.paused else x.remaining for x in mentors], dtype=np.int64)
    paused_rows = np.array([x.paused for x in mentees], dtype=np.bool_)
    allowed = shared & ~history & (remaining[None, :] > 0) & ~paused_rows[:, None]
    return _Problem(mentees, mentors, np.where(allowed, base, 0.0), shared, history, remaining)


def _reason(problem: _Problem, i: int) -> UnmatchedReason:
    """Why mentee ``i`` got no mentor (checked from the most to the least fundamental cause)."""
    if problem.mentees[i].paused:
        return UnmatchedReason.PAUSED
    shared = problem.shared[i]
    if not shared.any():
        return UnmatchedReason.NO_AREA
    fresh = shared & ~problem.blocked[i]
    if not fresh.any():
        return UnmatchedReason.HISTORY
    if not (fresh & (problem.remaining > 0)).any():
        return UnmatchedReason.UNAVAILABLE
    return UnmatchedReason.OUTBID


def _slot_bonus(mentor: Mentor, k: int) -> float:
    """The capacity term of a mentor's ``k``-th new place this round (0-based)."""
    return WEIGHTS.capacity * capacity_term(mentor, k)


def _plan(problem: _Problem, chosen: dict[int, tuple[int, float]]) -> RoundPlan:
    pairs = sorted(
        (
            Pair(problem.mentees[i].request_id, problem.mentees[i].user_id, problem.mentors[j].user_id, score)
            for i, (j, score) in chosen.items()
        ),
        key=lambda p: (-p.score, p.request_id),
    )
    unmatched = tuple(
        Unmatched(mentee.request_id, mentee.user_id, _reason(problem, i))
        for i, mentee in enumerate(problem.mentees)
        if i not in chosen
    )
    return RoundPlan(tuple(pairs), unmatched, round_total(pairs))


def plan_round(mentees: Sequence[Mentee], mentors: Sequence[Mentor], blocked: Blocked = ()) -> RoundPlan:
    """The assignment of mentees to mentors' free places with the highest total score (exact).

    Mentees and mentors that share no eligible pair fall into separate connected components of the eligibility
    graph; each component is an independent assignment problem, so solving them one by one is still exact and
    keeps every dense matrix only as large as one community of interest. Within a component, a mentor gets at
    most ``min(free places, eligible mentees)`` slot columns.
    """
    import numpy as np  # deferred: see the imports at the top
    from scipy.optimize import linear_sum_assignment
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    problem = _problem(mentees, mentors, blocked)
    n, m = problem.base.shape
    chosen: dict[int, tuple[int, float]] = {}
    if n == 0 or m == 0 or not problem.base.any():
        return _plan(problem, chosen)
    rows, cols = np.nonzero(problem.base)
    graph = coo_matrix((np.ones(len(rows)), (rows, cols + n)), shape=(n + m, n + m))
    _, labels = connected_components(graph, directed=False)
    for label in np.unique(labels[rows]):
        comp_rows = np.flatnonzero(labels[:n] == label)
        comp_cols = np.flatnonzero(labels[n:] == label)
        sub = problem.base[np.ix_(comp_rows, comp_cols)]
        eligible_counts = (sub > 0).sum(axis=0)
        slot_mentor: list[int] = []
        slot_bonus: list[float] = []
        for c, j in enumerate(comp_cols.tolist()):
            for k in range(int(min(problem.remaining[j], eligible_counts[c]))):
                slot_mentor.append(c)
                slot_bonus.append(_slot_bonus(problem.mentors[j], k))
        slot_cols = np.array(slot_mentor, dtype=np.int64)
        dense = sub[:, slot_cols]
        # Forbidden cells stay exactly zero (no capacity bonus), so an assignment never gains from them.
        values = np.where(dense > 0, dense + np.array(slot_bonus)[None, :], 0.0)
        row_ind, col_ind = linear_sum_assignment(values, maximize=True)
        for r, c in zip(row_ind.tolist(), col_ind.tolist(), strict=True):
            if values[r, c] > 0:
                chosen[int(comp_rows[r])] = (int(comp_cols[slot_cols[c]]), float(values[r, c]))
    return _plan(problem, chosen)


def plan_greedy(mentees: Sequence[Mentee], mentors: Sequence[Mentor], blocked: Blocked = ()) -> RoundPlan:
    """The greedy baseline: repeatedly take the best remaining pair at its first-place score (not optimal)."""
    import numpy as np  # deferred: see the imports at the top

    problem = _problem(mentees, mentors, blocked)
    chosen: dict[int, tuple[int, float]] = {}
    if problem.base.size == 0:
        return _plan(problem, chosen)
    first_place = np.array([_slot_bonus(x, 0) for x in problem.mentors], dtype=np.float64)
    rows, cols = np.nonzero(problem.base)
    static = problem.base[rows, cols] + first_place[cols]
    order = np.lexsort((cols, rows, -static))
    taken = np.zeros(len(problem.mentors), dtype=np.int64)
    for idx in order.tolist():
        i, j = int(rows[idx]), int(cols[idx])
        if i in chosen or taken[j] >= problem.remaining[j]:
            continue
        chosen[i] = (j, float(problem.base[i, j] + _slot_bonus(problem.mentors[j], int(taken[j]))))
        taken[j] += 1
        if len(chosen) == len(problem.mentees):
            break
    return _plan(problem, chosen)
