"""Database access: one serialised writer, a separate reader, pragmas, transactions and migrations.

SQL lives only here and in ``bot/services``. The SQLite-specific pieces (pragmas, statement splitting, FTS5 and
``INSERT OR IGNORE`` helpers) are kept behind the functions of this module so a PostgreSQL backend can be an
addition rather than a rewrite.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import re
import sqlite3
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import aiosqlite

__all__ = ["Database", "Migration", "MigrationError", "Row", "Transaction", "load_migrations"]

log = logging.getLogger(__name__)

Row = sqlite3.Row
Params = Sequence[Any] | dict[str, Any]

_MIGRATION_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
# A migration that rebuilds tables (SQLite's 12-step ALTER TABLE procedure) starts with this line: foreign keys
# are switched off around its transaction, so dropping a parent table does not cascade into its children, and a
# ``foreign_key_check`` must come back empty before it commits.
_FOREIGN_KEYS_OFF = "-- pmo: foreign-keys-off"
_BUSY_TIMEOUT_MS = 5000

# Set while the current task holds the write transaction, so nested ``transaction()`` calls join it
# instead of deadlocking on the lock.
_current_tx: contextvars.ContextVar[Transaction | None] = contextvars.ContextVar("current_tx", default=None)


class MigrationError(RuntimeError):
    """A migration could not be applied, or the database is newer than the code."""


@dataclass(frozen=True, slots=True)
class Migration:
    """One numbered SQL file."""

    version: int
    name: str
    sql: str

    @property
    def foreign_keys_off(self) -> bool:
        """Whether this migration rebuilds tables and so runs with foreign keys off (checked before COMMIT)."""
        return self.sql.lstrip().startswith(_FOREIGN_KEYS_OFF)


def load_migrations(directory: Path | None = None) -> list[Migration]:
    """Read ``NNNN_name.sql`` files in version order; a gap or duplicate version is a programming error."""
    if directory is None:
        files = [(f.name, f.read_text("utf-8")) for f in resources.files("bot.migrations").iterdir() if f.is_file()]
    else:
        files = [(p.name, p.read_text("utf-8")) for p in directory.iterdir() if p.is_file()]
    migrations = []
    for name, sql in files:
        match = _MIGRATION_NAME.match(name)
        if match:
            migrations.append(Migration(int(match.group(1)), match.group(2), sql))
    migrations.sort(key=lambda m: m.version)
    for expected, migration in enumerate(migrations, start=1):
        if migration.version != expected:
            raise MigrationError(f"migration numbers must run 1, 2, 3 … without gaps; found {migration.version:04d}")
    return migrations


def split_statements(script: str) -> list[str]:
    """Split an SQL script into complete statements (triggers included) without executing anything.

    ``executescript`` would COMMIT first, which would break one-transaction-per-migration.
    """
    statements: list[str] = []
    buffer = ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            if buffer.strip():
                statements.append(buffer.strip())
            buffer = ""
    if buffer.strip() and not all(part.strip().startswith("--") for part in buffer.strip().splitlines()):
        raise MigrationError(f"incomplete SQL statement at the end of a migration: {buffer.strip()[:80]!r}")
    return statements


class Transaction:
    """The write side of an open ``BEGIN IMMEDIATE`` transaction."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run one statement; return the last inserted row id (for INSERT) or the row count."""
        cursor = await self._conn.execute(sql, params)
        try:
            if sql.lstrip()[:6].upper() == "INSERT" and cursor.rowcount > 0:
                return int(cursor.lastrowid or 0)
            return cursor.rowcount
        finally:
            await cursor.close()

    async def execute_many(self, sql: str, rows: Iterable[Params]) -> None:
        """Run one statement for every parameter set."""
        await self._conn.executemany(sql, rows)

    async def fetch_all(self, sql: str, params: Params = ()) -> list[Row]:
        """All rows of a query, inside this transaction."""
        async with self._conn.execute(sql, params) as cursor:
            return list(await cursor.fetchall())

    async def fetch_one(self, sql: str, params: Params = ()) -> Row | None:
        """The first row of a query or None."""
        async with self._conn.execute(sql, params) as cursor:
            row: Row | None = await cursor.fetchone()
            return row

    async def fetch_value(self, sql: str, params: Params = ()) -> Any:
        """The first column of the first row, or None."""
        row = await self.fetch_one(sql, params)
        return None if row is None else row[0]


