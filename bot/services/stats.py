"""/admin stats: how the server uses the bot over the last 7 and 30 days — counts only, nobody named.

Members using each job come from ``job_uses`` (one row per member, job and day, kept 31 days, written when a
command has run or a component of that job was used). Each job's own figures come from its service's
``<feature>_stats(db, guild_id, since)``, called once per window.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from bot.db import Database
from bot.services import faq, mentoring, progress, prompts
from bot.timeutil import iso

__all__ = [
    "JOBS",
    "JOB_LABELS",
    "Figure",
    "ServerStats",
    "StatsSection",
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

    Each new row also drops rows (of every server) older than the retention window, so the table never holds
    more than about a month while the bot is in use.
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
            # Every server's old rows, not just this one's: a server that went quiet must not keep them.
            await tx.execute("DELETE FROM job_uses WHERE used_on < ?", (oldest,))
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


# -- figures from each feature's own stats ------------------------------------------------------------------------


def _duration(value: timedelta | None) -> str:
    if value is None:
        return "–"
    minutes = int(value.total_seconds() // 60)
    if minutes < 120:
        return f"{minutes} min"
    hours = minutes / 60
    return f"{hours:.1f} h" if hours < 48 else f"{hours / 24:.1f} days"


def _figures(rows: list[tuple[str, Callable[[Any], str]]], week: Any, month: Any) -> tuple[Figure, ...]:
    return tuple(Figure(label, show(week), show(month)) for label, show in rows)


async def _faq_section(db: Database, guild_id: int, now: datetime) -> StatsSection:
    week, month = [await faq.faq_stats(db, guild_id, now - timedelta(days=d)) for d in WINDOWS]
    rows: list[tuple[str, Callable[[faq.FaqStats], str]]] = [
        ("Questions answered", lambda s: str(s.asks)),
        ("Questions without an answer (gaps)", lambda s: str(s.misses)),
        ("Entries shown", lambda s: str(s.shows)),
        ("👍 / 👎 votes", lambda s: f"{s.helpful} / {s.unhelpful}"),
        ("New knowledge gaps", lambda s: str(s.new_gaps)),
        ("Open knowledge gaps now", lambda s: str(s.open_gaps)),
    ]
    top = ", ".join(f"{t.topic} ({t.views})" for t in month.top[:3])
    return StatsSection(
        JOB_LABELS["faq"], _figures(rows, week, month), note=f"Most shown (30 days): {top}" if top else None
    )


async def _prompt_section(db: Database, guild_id: int, now: datetime) -> StatsSection:
    week, month = [await prompts.prompt_stats(db, guild_id, now - timedelta(days=d)) for d in WINDOWS]
    rows: list[tuple[str, Callable[[prompts.PromptStats], str]]] = [
        ("Prompts posted", lambda s: str(s.posted)),
        ("Discussion threads started", lambda s: str(s.threads)),
        ("Activities logged from a prompt", lambda s: str(s.logged)),
    ]
    return StatsSection(JOB_LABELS["prompts"], _figures(rows, week, month))


async def _mentoring_section(db: Database, guild_id: int, now: datetime) -> StatsSection:
    week, month = [await mentoring.mentoring_stats(db, guild_id, now - timedelta(days=d)) for d in WINDOWS]
    rows: list[tuple[str, Callable[[mentoring.MentoringStats], str]]] = [
        ("Active pairs now", lambda s: str(s.active_pairs)),
        ("Requests waiting now", lambda s: str(s.waiting_requests)),
        ("Longest wait now", lambda s: _duration(None if s.waiting_since is None else now - s.waiting_since)),
        ("Median wait until matched", lambda s: _duration(s.median_wait_to_match)),
        ("Pairs matched", lambda s: str(s.matched_since)),
        ("Proposals accepted / declined / expired",
         lambda s: f"{s.accepted_since} / {s.declined_since} / {s.expired_since}"),
        ("Mentorships ended", lambda s: str(s.ended_since)),
        ("Mentors now (paused)", lambda s: f"{s.mentors} ({s.paused_mentors})"),
        ("Mentoring places used / offered", lambda s: f"{s.places_used} / {s.capacity}"),
    ]  # fmt: skip
    return StatsSection(JOB_LABELS["mentoring"], _figures(rows, week, month))


async def _progress_section(db: Database, guild_id: int, now: datetime) -> StatsSection:
    week, month = [await progress.progress_stats(db, guild_id, now - timedelta(days=d)) for d in WINDOWS]
    figures = [
        Figure(
            f"{kind.capitalize()} ({share}) minutes",
            str(week.mix.share(kind).minutes),
            str(month.mix.share(kind).minutes),
        )
        for kind, share in (("experience", "70"), ("exposure", "20"), ("education", "10"))
    ]
    figures += [
        Figure("Activities logged", str(week.entries), str(month.entries)),
        Figure("Members who logged", str(week.active_loggers), str(month.active_loggers)),
    ]
    return StatsSection(JOB_LABELS["progress"], tuple(figures))


async def server_stats(db: Database, guild_id: int, now: datetime) -> ServerStats:
    """The whole /admin stats overview for a server."""
    week = await active_members(db, guild_id, now.date(), 7)
    month = await active_members(db, guild_id, now.date(), 30)
    usage = StatsSection(
        "Members using each job",
        tuple(Figure(JOB_LABELS[job], str(week[job]), str(month[job])) for job in JOBS),
    )
    return ServerStats(
        now,
        (
            usage,
            await _faq_section(db, guild_id, now),
            await _prompt_section(db, guild_id, now),
            await _mentoring_section(db, guild_id, now),
            await _progress_section(db, guild_id, now),
        ),
    )
