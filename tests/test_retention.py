"""Retention after the bot is removed from a server: kept, restored by a re-invite, purged after 30 days."""

from __future__ import annotations

from datetime import date, time, timedelta

from bot.clock import ManualClock
from bot.db import Database
from bot.recurrence import ALL_DAYS, Rule
from bot.services import audit, guild_config, progress, retention, schedules

GUILD = 333_333_333_333_333_333
OTHER = 444_444_444_444_444_444
USER = 555_555_555_555_555_555


async def _populate(db: Database, clock: ManualClock, guild_id: int) -> None:
    now = clock.now()
    await guild_config.set_timezone(db, guild_id=guild_id, timezone="Europe/London", actor_id=USER, now=now)
    await progress.log_activity(
        db, guild_id=guild_id, user_id=USER, kind="exposure", minutes=30, activity="met a mentor",
        local_date=date(2026, 3, 1), now=now,
    )  # fmt: skip
    await schedules.upsert_schedule(
        db, guild_id=guild_id, kind="prompt", channel_id=1, rule=Rule(time(9), ALL_DAYS, "UTC"), now=now
    )
    await schedules.materialize_due(db, now)
    await guild_config.add_notice(db, guild_id, "hello", now)


async def _rows_of(db: Database, guild_id: int) -> dict[str, int]:
    counts = {}
    for table in await retention.guild_tables(db):
        n = await db.fetch_value(f"SELECT COUNT(*) FROM {table} WHERE guild_id = ?", (guild_id,))  # noqa: S608
        if n:
            counts[table] = n
    return counts


async def test_every_table_with_a_guild_column_is_purged(db: Database) -> None:
    tables = await retention.guild_tables(db)
    assert {"guild_settings", "member_settings", "audit_log", "jobs", "schedules", "progress_entries"} <= set(tables)
    assert tables.index("jobs") < tables.index("schedules"), "jobs reference schedules, so they go first"


async def test_removal_pauses_schedules_and_schedules_a_purge(db: Database, clock: ManualClock) -> None:
    await _populate(db, clock, GUILD)
    purge_at = await retention.mark_guild_removed(db, GUILD, clock.now())
    assert purge_at == clock.now() + timedelta(days=30)
    schedule = await schedules.get_schedule(db, GUILD, "prompt")
    assert schedule is not None and schedule.paused and schedule.paused_reason == retention.REMOVED_REASON
    jobs = await db.fetch_all("SELECT kind, status FROM jobs WHERE guild_id = ?", (GUILD,))
    assert [(j["kind"], j["status"]) for j in jobs] == [("guild-purge", "pending")]
    assert (await guild_config.get_settings(db, GUILD)).removed_at == clock.now()
    # a second GUILD_DELETE changes nothing
    await clock.advance(timedelta(days=1))
    assert await retention.mark_guild_removed(db, GUILD, clock.now()) == purge_at
    assert await db.fetch_value("SELECT COUNT(*) FROM jobs WHERE kind = 'guild-purge'") == 1


async def test_reinvite_restores_and_cancels_the_purge(db: Database, clock: ManualClock) -> None:
    await _populate(db, clock, GUILD)
    before = await _rows_of(db, GUILD)
    await retention.mark_guild_removed(db, GUILD, clock.now())
    await clock.advance(timedelta(days=10))
    assert await retention.mark_guild_present(db, GUILD, clock.now()) is True
    assert await retention.mark_guild_present(db, GUILD, clock.now()) is False
    assert (await guild_config.get_settings(db, GUILD)).removed_at is None
    schedule = await schedules.get_schedule(db, GUILD, "prompt")
    assert schedule is not None and not schedule.paused
    assert await db.fetch_value("SELECT status FROM jobs WHERE kind = 'guild-purge'") == "cancelled"
    assert not await retention.purge_due(db, GUILD, clock.now() + timedelta(days=40))
    after = await _rows_of(db, GUILD)
    assert after["progress_entries"] == before["progress_entries"]
    # removed again later: a fresh purge job, not the cancelled one
    await retention.mark_guild_removed(db, GUILD, clock.now())
    assert await db.fetch_value("SELECT COUNT(*) FROM jobs WHERE kind = 'guild-purge' AND status = 'pending'") == 1


async def test_user_paused_schedules_stay_paused_after_reinvite(db: Database, clock: ManualClock) -> None:
    await _populate(db, clock, GUILD)
    schedule = await schedules.get_schedule(db, GUILD, "prompt")
    assert schedule is not None
    await schedules.pause_schedule(db, schedule.id, "paused by a moderator", clock.now())
    await retention.mark_guild_removed(db, GUILD, clock.now())
    await retention.mark_guild_present(db, GUILD, clock.now())
    schedule = await schedules.get_schedule(db, GUILD, "prompt")
    assert schedule is not None and schedule.paused and schedule.paused_reason == "paused by a moderator"


async def test_purge_removes_every_row_of_that_server_only(db: Database, clock: ManualClock) -> None:
    await _populate(db, clock, GUILD)
    await _populate(db, clock, OTHER)
    async with db.transaction() as tx:
        await audit.record_action(tx, guild_id=GUILD, actor_id=USER, action="x", now=clock.now())
    other_before = await _rows_of(db, OTHER)
    await retention.mark_guild_removed(db, GUILD, clock.now())
    assert not await retention.purge_due(db, GUILD, clock.now() + timedelta(days=29))
    assert await retention.purge_due(db, GUILD, clock.now() + timedelta(days=30))
    deleted = await retention.purge_guild(db, GUILD)
    assert deleted["progress_entries"] == 1 and deleted["guild_settings"] == 1
    assert await _rows_of(db, GUILD) == {}
    assert await _rows_of(db, OTHER) == other_before


async def test_guilds_removed_while_offline_are_found(db: Database, clock: ManualClock) -> None:
    await _populate(db, clock, GUILD)
    await _populate(db, clock, OTHER)
    assert await retention.guilds_gone_missing(db, [OTHER]) == [GUILD]
    await retention.mark_guild_removed(db, GUILD, clock.now())
    assert await retention.guilds_gone_missing(db, [OTHER]) == []
