"""Storage: ``/progress log`` write transactions on the bot's database layer against plain aiosqlite.

Each write is one :func:`bot.services.progress.log_activity` (validation, then one ``INSERT`` in its own
``BEGIN IMMEDIATE`` transaction) on :class:`bot.db.Database`, in a fresh file with every migration applied. The
baseline runs the same ``INSERT`` on a plain ``aiosqlite.connect`` (Python's default deferred transactions, one
``commit()`` per entry) with the same journal mode and ``synchronous`` setting, on a copy of the same file, so
the ratio is what the layer costs, not what durability costs.

Three shapes, each measured for both:

* one writer, one entry per transaction, back to back;
* 50 concurrent writers sharing one ``Database`` (how the bot runs: its write lock serialises them); the
  baseline shares one connection behind an ``asyncio.Lock`` (without one, tasks would write into each other's
  open transaction);
* 50 concurrent writers each with a connection of its own (how several processes would share the file): here
  SQLite's own locking decides, and "database is locked" errors are counted.

Run: ``python -m bench.storage [--entries 2000] [--quick]``.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sqlite3
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from pathlib import Path

import aiosqlite

from bench._report import Figure, emit
from bot.db import Database, SqliteDatabase
from bot.services.progress import log_activity

GUILD = 900_000_000_000_000_001
NOW = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)
TODAY = date(2026, 3, 4)
WRITERS = 50
INSERT = """
    INSERT INTO progress_entries (guild_id, user_id, kind, minutes, activity, local_date, logged_at, source,
                                  source_ref, created_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
"""
LOCKED = "database is locked"


def _row(n: int) -> tuple[object, ...]:
    stamp = NOW.isoformat().replace("+00:00", "Z")
    return (GUILD, 1000 + n % 500, ("experience", "exposure", "education")[n % 3], 30, "Ran the RAID review",
            TODAY.isoformat(), stamp, "command", None, stamp)  # fmt: skip


async def _layer_write(db: Database, n: int) -> None:
    await log_activity(
        db, guild_id=GUILD, user_id=1000 + n % 500, kind=("experience", "exposure", "education")[n % 3],
        minutes=30, activity="Ran the RAID review", local_date=TODAY, now=NOW,
    )  # fmt: skip


async def _plain_connect(path: Path) -> aiosqlite.Connection:
    conn = await aiosqlite.connect(path)
    await conn.execute("PRAGMA journal_mode = WAL")
    await conn.execute("PRAGMA synchronous = NORMAL")
    return conn


async def _plain_write(conn: aiosqlite.Connection, n: int) -> None:
    await conn.execute(INSERT, _row(n))
    await conn.commit()


async def _concurrent(count: int, write: Callable[[int, int], Awaitable[None]]) -> tuple[float, int, int]:
    """``count`` writes spread over WRITERS tasks; (seconds, 'locked' errors, other errors)."""
    locked = other = 0
    queue = iter(range(count))

    async def writer(w: int) -> None:
        nonlocal locked, other
        for n in queue:
            try:
                await write(w, n)
            except sqlite3.OperationalError as exc:
                if LOCKED in str(exc):
                    locked += 1
                else:
                    other += 1

    started = time.perf_counter()
    await asyncio.gather(*(writer(w) for w in range(WRITERS)))
    return time.perf_counter() - started, locked, other


async def run(entries: int) -> tuple[list[Figure], str]:
    """Measure every shape for the layer and for plain aiosqlite."""
    with tempfile.TemporaryDirectory(prefix="bench-storage-") as folder:
        template = Path(folder) / "template.sqlite3"
        db = await SqliteDatabase.open(template)
        await db.migrate()
        await db.close()
        paths = {name: Path(folder) / f"{name}.sqlite3" for name in ("layer", "plain", "layer50", "plain50")}
        for path in paths.values():
            shutil.copy(template, path)

        # One writer, back to back.
        db = await SqliteDatabase.open(paths["layer"])
        started = time.perf_counter()
        for n in range(entries):
            await _layer_write(db, n)
        layer_serial = entries / (time.perf_counter() - started)

        # 50 writers sharing the bot's Database.
        shared_seconds, shared_locked, shared_other = await _concurrent(entries, lambda _w, n: _layer_write(db, n))
        await db.close()

        conn = await _plain_connect(paths["plain"])
        started = time.perf_counter()
        for n in range(entries):
            await _plain_write(conn, n)
        plain_serial = entries / (time.perf_counter() - started)
        # Without a lock, tasks sharing one sqlite3 connection would write into each other's open transaction
        # (and a commit would batch them): the least correct plain version serialises them, as the layer does.
        lock = asyncio.Lock()

        async def locked_write(n: int) -> None:
            async with lock:
                await _plain_write(conn, n)

        plain_shared_seconds, plain_shared_locked, plain_shared_other = await _concurrent(
            entries, lambda _w, n: locked_write(n)
        )
        await conn.close()

        # 50 writers, each with its own connection(s).
        databases = [await SqliteDatabase.open(paths["layer50"]) for _ in range(WRITERS)]
        own_seconds, own_locked, own_other = await _concurrent(entries, lambda w, n: _layer_write(databases[w], n))
        for database in databases:
            await database.close()
        conns = [await _plain_connect(paths["plain50"]) for _ in range(WRITERS)]
        plain_own_seconds, plain_own_locked, plain_own_other = await _concurrent(
            entries, lambda w, n: _plain_write(conns[w], n)
        )
        for conn in conns:
            await conn.close()

        stored = {}
        for name, path in paths.items():
            with sqlite3.connect(path) as check:
                stored[name] = check.execute("SELECT COUNT(*) FROM progress_entries").fetchone()[0]
            check.close()

    expected = 3 * entries
    figures = [
        Figure("1 writer: transactions/s", layer_serial, "/s", baseline=plain_serial),
        Figure(
            "50 writers, shared Database: transactions/s",
            entries / shared_seconds,
            "/s",
            baseline=entries / plain_shared_seconds,
        ),
        Figure(
            "50 writers, shared Database: 'database is locked'",
            shared_locked,
            baseline=plain_shared_locked,
            goal="0",
            check=lambda v, _: v == 0,
        ),
        Figure(
            "50 writers, own connections: transactions/s",
            entries / own_seconds,
            "/s",
            baseline=entries / plain_own_seconds,
        ),
        Figure(
            "50 writers, own connections: 'database is locked'",
            own_locked,
            baseline=plain_own_locked,
            goal="0",
            check=lambda v, _: v == 0,
        ),
        Figure(
            "entries stored / written (layer)",
            stored["layer"] + stored["layer50"],
            baseline=expected,
            goal="all",
            check=lambda v, b: v == b,
        ),
        Figure("other SQLite errors (layer)", shared_other + own_other, goal="0", check=lambda v, _: v == 0),
    ]
    title = (
        f"Storage: {entries:,} single-entry /progress log writes per shape (bot.db.Database + log_activity; "
        f"baseline plain aiosqlite with the same INSERT, WAL, synchronous=NORMAL; {WRITERS} writers where "
        f"concurrent; plain aiosqlite stored {stored['plain'] + stored['plain50']:,} of {expected:,}, "
        f"other errors {plain_shared_other + plain_own_other})"
    )
    return figures, title


def figures(quick: bool = False) -> list[Figure]:
    """The benchmark's figures (``quick``: 200 entries per shape)."""
    result, _ = asyncio.run(run(200 if quick else 2000))
    return result


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--entries", type=int, default=2000)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    result, title = asyncio.run(run(200 if args.quick else args.entries))
    emit(title, result)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
