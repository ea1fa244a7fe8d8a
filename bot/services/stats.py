"""/admin stats: how the server uses the bot over the last 7 and 30 days — counts only, nobody named.

Members using each job come from ``job_uses`` (one row per member, job and day, kept 31 days). Progress minutes
by kind are counted here from the shared ``progress_entries`` table. The other features report through their
own ``<feature>_stats(db, guild_id, since)`` functions (FAQ hits and gaps, prompts posted and threads started,
mentoring waits and active pairs); each returns a frozen dataclass whose numeric fields are shown as figures, so
a field a feature adds appears without a change here. A feature whose function is not there yet is reported as
such; for prompts, posts are then counted from the scheduler's ``jobs`` table.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, fields, is_dataclass
from datetime import date, datetime, timedelta
from typing import Any

from bot.db import Database
from bot.timeutil import iso, to_unix

__all__ = [
    "JOBS",
    "JOB_LABELS",
    "Figure",
    "ServerStats",
    "StatsSection",
    "flatten_figures",
    "job_for_command",
    "job_for_custom_id",
    "record_use",
    "server_stats",
]

log = logging.getLogger(__name__)

WINDOWS = (7, 30)
USE_RETENTION_DAYS = 31
# Stored job names and how moderators read them.
JOB_LABELS = {
    "faq": "Role FAQs",
    "prompts": "Daily prompts",
    "mentoring": "Mentor matching",
    "progress": "70-20-10 check-ins",
    "admin": "Moderator admin",
}
JOBS = tuple(JOB_LABELS)
# First word of a slash command, or first part of a custom_id (``job:action:id``) → job.
_PREFIX_JOBS = {
    "role": "faq",
    "faq": "faq",
    "prompt": "prompts",
    "prompts": "prompts",
    "mentoring": "mentoring",
    "mentor": "mentoring",
    "progress": "progress",
    "checkin": "progress",
    "admin": "admin",
}
_SKIPPED_FIELDS = frozenset({"since", "until", "now", "guild_id"})
_MAX_FIGURES = 14

StatsFunction = Callable[[Database, int, datetime], Awaitable[Any]]


@dataclass(frozen=True, slots=True)
class Figure:
    """One counted thing over the last 7 and the last 30 days (equal when it is a current state)."""

    label: str
    week: str
    month: str


@dataclass(frozen=True, slots=True)
class StatsSection:
    """A job's figures, or a note saying why there are none."""

    title: str
    figures: tuple[Figure, ...]
    note: str | None = None


@dataclass(frozen=True, slots=True)
class ServerStats:
    """Everything /admin stats shows."""

    generated_at: datetime
    sections: tuple[StatsSection, ...]


# -- recording use -----------------------------------------------------------------------------------------------


def job_for_command(qualified_name: str) -> str | None:
    """The job a slash command belongs to (``"mentoring request"`` → ``mentoring``), or None (help, privacy)."""
    return _PREFIX_JOBS.get(qualified_name.split(" ", 1)[0])


def job_for_custom_id(custom_id: str) -> str | None:
    """The job a button, select or modal belongs to, from its ``job:action:id`` custom_id."""
    return _PREFIX_JOBS.get(custom_id.split(":", 1)[0])


async def record_use(db: Database, *, guild_id: int, user_id: int, job: str, now: datetime) -> bool:
    """Note that a member used a job today; True when this is their first use of it today.

    The first new row of a day also drops the server's rows older than the retention window, so the table
    never holds more than about a month.
    """
    if job not in JOB_LABELS:
        raise ValueError(f"unknown job {job!r}")
    today = now.date().isoformat()
    async with db.transaction() as tx:
        inserted = await tx.execute(
            """
            INSERT INTO job_uses (guild_id, job, used_on, user_id, created_at) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT DO NOTHING
            """,
            (guild_id, job, today, user_id, iso(now)),
        )
        if inserted:
            oldest = (now.date() - timedelta(days=USE_RETENTION_DAYS)).isoformat()
            await tx.execute("DELETE FROM job_uses WHERE guild_id = ? AND used_on < ?", (guild_id, oldest))
    return bool(inserted)


async def active_members(db: Database, guild_id: int, today: date, days: int) -> dict[str, int]:
    """Distinct members per job over the last ``days`` days (today included)."""
    first = (today - timedelta(days=days - 1)).isoformat()
    rows = await db.fetch_all(
        """
        SELECT job, COUNT(DISTINCT user_id) AS members FROM job_uses
        WHERE guild_id = ? AND used_on >= ?
        GROUP BY job
        """,
        (guild_id, first),
    )
    counts = {row["job"]: int(row["members"]) for row in rows}
    return {job: counts.get(job, 0) for job in JOBS}


# -- figures from features ---------------------------------------------------------------------------------------


def _label(prefix: str, name: str) -> str:
    text = f"{prefix} {name.replace('_', ' ')}".strip()
    return text[:1].upper() + text[1:]


