"""Per-member settings kept by the bot (currently the member's timezone)."""

from __future__ import annotations

import zoneinfo
from datetime import datetime

from bot.db import Database, Transaction
from bot.services.guild_config import GuildSettings
from bot.timeutil import iso, resolve_timezone

__all__ = ["member_zone", "set_member_timezone"]


async def set_member_timezone(db: Database, guild_id: int, user_id: int, timezone: str, now: datetime) -> str:
    """Validate and store a member's IANA timezone; returns the canonical name."""
    zone = resolve_timezone(timezone)
    await db.execute(
        """
        INSERT INTO member_settings (guild_id, user_id, timezone, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (guild_id, user_id) DO UPDATE SET timezone = excluded.timezone, updated_at = excluded.updated_at
        """,
        (guild_id, user_id, zone.key, iso(now), iso(now)),
    )
    return zone.key


async def member_zone(db: Database | Transaction, guild_id: int, user_id: int) -> zoneinfo.ZoneInfo:
    """The member's timezone, else the server's, else UTC — in one query (it is on every /progress hot path)."""
    row = await db.fetch_one(
        """
        SELECT (SELECT timezone FROM member_settings WHERE guild_id = ? AND user_id = ?) AS member,
               (SELECT timezone FROM guild_settings WHERE guild_id = ?) AS guild
        """,
        (guild_id, user_id, guild_id),
    )
    name = None if row is None else (row["member"] or row["guild"])
    return zoneinfo.ZoneInfo(name or GuildSettings(guild_id).timezone)
