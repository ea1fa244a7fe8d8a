"""The bot removed from a server: data kept 30 days, a re-invite restores it, otherwise the scheduler purges it."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import date, time, timedelta

from bot.recurrence import ALL_DAYS, Rule
from bot.services import guild_config, progress, retention, schedules
from bot.standin import DemoGuild
from tests.e2e.admin_harness import server_b_fixture, two_server_standin  # noqa: F401 - fixtures
from tests.e2e.conftest import App, start_pmo_bot, stop_pmo_bot


async def _rows_of(app: App, guild_id: int) -> dict[str, int]:
    counts = {}
    for table in await retention.guild_tables(app.bot.db):
        n = await app.bot.db.fetch_value(f'SELECT COUNT(*) FROM "{table}" WHERE guild_id = ?', (guild_id,))  # noqa: S608
        if n:
            counts[table] = n
    return counts


async def _use_the_bot(app: App, guild: DemoGuild) -> None:
    await app.standin.invoke(
        "admin config set-timezone", user=guild.admin, guild=guild.guild, channel=guild.general, timezone="Europe/Rome"
    )
    await progress.log_activity(
        app.bot.db, guild_id=guild.guild.id, user_id=guild.alice.id, kind="experience", minutes=90,
        activity="built the RAID log", local_date=date(2026, 3, 1), now=app.clock.now(),
    )  # fmt: skip
    await schedules.upsert_schedule(
        app.bot.db, guild_id=guild.guild.id, kind="lifecycle-test", channel_id=guild.prompts.id,
        rule=Rule(time(9), ALL_DAYS, "Europe/Rome"), now=app.clock.now(),
    )  # fmt: skip


async def _until(condition: Callable[[], Awaitable[bool]], what: str) -> None:
    """Gateway events are handled in their own tasks: wait (briefly, by polling) until their effect is visible."""
    for _ in range(500):
        if await condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"timed out waiting for {what}")


async def _removed(app: App, guild: DemoGuild) -> None:
    await app.standin.remove_bot(guild.guild)

    async def marked() -> bool:
        return (await guild_config.get_settings(app.bot.db, guild.guild.id)).removed_at is not None

    await _until(marked, "the removal to be recorded")
    await app.bot.scheduler.wait_idle()


async def _reinvited(app: App, guild: DemoGuild) -> None:
    await app.standin.add_bot(guild.guild)

    async def restored() -> bool:
        return (await guild_config.get_settings(app.bot.db, guild.guild.id)).removed_at is None

    await _until(restored, "the re-invite to be recorded")
    await app.standin.settle()
    await app.bot.scheduler.wait_idle()


async def test_removal_keeps_the_data_and_pauses_schedules(app: App) -> None:
    await _use_the_bot(app, app.demo)
    before = await _rows_of(app, app.guild.id)
    await _removed(app, app.demo)
    settings = await guild_config.get_settings(app.bot.db, app.guild.id)
    assert settings.removed_at == app.clock.now()
    assert settings.timezone == "Europe/Rome"
    after = await _rows_of(app, app.guild.id)
    assert after["progress_entries"] == before["progress_entries"]
    schedule = await schedules.get_schedule(app.bot.db, app.guild.id, "lifecycle-test")
    assert schedule is not None and schedule.paused
    await app.advance(timedelta(days=29))
    assert (await _rows_of(app, app.guild.id))["progress_entries"] == 1


async def test_reinvite_restores_everything_and_cancels_the_purge(app: App) -> None:
    await _use_the_bot(app, app.demo)
    await app.invoke("admin config set-channel", user=app.admin, purpose="mod-log", options={"channel": "mod-log"})
    await _removed(app, app.demo)
    await app.advance(timedelta(days=10))
    await _reinvited(app, app.demo)
    settings = await guild_config.get_settings(app.bot.db, app.guild.id)
    assert settings.removed_at is None and settings.timezone == "Europe/Rome"
    schedule = await schedules.get_schedule(app.bot.db, app.guild.id, "lifecycle-test")
    assert schedule is not None and not schedule.paused
    assert any("Welcome back" in m.content for m in app.messages_in("mod-log"))
    await app.advance(timedelta(days=25))
    assert (await _rows_of(app, app.guild.id))["progress_entries"] == 1
    assert await app.bot.db.fetch_value("SELECT status FROM jobs WHERE kind = 'guild-purge'") == "cancelled"
    reply = await app.invoke("admin config show", user=app.admin)
    assert "Europe/Rome" in reply.text


async def test_after_30_days_every_row_of_that_server_is_purged(app: App, server_b: DemoGuild) -> None:
    await _use_the_bot(app, app.demo)
    await _use_the_bot(app, server_b)
    app.bot.scheduler.wake()
    await app.advance(timedelta(0))  # let the scheduler materialise both servers' next occurrences
    other_before = await _rows_of(app, server_b.guild.id)
    await _removed(app, app.demo)
    await app.advance(timedelta(days=30, minutes=1))
    assert await _rows_of(app, app.guild.id) == {}
    assert await _rows_of(app, server_b.guild.id) == other_before


async def test_a_removal_while_the_bot_was_down_is_noticed_at_start_up(app: App) -> None:
    await _use_the_bot(app, app.demo)
    await stop_pmo_bot(app.bot)
    app.guild.bot_present = False  # kicked while the bot was offline: no event, just missing from READY
    restarted = await start_pmo_bot(app.standin, app.clock, app.bot.settings.database_path)
    try:

        async def marked() -> bool:
            return (await guild_config.get_settings(restarted.db, app.guild.id)).removed_at is not None

        await _until(marked, "the start-up reconciliation")
        assert await restarted.db.fetch_value("SELECT COUNT(*) FROM jobs WHERE kind = 'guild-purge'") == 1
    finally:
        await stop_pmo_bot(restarted)
