"""The sliding-window limiter behind the abuse limits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.throttle import WindowLimiter

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("offsets_minutes", "expected"),
    [
        ([0, 1, 2], [True, True, True]),
        ([0, 1, 2, 3], [True, True, True, False]),
        ([0, 1, 2, 60], [True, True, True, True]),  # the first event has left the hour
        ([0, 0, 0, 59, 61], [True, True, True, False, True]),  # a refusal is not counted
    ],
)
def test_at_most_limit_events_per_window(offsets_minutes: list[int], expected: list[bool]) -> None:
    limiter = WindowLimiter(3, timedelta(hours=1))
    assert [limiter.allow("alice", T0 + timedelta(minutes=m)) for m in offsets_minutes] == expected


def test_keys_are_counted_apart() -> None:
    limiter = WindowLimiter(1, timedelta(hours=1))
    assert limiter.allow((1, 10), T0) and limiter.allow((1, 11), T0) and limiter.allow((2, 10), T0)
    assert not limiter.allow((1, 10), T0)


def test_idle_keys_are_forgotten_when_full() -> None:
    limiter = WindowLimiter(1, timedelta(minutes=1), max_keys=2)
    limiter.allow("a", T0)
    limiter.allow("b", T0)
    assert limiter.allow("c", T0 + timedelta(minutes=2))
    assert set(limiter._events) == {"c"}
