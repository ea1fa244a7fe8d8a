"""The database layer on a real SQLite file: migrations, transactions, concurrency."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest

from bot.db import Database, MigrationError, SqliteDatabase, load_migrations, split_statements
from tests import backends


async def test_migrates_empty_database_to_newest(tmp_path: Path) -> None:
    db = await SqliteDatabase.open(tmp_path / "a.sqlite3")
    try:
        applied = await db.migrate()
        latest = load_migrations()[-1].version
        assert applied == list(range(1, latest + 1))
        assert await db.schema_version() == latest
        assert await db.fetch_value("PRAGMA foreign_keys") == 1
        assert (await db.fetch_value("PRAGMA journal_mode")).lower() == "wal"
    finally:
        await db.close()


async def test_rerunning_migrations_is_a_noop(db: Database) -> None:
    before = await db.schema_version()
    assert await db.migrate() == []
    assert await db.schema_version() == before


def _copy_migrations(tmp_path: Path) -> Path:
    folder = tmp_path / "migrations"
    folder.mkdir()
    for migration in load_migrations():
        (folder / f"{migration.version:04d}_{migration.name}.sql").write_text(migration.sql)
    return folder


async def test_broken_migration_rolls_back_and_keeps_data(tmp_path: Path) -> None:
    folder = _copy_migrations(tmp_path)
    db = await SqliteDatabase.open(tmp_path / "b.sqlite3")
    try:
        await db.migrate(load_migrations(folder))
        good = await db.schema_version()
        await db.execute("INSERT INTO guild_settings (guild_id) VALUES (42)")
        broken = folder / f"{good + 1:04d}_broken.sql"
        broken.write_text(
            "CREATE TABLE half_done (id INTEGER PRIMARY KEY);\n"
            "UPDATE guild_settings SET timezone = 'Europe/Paris';\n"
            "INSERT INTO no_such_table VALUES (1);\n"
        )
        with pytest.raises(MigrationError, match="broken"):
            await db.migrate(load_migrations(folder))
        assert await db.schema_version() == good
        assert await db.fetch_value("SELECT timezone FROM guild_settings WHERE guild_id = 42") == "UTC"
        assert await db.fetch_value("SELECT 1 FROM sqlite_master WHERE name = 'half_done'") is None
    finally:
        await db.close()


async def test_newer_database_is_refused(tmp_path: Path) -> None:
    db = await SqliteDatabase.open(tmp_path / "c.sqlite3")
    try:
        await db.migrate()
        await db.execute("INSERT INTO schema_migrations (version, name) VALUES (9999, 'from_the_future')")
        with pytest.raises(MigrationError, match="newer than this code"):
            await db.migrate()
    finally:
        await db.close()


async def test_fifty_concurrent_writers_never_see_database_locked(db: Database) -> None:
    await asyncio.gather(*(backends.count_then_insert(db, n) for n in range(50)))
    assert await db.fetch_value("SELECT COUNT(*) FROM audit_log") == 500
    # Each transaction saw every earlier commit: the counts it recorded are exactly 0..499.
    targets = sorted(int(r[0]) for r in await db.fetch_all("SELECT target FROM audit_log"))
    assert targets == list(range(500))


async def test_transaction_rolls_back_on_error(db: Database) -> None:
    with pytest.raises(RuntimeError):
        async with db.transaction() as tx:
            await tx.execute("INSERT INTO guild_settings (guild_id) VALUES (7)")
            raise RuntimeError("boom")
    assert await db.fetch_value("SELECT COUNT(*) FROM guild_settings WHERE guild_id = 7") == 0


async def test_nested_transaction_joins_the_outer_one(db: Database) -> None:
    async with db.transaction() as outer:
        await outer.execute("INSERT INTO guild_settings (guild_id) VALUES (8)")
        async with db.transaction() as inner:
            assert inner is outer
        assert await db.fetch_value("SELECT COUNT(*) FROM guild_settings WHERE guild_id = 8") == 1


async def test_foreign_keys_are_enforced(db: Database) -> None:
    with pytest.raises(db.integrity_error):
        await db.execute(
            "INSERT INTO jobs (guild_id, schedule_id, kind, key, due_at, run_at, created_at) "
            "VALUES (1, 999, 'x', 'k', 0, 0, 'now')"
        )


def test_statement_splitter_keeps_triggers_whole() -> None:
    script = (
        "CREATE TABLE a (x);\n-- comment\n"
        "CREATE TRIGGER t AFTER INSERT ON a BEGIN\n  INSERT INTO a VALUES (1);\n  SELECT 1;\nEND;\n"
    )
    statements = split_statements(script)
    assert len(statements) == 2
    assert "CREATE TRIGGER" in statements[1] and statements[1].endswith("END;")


def test_migration_numbers_have_no_gaps(tmp_path: Path) -> None:
    folder = _copy_migrations(tmp_path)
    gap = load_migrations()[-1].version + 2
    shutil.copy(folder / "0001_init.sql", folder / f"{gap:04d}_gap.sql")
    with pytest.raises(MigrationError, match="without gaps"):
        load_migrations(folder)
