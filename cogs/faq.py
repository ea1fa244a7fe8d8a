"""/faq ask and /faq show, the 👍/👎 and "open this entry" buttons, and the FAQ index at start-up.

The buttons are :class:`discord.ui.DynamicItem` s with their state in the ``custom_id``
(``faq:vote:<up|down>:<topic>``, ``faq:show:<topic>``), so they keep working after a restart.
"""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.services import faq
from bot.throttle import WindowLimiter
from bot.tree import NO_MENTIONS, guarded, send_ephemeral

if TYPE_CHECKING:
    from bot.client import PMOBot

__all__ = [
    "FaqCog",
    "FaqShowButton",
    "FaqVoteButton",
    "answer_view",
    "faq_embed",
    "topic_autocomplete",
]

log = logging.getLogger(__name__)

ASK_RATE = 3  # questions per member per ASK_PER seconds: enough to rephrase, not enough to flood the gap list
ASK_PER = 30.0
GAPS_PER_DAY = 10  # questions one member can add to the moderators' gap list in 24 hours (README "Abuse limits")
_TOPIC = r"[a-z0-9]+(?:-[a-z0-9]+)*"
_BUTTON_LABEL = 80
_EMBED_DESCRIPTION = 4096


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def faq_embed(entry: faq.Faq, *, alternatives: tuple[faq.Faq, ...] = ()) -> discord.Embed:
    """One FAQ entry; close alternatives are listed under it."""
    embed = discord.Embed(
        title=_cut(entry.question, 256),
        description=_cut(entry.answer, _EMBED_DESCRIPTION),
        colour=discord.Colour.teal(),
    )
    if entry.is_server and entry.tags:
        # A server's own entry shows its tags, its own words included (built-ins keep their familiar look).
        embed.add_field(name="Tags", value=_cut(" · ".join(f"`{tag}`" for tag in entry.tags), 1024), inline=False)
    if alternatives:
        lines = [f"• {alt.question} — `/faq show {alt.topic}`" for alt in alternatives]
        embed.add_field(name="Related questions", value=_cut("\n".join(lines), 1024), inline=False)
    origin = "this server's answer" if entry.is_server else "built-in answer"
    embed.set_footer(text=_cut(f"{entry.topic} · {origin} · Was this helpful?", 2048))
    return embed


def answer_view(entry: faq.Faq | None, alternatives: tuple[faq.Faq, ...] = ()) -> discord.ui.View:
    """👍/👎 for the entry shown (if any) and a button to open each alternative."""
    view = discord.ui.View(timeout=None)
    if entry is not None:
        view.add_item(FaqVoteButton(entry.topic, 1))
        view.add_item(FaqVoteButton(entry.topic, -1))
    for alt in alternatives:
        view.add_item(FaqShowButton(alt.topic, alt.question))
    return view


async def topic_autocomplete(interaction: discord.Interaction[PMOBot], current: str) -> list[app_commands.Choice[str]]:
    """FAQ entries this server sees, ranked exact > prefix > fuzzy over questions, aliases and topics."""
    if interaction.guild_id is None:
        return []
    bot = interaction.client
    choices = await faq.autocomplete_topics(bot.db, faq.catalog_for(bot.content), interaction.guild_id, current)
    return [app_commands.Choice(name=choice.label, value=choice.topic) for choice in choices]


def _guild(interaction: discord.Interaction[Any]) -> int:
    if interaction.guild_id is None:
        raise app_commands.NoPrivateMessage()
    return interaction.guild_id


class FaqVoteButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
    template=rf"faq:vote:(?P<vote>up|down):(?P<topic>{_TOPIC})",
):
    """👍 or 👎 under an answer: one vote per member per entry (a second vote replaces the first)."""

    def __init__(self, topic: str, vote: int) -> None:
        up = vote > 0
        super().__init__(
            discord.ui.Button(
                emoji="👍" if up else "👎",
                label="Helpful" if up else "Not helpful",
                style=discord.ButtonStyle.secondary,
                custom_id=f"faq:vote:{'up' if up else 'down'}:{topic}",
            )
        )
        self.topic = topic
        self.vote = 1 if up else -1

    @classmethod
    async def from_custom_id(  # type: ignore[override]
        cls, interaction: discord.Interaction[PMOBot], item: discord.ui.Button[Any], match: re.Match[str], /
    ) -> FaqVoteButton:
        """Rebuild from ``faq:vote:<up|down>:<topic>``."""
        return cls(match["topic"], 1 if match["vote"] == "up" else -1)

    @guarded
    async def callback(self, interaction: discord.Interaction[PMOBot]) -> None:  # type: ignore[override]
        """Store the vote and thank the member."""
        bot = interaction.client
        result = await faq.record_feedback(
            bot.db,
            faq.catalog_for(bot.content),
            _guild(interaction),
            self.topic,
            interaction.user.id,
            self.vote,
            bot.clock.now(),
        )
        if result.vote > 0:
            text = "Thanks! Glad that helped."
        else:
            text = (
                "Thanks for saying so. The moderators see these votes and can improve the answer; "
                "/faq ask with other words may find a better one."
            )
        if not result.changed:
            text = "You already voted that way. " + text
        await send_ephemeral(interaction, text)


class FaqShowButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]], template=rf"faq:show:(?P<topic>{_TOPIC})"
):
    """Opens an alternative entry privately."""

    def __init__(self, topic: str, question: str = "Open this entry") -> None:
        super().__init__(
            discord.ui.Button(
                label=_cut(question, _BUTTON_LABEL), style=discord.ButtonStyle.primary, custom_id=f"faq:show:{topic}"
            )
        )
        self.topic = topic

    @classmethod
    async def from_custom_id(  # type: ignore[override]
        cls, interaction: discord.Interaction[PMOBot], item: discord.ui.Button[Any], match: re.Match[str], /
    ) -> FaqShowButton:
        """Rebuild from ``faq:show:<topic>``."""
        return cls(match["topic"])

    @guarded
    async def callback(self, interaction: discord.Interaction[PMOBot]) -> None:  # type: ignore[override]
        """Show the entry with its own vote buttons."""
        bot = interaction.client
        guild_id = _guild(interaction)
        entry = await faq.get_faq(bot.db, faq.catalog_for(bot.content), guild_id, self.topic)
        await faq.record_view(bot.db, guild_id, entry.topic, "button", bot.clock.now())
        await send_ephemeral(interaction, embed=faq_embed(entry), view=answer_view(entry))


@app_commands.guild_only()
class FaqCog(commands.GroupCog, group_name="faq", group_description="Search the PMO FAQ or open one entry."):
    """The member side of the FAQ."""

    def __init__(self, bot: PMOBot) -> None:
        self.bot = bot
        self._gaps = WindowLimiter(GAPS_PER_DAY, timedelta(days=1))
        super().__init__()

    async def cog_load(self) -> None:
        """Index the built-in entries (only when they changed) and register the persistent buttons."""
        await faq.sync_index(self.bot.db, faq.catalog_for(self.bot.content), self.bot.clock.now())
        from cogs.admin.faq import GAP_BUTTONS  # the /admin faq gap buttons live with their mixin

        self.bot.add_dynamic_items(FaqVoteButton, FaqShowButton, *GAP_BUTTONS)

    async def cog_unload(self) -> None:
        """Stop routing the persistent buttons to this cog's classes."""
        from cogs.admin.faq import GAP_BUTTONS

        self.bot.remove_dynamic_items(FaqVoteButton, FaqShowButton, *GAP_BUTTONS)

    @app_commands.command(name="ask")
    @app_commands.describe(question="Your question in your own words, e.g. how is a PMO analyst different from a PM?")
    @app_commands.checks.cooldown(ASK_RATE, ASK_PER, key=lambda i: (i.guild_id, i.user.id))
    async def ask(
        self, interaction: discord.Interaction[PMOBot], question: app_commands.Range[str, 1, faq.MAX_ASK]
    ) -> None:
        """Search the FAQ; if nothing fits, the moderators see your question."""
        guild_id = _guild(interaction)
        catalog = faq.catalog_for(self.bot.content)
        now = self.bot.clock.now()
        result = await faq.ask(
            self.bot.db,
            catalog,
            guild_id,
            question,
            now,
            record_gap=self._gaps.allow((guild_id, interaction.user.id), now),
        )
        if result.best is not None:
            await send_ephemeral(
                interaction,
                embed=faq_embed(result.best, alternatives=result.alternatives),
                view=answer_view(result.best, result.alternatives),
            )
            return
        text = (
            "I don't have a confident answer to that yet, so I've passed your question on: the moderators see "
            "unanswered questions and can add an answer."
            if result.gap_recorded
            else "I don't have a confident answer to that yet. You've passed "
            f"{GAPS_PER_DAY} questions on to the moderators today already, so I've kept this one to myself; "
            "try again tomorrow, or ask in the server."
        )
        if result.alternatives:
            text += "\nThese entries are the closest I have:"
            lines = "\n".join(f"• {alt.question}" for alt in result.alternatives)
            embed = discord.Embed(title="Closest entries", description=lines, colour=discord.Colour.light_grey())
            await send_ephemeral(interaction, text, embed=embed, view=answer_view(None, result.alternatives))
        else:
            await send_ephemeral(interaction, text)

    @app_commands.command(name="show")
    @app_commands.describe(
        topic="The FAQ entry (pick one from the list)",
        share="Post it in this channel for everyone instead of only showing it to you",
    )
    @app_commands.autocomplete(topic=topic_autocomplete)
    async def show(
        self,
        interaction: discord.Interaction[PMOBot],
        topic: app_commands.Range[str, 1, 100],
        share: bool = False,
    ) -> None:
        """One FAQ entry by topic."""
        guild_id = _guild(interaction)
        entry = await faq.get_faq(self.bot.db, faq.catalog_for(self.bot.content), guild_id, topic)
        await faq.record_view(self.bot.db, guild_id, entry.topic, "show", self.bot.clock.now())
        if share:
            # Visible to the channel; a moderator's text may contain @everyone or role mentions: never ping.
            await interaction.response.send_message(
                embed=faq_embed(entry), view=answer_view(entry), allowed_mentions=NO_MENTIONS
            )
            return
        await send_ephemeral(interaction, embed=faq_embed(entry), view=answer_view(entry))


async def setup(bot: PMOBot) -> None:
    """Load the FAQ cog."""
    await bot.add_cog(FaqCog(bot))
