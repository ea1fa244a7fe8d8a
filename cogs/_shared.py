"""Glue shared by several cogs: the moderator check, autocompletes and audit posting."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands

from bot.services import guild_config
from bot.services.audit import AuditEntry
from bot.timeutil import discord_timestamp, valid_timezones

if TYPE_CHECKING:
    from bot.client import PMOBot

__all__ = ["NO_MENTIONS", "is_moderator", "post_audit", "require_moderator", "timezone_autocomplete"]

log = logging.getLogger(__name__)

NO_MENTIONS = discord.AllowedMentions.none()
MAX_CHOICES = 25
_POPULAR_ZONES = (
    "UTC", "Europe/London", "Europe/Dublin", "Europe/Paris", "Europe/Berlin", "Africa/Lagos", "Africa/Johannesburg",
    "Asia/Dubai", "Asia/Kolkata", "Asia/Singapore", "Asia/Tokyo", "Australia/Sydney", "Pacific/Auckland",
    "America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles", "America/Toronto",
    "America/Sao_Paulo",
)  # fmt: skip


async def is_moderator(interaction: discord.Interaction[PMOBot]) -> bool:
    """Manage Server in this channel, or the server's configured moderator role (checked at run time)."""
    if interaction.guild_id is None:
        return False
    if interaction.permissions.manage_guild:
        return True
    settings = await guild_config.get_settings(interaction.client.db, interaction.guild_id)
    roles = getattr(interaction.user, "roles", [])
    return settings.mod_role_id is not None and any(role.id == settings.mod_role_id for role in roles)


async def require_moderator(interaction: discord.Interaction[PMOBot]) -> bool:
    """The one check every moderator command uses; raises CheckFailure with what is needed."""
    if interaction.guild_id is None:
        raise app_commands.NoPrivateMessage()
    if await is_moderator(interaction):
        return True
    raise app_commands.CheckFailure(
        "This is a moderator command: you need the Manage Server permission or the server's moderator role "
        "(set with /admin config set-mod-role)."
    )


async def timezone_autocomplete(interaction: discord.Interaction[Any], current: str) -> list[app_commands.Choice[str]]:
    """IANA zone names matching what was typed: prefix matches first, then substring matches (≤ 25)."""
    typed = current.strip().lower().replace(" ", "_")
    if not typed:
        return [app_commands.Choice(name=z, value=z) for z in _POPULAR_ZONES][:MAX_CHOICES]
    zones = sorted(valid_timezones())
    prefix = [z for z in zones if z.lower().startswith(typed) or z.lower().split("/")[-1].startswith(typed)]
    rest = [z for z in zones if typed in z.lower() and z not in prefix]
    return [app_commands.Choice(name=z, value=z) for z in (prefix + rest)[:MAX_CHOICES]]


def _short(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 300 else text[:297] + "…"


async def post_audit(bot: PMOBot, entry: AuditEntry) -> None:
    """Post an audit entry to the server's mod-log channel when one is set (never pings anyone)."""
    settings = await guild_config.get_settings(bot.db, entry.guild_id)
    if settings.modlog_channel_id is None:
        return
    lines = [f"**{entry.action}** by <@{entry.actor_id}> {discord_timestamp(entry.created_at, 'R')}"]
    if entry.target:
        lines.append(f"Target: {_short(entry.target)}")
    if entry.before is not None:
        lines.append(f"Before: {_short(entry.before)}")
    if entry.after is not None:
        lines.append(f"After: {_short(entry.after)}")
    channel = bot.get_partial_messageable(settings.modlog_channel_id, guild_id=entry.guild_id)
    try:
        await channel.send("\n".join(lines)[:2000], allowed_mentions=NO_MENTIONS)
    except discord.HTTPException as exc:
        log.warning("Could not post an audit entry to the mod-log of guild %s: %s", entry.guild_id, exc)
