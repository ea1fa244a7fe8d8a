"""Shared fixtures: a real, migrated database (SQLite, or PostgreSQL with PMO_TEST_POSTGRES) and a manual clock."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.clock import ManualClock
from bot.db import Database
from tests import backends

START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # a Monday


@pytest.fixture
def clock() -> ManualClock:
    """A clock that only moves when the test moves it."""
    return ManualClock(START)


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    """A fresh database (a file, or a schema of its own) with every migration applied."""
    database = await backends.open_database(tmp_path / "test.sqlite3")
    await database.migrate()
    try:
        yield database
    finally:
        await database.close()


@pytest.fixture(scope="session", autouse=True)
def postgres_run() -> Iterator[None]:
    """On a PostgreSQL run: fail at once if the server is unreachable; drop the run's schemas at the end."""
    if backends.POSTGRES_URL is None:
        yield
        return
    base = backends.POSTGRES_URL
    try:
        asyncio.run(backends.drop_test_schemas(base))
    except OSError as exc:
        pytest.exit(f"PMO_TEST_POSTGRES={base}: PostgreSQL is unreachable ({exc})", returncode=3)
    yield
    asyncio.run(backends.drop_test_schemas(base))
