"""/admin stats and /admin audit (a mixin of AdminCog), and the per-day record of which job a member used."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.services import audit, stats
from bot.services.stats import ServerStats
from bot.timeutil import discord_timestamp
from bot.tree import AppView, send_ephemeral
from cogs._shared import render_audit_entry, require_moderator

if TYPE_CHECKING:
    from bot.client import PMOBot
    from cogs._shared import AdminMixinBase
else:
    AdminMixinBase = object

log = logging.getLogger(__name__)

AUDIT_PAGE = 8
# Keeps a full page under Discord's 6000-character embed total: 8 × (name ≤ 120 + value ≤ 600).
_ENTRY_NAME = 120
_ENTRY_VALUE = 600


def stats_embed(result: ServerStats) -> discord.Embed:
    """The /admin stats embed: one field per job, each figure as last 7 days · last 30 days."""
    embed = discord.Embed(
        title="How this server uses the bot",
        description=f"Counts for the **last 7 days · last 30 days**, as of {discord_timestamp(result.generated_at)}.",
        colour=discord.Colour.blurple(),
    )
    for section in result.sections:
        lines = [f"{figure.label}: **{figure.week}** · **{figure.month}**" for figure in section.figures]
        if section.note:
            lines.append(f"*{section.note}*")
        value = ""
        for line in lines or ["Nothing yet."]:
            if len(value) + len(line) + 1 > 1024:
                break
            value = f"{value}\n{line}" if value else line
        embed.add_field(name=section.title[:256], value=value, inline=False)
    embed.set_footer(text="Counts only: no member is named. Member activity is kept for 31 days.")
    return embed


def audit_embed(entries: list[audit.AuditEntry], page: int, has_older: bool) -> discord.Embed:
    """One page of the audit log, newest first."""
    embed = discord.Embed(title="Audit log", colour=discord.Colour.dark_grey())
    if not entries:
        embed.description = "No moderator changes have been recorded yet." if page == 0 else "No older entries."
    for entry in entries:
        name = entry.action + (f" · {entry.target}" if entry.target else "")
        value = render_audit_entry(entry, limit=250)
        embed.add_field(name=name[:_ENTRY_NAME], value=value[:_ENTRY_VALUE], inline=False)
    more = " · older entries →" if has_older else ""
    embed.set_footer(text=f"Page {page + 1}, newest first{more}")
    return embed


class AuditPager(AppView):
    """Newer / Older buttons on a private audit page; every press re-checks that the presser is a moderator."""

    def __init__(self, bot: PMOBot, guild_id: int, page: int = 0, has_older: bool = False) -> None:
        super().__init__(timeout=600)
        self.bot = bot
        self.guild_id = guild_id
        self.page = page
        self.newer.disabled = page == 0
        self.older.disabled = not has_older

    async def interaction_check(self, interaction: discord.Interaction[PMOBot]) -> bool:  # type: ignore[override]
        """The same moderator check as every /admin command."""
        return interaction.guild_id == self.guild_id and await require_moderator(interaction)

    async def show(self, interaction: discord.Interaction[PMOBot], page: int) -> None:
        """Replace the message with another page."""
        entries, has_older = await load_audit_page(self.bot, self.guild_id, page)
        self.page = page
        self.newer.disabled = page == 0
        self.older.disabled = not has_older
        await interaction.response.edit_message(embed=audit_embed(entries, page, has_older), view=self)

    @discord.ui.button(label="← Newer", style=discord.ButtonStyle.secondary, custom_id="admin:audit:newer")
    async def newer(self, interaction: discord.Interaction[PMOBot], button: discord.ui.Button[AuditPager]) -> None:
        """Go one page towards the newest entries."""
        await self.show(interaction, max(self.page - 1, 0))

    @discord.ui.button(label="Older →", style=discord.ButtonStyle.secondary, custom_id="admin:audit:older")
    async def older(self, interaction: discord.Interaction[PMOBot], button: discord.ui.Button[AuditPager]) -> None:
        """Go one page back in time."""
        await self.show(interaction, self.page + 1)


async def load_audit_page(bot: PMOBot, guild_id: int, page: int) -> tuple[list[audit.AuditEntry], bool]:
    """A page of entries and whether an older page exists (one extra row is read to know)."""
    rows = await audit.recent_actions(bot.db, guild_id, limit=AUDIT_PAGE + 1, offset=page * AUDIT_PAGE)
    return rows[:AUDIT_PAGE], len(rows) > AUDIT_PAGE


class InsightsAdmin(AdminMixinBase):
    """/admin stats and /admin audit (a mixin of AdminCog; the moderator check is AdminCog.interaction_check)."""

    bot: PMOBot

    @app_commands.command(name="stats")
    async def admin_stats(self, interaction: discord.Interaction[PMOBot]) -> None:
        """Engagement overview: members per job, FAQ, prompts, mentoring and progress (counts only)."""
        assert interaction.guild_id is not None  # noqa: S101 - AdminCog is guild-only
        await interaction.response.defer(ephemeral=True, thinking=True)
        result = await stats.server_stats(self.bot.db, interaction.guild_id, self.bot.clock.now())
        await send_ephemeral(interaction, embed=stats_embed(result))

    @app_commands.command(name="audit")
    async def admin_audit(self, interaction: discord.Interaction[PMOBot]) -> None:
        """Recent moderator changes, newest first, with who, when and before → after."""
        assert interaction.guild_id is not None  # noqa: S101 - AdminCog is guild-only
        entries, has_older = await load_audit_page(self.bot, interaction.guild_id, 0)
        view = AuditPager(self.bot, interaction.guild_id, 0, has_older)
        await send_ephemeral(interaction, embed=audit_embed(entries, 0, has_older), view=view)

    @commands.Cog.listener("on_app_command_completion")
    async def record_command_use(
        self,
        interaction: discord.Interaction[PMOBot],
        command: app_commands.Command[Any, ..., Any] | app_commands.ContextMenu,
    ) -> None:
        """Count which job a member used today: slash commands that ran (refused or failed ones do not count)."""
        await self._record(interaction, stats.job_for_command(command.qualified_name))

    @commands.Cog.listener("on_interaction")
    async def record_component_use(self, interaction: discord.Interaction[PMOBot]) -> None:
        """Count buttons, selects and modals by their ``job:action:id`` custom_id (commands are counted above)."""
        if interaction.type in (discord.InteractionType.component, discord.InteractionType.modal_submit):
            data: Any = interaction.data or {}
            await self._record(interaction, stats.job_for_custom_id(str(data.get("custom_id", ""))))

    async def _record(self, interaction: discord.Interaction[PMOBot], job: str | None) -> None:
        if job is None or interaction.guild_id is None or interaction.user.bot:
            return
        try:
            await stats.record_use(
                self.bot.db,
                guild_id=interaction.guild_id,
                user_id=interaction.user.id,
                job=job,
                now=self.bot.clock.now(),
            )
        except Exception:
            # Statistics must never get in the way of the interaction itself.
            log.exception("Could not record a %s use in guild %s", job, interaction.guild_id)
