"""/admin config: see every server setting and what runs next; set channels, timezone and the moderator role."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.errors import ValidationError
from bot.services import guild_config
from bot.services.guild_config import CHANNEL_PURPOSES, GuildSettings, UpcomingRun
from bot.timeutil import discord_timestamp
from bot.tree import send_ephemeral
from cogs._shared import deliver_notices, post_audit, timezone_autocomplete

if TYPE_CHECKING:
    from bot.client import PMOBot
    from cogs._shared import AdminMixinBase
else:
    AdminMixinBase = object

log = logging.getLogger(__name__)

AnyChannel = app_commands.AppCommandChannel | app_commands.AppCommandThread
_PURPOSE_LABELS = {
    "prompts": "Daily prompts",
    "mentoring": "Mentoring (private threads for pairs)",
    "checkins": "Check-ins (fallback when DMs are closed)",
    "mod-log": "Mod-log (audit posts and failures)",
}


class AnyChannelOption(app_commands.Transformer):
    """A channel option that lets moderators pick any channel, so a wrong kind gets a clear reason, not a
    silent failure; the command checks the kind and the bot's permissions itself."""

    @property
    def type(self) -> discord.AppCommandOptionType:
        """Discord's channel option type."""
        return discord.AppCommandOptionType.channel

    async def transform(self, interaction: discord.Interaction[Any], value: Any, /) -> Any:
        """Hand the resolved channel through unchanged."""
        return value


def bot_permissions_in(interaction: discord.Interaction[PMOBot], channel_id: int) -> set[str] | None:
    """The permission names the bot holds in a channel of this server, or None when the channel is not cached."""
    guild = interaction.guild
    if guild is None:
        return None
    channel = guild.get_channel_or_thread(channel_id)
    if channel is None:
        return None
    permissions = channel.permissions_for(guild.me)
    # getattr, not iteration: iterating Permissions skips aliases such as view_channel.
    return {name for name in guild_config.PERMISSION_NAMES if getattr(permissions, name, False)}


def _channel_type_name(channel: AnyChannel) -> str:
    return channel.type.name if isinstance(channel.type, discord.ChannelType) else str(channel.type)


def _channel_line(interaction: discord.Interaction[PMOBot], purpose: str, channel_id: int | None) -> str:
    label = _PURPOSE_LABELS[purpose]
    if channel_id is None:
        return f"**{label}:** not set"
    guild = interaction.guild
    channel = guild.get_channel(channel_id) if guild else None
    if channel is None:
        return f"**{label}:** <#{channel_id}> ⚠️ deleted, or I can't see it"
    granted = bot_permissions_in(interaction, channel_id)
    try:
        missing = guild_config.check_channel(
            purpose, name=channel.name, channel_type=channel.type.value, type_name=channel.type.name, granted=granted
        )
    except ValidationError as exc:
        return f"**{label}:** <#{channel_id}> ⚠️ {exc.message}"
    warning = f" ⚠️ I'm missing {', '.join(missing)} there" if missing else ""
    return f"**{label}:** <#{channel_id}>{warning}"


def _run_line(bot: PMOBot, run: UpcomingRun) -> str:
    what = bot.scheduler.describe(run.kind)
    if run.scope == "member":
        what = f"{run.count} member {what}{'s' if run.count != 1 else ''}"
    elif run.scope == "one-off" and run.count > 1:
        what = f"{what} ×{run.count}"
    where = f" in <#{run.channel_id}>" if run.channel_id else ""
    if run.next_at is None:
        state = f"paused — {run.paused_reason}" if run.paused_reason else "waiting to be scheduled"
        return f"• {what}{where}: {state}"
    when = f"{discord_timestamp(run.next_at, 'F')} ({discord_timestamp(run.next_at, 'R')})"
    return f"• {what}{where}: next {when}"


