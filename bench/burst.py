"""A scheduled burst: 1,000 servers with a daily prompt due in the same minute, under Discord's rate limits.

The stand-in runs in a process of its own with 1,000 guilds (``#general`` and ``#prompts`` each) and, once the
bot is ready, enforces Discord's limits: 50 requests/s globally and 5 messages per 5 s per channel. Every server
has a prompt scheduled for 09:00 UTC (set through the prompts service, as ``/admin prompts schedule`` does). The
real PMOBot runs in this process on a manual clock held at 08:59:30; at the start the clock jumps to 09:00:00 and
then follows real time. Measured on the stand-in's records:

* the time from 09:00 until the last prompt is posted, against the floor the global limit sets (1,000 posts at
  50/s = 20 s);
* the time until the last request of the burst (each post also opens a discussion thread: 2,000 requests in all,
  a 40 s floor);
* the 429s the stand-in had to send (global and per-bucket), and posts found twice in a channel.

Run: ``python -m bench.burst [--servers 1000] [--quick]``.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench._bots import close, connect, make_pmo_bot, point_discord_at, restore_discord
from bench._report import Figure, emit
from bench._standin_proc import StandInProcess
from bot.clock import ManualClock
from bot.db import Database, SqliteDatabase
from bot.services import prompts as prompt_service

log = logging.getLogger(__name__)

SCHEDULED_AT = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # a Monday, when the moderators set the schedules
DUE = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
GLOBAL_PER_SECOND = 50
PER_CHANNEL = (5, 5.0)


async def _prepare(path: Path, guilds: list[dict[str, Any]]) -> None:
    db = await SqliteDatabase.open(path)
    try:
        await db.migrate()
        for guild in guilds:
            await prompt_service.set_schedule(
                db, guild_id=guild["id"], actor_id=1, channel_id=guild["channels"]["prompts"], at="09:00",
                days="daily", timezone="UTC", now=SCHEDULED_AT,
            )  # fmt: skip
    finally:
        await db.close()


async def _follow_real_time(clock: ManualClock, started: float) -> None:
    """Move the manual clock along with real time from the due instant (so retries and backoffs come due)."""
    while True:
        await clock.set(DUE + timedelta(seconds=time.monotonic() - started))
        await asyncio.sleep(0.05)


async def run(servers: int) -> tuple[list[Figure], str]:
    """Run the burst once and return its figures."""
    async with StandInProcess(guilds=servers, channels=2, members=0) as standin:
        with tempfile.TemporaryDirectory(prefix="bench-burst-") as folder:
            path = Path(folder) / "bot.sqlite3"
            await _prepare(path, standin.guilds)
            clock = ManualClock(DUE - timedelta(seconds=30))
            bot = make_pmo_bot(standin.api_base, standin.token, path, clock=clock)
            old = point_discord_at(standin.api_base, standin.gateway_url)
            task = await connect(bot, standin.token)
            try:
                await bot.scheduler.wait_idle()
                await standin.call(
                    "rate_limits", config={"global_per_second": GLOBAL_PER_SECOND, "per_channel": list(PER_CHANNEL)}
                )
                started = time.monotonic()
                follower = asyncio.create_task(_follow_real_time(clock, started))
                try:
                    finished = await _wait_finished(bot.db, servers, timeout=max(120.0, servers * 0.3))
                finally:
                    follower.cancel()
                outcome = await _outcomes(bot.db)
            finally:
                await close(bot, task)
                restore_discord(old)
        posts = await standin.call("posts")
    floor = servers / GLOBAL_PER_SECOND
    all_floor = (posts["requests"] - posts["global_429s"] - posts["bucket_429s"]) / GLOBAL_PER_SECOND
    posted_after = (posts["last"] - started) if posts["last"] is not None else float("nan")
    done_after = (posts["last_any"] - started) if posts["last_any"] is not None else float("nan")
    figures = [
        Figure("prompts posted", posts["count"], goal=f"{servers:,}", check=lambda v, _: v == servers),
        Figure(
            "time until all posted",
            posted_after,
            "s",
            baseline=floor,
            goal="≤ 1.2× floor",
            check=lambda v, b: b is not None and v <= 1.2 * b,
        ),
        Figure(
            "time until the burst's last request (posts + threads)",
            done_after,
            "s",
            baseline=all_floor,
            goal="≤ 1.2× floor",
            check=lambda v, b: b is not None and v <= 1.2 * b,
        ),
        Figure("global 429s", posts["global_429s"], goal="0", check=lambda v, _: v == 0),
        Figure("per-channel/route 429s", posts["bucket_429s"]),
        Figure(
            "duplicate posts",
            posts["duplicates"] + posts["stored_duplicates"],
            goal="0",
            check=lambda v, _: v == 0,
        ),
        Figure(
            "jobs not sent (failed/skipped/open)",
            servers - outcome.get("sent", 0),
            goal="0",
            check=lambda v, _: v == 0,
        ),
        Figure("time for the bot to finish every job", finished, "s", baseline=floor),
    ]
    routes = ", ".join(f"{route}: {n}" for route, n in sorted(posts["routes"].items()))
    title = (
        f"Scheduled burst: {servers:,} servers due at 09:00, stand-in enforcing {GLOBAL_PER_SECOND}/s global and "
        f"{PER_CHANNEL[0]} per {PER_CHANNEL[1]:g} s per channel (floor = requests / {GLOBAL_PER_SECOND}). "
        f"Requests: {routes}"
    )
    return figures, title


async def _wait_finished(db: Database, servers: int, timeout: float) -> float:  # noqa: ASYNC109
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        done = await db.fetch_value(
            "SELECT COUNT(*) FROM jobs WHERE kind = 'prompt' AND due_at = ? AND status NOT IN ('pending', 'claimed')",
            (int(DUE.timestamp()),),
        )
        # Threads are follow-up jobs queued behind the posts (due at the post's time, not 09:00): wait for them too.
        open_threads = await db.fetch_value(
            "SELECT COUNT(*) FROM jobs WHERE kind = 'prompt-thread' AND status IN ('pending', 'claimed')"
        )
        if done >= servers and not open_threads:
            return time.monotonic() - started
        await asyncio.sleep(0.1)
    log.warning("the burst did not finish within %.0f s", timeout)
    return time.monotonic() - started


async def _outcomes(db: Database) -> dict[str, int]:
    rows = await db.fetch_all(
        "SELECT status, COUNT(*) AS n FROM jobs WHERE kind = 'prompt' AND due_at = ? GROUP BY status",
        (int(DUE.timestamp()),),
    )
    return {row["status"]: row["n"] for row in rows}


def figures(quick: bool = False) -> list[Figure]:
    """The benchmark's figures (``quick``: 100 servers)."""
    result, _ = asyncio.run(run(100 if quick else 1000))
    return result


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--servers", type=int, default=1000)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    result, title = asyncio.run(run(100 if args.quick else args.servers))
    emit(title, result)


if __name__ == "__main__":
    main()
