"""The 70-20-10 arithmetic: mix, gaps, periods, local weeks and the streak across timezones, DST and new year."""

from __future__ import annotations

import itertools
import zoneinfo
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.mix import (
    KINDS,
    Period,
    compute_mix,
    local_today,
    period_start,
    week_start,
    weekly_streak,
    weekly_totals,
)

LONDON = zoneinfo.ZoneInfo("Europe/London")
NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
AUCKLAND = zoneinfo.ZoneInfo("Pacific/Auckland")
UTC_ZONE = zoneinfo.ZoneInfo("UTC")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# -- mix and gaps --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("minutes", "percents", "gaps", "under"),
    [
        ({}, (0, 0, 0), (-70, -20, -10), "experience"),
        ({"experience": 70, "exposure": 20, "education": 10}, (70, 20, 10), (0, 0, 0), "experience"),
        ({"experience": 140, "exposure": 40, "education": 20}, (70, 20, 10), (0, 0, 0), "experience"),
        ({"experience": 100}, (100, 0, 0), (30, -20, -10), "exposure"),
        ({"education": 60, "experience": 40}, (40, 0, 60), (-30, -20, 50), "exposure"),
        ({"experience": 60, "exposure": 30, "education": 10}, (60, 30, 10), (-10, 10, 0), "experience"),
        # 5 points short of 10 % weighs more than 10 points short of 70 %.
        ({"experience": 60, "exposure": 35, "education": 5}, (60, 35, 5), (-10, 15, -5), "education"),
        ({"exposure": 30, "education": 0, "unknown": 99}, (0, 100, 0), (-70, 80, -10), "experience"),
    ],
)
def test_mix_percentages_gaps_and_most_under_weight(
    minutes: dict[str, int], percents: tuple[float, ...], gaps: tuple[float, ...], under: str
) -> None:
    mix = compute_mix(minutes)
    assert tuple(s.kind for s in mix.shares) == KINDS
    assert [round(s.percent, 6) for s in mix.shares] == pytest.approx(percents)
    assert [round(s.gap, 6) for s in mix.shares] == pytest.approx(gaps)
    assert mix.most_under_weight == under


@pytest.mark.parametrize(
    ("minutes", "kind", "needed"),
    [
        ({"experience": 100}, "exposure", 25),  # 25 / 125 = 20 %
        ({"experience": 100}, "education", 12),  # 11.1… rounds up: 12 / 112 ≥ 10 %
        ({"experience": 70, "exposure": 20, "education": 10}, "education", 0),
        ({}, "experience", 0),
        ({"exposure": 100}, "experience", 234),  # 233.3… → 234
    ],
)
def test_minutes_to_target(minutes: dict[str, int], kind: str, needed: int) -> None:
    assert compute_mix(minutes).minutes_to_target(kind) == needed


@pytest.mark.parametrize(
    ("minutes", "on_target"),
    [
        ({}, False),
        ({"experience": 70, "exposure": 20, "education": 10}, True),
        ({"experience": 74, "exposure": 16, "education": 10}, True),
        ({"experience": 80, "exposure": 10, "education": 10}, False),
    ],
)
def test_on_target_within_five_points(minutes: dict[str, int], on_target: bool) -> None:
    assert compute_mix(minutes).on_target() is on_target


@given(st.dictionaries(st.sampled_from(KINDS), st.integers(min_value=0, max_value=10**6)))
def test_percentages_sum_to_100_and_the_nudge_reaches_the_target(minutes: dict[str, int]) -> None:
    mix = compute_mix(minutes)
    if mix.total == 0:
        assert all(s.percent == 0 for s in mix.shares)
        return
    assert sum(s.percent for s in mix.shares) == pytest.approx(100)
    kind = mix.most_under_weight
    extra = mix.minutes_to_target(kind)
    after = compute_mix({**minutes, kind: minutes.get(kind, 0) + extra})
    assert after.share(kind).percent >= after.share(kind).target - 1e-9


