"""Migration 0007 (ids_never_reused): every table with an integer id gets AUTOINCREMENT, without losing a row."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from bot.db import Database, MigrationError, SqliteDatabase, load_migrations

IDS_MIGRATION = next(m.version for m in load_migrations() if m.name == "ids_never_reused")


async def _before(path: Path) -> Database:
    db = await SqliteDatabase.open(path)
    await db.migrate([m for m in load_migrations() if m.version < IDS_MIGRATION])
    return db


async def _seed(db: Database) -> None:
    """A server with a mentee request, two proposals (the newest one deleted) and a job about a deleted one."""
    async with db.transaction() as tx:
        await tx.execute(
            """
            INSERT INTO mentee_requests (guild_id, user_id, areas, goal, timezone, created_at, updated_at)
            VALUES (1, 10, '[]', 'learn', 'UTC', 't', 't')
            """
        )
        for mentor in (20, 21, 22):
            await tx.execute(
                """
                INSERT INTO mentoring_proposals (guild_id, request_id, mentee_id, mentor_id, score, source, status,
                                                 expires_at, created_at)
                VALUES (1, 1, 10, ?, 1.0, 'request', 'declined', 't', 't')
                """,
                (mentor,),
            )
        await tx.execute("DELETE FROM mentoring_proposals WHERE id = 3")
        # A job remembers proposal 9, whose row is long gone: id 9 must never come back either.
        await tx.execute(
            """
            INSERT INTO jobs (guild_id, kind, key, due_at, run_at, payload, status, created_at)
            VALUES (1, 'mentoring-proposal', 'mentoring-proposal:9', 0, 0, '{"proposal_id": 9}', 'sent', 't')
            """
        )
        await tx.execute(
            """
            INSERT INTO mentorships (guild_id, mentor_id, mentee_id, request_id, proposal_id, started_at, created_at)
            VALUES (1, 20, 10, 1, 1, 't', 't')
            """
        )


async def test_rows_keep_their_ids_and_foreign_keys(tmp_path: Path) -> None:
    db = await _before(tmp_path / "old.sqlite3")
    try:
        await _seed(db)
        before = {
            table: [tuple(r) for r in await db.fetch_all(f"SELECT * FROM {table} ORDER BY id")]  # noqa: S608
            for table in ("mentee_requests", "mentoring_proposals", "mentorships", "jobs")
        }
        await db.migrate()
        for table, rows in before.items():
            assert [tuple(r) for r in await db.fetch_all(f"SELECT * FROM {table} ORDER BY id")] == rows  # noqa: S608
        assert await db.fetch_all("PRAGMA foreign_key_check") == []
        assert await db.fetch_value("PRAGMA foreign_keys") == 1
        # The foreign keys still act: deleting the request cascades to its proposals and unlinks the mentorship.
        await db.execute("DELETE FROM mentee_requests WHERE id = 1")
        assert await db.fetch_value("SELECT COUNT(*) FROM mentoring_proposals") == 0
        assert await db.fetch_value("SELECT request_id FROM mentorships") is None
    finally:
        await db.close()


async def test_ids_freed_before_the_migration_are_not_handed_out(tmp_path: Path) -> None:
    db = await _before(tmp_path / "old.sqlite3")
    try:
        await _seed(db)
        await db.migrate()
        new_id = await db.execute(
            """
            INSERT INTO mentoring_proposals (guild_id, request_id, mentee_id, mentor_id, score, source, status,
                                             expires_at, created_at)
            VALUES (1, 1, 10, 23, 1.0, 'request', 'pending', 't', 't')
            """
        )
        assert new_id == 10  # above the deleted 3 and the 9 a job still names
    finally:
        await db.close()


async def test_a_deleted_newest_row_never_gives_its_id_away(tmp_path: Path) -> None:
    db = await SqliteDatabase.open(tmp_path / "new.sqlite3")
    try:
        await db.migrate()
        sql = "INSERT INTO moderator_notices (guild_id, text, created_at) VALUES (1, 'x', 't')"
        first = await db.execute(sql)
        await db.execute("DELETE FROM moderator_notices")
        assert await db.execute(sql) == first + 1
    finally:
        await db.close()


async def test_a_broken_foreign_key_rolls_the_rebuild_back(tmp_path: Path) -> None:
    db = await _before(tmp_path / "old.sqlite3")
    try:
        await _seed(db)
        with closing(sqlite3.connect(tmp_path / "old.sqlite3")) as raw:  # foreign keys are off by default here
            raw.execute("DELETE FROM mentee_requests")  # leaves proposals pointing at nothing
            raw.commit()
        with pytest.raises(MigrationError, match="would break a foreign key"):
            await db.migrate()
        assert await db.schema_version() == IDS_MIGRATION - 1
        assert await db.fetch_value("SELECT COUNT(*) FROM mentoring_proposals") == 2
        assert await db.fetch_value("PRAGMA foreign_keys") == 1
    finally:
        await db.close()
