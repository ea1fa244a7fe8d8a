"""/help: what the bot does, generated from the command tree so it never drifts."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.tree import send_ephemeral
from cogs._shared import is_moderator

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
_EMBED_LIMIT = 6000
_MAX_FIELDS = 25
_DESCRIPTION = (
    "I help this community learn PMO roles, practise every day, find mentors and balance learning by the "
    "70-20-10 rule: ~70% experience, ~20% exposure to others, ~10% formal education."
)

AnyCommand = app_commands.Command[Any, ..., Any] | app_commands.Group


def command_lines(command: AnyCommand) -> list[str]:
    """One line per leaf command: its path and description."""
    if isinstance(command, app_commands.Group):
        return [line for child in command.commands for line in command_lines(child)]
    return [f"`/{command.qualified_name}` — {command.description}"]


def compact_lines(command: AnyCommand) -> list[str]:
    """One line per group: its path and the names of its subcommands (for long sections)."""
    if not isinstance(command, app_commands.Group):
        return [f"`/{command.qualified_name}`"]
    leaves = [child.name for child in command.commands if not isinstance(child, app_commands.Group)]
    lines = [f"`/{command.qualified_name}` — {', '.join(leaves)}"] if leaves else []
    for child in command.commands:
        if isinstance(child, app_commands.Group):
            lines += compact_lines(child)
    return lines


def _sections(bot: commands.Bot, *, include_admin: bool, compact: bool) -> list[tuple[str, list[str]]]:
    sections: dict[str, tuple[int, list[str]]] = {}
    for command in sorted(bot.tree.get_commands(), key=lambda c: c.name):
        if not isinstance(command, app_commands.Command | app_commands.Group):
            continue  # context menus have no slash path
        if command.name == "admin" and not include_admin:
            continue
        heading, order = JOBS.get(command.name, ("More", 8))
        # The moderators' section is long; it lists subcommand names so the whole help fits one message.
        lines = compact_lines(command) if compact or command.name == "admin" else command_lines(command)
        sections.setdefault(heading, (order, []))[1].extend(lines)
    return [(heading, lines) for heading, (_, lines) in sorted(sections.items(), key=lambda item: item[1][0])]


def _fill(embed: discord.Embed, sections: list[tuple[str, list[str]]]) -> None:
    for heading, lines in sections:
        chunk: list[str] = []
        name = heading
        for raw in lines:
            line = raw[:_FIELD_LIMIT]
            if chunk and sum(len(x) + 1 for x in chunk) + len(line) > _FIELD_LIMIT:
                embed.add_field(name=name, value="\n".join(chunk), inline=False)
                name, chunk = f"{heading} (cont.)", []
            chunk.append(line)
        if chunk:
            embed.add_field(name=name, value="\n".join(chunk), inline=False)


def build_help(bot: commands.Bot, *, include_admin: bool) -> discord.Embed:
    """The /help embed: one field per job listing its commands, generated from the command tree."""
    for compact in (False, True):
        embed = discord.Embed(title="PMO Community Bot", description=_DESCRIPTION, colour=discord.Colour.blurple())
        _fill(embed, _sections(bot, include_admin=include_admin, compact=compact))
        if len(embed) <= _EMBED_LIMIT and len(embed.fields) <= _MAX_FIELDS:
            break
    if include_admin:
        embed.set_footer(text="You see /admin because you have Manage Server or the server's moderator role.")
    return embed


class HelpCog(commands.Cog):
    """The /help command."""

    def __init__(self, bot: PMOBot) -> None:
        self.bot = bot

    @app_commands.command(name="help")
    async def help(self, interaction: discord.Interaction[PMOBot]) -> None:
        """What the bot does and its commands, grouped by job."""
        # Moderators (Manage Server or the configured mod role) also see /admin; in DMs nobody does.
        include_admin = await is_moderator(interaction)
        await send_ephemeral(interaction, embed=build_help(self.bot, include_admin=include_admin))


async def setup(bot: PMOBot) -> None:
    """Load the help cog."""
    await bot.add_cog(HelpCog(bot))
