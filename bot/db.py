"""Database access: transactions, reads, schema introspection and migrations, on SQLite or PostgreSQL.

SQL lives only here, in :mod:`bot.db_postgres` and in ``bot/services``. Services write one SQL text (SQLite's
``?`` placeholders, ``ON CONFLICT``, portable functions) against :class:`Database`; the PostgreSQL backend
translates the few differences (placeholders, ``INSERT OR IGNORE``, ``instr``, ``LIKE``, the new row's id) in
one function, and each dialect has its own numbered migrations. :class:`SqliteDatabase` is the embedded
default: one serialised writer connection and a separate reader (WAL).
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import re
import sqlite3
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Iterable, Iterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Protocol

import aiosqlite

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no lock file; run one copy per database
    fcntl = None  # type: ignore[assignment]

from bot.shards import ShardSet

if TYPE_CHECKING:
    from bot.config import Settings

__all__ = [
    "Database",
    "Migration",
    "MigrationError",
    "Row",
    "SqliteDatabase",
    "TableInfo",
    "Transaction",
    "load_migrations",
    "open_database",
]

log = logging.getLogger(__name__)


class Row(Protocol):
    """A result row: by position or by column name (``sqlite3.Row`` and ``asyncpg.Record`` both are)."""

    def __getitem__(self, key: int | str, /) -> Any: ...
    def keys(self) -> Any: ...
    def __iter__(self) -> Iterator[Any]: ...
    def __len__(self) -> int: ...


Params = Sequence[Any] | dict[str, Any]


@dataclass(frozen=True, slots=True)
class TableInfo:
    """One table of the bot's schema: its columns and the tables its foreign keys reference."""

    name: str
    columns: tuple[str, ...]
    parents: frozenset[str]


_MIGRATION_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
# A migration that rebuilds tables (SQLite's 12-step ALTER TABLE procedure) starts with this line: foreign keys
# are switched off around its transaction, so dropping a parent table does not cascade into its children, and a
# ``foreign_key_check`` must come back empty before it commits.
_FOREIGN_KEYS_OFF = "-- pmo: foreign-keys-off"
_BUSY_TIMEOUT_MS = 5000

# Set while the current task holds the write transaction, so nested ``transaction()`` calls join it
# instead of deadlocking on the lock.
_current_tx: contextvars.ContextVar[Transaction | None] = contextvars.ContextVar("current_tx", default=None)


def joined_transaction(db: object) -> Transaction | None:
    """The transaction the current task holds on ``db``, if any."""
    tx = _current_tx.get()
    return tx if tx is not None and tx.owner is db else None


def enter_transaction(tx: Transaction) -> contextvars.Token[Transaction | None]:
    """Mark ``tx`` as the current task's open transaction (undo with :func:`leave_transaction`)."""
    return _current_tx.set(tx)


def leave_transaction(token: contextvars.Token[Transaction | None]) -> None:
    """Undo :func:`enter_transaction`."""
    _current_tx.reset(token)


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


def load_migrations(directory: Path | None = None, *, package: str = "bot.migrations") -> list[Migration]:
    """Read ``NNNN_name.sql`` files in version order; a gap or duplicate version is a programming error.

    A dialect whose history starts later (PostgreSQL's starts at the schema SQLite had reached, in one
    baseline file) numbers on from its first file.
    """
    if directory is None:
        files = [(f.name, f.read_text("utf-8")) for f in resources.files(package).iterdir() if f.is_file()]
    else:
        files = [(p.name, p.read_text("utf-8")) for p in directory.iterdir() if p.is_file()]
    migrations = []
    for name, sql in files:
        match = _MIGRATION_NAME.match(name)
        if match:
            migrations.append(Migration(int(match.group(1)), match.group(2), sql))
    migrations.sort(key=lambda m: m.version)
    first = migrations[0].version if migrations and package != "bot.migrations" else 1
    for expected, migration in enumerate(migrations, start=first):
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


class Transaction(ABC):
    """The write side of an open transaction: every statement in it commits or rolls back together."""

    owner: object = None  # the Database that opened it: a nested call joins only its own database's transaction

    @abstractmethod
    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run one statement; return the new row's id (for an INSERT into a table with an id) or the row count."""

    @abstractmethod
    async def execute_many(self, sql: str, rows: Iterable[Params]) -> None:
        """Run one statement for every parameter set."""

    @abstractmethod
    async def fetch_all(self, sql: str, params: Params = ()) -> list[Row]:
        """All rows of a query, inside this transaction."""

    @abstractmethod
    async def fetch_one(self, sql: str, params: Params = ()) -> Row | None:
        """The first row of a query or None."""

    async def fetch_value(self, sql: str, params: Params = ()) -> Any:
        """The first column of the first row, or None."""
        row = await self.fetch_one(sql, params)
        return None if row is None else row[0]


class SqliteTransaction(Transaction):
    """The write side of an open ``BEGIN IMMEDIATE`` transaction."""

    def __init__(self, conn: aiosqlite.Connection, owner: object) -> None:
        self._conn = conn
        self.owner = owner

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


