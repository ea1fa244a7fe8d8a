"""/help: what the bot does, generated from the command tree so it never drifts."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.tree import send_ephemeral

if TYPE_CHECKING:
    from bot.client import PMOBot

# Top-level command → (job heading, order). Commands not listed appear under "More".
JOBS: dict[str, tuple[str, int]] = {
    "role": ("Role FAQs", 0),
    "faq": ("Role FAQs", 0),
    "prompt": ("Daily learning prompts", 1),
    "mentoring": ("Mentor matching", 2),
    "progress": ("70-20-10 check-ins", 3),
    "privacy": ("Your data", 4),
    "help": ("Your data", 4),
    "admin": ("Moderators", 9),
}
_FIELD_LIMIT = 1024


def command_lines(command: app_commands.Command[Any, ..., Any] | app_commands.Group) -> list[str]:
    """One line per leaf command: its path and description."""
    if isinstance(command, app_commands.Group):
        return [line for child in command.commands for line in command_lines(child)]
    return [f"`/{command.qualified_name}` — {command.description}"]


def build_help(bot: commands.Bot, *, include_admin: bool) -> discord.Embed:
    """The /help embed: one field per job listing its commands."""
    embed = discord.Embed(
        title="PMO Community Bot",
        description=(
            "I help this community learn PMO roles, practise every day, find mentors and balance learning by the "
            "70-20-10 rule: ~70% experience, ~20% exposure to others, ~10% formal education."
        ),
        colour=discord.Colour.blurple(),
    )
    sections: dict[str, tuple[int, list[str]]] = {}
    for command in sorted(bot.tree.get_commands(), key=lambda c: c.name):
        if command.name == "admin" and not include_admin:
            continue
        heading, order = JOBS.get(command.name, ("More", 8))
        sections.setdefault(heading, (order, []))[1].extend(command_lines(command))  # type: ignore[arg-type]
    for heading, (_, lines) in sorted(sections.items(), key=lambda item: item[1][0]):
        chunk: list[str] = []
        for line in lines:
            if sum(len(x) + 1 for x in chunk) + len(line) > _FIELD_LIMIT:
                embed.add_field(name=heading, value="\n".join(chunk), inline=False)
                heading, chunk = f"{heading} (cont.)", []
            chunk.append(line)
        if chunk:
            embed.add_field(name=heading, value="\n".join(chunk), inline=False)
    return embed


class HelpCog(commands.Cog):
    """The /help command."""

    def __init__(self, bot: PMOBot) -> None:
        self.bot = bot

    @app_commands.command(name="help")
    async def help(self, interaction: discord.Interaction[PMOBot]) -> None:
        """What the bot does and its commands, grouped by job."""
        perms = interaction.permissions
        include_admin = bool(perms and perms.manage_guild)
        await send_ephemeral(interaction, embed=build_help(self.bot, include_admin=include_admin))


async def setup(bot: PMOBot) -> None:
    """Load the help cog."""
    await bot.add_cog(HelpCog(bot))
