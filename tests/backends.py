"""Which database engine the tests run on, and a fresh database on it for each test.

``PMO_TEST_POSTGRES=postgresql://127.0.0.1:5432/test`` runs the whole suite on PostgreSQL (``.ci/run`` does,
after the SQLite run): each SQLite file a test would have used becomes its own schema in that database, named
from the file's path, so a test that restarts the bot on "the same file" gets the same schema back. Without
the variable everything runs on SQLite and the PostgreSQL-only tests skip, with one line saying how to run them.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest

from bot.db import Database, SqliteDatabase

POSTGRES_URL = os.environ.get("PMO_TEST_POSTGRES", "").strip() or None
BACKEND = "postgresql" if POSTGRES_URL else "sqlite"
SCHEMA_PREFIX = "pmo_test_"

needs_postgres = pytest.mark.skipif(
    POSTGRES_URL is None, reason="PostgreSQL tests: set PMO_TEST_POSTGRES=postgresql://127.0.0.1:5432/test"
)
sqlite_only = pytest.mark.skipif(BACKEND != "sqlite", reason="checks SQLite's own files and pragmas")


def schema_for(path: Path) -> str:
    """The PostgreSQL schema that stands for the SQLite file at ``path`` in this run."""
    return SCHEMA_PREFIX + hashlib.sha1(str(path.resolve()).encode(), usedforsecurity=False).hexdigest()[:16]


def url_for(path: Path, base: str | None = None) -> str:
    """A DATABASE_URL whose connections use the schema for ``path`` (asyncpg passes unknown query keys on)."""
    base = base or POSTGRES_URL
    assert base, "no PostgreSQL URL"
    parts = urlsplit(base)
    query = "&".join(q for q in (parts.query, urlencode({"search_path": schema_for(path)})) if q)
    return parts._replace(query=query).geturl()


async def create_schema(path: Path, base: str | None = None) -> str:
    """Create (if needed) the schema for ``path``; returns its DATABASE_URL."""
    import asyncpg

    base = base or POSTGRES_URL
    assert base
    conn = await asyncpg.connect(base)
    try:
        await conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema_for(path)}"')
    finally:
        await conn.close()
    return url_for(path, base)


async def drop_test_schemas(base: str) -> int:
    """Drop every schema a test run made; returns how many."""
    import asyncpg

    conn = await asyncpg.connect(base)
    try:
        names = [
            r["nspname"]
            for r in await conn.fetch("SELECT nspname FROM pg_namespace WHERE nspname LIKE $1", SCHEMA_PREFIX + "%")
        ]
        for name in names:
            await conn.execute(f'DROP SCHEMA "{name}" CASCADE')
        return len(names)
    finally:
        await conn.close()


async def database_settings(path: Path) -> dict[str, Any]:
    """Settings keywords for a bot that should keep its state at ``path`` (or that path's schema)."""
    if POSTGRES_URL is None:
        return {"database_path": path}
    return {"database_path": path, "database_url": await create_schema(path)}


async def open_database(path: Path) -> Database:
    """The test database standing for ``path``, opened but not migrated."""
    if POSTGRES_URL is None:
        return await SqliteDatabase.open(path)
    from bot.db_postgres import PostgresDatabase

    return await PostgresDatabase.open(await create_schema(path), pool_size=4)


async def process_environment(path: Path) -> dict[str, str]:
    """Extra environment for a ``python -m bot`` child that should use the database for ``path``."""
    if POSTGRES_URL is None:
        return {}
    return {"DATABASE_URL": await create_schema(path)}


async def count_then_insert(db: Database, actor: int, times: int = 10) -> None:
    """``times`` transactions that each count the audit rows and insert one naming that count.

    Run from many tasks (or processes) at once: if no two transactions ever interleave, the recorded counts
    are exactly 0, 1, 2, … with none repeated.
    """
    for _ in range(times):
        async with db.transaction() as tx:
            current = await tx.fetch_value("SELECT COUNT(*) FROM audit_log")
            await tx.execute(
                "INSERT INTO audit_log (guild_id, actor_id, action, target, created_at) VALUES (?, ?, ?, ?, ?)",
                (1, actor, "test", str(current), "2026-01-01T00:00:00Z"),
            )
