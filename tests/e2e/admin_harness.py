"""The real PMOBot on the Discord stand-in with two demo servers, for the admin, privacy and lifecycle tests.

Each test gets a fresh stand-in, a fresh database and a manual clock. Errors that discord.py or the bot only
logged fail the test.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import discord
import pytest
import yarl

from bot.client import PMOBot
from bot.clock import ManualClock
from bot.config import Settings
from bot.standin import DemoGuild, Reply, StandIn
from bot.standin.logcapture import ErrorLogCapture
from tests.conftest import START


@dataclass
class World:
    """Handles on everything a test drives."""

    standin: StandIn
    a: DemoGuild  # server A, the default for invoke()
    b: DemoGuild  # server B; A's alice and admin are members here too
    bot: PMOBot
    clock: ManualClock
    errors: ErrorLogCapture

    async def invoke(self, path: str, **kwargs: Any) -> Reply:
        """Run a slash command through the stand-in."""
        return await self.standin.invoke(path, **kwargs)

    async def table_rows(self) -> dict[str, list[tuple[Any, ...]]]:
        """Every row of every table (a snapshot to compare before and after a refused command)."""
        names = await self.bot.db.fetch_all(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
        snapshot = {}
        for row in names:
            rows = await self.bot.db.fetch_all(f'SELECT * FROM "{row["name"]}"')  # noqa: S608 - names from the schema
            snapshot[row["name"]] = sorted((tuple(r) for r in rows), key=repr)
        return snapshot


async def _start(bot: PMOBot, token: str) -> asyncio.Task[None]:
    await bot.login(token)
    task = asyncio.create_task(bot.connect(reconnect=False))
    ready = asyncio.create_task(bot.wait_until_ready())
    done, _ = await asyncio.wait({task, ready}, timeout=10, return_when=asyncio.FIRST_COMPLETED)
    if ready not in done:
        ready.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await ready
        if task in done:
            task.result()
        raise TimeoutError("the bot did not become ready")
    return task


@contextlib.asynccontextmanager
async def running_world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[World]:
    """A stand-in with servers A and B and the real bot connected to it."""
    errors = ErrorLogCapture(("discord", "bot", "cogs")).install()
    clock = ManualClock(START)
    # discord.py's REST base and gateway URL are process-wide; restore them after the test.
    monkeypatch.setattr(discord.http.Route, "BASE", discord.http.Route.BASE)
    monkeypatch.setattr(
        discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    )
    try:
        async with StandIn(clock=clock.now) as standin:
            a = standin.demo_guild()
            b = standin.demo_guild()
            standin.add_member(b.guild, a.alice)
            standin.add_member(b.guild, a.admin, roles=[b.roles["Admin"]])
            settings = Settings(
                token=standin.token,
                database_path=tmp_path / "bot.sqlite3",
                api_base=standin.api_base,
                gateway_url=standin.gateway_url,
            )
            bot = PMOBot(settings, clock=clock, guild_ready_timeout=0.05)
            task = await _start(bot, standin.token)
            try:
                yield World(standin, a, b, bot, clock, errors)
            finally:
                await bot.close()
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(task, 5)
    finally:
        errors.uninstall()
    unexpected = errors.unexpected()
    if unexpected:
        pytest.fail(f"unexpected errors were logged:\n{errors.report()}")


def gateway_url(standin: StandIn) -> yarl.URL:
    """The stand-in's gateway as discord.py wants it."""
    return yarl.URL(standin.gateway_url)
