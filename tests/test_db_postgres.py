"""The PostgreSQL backend: the SQL translation, its migrations, and that its schema is SQLite's schema.

The translation tests need no server. The rest run against PMO_TEST_POSTGRES (skipped, with the reason, when it
is unset); each uses a schema of its own.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.db import MigrationError, SqliteDatabase, load_migrations
from bot.db_postgres import PostgresDatabase, translate
from tests import backends
from tests.backends import needs_postgres

# -- translation (no server) -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sqlite", "postgres"),
    [
        ("SELECT * FROM t WHERE a = ? AND b = ?", "SELECT * FROM t WHERE a = $1 AND b = $2"),
        ("SELECT '?', \"?\" FROM t WHERE a = ?", "SELECT '?', \"?\" FROM t WHERE a = $1"),
        ("SELECT 'it''s ?' FROM t WHERE a = ?", "SELECT 'it''s ?' FROM t WHERE a = $1"),
        ("SELECT a -- what? \nFROM t WHERE b = ?", "SELECT a -- what? \nFROM t WHERE b = $1"),
        ("INSERT OR IGNORE INTO t (a) VALUES (?)", "INSERT INTO t (a) VALUES ($1) ON CONFLICT DO NOTHING"),
        (
            "INSERT OR IGNORE INTO t (a) VALUES (?) RETURNING id",
            "INSERT INTO t (a) VALUES ($1) ON CONFLICT DO NOTHING RETURNING id",
        ),
        ("SELECT instr(a, ?) FROM t WHERE b LIKE ?", "SELECT strpos(a, $1) FROM t WHERE b ILIKE $2"),
        ("SELECT instructions FROM t;", "SELECT instructions FROM t"),
    ],
)
def test_translation(sqlite: str, postgres: str) -> None:
    assert translate(sqlite)[0] == postgres


def test_named_parameters_become_positional_in_first_use_order() -> None:
    text, names = translate("SELECT * FROM t WHERE a = :user AND b = :guild AND c = :user AND d = ':nope'")
    assert text == "SELECT * FROM t WHERE a = $1 AND b = $2 AND c = $1 AND d = ':nope'"
    assert names == ("user", "guild")


def test_mixed_placeholders_are_refused() -> None:
    with pytest.raises(ValueError, match="both"):
        translate("SELECT * FROM t WHERE a = ? AND b = :b")


# -- on a server -----------------------------------------------------------------------------------------------


async def _fresh(tmp_path: Path, name: str = "pg") -> PostgresDatabase:
    url = await backends.create_schema(tmp_path / name, backends.POSTGRES_URL)
    return await PostgresDatabase.open(url, pool_size=4)


@needs_postgres
async def test_migrates_an_empty_schema_and_a_rerun_does_nothing(tmp_path: Path) -> None:
    db = await _fresh(tmp_path)
    try:
        migrations = load_migrations(package="bot.migrations.postgres")
        applied = await db.migrate()
        assert applied == [m.version for m in migrations]
        assert await db.schema_version() == load_migrations()[-1].version  # the same number as SQLite's
        assert await db.migrate() == []
    finally:
        await db.close()


@needs_postgres
async def test_the_schema_has_the_same_tables_and_columns_as_sqlite(tmp_path: Path) -> None:
    lite = await SqliteDatabase.open(tmp_path / "lite.sqlite3")
    pg = await _fresh(tmp_path)
    try:
        await lite.migrate()
        await pg.migrate()
        lite_tables, pg_tables = await lite.tables(), await pg.tables()
        assert sorted(lite_tables) == sorted(pg_tables)
        for name, info in lite_tables.items():
            assert set(info.columns) <= set(pg_tables[name].columns), name
            assert info.parents == pg_tables[name].parents, name
        extra = {n: set(pg_tables[n].columns) - set(i.columns) for n, i in lite_tables.items()}
        assert {n: c for n, c in extra.items() if c} == {"faq_search": {"rowid", "document", "tokens"}}
    finally:
        await lite.close()
        await pg.close()


@needs_postgres
async def test_a_broken_migration_rolls_back_and_a_newer_schema_is_refused(tmp_path: Path) -> None:
    db = await _fresh(tmp_path)
    try:
        await db.migrate()
        good = await db.schema_version()
        await db.execute("INSERT INTO guild_settings (guild_id) VALUES (42)")
        migrations = [*load_migrations(package="bot.migrations.postgres")]
        broken = type(migrations[0])(
            good + 1,
            "broken",
            "CREATE TABLE half_done (id INTEGER PRIMARY KEY);\n"
            "UPDATE guild_settings SET timezone = 'Europe/Paris';\n"
            "INSERT INTO no_such_table VALUES (1);\n",
        )
        with pytest.raises(MigrationError, match="broken"):
            await db.migrate([*migrations, broken])
        assert await db.schema_version() == good
        assert await db.fetch_value("SELECT timezone FROM guild_settings WHERE guild_id = 42") == "UTC"
        assert await db.fetch_value("SELECT to_regclass('half_done') IS NULL") is True
        await db.execute("INSERT INTO schema_migrations (version, name) VALUES (9999, 'from_the_future')")
        with pytest.raises(MigrationError, match="newer than this code"):
            await db.migrate()
    finally:
        await db.close()


@needs_postgres
async def test_two_processes_starting_together_migrate_once(tmp_path: Path) -> None:
    first, second = await _fresh(tmp_path), await _fresh(tmp_path)
    try:
        applied = await asyncio.gather(first.migrate(), second.migrate())
        assert sorted(len(a) for a in applied) == [0, len(load_migrations(package="bot.migrations.postgres"))]
    finally:
        await first.close()
        await second.close()


@needs_postgres
async def test_writers_in_two_processes_never_interleave(tmp_path: Path) -> None:
    # Two pools on one schema stand for two shard processes: every transaction sees every earlier commit.
    first, second = await _fresh(tmp_path), await _fresh(tmp_path)
    try:
        await first.migrate()
        await second.migrate()

        await asyncio.gather(*(backends.count_then_insert(first if n % 2 else second, n) for n in range(20)))
        targets = sorted(int(r[0]) for r in await first.fetch_all("SELECT target FROM audit_log"))
        assert targets == list(range(200))
    finally:
        await first.close()
        await second.close()


@needs_postgres
async def test_an_insert_returns_the_new_id_and_an_ignored_one_returns_nothing(tmp_path: Path) -> None:
    db = await _fresh(tmp_path)
    try:
        await db.migrate()
        first = await db.execute(
            "INSERT INTO moderator_notices (guild_id, text, created_at) VALUES (?, ?, ?)", (1, "a", "t")
        )
        second = await db.execute(
            "INSERT INTO moderator_notices (guild_id, text, created_at) VALUES (?, ?, ?)", (1, "b", "t")
        )
        assert second == first + 1
        row = ("g", "h", "t")
        assert await db.execute("INSERT INTO command_sync (scope, payload_hash, synced_at) VALUES (?, ?, ?)", row) == 1
        ignored = "INSERT OR IGNORE INTO command_sync (scope, payload_hash, synced_at) VALUES (?, ?, ?)"
        assert await db.execute(ignored, row) == 0
        assert await db.execute("UPDATE moderator_notices SET delivered_at = 'now' WHERE guild_id = 1") == 2
    finally:
        await db.close()
