"""/role info, /role list and /role compare: the PMO role cards as embeds."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.content import Content, RoleCard
from bot.services import roles
from bot.tree import send_ephemeral

if TYPE_CHECKING:
    from bot.client import PMOBot

log = logging.getLogger(__name__)

# Discord's embed limits.
EMBED_TOTAL = 6000
EMBED_DESCRIPTION = 4096
FIELD_VALUE = 1024
FIELD_NAME = 256
_SPACER = "\u200b"
_COMPARE_ITEMS = 5  # responsibilities per role in /role compare, so two cards fit one embed


def cut(text: str, limit: int) -> str:
    """``text`` shortened to ``limit`` characters, ending in "…" when cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def bullets(items: Iterable[str], limit: int = FIELD_VALUE) -> str:
    """A bullet list that fits ``limit`` characters (whole items only, then "…")."""
    out = ""
    for item in items:
        line = f"• {item}"
        if len(out) + len(line) + 2 > limit:
            return out + "\n…" if out else cut(line, limit)
        out = f"{out}\n{line}" if out else line
    return out or "—"


def embed_size(embed: discord.Embed) -> int:
    """Characters Discord counts towards the 6000 total of an embed."""
    size = len(embed.title or "") + len(embed.description or "")
    size += sum(len(f.name or "") + len(f.value or "") for f in embed.fields)
    size += len(embed.footer.text or "") + len(embed.author.name or "")
    return size


def fit_embed(embed: discord.Embed) -> discord.Embed:
    """Shorten the longest field values until the embed fits Discord's 6000-character total."""
    while embed_size(embed) > EMBED_TOTAL:
        index, field = max(enumerate(embed.fields), key=lambda pair: len(pair[1].value or ""))
        value = field.value or ""
        excess = embed_size(embed) - EMBED_TOTAL
        embed.set_field_at(
            index, name=field.name, value=cut(value, max(20, len(value) - excess - 1)), inline=field.inline
        )
    return embed


def role_card_embed(content: Content, card: RoleCard) -> discord.Embed:
    """A role card: summary, responsibilities, hard and soft skills, the difference from a PM, titles, next roles."""
    description = card.summary
    if card.aliases:
        description += f"\n\n*Also called:* {', '.join(card.aliases)}"
    embed = discord.Embed(title=cut(card.name, FIELD_NAME), description=cut(description, EMBED_DESCRIPTION))
    embed.colour = discord.Colour.teal()
    embed.add_field(name="Key responsibilities", value=bullets(card.responsibilities), inline=False)
    embed.add_field(name="Hard skills", value=bullets(roles.skill_names(content, card.hard_skills)), inline=True)
    embed.add_field(name="Soft skills", value=bullets(roles.skill_names(content, card.soft_skills)), inline=True)
    embed.add_field(
        name="How it differs from a project manager", value=cut(card.vs_project_manager, FIELD_VALUE), inline=False
    )
    embed.add_field(name="Typical job titles", value=cut(", ".join(card.titles), FIELD_VALUE), inline=False)
    embed.add_field(
        name="Next roles", value=cut(", ".join(roles.skill_names(content, card.next_roles)), FIELD_VALUE), inline=True
    )
    embed.add_field(name="Tools", value=cut(", ".join(card.tools), FIELD_VALUE), inline=True)
    embed.set_footer(text="Compare two roles with /role compare · ask anything with /faq ask")
    return fit_embed(embed)


def role_list_pages(content: Content) -> list[discord.Embed]:
    """Every role, one line each, split into as many embeds as Discord's limits need."""
    lines = []
    for card in content.roles:
        summary = card.summary.split(". ")[0].rstrip(".")
        lines.append(f"**{card.name}** — {cut(summary, 160)}")
    pages: list[list[str]] = [[]]
    for line in lines:
        if sum(len(x) + 1 for x in pages[-1]) + len(line) > EMBED_DESCRIPTION - 100:
            pages.append([])
        pages[-1].append(line)
    embeds = []
    for number, page in enumerate(pages, start=1):
        title = "PMO role cards" if len(pages) == 1 else f"PMO role cards ({number}/{len(pages)})"
        embed = discord.Embed(title=title, description="\n".join(page), colour=discord.Colour.teal())
        embed.set_footer(text="See one with /role info · compare two with /role compare")
        embeds.append(embed)
    return embeds


