"""/admin stats: per-job member counts, every job's section, and the usage log's retention."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bot.clock import ManualClock
from bot.db import Database
from bot.services import progress, stats

GUILD = 777_777_777_777_777_777


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
    await stats.record_use(db, guild_id=GUILD + 1, user_id=3, job="faq", now=start)
    await stats.record_use(db, guild_id=GUILD, user_id=2, job="faq", now=start + timedelta(days=32))
    assert await db.fetch_value("SELECT COUNT(*) FROM job_uses WHERE guild_id = ?", (GUILD,)) == 1
    assert await db.fetch_value("SELECT COUNT(*) FROM job_uses WHERE guild_id = ?", (GUILD + 1,)) == 0


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


async def test_every_job_has_a_section_even_when_empty(db: Database, clock: ManualClock) -> None:
    result = await stats.server_stats(db, GUILD, clock.now())
    titles = [section.title for section in result.sections]
    assert titles == ["Members using each job", "Role FAQs", "Daily prompts", "Mentor matching", "70-20-10 check-ins"]
    prompts = {f.label: (f.week, f.month) for f in result.sections[2].figures}
    assert prompts["Prompts posted"] == ("0", "0")
    mentoring = {f.label: (f.week, f.month) for f in result.sections[3].figures}
    assert mentoring["Active pairs now"] == ("0", "0")
    assert mentoring["Median wait until matched"] == ("–", "–")