# -- local calendar ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("instant", "zone", "expected"),
    [
        # 23:30 UTC on Sunday 29 March 2026 is already Monday in London (BST began that morning).
        ("2026-03-29T23:30:00", LONDON, date(2026, 3, 30)),
        ("2026-03-29T23:30:00", UTC_ZONE, date(2026, 3, 29)),
        ("2026-03-29T23:30:00", NEW_YORK, date(2026, 3, 29)),
        # The hour before the change: 00:30 UTC is still 00:30 GMT.
        ("2026-03-29T00:30:00", LONDON, date(2026, 3, 29)),
        # New York falls back on 1 November 2026: 04:30 UTC is 23:30 EST on the 1st, not 00:30 on the 2nd.
        ("2026-11-02T04:30:00", NEW_YORK, date(2026, 11, 1)),
        ("2026-10-31T03:30:00", NEW_YORK, date(2026, 10, 30)),  # EDT, before the change
        # New year reaches Auckland 13 hours before UTC.
        ("2026-12-31T11:30:00", AUCKLAND, date(2027, 1, 1)),
        ("2026-12-31T11:30:00", UTC_ZONE, date(2026, 12, 31)),
    ],
)
def test_local_today_follows_the_members_zone(instant: str, zone: zoneinfo.ZoneInfo, expected: date) -> None:
    assert local_today(at(instant), zone) == expected


def test_local_today_refuses_naive_instants() -> None:
    with pytest.raises(ValueError, match="aware"):
        local_today(datetime(2026, 1, 1), UTC_ZONE)  # noqa: DTZ001 - the point of the test


@pytest.mark.parametrize(
    ("day", "monday"),
    [
        (date(2026, 3, 2), date(2026, 3, 2)),
        (date(2026, 3, 8), date(2026, 3, 2)),
        (date(2026, 3, 29), date(2026, 3, 23)),  # DST change day (Sunday) stays in its week
        (date(2027, 1, 1), date(2026, 12, 28)),  # the week spans the new year
        (date(2027, 1, 3), date(2026, 12, 28)),
        (date(2027, 1, 4), date(2027, 1, 4)),
        (date(2024, 3, 1), date(2024, 2, 26)),  # across a leap day
    ],
)
def test_week_start_is_the_local_monday(day: date, monday: date) -> None:
    assert week_start(day) == monday


@pytest.mark.parametrize(
    ("period", "today", "start"),
    [
        ("week", date(2026, 3, 4), date(2026, 3, 2)),
        ("week", date(2027, 1, 2), date(2026, 12, 28)),
        ("month", date(2026, 3, 31), date(2026, 3, 1)),
        ("quarter", date(2026, 3, 31), date(2026, 1, 1)),
        ("quarter", date(2026, 4, 1), date(2026, 4, 1)),
        ("quarter", date(2026, 8, 15), date(2026, 7, 1)),
        ("quarter", date(2026, 12, 31), date(2026, 10, 1)),
        ("year", date(2026, 12, 31), date(2026, 1, 1)),
        ("all", date(2026, 12, 31), None),
    ],
)
def test_period_start_in_the_local_calendar(period: Period, today: date, start: date | None) -> None:
    assert period_start(period, today) == start


def test_unknown_period_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown period"):
        period_start("fortnight", date(2026, 1, 1))  # type: ignore[arg-type]


# -- weekly streak -------------------------------------------------------------------------------------------------


def d(text: str) -> date:
    return date.fromisoformat(text)


