"""/admin faq: add, edit and remove server entries, answer knowledge gaps, import and export (a mixin of AdminCog).

Long text goes through a modal; a refused one offers "Edit and resubmit" with the text kept
(:class:`bot.tree.AppModal`). Tags may be shared-vocabulary ids or the server's own words (server-local tags).
The gap list's buttons are :class:`discord.ui.DynamicItem` s
(``faq:gap-answer:<id>``, ``faq:gap-dismiss:<id>``, ``faq:gaps:<page>``) registered by the FAQ cog; each press
runs the same moderator check as the commands.
"""

from __future__ import annotations

import io
import logging
import re
from typing import TYPE_CHECKING, Any, Literal

import discord
from discord import app_commands

from bot.content import Vocabulary
from bot.services import faq
from bot.timeutil import discord_timestamp
from bot.tree import AppModal, guarded, send_ephemeral
from cogs._shared import post_audit, read_upload, require_moderator
from cogs.faq import faq_embed

if TYPE_CHECKING:
    from bot.client import PMOBot
    from cogs._shared import AdminMixinBase
else:
    AdminMixinBase = object

__all__ = ["GAP_BUTTONS", "FaqAdmin", "FaqEntryModal", "GapAnswerButton", "GapDismissButton", "GapPageButton"]

log = logging.getLogger(__name__)

_MODAL_TIMEOUT = 900.0  # an interaction token lives 15 minutes
_ALIASES_FIELD = faq.MAX_ALIASES * (faq.MAX_ALIAS + 1)
_TAGS_FIELD = 400
# Modal labels (Discord allows 45 characters); tests fill the fields by these.
TOPIC_LABEL = "Topic (blank: made from the question)"
QUESTION_LABEL = "Question"
ANSWER_LABEL = "Answer"
ALIASES_LABEL = f"Other ways to ask it (one per line, ≤ {faq.MAX_ALIASES})"
TAGS_LABEL = "Tags (optional): the shared list or your own"
_MAX_NOTES = 5
_MESSAGE_LIMIT = 2000


def _catalog(bot: PMOBot) -> faq.FaqCatalog:
    return faq.catalog_for(bot.content)


def _guild(interaction: discord.Interaction[Any]) -> int:
    if interaction.guild_id is None:
        raise app_commands.NoPrivateMessage()
    return interaction.guild_id


async def _server_topic_autocomplete(
    interaction: discord.Interaction[PMOBot], current: str
) -> list[app_commands.Choice[str]]:
    """This server's own entries (the ones /admin faq remove can remove)."""
    if interaction.guild_id is None:
        return []
    bot = interaction.client
    choices = await faq.autocomplete_topics(bot.db, _catalog(bot), interaction.guild_id, current, server_only=True)
    return [app_commands.Choice(name=c.label, value=c.topic) for c in choices]


async def _any_topic_autocomplete(
    interaction: discord.Interaction[PMOBot], current: str
) -> list[app_commands.Choice[str]]:
    """Every entry this server sees (built-ins can be overridden)."""
    if interaction.guild_id is None:
        return []
    bot = interaction.client
    choices = await faq.autocomplete_topics(bot.db, _catalog(bot), interaction.guild_id, current)
    return [app_commands.Choice(name=c.label, value=c.topic) for c in choices]


def _codes(values: tuple[str, ...]) -> str:
    return ", ".join(f"`{value}`" for value in values)


def _notes_text(notes: list[str]) -> str:
    """Up to a few notes about what validation changed or left out, one per line."""
    shown = notes[:_MAX_NOTES]
    lines = [f"Note: {note[0].upper()}{note[1:]}." for note in shown]
    if len(notes) > len(shown):
        lines.append(f"… and {len(notes) - len(shown)} more notes.")
    return "\n".join(lines)