def settings_embed(
    interaction: discord.Interaction[PMOBot], settings: GuildSettings, runs: list[UpcomingRun]
) -> discord.Embed:
    """The /admin config show embed: every setting, with warnings, and the next scheduled runs."""
    embed = discord.Embed(title="Server settings", colour=discord.Colour.blurple())
    grace = settings.grace_minutes
    embed.add_field(name="Timezone", value=settings.timezone, inline=True)
    role = f"<@&{settings.mod_role_id}>" if settings.mod_role_id else "none (only Manage Server)"
    embed.add_field(name="Moderator role", value=role, inline=True)
    embed.add_field(
        name="Timing",
        value=(
            f"Missed posts are still sent up to {grace // 60} h {grace % 60:02d} min late.\n"
            f"Mentoring proposals expire after {settings.proposal_expiry_days} days."
        ),
        inline=False,
    )
    lines = [_channel_line(interaction, p, settings.channel_for(p)) for p in CHANNEL_PURPOSES]
    embed.add_field(name="Channels", value="\n".join(lines)[:1024], inline=False)
    run_lines: list[str] = []
    for run in runs:
        line = _run_line(interaction.client, run)
        if sum(len(x) + 1 for x in run_lines) + len(line) > 1000:
            run_lines.append("…")
            break
        run_lines.append(line)
    embed.add_field(name="Next scheduled runs", value="\n".join(run_lines) or "Nothing scheduled yet.", inline=False)
    embed.set_footer(
        text="Change these with /admin config set-channel, set-timezone, set-mod-role, set-grace and "
        "set-proposal-expiry."
    )
    return embed


