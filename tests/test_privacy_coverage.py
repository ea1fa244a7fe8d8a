"""Every table that holds a member's id is covered by /privacy export and /privacy delete.

The schema is read from a database with every migration applied, so a feature that adds a table with a member
column and forgets ``bot/services/privacy.py`` fails here.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from bot.db import Database
from bot.services import privacy

# Column names that hold a Discord user id.
USER_COLUMN = re.compile(
    r"^(user_id|actor_id|owner_id|author_id|member_id|mentor_id|mentee_id|requester_id|reviewer_id|suggester_id"
    r"|moderator_id|voter_id|[a-z_]+_user_id|[a-z_]+_by|[a-z_]+_by_id)$"
)

# Columns that match the pattern but do not hold a member's id, each with the reason.
NOT_MEMBER_COLUMNS: dict[tuple[str, str], str] = {}

# Tables that are not about members at all, even though a column name looks like it.
NOT_MEMBER_TABLES: dict[str, str] = {}


async def _schema(db: Database) -> dict[str, list[str]]:
    return {name: list(info.columns) for name, info in (await db.tables()).items()}


async def test_every_member_column_is_registered(db: Database) -> None:
    schema = await _schema(db)
    registry = privacy.registry_by_table()
    missing = []
    for table, columns in schema.items():
        if table in NOT_MEMBER_TABLES:
            continue
        member_columns = {c for c in columns if USER_COLUMN.match(c) and (table, c) not in NOT_MEMBER_COLUMNS}
        if not member_columns:
            continue
        covered = set(registry[table].member_columns) if table in registry else set()
        if member_columns - covered:
            missing.append(f"{table}: {sorted(member_columns - covered)}")
    assert not missing, (
        "these tables hold member ids but /privacy export and delete do not cover them; add them to REGISTRY in "
        f"bot/services/privacy.py (or, if the column is not a member id, to NOT_MEMBER_COLUMNS here): {missing}"
    )


async def test_registry_names_real_tables_and_columns(db: Database) -> None:
    schema = await _schema(db)
    for entry in privacy.REGISTRY:
        assert entry.table in schema, f"{entry.table} is registered but does not exist"
        columns = set(schema[entry.table])
        assert "guild_id" in columns, f"{entry.table} has no guild_id, so delete could cross servers"
        assert set(entry.member_columns) <= columns, f"{entry.table}: unknown columns {entry.member_columns}"
        assert set(entry.text_columns) <= columns, f"{entry.table}: unknown text columns {entry.text_columns}"
        assert entry.label, f"{entry.table} needs a label to tell the member what was removed"


async def test_exceptions_are_still_needed(db: Database) -> None:
    schema = await _schema(db)
    for table, column in NOT_MEMBER_COLUMNS:
        assert column in schema.get(table, []), f"stale exception {table}.{column}"
    for table in NOT_MEMBER_TABLES:
        assert table in schema, f"stale exception {table}"


async def test_export_and_delete_run_on_every_registered_table(db: Database) -> None:
    # Runs the real statements against the full schema: a typo in a registered table or column fails here.
    now = datetime(2026, 3, 2, tzinfo=UTC)
    exported = await privacy.export_member_data(db, 1, 2, now)
    assert set(exported["tables"]) == {entry.table for entry in privacy.REGISTRY}
    report = await privacy.delete_member_data(db, 1, 2)
    assert report.total == 0
    assert set(report.removed) | set(report.anonymised) == {entry.table for entry in privacy.REGISTRY}
