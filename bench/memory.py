"""Memory: resident set size of the bot with 1,000 guilds of 25 channels, after READY and after an hour of activity.

The stand-in (in this process) holds 1,000 guilds, each with 25 text channels and the same 100 members, and
sends every member in each GUILD_CREATE (as Discord does with the members intent: the heaviest payload a bot
must parse, whether or not it keeps the members). Each bot runs in a process of its own, so its RSS is its own
(read from ``/proc/<pid>/status``):

* PMOBot: ``python -m bot`` with its clock sped up 360× (an hour of bot time in 10 s), daily prompts scheduled
  in 300 of the guilds at times spread over that hour (each post opens a thread too), five ``/progress show``
  charts, and 500 interactions (``/faq ask``, ``/progress log``, ``/role info`` and its autocomplete) sent
  across the guilds meanwhile;
* baseline: the bare discord.py bot with default settings (default intents, message cache, member cache
  flags) on the same payloads, answering 500 ``/ping`` in the same 10 s.

RSS is read once the bot has answered its first interaction after READY (every GUILD_CREATE before it has been
parsed) and ``guild_ready_timeout`` has passed, and again when the hour is over and the posts have drained.

Run: ``python -m bench.memory [--guilds 1000] [--quick]``.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench._bots import PING, REPO_ROOT, BareProcess, rss_mib
from bench._report import Figure, emit
from bench._standin_proc import _Driver, _include_members, build_world
from bench.interactions import pmo_mix
from bot.db import SqliteDatabase
from bot.services import prompts as prompt_service
from bot.standin import BotProcess, StandIn

log = logging.getLogger(__name__)

CLOCK_START = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
SPEED = 360.0  # an hour of bot time every 10 s
HOUR_REAL = 3600 / SPEED
SETTLE = 2.5  # past discord.py's guild_ready_timeout (2 s), so on_ready has run
MEMBERS = 100
CHANNELS = 25
PROMPT_GUILDS = 300
INTERACTIONS = 500
CHARTS = 5
CHART = {"kind": "invoke", "path": "progress show", "values": {}}


@dataclass
class Measured:
    """RSS (MiB) after READY and after the hour, the peak, and what happened in the hour."""

    ready: float
    after: float
    peak: float
    answered: int
    sent: int
    posts: int


async def _prepare(path: Path, world: list[dict[str, Any]]) -> None:
    db = await SqliteDatabase.open(path)
    try:
        await db.migrate()
        for n, guild in enumerate(world[:PROMPT_GUILDS]):
            # Bot time reaches ~07:30 while 1,000 guilds load; spread the posts over the hour that follows.
            at = CLOCK_START + timedelta(minutes=30 + n * 60 // PROMPT_GUILDS)
            await prompt_service.set_schedule(
                db, guild_id=guild["id"], actor_id=1, channel_id=guild["prompts"], at=f"{at:%H:%M}",
                days="daily", timezone="UTC", now=CLOCK_START - timedelta(hours=1),
            )  # fmt: skip
    finally:
        await db.close()


async def _quiet(standin: StandIn, seconds: float, limit: float) -> None:
    """Wait until no request reached the stand-in for ``seconds`` (at most ``limit``)."""
    end = time.monotonic() + limit
    while time.monotonic() < end:
        last = standin.recorder.records[-1].monotonic if standin.recorder.records else 0.0
        if time.monotonic() - last >= seconds:
            return
        await asyncio.sleep(0.2)


async def _measure(
    standin: StandIn,
    driver: _Driver,
    start: Callable[[], Awaitable[None]],
    wait_ready: Callable[[], Awaitable[None]],
    pid: Callable[[], int | None],
    items: list[dict[str, Any]],
    charts: int = 0,
) -> Measured:
    await start()
    await wait_ready()
    # The first answer after READY means every GUILD_CREATE before it has been parsed.
    first = await driver.load({"items": items[:1], "count": 1, "rate": None, "concurrency": 1})
    if first["latencies_ms"][0] is None:
        raise RuntimeError("the bot did not answer after READY")
    await asyncio.sleep(SETTLE)
    process = pid()
    assert process is not None
    ready, _ = rss_mib(process)
    standin.recorder.records.clear()
    if charts:
        # A few charts, so the hour includes what /progress show loads (matplotlib) whenever it is imported.
        await driver.load({"items": [CHART], "count": charts, "rate": None, "concurrency": 1, "keep_records": True})
    result = await driver.load(
        {"items": items, "count": INTERACTIONS, "rate": INTERACTIONS / HOUR_REAL, "offset": 1, "keep_records": True}
    )
    await _quiet(standin, 2.0, 120.0)
    after, peak = rss_mib(process)
    posts = sum(1 for r in standin.requests("POST /channels/{channel_id}/messages") if r.status == 200)
    answered = sum(1 for v in result["latencies_ms"] if v is not None)
    return Measured(ready, after, peak, answered, INTERACTIONS, posts)


_CODE_ONLY = {
    "pmo": (
        "import importlib, bot.__main__\n"
        "from bot.client import extension_names\n"
        "from bot.content import load_content\n"
        "[importlib.import_module(n) for n in extension_names()]\n"
        "content = load_content()\n"
    ),
    "bare": "import bench._bots\n",
}


async def _code_rss(which: str) -> float:
    """RSS (MiB) of a process that has only imported a bot's code (and, for PMOBot, loaded its content)."""
    script = _CODE_ONLY[which] + ("print(int(open('/proc/self/status').read().split('VmRSS:')[1].split()[0]) / 1024)\n")
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", script, cwd=str(REPO_ROOT), stdout=asyncio.subprocess.PIPE
    )
    out, _ = await proc.communicate()
    return float(out.decode().strip().splitlines()[-1])


