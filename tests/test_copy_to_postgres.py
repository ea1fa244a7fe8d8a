"""``pmo-bot migrate-to-postgres``: a SQLite database copied into PostgreSQL, verified, idempotent."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

from bot.content import load_content
from bot.copy_to_postgres import copy_to_postgres, count_rows
from bot.db import SqliteDatabase
from bot.db_postgres import PostgresDatabase
from bot.services import faq, progress
from tests import backends
from tests.backends import needs_postgres

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
GUILD = 81384788765712384


async def _source_and_target(tmp_path: Path) -> tuple[Path, str]:
    """A SQLite file with data in it, and an empty PostgreSQL schema to copy it into."""
    source = tmp_path / "bot.sqlite3"
    await _sqlite_with_data(source)
    return source, await backends.create_schema(tmp_path / "target", backends.POSTGRES_URL)


async def _sqlite_with_data(path: Path) -> None:
    db = await SqliteDatabase.open(path)
    try:
        await db.migrate()
        content = load_content()
        catalog = faq.build_catalog(content.faqs, content.vocabulary)
        await faq.sync_index(db, catalog, NOW)
        draft = faq.FaqDraft("team-social", "When is the team social night?", "Every second Friday at 6 pm.")
        await faq.add_entry(db, catalog, GUILD, draft, actor_id=1, now=NOW)
        for n in range(30):
            await progress.log_activity(
                db, guild_id=GUILD, user_id=100 + n % 3, kind="exposure", minutes=30, activity=f"shadowed #{n}",
                local_date=date(2026, 3, 2), now=NOW,
            )  # fmt: skip
        # The newest entry is deleted: its id must never come back, on either engine.
        await db.execute("DELETE FROM progress_entries WHERE id = (SELECT MAX(id) FROM progress_entries)")
    finally:
        await db.close()


@needs_postgres
async def test_the_copy_matches_row_for_row_and_running_it_again_adds_nothing(tmp_path: Path) -> None:
    source, url = await _source_and_target(tmp_path)

    first = await copy_to_postgres(source, url)
    assert all(r.matches for r in first)
    assert {r.table: r.source_rows for r in first}["progress_entries"] == 29
    again = await copy_to_postgres(source, url)
    assert all(r.matches for r in again) and sum(r.added for r in again) == 0

    lite = await SqliteDatabase.open(source)
    pg = await PostgresDatabase.open(url)
    try:
        assert await count_rows(pg) == await count_rows(lite)
        old_rows = await lite.fetch_all("SELECT * FROM progress_entries ORDER BY id")
        new_rows = await pg.fetch_all("SELECT * FROM progress_entries ORDER BY id")
        assert [tuple(r) for r in old_rows] == [tuple(r) for r in new_rows]
        # The deleted entry's id (30) is not handed out again.
        entry = await progress.log_activity(
            pg, guild_id=GUILD, user_id=100, kind="education", minutes=10, activity="read", local_date=date(2026, 3, 2),
            now=NOW,
        )  # fmt: skip
        assert entry.id == 31
        # The copied index answers on PostgreSQL: the server's own entry is found.
        content = load_content()
        catalog = faq.build_catalog(content.faqs, content.vocabulary)
        assert await faq.sync_index(pg, catalog, NOW) is False  # nothing to rebuild: the index came across
        hits = await faq.search(pg, catalog, GUILD, "when is the social night")
        assert hits and hits[0].faq.topic == "team-social"
    finally:
        await lite.close()
        await pg.close()


@needs_postgres
async def test_the_command_reports_counts_and_refuses_a_target_that_holds_other_rows(tmp_path: Path) -> None:
    source, url = await _source_and_target(tmp_path)
    env = {**os.environ, "DATABASE_PATH": str(source), "DATABASE_URL": url}
    env.pop("DISCORD_TOKEN", None)

    def run() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "bot", "migrate-to-postgres"], env=env, capture_output=True, text=True, timeout=120
        )

    done = run()
    assert done.returncode == 0, done.stderr
    assert "every count matches" in done.stdout and "progress_entries" in done.stdout
    pg = await PostgresDatabase.open(url)
    try:
        await pg.execute("INSERT INTO guild_settings (guild_id) VALUES (7)")  # as if a bot already ran there
    finally:
        await pg.close()
    refused = run()
    assert refused.returncode == 1
    assert "row counts differ: guild_settings" in refused.stderr


def test_the_command_needs_both_databases(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DISCORD_TOKEN")}
    env["DATABASE_PATH"] = str(tmp_path / "missing.sqlite3")
    result = subprocess.run(
        [sys.executable, "-m", "bot", "migrate-to-postgres"], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2 and "DATABASE_URL" in result.stderr
