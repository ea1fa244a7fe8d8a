"""Per-member settings kept by the bot (currently the member's timezone)."""

from __future__ import annotations

import zoneinfo
from datetime import datetime

from bot.db import Database
from bot.services.guild_config import get_settings
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


async def member_zone(db: Database, guild_id: int, user_id: int) -> zoneinfo.ZoneInfo:
    """The member's timezone, else the server's, else UTC."""
    value = await db.fetch_value(
        "SELECT timezone FROM member_settings WHERE guild_id = ? AND user_id = ?", (guild_id, user_id)
    )
    if value:
        return zoneinfo.ZoneInfo(value)
    return zoneinfo.ZoneInfo((await get_settings(db, guild_id)).timezone)
