"""Per-server settings and the notices the bot keeps for moderators."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.db import Database, Row, Transaction
from bot.timeutil import iso

__all__ = ["CHANNEL_PURPOSES", "GuildSettings", "add_notice", "ensure_guild", "get_settings", "take_notices"]

# purpose name (as moderators type it) → column
CHANNEL_PURPOSES = {
    "prompts": "prompts_channel_id",
    "mentoring": "mentoring_channel_id",
    "checkins": "checkins_channel_id",
    "mod-log": "modlog_channel_id",
}


@dataclass(frozen=True, slots=True)
class GuildSettings:
    """One server's settings, with defaults for a server the bot has not stored yet."""

    guild_id: int
    timezone: str = "UTC"
    prompts_channel_id: int | None = None
    mentoring_channel_id: int | None = None
    checkins_channel_id: int | None = None
    modlog_channel_id: int | None = None
    mod_role_id: int | None = None
    grace_minutes: int = 360
    proposal_expiry_days: int = 3

    @classmethod
    def from_row(cls, row: Row) -> GuildSettings:
        """Build from a ``guild_settings`` row."""
        return cls(
            guild_id=row["guild_id"],
            timezone=row["timezone"],
            prompts_channel_id=row["prompts_channel_id"],
            mentoring_channel_id=row["mentoring_channel_id"],
            checkins_channel_id=row["checkins_channel_id"],
            modlog_channel_id=row["modlog_channel_id"],
            mod_role_id=row["mod_role_id"],
            grace_minutes=row["grace_minutes"],
            proposal_expiry_days=row["proposal_expiry_days"],
        )

    def channel_for(self, purpose: str) -> int | None:
        """The channel id configured for a purpose (prompts, mentoring, checkins, mod-log)."""
        return getattr(self, CHANNEL_PURPOSES[purpose])  # type: ignore[no-any-return]


async def get_settings(db: Database | Transaction, guild_id: int) -> GuildSettings:
    """The server's settings (defaults when none are stored)."""
    row = await db.fetch_one("SELECT * FROM guild_settings WHERE guild_id = ?", (guild_id,))
    return GuildSettings(guild_id) if row is None else GuildSettings.from_row(row)


async def ensure_guild(tx: Transaction, guild_id: int, now: datetime) -> None:
    """Create the server's settings row if it is missing (inside the caller's transaction)."""
    await tx.execute(
        "INSERT INTO guild_settings (guild_id, created_at, updated_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
        (guild_id, iso(now), iso(now)),
    )


async def add_notice(db: Database, guild_id: int, text: str, now: datetime) -> None:
    """Keep a notice for moderators, shown at their next /admin use when no mod-log channel is set."""
    await db.execute(
        "INSERT INTO moderator_notices (guild_id, text, created_at) VALUES (?, ?, ?)",
        (guild_id, text[:1000], iso(now)),
    )


async def take_notices(db: Database, guild_id: int, now: datetime) -> list[str]:
    """Undelivered notices for a server, oldest first, marked delivered."""
    async with db.transaction() as tx:
        rows = await tx.fetch_all(
            "SELECT id, text FROM moderator_notices WHERE guild_id = ? AND delivered_at IS NULL ORDER BY id",
            (guild_id,),
        )
        if rows:
            await tx.execute(
                "UPDATE moderator_notices SET delivered_at = ? WHERE guild_id = ? AND delivered_at IS NULL",
                (iso(now), guild_id),
            )
        return [r["text"] for r in rows]
