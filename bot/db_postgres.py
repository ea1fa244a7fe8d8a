"""The PostgreSQL backend: the same :class:`~bot.db.Database` over an asyncpg pool.

Services write one SQL text for both engines. :func:`translate` turns it into PostgreSQL's: ``?`` and ``:name``
placeholders become ``$n``, ``INSERT OR IGNORE`` becomes ``ON CONFLICT DO NOTHING``, ``instr`` becomes
``strpos`` and ``LIKE`` becomes ``ILIKE`` (SQLite's LIKE ignores ASCII case), and an INSERT into a table with an
``id`` returns it. Translations are cached and asyncpg prepares and caches each statement per connection.

Write transactions keep SQLite's guarantee that they never interleave: each takes one transaction-scoped
advisory lock (:data:`WRITE_LOCK`), shared by every process on the database, so the check-then-write rules the
services rely on (one pending proposal, one post per occurrence, claims) hold across shard processes exactly
as they do on one SQLite writer. Reads outside a transaction run on any pooled connection and see committed
data (READ COMMITTED), as the SQLite reader connection does.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import re
from collections.abc import AsyncIterator, Iterable, Sequence
from typing import Any

import asyncpg

from bot.config import redact_url
from bot.db import (
    Database,
    Migration,
    MigrationError,
    Params,
    Row,
    TableInfo,
    Transaction,
    enter_transaction,
    joined_transaction,
    leave_transaction,
    load_migrations,
)
from bot.shards import ShardSet

__all__ = ["WRITE_LOCK", "PostgresDatabase", "translate"]

log = logging.getLogger(__name__)

# Advisory lock keys are database-wide, so each is hashed from its name *and the schema*: bots (or test runs)
# sharing one database in different schemas never wait for each other's locks.
WRITE_LOCK = "pmo:write"  # every write transaction
MIGRATE_LOCK = "pmo:migrate"  # start-up migrations, so two processes starting together migrate once
SHARD_LOCK = "pmo:shard:{count}:{shard}"  # the right to run one shard's scheduled work
_LOCK_KEY = "hashtextextended($1 || ':' || current_schema(), 0)"

_INSERT_INTO = re.compile(r"^\s*INSERT\s+(?:OR\s+IGNORE\s+)?INTO\s+\"?([A-Za-z_][A-Za-z0-9_]*)\"?", re.IGNORECASE)
_OR_IGNORE = re.compile(r"^(\s*INSERT)\s+OR\s+IGNORE\b", re.IGNORECASE)
_RETURNING = re.compile(r"\bRETURNING\b", re.IGNORECASE)
_WORD_REWRITES = {"instr": "strpos", "like": "ILIKE"}
_STATUS_COUNT = re.compile(r"(\d+)$")


@functools.lru_cache(maxsize=4096)
def translate(sql: str) -> tuple[str, tuple[str, ...]]:
    """PostgreSQL's text for a statement written for both engines, and the ``:name`` parameters in order.

    Quoted strings, quoted identifiers and comments are copied untouched. Positional (``?``) and named
    (``:name``) placeholders are not mixed in one statement.
    """
    out: list[str] = []
    names: list[str] = []
    positional = 0
    i, n = 0, len(sql)
    while i < n:
        ch = sql[i]
        if ch in "'\"":
            end = i + 1
            while end < n:
                if sql[end] == ch:
                    if end + 1 < n and sql[end + 1] == ch:  # a doubled quote inside the literal
                        end += 2
                        continue
                    break
                end += 1
            out.append(sql[i : end + 1])
            i = end + 1
        elif sql.startswith("--", i):
            end = sql.find("\n", i)
            end = n if end < 0 else end
            out.append(sql[i:end])
            i = end
        elif ch == "?":
            positional += 1
            out.append(f"${positional}")
            i += 1
        elif ch == ":" and i + 1 < n and (sql[i + 1].isalpha() or sql[i + 1] == "_") and sql[i - 1 : i] != ":":
            end = i + 1
            while end < n and (sql[end].isalnum() or sql[end] == "_"):
                end += 1
            name = sql[i + 1 : end]
            if name not in names:
                names.append(name)
            out.append(f"${names.index(name) + 1}")
            i = end
        elif ch.isalpha() or ch == "_":
            end = i + 1
            while end < n and (sql[end].isalnum() or sql[end] == "_"):
                end += 1
            word = sql[i:end]
            out.append(_WORD_REWRITES.get(word.lower(), word))
            i = end
        else:
            out.append(ch)
            i += 1
    if positional and names:
        raise ValueError("a statement uses both ? and :name placeholders")
    text = "".join(out).strip().rstrip(";")
    if _OR_IGNORE.match(text):
        text = _OR_IGNORE.sub(r"\1", text, count=1)
        returning = _RETURNING.search(text)
        if returning:
            text = f"{text[: returning.start()]}ON CONFLICT DO NOTHING {text[returning.start() :]}"
        else:
            text = f"{text} ON CONFLICT DO NOTHING"
    return text, tuple(names)


def _arguments(names: tuple[str, ...], params: Params) -> Sequence[Any]:
    if isinstance(params, dict):
        return [params[name] for name in names]
    return params


def _count(status: str) -> int:
    match = _STATUS_COUNT.search(status or "")
    return int(match.group(1)) if match else 0


class PostgresTransaction(Transaction):
    """Statements on one pooled connection inside ``BEGIN`` … ``COMMIT``, holding the write lock."""

    def __init__(self, conn: asyncpg.Connection, owner: PostgresDatabase) -> None:
        self._conn = conn
        self.owner = owner
        self._db = owner

    async def execute(self, sql: str, params: Params = ()) -> int:
        text, names = translate(sql)
        args = _arguments(names, params)
        table = _INSERT_INTO.match(text)
        if table and table.group(1) in self._db.id_tables and not _RETURNING.search(text):
            rows = await self._conn.fetch(f"{text} RETURNING id", *args)
            return int(rows[-1][0]) if rows else 0
        return _count(await self._conn.execute(text, *args))

    async def execute_many(self, sql: str, rows: Iterable[Params]) -> None:
        text, names = translate(sql)
        await self._conn.executemany(text, [_arguments(names, row) for row in rows])

    async def fetch_all(self, sql: str, params: Params = ()) -> list[Row]:
        text, names = translate(sql)
        return list(await self._conn.fetch(text, *_arguments(names, params)))

    async def fetch_one(self, sql: str, params: Params = ()) -> Row | None:
        text, names = translate(sql)
        row: Row | None = await self._conn.fetchrow(text, *_arguments(names, params))
        return row


class PostgresDatabase(Database):
    """The bot's PostgreSQL database: a pool of connections, one write transaction at a time across processes."""

    dialect = "postgresql"
    integrity_error = asyncpg.IntegrityConstraintViolationError

    def __init__(self, url: str, pool: asyncpg.Pool) -> None:
        self.url = url
        self._pool = pool
        self._write_lock = asyncio.Lock()  # one pooled connection per process waits for the shared lock
        self._closed = False
        self.id_tables: frozenset[str] = frozenset()
        self._shard_conn: asyncpg.Connection | None = None  # holds the shard locks: they end with it
        self._held: set[int] = set()
        self._write_key = 0  # WRITE_LOCK's key in this schema

    @classmethod
    async def open(cls, url: str, *, pool_size: int = 10) -> PostgresDatabase:
        """Connect a pool (``pool_size`` connections at most); does not migrate."""
        try:
            pool = await asyncpg.create_pool(
                url, min_size=1, max_size=max(pool_size, 2), init=_prepare_connection, command_timeout=60
            )
        except (OSError, asyncpg.PostgresError) as exc:
            raise MigrationError(f"cannot reach PostgreSQL at {redact_url(url)}: {exc}") from exc
        database = cls(url, pool)
        database._write_key = int(await pool.fetchval(f"SELECT {_LOCK_KEY}", WRITE_LOCK))
        await database._load_id_tables()
        return database

    def describe(self) -> str:
        return redact_url(self.url)

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._shard_conn is not None:
            await self._shard_conn.close()
        async with self._write_lock:
            await self._pool.close()

    async def hold_shards(self, wanted: ShardSet) -> ShardSet:
        """Session advisory locks, one per shard, on a connection of their own.

        A process that dies (or loses that connection) loses its locks with it, and the next caller of this
        method in another process gets them. Until then a second process with the same shards holds none.
        """
        if self._shard_conn is None or self._shard_conn.is_closed():
            if self._held:
                log.warning("Lost the database connection holding %s; taking them again", wanted.only(self._held))
            self._held = set()
            try:
                self._shard_conn = await asyncpg.connect(self.url)
            except (OSError, asyncpg.PostgresError) as exc:
                log.warning("Cannot open the shard-lock connection: %s", exc)
                self._shard_conn = None
                return wanted.only(set())
        for shard in sorted(wanted.ids - self._held):
            name = SHARD_LOCK.format(count=wanted.count, shard=shard)
            if await self._shard_conn.fetchval(f"SELECT pg_try_advisory_lock({_LOCK_KEY})", name):
                self._held.add(shard)
        return wanted.only(self._held)

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        current = joined_transaction(self)
        if current is not None:
            yield current
            return
        async with self._write_lock, self._pool.acquire() as conn:
            # BEGIN and the lock in one round trip (the key is a number worked out once, at open).
            await conn.execute(f"BEGIN; SELECT pg_advisory_xact_lock({int(self._write_key)})")
            tx = PostgresTransaction(conn, self)
            token = enter_transaction(tx)
            try:
                yield tx
            except BaseException:
                await asyncio.shield(conn.execute("ROLLBACK"))
                raise
            else:
                await conn.execute("COMMIT")
            finally:
                leave_transaction(token)

    async def fetch_all(self, sql: str, params: Params = ()) -> list[Row]:
        tx = joined_transaction(self)
        if tx is not None:
            return await tx.fetch_all(sql, params)
        text, names = translate(sql)
        return list(await self._pool.fetch(text, *_arguments(names, params)))

    async def fetch_one(self, sql: str, params: Params = ()) -> Row | None:
        tx = joined_transaction(self)
        if tx is not None:
            return await tx.fetch_one(sql, params)
        text, names = translate(sql)
        row: Row | None = await self._pool.fetchrow(text, *_arguments(names, params))
        return row

    async def tables(self) -> dict[str, TableInfo]:
        columns = await self.fetch_all(
            """
            SELECT table_name, column_name FROM information_schema.columns
            WHERE table_schema = current_schema() AND table_name <> 'schema_migrations'
            ORDER BY table_name, ordinal_position
            """
        )
        parents = await self.fetch_all(
            """
            SELECT child.relname AS child, parent.relname AS parent
            FROM pg_constraint c
            JOIN pg_class child ON child.oid = c.conrelid
            JOIN pg_class parent ON parent.oid = c.confrelid
            WHERE c.contype = 'f' AND child.relnamespace = current_schema()::regnamespace
            """
        )
        by_table: dict[str, list[str]] = {}
        for row in columns:
            by_table.setdefault(row["table_name"], []).append(row["column_name"])
        refs: dict[str, set[str]] = {}
        for row in parents:
            if row["child"] != row["parent"]:
                refs.setdefault(row["child"], set()).add(row["parent"])
        return {name: TableInfo(name, tuple(cols), frozenset(refs.get(name, ()))) for name, cols in by_table.items()}

    async def schema_version(self) -> int:
        exists = await self.fetch_value("SELECT to_regclass('schema_migrations') IS NOT NULL")
        if not exists:
            return 0
        return int(await self.fetch_value("SELECT COALESCE(MAX(version), 0) FROM schema_migrations") or 0)

    async def migrate(self, migrations: Sequence[Migration] | None = None) -> list[int]:
        migrations = list(migrations) if migrations is not None else load_migrations(package="bot.migrations.postgres")
        latest = migrations[-1].version if migrations else 0
        applied: list[int] = []
        async with self._pool.acquire() as conn:
            # A session lock: a second process starting at the same moment waits, then finds nothing to do.
            await conn.execute(f"SELECT pg_advisory_lock({_LOCK_KEY})", MIGRATE_LOCK)
            try:
                await conn.execute(
                    """
                    CREATE TABLE IF NOT EXISTS schema_migrations (
                        version    INTEGER PRIMARY KEY,
                        name       TEXT NOT NULL,
                        applied_at TEXT NOT NULL
                            DEFAULT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
                    )
                    """
                )
                current = int(await conn.fetchval("SELECT COALESCE(MAX(version), 0) FROM schema_migrations") or 0)
                self.refuse_newer(self.describe(), current, latest)
                for migration in migrations:
                    if migration.version <= current:
                        continue
                    try:
                        async with conn.transaction():
                            await conn.execute(migration.sql)
                            await conn.execute(
                                "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
                                migration.version,
                                migration.name,
                            )
                    except asyncpg.PostgresError as exc:
                        raise MigrationError(
                            f"migration {migration.version:04d}_{migration.name} failed and was rolled back: {exc}"
                        ) from exc
                    log.info("Applied migration %04d_%s", migration.version, migration.name)
                    applied.append(migration.version)
            finally:
                await conn.execute(f"SELECT pg_advisory_unlock({_LOCK_KEY})", MIGRATE_LOCK)
        await self._load_id_tables()
        return applied

    async def _load_id_tables(self) -> None:
        rows = await self._pool.fetch(
            """
            SELECT table_name FROM information_schema.columns
            WHERE table_schema = current_schema() AND column_name = 'id' AND is_identity = 'YES'
            """
        )
        self.id_tables = frozenset(row["table_name"] for row in rows)


async def _prepare_connection(conn: asyncpg.Connection) -> None:
    # AVG and SUM over BIGINT give NUMERIC; the services expect numbers, as SQLite returns them.
    await conn.set_type_codec("numeric", encoder=str, decoder=_number, schema="pg_catalog", format="text")


def _number(text: str) -> int | float:
    value = float(text)
    return int(value) if value.is_integer() and "." not in text else value
