"""``pmo-bot migrate-to-postgres``: copy a SQLite database into PostgreSQL, verified table by table.

Both databases are first brought to the newest schema (the same version number on both). Every table is then
copied parents first, in batches: rows go into a temporary table with asyncpg's COPY and from there into the real
one with ``ON CONFLICT DO NOTHING``, so running the command again copies nothing twice and resumes a copy
that was cut off. Identity sequences are set past both the highest id and SQLite's own sequence, so an id
a deleted row had is never handed out again. Finally each table's row count is compared; any difference is
an error (exit status 1), which is also what happens when the target already holds a running bot's newer
rows. Stop the bot while copying: rows written during the copy may be missed.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.db import Database, SqliteDatabase

__all__ = ["TableCopy", "copy_to_postgres"]

BATCH_ROWS = 20_000
_GENERATED = {"faq_search": {"document", "tokens"}}  # computed by PostgreSQL from the copied columns


@dataclass(frozen=True, slots=True)
class TableCopy:
    """One table's outcome: rows in SQLite, rows in PostgreSQL after the copy, rows this run added."""

    table: str
    source_rows: int
    target_rows: int
    added: int

    @property
    def matches(self) -> bool:
        """Whether both sides hold the same number of rows."""
        return self.source_rows == self.target_rows


def _parents_first(tables: dict[str, frozenset[str]]) -> list[str]:
    ordered: list[str] = []

    def visit(name: str, path: frozenset[str]) -> None:
        if name in ordered or name in path:
            return
        for parent in sorted(tables.get(name, frozenset())):
            visit(parent, path | {name})
        ordered.append(name)

    for name in sorted(tables):
        visit(name, frozenset())
    return ordered


def _batches(path: Path, table: str, columns: list[str]) -> Iterator[list[tuple[Any, ...]]]:
    source_columns = ["rowid" if c == "rowid" else f'"{c}"' for c in columns]
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
    try:
        cursor = conn.execute(f'SELECT {", ".join(source_columns)} FROM "{table}"')  # noqa: S608 - schema names
        while batch := cursor.fetchmany(BATCH_ROWS):
            yield batch
    finally:
        conn.close()


def _converter(data_type: str) -> Callable[[Any], Any]:
    # SQLite stores what it is given; PostgreSQL wants each column's own type.
    if data_type in ("bigint", "integer", "smallint"):
        return lambda v: None if v is None else int(v)
    if data_type in ("double precision", "real", "numeric"):
        return lambda v: None if v is None else float(v)
    return lambda v: None if v is None else str(v)


async def copy_to_postgres(
    sqlite_path: Path, url: str, *, progress: Callable[[str], None] | None = None
) -> list[TableCopy]:
    """Copy every table of ``sqlite_path`` into the database at ``url``; returns each table's counts."""
    import asyncpg

    from bot.db_postgres import PostgresDatabase

    say = progress or (lambda _line: None)
    source = await SqliteDatabase.open(sqlite_path)
    target = await PostgresDatabase.open(url, pool_size=2)
    try:
        await source.migrate()
        await target.migrate()
        source_tables = await source.tables()
        target_tables = await target.tables()
        missing = sorted(set(source_tables) - set(target_tables))
        if missing:
            raise RuntimeError(f"PostgreSQL has no table for {', '.join(missing)}; is the bot the same version?")
        sequences = {r["name"]: int(r["seq"]) for r in await source.fetch_all("SELECT name, seq FROM sqlite_sequence")}
        types = {
            (r["table_name"], r["column_name"]): r["data_type"]
            for r in await target.fetch_all(
                "SELECT table_name, column_name, data_type FROM information_schema.columns "
                "WHERE table_schema = current_schema()"
            )
        }
        results = []
        conn: asyncpg.Connection
        async with target._pool.acquire() as conn:
            for table in _parents_first({name: info.parents for name, info in source_tables.items()}):
                started = time.perf_counter()
                columns = [c for c in target_tables[table].columns if c not in _GENERATED.get(table, set())]
                convert = [_converter(types[(table, c)]) for c in columns]
                before = int(await conn.fetchval(f'SELECT COUNT(*) FROM "{table}"'))  # noqa: S608
                quoted = ", ".join(f'"{c}"' for c in columns)
                batches = _batches(sqlite_path, table, columns)
                # Each batch is read on a worker thread, so a million rows never sit in memory at once.
                while (batch := await asyncio.to_thread(next, batches, None)) is not None:
                    records = [tuple(f(v) for f, v in zip(convert, row, strict=True)) for row in batch]
                    async with conn.transaction():
                        await conn.execute(
                            f'CREATE TEMPORARY TABLE copy_in (LIKE "{table}" INCLUDING DEFAULTS) ON COMMIT DROP'
                        )
                        await conn.copy_records_to_table("copy_in", records=records, columns=columns)
                        overriding = "OVERRIDING SYSTEM VALUE" if table in target.id_tables else ""
                        await conn.execute(
                            f'INSERT INTO "{table}" ({quoted}) {overriding} '  # noqa: S608 - schema names
                            f"SELECT {quoted} FROM copy_in ON CONFLICT DO NOTHING"
                        )
                if table in target.id_tables:
                    highest = f'SELECT COALESCE(MAX(id), 0) FROM "{table}"'  # noqa: S608 - schema names
                    await conn.execute(
                        "SELECT setval(pg_get_serial_sequence($1, 'id'), GREATEST($2::bigint, $3::bigint, 1))",
                        f'"{table}"',
                        int(await conn.fetchval(highest)),
                        sequences.get(table, 0),
                    )
                source_rows = int(await source.fetch_value(f'SELECT COUNT(*) FROM "{table}"'))  # noqa: S608
                target_rows = int(await conn.fetchval(f'SELECT COUNT(*) FROM "{table}"'))  # noqa: S608
                results.append(TableCopy(table, source_rows, target_rows, target_rows - before))
                say(
                    f"{table:<24} {source_rows:>9,} rows  {target_rows - before:>9,} copied  "
                    f"{time.perf_counter() - started:6.2f} s{'' if source_rows == target_rows else '  MISMATCH'}"
                )
        return results
    finally:
        await source.close()
        await target.close()


async def count_rows(db: Database) -> dict[str, int]:
    """Rows per table (for the command's summary and its tests)."""
    return {
        name: int(await db.fetch_value(f'SELECT COUNT(*) FROM "{name}"'))  # noqa: S608 - names from the schema
        for name in sorted(await db.tables())
    }
