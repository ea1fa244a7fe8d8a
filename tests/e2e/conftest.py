"""End-to-end fixtures: the real ``PMOBot``, unmodified, against the Discord stand-in.

``standin`` is a stand-in with the demo guild whose clock is the test's ``ManualClock`` (message timestamps,
nonce windows and 15-minute interaction tokens follow it). ``bot`` is a running PMOBot with a fresh database.
``app`` bundles both with the demo guild's channels and users::

    async def test_help(app: App) -> None:
        reply = await app.invoke("help", user=app.alice)
        assert reply.ephemeral

The bot points discord.py's process-wide REST base and gateway URL at the stand-in; both are restored after
each test. ERROR records from discord.py, the bot and the cogs fail the test unless it calls
``error_log.allow(pattern)``.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import discord
import pytest

from bot.clock import ManualClock
from bot.standin import Channel, DemoGuild, Guild, Reply, StandIn, StoredMessage, User
from bot.standin.logcapture import ErrorLogCapture

if TYPE_CHECKING:
    from bot.client import PMOBot

CAPTURED_LOGGERS = ("discord", "bot", "cogs")
_CONNECT_TASKS: dict[int, asyncio.Task[None]] = {}


@pytest.fixture(autouse=True)
def error_log() -> Iterator[ErrorLogCapture]:
    """Fail the test on ERROR log records it did not expect: discord.py only logs exceptions in callbacks."""
    capture = ErrorLogCapture(CAPTURED_LOGGERS).install()
    try:
        yield capture
    finally:
        capture.uninstall()
    if capture.unexpected():
        pytest.fail(f"unexpected errors were logged:\n{capture.report()}")


@pytest.fixture
def restore_endpoints() -> Iterator[None]:
    """Put discord.py's REST base and default gateway back after the bot repointed them."""
    base = discord.http.Route.BASE
    gateway = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    try:
        yield
    finally:
        discord.http.Route.BASE = base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = gateway


@pytest.fixture
async def standin(clock: ManualClock) -> AsyncIterator[StandIn]:
    """A stand-in with the demo guild, on the test's manual clock."""
    async with StandIn(clock=clock.now) as server:
        server.demo_guild()
        yield server


async def start_pmo_bot(standin: StandIn, clock: ManualClock, database_path: Path, **options: Any) -> PMOBot:
    """Build a PMOBot bound to the stand-in, log in (migrations, cogs, sync), connect and wait for ready."""
    from bot.client import PMOBot
    from bot.config import Settings
    from tests import backends

    settings = Settings(
        token=standin.token,
        **await backends.database_settings(database_path),
        dev_guild_id=None,
        log_level="INFO",
        api_base=standin.api_base,
        gateway_url=None,
    )
    options.setdefault("guild_ready_timeout", 0.05)
    bot = PMOBot(settings, clock=clock, **options)
    try:
        await bot.login(settings.token)
        task = asyncio.create_task(bot.connect(reconnect=False), name="pmo-bot-connect")
        _CONNECT_TASKS[id(bot)] = task
        ready = asyncio.create_task(bot.wait_until_ready())
        done, _ = await asyncio.wait({task, ready}, timeout=15, return_when=asyncio.FIRST_COMPLETED)
        if ready not in done:
            ready.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await ready
            if task in done:
                task.result()
            raise TimeoutError("PMOBot did not become ready on the stand-in")
    except BaseException:
        await stop_pmo_bot(bot)
        raise
    return bot


async def stop_pmo_bot(bot: PMOBot) -> None:
    """Close the bot (scheduler, gateway, database) and collect its connection task."""
    await bot.close()
    task = _CONNECT_TASKS.pop(id(bot), None)
    if task is not None:
        with contextlib.suppress(Exception, asyncio.CancelledError):
            await asyncio.wait_for(task, 5)


@pytest.fixture
async def bot(standin: StandIn, clock: ManualClock, tmp_path: Path, restore_endpoints: None) -> AsyncIterator[PMOBot]:
    """The real PMOBot, running against the stand-in with a fresh database."""
    running = await start_pmo_bot(standin, clock, tmp_path / "bot.sqlite3")
    try:
        yield running
    finally:
        await stop_pmo_bot(running)


