"""The 70-20-10 learning log: recording activities (the rest of the feature builds on this)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.db import Database, Transaction
from bot.errors import ValidationError
from bot.timeutil import iso

__all__ = ["KINDS", "MAX_ACTIVITY", "ProgressEntry", "log_activity", "validate_activity"]

KINDS = ("experience", "exposure", "education")
TARGET = {"experience": 70, "exposure": 20, "education": 10}
MAX_ACTIVITY = 200


@dataclass(frozen=True, slots=True)
class ProgressEntry:
    """One logged learning activity."""

    id: int
    guild_id: int
    user_id: int
    kind: str
    minutes: int
    activity: str
    local_date: date
    source: str


def validate_activity(kind: str, minutes: int, activity: str) -> str:
    """Check kind, minutes and text; return the cleaned text or raise ValidationError."""
    if kind not in KINDS:
        raise ValidationError("Kind must be experience (70), exposure (20) or education (10).")
    if not 1 <= minutes <= 1440:
        raise ValidationError(f"Minutes must be between 1 and 1440 (a whole day); you gave {minutes}.")
    cleaned = " ".join(activity.split())
    if not cleaned:
        raise ValidationError("Say in a few words what you did, e.g. “ran the weekly RAID review”.")
    if len(cleaned) > MAX_ACTIVITY:
        raise ValidationError(f"Keep the activity to {MAX_ACTIVITY} characters; yours has {len(cleaned)}.")
    return cleaned


async def log_activity(
    db: Database | Transaction,
    *,
    guild_id: int,
    user_id: int,
    kind: str,
    minutes: int,
    activity: str,
    local_date: date,
    now: datetime,
    source: str = "command",
    source_ref: str | None = None,
) -> ProgressEntry:
    """Validate and store one activity; date rules (future, older than a year) are the caller's to check."""
    cleaned = validate_activity(kind, minutes, activity)
    entry_id = await db.execute(
        """
        INSERT INTO progress_entries (guild_id, user_id, kind, minutes, activity, local_date, logged_at, source,
                                      source_ref, created_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """,
        (guild_id, user_id, kind, minutes, cleaned, local_date.isoformat(), iso(now), source, source_ref, iso(now)),
    )
    return ProgressEntry(entry_id, guild_id, user_id, kind, minutes, cleaned, local_date, source)
