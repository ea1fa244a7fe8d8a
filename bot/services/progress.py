"""The 70-20-10 learning log: recording, correcting and reading activities, weekly check-in reminders, export.

Every calendar question (today, this week, the streak) is answered in the member's own timezone
(:func:`bot.services.members.member_zone`); the arithmetic lives in :mod:`bot.mix`.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from bot.content import FaqEntry, PromptSeed
from bot.db import Database, Row, Transaction
from bot.errors import NotFoundError, ValidationError
from bot.mix import (
    KINDS,
    PERIODS,
    TARGET,
    Mix,
    Period,
    WeekTotals,
    compute_mix,
    local_today,
    period_start,
    week_start,
    weekly_streak,
    weekly_totals,
)
from bot.recurrence import DAY_NAMES, Rule, next_occurrence
from bot.services import schedules as store
from bot.services.members import member_zone, set_member_timezone
from bot.timeutil import iso, parse_hhmm, parse_iso

__all__ = [
    "KINDS",
    "MAX_ACTIVITY",
    "RECENT_LIMIT",
    "REMINDER_KIND",
    "TARGET",
    "CheckinSummary",
    "Nudge",
    "ProgressEntry",
    "ProgressReport",
    "ProgressStats",
    "Reminder",
    "checkin_summary",
    "choose_nudge",
    "delete_entry",
    "edit_entry",
    "entries_csv",
    "export_entries",
    "get_entry",
    "get_reminder",
    "list_recent_entries",
    "log_activity",
    "nudge_seed",
    "parse_entry_date",
    "parse_kind",
    "parse_minutes",
    "progress_report",
    "progress_stats",
    "recent_mix",
    "record_activity",
    "record_activity_with_mix",
    "record_dms_closed",
    "record_member_told",
    "remove_reminder",
    "set_reminder",
    "skip_week",
    "skipped_week",
    "validate_activity",
]

MAX_ACTIVITY = 200
RECENT_LIMIT = 25  # a select menu holds at most 25 options
RECENT_DAYS = 30
REMINDER_KIND = "checkin-reminder"
DMS_CLOSED = "dms-closed"
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_KIND_ALIASES = {"70": "experience", "20": "exposure", "10": "education"}
# CSV cells starting with these are run as formulas by spreadsheet programs; a leading quote keeps them text.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# FAQ entries that explain how to add each kind, used when the prompt bank has nothing of that kind.
_FAQ_FOR_KIND = {
    "experience": "applying-70-20-10",
    "exposure": "learning-from-communities",
    "education": "courses-and-certifications",
}


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
    logged_at: datetime | None = None
    edited_at: datetime | None = None

    @classmethod
    def from_row(cls, row: Row) -> ProgressEntry:
        """Build from a ``progress_entries`` row."""
        edited = row["edited_at"]
        return cls(
            id=row["id"],
            guild_id=row["guild_id"],
            user_id=row["user_id"],
            kind=row["kind"],
            minutes=row["minutes"],
            activity=row["activity"],
            local_date=date.fromisoformat(row["local_date"]),
            source=row["source"],
            logged_at=parse_iso(row["logged_at"]),
            edited_at=None if edited is None else parse_iso(edited),
        )


# -- validation (pure) -------------------------------------------------------------------------------------------


def parse_kind(text: str) -> str:
    """``experience`` / ``exposure`` / ``education`` (or 70 / 20 / 10, any case, a prefix is enough)."""
    cleaned = text.strip().lower().rstrip("%")
    if cleaned in _KIND_ALIASES:
        return _KIND_ALIASES[cleaned]
    matches = [kind for kind in KINDS if cleaned and kind.startswith(cleaned)]
    if len(matches) == 1:
        return matches[0]
    raise ValidationError("Kind must be experience (70), exposure (20) or education (10).")


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


def parse_minutes(text: str) -> int:
    """Whole minutes typed into a modal (1–1440)."""
    cleaned = text.strip().lower().removesuffix("minutes").removesuffix("min").strip()
    if not cleaned.isdigit():
        raise ValidationError(f"“{text[:20]}” is not a number of minutes. Type a whole number from 1 to 1440.")
    minutes = int(cleaned)
    if not 1 <= minutes <= 1440:
        raise ValidationError(f"Minutes must be between 1 and 1440 (a whole day); you gave {minutes}.")
    return minutes


def _year_before(today: date) -> date:
    try:
        return today.replace(year=today.year - 1)
    except ValueError:  # 29 February
        return today.replace(year=today.year - 1, day=28)


def parse_entry_date(text: str | None, today: date) -> date:
    """``YYYY-MM-DD``, ``today`` or ``yesterday`` in the member's calendar; not in the future, at most a year back."""
    cleaned = (text or "").strip().lower()
    if cleaned in ("", "today"):
        return today
    if cleaned == "yesterday":
        return today - timedelta(days=1)
    if not _ISO_DATE.match(cleaned):
        raise ValidationError(
            f"“{(text or '')[:20]}” is not a date. Use YYYY-MM-DD (for example {today.isoformat()}), today or "
            "yesterday."
        )
    try:
        day = date.fromisoformat(cleaned)
    except ValueError:
        raise ValidationError(f"{cleaned} is not a real calendar date. Use YYYY-MM-DD.") from None
    if day > today:
        raise ValidationError(
            f"{day.isoformat()} is in the future (today is {today.isoformat()} where you are). Log what you have done."
        )
    earliest = _year_before(today)
    if day < earliest:
        raise ValidationError(
            f"{day.isoformat()} is more than a year ago; entries can go back to {earliest.isoformat()}."
        )
    return day


