"""The 70-20-10 arithmetic: a member's mix against the target, the gaps, local weeks and the weekly streak.

Pure functions without I/O. Every calendar question is answered with *local dates* (the member's calendar), never
with UTC instants or fixed 7-day spans of seconds: a week that contains a daylight-saving change is 167 or 169 hours
long, and a week that spans the new year belongs to neither year's ISO week numbering cleanly. A week is identified
by the date of its Monday.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Final, Literal

__all__ = [
    "KINDS",
    "PERIODS",
    "TARGET",
    "KindShare",
    "Mix",
    "Period",
    "WeekTotals",
    "compute_mix",
    "local_today",
    "period_start",
    "week_start",
    "weekly_streak",
    "weekly_totals",
]

KINDS: Final[tuple[str, ...]] = ("experience", "exposure", "education")
TARGET: Final[Mapping[str, int]] = {"experience": 70, "exposure": 20, "education": 10}
"""The target share of each kind, in percent."""

Period = Literal["week", "month", "quarter", "year", "all"]
PERIODS: Final[tuple[Period, ...]] = ("week", "month", "quarter", "year", "all")


@dataclass(frozen=True, slots=True)
class KindShare:
    """One kind's minutes, its share of the total and its gap to the target (percentage points)."""

    kind: str
    minutes: int
    percent: float
    target: int

    @property
    def gap(self) -> float:
        """Share minus target in percentage points: negative means under-weight."""
        return self.percent - self.target


@dataclass(frozen=True, slots=True)
class Mix:
    """A member's (or a server's) minutes by kind against 70/20/10."""

    shares: tuple[KindShare, ...]

    @property
    def total(self) -> int:
        """Total minutes over all kinds."""
        return sum(share.minutes for share in self.shares)

    def share(self, kind: str) -> KindShare:
        """The share of one kind."""
        for share in self.shares:
            if share.kind == kind:
                return share
        raise KeyError(kind)

    @property
    def most_under_weight(self) -> str:
        """The kind furthest below its target (ties go to the larger target; with nothing logged, experience).

        Measured relative to the target (gap / target), so 5 points short of 10% counts more than 5 points
        short of 70%: the small kinds are the ones people forget.
        """
        return min(self.shares, key=lambda s: (s.gap / s.target, -s.target)).kind

    def on_target(self, tolerance: float = 5.0) -> bool:
        """Whether something was logged and every kind is within ``tolerance`` points of its target."""
        return self.total > 0 and all(abs(share.gap) <= tolerance for share in self.shares)

    def minutes_to_target(self, kind: str) -> int:
        """Minutes of ``kind`` that would bring it up to its target share if nothing else were logged (≥ 0).

        Solves (m + x) / (T + x) = t for x; rounded up to whole minutes.
        """
        share = self.share(kind)
        target = share.target / 100
        needed = (target * self.total - share.minutes) / (1 - target)
        if needed <= 0:
            return 0
        whole = int(needed)
        return whole if whole == needed else whole + 1


def compute_mix(minutes_by_kind: Mapping[str, int]) -> Mix:
    """The mix of a set of minutes per kind; unknown kinds are ignored, missing kinds count as 0."""
    minutes = {kind: max(0, int(minutes_by_kind.get(kind, 0))) for kind in KINDS}
    total = sum(minutes.values())
    shares = tuple(
        KindShare(kind, minutes[kind], (100.0 * minutes[kind] / total) if total else 0.0, TARGET[kind])
        for kind in KINDS
    )
    return Mix(shares)


def local_today(now: datetime, zone: zoneinfo.ZoneInfo) -> date:
    """The member's calendar date at an (aware) instant."""
    if now.tzinfo is None:
        raise ValueError("local_today needs an aware instant")
    return now.astimezone(zone).date()


def week_start(day: date) -> date:
    """The Monday of the local week that contains ``day``."""
    return day - timedelta(days=day.weekday())


def period_start(period: Period, today: date) -> date | None:
    """The first local date of the calendar period containing ``today``; None for ``all``."""
    if period == "week":
        return week_start(today)
    if period == "month":
        return today.replace(day=1)
    if period == "quarter":
        return date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    if period == "year":
        return date(today.year, 1, 1)
    if period == "all":
        return None
    raise ValueError(f"unknown period {period!r}")


def weekly_streak(entry_dates: Iterable[date], today: date, skipped_weeks: Iterable[date] = ()) -> int:
    """Consecutive local weeks with at least one entry, counted back from the current week.

    Forgiving on purpose: the current week does not break the streak until it is over (a member who logged last
    week and not yet this week still has their streak), and a week the member chose to skip ("Skip this week")
    bridges the streak without adding to it.
    """
    logged = {week_start(d) for d in entry_dates}
    skipped = {week_start(d) for d in skipped_weeks}
    week = week_start(today)
    if week not in logged:
        week -= timedelta(weeks=1)
    streak = 0
    earliest = min(logged, default=week)
    while week >= earliest:
        if week in logged:
            streak += 1
        elif week not in skipped:
            break
        week -= timedelta(weeks=1)
    return streak


@dataclass(frozen=True, slots=True)
class WeekTotals:
    """Minutes per kind in one local week (``start`` is its Monday)."""

    start: date
    minutes: Mapping[str, int]

    @property
    def total(self) -> int:
        """All minutes in the week."""
        return sum(self.minutes.values())


def weekly_totals(rows: Iterable[tuple[date, str, int]], today: date, weeks: int = 12) -> tuple[WeekTotals, ...]:
    """Minutes per kind for each of the last ``weeks`` local weeks, oldest first, current week last.

    ``rows`` are (local date, kind, minutes); rows outside the window are ignored.
    """
    current = week_start(today)
    starts = [current - timedelta(weeks=offset) for offset in range(weeks - 1, -1, -1)]
    buckets: dict[date, dict[str, int]] = {start: dict.fromkeys(KINDS, 0) for start in starts}
    for day, kind, minutes in rows:
        bucket = buckets.get(week_start(day))
        if bucket is not None and kind in bucket:
            bucket[kind] += minutes
    return tuple(WeekTotals(start, buckets[start]) for start in starts)
