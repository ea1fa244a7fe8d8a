"""Stored schedules (recurring rules) and jobs (their occurrences and one-off timed work)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any

from bot.db import Database, Row, Transaction
from bot.recurrence import Rule, next_occurrence
from bot.shards import ShardSet
from bot.timeutil import from_unix, iso, to_unix

__all__ = [
    "Job",
    "Schedule",
    "add_job",
    "cancel_jobs",
    "claim_job",
    "claimed_jobs",
    "delete_schedule",
    "due_jobs",
    "finish_job",
    "get_schedule",
    "guild_grace_seconds",
    "materialize_due",
    "pause_schedule",
    "resume_schedule",
    "retry_job",
    "upsert_schedule",
]

PENDING, CLAIMED, SENT, SKIPPED, FAILED, CANCELLED = "pending", "claimed", "sent", "skipped", "failed", "cancelled"


@dataclass(frozen=True, slots=True)
class Schedule:
    """A recurring rule owned by a server (owner_id 0) or a member."""

    id: int
    guild_id: int
    kind: str
    owner_id: int
    channel_id: int | None
    rule: Rule
    paused: bool
    paused_reason: str | None
    payload: dict[str, Any]
    anchor_at: datetime

    @classmethod
    def from_row(cls, row: Row) -> Schedule:
        """Build from a ``schedules`` row."""
        hh, mm = row["local_time"].split(":")
        return cls(
            id=row["id"],
            guild_id=row["guild_id"],
            kind=row["kind"],
            owner_id=row["owner_id"],
            channel_id=row["channel_id"],
            rule=Rule(time(int(hh), int(mm)), row["days"], row["timezone"]),
            paused=bool(row["paused"]),
            paused_reason=row["paused_reason"],
            payload=json.loads(row["payload"]),
            anchor_at=from_unix(row["anchor_at"]),
        )


@dataclass(frozen=True, slots=True)
class Job:
    """One occurrence of a schedule, or a one-off timed job."""

    id: int
    guild_id: int
    schedule_id: int | None
    kind: str
    key: str
    due_at: datetime
    run_at: datetime
    status: str
    attempts: int
    late: bool
    last_error: str | None
    message_id: int | None
    payload: dict[str, Any]
    claimed_at: datetime | None

    @classmethod
    def from_row(cls, row: Row) -> Job:
        """Build from a ``jobs`` row."""
        return cls(
            id=row["id"],
            guild_id=row["guild_id"],
            schedule_id=row["schedule_id"],
            kind=row["kind"],
            key=row["key"],
            due_at=from_unix(row["due_at"]),
            run_at=from_unix(row["run_at"]),
            status=row["status"],
            attempts=row["attempts"],
            late=bool(row["late"]),
            last_error=row["last_error"],
            message_id=row["message_id"],
            payload=json.loads(row["payload"]),
            claimed_at=None if row["claimed_at"] is None else from_unix(row["claimed_at"]),
        )

    @property
    def nonce(self) -> str:
        """A deterministic Discord nonce (≤ 25 characters) for this occurrence, stable across restarts."""
        if self.schedule_id is not None:
            return f"s{self.schedule_id}.{to_unix(self.due_at)}"[:25]
        return f"j{self.id}"


async def upsert_schedule(
    db: Database,
    *,
    guild_id: int,
    kind: str,
    owner_id: int = 0,
    channel_id: int | None,
    rule: Rule,
    payload: dict[str, Any] | None = None,
    now: datetime,
) -> Schedule:
    """Create or replace the (guild, kind, owner) schedule; pending occurrences of the old rule are dropped."""
    async with db.transaction() as tx:
        await tx.execute(
            """
            INSERT INTO schedules (guild_id, kind, owner_id, channel_id, local_time, days, timezone, paused,
                                   paused_reason, payload, anchor_at, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, 0, NULL, ?, ?, ?, ?)
            ON CONFLICT (guild_id, kind, owner_id) DO UPDATE SET
                channel_id = excluded.channel_id, local_time = excluded.local_time, days = excluded.days,
                timezone = excluded.timezone, paused = 0, paused_reason = NULL, payload = excluded.payload,
                anchor_at = excluded.anchor_at, updated_at = excluded.updated_at
            """,
            (
                guild_id, kind, owner_id, channel_id, rule.at.strftime("%H:%M"), rule.days, rule.timezone,
                json.dumps(payload or {}), to_unix(now), iso(now), iso(now),
            ),
        )  # fmt: skip
        row = await tx.fetch_one(
            "SELECT * FROM schedules WHERE guild_id = ? AND kind = ? AND owner_id = ?", (guild_id, kind, owner_id)
        )
        if row is None:  # pragma: no cover - the upsert above guarantees the row
            raise RuntimeError("schedule upsert returned no row")
        await tx.execute("DELETE FROM jobs WHERE schedule_id = ? AND status = 'pending'", (row["id"],))
        return Schedule.from_row(row)


async def get_schedule(db: Database, guild_id: int, kind: str, owner_id: int = 0) -> Schedule | None:
    """The (guild, kind, owner) schedule, if any."""
    row = await db.fetch_one(
        "SELECT * FROM schedules WHERE guild_id = ? AND kind = ? AND owner_id = ?", (guild_id, kind, owner_id)
    )
    return None if row is None else Schedule.from_row(row)


async def delete_schedule(db: Database, guild_id: int, kind: str, owner_id: int = 0) -> bool:
    """Remove a schedule and its pending occurrences; history rows stay (schedule_id set NULL)."""
    async with db.transaction() as tx:
        row = await tx.fetch_one(
            "SELECT id FROM schedules WHERE guild_id = ? AND kind = ? AND owner_id = ?", (guild_id, kind, owner_id)
        )
        if row is None:
            return False
        await tx.execute("DELETE FROM jobs WHERE schedule_id = ? AND status = 'pending'", (row["id"],))
        await tx.execute("DELETE FROM schedules WHERE id = ?", (row["id"],))
        return True


async def pause_schedule(db: Database, schedule_id: int, reason: str, now: datetime) -> None:
    """Stop a schedule from producing occurrences; its pending ones are dropped."""
    async with db.transaction() as tx:
        await tx.execute(
            "UPDATE schedules SET paused = 1, paused_reason = ?, updated_at = ? WHERE id = ?",
            (reason, iso(now), schedule_id),
        )
        await tx.execute("DELETE FROM jobs WHERE schedule_id = ? AND status = 'pending'", (schedule_id,))


async def resume_schedule(db: Database, schedule_id: int, now: datetime) -> None:
    """Restart a paused schedule from now on (nothing from the paused period is sent)."""
    await db.execute(
        "UPDATE schedules SET paused = 0, paused_reason = NULL, anchor_at = ?, updated_at = ? WHERE id = ?",
        (to_unix(now), iso(now), schedule_id),
    )


async def add_job(
    db: Database | Transaction,
    *,
    guild_id: int,
    kind: str,
    key: str,
    due: datetime,
    payload: dict[str, Any] | None = None,
    now: datetime,
) -> bool:
    """Add a one-off job; a job with the same key already present makes this a no-op (returns False)."""
    sql = """
        INSERT INTO jobs (guild_id, kind, key, due_at, run_at, payload, created_at)
        VALUES (?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (key) DO NOTHING
    """
    params = (guild_id, kind, key, to_unix(due), to_unix(due), json.dumps(payload or {}), iso(now))
    return bool(await db.execute(sql, params))


async def cancel_jobs(db: Database | Transaction, *, key_prefix: str) -> int:
    """Cancel pending jobs whose key starts with ``key_prefix``."""
    return await db.execute(
        "UPDATE jobs SET status = 'cancelled' WHERE status = 'pending' AND key >= ? AND key < ?",
        (key_prefix, key_prefix + "\U0010ffff"),
    )


async def materialize_due(
    db: Database, now: datetime, horizon_seconds: int = 0, *, shards: ShardSet | None = None
) -> int:
    """Give every active schedule without an open occurrence its next one; return how many were added.

    The next occurrence follows the latest existing one (so a long outage walks through every missed date,
    each then sent late or recorded as skipped) but never precedes the schedule's anchor. With ``shards``,
    only the schedules of those shards' servers.
    """
    rows = await db.fetch_all(
        f"""
        SELECT s.*, (SELECT MAX(j.due_at) FROM jobs j WHERE j.schedule_id = s.id) AS last_due
        FROM schedules s
        WHERE s.paused = 0 AND {_owned(shards, "s.guild_id")}
          AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.schedule_id = s.id AND j.status IN ('pending', 'claimed'))
        """  # noqa: S608 - the shard condition is built from integers
    )
    added = 0
    for row in rows:
        schedule = Schedule.from_row(row)
        base = max(row["last_due"] or 0, row["anchor_at"])
        due = next_occurrence(schedule.rule, from_unix(base))
        async with db.transaction() as tx:
            inserted = await tx.execute(
                """
                INSERT INTO jobs (guild_id, schedule_id, kind, key, due_at, run_at, payload, created_at)
                VALUES (?, ?, ?, ?, ?, ?, '{}', ?)
                ON CONFLICT DO NOTHING
                """,
                (
                    schedule.guild_id, schedule.id, schedule.kind, f"s{schedule.id}:{to_unix(due)}",
                    to_unix(due), to_unix(due), iso(now),
                ),
            )  # fmt: skip
            added += 1 if inserted else 0
    return added


async def due_jobs(db: Database, now: datetime, limit: int = 50, *, shards: ShardSet | None = None) -> list[Job]:
    """Open jobs whose run time has come, earliest first (with ``shards``, of those shards' servers only)."""
    rows = await db.fetch_all(
        f"""
        SELECT * FROM jobs WHERE status IN ('pending', 'claimed') AND run_at <= ? AND {_owned(shards)}
        ORDER BY run_at, id LIMIT ?
        """,  # noqa: S608 - the shard condition is built from integers
        (to_unix(now), limit),
    )
    return [Job.from_row(r) for r in rows]


async def claim_job(db: Database, job_id: int, now: datetime) -> Job | None:
    """Mark a job claimed (attempts + 1) in one IMMEDIATE transaction; None if it is no longer open."""
    async with db.transaction() as tx:
        changed = await tx.execute(
            """
            UPDATE jobs SET status = 'claimed', attempts = attempts + 1, claimed_at = ?
            WHERE id = ? AND status IN ('pending', 'claimed')
            """,
            (to_unix(now), job_id),
        )
        if not changed:
            return None
        row = await tx.fetch_one("SELECT * FROM jobs WHERE id = ?", (job_id,))
        return None if row is None else Job.from_row(row)


async def finish_job(
    db: Database,
    job_id: int,
    status: str,
    now: datetime,
    *,
    message_id: int | None = None,
    error: str | None = None,
    late: bool = False,
) -> None:
    """Record a job's final state."""
    await db.execute(
        """
        UPDATE jobs SET status = ?, message_id = COALESCE(?, message_id), last_error = COALESCE(?, last_error),
                        late = ?, finished_at = ?
        WHERE id = ?
        """,
        (status, message_id, error, int(late), to_unix(now), job_id),
    )


async def retry_job(db: Database, job_id: int, run_at: datetime, error: str) -> None:
    """Put a claimed job back to pending, to run again at ``run_at``."""
    await db.execute(
        "UPDATE jobs SET status = 'pending', run_at = ?, last_error = ? WHERE id = ?",
        (to_unix(run_at), error[:500], job_id),
    )


async def claimed_jobs(db: Database, *, shards: ShardSet | None = None) -> list[Job]:
    """Jobs left claimed (by a crash, when called at start-up); they stay claimed, keeping their nonce."""
    rows = await db.fetch_all(f"SELECT * FROM jobs WHERE status = 'claimed' AND {_owned(shards)}")  # noqa: S608
    return [Job.from_row(r) for r in rows]


def _owned(shards: ShardSet | None, column: str = "guild_id") -> str:
    return "1 = 1" if shards is None else shards.sql(column)


async def guild_grace_seconds(db: Database, guild_id: int) -> int:
    """How late a missed post may still be sent for this server (default 6 h)."""
    value = await db.fetch_value("SELECT grace_minutes FROM guild_settings WHERE guild_id = ?", (guild_id,))
    return 60 * (360 if value is None else int(value))