# -- writing -----------------------------------------------------------------------------------------------------


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
    return ProgressEntry(entry_id, guild_id, user_id, kind, minutes, cleaned, local_date, source, now)


async def record_activity(
    db: Database,
    *,
    guild_id: int,
    user_id: int,
    kind: str,
    minutes: int,
    activity: str,
    day: str | None,
    now: datetime,
    source: str = "command",
) -> ProgressEntry:
    """Log an activity for a date the member typed (``YYYY-MM-DD`` / today / yesterday in their timezone)."""
    today = local_today(now, await member_zone(db, guild_id, user_id))
    return await _log_on_day(db, guild_id, user_id, kind, minutes, activity, day, today, now, source)


async def _log_on_day(
    db: Database,
    guild_id: int,
    user_id: int,
    kind: str,
    minutes: int,
    activity: str,
    day: str | None,
    today: date,
    now: datetime,
    source: str,
) -> ProgressEntry:
    local = parse_entry_date(day, today)
    validate_activity(kind, minutes, activity)
    return await log_activity(
        db,
        guild_id=guild_id,
        user_id=user_id,
        kind=kind,
        minutes=minutes,
        activity=activity,
        local_date=local,
        now=now,
        source=source,
    )


async def record_activity_with_mix(
    db: Database,
    *,
    guild_id: int,
    user_id: int,
    kind: str,
    minutes: int,
    activity: str,
    day: str | None,
    now: datetime,
    source: str = "command",
    days: int = RECENT_DAYS,
) -> tuple[ProgressEntry, Mix]:
    """:func:`record_activity` and then :func:`recent_mix`, reading the member's timezone once (fewer round trips)."""
    today = local_today(now, await member_zone(db, guild_id, user_id))
    entry = await _log_on_day(db, guild_id, user_id, kind, minutes, activity, day, today, now, source)
    mix, _ = await _mix_since(db, guild_id, user_id, today - timedelta(days=days - 1))
    return entry, mix


async def get_entry(db: Database | Transaction, guild_id: int, user_id: int, entry_id: int) -> ProgressEntry:
    """One of the member's own entries in this server; NotFoundError otherwise."""
    row = await db.fetch_one(
        "SELECT * FROM progress_entries WHERE id = ? AND guild_id = ? AND user_id = ?", (entry_id, guild_id, user_id)
    )
    if row is None:
        raise NotFoundError("That entry no longer exists (or is not yours). Run /progress edit to pick another.")
    return ProgressEntry.from_row(row)


