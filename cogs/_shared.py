"""Glue shared by several cogs: the moderator check, moderator notices, autocompletes and audit rendering."""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands

from bot import ranking
from bot.errors import ValidationError
from bot.services import guild_config
from bot.services.audit import AuditEntry
from bot.timeutil import discord_timestamp, valid_timezones

if TYPE_CHECKING:
    from discord.ext.commands import GroupCog

    from bot.client import PMOBot

    # What the /admin mixins are, for the type checker: parts of AdminCog (a GroupCog). At run time they are
    # plain classes, so only AdminCog itself is a cog.
    AdminMixinBase = GroupCog

__all__ = [
    "MODERATOR_NEEDED",
    "NO_MENTIONS",
    "deliver_notices",
    "is_moderator",
    "post_audit",
    "render_audit_entry",
    "render_audit_value",
    "require_moderator",
    "timezone_autocomplete",
]

log = logging.getLogger(__name__)

NO_MENTIONS = discord.AllowedMentions.none()
MAX_CHOICES = 25
MESSAGE_LIMIT = 2000
# The denial every moderator command gives; tests tell a permission refusal from a validation error by it.
MODERATOR_NEEDED = (
    "This is a moderator command: you need the Manage Server permission or the server's moderator role "
    "(a server admin sets it with /admin config set-mod-role)."
)
_POPULAR_ZONES = (
    "UTC", "Europe/London", "Europe/Dublin", "Europe/Paris", "Europe/Berlin", "Africa/Lagos", "Africa/Johannesburg",
    "Asia/Dubai", "Asia/Kolkata", "Asia/Singapore", "Asia/Tokyo", "Australia/Sydney", "Pacific/Auckland",
    "America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles", "America/Toronto",
    "America/Sao_Paulo",
)  # fmt: skip


async def is_moderator(interaction: discord.Interaction[PMOBot]) -> bool:
    """Manage Server (or Administrator), or the server's configured moderator role — checked at run time.

    The command's default permission is only a hint that server admins can change in Integrations settings,
    so this is the real gate.
    """
    if interaction.guild_id is None:
        return False
    permissions = interaction.permissions
    if permissions.manage_guild or permissions.administrator:
        return True
    settings = await guild_config.get_settings(interaction.client.db, interaction.guild_id)
    if settings.mod_role_id is None:
        return False
    roles = getattr(interaction.user, "roles", [])
    return any(role.id == settings.mod_role_id for role in roles)


async def require_moderator(interaction: discord.Interaction[PMOBot]) -> bool:
    """The one check every moderator command and moderator button uses; raises CheckFailure saying what is needed."""
    if interaction.guild_id is None:
        raise app_commands.NoPrivateMessage()
    if await is_moderator(interaction):
        return True
    log.info(
        "Refused a moderator action to user %s in guild %s (%s)",
        interaction.user.id,
        interaction.guild_id,
        interaction.command.qualified_name if interaction.command else "component",
    )
    raise app_commands.CheckFailure(MODERATOR_NEEDED)


async def deliver_notices(interaction: discord.Interaction[PMOBot]) -> int:
    """Show a moderator the notices kept for them (failures the bot could not post to a mod-log) after a reply.

    Sent as extra private follow-ups once the command has answered; a modal answer cannot take follow-ups, so
    the notices then wait for the next /admin use. Returns how many were shown.
    """
    guild_id = interaction.guild_id
    response = interaction.response
    if guild_id is None or not response.is_done() or response.type == discord.InteractionResponseType.modal:
        return 0
    bot = interaction.client
    if not await guild_config.pending_notice_count(bot.db, guild_id):
        return 0
    notices = await guild_config.take_notices(bot.db, guild_id, bot.clock.now())
    chunks: list[str] = []
    current = "**While you were away** (set a mod-log channel with /admin config set-channel to get these at once):"
    for notice in dict.fromkeys(notices):  # the same failure reported twice is shown once
        line = f"\n• {notice}"
        if len(current) + len(line) > MESSAGE_LIMIT:
            chunks.append(current)
            current = line.lstrip("\n")[:MESSAGE_LIMIT]
        else:
            current += line
    chunks.append(current)
    try:
        for chunk in chunks:
            await interaction.followup.send(chunk, ephemeral=True, allowed_mentions=NO_MENTIONS)
    except discord.HTTPException as exc:
        # They were marked delivered; put them back so they are not lost.
        log.warning("Could not show %d moderator notices in guild %s: %s", len(notices), guild_id, exc)
        for notice in notices:
            await guild_config.add_notice(bot.db, guild_id, notice, bot.clock.now())
        return 0
    return len(notices)


