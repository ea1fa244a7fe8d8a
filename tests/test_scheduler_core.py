"""The dispatcher on a real database and a manual clock, with plain handlers (no Discord)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import time, timedelta

import discord
import pytest

from bot.clock import ManualClock
from bot.db import Database
from bot.recurrence import ALL_DAYS, Rule
from bot.scheduler import JobContext, JobResult, Scheduler
from bot.services import schedules as store


class FakeResponse:
    """Just enough of an aiohttp response for discord.HTTPException."""

    def __init__(self, status: int) -> None:
        self.status = status
        self.reason = "fault"


@pytest.fixture
async def scheduler(db: Database, clock: ManualClock) -> AsyncIterator[Scheduler]:
    sched = Scheduler(db, clock)
    yield sched
    await sched.stop()


async def _daily(db: Database, clock: ManualClock, at: time = time(9, 0)) -> store.Schedule:
    return await store.upsert_schedule(
        db, guild_id=1, kind="tick", channel_id=5, rule=Rule(at, ALL_DAYS, "Europe/London"), now=clock.now()
    )


async def test_daily_schedule_fires_once_per_day_as_clock_moves(
    db: Database, clock: ManualClock, scheduler: Scheduler
) -> None:
    seen: list[JobContext] = []

    async def handler(ctx: JobContext) -> JobResult:
        seen.append(ctx)
        return JobResult(message_id=len(seen))

    scheduler.register("tick", handler)
    await _daily(db, clock)
    scheduler.start()
    await scheduler.wait_idle()
    await scheduler.advance(clock, timedelta(days=7))
    assert len(seen) == 7
    assert len({ctx.nonce for ctx in seen}) == 7
    assert all(len(ctx.nonce) <= 25 for ctx in seen)
    assert all(ctx.job.due_at.hour == 9 for ctx in seen)  # London is UTC+0 in early March
    assert await db.fetch_value("SELECT COUNT(*) FROM jobs WHERE status = 'sent'") == 7


async def test_outage_sends_within_grace_late_and_skips_older(
    db: Database, clock: ManualClock, scheduler: Scheduler
) -> None:
    seen: list[JobContext] = []

    async def handler(ctx: JobContext) -> None:
        seen.append(ctx)

    scheduler.register("tick", handler)
    await _daily(db, clock)
    # The bot is "down" for three days; it starts at 13:00 on the fourth day (4 h after that day's post).
    await clock.advance(timedelta(days=3, hours=5))
    scheduler.start()
    await scheduler.wait_idle()
    statuses = [r[0] for r in await db.fetch_all("SELECT status FROM jobs ORDER BY due_at")]
    assert statuses[:4] == ["skipped", "skipped", "skipped", "sent"]
    assert len(seen) == 1 and seen[0].late


async def test_transient_failures_retry_with_backoff_then_send_once(
    db: Database, clock: ManualClock, scheduler: Scheduler
) -> None:
    attempts: list[int] = []

    async def handler(ctx: JobContext) -> JobResult:
        attempts.append(ctx.job.attempts)
        if len(attempts) < 3:
            raise discord.DiscordServerError(FakeResponse(503), "unavailable")  # type: ignore[arg-type]
        return JobResult(message_id=99)

    scheduler.register("tick", handler)
    await _daily(db, clock)
    scheduler.start()
    await clock.advance(timedelta(hours=1))
    await scheduler.wait_idle()
    assert attempts == [1]
    await clock.advance(timedelta(seconds=30))
    await scheduler.wait_idle()
    await clock.advance(timedelta(seconds=60))
    await scheduler.wait_idle()
    assert attempts == [1, 2, 3]
    row = await db.fetch_one("SELECT status, message_id FROM jobs WHERE status != 'pending'")
    assert row is not None and tuple(row) == ("sent", 99)


async def test_forbidden_pauses_server_schedule_and_notifies(db: Database, clock: ManualClock) -> None:
    notices: list[tuple[int, str]] = []

    async def notify(guild_id: int, text: str) -> None:
        notices.append((guild_id, text))

    async def handler(ctx: JobContext) -> None:
        raise discord.Forbidden(FakeResponse(403), {"code": 50013, "message": "Missing Permissions"})  # type: ignore[arg-type]

    scheduler = Scheduler(db, clock, notify=notify)
    scheduler.register("tick", handler, describe="daily prompt")
    schedule = await _daily(db, clock)
    scheduler.start()
    try:
        await clock.advance(timedelta(hours=1))
        await scheduler.wait_idle()
        stored = await store.get_schedule(db, 1, "tick")
        assert stored is not None and stored.paused and "50013" in (stored.paused_reason or "")
        assert len(notices) == 1 and "paused" in notices[0][1]
        # Nothing further happens while paused.
        await clock.advance(timedelta(days=2))
        await scheduler.wait_idle()
        assert await db.fetch_value("SELECT COUNT(*) FROM jobs WHERE schedule_id = ?", (schedule.id,)) == 1
    finally:
        await scheduler.stop()


async def test_one_off_job_runs_at_its_instant_and_dedupes_by_key(
    db: Database, clock: ManualClock, scheduler: Scheduler
) -> None:
    ran: list[str] = []

    async def handler(ctx: JobContext) -> None:
        ran.append(ctx.job.key)

    scheduler.register("expire", handler, grace=None)
    scheduler.start()
    due = clock.now() + timedelta(days=3)
    assert await store.add_job(db, guild_id=1, kind="expire", key="expire:1", due=due, now=clock.now())
    assert not await store.add_job(db, guild_id=1, kind="expire", key="expire:1", due=due, now=clock.now())
    scheduler.wake()
    await scheduler.wait_idle()
    assert ran == []
    await clock.advance(timedelta(days=3))
    await scheduler.wait_idle()
    assert ran == ["expire:1"]


async def test_claim_left_by_crash_is_retried_with_same_nonce(db: Database, clock: ManualClock) -> None:
    schedule = await _daily(db, clock)
    await store.materialize_due(db, clock.now())
    job = (await store.due_jobs(db, clock.now() + timedelta(hours=2)))[0]
    await clock.advance(timedelta(hours=1, minutes=5))
    claimed = await store.claim_job(db, job.id, clock.now())  # then the process "dies"
    assert claimed is not None
    seen: list[JobContext] = []

    async def handler(ctx: JobContext) -> None:
        seen.append(ctx)

    scheduler = Scheduler(db, clock)
    scheduler.register("tick", handler)
    scheduler.start()
    try:
        await scheduler.wait_idle()
    finally:
        await scheduler.stop()
    assert len(seen) == 1
    assert seen[0].recovering and seen[0].nonce == claimed.nonce and seen[0].job.attempts == 2
    assert schedule.id == seen[0].job.schedule_id


async def test_a_wake_during_a_step_is_not_lost(db: Database, clock: ManualClock) -> None:
    ran: list[str] = []

    async def handler(ctx: JobContext) -> None:
        ran.append(ctx.job.key)

    scheduler = Scheduler(db, clock)
    scheduler.register("expire", handler, grace=None)
    original = scheduler._next_known_run

    async def racing() -> object:
        # A command adds a job and wakes the dispatcher just after it looked for the next job.
        value = await original()
        if not ran and await store.add_job(db, guild_id=1, kind="expire", key="late", due=clock.now(), now=clock.now()):
            scheduler.wake()
        return value

    scheduler._next_known_run = racing  # type: ignore[method-assign]
    scheduler.start()
    try:
        await scheduler.wait_idle()
    finally:
        await scheduler.stop()
    assert ran == ["late"]