async def list_recent_entries(
    db: Database, guild_id: int, user_id: int, limit: int = RECENT_LIMIT
) -> list[ProgressEntry]:
    """The member's most recent entries (by date, then by when they were logged), newest first."""
    rows = await db.fetch_all(
        """
        SELECT * FROM progress_entries WHERE guild_id = ? AND user_id = ?
        ORDER BY local_date DESC, id DESC LIMIT ?
        """,
        (guild_id, user_id, limit),
    )
    return [ProgressEntry.from_row(row) for row in rows]


async def edit_entry(
    db: Database,
    *,
    guild_id: int,
    user_id: int,
    entry_id: int,
    kind: str,
    minutes: int,
    activity: str,
    day: str | None,
    now: datetime,
) -> ProgressEntry:
    """Correct one of the member's own entries; the same rules as logging apply."""
    today = local_today(now, await member_zone(db, guild_id, user_id))
    local = parse_entry_date(day, today)
    cleaned = validate_activity(kind, minutes, activity)
    async with db.transaction() as tx:
        await get_entry(tx, guild_id, user_id, entry_id)
        await tx.execute(
            """
            UPDATE progress_entries SET kind = ?, minutes = ?, activity = ?, local_date = ?, edited_at = ?
            WHERE id = ? AND guild_id = ? AND user_id = ?
            """,
            (kind, minutes, cleaned, local.isoformat(), iso(now), entry_id, guild_id, user_id),
        )
        return await get_entry(tx, guild_id, user_id, entry_id)


async def delete_entry(db: Database, *, guild_id: int, user_id: int, entry_id: int) -> ProgressEntry:
    """Delete one of the member's own entries; returns what was deleted."""
    async with db.transaction() as tx:
        entry = await get_entry(tx, guild_id, user_id, entry_id)
        await tx.execute(
            "DELETE FROM progress_entries WHERE id = ? AND guild_id = ? AND user_id = ?", (entry_id, guild_id, user_id)
        )
        return entry


# -- reading -----------------------------------------------------------------------------------------------------


async def _mix_since(db: Database, guild_id: int, user_id: int, start: date | None) -> tuple[Mix, int]:
    rows = await db.fetch_all(
        """
        SELECT kind, SUM(minutes) AS minutes, COUNT(*) AS entries FROM progress_entries
        WHERE guild_id = ? AND user_id = ? AND local_date >= ?
        GROUP BY kind
        """,
        (guild_id, user_id, start.isoformat() if start else "0000-00-00"),
    )
    return compute_mix({row["kind"]: row["minutes"] for row in rows}), sum(row["entries"] for row in rows)


async def recent_mix(db: Database, guild_id: int, user_id: int, now: datetime, days: int = RECENT_DAYS) -> Mix:
    """The member's mix over the last ``days`` local days, today included."""
    today = local_today(now, await member_zone(db, guild_id, user_id))
    mix, _ = await _mix_since(db, guild_id, user_id, today - timedelta(days=days - 1))
    return mix


@dataclass(frozen=True, slots=True)
class ProgressReport:
    """What /progress show needs: the period's mix, the streak and the last 12 weeks, in the member's calendar."""

    guild_id: int
    user_id: int
    period: Period
    start: date | None
    today: date
    timezone: str
    mix: Mix
    entries: int
    streak: int
    weeks: tuple[WeekTotals, ...]

    @property
    def logged_this_week(self) -> bool:
        """Whether the current local week has minutes."""
        return bool(self.weeks) and self.weeks[-1].total > 0


