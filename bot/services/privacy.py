"""What the bot stores about a member, and the two rights every member has: export it all, delete it all.

:data:`REGISTRY` lists every table that holds rows about a member and the columns naming them. A feature that
adds such a table adds one line here (``tests/test_privacy_coverage.py`` fails for a table that is missing).
Every table has a ``guild_id``: export and delete only ever touch the caller's rows in the current server.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.db import Database, Row, Transaction
from bot.timeutil import iso

__all__ = [
    "ERASED_USER_ID",
    "REGISTRY",
    "DeletionReport",
    "PersonalTable",
    "delete_member_data",
    "export_json",
    "export_member_data",
    "registry_by_table",
]

# What a member's id becomes in rows that are kept after they asked for deletion (the audit log).
ERASED_USER_ID = 0


@dataclass(frozen=True, slots=True)
class PersonalTable:
    """A table holding rows about members.

    ``user_columns`` name the member a row is about (a row matches when any of them equals the member's id).
    ``label`` is how the member is told what was removed ("3 × logged learning activity"). ``anonymise`` keeps
    the rows and replaces the member's id with :data:`ERASED_USER_ID` (in ``user_columns`` and in the free text
    of ``text_columns``) instead of deleting them. ``mention_columns`` only mention the member in a row about
    someone else (e.g. the moderator who ended another pair's mentorship): those rows are exported, and on
    delete only that column is set to :data:`ERASED_USER_ID`. ``dependents`` are statements run before the
    delete for rows without a user column that only make sense with the member's rows (named parameters
    ``:guild_id`` and ``:user_id``).
    """

    table: str
    user_columns: tuple[str, ...]
    label: str
    anonymise: bool = False
    text_columns: tuple[str, ...] = ()
    mention_columns: tuple[str, ...] = ()
    dependents: tuple[str, ...] = field(default=())

    @property
    def member_columns(self) -> tuple[str, ...]:
        """Every column that can hold the member's id."""
        return self.user_columns + self.mention_columns


# One line per table. Keep child tables (rows that reference another listed table) before their parents:
# delete runs in this order.
REGISTRY: tuple[PersonalTable, ...] = (
    # shared tables (0001)
    PersonalTable("member_settings", ("user_id",), "personal setting (timezone)"),
    PersonalTable("progress_entries", ("user_id",), "logged learning activity"),
    PersonalTable(
        "schedules",
        ("owner_id",),  # 0 for server schedules, so only personal reminders match
        "personal reminder schedule",
        dependents=(
            """
            DELETE FROM jobs
            WHERE status = 'pending'
              AND schedule_id IN (SELECT id FROM schedules WHERE guild_id = :guild_id AND owner_id = :user_id)
            """,
        ),
    ),
    # daily prompts (0003)
    PersonalTable("prompt_suggestions", ("user_id",), "prompt suggestion"),
    PersonalTable(
        "prompts",
        ("suggested_by",),
        "prompt you suggested (kept in the server's bank, with your id removed)",
        anonymise=True,
    ),
    # 70-20-10 check-ins (0005)
    PersonalTable("progress_reminders", ("user_id",), "check-in reminder state"),
    PersonalTable("progress_skipped_weeks", ("user_id",), "skipped check-in week"),
    PersonalTable(
        "audit_log",
        ("actor_id",),
        "moderator action (kept, with your id removed)",
        anonymise=True,
        text_columns=("target", "before_json", "after_json"),
    ),
    # admin (0006)
    PersonalTable("job_uses", ("user_id",), "day on which you used a bot feature (for anonymous statistics)"),
    # role FAQs (0002)
    PersonalTable("faq_feedback", ("user_id",), "vote on an FAQ answer"),
    # mentor matching (0004); foreign keys cascade, children are still listed first
    PersonalTable("mentorship_checkins", ("user_id",), "mentorship check-in answer"),
    PersonalTable("mentoring_proposals", ("mentee_id", "mentor_id"), "mentoring proposal"),
    PersonalTable(
        "mentorships",
        ("mentee_id", "mentor_id"),
        "mentorship (with its feedback and rating)",
        mention_columns=("ended_by",),  # a moderator who ended someone else's mentorship
    ),
    PersonalTable("mentee_requests", ("user_id",), "mentoring request"),
    PersonalTable("mentor_profiles", ("user_id",), "mentor profile"),
    PersonalTable("mentoring_members", ("user_id",), "mentoring participation setting"),
    PersonalTable("mentoring_pair_history", ("mentee_id", "mentor_id"), "past mentoring pair"),
)


def registry_by_table() -> dict[str, PersonalTable]:
    """The registry keyed by table name."""
    return {entry.table: entry for entry in REGISTRY}


