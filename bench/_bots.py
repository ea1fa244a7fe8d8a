"""The bots the benchmarks run: the real PMOBot and a bare discord.py bot as the baseline, plus an event-loop probe.

The bare bot is discord.py with its default settings (default intents, message cache, member cache flags) and one
trivial command, ``/ping``, answered at once: the floor any discord.py bot pays on the same stand-in. Run as
``python -m bench._bots`` it connects to the stand-in named by ``BENCH_API_BASE`` / ``BENCH_GATEWAY_URL`` /
``BENCH_TOKEN`` (for the memory and start-up benchmarks, which need it in a process of its own).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import discord
import yarl
from discord.ext import commands

if TYPE_CHECKING:
    from bot.client import PMOBot
    from bot.clock import Clock
    from bot.standin import Reply, StandIn

log = logging.getLogger(__name__)

REPO_ROOT = Path(__file__).resolve().parents[1]

PING = {"kind": "invoke", "path": "ping", "values": {}}


def point_discord_at(api_base: str, gateway_url: str) -> tuple[str, yarl.URL]:
    """Repoint discord.py's process-wide REST base and gateway; returns the old values to restore."""
    old = (discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY)
    discord.http.Route.BASE = api_base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)
    return old


def restore_discord(old: tuple[str, yarl.URL]) -> None:
    """Undo :func:`point_discord_at`."""
    discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = old


class BareBot(commands.Bot):
    """discord.py with default settings and one trivial slash command."""

    def __init__(self, **options: Any) -> None:
        super().__init__(command_prefix=commands.when_mentioned, intents=discord.Intents.default(), **options)

        @self.tree.command(description="Answer at once")
        async def ping(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("pong", ephemeral=True)

    async def setup_hook(self) -> None:
        """Register the command with the stand-in."""
        await self.tree.sync()


async def connect(bot: commands.Bot, token: str, timeout: float = 120.0) -> asyncio.Task[None]:  # noqa: ASYNC109
    """Log in, connect and wait until discord.py says ready; returns the connection task."""
    await bot.login(token)
    task = asyncio.create_task(bot.connect(reconnect=False), name="bench-bot-connect")
    ready = asyncio.create_task(bot.wait_until_ready())
    done, _ = await asyncio.wait({task, ready}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    if ready not in done:
        ready.cancel()
        await close(bot, task)
        if task in done:
            task.result()
        raise TimeoutError("the bot did not become ready")
    return task


async def close(bot: commands.Bot, task: asyncio.Task[None] | None) -> None:
    """Close the bot and collect its connection task."""
    await bot.close()
    if task is not None:
        with contextlib.suppress(Exception, asyncio.CancelledError):
            await asyncio.wait_for(task, 10)


def make_pmo_bot(
    api_base: str, token: str, database_path: Path, clock: Clock | None = None, *, database_url: str | None = None
) -> PMOBot:
    """The real PMOBot, configured for a stand-in (commands synced globally); PostgreSQL with ``database_url``."""
    from bot.client import PMOBot
    from bot.config import Settings

    settings = Settings(
        token=token, database_path=database_path, log_level="WARNING", api_base=api_base, database_url=database_url
    )
    return PMOBot(settings, clock=clock, guild_ready_timeout=0.05)


class BareProcess:
    """The bare bot as ``python -m bench._bots`` in a process of its own, pointed at an in-process stand-in."""

    def __init__(self, standin: StandIn, log_path: Path) -> None:
        self.standin = standin
        self.log_path = log_path
        self.proc: asyncio.subprocess.Process | None = None
        self._ready_before = 0

    @property
    def pid(self) -> int | None:
        """The child's pid."""
        return None if self.proc is None else self.proc.pid

    async def start(self) -> None:
        """Start the process (does not wait for it to connect)."""
        self._ready_before = self.standin.gateway.ready_count
        env = {
            **os.environ,
            "BENCH_API_BASE": self.standin.api_base,
            "BENCH_GATEWAY_URL": self.standin.gateway_url,
            "BENCH_TOKEN": self.standin.token,
        }
        with self.log_path.open("ab") as out:
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bench._bots", cwd=str(REPO_ROOT), env=env,
                stdin=asyncio.subprocess.DEVNULL, stdout=out, stderr=asyncio.subprocess.STDOUT,
            )  # fmt: skip

    async def wait_ready(self, timeout: float = 120.0) -> None:  # noqa: ASYNC109
        """Wait until this run's gateway session has its GUILD_CREATEs."""
        before = self._ready_before
        await self.standin.gateway.wait_for(lambda: self.standin.gateway.ready_count > before, timeout, "the bot")

    async def kill(self) -> None:
        """SIGKILL and reap."""
        if self.proc is not None and self.proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.proc.kill()
            await self.proc.wait()


def rss_mib(pid: int) -> tuple[float, float]:
    """(resident set size, peak resident set size) of a process, in MiB, from /proc."""
    values: dict[str, float] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0]) / 1024
    return values["VmRSS"], values["VmHWM"]


def callback_at(reply: Reply) -> float:
    """When (monotonic) the bot's first callback for an interaction arrived at the stand-in."""
    for record in reply.state.requests:
        if record.route.endswith("/callback"):
            return record.monotonic
    raise RuntimeError("the bot did not answer the interaction")


class LoopProbe:
    """Measures event-loop lag: a task that asks to sleep 1 ms and records how late it woke up."""

    def __init__(self, interval: float = 0.001) -> None:
        self.interval = interval
        self.lags: list[float] = []
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        while True:
            started = time.perf_counter()
            await asyncio.sleep(self.interval)
            self.lags.append(max(time.perf_counter() - started - self.interval, 0.0))

    def start(self) -> None:
        """Start probing (clears earlier samples)."""
        self.lags = []
        self._task = asyncio.create_task(self._run(), name="loop-probe")

    async def stop(self) -> list[float]:
        """Stop probing; returns the lags in seconds."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        return self.lags


async def _run_bare_process() -> None:
    """Entry point of ``python -m bench._bots``: the bare bot in a process of its own, until killed."""
    point_discord_at(os.environ["BENCH_API_BASE"], os.environ["BENCH_GATEWAY_URL"])
    bot = BareBot()
    await bot.start(os.environ["BENCH_TOKEN"])


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_run_bare_process())