async def progress_report(
    db: Database, guild_id: int, user_id: int, period: str, now: datetime, *, weeks: int = 12
) -> ProgressReport:
    """The member's mix for a calendar period (week/month/quarter/year/all), weekly streak and recent weeks."""
    if period not in PERIODS:
        raise ValidationError("Period must be week, month, quarter, year or all.")
    chosen: Period = period
    zone = await member_zone(db, guild_id, user_id)
    today = local_today(now, zone)
    start = period_start(chosen, today)
    mix, entries = await _mix_since(db, guild_id, user_id, start)
    # Only dates are needed for the streak; DISTINCT over the (guild, user, local_date) index reads no table rows.
    dates = await db.fetch_all(
        "SELECT DISTINCT local_date FROM progress_entries WHERE guild_id = ? AND user_id = ?", (guild_id, user_id)
    )
    skipped = await db.fetch_all(
        "SELECT week_start FROM progress_skipped_weeks WHERE guild_id = ? AND user_id = ?", (guild_id, user_id)
    )
    streak = weekly_streak(
        (date.fromisoformat(row[0]) for row in dates), today, (date.fromisoformat(row[0]) for row in skipped)
    )
    first_week = week_start(today) - timedelta(weeks=weeks - 1)
    rows = await db.fetch_all(
        """
        SELECT local_date, kind, SUM(minutes) FROM progress_entries
        WHERE guild_id = ? AND user_id = ? AND local_date >= ?
        GROUP BY local_date, kind
        """,
        (guild_id, user_id, first_week.isoformat()),
    )
    recent = weekly_totals(((date.fromisoformat(r[0]), r[1], r[2]) for r in rows), today, weeks)
    return ProgressReport(guild_id, user_id, chosen, start, today, zone.key, mix, entries, streak, recent)


@dataclass(frozen=True, slots=True)
class Nudge:
    """One concrete suggestion toward a kind: a prompt from the bank or an FAQ entry."""

    kind: str
    text: str
    source: str  # "prompt" or "faq"
    ref: str  # the prompt id or FAQ topic


def choose_nudge(kind: str, prompts: Sequence[PromptSeed], faqs: Sequence[FaqEntry], seed: int) -> Nudge | None:
    """A suggestion of ``kind``: a prompt from the bank (varied by ``seed``), else the FAQ entry for that kind."""
    matching = [prompt for prompt in prompts if prompt.kind == kind]
    if matching:
        chosen = matching[seed % len(matching)]
        return Nudge(kind, chosen.text, "prompt", chosen.id)
    topic = _FAQ_FOR_KIND.get(kind)
    for entry in faqs:
        if entry.topic == topic:
            return Nudge(kind, entry.question, "faq", entry.topic)
    return None


def nudge_seed(user_id: int, today: date) -> int:
    """A seed that gives a member a different suggestion each week but the same one all week."""
    return user_id + week_start(today).toordinal() // 7


@dataclass(frozen=True, slots=True)
class CheckinSummary:
    """What a weekly check-in reminder shows: this week so far, the 30-day mix and the streak."""

    report: ProgressReport
    last_30_days: Mix


async def checkin_summary(db: Database, guild_id: int, user_id: int, now: datetime) -> CheckinSummary:
    """This local week's report plus the rolling 30-day mix."""
    report = await progress_report(db, guild_id, user_id, "week", now)
    return CheckinSummary(report, await recent_mix(db, guild_id, user_id, now))


# -- export ------------------------------------------------------------------------------------------------------


async def export_entries(db: Database, guild_id: int, user_id: int) -> list[ProgressEntry]:
    """All the member's entries in this server, oldest first."""
    rows = await db.fetch_all(
        "SELECT * FROM progress_entries WHERE guild_id = ? AND user_id = ? ORDER BY local_date, id",
        (guild_id, user_id),
    )
    return [ProgressEntry.from_row(row) for row in rows]


def _cell(text: str) -> str:
    return "'" + text if text.startswith(_FORMULA_START) else text