@dataclass
class App:
    """The stand-in, the running bot, its clock and the demo guild, with shortcuts for tests."""

    standin: StandIn
    bot: PMOBot
    clock: ManualClock
    demo: DemoGuild

    @property
    def guild(self) -> Guild:
        """The demo guild."""
        return self.demo.guild

    @property
    def channels(self) -> dict[str, Channel]:
        """Text channels by name: general, prompts, mentoring, check-ins, mod-log."""
        return self.demo.channels

    @property
    def users(self) -> dict[str, User]:
        """Users by name: owner, admin, mod, alice, bob, carol, dave."""
        return self.demo.users

    @property
    def owner(self) -> User:
        """The guild owner."""
        return self.demo.owner

    @property
    def admin(self) -> User:
        """A member with Manage Server."""
        return self.demo.admin

    @property
    def mod(self) -> User:
        """A member with the Moderators role (no Manage Server)."""
        return self.demo.mod

    @property
    def alice(self) -> User:
        """A member."""
        return self.demo.alice

    @property
    def bob(self) -> User:
        """A member."""
        return self.demo.bob

    @property
    def carol(self) -> User:
        """A member."""
        return self.demo.carol

    @property
    def dave(self) -> User:
        """A member."""
        return self.demo.dave

    def user(self, who: User | str) -> User:
        """A user object from a user or a demo user's name."""
        return self.demo.users[who] if isinstance(who, str) else who

    def channel(self, which: Channel | str) -> Channel:
        """A channel object from a channel or a demo channel's name."""
        return self.demo.channels[which] if isinstance(which, str) else which

    async def invoke(
        self,
        path: str,
        *,
        user: User | str,
        channel: Channel | str | None = None,
        dm: bool = False,
        check: bool = True,
        options: dict[str, Any] | None = None,
        **values: Any,
    ) -> Reply:
        """Run a slash command in the demo guild (#general unless ``channel``; ``dm=True`` for a DM)."""
        where = None if dm else self.channel(channel or "general")
        return await self.standin.invoke(
            path,
            user=self.user(user),
            guild=None if dm else self.guild,
            channel=where,
            dm=dm,
            check=check,
            options=options,
            **values,
        )

    async def autocomplete(
        self, path: str, option: str, value: str, *, user: User | str, **values: Any
    ) -> list[dict[str, Any]]:
        """The choices the bot offers while ``user`` types ``value`` into ``option``."""
        return await self.standin.autocomplete(path, option, value, user=self.user(user), guild=self.guild, **values)

    async def click(self, target: Reply | StoredMessage, custom_id: str, *, user: User | str) -> Reply:
        """Press a button."""
        return await self.standin.click(target, custom_id, user=self.user(user))

    async def select(
        self, target: Reply | StoredMessage, custom_id: str, values: list[Any], *, user: User | str
    ) -> Reply:
        """Choose in a select menu."""
        return await self.standin.select(target, custom_id, values, user=self.user(user))

    async def submit_modal(self, reply: Reply, values: dict[str, Any], *, user: User | str | None = None) -> Reply:
        """Fill in and submit the modal the bot opened (fields by custom_id or label)."""
        return await self.standin.submit_modal(reply, values, user=None if user is None else self.user(user))

    async def advance(self, delta: timedelta) -> None:
        """Move the bot's clock forward, letting the scheduler run everything that falls due on the way."""
        scheduler = self.bot.scheduler
        stepper = getattr(scheduler, "advance", None)
        if stepper is not None:
            await stepper(self.clock, delta)
        else:
            await self.clock.advance(delta)
            await scheduler.wait_idle()
        await self.standin.settle()

    def messages_in(self, channel: Channel | str) -> list[StoredMessage]:
        """What is in a channel now (oldest first)."""
        return self.standin.messages_in(self.channel(channel))

    def dms_to(self, user: User | str) -> list[StoredMessage]:
        """What the bot sent to a user's DMs."""
        return self.standin.dms_to(self.user(user))


@pytest.fixture
def app(standin: StandIn, bot: PMOBot, clock: ManualClock) -> App:
    """Everything a feature test needs."""
    assert standin.demo is not None
    return App(standin=standin, bot=bot, clock=clock, demo=standin.demo)