class Database(ABC):
    """The bot's database. Writes go through :meth:`transaction`; reads outside one see committed data."""

    dialect: str
    integrity_error: type[Exception]  # what the engine raises for a broken constraint

    @abstractmethod
    def describe(self) -> str:
        """Where the data lives, for messages (a file path, or a PostgreSQL URL without its password)."""

    @abstractmethod
    async def close(self) -> None:
        """Release every connection; safe to call twice."""

    @abstractmethod
    def transaction(self) -> contextlib.AbstractAsyncContextManager[Transaction]:
        """Open a write transaction (committed on exit, rolled back on error); nested calls join it."""

    @abstractmethod
    async def fetch_all(self, sql: str, params: Params = ()) -> list[Row]:
        """All rows of a read query (joins the caller's transaction if one is open)."""

    @abstractmethod
    async def fetch_one(self, sql: str, params: Params = ()) -> Row | None:
        """The first row of a read query, or None."""

    @abstractmethod
    async def schema_version(self) -> int:
        """The highest applied migration version (0 for an empty database)."""

    @abstractmethod
    async def migrate(self, migrations: Sequence[Migration] | None = None) -> list[int]:
        """Apply pending migrations, each in its own transaction; refuse a database newer than the code."""

    @abstractmethod
    async def tables(self) -> dict[str, TableInfo]:
        """The bot's tables (not the engine's own, not ``schema_migrations``), by name."""

    @abstractmethod
    async def hold_shards(self, wanted: ShardSet) -> ShardSet:
        """Take (or keep) the right to run the scheduled work of ``wanted``'s shards; returns those held.

        Held until :meth:`close` or until this process dies, so two processes never run one shard's jobs.
        """

    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run one write statement in its own transaction."""
        async with self.transaction() as tx:
            return await tx.execute(sql, params)

    async def fetch_value(self, sql: str, params: Params = ()) -> Any:
        """The first column of the first row, or None."""
        row = await self.fetch_one(sql, params)
        return None if row is None else row[0]

    @staticmethod
    def refuse_newer(where: str, current: int, latest: int) -> None:
        """Raise when the database was written by newer code than this."""
        if current > latest:
            raise MigrationError(
                f"the database {where} is at schema version {current}, newer than this code's {latest}; "
                "run a newer version of the bot or restore a backup"
            )


async def open_database(settings: Settings) -> Database:
    """The database the settings name: PostgreSQL when DATABASE_URL is set, else the SQLite file."""
    if settings.database_url is not None:
        from bot.db_postgres import PostgresDatabase  # imported only when used: asyncpg is not loaded otherwise

        return await PostgresDatabase.open(settings.database_url, pool_size=settings.database_pool_size)
    return await SqliteDatabase.open(settings.database_path)


class SqliteDatabase(Database):
    """The bot's SQLite database: one writer connection behind a lock and one reader connection (WAL)."""

    dialect = "sqlite"
    integrity_error = sqlite3.IntegrityError

    def __init__(self, path: Path, writer: aiosqlite.Connection, reader: aiosqlite.Connection) -> None:
        self.path = path
        self._writer = writer
        self._reader = reader
        self._write_lock = asyncio.Lock()
        self._closed = False
        self._lock_file: IO[bytes] | None = None

    def describe(self) -> str:
        return str(self.path)

    async def hold_shards(self, wanted: ShardSet) -> ShardSet:
        """One process runs the schedules of a SQLite file: the one holding ``<file>.lock`` (released at exit).

        A second copy started on the same file (for "high availability") answers commands but leaves the
        scheduled work to the first, and takes it over within a few seconds when the first stops.
        """
        if self._lock_file is not None or str(self.path) == ":memory:" or fcntl is None:
            return wanted
        handle = open(f"{self.path}.lock", "ab")  # noqa: SIM115, ASYNC230 - a lock file, held open for the process's life
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return wanted.only(set())
        self._lock_file = handle
        return wanted

    @classmethod
    async def open(cls, path: Path | str) -> SqliteDatabase:
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
        if self._lock_file is not None:
            self._lock_file.close()  # closing the file releases the lock
            self._lock_file = None

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        """``BEGIN IMMEDIATE`` … ``COMMIT`` (``ROLLBACK`` on error), serialised across coroutines.

        A nested call from the same task joins the open transaction.
        """
        current = joined_transaction(self)
        if current is not None:
            yield current
            return
        async with self._write_lock:
            tx = SqliteTransaction(self._writer, self)
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

    async def fetch_all(self, sql: str, params: Params = ()) -> list[Row]:
        """All rows of a read query (joins the caller's transaction if one is open)."""
        tx = joined_transaction(self)
        if tx is not None:
            return await tx.fetch_all(sql, params)
        async with self._reader.execute(sql, params) as cursor:
            return list(await cursor.fetchall())

    async def fetch_one(self, sql: str, params: Params = ()) -> Row | None:
        """The first row of a read query, or None."""
        tx = joined_transaction(self)
        if tx is not None:
            return await tx.fetch_one(sql, params)
        async with self._reader.execute(sql, params) as cursor:
            row: Row | None = await cursor.fetchone()
            return row

    async def tables(self) -> dict[str, TableInfo]:
        """SQLite's catalogue; FTS shadow tables and virtual tables over another table's content are left out."""
        masters = await self.fetch_all("SELECT name, sql FROM sqlite_master WHERE type = 'table' ORDER BY name")
        virtual = [m["name"] for m in masters if (m["sql"] or "").upper().startswith("CREATE VIRTUAL TABLE")]
        found: dict[str, TableInfo] = {}
        for master in masters:
            name, sql = master["name"], (master["sql"] or "").replace(" ", "").lower()
            if name.startswith("sqlite_") or name == "schema_migrations":
                continue
            if any(name.startswith(f"{v}_") for v in virtual) or "content=" in sql:
                continue
            columns = tuple(row["name"] for row in await self.fetch_all(f"PRAGMA table_info({_quote(name)})"))
            parents = {row["table"] for row in await self.fetch_all(f"PRAGMA foreign_key_list({_quote(name)})")}
            found[name] = TableInfo(name, columns, frozenset(parents - {name}))
        return found

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
        self.refuse_newer(str(self.path), current, latest)
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


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


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
