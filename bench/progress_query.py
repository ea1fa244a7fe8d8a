"""/progress show for one member with 10,000 entries, in a database of 1,000,000 entries.

Builds a fresh SQLite file with every migration (the real schema and indexes), bulk-loads 1,000,000
``progress_entries`` rows with ``executemany`` (one member of one server holds 10,000 of them, spread over three
years; the rest belong to 5,000 other members in 20 servers), then times, separately and in the same run:

* the query side of ``/progress show`` — :func:`bot.services.progress.progress_report` (period mix, weekly streak,
  last 12 weeks) through the bot's own :class:`bot.db.Database`, for the default period (month) and for ``all``;
* the chart — :func:`bot.charts.render_progress_chart` (matplotlib, Agg) for that report;
* a baseline: one plain aggregate over all the member's rows (``SUM(minutes) GROUP BY kind`` on the member's
  index range), and, for scale, the same aggregate as a full table scan of all 1,000,000 rows.

Each timing is the median of several runs after one warm-up. Run: ``python -m bench.progress_query [--rows N]
[--member-rows N] [--seed N]``.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench._report import Figure, emit
from bot.charts import render_progress_chart
from bot.db import SqliteDatabase
from bot.mix import KINDS
from bot.services.progress import progress_report

GUILD = 900_000_000_000_000_001
MEMBER = 800_000_000_000_000_001
NOW = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)
TODAY = NOW.date()
SPAN_DAYS = 3 * 365
OTHER_GUILDS = 20
OTHER_MEMBERS = 5_000
BATCH = 50_000
KIND_WEIGHTS = (60, 25, 15)


def _rows(total: int, member_rows: int, seed: int) -> Iterator[tuple[Any, ...]]:
    rng = random.Random(seed)
    logged = "2026-03-04T12:00:00Z"
    for n in range(total):
        if n % (total // member_rows) == 0 and n // (total // member_rows) < member_rows:
            guild, user = GUILD, MEMBER
        else:
            guild = GUILD + rng.randrange(OTHER_GUILDS)
            user = MEMBER + 1 + rng.randrange(OTHER_MEMBERS)
        day = TODAY - timedelta(days=rng.randrange(SPAN_DAYS))
        kind = rng.choices(KINDS, KIND_WEIGHTS)[0]
        yield (guild, user, kind, rng.randint(5, 240), "benchmark activity", day.isoformat(), logged, logged)


def _load(path: Path, total: int, member_rows: int, seed: int) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = OFF")  # a throwaway file: durability is not what is measured
        # Building the indexes once after the load is much faster than maintaining them row by row; they are
        # recreated from the migrations' own SQL, so the queries below run against the real schema.
        indexes = conn.execute(
            """
            SELECT name, sql FROM sqlite_master
            WHERE type = 'index' AND tbl_name = 'progress_entries' AND sql IS NOT NULL
            """
        ).fetchall()
        conn.execute("BEGIN")
        for name, _ in indexes:
            conn.execute(f'DROP INDEX "{name}"')
        rows = _rows(total, member_rows, seed)
        sql = """
            INSERT INTO progress_entries (guild_id, user_id, kind, minutes, activity, local_date, logged_at, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
        """
        while batch := [row for _, row in zip(range(BATCH), rows, strict=False)]:
            conn.executemany(sql, batch)
        for _, index_sql in indexes:
            conn.execute(index_sql)
        conn.execute("COMMIT")
        conn.execute("ANALYZE")
    finally:
        conn.close()


async def _median(action: Callable[[], Awaitable[object]], runs: int) -> float:
    await action()  # warm-up: page cache and statement cache
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        await action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


async def _run(args: argparse.Namespace) -> list[Figure]:
    with tempfile.TemporaryDirectory(prefix="pmo-bench-") as folder:
        path = Path(folder) / "bench.sqlite3"
        db = await SqliteDatabase.open(path)
        await db.migrate()
        await db.close()

        started = time.perf_counter()
        _load(path, args.rows, args.member_rows, args.seed)
        load_seconds = time.perf_counter() - started

        db = await SqliteDatabase.open(path)
        try:
            stored = await db.fetch_value("SELECT COUNT(*) FROM progress_entries")
            mine = await db.fetch_value(
                "SELECT COUNT(*) FROM progress_entries WHERE guild_id = ? AND user_id = ?", (GUILD, MEMBER)
            )

            async def report_month() -> object:
                return await progress_report(db, GUILD, MEMBER, "month", NOW)

            async def report_all() -> object:
                return await progress_report(db, GUILD, MEMBER, "all", NOW)

            async def baseline() -> object:
                return await db.fetch_all(
                    """
                    SELECT kind, SUM(minutes) FROM progress_entries WHERE guild_id = ? AND user_id = ? GROUP BY kind
                    """,
                    (GUILD, MEMBER),
                )

            async def full_scan() -> object:
                return await db.fetch_all(
                    """
                    SELECT kind, SUM(minutes) FROM progress_entries NOT INDEXED
                    WHERE guild_id = ? AND user_id = ? GROUP BY kind
                    """,
                    (GUILD, MEMBER),
                )

            base = await _median(baseline, args.runs)
            month = await _median(report_month, args.runs)
            everything = await _median(report_all, args.runs)
            scan = await _median(full_scan, max(3, args.runs // 4))
            report = await progress_report(db, GUILD, MEMBER, "all", NOW)
        finally:
            await db.close()

    chart_times = []
    png = b""
    for _ in range(args.chart_runs + 1):
        started = time.perf_counter()
        png = render_progress_chart(report.mix, report.weeks, "Your 70-20-10 mix — all time")
        chart_times.append(time.perf_counter() - started)
    chart = statistics.median(chart_times[1:])  # the first render loads fonts

    title = (
        f"/progress show: member with {mine:,} entries in a database of {stored:,} "
        f"(loaded in {load_seconds:.1f} s with executemany; {report.entries:,} entries, streak {report.streak}, "
        f"PNG {len(png):,} bytes; medians of {args.runs} runs)"
    )
    return emit(
        title,
        [
            Figure(
                "query: /progress show (month)",
                month * 1000,
                "ms",
                baseline=base * 1000,
                goal="< 250 ms",
                check=lambda value, _: value < 250,
            ),
            Figure(
                "query: /progress show (all)",
                everything * 1000,
                "ms",
                baseline=base * 1000,
                goal="< 250 ms",
                check=lambda value, _: value < 250,
            ),
            Figure("baseline: member aggregate (index)", base * 1000, "ms"),
            Figure("full table scan aggregate", scan * 1000, "ms", baseline=base * 1000),
            Figure(
                "chart: render PNG (matplotlib Agg)",
                chart * 1000,
                "ms",
                baseline=month * 1000,
                goal="< 1,500 ms",
                check=lambda value, _: value < 1500,
            ),
        ],
    )


def main(argv: list[str] | None = None) -> list[Figure]:
    """Run the benchmark and print its table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--member-rows", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--chart-runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    args, _ = parser.parse_known_args(argv)
    return asyncio.run(_run(args))


def figures(quick: bool = False) -> list[Figure]:
    """The figures for ``python -m bench`` (``quick``: 100,000 rows, a smoke run)."""
    return main(["--rows", "100000", "--member-rows", "2000", "--runs", "5", "--chart-runs", "2"] if quick else [])


if __name__ == "__main__":
    main()