def _match_clause(entry: PersonalTable, *, mentions: bool = True) -> str:
    """``(col = :user_id OR …)`` over the member columns (mentions too unless told otherwise), plus the text
    columns that mention the id."""
    columns = entry.member_columns if mentions else entry.user_columns
    terms = [f"{column} = :user_id" for column in columns]
    if mentions:
        terms += [f"instr(COALESCE({column}, ''), :user_text) > 0" for column in entry.text_columns]
    return "(" + " OR ".join(terms) + ")"


def _params(guild_id: int, user_id: int) -> dict[str, Any]:
    return {
        "guild_id": guild_id,
        "user_id": user_id,
        "user_text": str(user_id),
        "erased_id": ERASED_USER_ID,
        "erased": str(ERASED_USER_ID),
    }


def _row_dict(row: Row) -> dict[str, Any]:
    return {key: row[key] for key in row.keys()}  # noqa: SIM118 - sqlite3.Row has no items()


async def export_member_data(db: Database, guild_id: int, user_id: int, now: datetime) -> dict[str, Any]:
    """Everything stored about a member in one server, as a JSON-ready dict (table → rows)."""
    params = _params(guild_id, user_id)
    tables: dict[str, list[dict[str, Any]]] = {}
    for entry in REGISTRY:
        rows = await db.fetch_all(
            f"SELECT * FROM {entry.table} WHERE guild_id = :guild_id AND {_match_clause(entry)}",  # noqa: S608 - names come from REGISTRY
            params,
        )
        tables[entry.table] = [_row_dict(row) for row in rows]
    return {
        "about": "Everything the PMO Community Bot stores about you in this server.",
        "guild_id": str(guild_id),
        "user_id": str(user_id),
        "exported_at": iso(now),
        "tables": tables,
    }


def export_json(data: dict[str, Any]) -> bytes:
    """The export as UTF-8 JSON (ids as they are stored; readable indentation)."""
    return json.dumps(data, indent=2, ensure_ascii=False, sort_keys=False, default=str).encode("utf-8")


@dataclass(frozen=True, slots=True)
class DeletionReport:
    """What one deletion did: rows removed and rows kept with the member's id replaced, by table."""

    removed: dict[str, int]
    anonymised: dict[str, int]

    @property
    def total(self) -> int:
        """Rows touched in all."""
        return sum(self.removed.values()) + sum(self.anonymised.values())

    def lines(self) -> list[str]:
        """One line per table that had rows, for the member."""
        labels = registry_by_table()
        out = [f"{count} × {labels[table].label}" for table, count in self.removed.items() if count]
        out += [
            f"{count} × {labels[table].label}"
            + ("" if labels[table].anonymise else " (kept for the others in it, with your id removed)")
            for table, count in self.anonymised.items()
            if count
        ]
        return out


async def delete_member_data(db: Database, guild_id: int, user_id: int) -> DeletionReport:
    """Delete every row about a member in one server, in one transaction; audit rows are anonymised instead."""
    params = _params(guild_id, user_id)
    removed: dict[str, int] = {}
    anonymised: dict[str, int] = {}
    async with db.transaction() as tx:
        for entry in REGISTRY:
            if entry.anonymise:
                anonymised[entry.table] = await _anonymise(tx, entry, params)
                continue
            for statement in entry.dependents:
                await tx.execute(statement, params)
            removed[entry.table] = await tx.execute(
                f"DELETE FROM {entry.table} WHERE guild_id = :guild_id AND {_match_clause(entry, mentions=False)}",  # noqa: S608 - names come from REGISTRY
                params,
            )
            mentioned = 0
            for column in entry.mention_columns:
                mentioned += await tx.execute(
                    f"""
                    UPDATE {entry.table} SET {column} = :erased_id
                    WHERE guild_id = :guild_id AND {column} = :user_id
                    """,  # noqa: S608 - names come from REGISTRY
                    params,
                )
            if mentioned:
                anonymised[entry.table] = mentioned
    return DeletionReport(removed, anonymised)


async def _anonymise(tx: Transaction, entry: PersonalTable, params: dict[str, Any]) -> int:
    """Replace the member's id in a kept table; returns the number of rows that mentioned them."""
    count = int(
        await tx.fetch_value(
            f"SELECT COUNT(*) FROM {entry.table} WHERE guild_id = :guild_id AND {_match_clause(entry)}",  # noqa: S608 - names come from REGISTRY
            params,
        )
        or 0
    )
    for column in entry.member_columns:
        await tx.execute(
            f"UPDATE {entry.table} SET {column} = :erased_id WHERE guild_id = :guild_id AND {column} = :user_id",  # noqa: S608 - names come from REGISTRY
            params,
        )
    for column in entry.text_columns:
        # Snowflakes are 17–20 digits, so a plain text replace cannot hit anything but the member's id.
        await tx.execute(
            f"""
            UPDATE {entry.table} SET {column} = replace({column}, :user_text, :erased)
            WHERE guild_id = :guild_id AND instr(COALESCE({column}, ''), :user_text) > 0
            """,  # noqa: S608 - names come from REGISTRY
            params,
        )
    return count