class Database:
    """The bot's SQLite database: one writer connection behind a lock and one reader connection (WAL)."""

    dialect = "sqlite"

    def __init__(self, path: Path, writer: aiosqlite.Connection, reader: aiosqlite.Connection) -> None:
        self.path = path
        self._writer = writer
        self._reader = reader
        self._write_lock = asyncio.Lock()
        self._closed = False

    @classmethod
    async def open(cls, path: Path | str) -> Database:
        """Open (creating if needed) the database file and set the pragmas; does not migrate."""
        path = Path(path)
        if str(path) != ":memory:":
            path.parent.mkdir(parents=True, exist_ok=True)
        writer = await _connect(path)
        try:
            reader = await _connect(path)
        except BaseException:
            await writer.close()
            raise
        return cls(path, writer, reader)

    async def close(self) -> None:
        """Close both connections; safe to call twice."""
        if self._closed:
            return
        self._closed = True
        async with self._write_lock:
            await self._writer.close()
        await self._reader.close()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        """``BEGIN IMMEDIATE`` … ``COMMIT`` (``ROLLBACK`` on error), serialised across coroutines.

        A nested call from the same task joins the open transaction.
        """
        current = _current_tx.get()
        if current is not None:
            yield current
            return
        async with self._write_lock:
            tx = Transaction(self._writer)
            token = _current_tx.set(tx)
            await self._writer.execute("BEGIN IMMEDIATE")
            try:
                yield tx
            except BaseException:
                await self._writer.execute("ROLLBACK")
                raise
            else:
                await self._writer.execute("COMMIT")
            finally:
                _current_tx.reset(token)

    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run one write statement in its own transaction."""
        async with self.transaction() as tx:
            return await tx.execute(sql, params)

    async def fetch_all(self, sql: str, params: Params = ()) -> list[Row]:
        """All rows of a read query (joins the caller's transaction if one is open)."""
        tx = _current_tx.get()
        if tx is not None:
            return await tx.fetch_all(sql, params)
        async with self._reader.execute(sql, params) as cursor:
            return list(await cursor.fetchall())

    async def fetch_one(self, sql: str, params: Params = ()) -> Row | None:
        """The first row of a read query, or None."""
        tx = _current_tx.get()
        if tx is not None:
            return await tx.fetch_one(sql, params)
        async with self._reader.execute(sql, params) as cursor:
            row: Row | None = await cursor.fetchone()
            return row

    async def fetch_value(self, sql: str, params: Params = ()) -> Any:
        """The first column of the first row, or None."""
        row = await self.fetch_one(sql, params)
        return None if row is None else row[0]

    async def schema_version(self) -> int:
        """The highest applied migration version (0 for an empty database)."""
        exists = await self.fetch_value(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"
        )
        if not exists:
            return 0
        return int(await self.fetch_value("SELECT COALESCE(MAX(version), 0) FROM schema_migrations") or 0)

    async def migrate(self, migrations: Sequence[Migration] | None = None) -> list[int]:
        """Apply pending migrations, each in its own transaction with its version saved inside it.

        Returns the versions applied. Refuses a database newer than the code.
        """
        migrations = list(migrations) if migrations is not None else load_migrations()
        latest = migrations[-1].version if migrations else 0
        await self._writer.execute(
            """
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version    INTEGER PRIMARY KEY,
                name       TEXT NOT NULL,
                applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
            )
            """
        )
        current = await self.schema_version()
        if current > latest:
            raise MigrationError(
                f"the database {self.path} is at schema version {current}, newer than this code's {latest}; "
                "run a newer version of the bot or restore a backup"
            )
        applied = []
        for migration in migrations:
            if migration.version <= current:
                continue
            if migration.foreign_keys_off:
                # PRAGMA foreign_keys is a no-op inside a transaction, so it is set around it.
                await self._writer.execute("PRAGMA foreign_keys = OFF")
            try:
                async with self.transaction() as tx:
                    for statement in split_statements(migration.sql):
                        await tx.execute(statement)
                    if migration.foreign_keys_off:
                        broken = await tx.fetch_all("PRAGMA foreign_key_check")
                        if broken:
                            raise sqlite3.IntegrityError(
                                f"{len(broken)} row(s) would break a foreign key, first in table {broken[0][0]}"
                            )
                    await tx.execute(
                        "INSERT INTO schema_migrations (version, name) VALUES (?, ?)",
                        (migration.version, migration.name),
                    )
            except sqlite3.Error as exc:
                raise MigrationError(
                    f"migration {migration.version:04d}_{migration.name} failed and was rolled back: {exc}"
                ) from exc
            finally:
                if migration.foreign_keys_off:
                    await self._writer.execute("PRAGMA foreign_keys = ON")
            log.info("Applied migration %04d_%s", migration.version, migration.name)
            applied.append(migration.version)
        return applied


async def _connect(path: Path) -> aiosqlite.Connection:
    conn = await aiosqlite.connect(path, isolation_level=None)
    try:
        conn.row_factory = sqlite3.Row
        await conn.execute(f"PRAGMA busy_timeout = {_BUSY_TIMEOUT_MS}")
        await conn.execute("PRAGMA journal_mode = WAL")
        await conn.execute("PRAGMA synchronous = NORMAL")
        await conn.execute("PRAGMA foreign_keys = ON")
    except BaseException:
        await conn.close()
        raise
    return conn