@pytest.mark.parametrize(
    ("entries", "skipped", "today", "streak"),
    [
        ([], [], "2026-03-04", 0),
        (["2026-03-04"], [], "2026-03-04", 1),
        # Three weeks in a row, the current one included.
        (["2026-02-17", "2026-02-25", "2026-03-02"], [], "2026-03-04", 3),
        # Forgiving: nothing yet this week does not break last week's streak …
        (["2026-02-17", "2026-02-25"], [], "2026-03-08", 2),
        # … but a whole empty week does.
        (["2026-02-17", "2026-02-25"], [], "2026-03-09", 0),
        # Many entries in one week count once; a gap stops the count.
        (["2026-02-02", "2026-02-16", "2026-02-17", "2026-02-18", "2026-02-23"], [], "2026-02-24", 2),
        # A skipped week bridges the streak without adding to it.
        (["2026-02-10", "2026-02-24"], ["2026-02-16"], "2026-02-24", 2),
        (["2026-02-10"], ["2026-02-16", "2026-02-23"], "2026-02-24", 1),
        # Skipping alone is not a streak.
        ([], ["2026-02-16", "2026-02-23"], "2026-02-24", 0),
        # Across the new year: the week of 28 Dec 2026 holds 2 Jan 2027.
        (["2026-12-22", "2027-01-02", "2027-01-05"], [], "2027-01-06", 3),
        (["2026-12-31", "2027-01-03"], [], "2027-01-10", 1),
        # Weeks around the March DST change in Europe (29 March 2026) are ordinary local weeks.
        (["2026-03-22", "2026-03-29", "2026-03-30"], [], "2026-04-01", 3),
        # And around the US fall-back (1 November 2026).
        (["2026-10-25", "2026-11-01", "2026-11-02"], [], "2026-11-03", 3),
        # Leap years: 29 Feb 2028 is a Tuesday.
        (["2028-02-22", "2028-02-29"], [], "2028-03-05", 2),
    ],
)
def test_weekly_streak(entries: list[str], skipped: list[str], today: str, streak: int) -> None:
    assert weekly_streak([d(e) for e in entries], d(today), [d(s) for s in skipped]) == streak


@pytest.mark.parametrize(
    ("zone", "streak"),
    [
        # In London the Sunday-night entry falls on Monday 30 March (BST), so the week of 23 March is empty and
        # only the current week counts.
        (LONDON, 1),
        # In UTC the same instant is still Sunday: weeks of 16 and 23 March → 2 (current week not yet logged).
        (UTC_ZONE, 2),
        # In New York both entries are a day earlier: 22 March (Sun, week of 16) and 29 March (Sun, week of 23).
        (NEW_YORK, 2),
    ],
)
def test_streak_from_instants_depends_on_the_members_zone_across_dst(zone: zoneinfo.ZoneInfo, streak: int) -> None:
    logged = [at("2026-03-22T12:00:00"), at("2026-03-29T23:30:00")]
    now = at("2026-04-05T21:30:00")  # Sunday 5 April, 22:30 BST / 21:30 UTC / 17:30 EDT
    dates = [local_today(moment, zone) for moment in logged]
    assert weekly_streak(dates, local_today(now, zone)) == streak


def test_streak_counts_local_weeks_not_168_hour_spans() -> None:
    # One entry each Sunday at 23:30 New York time through the fall-back week: 169 h then 168 h apart in UTC,
    # but always one per local week.
    sundays = [
        (datetime(2026, 10, 25, 23, 30, tzinfo=NEW_YORK) + timedelta(days=7 * n)).astimezone(UTC) for n in range(3)
    ]
    gaps = [(b - a).total_seconds() / 3600 for a, b in itertools.pairwise(sundays)]
    assert gaps == [169.0, 168.0]
    dates = [local_today(moment, NEW_YORK) for moment in sundays]
    assert weekly_streak(dates, d("2026-11-09")) == 3


# -- the last 12 weeks ---------------------------------------------------------------------------------------------


def test_weekly_totals_buckets_by_local_week_across_the_new_year() -> None:
    rows = [
        (d("2027-01-05"), "experience", 30),
        (d("2027-01-04"), "exposure", 15),
        (d("2027-01-01"), "education", 20),  # week of 28 Dec 2026
        (d("2026-12-28"), "experience", 40),
        (d("2026-12-27"), "experience", 5),  # week of 21 Dec
        (d("2026-10-01"), "experience", 999),  # outside the 12 weeks
    ]
    weeks = weekly_totals(rows, d("2027-01-06"), weeks=12)
    assert len(weeks) == 12
    assert weeks[-1].start == d("2027-01-04") and weeks[0].start == d("2026-10-19")
    assert [w.start for w in weeks] == sorted(w.start for w in weeks)
    assert dict(weeks[-1].minutes) == {"experience": 30, "exposure": 15, "education": 0}
    assert dict(weeks[-2].minutes) == {"experience": 40, "exposure": 0, "education": 20}
    assert weeks[-3].total == 5
    assert sum(w.total for w in weeks) == 110