@lru_cache(maxsize=1)
def _zone_items() -> tuple[tuple[str, tuple[str]], ...]:
    return tuple((zone, (zone,)) for zone in sorted(valid_timezones()))


async def timezone_autocomplete(interaction: discord.Interaction[Any], current: str) -> list[app_commands.Choice[str]]:
    """IANA zone names in :func:`bot.ranking.rank` order ("new_y" finds America/New_York; ≤ 25)."""
    if not current.strip():
        return [app_commands.Choice(name=z, value=z) for z in _POPULAR_ZONES][:MAX_CHOICES]
    return [
        app_commands.Choice(name=m.name, value=m.key) for m in ranking.rank(current, _zone_items(), limit=MAX_CHOICES)
    ]


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _render_scalar(key: str, value: Any) -> str:
    if value is None or value == "":
        return "not set"
    if key.endswith("channel_id"):
        return f"<#{value}>"
    if key.endswith("role_id"):
        return f"<@&{value}>"
    if key.endswith(("user_id", "member_id", "mentor_id", "mentee_id")):
        return f"<@{value}>"
    return str(value)


def render_audit_value(value: Any, *, limit: int = 300) -> str:
    """An audit before/after value for people: ids as mentions (sent without pings), dicts as ``key: value``."""
    if isinstance(value, dict):
        if len(value) == 1:
            ((key, inner),) = value.items()
            text = _render_scalar(str(key), inner)
        else:
            text = ", ".join(f"{key}: {_render_scalar(str(key), inner)}" for key, inner in value.items())
    elif isinstance(value, list):
        text = ", ".join(str(item) for item in value) or "none"
    else:
        text = _render_scalar("", value)
    return _short(text, limit)


def render_audit_entry(entry: AuditEntry, *, limit: int = 300) -> str:
    """Who, when and before → after, on two or three lines."""
    lines = [f"by <@{entry.actor_id}> {discord_timestamp(entry.created_at, 'f')}"]
    if entry.before is not None or entry.after is not None:
        before = "—" if entry.before is None else render_audit_value(entry.before, limit=limit)
        after = "—" if entry.after is None else render_audit_value(entry.after, limit=limit)
        lines.append(f"{before} → {after}")
    return "\n".join(lines)


async def post_audit(bot: PMOBot, entry: AuditEntry | None) -> None:
    """Post an audit entry to the server's mod-log channel when one is set (never pings anyone)."""
    if entry is None:
        return
    settings = await guild_config.get_settings(bot.db, entry.guild_id)
    if settings.modlog_channel_id is None:
        return
    title = f"**{entry.action}**" + (f" · {_short(entry.target, 200)}" if entry.target else "")
    text = f"{title}\n{render_audit_entry(entry, limit=800)}"
    channel = bot.get_partial_messageable(settings.modlog_channel_id, guild_id=entry.guild_id)
    try:
        await channel.send(text[:MESSAGE_LIMIT], allowed_mentions=NO_MENTIONS)
    except discord.HTTPException as exc:
        log.warning("Could not post an audit entry to the mod-log of guild %s: %s", entry.guild_id, exc)
        await guild_config.add_notice(
            bot.db,
            entry.guild_id,
            f"I could not post to the mod-log channel <#{settings.modlog_channel_id}> (HTTP {exc.status}). "
            "Check that I can view it and send messages there.",
            bot.clock.now(),
        )


async def read_upload(interaction: discord.Interaction[PMOBot], file: discord.Attachment, *, max_bytes: int) -> bytes:
    """Check an uploaded file's size, defer (a download can pass the 3-second limit) and download it.

    A file over ``max_bytes`` or a failed download from Discord becomes a plain ValidationError.
    """
    if file.size > max_bytes:
        raise ValidationError(
            f"The file is {file.size // 1024} KB; imports are limited to {max_bytes // 1024} KB — split it into "
            "smaller files."
        )
    await interaction.response.defer(ephemeral=True, thinking=True)
    try:
        return await file.read()
    except discord.HTTPException as exc:
        log.warning("Could not download an upload in guild %s: %s", interaction.guild_id, exc)
        raise ValidationError("I couldn't download that file from Discord; please try again.") from exc
