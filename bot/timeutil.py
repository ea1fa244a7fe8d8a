"""Small, pure helpers for instants, local dates and Discord timestamps."""

from __future__ import annotations

import re
import zoneinfo
from datetime import UTC, date, datetime, time
from functools import lru_cache

from bot.errors import ValidationError

__all__ = [
    "discord_timestamp",
    "from_unix",
    "iso",
    "parse_hhmm",
    "parse_iso",
    "resolve_timezone",
    "to_unix",
    "valid_timezones",
]

_HHMM = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def iso(moment: datetime) -> str:
    """An aware instant as ISO-8601 UTC text with a Z suffix."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(text: str) -> datetime:
    """Inverse of :func:`iso` (accepts any ISO-8601 with an offset)."""
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def to_unix(moment: datetime) -> int:
    """Whole unix seconds of an aware instant."""
    return int(moment.timestamp())


def from_unix(seconds: int) -> datetime:
    """An aware UTC instant from unix seconds."""
    return datetime.fromtimestamp(seconds, UTC)


def discord_timestamp(moment: datetime, style: str = "F") -> str:
    """``<t:…:F>`` markup, shown in each reader's own timezone by Discord."""
    return f"<t:{to_unix(moment)}:{style}>"


@lru_cache(maxsize=1)
def valid_timezones() -> frozenset[str]:
    """Every IANA zone name this machine (or the tzdata package) knows."""
    return frozenset(zoneinfo.available_timezones())


def resolve_timezone(name: str) -> zoneinfo.ZoneInfo:
    """The zone for an IANA name, case-insensitively; ValidationError with a hint otherwise."""
    cleaned = name.strip()
    if cleaned.upper() in {"UTC", "GMT", "Z"}:
        return zoneinfo.ZoneInfo("UTC")
    zones = valid_timezones()
    if cleaned not in zones:
        by_lower = {z.lower(): z for z in zones}
        match = by_lower.get(cleaned.lower().replace(" ", "_"))
        if match is None:
            raise ValidationError(
                f"“{name[:60]}” is not a timezone I know. Use an IANA name such as Europe/London, "
                "America/New_York or Asia/Kolkata (the option suggests names as you type)."
            )
        cleaned = match
    return zoneinfo.ZoneInfo(cleaned)


def parse_hhmm(text: str) -> time:
    """A 24-hour ``HH:MM`` local time; ValidationError otherwise."""
    match = _HHMM.match(text.strip())
    if not match:
        raise ValidationError(f"“{text[:20]}” is not a time. Use 24-hour HH:MM, for example 09:00 or 17:30.")
    return time(int(match.group(1)), int(match.group(2)))


def local_date(moment: datetime, zone: zoneinfo.ZoneInfo) -> date:
    """The calendar date of an instant in a zone."""
    return moment.astimezone(zone).date()