def entries_csv(entries: Sequence[ProgressEntry], timezone: str) -> bytes:
    """The entries as UTF-8 CSV with a header row: ISO local dates and ISO UTC instants."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(
        ["id", "local_date", "timezone", "kind", "target_percent", "minutes", "activity", "source",
         "logged_at_utc", "edited_at_utc"]
    )  # fmt: skip
    for entry in entries:
        writer.writerow(
            [
                entry.id,
                entry.local_date.isoformat(),
                timezone,
                entry.kind,
                TARGET[entry.kind],
                entry.minutes,
                _cell(entry.activity),
                entry.source,
                iso(entry.logged_at) if entry.logged_at else "",
                iso(entry.edited_at) if entry.edited_at else "",
            ]
        )
    return buffer.getvalue().encode("utf-8")


# -- weekly check-in reminders -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Reminder:
    """A member's weekly check-in reminder."""

    guild_id: int
    user_id: int
    schedule_id: int
    weekday: int  # 0 = Monday
    at: time
    timezone: str
    paused: bool
    dms_closed: bool
    next_at: datetime | None

    @property
    def day_name(self) -> str:
        """The weekday's English name."""
        return ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")[self.weekday]


def _parse_day(text: str) -> int:
    cleaned = text.strip().lower()[:3]
    if cleaned not in DAY_NAMES:
        raise ValidationError(f"“{text[:20]}” is not a day of the week. Choose Monday to Sunday.")
    return DAY_NAMES.index(cleaned)


def _reminder(schedule: store.Schedule, dms_closed: bool, now: datetime) -> Reminder:
    weekday = schedule.rule.days.bit_length() - 1
    next_at = None if schedule.paused else next_occurrence(schedule.rule, max(now, schedule.anchor_at))
    return Reminder(
        schedule.guild_id, schedule.owner_id, schedule.id, weekday, schedule.rule.at, schedule.rule.timezone,
        schedule.paused, dms_closed, next_at,
    )  # fmt: skip


async def set_reminder(
    db: Database, *, guild_id: int, user_id: int, day: str, at: str, timezone: str, now: datetime
) -> Reminder:
    """Start (or move, or restart after closed DMs) the member's weekly check-in DM; also sets their timezone."""
    weekday = _parse_day(day)
    local_time = parse_hhmm(at)
    async with db.transaction() as tx:
        zone_name = await set_member_timezone(db, guild_id, user_id, timezone, now)
        schedule = await store.upsert_schedule(
            db,
            guild_id=guild_id,
            kind=REMINDER_KIND,
            owner_id=user_id,
            channel_id=None,
            rule=Rule(local_time, 1 << weekday, zone_name),
            now=now,
        )
        await tx.execute(
            """
            INSERT INTO progress_reminders (guild_id, user_id, dms_closed_at, told_at, created_at, updated_at)
            VALUES (?, ?, NULL, NULL, ?, ?)
            ON CONFLICT (guild_id, user_id) DO UPDATE SET dms_closed_at = NULL, told_at = NULL,
                                                          updated_at = excluded.updated_at
            """,
            (guild_id, user_id, iso(now), iso(now)),
        )
    return _reminder(schedule, False, now)


async def get_reminder(db: Database, guild_id: int, user_id: int, now: datetime) -> Reminder | None:
    """The member's reminder, if they have one."""
    schedule = await store.get_schedule(db, guild_id, REMINDER_KIND, user_id)
    if schedule is None:
        return None
    closed = await db.fetch_value(
        "SELECT dms_closed_at FROM progress_reminders WHERE guild_id = ? AND user_id = ?", (guild_id, user_id)
    )
    return _reminder(schedule, closed is not None, now)


async def remove_reminder(db: Database, guild_id: int, user_id: int) -> bool:
    """Stop the member's reminders; False when they had none."""
    async with db.transaction() as tx:
        removed = await store.delete_schedule(db, guild_id, REMINDER_KIND, user_id)
        await tx.execute("DELETE FROM progress_reminders WHERE guild_id = ? AND user_id = ?", (guild_id, user_id))
        return removed