async def run(guilds: int) -> tuple[list[Figure], str]:
    """Measure both bots on the same world."""
    spec = {"guilds": guilds, "channels": CHANNELS, "members": MEMBERS}
    with tempfile.TemporaryDirectory(prefix="bench-memory-") as folder:
        async with StandIn(quiet_period=0.0, handler_wait=0.0) as standin:
            built = build_world(standin, spec)
            _include_members(standin)
            world = [{"id": g.id, "prompts": g.channel_ids[1]} for g in built]
            path = Path(folder) / "bot.sqlite3"
            await _prepare(path, world)
            bot = BotProcess(
                standin, database_path=path, clock_start=CLOCK_START, clock_speed=SPEED, log_level="WARNING"
            )
            try:
                pmo = await _measure(
                    standin, _Driver(standin, built), bot.start, lambda: bot.wait_ready(180), lambda: bot.pid,
                    pmo_mix(), CHARTS,
                )  # fmt: skip
            finally:
                await bot.terminate()
        async with StandIn(quiet_period=0.0, handler_wait=0.0) as standin:
            built = build_world(standin, spec)
            _include_members(standin)
            bare = BareProcess(standin, Path(folder) / "bare.log")
            try:
                base = await _measure(
                    standin, _Driver(standin, built), bare.start, lambda: bare.wait_ready(180), lambda: bare.pid,
                    [PING],
                )  # fmt: skip
            finally:
                await bare.kill()

    pmo_code, bare_code = await _code_rss("pmo"), await _code_rss("bare")

    def goal(value: float, baseline: float | None) -> bool:
        return value < 150 and baseline is not None and value < baseline

    figures = [
        Figure("RSS after READY", pmo.ready, "MiB", baseline=base.ready, goal="< 150 MiB, < baseline", check=goal),
        Figure(
            "RSS after an hour of activity",
            pmo.after,
            "MiB",
            baseline=base.after,
            goal="< 150 MiB, < baseline",
            check=goal,
        ),
        Figure("peak RSS", pmo.peak, "MiB", baseline=base.peak),
        Figure("RSS of the code alone (imports, content; no connection)", pmo_code, "MiB", baseline=bare_code),
        Figure(
            "RSS after READY above the code alone (guilds, connections, caches)",
            pmo.ready - pmo_code,
            "MiB",
            baseline=base.ready - bare_code,
        ),
        Figure(
            "interactions answered in the hour",
            pmo.answered,
            baseline=base.answered,
            goal=f"{INTERACTIONS}",
            check=lambda v, _: v == INTERACTIONS,
        ),
        Figure("prompts posted in the hour", pmo.posts),
    ]
    title = (
        f"Memory: {guilds:,} guilds × {CHANNELS} channels, {MEMBERS} members in every GUILD_CREATE; each bot in its "
        f"own process; an hour = {HOUR_REAL:.0f} s at {SPEED:.0f}× with {INTERACTIONS} interactions and prompts in "
        f"{min(PROMPT_GUILDS, guilds)} guilds; baseline the bare discord.py bot with default settings"
    )
    return figures, title


def figures(quick: bool = False) -> list[Figure]:
    """The benchmark's figures (``quick``: 100 guilds)."""
    result, _ = asyncio.run(run(100 if quick else 1000))
    return result


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--guilds", type=int, default=1000)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    logging.getLogger("aiohttp.server").setLevel(logging.CRITICAL)
    result, title = asyncio.run(run(100 if args.quick else args.guilds))
    emit(title, result)


if __name__ == "__main__":
    main()
