"""Schedulers in several processes on one database: each runs its own shards' jobs, never another's.

Two Database objects on one file (or one PostgreSQL schema) stand for two processes: each holds its shards
through the database (a lock file on SQLite, advisory locks on PostgreSQL), exactly as separate processes do.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import time, timedelta
from pathlib import Path

import pytest

from bot import scheduler as scheduler_module
from bot.clock import ManualClock
from bot.db import Database
from bot.recurrence import ALL_DAYS, Rule
from bot.scheduler import JobContext, JobResult, Scheduler
from bot.services import schedules as store
from bot.shards import ShardSet, shard_of
from tests import backends

SHARD_1_GUILD = 5 << 22  # (5 << 22 >> 22) % 2 == 1
SHARD_0_GUILD = 4 << 22


def test_shard_rule_and_sets() -> None:
    assert shard_of(SHARD_1_GUILD, 2) == 1 and shard_of(SHARD_0_GUILD, 2) == 0 and shard_of(0, 7) == 0
    assert ShardSet.of(None, None) == ShardSet.everything()
    assert ShardSet.of(4, None).ids == {0, 1, 2, 3}
    half = ShardSet.of(2, (1,))
    assert half.owns(SHARD_1_GUILD) and not half.owns(SHARD_0_GUILD)
    assert ShardSet.everything().sql() == "1 = 1" and half.only(set()).sql() == "1 = 0"
    assert str(half) == "shards 1 of 2" and str(ShardSet.everything()) == "unsharded"


async def test_the_sql_condition_picks_the_same_servers_as_discords_rule(db: Database) -> None:
    guilds = [0, 1, 81384788765712384, 290926798626357250, 1 << 40, 987654321987654321, 2**63 - 1]
    async with db.transaction() as tx:
        for n, guild in enumerate(guilds):
            await tx.execute(
                "INSERT INTO audit_log (guild_id, actor_id, action, created_at) VALUES (?, ?, ?, ?)",
                (guild, n, "x", "t"),
            )
    for count in (1, 2, 3, 16):
        for shard in range(count):
            wanted = ShardSet(count, frozenset({shard}))
            rows = await db.fetch_all(f"SELECT guild_id FROM audit_log WHERE {wanted.sql()}")  # noqa: S608
            assert sorted(r[0] for r in rows) == sorted(g for g in guilds if wanted.owns(g)), (count, shard)


@pytest.fixture
def fast_standby(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scheduler_module, "STANDBY_POLL_SECONDS", 0.02)


@pytest.fixture
async def second_db(tmp_path: Path, db: Database) -> AsyncIterator[Database]:
    """Another connection to the ``db`` fixture's database, as a second process would open it."""
    other = await backends.open_database(tmp_path / "test.sqlite3")
    try:
        yield other
    finally:
        await other.close()


async def _daily(db: Database, guild_id: int, now: ManualClock) -> None:
    await store.upsert_schedule(
        db, guild_id=guild_id, kind="tick", channel_id=5, rule=Rule(time(9), ALL_DAYS, "UTC"), now=now.now()
    )


async def _held_by(scheduler: Scheduler, shards: set[int]) -> None:
    for _ in range(500):
        if scheduler.held.ids == shards:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"the scheduler holds {scheduler.held}, not shards {shards}")


async def test_two_copies_with_the_same_shards_post_each_occurrence_once_and_the_second_takes_over(
    db: Database, second_db: Database, clock: ManualClock, fast_standby: None
) -> None:
    runs: list[tuple[str, int]] = []

    def handler(name: str) -> scheduler_module.JobHandler:
        async def run(ctx: JobContext) -> JobResult:
            runs.append((name, ctx.job.id))
            return JobResult(message_id=ctx.job.id)

        return run

    first, second = Scheduler(db, clock), Scheduler(second_db, clock)
    first.register("tick", handler("first"))
    second.register("tick", handler("second"))
    await _daily(db, SHARD_0_GUILD, clock)
    try:
        first.start()
        await _held_by(first, {0})
        second.start()
        await asyncio.sleep(0.1)  # a few of the second's polls
        assert second.standing_by and second.held.ids == set()
        await first.advance(clock, timedelta(days=3))
        assert [name for name, _ in runs] == ["first"] * 3
        await first.stop()
        await db.close()  # the first process is gone: its lock goes with it
        await _held_by(second, {0})
        second.wake()
        await second.advance(clock, timedelta(days=2))
    finally:
        await first.stop()
        await second.stop()
    assert [name for name, _ in runs] == ["first"] * 3 + ["second"] * 2
    assert len({job for _, job in runs}) == 5
    assert await second_db.fetch_value("SELECT COUNT(*) FROM jobs WHERE status = 'sent'") == 5


async def test_each_process_runs_only_its_own_shards(
    db: Database, second_db: Database, clock: ManualClock, fast_standby: None
) -> None:
    if db.dialect == "sqlite":
        pytest.skip("one process runs a SQLite file's schedules; shard processes need PostgreSQL")
    seen: dict[int, list[int]] = {0: [], 1: []}

    def handler(shard: int) -> scheduler_module.JobHandler:
        async def run(ctx: JobContext) -> None:
            seen[shard].append(ctx.job.guild_id)

        return run

    zero = Scheduler(db, clock, shards=ShardSet.of(2, (0,)))
    one = Scheduler(second_db, clock, shards=ShardSet.of(2, (1,)))
    zero.register("tick", handler(0))
    one.register("tick", handler(1))
    await _daily(db, SHARD_0_GUILD, clock)
    await _daily(db, SHARD_1_GUILD, clock)
    try:
        zero.start()
        one.start()
        await _held_by(zero, {0})
        await _held_by(one, {1})
        await zero.advance(clock, timedelta(days=2))
        one.wake()
        await one.wait_idle()
    finally:
        await zero.stop()
        await one.stop()
    assert seen == {0: [SHARD_0_GUILD] * 2, 1: [SHARD_1_GUILD] * 2}