def _change_text(result: faq.ChangeResult, draft: faq.FaqDraft, vocabulary: Vocabulary) -> str:
    verb = "Added" if result.created else "Updated"
    text = f"{verb} `{result.faq.topic}`. Members find it with /faq ask and /faq show."
    if result.overrides_builtin:
        text += (
            "\nIt replaces the built-in entry with this topic in this server only; /admin faq remove "
            f"{result.faq.topic} brings the built-in back."
        )
    shared, local = faq.split_tags(vocabulary, result.faq.tags)
    if shared:
        text += f"\nTags from the shared vocabulary: {_codes(shared)}."
    if local:
        text += (
            f"\nThis server's own tags: {_codes(local)} (not in the shared vocabulary; found by /faq ask and kept "
            "in /admin faq export)."
        )
    if draft.notes:
        text += "\n" + _notes_text(list(draft.notes))
    return text[:_MESSAGE_LIMIT]


class FaqEntryModal(AppModal):
    """The text of a server entry: add (with a topic field), edit / override (topic fixed), or answer a gap."""

    def __init__(
        self,
        *,
        mode: Literal["add", "edit", "gap"],
        guild_id: int,
        entry: faq.Faq | None = None,
        topic: str = "",
        question: str = "",
        gap_id: int | None = None,
    ) -> None:
        titles = {"add": "Add an FAQ entry", "edit": "Edit an FAQ entry", "gap": "Answer a member's question"}
        super().__init__(title=titles[mode], custom_id=f"faq:modal:{mode}:{guild_id}", timeout=_MODAL_TIMEOUT)
        self.mode = mode
        self.guild_id = guild_id
        self.gap_id = gap_id
        self.fixed_topic = entry.topic if mode == "edit" and entry is not None else None
        self.topic: discord.ui.TextInput[FaqEntryModal] | None = None
        if self.fixed_topic is None:
            self.topic = discord.ui.TextInput(
                label=TOPIC_LABEL,
                placeholder="lowercase words joined by hyphens, e.g. salary-bands",
                default=topic or None,
                required=False,
                max_length=faq.MAX_TOPIC,
            )
            self.add_item(self.topic)
        self.question: discord.ui.TextInput[FaqEntryModal] = discord.ui.TextInput(
            label=QUESTION_LABEL,
            placeholder="How members would ask it, e.g. What salary can a PMO analyst expect?",
            default=(entry.question if entry else question) or None,
            max_length=faq.MAX_QUESTION,
        )
        self.answer: discord.ui.TextInput[FaqEntryModal] = discord.ui.TextInput(
            label=ANSWER_LABEL,
            style=discord.TextStyle.paragraph,
            default=entry.answer if entry else None,
            max_length=faq.MAX_ANSWER,
        )
        self.aliases: discord.ui.TextInput[FaqEntryModal] = discord.ui.TextInput(
            label=ALIASES_LABEL,
            style=discord.TextStyle.paragraph,
            default="\n".join(entry.aliases) if entry and entry.aliases else None,
            required=False,
            max_length=_ALIASES_FIELD,
        )
        self.tags: discord.ui.TextInput[FaqEntryModal] = discord.ui.TextInput(
            label=TAGS_LABEL,
            placeholder="e.g. career, pmo-analyst, events, friday-social",
            default=", ".join(entry.tags) if entry and entry.tags else None,
            required=False,
            max_length=_TAGS_FIELD,
        )
        for item in (self.question, self.answer, self.aliases, self.tags):
            self.add_item(item)

    async def on_submit(self, interaction: discord.Interaction[PMOBot]) -> None:  # type: ignore[override]
        """Validate everything, store it with its audit entry, and show the result (never pinging anyone)."""
        bot = interaction.client
        await require_moderator(interaction)
        catalog = _catalog(bot)
        topic = self.fixed_topic if self.fixed_topic is not None else (self.topic.value if self.topic else "")
        draft = faq.parse_draft(
            catalog.vocabulary,
            topic=topic,
            question=self.question.value,
            answer=self.answer.value,
            aliases=self.aliases.value,
            tags=self.tags.value,
        )
        now = bot.clock.now()
        if self.mode == "add":
            result = await faq.add_entry(bot.db, catalog, self.guild_id, draft, actor_id=interaction.user.id, now=now)
        elif self.mode == "edit":
            result = await faq.edit_entry(bot.db, catalog, self.guild_id, draft, actor_id=interaction.user.id, now=now)
        else:
            assert self.gap_id is not None  # noqa: S101 - set for every gap modal
            result = await faq.answer_gap(
                bot.db, catalog, self.guild_id, self.gap_id, draft, actor_id=interaction.user.id, now=now
            )
        text = _change_text(result, draft, catalog.vocabulary)
        if self.mode == "gap":
            text += "\nThe question is marked answered."
        await send_ephemeral(interaction, text, embed=faq_embed(result.faq))
        await post_audit(bot, result.audit)


