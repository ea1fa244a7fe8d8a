"""/admin: every moderator command, one GroupCog composed of one mixin per job.

Each mixin (``cogs/admin/<job>.py``) declares its subgroup (``/admin faq``, ``/admin prompts`` …) as a class
attribute. The one permission check for all of them is :meth:`AdminCog.interaction_check`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from cogs._shared import require_moderator
from cogs.admin.config import ConfigAdmin
from cogs.admin.faq import FaqAdmin
from cogs.admin.insights import InsightsAdmin
from cogs.admin.mentors import MentorsAdmin
from cogs.admin.prompts import PromptsAdmin

if TYPE_CHECKING:
    from bot.client import PMOBot


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class AdminCog(
    ConfigAdmin,
    FaqAdmin,
    PromptsAdmin,
    MentorsAdmin,
    InsightsAdmin,
    commands.GroupCog,
    group_name="admin",
    group_description="Moderator tools: settings, content, schedules, mentoring, statistics.",
):
    """Moderator commands. The default permission is only a hint; the real check runs on every use."""

    def __init__(self, bot: PMOBot) -> None:
        self.bot = bot
        super().__init__()

    async def interaction_check(self, interaction: discord.Interaction[PMOBot]) -> bool:  # type: ignore[override]
        """Manage Server or the configured moderator role, checked at run time for every /admin command."""
        return await require_moderator(interaction)


async def setup(bot: PMOBot) -> None:
    """Load the admin cog."""
    await bot.add_cog(AdminCog(bot))