def comparison_embed(content: Content, result: roles.RoleComparison) -> discord.Embed:
    """Two role cards side by side, then the skills they share."""
    a, b = result.first, result.second
    embed = discord.Embed(title=cut(f"{a.name} vs {b.name}", FIELD_NAME), colour=discord.Colour.teal())
    rows: list[tuple[str, str, str]] = [
        ("Summary", a.summary, b.summary),
        (
            "Key responsibilities",
            bullets(a.responsibilities[:_COMPARE_ITEMS], 700),
            bullets(b.responsibilities[:_COMPARE_ITEMS], 700),
        ),
        (
            "Hard skills",
            bullets(roles.skill_names(content, a.hard_skills)),
            bullets(roles.skill_names(content, b.hard_skills)),
        ),
        (
            "Soft skills",
            bullets(roles.skill_names(content, a.soft_skills)),
            bullets(roles.skill_names(content, b.soft_skills)),
        ),
        ("Differs from a project manager", a.vs_project_manager, b.vs_project_manager),
        (
            "Next roles",
            ", ".join(roles.skill_names(content, a.next_roles)),
            ", ".join(roles.skill_names(content, b.next_roles)),
        ),
    ]
    for heading, left, right in rows:
        embed.add_field(name=cut(f"{heading} · {a.name}", FIELD_NAME), value=cut(left, FIELD_VALUE), inline=True)
        embed.add_field(name=cut(f"{heading} · {b.name}", FIELD_NAME), value=cut(right, FIELD_VALUE), inline=True)
        embed.add_field(name=_SPACER, value=_SPACER, inline=True)  # keeps each pair on its own row
    shared = ", ".join(result.shared) or "None — these roles ask for different skills."
    embed.add_field(name="Skills both ask for", value=cut(shared, FIELD_VALUE), inline=False)
    embed.set_footer(text="Full cards: /role info")
    return fit_embed(embed)


async def role_autocomplete(interaction: discord.Interaction[PMOBot], current: str) -> list[app_commands.Choice[str]]:
    """Role names and aliases matching what was typed: exact, then prefix, then fuzzy (≤ 25)."""
    return [
        app_commands.Choice(name=choice.label, value=choice.role_id)
        for choice in roles.role_choices(interaction.client.content, current)
    ]


@app_commands.guild_only()
class RolesCog(
    commands.GroupCog, group_name="role", group_description="PMO role cards: what each role does and needs."
):
    """Role cards."""

    def __init__(self, bot: PMOBot) -> None:
        self.bot = bot
        super().__init__()

    @app_commands.command(name="info")
    @app_commands.describe(role="A PMO role, e.g. PMO analyst (pick one from the list or type its name)")
    @app_commands.autocomplete(role=role_autocomplete)
    async def info(self, interaction: discord.Interaction[PMOBot], role: app_commands.Range[str, 1, 100]) -> None:
        """A role card: what the role does, its hard and soft skills, how it differs from a PM."""
        card = roles.find_role(self.bot.content, role)
        await send_ephemeral(interaction, embed=role_card_embed(self.bot.content, card))

    @app_commands.command(name="list")
    async def list_roles(self, interaction: discord.Interaction[PMOBot]) -> None:
        """All PMO roles with a role card, one line each."""
        for page in role_list_pages(self.bot.content):
            await send_ephemeral(interaction, embed=page)

    @app_commands.command(name="compare")
    @app_commands.describe(first="The first role", second="The role to compare it with")
    @app_commands.autocomplete(first=role_autocomplete, second=role_autocomplete)
    async def compare(
        self,
        interaction: discord.Interaction[PMOBot],
        first: app_commands.Range[str, 1, 100],
        second: app_commands.Range[str, 1, 100],
    ) -> None:
        """Two role cards side by side: responsibilities, skills and how each differs from a PM."""
        result = roles.compare_roles(self.bot.content, first, second)
        await send_ephemeral(interaction, embed=comparison_embed(self.bot.content, result))


async def setup(bot: PMOBot) -> None:
    """Load the role cards cog."""
    await bot.add_cog(RolesCog(bot))