def _duration(value: timedelta) -> str:
    minutes = int(value.total_seconds() // 60)
    if minutes < 60:
        return f"{minutes} min"
    hours = minutes / 60
    return f"{hours:.1f} h" if hours < 48 else f"{hours / 24:.1f} days"


def flatten_figures(value: Any, prefix: str = "") -> list[tuple[str, str]]:
    """A feature's stats dataclass as (label, value) pairs: numbers, durations, mappings, nested dataclasses.

    Instants, flags and text are left out (counts only); a list of dataclasses is labelled by each item's
    first text field (e.g. the FAQ topic).
    """
    if value is None or isinstance(value, bool | str | datetime | date):
        return []
    if is_dataclass(value) and not isinstance(value, type):
        out: list[tuple[str, str]] = []
        for item in fields(value):
            if item.name not in _SKIPPED_FIELDS:
                out += flatten_figures(getattr(value, item.name), _label(prefix, item.name))
        return out
    if isinstance(value, int):
        return [(prefix, str(value))]
    if isinstance(value, float):
        return [(prefix, f"{value:.1f}")]
    if isinstance(value, timedelta):
        return [(prefix, _duration(value))]
    if isinstance(value, Mapping):
        return [pair for key, inner in value.items() for pair in flatten_figures(inner, _label(prefix, str(key)))]
    if isinstance(value, list | tuple):
        out = []
        for item in value:
            if not is_dataclass(item) or isinstance(item, type):
                continue
            names = [f.name for f in fields(item) if isinstance(getattr(item, f.name), str)]
            name = str(getattr(item, names[0])) if names else ""
            out += [(_label(prefix, f"{name} {label.lower()}"), text) for label, text in flatten_figures(item)]
        return out
    return []


def _merge(week: list[tuple[str, str]], month: list[tuple[str, str]]) -> tuple[Figure, ...]:
    by_label = dict(month)
    merged = [Figure(label, text, by_label.get(label, "–")) for label, text in week]
    seen = {label for label, _ in week}
    merged += [Figure(label, "–", text) for label, text in month if label not in seen]
    return tuple(merged[:_MAX_FIGURES])


def _feature_function(module: str, name: str) -> StatsFunction | None:
    """A feature's stats function if that feature has landed (looked up at run time, so the order features
    arrive in does not matter)."""
    try:
        found = getattr(importlib.import_module(module), name, None)
    except ImportError:
        return None
    return found if callable(found) else None


async def _feature_section(
    db: Database, guild_id: int, now: datetime, title: str, module: str, function: str
) -> StatsSection | None:
    stats = _feature_function(module, function)
    if stats is None:
        return None
    week = flatten_figures(await stats(db, guild_id, now - timedelta(days=7)))
    month = flatten_figures(await stats(db, guild_id, now - timedelta(days=30)))
    return StatsSection(title, _merge(week, month))


async def _prompt_posts(db: Database, guild_id: int, now: datetime) -> StatsSection:
    """Prompts posted, counted from the scheduler's finished ``prompt`` jobs (used until prompts report more)."""
    figures = []
    counts = []
    for days in WINDOWS:
        value = await db.fetch_value(
            "SELECT COUNT(*) FROM jobs WHERE guild_id = ? AND kind = 'prompt' AND status = 'sent' AND due_at >= ?",
            (guild_id, to_unix(now - timedelta(days=days))),
        )
        counts.append(str(int(value or 0)))
    figures.append(Figure("Prompts posted", counts[0], counts[1]))
    return StatsSection(JOB_LABELS["prompts"], tuple(figures), note="Thread counts appear once prompts report them.")


async def _progress_minutes(db: Database, guild_id: int, now: datetime) -> StatsSection:
    """Minutes logged by kind and members who logged, from the shared progress log."""
    per_window: list[dict[str, int]] = []
    for days in WINDOWS:
        rows = await db.fetch_all(
            """
            SELECT kind, SUM(minutes) AS minutes FROM progress_entries
            WHERE guild_id = ? AND logged_at >= ? GROUP BY kind
            """,
            (guild_id, iso(now - timedelta(days=days))),
        )
        loggers = await db.fetch_value(
            "SELECT COUNT(DISTINCT user_id) FROM progress_entries WHERE guild_id = ? AND logged_at >= ?",
            (guild_id, iso(now - timedelta(days=days))),
        )
        counts = {row["kind"]: int(row["minutes"] or 0) for row in rows}
        counts["loggers"] = int(loggers or 0)
        per_window.append(counts)
    week, month = per_window
    figures = [
        Figure(f"{kind.capitalize()} ({share}) minutes", str(week.get(kind, 0)), str(month.get(kind, 0)))
        for kind, share in (("experience", "70"), ("exposure", "20"), ("education", "10"))
    ]
    figures.append(Figure("Members who logged", str(week["loggers"]), str(month["loggers"])))
    return StatsSection(JOB_LABELS["progress"], tuple(figures))


async def server_stats(db: Database, guild_id: int, now: datetime) -> ServerStats:
    """The whole /admin stats overview for a server."""
    week = await active_members(db, guild_id, now.date(), 7)
    month = await active_members(db, guild_id, now.date(), 30)
    usage = StatsSection(
        "Members using each job",
        tuple(Figure(JOB_LABELS[job], str(week[job]), str(month[job])) for job in JOBS),
    )
    sections = [usage]
    faq = await _feature_section(db, guild_id, now, JOB_LABELS["faq"], "bot.services.faq", "faq_stats")
    sections.append(faq or StatsSection(JOB_LABELS["faq"], (), note="FAQ statistics are not available yet."))
    prompts = await _feature_section(db, guild_id, now, JOB_LABELS["prompts"], "bot.services.prompts", "prompt_stats")
    sections.append(prompts or await _prompt_posts(db, guild_id, now))
    mentoring = await _feature_section(
        db, guild_id, now, JOB_LABELS["mentoring"], "bot.services.mentoring", "mentoring_stats"
    )
    sections.append(
        mentoring or StatsSection(JOB_LABELS["mentoring"], (), note="Mentoring statistics are not available yet.")
    )
    sections.append(await _progress_minutes(db, guild_id, now))
    return ServerStats(now, tuple(sections))
