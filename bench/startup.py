"""Start-up: ``python -m bot`` from process start to ready, on a database of 1,000,000 progress rows.

The database gets every migration, then 1,000,000 ``progress_entries`` rows (bulk-loaded the way
:mod:`bench.progress_query` does it, indexes rebuilt from the migrations' own SQL). The bot runs as a real
process (:class:`bot.standin.BotProcess`) against a stand-in in this process with the demo guild. One warm-up
start syncs the commands (a restart then finds them unchanged, as in production); the timed starts follow.
Two moments are timed from just before the process is spawned:

* ready: the stand-in has sent READY and the guilds (the bot IDENTIFYed after migrating, loading its cogs and
  logging in);
* first answer: the bot's response to a ``/help`` sent right after that reached the stand-in.

Baseline: the bare discord.py bot (``python -m bench._bots``) timed the same way with ``/ping``, on a stand-in
of its own. For scale, PMOBot's very first start on an empty database (migrations and a command sync) is timed too.
Each figure is the median of several starts.

Run: ``python -m bench.startup [--rows 1000000] [--runs 3] [--quick]``.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from bench._bots import BareProcess, callback_at
from bench._report import Figure, emit
from bench.progress_query import _load
from bot.db import SqliteDatabase
from bot.standin import BotProcess, StandIn

log = logging.getLogger(__name__)


async def _timed_start(
    standin: StandIn,
    start: Callable[[], Awaitable[None]],
    wait_ready: Callable[[], Awaitable[None]],
    stop: Callable[[], Awaitable[object]],
    command: str,
) -> tuple[float, float]:
    """(seconds to ready, seconds to the first answer) for one start."""
    assert standin.demo is not None
    started = time.monotonic()
    await start()
    try:
        await wait_ready()
        ready = time.monotonic() - started
        reply = await standin.invoke(command, user=standin.demo.alice)
        answered = callback_at(reply) - started
    finally:
        await stop()
    return ready, answered


async def _pmo_starts(standin: StandIn, path: Path, runs: int, fresh: bool) -> list[tuple[float, float]]:
    """Start PMOBot ``runs`` times on ``path`` (a new empty file each time when ``fresh``)."""
    results = []
    for n in range(runs):
        db_path = path.with_name(f"fresh-{n}.sqlite3") if fresh else path
        bot = BotProcess(standin, database_path=db_path, log_level="WARNING", log_path=path.with_suffix(".log"))
        results.append(await _timed_start(standin, bot.start, lambda b=bot: b.wait_ready(120), bot.terminate, "help"))
    return results


async def run(rows: int, runs: int) -> tuple[list[Figure], str]:
    """Build the database, then time the starts."""
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as folder:
        path = Path(folder) / "bot.sqlite3"
        db = await SqliteDatabase.open(path)
        await db.migrate()
        await db.close()
        loaded = time.perf_counter()
        _load(path, rows, min(10_000, rows // 10), seed=7)
        load_seconds = time.perf_counter() - loaded
        size_mb = path.stat().st_size / 1e6

        async with StandIn() as standin:
            standin.demo_guild()
            await _pmo_starts(standin, path, 1, fresh=False)  # warm-up: syncs the commands once
            loaded_db = await _pmo_starts(standin, path, runs, fresh=False)
            empty_db = await _pmo_starts(standin, path, runs, fresh=True)

        bare_runs = []
        async with StandIn() as standin:
            standin.demo_guild()
            for _ in range(runs + 1):
                bare = BareProcess(standin, Path(folder) / "bare.log")
                bare_runs.append(await _timed_start(standin, bare.start, bare.wait_ready, bare.kill, "ping"))
            bare_runs = bare_runs[1:]  # the first start warms the page cache for the interpreter and discord.py

    def median(values: list[tuple[float, float]], index: int) -> float:
        return statistics.median(v[index] for v in values)

    under_5 = {"goal": "< 5 s", "check": lambda v, _: v < 5}
    figures = [
        Figure(f"{rows:,} rows: start → ready", median(loaded_db, 0), "s", baseline=median(bare_runs, 0), **under_5),  # type: ignore[arg-type]
        Figure(
            f"{rows:,} rows: start → first answer",
            median(loaded_db, 1),
            "s",
            baseline=median(bare_runs, 1),
            **under_5,  # type: ignore[arg-type]
        ),
        Figure(
            "first start, empty database: start → first answer", median(empty_db, 1), "s", baseline=median(bare_runs, 1)
        ),
    ]
    title = (
        f"Start-up of python -m bot: database of {rows:,} progress rows ({size_mb:,.0f} MB, loaded in "
        f"{load_seconds:.0f} s), every migration applied; baseline the bare discord.py bot; medians of {runs} starts"
    )
    return figures, title


def figures(quick: bool = False) -> list[Figure]:
    """The benchmark's figures (``quick``: 100,000 rows, one start each)."""
    result, _ = asyncio.run(run(100_000 if quick else 1_000_000, 1 if quick else 3))
    return result


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    if args.quick:
        args.rows, args.runs = 100_000, 1
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    result, title = asyncio.run(run(args.rows, args.runs))
    emit(title, result)


if __name__ == "__main__":
    main()
