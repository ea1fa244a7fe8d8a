"""Shared fixtures: a real, migrated SQLite database and a manual clock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.clock import ManualClock
from bot.db import Database

START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # a Monday


@pytest.fixture
def clock() -> ManualClock:
    """A clock that only moves when the test moves it."""
    return ManualClock(START)


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    """A fresh database file with every migration applied."""
    database = await Database.open(tmp_path / "test.sqlite3")
    await database.migrate()
    try:
        yield database
    finally:
        await database.close()