async def record_dms_closed(db: Database, *, guild_id: int, user_id: int, schedule_id: int, now: datetime) -> bool:
    """Pause the member's reminder because their DMs are closed; True if they have not been told yet."""
    async with db.transaction() as tx:
        await store.pause_schedule(db, schedule_id, DMS_CLOSED, now)
        await tx.execute(
            """
            INSERT INTO progress_reminders (guild_id, user_id, dms_closed_at, told_at, created_at, updated_at)
            VALUES (?, ?, ?, NULL, ?, ?)
            ON CONFLICT (guild_id, user_id) DO UPDATE SET
                dms_closed_at = COALESCE(progress_reminders.dms_closed_at, excluded.dms_closed_at),
                updated_at = excluded.updated_at
            """,
            (guild_id, user_id, iso(now), iso(now), iso(now)),
        )
        told = await tx.fetch_value(
            "SELECT told_at FROM progress_reminders WHERE guild_id = ? AND user_id = ?", (guild_id, user_id)
        )
        return told is None


async def record_member_told(db: Database, *, guild_id: int, user_id: int, now: datetime) -> None:
    """Remember that the member was told (in the check-ins channel) that their reminders are paused."""
    await db.execute(
        "UPDATE progress_reminders SET told_at = ?, updated_at = ? WHERE guild_id = ? AND user_id = ?",
        (iso(now), iso(now), guild_id, user_id),
    )


async def skip_week(db: Database, *, guild_id: int, user_id: int, week: date, now: datetime) -> bool:
    """Record that the member skips a local week (it then bridges their streak); False if already skipped.

    Only the current week or the one before it can be skipped: a reminder sent on a Sunday evening may be
    answered on Monday, but an old reminder must not rewrite history.
    """
    if week != week_start(week):
        raise ValidationError("That button is not valid any more; use the latest check-in message.")
    current = week_start(local_today(now, await member_zone(db, guild_id, user_id)))
    if not current - timedelta(weeks=1) <= week <= current:
        raise ValidationError(
            f"That check-in was for the week of {week.isoformat()}; only this week's check-in can be skipped."
        )
    added = await db.execute(
        """
        INSERT INTO progress_skipped_weeks (guild_id, user_id, week_start, created_at) VALUES (?, ?, ?, ?)
        ON CONFLICT (guild_id, user_id, week_start) DO NOTHING
        """,
        (guild_id, user_id, week.isoformat(), iso(now)),
    )
    return bool(added)


async def skipped_week(db: Database, guild_id: int, user_id: int, week: date) -> bool:
    """Whether the member skipped this local week."""
    value = await db.fetch_value(
        "SELECT 1 FROM progress_skipped_weeks WHERE guild_id = ? AND user_id = ? AND week_start = ?",
        (guild_id, user_id, week.isoformat()),
    )
    return value is not None


# -- the server's anonymous view (/admin stats) ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ProgressStats:
    """A server's learning activity since an instant: counts only, nobody named."""

    since: datetime
    active_loggers: int
    entries: int
    total_minutes: int
    mix: Mix


async def progress_stats(db: Database, guild_id: int, since: datetime) -> ProgressStats:
    """Members who logged, entries, minutes and the server's mix for activities logged since ``since``."""
    rows = await db.fetch_all(
        """
        SELECT kind, SUM(minutes) AS minutes, COUNT(*) AS entries FROM progress_entries
        WHERE guild_id = ? AND logged_at >= ?
        GROUP BY kind
        """,
        (guild_id, iso(since)),
    )
    loggers = await db.fetch_value(
        "SELECT COUNT(DISTINCT user_id) FROM progress_entries WHERE guild_id = ? AND logged_at >= ?",
        (guild_id, iso(since)),
    )
    mix = compute_mix({row["kind"]: row["minutes"] for row in rows})
    return ProgressStats(since, int(loggers or 0), sum(row["entries"] for row in rows), mix.total, mix)