class ConfigAdmin(AdminMixinBase):
    """/admin config (a mixin of AdminCog; the moderator check is AdminCog.interaction_check)."""

    bot: PMOBot

    config = app_commands.Group(name="config", description="Server settings: channels, timezone, moderator role.")

    @config.command(name="show")
    async def config_show(self, interaction: discord.Interaction[PMOBot]) -> None:
        """Every server setting and the next scheduled runs."""
        assert interaction.guild_id is not None  # noqa: S101 - AdminCog is guild-only
        settings = await guild_config.get_settings(self.bot.db, interaction.guild_id)
        runs = await guild_config.upcoming_runs(self.bot.db, interaction.guild_id, self.bot.clock.now())
        await send_ephemeral(interaction, embed=settings_embed(interaction, settings, runs))

    @config.command(name="set-channel")
    @app_commands.describe(purpose="What the channel is for", channel="A text channel I can post in")
    @app_commands.choices(purpose=[app_commands.Choice(name=p, value=p) for p in CHANNEL_PURPOSES])
    async def config_set_channel(
        self,
        interaction: discord.Interaction[PMOBot],
        purpose: str,
        channel: app_commands.Transform[AnyChannel, AnyChannelOption],
    ) -> None:
        """Choose the channel for prompts, mentoring, check-ins or the mod-log."""
        assert interaction.guild_id is not None  # noqa: S101 - AdminCog is guild-only
        if channel.guild_id != interaction.guild_id:
            raise ValidationError("That channel is not in this server.")
        missing = guild_config.check_channel(
            purpose,
            name=channel.name,
            channel_type=channel.type.value,
            type_name=_channel_type_name(channel),
            granted=bot_permissions_in(interaction, channel.id),
        )
        change = await guild_config.set_channel(
            self.bot.db,
            guild_id=interaction.guild_id,
            purpose=purpose,
            channel_id=channel.id,
            actor_id=interaction.user.id,
            now=self.bot.clock.now(),
        )
        await post_audit(self.bot, change.entry)
        label = _PURPOSE_LABELS[guild_config.check_purpose(purpose)]
        if change.changed:
            text = f"**{label}** now uses <#{channel.id}>."
        else:
            text = f"**{label}** already uses <#{channel.id}>; nothing changed."
        if missing:
            text += (
                f"\n⚠️ I'm missing {', '.join(missing)} in <#{channel.id}>. Give my role those permissions in the "
                "channel's settings, or some posts will fail."
            )
        elif bot_permissions_in(interaction, channel.id) is None:
            text += "\nI couldn't check my permissions there; /admin config show will warn if something is missing."
        await send_ephemeral(interaction, text)

    @config.command(name="set-timezone")
    @app_commands.describe(timezone="IANA timezone, e.g. Europe/London (suggested as you type)")
    @app_commands.autocomplete(timezone=timezone_autocomplete)
    async def config_set_timezone(
        self, interaction: discord.Interaction[PMOBot], timezone: app_commands.Range[str, 1, 64]
    ) -> None:
        """Set the server's timezone (used for server schedules and members without their own)."""
        assert interaction.guild_id is not None  # noqa: S101 - AdminCog is guild-only
        change = await guild_config.set_timezone(
            self.bot.db,
            guild_id=interaction.guild_id,
            timezone=timezone,
            actor_id=interaction.user.id,
            now=self.bot.clock.now(),
        )
        await post_audit(self.bot, change.entry)
        zone = change.settings.timezone
        text = f"The server's timezone is now **{zone}**." if change.changed else f"The timezone is already **{zone}**."
        await send_ephemeral(interaction, text)

    @config.command(name="set-mod-role")
    @app_commands.describe(role="The role that may use /admin besides Manage Server; leave empty to remove it")
    async def config_set_mod_role(
        self, interaction: discord.Interaction[PMOBot], role: discord.Role | None = None
    ) -> None:
        """Choose an extra role that may use /admin (or remove it)."""
        assert interaction.guild_id is not None  # noqa: S101 - AdminCog is guild-only
        if role is not None:
            if role.guild.id != interaction.guild_id:
                raise ValidationError("That role is not in this server.")
            guild_config.check_mod_role(name=role.name, is_default=role.is_default(), is_managed=role.managed)
        change = await guild_config.set_mod_role(
            self.bot.db,
            guild_id=interaction.guild_id,
            role_id=None if role is None else role.id,
            actor_id=interaction.user.id,
            now=self.bot.clock.now(),
        )
        await post_audit(self.bot, change.entry)
        if role is None:
            text = "Removed the moderator role: only members with Manage Server can use /admin now."
            if not change.changed:
                text = "No moderator role was set; only members with Manage Server can use /admin."
        elif change.changed:
            text = f"Members with {role.mention} can now use /admin."
        else:
            text = f"{role.mention} is already the moderator role; nothing changed."
        await send_ephemeral(interaction, text)

    @config.command(name="set-grace")
    @app_commands.describe(hours="Hours late a missed post may still go out (0–168)")
    async def config_set_grace(
        self, interaction: discord.Interaction[PMOBot], hours: app_commands.Range[int, 0, guild_config.MAX_GRACE_HOURS]
    ) -> None:
        """How late a missed scheduled post may still be sent (default 6 h)."""
        assert interaction.guild_id is not None  # noqa: S101 - AdminCog is guild-only
        change = await guild_config.set_grace(
            self.bot.db,
            guild_id=interaction.guild_id,
            hours=hours,
            actor_id=interaction.user.id,
            now=self.bot.clock.now(),
        )
        await post_audit(self.bot, change.entry)
        verb = "is now" if change.changed else "is already"
        await send_ephemeral(interaction, f"The grace window for missed posts {verb} **{hours} h**.")

    @config.command(name="set-proposal-expiry")
    @app_commands.describe(days="Days a mentor has to answer (1–30)")
    async def config_set_proposal_expiry(
        self,
        interaction: discord.Interaction[PMOBot],
        days: app_commands.Range[int, 1, guild_config.MAX_PROPOSAL_DAYS],
    ) -> None:
        """When unanswered mentoring proposals expire (default 3 days)."""
        assert interaction.guild_id is not None  # noqa: S101 - AdminCog is guild-only
        change = await guild_config.set_proposal_expiry(
            self.bot.db,
            guild_id=interaction.guild_id,
            days=days,
            actor_id=interaction.user.id,
            now=self.bot.clock.now(),
        )
        await post_audit(self.bot, change.entry)
        verb = "now expire" if change.changed else "already expire"
        await send_ephemeral(interaction, f"New mentoring proposals {verb} after **{days} days**.")

    @commands.Cog.listener("on_app_command_completion")
    async def deliver_notices_after_admin(
        self,
        interaction: discord.Interaction[PMOBot],
        command: app_commands.Command[Any, ..., Any] | app_commands.ContextMenu,
    ) -> None:
        """After any /admin command has answered, show the notices kept for moderators."""
        if not command.qualified_name.startswith("admin "):
            return
        try:
            await deliver_notices(interaction)
        except Exception:
            # Delivering notices must never turn a successful command into an error.
            log.exception("Delivering moderator notices failed in guild %s", interaction.guild_id)
