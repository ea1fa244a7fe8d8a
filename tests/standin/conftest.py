"""Fixtures for the stand-in's own tests: a stand-in with the demo guild and a bare discord.py bot on it."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator
from typing import Any

import discord
import pytest
import yarl

from bot.standin import DemoGuild, StandIn
from bot.standin.logcapture import ErrorLogCapture
from tests.standin.bare import BareBot


@pytest.fixture(autouse=True)
def error_log() -> Iterator[ErrorLogCapture]:
    """Fail the test on ERROR records from discord.py that it did not expect (``error_log.allow(...)``)."""
    capture = ErrorLogCapture(("discord", "bot")).install()
    try:
        yield capture
    finally:
        capture.uninstall()
    unexpected = capture.unexpected()
    if unexpected:
        pytest.fail(f"unexpected errors were logged:\n{capture.report()}")


@pytest.fixture
def standin_options() -> dict[str, Any]:
    """Keyword arguments for ``StandIn``; override with ``@pytest.mark.parametrize("standin_options", [...])``."""
    return {}


@pytest.fixture
async def standin(standin_options: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[StandIn]:
    """A running stand-in with the demo guild; discord.py's REST base and gateway point at it for this test."""
    async with StandIn(**standin_options) as server:
        server.demo_guild()
        monkeypatch.setattr(discord.http.Route, "BASE", server.api_base)
        monkeypatch.setattr(discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(server.gateway_url))
        yield server


@pytest.fixture
def demo(standin: StandIn) -> DemoGuild:
    """The demo guild's handles."""
    assert standin.demo is not None
    return standin.demo


async def start_bot(bot: discord.Client, token: str) -> asyncio.Task[None]:
    """Log in (REST + setup_hook), connect, and wait for ready or for the connection to die."""
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


async def stop_bot(bot: discord.Client, task: asyncio.Task[None] | None) -> None:
    """Close the bot and collect its connection task."""
    await bot.close()
    if task is not None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(task, 5)


@pytest.fixture
async def bot(standin: StandIn, demo: DemoGuild) -> AsyncIterator[BareBot]:
    """A bare discord.py bot, logged in and ready on the stand-in."""
    client = BareBot(demo.guild.id)
    task = await start_bot(client, standin.token)
    try:
        yield client
    finally:
        await stop_bot(client, task)
