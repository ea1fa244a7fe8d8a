"""Recurring weekly rules in an IANA timezone: parsing and next-occurrence computation (pure, no I/O)."""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from bot.errors import ValidationError

__all__ = ["ALL_DAYS", "WEEKDAYS", "Rule", "describe_days", "next_occurrence", "occurrence_on", "parse_days"]

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ALL_DAYS = 0b1111111
WEEKDAYS = 0b0011111
_ALIASES = {
    "daily": ALL_DAYS,
    "everyday": ALL_DAYS,
    "every day": ALL_DAYS,
    "weekdays": WEEKDAYS,
    "weekends": 0b1100000,
}
_LONG = {
    "monday": "mon", "tuesday": "tue", "tues": "tue", "wednesday": "wed", "thursday": "thu", "thur": "thu",
    "thurs": "thu", "friday": "fri", "saturday": "sat", "sunday": "sun",
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Rule:
    """Post at ``at`` local time on the weekdays in ``days`` (bit 0 = Monday) in ``timezone``."""

    at: time
    days: int
    timezone: str

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        """The rule's zone."""
        return zoneinfo.ZoneInfo(self.timezone)


def parse_days(text: str) -> int:
    """``daily`` / ``weekdays`` / ``weekends`` / a list like ``mon,wed,fri`` → a weekday bitmask."""
    cleaned = text.strip().lower()
    if cleaned in _ALIASES:
        return _ALIASES[cleaned]
    mask = 0
    for raw in cleaned.replace(" ", ",").split(","):
        part = raw.strip()
        if not part:
            continue
        part = _LONG.get(part, part)
        if part not in DAY_NAMES:
            raise ValidationError(
                f"“{raw[:20]}” is not a day. Use daily, weekdays, weekends or a list such as mon,wed,fri."
            )
        mask |= 1 << DAY_NAMES.index(part)
    if mask == 0:
        raise ValidationError("Choose at least one day: daily, weekdays, weekends or a list such as mon,wed,fri.")
    return mask


def describe_days(mask: int) -> str:
    """A short human label for a weekday bitmask."""
    for label, value in (("daily", ALL_DAYS), ("weekdays", WEEKDAYS), ("weekends", 0b1100000)):
        if mask == value:
            return label
    return ",".join(name for i, name in enumerate(DAY_NAMES) if mask & (1 << i))


def occurrence_on(rule: Rule, day: date) -> datetime:
    """The UTC instant of the rule's local time on a local calendar date.

    A local time that does not exist (spring forward) resolves to the same wall-clock distance after the gap,
    i.e. it shifts forward; an ambiguous one (fall back) takes its first instance, so it fires once.
    """
    local = datetime.combine(day, rule.at, tzinfo=rule.zone)  # fold=0: first instance / pre-gap offset
    return local.astimezone(UTC)


def next_occurrence(rule: Rule, after: datetime) -> datetime:
    """The first occurrence strictly after ``after`` (an aware instant)."""
    zone = rule.zone
    start = after.astimezone(zone).date() - timedelta(days=1)
    for offset in range(16):
        day = start + timedelta(days=offset)
        if not rule.days & (1 << day.weekday()):
            continue
        instant = occurrence_on(rule, day)
        if instant > after:
            return instant
    raise ValueError(f"rule {rule} has no occurrence within two weeks of {after}")  # days mask was empty
