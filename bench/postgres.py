"""PostgreSQL: the bot's database layer against plain asyncpg, and moving a 1,000,000-row SQLite file across.

Needs a PostgreSQL server: ``PMO_BENCH_POSTGRES`` (default ``postgresql://127.0.0.1:5432/test``); each run works
in a schema of its own and drops it. Figures, each against a baseline measured in the same run:

* **write transactions/s**, one writer: :func:`bot.services.progress.log_activity` on
  :class:`bot.db_postgres.PostgresDatabase` (translation, the write lock, ``INSERT … RETURNING id``) against the same
  ``INSERT`` in an explicit transaction on one plain asyncpg connection;
* **write transactions/s, 50 concurrent writers**: the layer (its writes take one advisory lock, so they never
  interleave, as on SQLite) against 50 plain asyncpg tasks on a pool of the same size with no lock at all, so
  the ratio is what the bot's one-writer rule costs on PostgreSQL;
* **SQLite → PostgreSQL**: ``pmo-bot migrate-to-postgres``'s copy of a database holding 1,000,000
  ``progress_entries`` rows (built as in ``bench/progress_query.py``) against a bare ``COPY`` of the same rows
  straight into an empty table (the floor for moving them).

Run: ``python -m bench.postgres [--quick]``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sqlite3
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import asyncpg

from bench._report import Figure, emit
from bench.progress_query import _load as load_progress_rows
from bench.storage import INSERT, _layer_write, _row
from bot.copy_to_postgres import copy_to_postgres
from bot.db import SqliteDatabase
from bot.db_postgres import PostgresDatabase, translate

DEFAULT_URL = "postgresql://127.0.0.1:5432/test"
WRITERS = 50


def _schema_url(base: str, schema: str) -> str:
    parts = urlsplit(base)
    query = "&".join(q for q in (parts.query, urlencode({"search_path": schema})) if q)
    return parts._replace(query=query).geturl()


async def _writes(base: str, entries: int) -> list[Figure]:
    schema = f"pmo_bench_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(base)
    await admin.execute(f'CREATE SCHEMA "{schema}"')
    url = _schema_url(base, schema)
    try:
        db = await PostgresDatabase.open(url, pool_size=WRITERS)
        try:
            await db.migrate()
            started = time.perf_counter()
            for n in range(entries):
                await _layer_write(db, n)
            layer_one = entries / (time.perf_counter() - started)

            queue = iter(range(entries))

            async def layer_writer() -> None:
                for n in queue:
                    await _layer_write(db, n)

            started = time.perf_counter()
            await asyncio.gather(*(layer_writer() for _ in range(WRITERS)))
            layer_many = entries / (time.perf_counter() - started)
        finally:
            await db.close()

        insert, _ = translate(INSERT)
        conn = await asyncpg.connect(url)
        try:
            started = time.perf_counter()
            for n in range(entries):
                async with conn.transaction():
                    await conn.execute(insert, *_row(n))
            plain_one = entries / (time.perf_counter() - started)
        finally:
            await conn.close()
        pool = await asyncpg.create_pool(url, min_size=WRITERS, max_size=WRITERS)
        try:
            queue = iter(range(entries))

            async def plain_writer() -> None:
                for n in queue:
                    async with pool.acquire() as c, c.transaction():
                        await c.execute(insert, *_row(n))

            started = time.perf_counter()
            await asyncio.gather(*(plain_writer() for _ in range(WRITERS)))
            plain_many = entries / (time.perf_counter() - started)
        finally:
            await pool.close()
    finally:
        await admin.execute(f'DROP SCHEMA "{schema}" CASCADE')
        await admin.close()
    return [
        Figure("write tx/s, one writer (layer vs plain asyncpg)", layer_one, "/s", plain_one, "≥ 0.5× plain",
               lambda v, b: b is not None and v >= 0.5 * b),
        Figure(f"write tx/s, {WRITERS} writers (one write lock vs none)", layer_many, "/s", plain_many),
    ]  # fmt: skip


async def _migration(base: str, rows: int, folder: Path) -> list[Figure]:
    source = folder / "million.sqlite3"
    db = await SqliteDatabase.open(source)
    await db.migrate()
    await db.close()
    load_progress_rows(source, rows, max(rows // 100, 1), seed=1)
    schemas = [f"pmo_bench_{uuid.uuid4().hex[:12]}" for _ in range(2)]
    admin = await asyncpg.connect(base)
    for schema in schemas:
        await admin.execute(f'CREATE SCHEMA "{schema}"')
    try:
        started = time.perf_counter()
        results = await copy_to_postgres(source, _schema_url(base, schemas[0]))
        tool = time.perf_counter() - started
        copied = sum(r.source_rows for r in results)
        assert all(r.matches for r in results), results

        # The floor: the same rows, read from SQLite and COPYed straight into a bare table (no checks, no merge).
        target = await asyncpg.connect(_schema_url(base, schemas[1]))
        try:
            await target.execute(
                "CREATE TABLE progress_entries (id BIGINT, guild_id BIGINT, user_id BIGINT, kind TEXT, "
                "minutes INTEGER, activity TEXT, local_date TEXT, logged_at TEXT, source TEXT, source_ref TEXT, "
                "created_at TEXT, edited_at TEXT)"
            )
            started = time.perf_counter()
            lite = sqlite3.connect(source)
            try:
                cursor = lite.execute(
                    "SELECT id, guild_id, user_id, kind, minutes, activity, local_date, logged_at, source, "
                    "source_ref, created_at, edited_at FROM progress_entries"
                )
                while batch := cursor.fetchmany(20_000):
                    await target.copy_records_to_table("progress_entries", records=batch)
            finally:
                lite.close()
            floor = time.perf_counter() - started
        finally:
            await target.close()
    finally:
        for schema in schemas:
            await admin.execute(f'DROP SCHEMA "{schema}" CASCADE')
        await admin.close()
    return [
        Figure(f"SQLite → PostgreSQL, {copied:,} rows (migrate-to-postgres vs bare COPY)", tool, "s", floor,
               "≤ 3× bare COPY", lambda v, b: b is not None and v <= 3 * b),
        Figure("… rows per second", copied / tool, "/s"),
    ]  # fmt: skip


async def run(quick: bool) -> list[Figure]:
    """Every figure; raises OSError when the server cannot be reached."""
    base = os.environ.get("PMO_BENCH_POSTGRES", DEFAULT_URL)
    figures = await _writes(base, 200 if quick else 2000)
    with tempfile.TemporaryDirectory(prefix="bench-postgres-") as folder:
        figures += await _migration(base, 20_000 if quick else 1_000_000, Path(folder))
    return figures


def figures(quick: bool = False) -> list[Figure]:
    """The benchmark's figures (``quick``: 200 writes, a 20,000-row copy)."""
    return asyncio.run(run(quick))


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    emit("PostgreSQL: the layer against plain asyncpg, and the SQLite copy", asyncio.run(run(args.quick)))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