# -- knowledge gaps --------------------------------------------------------------------------------------------


def gaps_embed(page: faq.GapPage) -> discord.Embed:
    """One page of the most-asked unanswered questions."""
    embed = discord.Embed(title="Unanswered questions", colour=discord.Colour.orange())
    if not page.gaps:
        embed.description = "No open questions: every recent /faq ask found an answer."
        return embed
    start = (page.page - 1) * faq.GAPS_PER_PAGE
    for number, gap in enumerate(page.gaps, start=start + 1):
        times = "once" if gap.ask_count == 1 else f"{gap.ask_count} times"
        embed.add_field(
            name=f"{number}. {gap.example}"[:256],
            value=f"Asked {times}, last {discord_timestamp(gap.last_asked_at, 'R')}",
            inline=False,
        )
    embed.set_footer(text=f"Page {page.page}/{page.pages} · {page.total} open · most asked first")
    return embed


def gaps_view(page: faq.GapPage) -> discord.ui.View:
    """Answer / Dismiss per gap (numbered as in the embed) and the pager."""
    view = discord.ui.View(timeout=None)
    start = (page.page - 1) * faq.GAPS_PER_PAGE
    for number, gap in enumerate(page.gaps, start=start + 1):
        view.add_item(GapAnswerButton(gap.id, number))
    for number, gap in enumerate(page.gaps, start=start + 1):
        view.add_item(GapDismissButton(gap.id, number))
    if page.pages > 1:
        view.add_item(GapPageButton(page.page - 1, "◀ Newer", disabled=page.page <= 1))
        view.add_item(GapPageButton(page.page + 1, "Older ▶", disabled=page.page >= page.pages))
    return view


class GapAnswerButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]], template=r"faq:gap-answer:(?P<gap>[0-9]{1,18})"
):
    """Opens the entry modal with the member's question filled in."""

    def __init__(self, gap_id: int, number: int = 0) -> None:
        super().__init__(
            discord.ui.Button(
                label=f"Answer {number}" if number else "Answer",
                style=discord.ButtonStyle.primary,
                custom_id=f"faq:gap-answer:{gap_id}",
                row=0,
            )
        )
        self.gap_id = gap_id

    @classmethod
    async def from_custom_id(  # type: ignore[override]
        cls, interaction: discord.Interaction[PMOBot], item: discord.ui.Button[Any], match: re.Match[str], /
    ) -> GapAnswerButton:
        """Rebuild from ``faq:gap-answer:<id>``."""
        return cls(int(match["gap"]))

    @guarded
    async def callback(self, interaction: discord.Interaction[PMOBot]) -> None:  # type: ignore[override]
        """Moderators only: open the modal for this gap."""
        await require_moderator(interaction)
        guild_id = _guild(interaction)
        gap = await faq.get_gap(interaction.client.db, guild_id, self.gap_id)
        question = gap.example[: faq.MAX_QUESTION]
        modal = FaqEntryModal(mode="gap", guild_id=guild_id, question=question, gap_id=gap.id)
        await interaction.response.send_modal(modal)


class GapDismissButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]], template=r"faq:gap-dismiss:(?P<gap>[0-9]{1,18})"
):
    """Hides a question that needs no entry (off-topic, spam)."""

    def __init__(self, gap_id: int, number: int = 0) -> None:
        super().__init__(
            discord.ui.Button(
                label=f"Dismiss {number}" if number else "Dismiss",
                style=discord.ButtonStyle.secondary,
                custom_id=f"faq:gap-dismiss:{gap_id}",
                row=1,
            )
        )
        self.gap_id = gap_id

    @classmethod
    async def from_custom_id(  # type: ignore[override]
        cls, interaction: discord.Interaction[PMOBot], item: discord.ui.Button[Any], match: re.Match[str], /
    ) -> GapDismissButton:
        """Rebuild from ``faq:gap-dismiss:<id>``."""
        return cls(int(match["gap"]))

    @guarded
    async def callback(self, interaction: discord.Interaction[PMOBot]) -> None:  # type: ignore[override]
        """Moderators only: dismiss, then show the refreshed list."""
        await require_moderator(interaction)
        guild_id = _guild(interaction)
        bot = interaction.client
        entry = await faq.dismiss_gap(bot.db, guild_id, self.gap_id, actor_id=interaction.user.id, now=bot.clock.now())
        page = await faq.list_gaps(bot.db, guild_id)
        await interaction.response.edit_message(embed=gaps_embed(page), view=gaps_view(page))
        await post_audit(bot, entry)


class GapPageButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]], template=r"faq:gaps:(?P<page>[0-9]{1,6})"
):
    """Pages through the gap list."""

    def __init__(self, page: int, label: str = "Page", *, disabled: bool = False) -> None:
        super().__init__(
            discord.ui.Button(
                label=label,
                style=discord.ButtonStyle.secondary,
                custom_id=f"faq:gaps:{max(page, 0)}",
                disabled=disabled,
                row=2,
            )
        )
        self.page = page

    @classmethod
    async def from_custom_id(  # type: ignore[override]
        cls, interaction: discord.Interaction[PMOBot], item: discord.ui.Button[Any], match: re.Match[str], /
    ) -> GapPageButton:
        """Rebuild from ``faq:gaps:<page>``."""
        return cls(int(match["page"]))

    @guarded
    async def callback(self, interaction: discord.Interaction[PMOBot]) -> None:  # type: ignore[override]
        """Moderators only: show that page."""
        await require_moderator(interaction)
        page = await faq.list_gaps(interaction.client.db, _guild(interaction), page=self.page)
        await interaction.response.edit_message(embed=gaps_embed(page), view=gaps_view(page))


GAP_BUTTONS: tuple[type[discord.ui.DynamicItem[Any]], ...] = (GapAnswerButton, GapDismissButton, GapPageButton)


# -- the mixin --------------------------------------------------------------------------------------------------


