"""Recurring rules on local time: one occurrence per scheduled local date, in every zone, across DST changes."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot.errors import ValidationError
from bot.recurrence import ALL_DAYS, WEEKDAYS, Rule, describe_days, next_occurrence, occurrence_on, parse_days

ZONES = sorted(zoneinfo.available_timezones())
TWO_YEARS = 730


def local_dates_exist(day: date, zone: zoneinfo.ZoneInfo) -> bool:
    """Whether a calendar date happens at all in a zone (a few Pacific zones skipped a whole day)."""
    noon = datetime.combine(day, time(12), tzinfo=zone)
    return noon.astimezone(UTC).astimezone(zone).date() == day


def wall_time_exists(day: date, at: time, zone: zoneinfo.ZoneInfo) -> bool:
    """Whether a local wall-clock time happens on that date (False inside a spring-forward gap)."""
    local = datetime.combine(day, at, tzinfo=zone)
    back = local.astimezone(UTC).astimezone(zone)
    return (back.date(), back.time()) == (day, at)


def walk(rule: Rule, first: date, days: int) -> list[datetime]:
    """Every occurrence from the start of ``first`` for ``days`` local days, by chaining next_occurrence."""
    zone = rule.zone
    start = datetime.combine(first, time(0), tzinfo=zone).astimezone(UTC) - timedelta(seconds=1)
    end = datetime.combine(first + timedelta(days=days), time(0), tzinfo=zone).astimezone(UTC)
    found: list[datetime] = []
    current = start
    while True:
        current = next_occurrence(rule, current)
        if current >= end:
            return found
        found.append(current)


@pytest.mark.parametrize("zone_name", ZONES)
@settings(max_examples=1, deadline=None)
@given(first=st.dates(min_value=date(2013, 1, 1), max_value=date(2035, 1, 1)))
@example(first=date(2025, 1, 1)).via("the current years")
def test_daily_0900_fires_exactly_once_per_local_date_on_that_date(zone_name: str, first: date) -> None:
    rule = Rule(time(9, 0), ALL_DAYS, zone_name)
    zone = rule.zone
    occurrences = walk(rule, first, TWO_YEARS)
    dates = [moment.astimezone(zone).date() for moment in occurrences]
    expected = [
        first + timedelta(days=n) for n in range(TWO_YEARS) if local_dates_exist(first + timedelta(days=n), zone)
    ]
    assert dates == expected  # one per local date, in order, none missing, none doubled
    for moment, day in zip(occurrences, dates, strict=True):
        local = moment.astimezone(zone)
        if wall_time_exists(day, rule.at, zone):
            assert local.time() == rule.at
        else:  # inside a spring-forward gap: shifted forward, same day
            assert local.time() > rule.at and local.date() == day


@settings(max_examples=300, deadline=None)
@given(
    zone_name=st.sampled_from(ZONES),
    at=st.times().map(lambda t: t.replace(second=0, microsecond=0)),
    mask=st.integers(1, 127),
    first=st.dates(min_value=date(2013, 1, 1), max_value=date(2035, 1, 1)),
)
def test_any_weekly_rule_fires_once_on_each_chosen_day(zone_name: str, at: time, mask: int, first: date) -> None:
    rule = Rule(at, mask, zone_name)
    zone = rule.zone
    occurrences = walk(rule, first, 60)
    dates = [moment.astimezone(zone).date() for moment in occurrences]
    expected = [
        first + timedelta(days=n)
        for n in range(60)
        if mask & (1 << (first + timedelta(days=n)).weekday()) and local_dates_exist(first + timedelta(days=n), zone)
    ]
    assert dates == expected
    for moment, day in zip(occurrences, dates, strict=True):
        assert moment == occurrence_on(rule, day)
        if wall_time_exists(day, at, zone):
            local = moment.astimezone(zone)
            assert local.time() == at
            # Ambiguous (fall back): the first of the two instants.
            other = datetime.combine(day, at, tzinfo=zone).replace(fold=1).astimezone(UTC)
            assert moment <= other


# -- daylight-saving days, by hand -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone_name", "day", "at", "expected_utc", "expected_local"),
    [
        # Spring forward: 02:30 does not exist in New York on 8 March 2026; it shifts forward to 03:30 EDT.
        ("America/New_York", date(2026, 3, 8), time(2, 30), datetime(2026, 3, 8, 7, 30, tzinfo=UTC), time(3, 30)),
        # London jumps 01:00 → 02:00 on 29 March 2026.
        ("Europe/London", date(2026, 3, 29), time(1, 30), datetime(2026, 3, 29, 1, 30, tzinfo=UTC), time(2, 30)),
        # Lord Howe moves by 30 minutes (02:00 → 02:30 on 4 October 2026).
        ("Australia/Lord_Howe", date(2026, 10, 4), time(2, 15), datetime(2026, 10, 3, 15, 45, tzinfo=UTC), time(2, 45)),
        # Fall back: 01:30 happens twice in New York on 1 November 2026; the first (EDT) is used.
        ("America/New_York", date(2026, 11, 1), time(1, 30), datetime(2026, 11, 1, 5, 30, tzinfo=UTC), time(1, 30)),
        # A 09:00 post on either change day is simply at 09:00 local.
        ("Europe/Berlin", date(2026, 3, 29), time(9, 0), datetime(2026, 3, 29, 7, 0, tzinfo=UTC), time(9, 0)),
        ("Europe/Berlin", date(2026, 10, 25), time(9, 0), datetime(2026, 10, 25, 8, 0, tzinfo=UTC), time(9, 0)),
    ],
)
def test_dst_change_days(zone_name: str, day: date, at: time, expected_utc: datetime, expected_local: time) -> None:
    rule = Rule(at, ALL_DAYS, zone_name)
    moment = occurrence_on(rule, day)
    assert moment == expected_utc
    assert moment.astimezone(rule.zone).time() == expected_local


def test_fall_back_fires_once_and_next_day_follows() -> None:
    rule = Rule(time(1, 30), ALL_DAYS, "America/New_York")
    first = next_occurrence(rule, datetime(2026, 10, 31, 12, tzinfo=UTC))
    second = next_occurrence(rule, first)
    assert first == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)
    assert second == datetime(2026, 11, 2, 6, 30, tzinfo=UTC)  # EST now: 25 hours later, once


def test_spring_forward_day_is_23_hours_after_the_previous_post() -> None:
    rule = Rule(time(9, 0), ALL_DAYS, "America/New_York")
    before = next_occurrence(rule, datetime(2026, 3, 7, 0, tzinfo=UTC))
    after = next_occurrence(rule, before)
    assert after - before == timedelta(hours=23)


# -- days ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "mask"),
    [
        ("daily", ALL_DAYS),
        ("Weekdays", WEEKDAYS),
        ("weekends", 0b1100000),
        ("mon,wed,fri", 0b0010101),
        ("Tuesday thursday", 0b0001010),
        ("sun", 0b1000000),
    ],
)
def test_parse_days(text: str, mask: int) -> None:
    assert parse_days(text) == mask


@pytest.mark.parametrize("text", ["", ",", "someday", "mon,funday"])
def test_parse_days_refuses_what_is_not_a_day(text: str) -> None:
    with pytest.raises(ValidationError):
        parse_days(text)


@pytest.mark.parametrize(("mask", "label"), [(ALL_DAYS, "daily"), (WEEKDAYS, "weekdays"), (0b0010101, "mon,wed,fri")])
def test_describe_days(mask: int, label: str) -> None:
    assert describe_days(mask) == label


def test_weekday_rule_skips_the_weekend() -> None:
    rule = Rule(time(9, 0), WEEKDAYS, "Europe/London")
    friday = datetime(2026, 3, 6, 9, 0, tzinfo=UTC)
    assert next_occurrence(rule, friday) == datetime(2026, 3, 9, 9, 0, tzinfo=UTC)
