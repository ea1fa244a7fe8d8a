"""/admin stats: per-job member counts, the generic figures of feature stats, and the usage log's retention."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.clock import ManualClock
from bot.db import Database
from bot.services import progress, stats

GUILD = 777_777_777_777_777_777


@dataclass(frozen=True)
class _Topic:
    topic: str
    views: int


@dataclass(frozen=True)
class _Feature:
    since: datetime
    asks: int
    share: float
    median_wait: timedelta | None
    waiting_since: datetime | None
    by_kind: dict[str, int] = field(default_factory=dict)
    top: tuple[_Topic, ...] = ()
    enabled: bool = True


def test_flatten_figures_keeps_counts_only() -> None:
    value = _Feature(
        since=datetime(2026, 1, 1, tzinfo=UTC),
        asks=4,
        share=12.345,
        median_wait=timedelta(hours=5),
        waiting_since=datetime(2026, 1, 1, tzinfo=UTC),
        by_kind={"experience": 30},
        top=(_Topic("pmo-vs-pm", 9),),
    )
    assert stats.flatten_figures(value) == [
        ("Asks", "4"),
        ("Share", "12.3"),
        ("Median wait", "5.0 h"),
        ("By kind experience", "30"),
        ("Top pmo-vs-pm views", "9"),
    ]


@pytest.mark.parametrize(
    ("name", "job"),
    [
        ("role info", "faq"),
        ("faq ask", "faq"),
        ("prompt today", "prompts"),
        ("mentoring request", "mentoring"),
        ("progress log", "progress"),
        ("admin config", "admin"),
        ("help", None),
        ("privacy export", None),
    ],
)
def test_commands_map_to_jobs(name: str, job: str | None) -> None:
    assert stats.job_for_command(name) == job


@pytest.mark.parametrize(
    ("custom_id", "job"),
    [("mentoring:accept:12", "mentoring"), ("prompt:log:3", "prompts"), ("privacy:delete:confirm", None), ("", None)],
)
def test_custom_ids_map_to_jobs(custom_id: str, job: str | None) -> None:
    assert stats.job_for_custom_id(custom_id) == job


async def test_members_per_job_over_7_and_30_days(db: Database, clock: ManualClock) -> None:
    start = clock.now()
    assert await stats.record_use(db, guild_id=GUILD, user_id=1, job="faq", now=start - timedelta(days=20))
    assert await stats.record_use(db, guild_id=GUILD, user_id=2, job="faq", now=start)
    assert not await stats.record_use(db, guild_id=GUILD, user_id=2, job="faq", now=start + timedelta(hours=1))
    await stats.record_use(db, guild_id=GUILD, user_id=2, job="progress", now=start)
    await stats.record_use(db, guild_id=GUILD + 1, user_id=3, job="faq", now=start)
    result = await stats.server_stats(db, GUILD, start)
    usage = {f.label: (f.week, f.month) for f in result.sections[0].figures}
    assert usage["Role FAQs"] == ("1", "2")
    assert usage["70-20-10 check-ins"] == ("1", "1")
    assert usage["Mentor matching"] == ("0", "0")


async def test_usage_older_than_a_month_is_dropped(db: Database, clock: ManualClock) -> None:
    start = clock.now()
    await stats.record_use(db, guild_id=GUILD, user_id=1, job="faq", now=start)
    await stats.record_use(db, guild_id=GUILD, user_id=2, job="faq", now=start + timedelta(days=32))
    assert await db.fetch_value("SELECT COUNT(*) FROM job_uses WHERE guild_id = ?", (GUILD,)) == 1


async def test_progress_minutes_by_kind(db: Database, clock: ManualClock) -> None:
    now = clock.now()
    for kind, minutes, days_ago in (("experience", 60, 1), ("education", 30, 2), ("experience", 15, 20)):
        await progress.log_activity(
            db, guild_id=GUILD, user_id=5, kind=kind, minutes=minutes, activity="x",
            local_date=date(2026, 3, 1), now=now - timedelta(days=days_ago),
        )  # fmt: skip
    result = await stats.server_stats(db, GUILD, now)
    section = next(s for s in result.sections if s.title == "70-20-10 check-ins")
    figures = {f.label: (f.week, f.month) for f in section.figures}
    assert figures["Experience (70) minutes"] == ("60", "75")
    assert figures["Education (10) minutes"] == ("30", "30")
    assert figures["Members who logged"] == ("1", "1")