class FaqAdmin(AdminMixinBase):
    """/admin faq (a mixin of AdminCog; the moderator check is AdminCog.interaction_check)."""

    bot: PMOBot

    faq = app_commands.Group(name="faq", description="Manage this server's FAQ entries and unanswered questions.")

    @faq.command(name="add")
    @app_commands.describe(topic="Optional: a built-in topic to override in this server, or a new topic slug")
    @app_commands.autocomplete(topic=_any_topic_autocomplete)
    async def faq_add(
        self, interaction: discord.Interaction[PMOBot], topic: app_commands.Range[str, 1, 100] | None = None
    ) -> None:
        """Add a server FAQ entry (a modal asks for the text)."""
        guild_id = _guild(interaction)
        catalog = _catalog(self.bot)
        slug = (topic or "").strip().lower()
        builtin = catalog.entries.get(slug)
        modal = FaqEntryModal(mode="add", guild_id=guild_id, topic=slug)
        if builtin is not None:
            # Start from the built-in text so a moderator only changes what differs in this server.
            modal = FaqEntryModal(mode="edit", guild_id=guild_id, entry=builtin)
        await interaction.response.send_modal(modal)

    @faq.command(name="edit")
    @app_commands.describe(topic="The entry to change (a built-in one is overridden in this server only)")
    @app_commands.autocomplete(topic=_any_topic_autocomplete)
    async def faq_edit(self, interaction: discord.Interaction[PMOBot], topic: app_commands.Range[str, 1, 100]) -> None:
        """Change a server FAQ entry, or override a built-in one here."""
        guild_id = _guild(interaction)
        entry = await faq.get_faq(self.bot.db, _catalog(self.bot), guild_id, topic)
        await interaction.response.send_modal(FaqEntryModal(mode="edit", guild_id=guild_id, entry=entry))

    @faq.command(name="remove")
    @app_commands.describe(topic="One of this server's entries; removing an override restores the built-in")
    @app_commands.autocomplete(topic=_server_topic_autocomplete)
    async def faq_remove(
        self, interaction: discord.Interaction[PMOBot], topic: app_commands.Range[str, 1, 100]
    ) -> None:
        """Remove a server FAQ entry (an overridden built-in comes back)."""
        guild_id = _guild(interaction)
        result = await faq.remove_entry(
            self.bot.db, _catalog(self.bot), guild_id, topic, actor_id=interaction.user.id, now=self.bot.clock.now()
        )
        text = f"Removed `{result.removed.topic}` ({result.removed.question})."
        if result.restored is not None:
            text += " The built-in entry is shown again."
        await send_ephemeral(interaction, text)
        await post_audit(self.bot, result.audit)

    @faq.command(name="gaps")
    @app_commands.describe(page="Page of the list (5 per page)")
    async def faq_gaps(
        self, interaction: discord.Interaction[PMOBot], page: app_commands.Range[int, 1, 10000] = 1
    ) -> None:
        """The most-asked questions the FAQ could not answer, with buttons to answer them."""
        result = await faq.list_gaps(self.bot.db, _guild(interaction), page=page)
        await send_ephemeral(interaction, embed=gaps_embed(result), view=gaps_view(result))

    @faq.command(name="import")
    @app_commands.describe(file="A YAML or JSON file in the format /admin faq export produces")
    async def faq_import(self, interaction: discord.Interaction[PMOBot], file: discord.Attachment) -> None:
        """Import server FAQ entries from YAML or JSON (all checked before anything is saved)."""
        guild_id = _guild(interaction)
        data = await read_upload(interaction, file, max_bytes=faq.MAX_IMPORT_BYTES)
        catalog = _catalog(self.bot)
        drafts = faq.parse_import(data, file.filename, catalog.vocabulary)
        result = await faq.import_entries(
            self.bot.db, catalog, guild_id, drafts, actor_id=interaction.user.id, now=self.bot.clock.now()
        )
        overrides = [t for t in (*result.added, *result.updated) if t in catalog.entries]
        text = f"Imported {len(drafts)} entries: {len(result.added)} added, {len(result.updated)} updated."
        if overrides:
            text += f" {len(overrides)} of them replace built-in entries in this server."
        local = sorted({tag for draft in drafts for tag in faq.split_tags(catalog.vocabulary, draft.tags)[1]})
        if local:
            shown = tuple(local[:20])
            more = f" and {len(local) - len(shown)} more" if len(local) > len(shown) else ""
            text += f"\nThis server's own tags (not in the shared vocabulary): {_codes(shown)}{more}."
        notes = [f"`{draft.topic}`: {note}" for draft in drafts for note in draft.notes]
        if notes:
            text += "\n" + _notes_text(notes)
        await send_ephemeral(interaction, text[:_MESSAGE_LIMIT])
        await post_audit(self.bot, result.audit)

    @faq.command(name="export")
    @app_commands.describe(format="File format")
    async def faq_export(
        self, interaction: discord.Interaction[PMOBot], format: Literal["yaml", "json"] = "yaml"
    ) -> None:
        """This server's own FAQ entries as a YAML or JSON file (importable again)."""
        guild_id = _guild(interaction)
        data = await faq.export_entries(self.bot.db, guild_id, format)
        attachment = discord.File(io.BytesIO(data), filename=f"faq-{guild_id}.{format}")
        await send_ephemeral(
            interaction, "This server's FAQ entries (built-in ones are not included).", files=[attachment]
        )
