"""The audit log of moderator actions: who did what, before → after, when."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.db import Database, Row, Transaction
from bot.timeutil import iso, parse_iso

__all__ = ["AuditEntry", "recent_actions", "record_action"]


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One recorded moderator action."""

    id: int
    guild_id: int
    actor_id: int
    action: str
    target: str | None
    before: Any
    after: Any
    created_at: datetime

    @classmethod
    def from_row(cls, row: Row) -> AuditEntry:
        """Build from an ``audit_log`` row."""
        return cls(
            id=row["id"],
            guild_id=row["guild_id"],
            actor_id=row["actor_id"],
            action=row["action"],
            target=row["target"],
            before=None if row["before_json"] is None else json.loads(row["before_json"]),
            after=None if row["after_json"] is None else json.loads(row["after_json"]),
            created_at=parse_iso(row["created_at"]),
        )


async def record_action(
    db: Database | Transaction,
    *,
    guild_id: int,
    actor_id: int,
    action: str,
    target: str | None = None,
    before: Any = None,
    after: Any = None,
    now: datetime,
) -> AuditEntry:
    """Write one audit row (call inside the transaction that makes the change, so both land or neither)."""
    before_json = None if before is None else json.dumps(before, sort_keys=True, default=str)
    after_json = None if after is None else json.dumps(after, sort_keys=True, default=str)
    row_id = await db.execute(
        """
        INSERT INTO audit_log (guild_id, actor_id, action, target, before_json, after_json, created_at)
        VALUES (?, ?, ?, ?, ?, ?, ?)
        """,
        (guild_id, actor_id, action, target, before_json, after_json, iso(now)),
    )
    return AuditEntry(row_id, guild_id, actor_id, action, target, before, after, now)


async def recent_actions(db: Database, guild_id: int, *, limit: int = 10, offset: int = 0) -> list[AuditEntry]:
    """The server's audit entries, newest first."""
    rows = await db.fetch_all(
        "SELECT * FROM audit_log WHERE guild_id = ? ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?",
        (guild_id, limit, offset),
    )
    return [AuditEntry.from_row(r) for r in rows]
