"""What happens to a server's data when the bot is removed: kept 30 days (a re-invite restores it), then purged.

While a server is marked removed its schedules are paused (nothing can be posted there) and one ``guild-purge``
job waits for the end of the retention period. A re-invite clears the mark, cancels the purge and resumes the
schedules that the removal paused. The purge deletes every row of the server in every table.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from bot.db import Database
from bot.services import schedules as store
from bot.services.guild_config import ensure_guild
from bot.timeutil import iso, parse_iso, to_unix

__all__ = [
    "PURGE_KIND",
    "REMOVED_REASON",
    "RETENTION",
    "guild_tables",
    "guilds_gone_missing",
    "mark_guild_present",
    "mark_guild_removed",
    "purge_due",
    "purge_guild",
]

RETENTION = timedelta(days=30)
PURGE_KIND = "guild-purge"
# The paused_reason of schedules paused by a removal; only those are resumed by a re-invite.
REMOVED_REASON = "The bot was removed from the server."


def _purge_key_prefix(guild_id: int) -> str:
    return f"{PURGE_KIND}:{guild_id}:"


async def mark_guild_removed(db: Database, guild_id: int, now: datetime) -> datetime:
    """Record that the bot left a server, pause its schedules and schedule the purge; returns the purge instant.

    Idempotent: a second removal event keeps the first removal's purge date.
    """
    async with db.transaction() as tx:
        await ensure_guild(tx, guild_id, now)
        removed = await tx.fetch_value("SELECT removed_at FROM guild_settings WHERE guild_id = ?", (guild_id,))
        if removed is not None:
            return parse_iso(removed) + RETENTION
        await tx.execute(
            "UPDATE guild_settings SET removed_at = ?, updated_at = ? WHERE guild_id = ?",
            (iso(now), iso(now), guild_id),
        )
        await tx.execute(
            """
            DELETE FROM jobs WHERE status = 'pending'
              AND schedule_id IN (SELECT id FROM schedules WHERE guild_id = ? AND paused = 0)
            """,
            (guild_id,),
        )
        await tx.execute(
            "UPDATE schedules SET paused = 1, paused_reason = ?, updated_at = ? WHERE guild_id = ? AND paused = 0",
            (REMOVED_REASON, iso(now), guild_id),
        )
        purge_at = now + RETENTION
        # The removal instant is part of the key: a server removed, re-invited and removed again gets a new job.
        await store.add_job(
            tx,
            guild_id=guild_id,
            kind=PURGE_KIND,
            key=f"{_purge_key_prefix(guild_id)}{to_unix(now)}",
            due=purge_at,
            now=now,
        )
        return purge_at


async def mark_guild_present(db: Database, guild_id: int, now: datetime) -> bool:
    """The bot is in the server (joined, re-invited, or seen at start-up); True if it had been marked removed.

    A re-invite clears the mark, cancels the purge and resumes the schedules the removal paused.
    """
    row = await db.fetch_one("SELECT removed_at FROM guild_settings WHERE guild_id = ?", (guild_id,))
    if row is not None and row["removed_at"] is None:
        return False  # the common case at start-up: a read, no write
    async with db.transaction() as tx:
        await ensure_guild(tx, guild_id, now)
        changed = await tx.execute(
            "UPDATE guild_settings SET removed_at = NULL, updated_at = ? WHERE guild_id = ? AND removed_at IS NOT NULL",
            (iso(now), guild_id),
        )
        if not changed:
            return False
        await store.cancel_jobs(tx, key_prefix=_purge_key_prefix(guild_id))
        await tx.execute(
            """
            UPDATE schedules SET paused = 0, paused_reason = NULL, anchor_at = ?, updated_at = ?
            WHERE guild_id = ? AND paused = 1 AND paused_reason = ?
            """,
            (to_unix(now), iso(now), guild_id, REMOVED_REASON),
        )
        return True


async def guilds_gone_missing(db: Database, present: Iterable[int]) -> list[int]:
    """Servers the database knows as present that the gateway no longer lists (removed while the bot was down)."""
    here = set(present)
    rows = await db.fetch_all("SELECT guild_id FROM guild_settings WHERE removed_at IS NULL")
    return sorted(row["guild_id"] for row in rows if row["guild_id"] not in here)


async def purge_due(db: Database, guild_id: int, now: datetime) -> bool:
    """Whether the server is still removed and its retention period is over (a re-invite makes this False)."""
    removed = await db.fetch_value("SELECT removed_at FROM guild_settings WHERE guild_id = ?", (guild_id,))
    return removed is not None and parse_iso(removed) + RETENTION <= now


async def guild_tables(db: Database) -> list[str]:
    """Every table with a ``guild_id`` column, children before the tables they reference (so deletes succeed).

    The schema comes from the engine's own catalogue (:meth:`Database.tables`); SQLite's FTS shadow tables and
    virtual tables over another table's content are left out there.
    """
    tables = {name: set(info.parents) for name, info in (await db.tables()).items() if "guild_id" in info.columns}
    ordered: list[str] = []
    done: set[str] = set()

    def visit(table: str, path: frozenset[str]) -> None:
        # Children first: a table is emitted only after every table that references it.
        if table in done or table in path:
            return
        for child, parents in sorted(tables.items()):
            if table in parents:
                visit(child, path | {table})
        done.add(table)
        ordered.append(table)

    for table in sorted(tables):
        visit(table, frozenset())
    return ordered


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


async def purge_guild(db: Database, guild_id: int) -> dict[str, int]:
    """Delete every row of a server in every table, in one transaction; returns rows deleted per table."""
    deleted: dict[str, int] = {}
    tables = await guild_tables(db)
    async with db.transaction() as tx:
        for table in tables:
            count = await tx.execute(f"DELETE FROM {_quote(table)} WHERE guild_id = ?", (guild_id,))  # noqa: S608 - names from the schema
            if count:
                deleted[table] = count
    return deleted
