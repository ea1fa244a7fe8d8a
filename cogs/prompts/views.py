"""How prompts look on Discord: the post embed, the persistent "Log this" button and its modal, and the
moderators' review buttons for suggestions.

The buttons are :class:`discord.ui.DynamicItem` s with their state in the ``custom_id``
(``prompt:log:<post>``, ``prompt:review:<approve|reject>:<suggestion>``), so they keep working after a restart.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

import discord

from bot.errors import NotFoundError
from bot.services import progress
from bot.services import prompts as service
from bot.services.members import member_zone
from bot.tree import AppModal, guarded, send_ephemeral
from cogs._shared import NO_MENTIONS, post_audit, require_moderator

if TYPE_CHECKING:
    from bot.client import PMOBot

__all__ = [
    "KIND_BLURB",
    "LogThisButton",
    "LogThisModal",
    "ReviewButton",
    "is_prompt_post",
    "legacy_post_marker",
    "log_custom_id",
    "post_footer",
    "prompt_embed",
    "prompt_view",
    "review_message",
]

log = logging.getLogger(__name__)

MARKER = "Daily prompt"
KIND_BLURB = {
    "experience": "🛠️ Experience (70) — learning by doing",
    "exposure": "🤝 Exposure (20) — learning from others",
    "education": "📚 Education (10) — structured learning",
}
_KIND_COLOUR = {"experience": 0x2E86DE, "exposure": 0x27AE60, "education": 0x8E44AD}
_MODAL_TIMEOUT = 900.0


def post_footer(post: service.PromptPost) -> str:
    """The footer members see on a prompt post: what it is and its kind (no internal ids)."""
    return f"{MARKER} · {post.kind.capitalize()}"


def legacy_post_marker(nonce: str) -> str:
    """The footer posts carried before the recovery marker moved to the Log this button (still recognised)."""
    return f"{MARKER} · {nonce}"


def log_custom_id(post_id: int) -> str:
    """The Log this button's ``custom_id``; it names the post, so it is also how recovery finds the post."""
    return f"prompt:log:{post_id}"


def _custom_ids(components: Any) -> Iterator[str]:
    for component in components or []:
        if isinstance(component, dict):
            if isinstance(component.get("custom_id"), str):
                yield component["custom_id"]
            yield from _custom_ids(component.get("components"))


def is_prompt_post(message: Mapping[str, Any], post_id: int, legacy_marker: str | None = None) -> bool:
    """Whether a raw message from the channel history is the post of ``post_id``.

    A post is known by its Log this button, which Discord returns in the history (the nonce it is sent with is
    not returned). Posts from before the upgrade also carried ``legacy_marker`` as their whole footer.
    """
    if log_custom_id(post_id) in _custom_ids(message.get("components")):
        return True
    if legacy_marker is None:
        return False
    return any(
        isinstance(embed, dict) and (embed.get("footer") or {}).get("text") == legacy_marker
        for embed in message.get("embeds") or []
    )


def prompt_embed(post: service.PromptPost, *, footer: str | None = None) -> discord.Embed:
    """The embed of a prompt post: the prompt, its kind and the discussion hint."""
    embed = discord.Embed(
        title="Today's learning prompt",
        description=post.text,
        colour=_KIND_COLOUR.get(post.kind, 0x95A5A6),
    )
    embed.add_field(name="Kind", value=KIND_BLURB.get(post.kind, post.kind), inline=False)
    if post.hint:
        embed.add_field(name="Discuss", value=post.hint, inline=False)
    embed.add_field(
        name="Did it?",
        value="Press **Log this** to add it to your 70-20-10 log, and share how it went in the thread.",
        inline=False,
    )
    if footer:
        embed.set_footer(text=footer)
    return embed


def prompt_view(post_id: int) -> discord.ui.View:
    """A view holding the persistent "Log this" button of a post."""
    view = discord.ui.View(timeout=None)
    view.add_item(LogThisButton(post_id))
    return view


class LogThisModal(AppModal):
    """Minutes and what you did; stored as a progress entry of the prompt's kind."""

    def __init__(self, post: service.PromptPost) -> None:
        super().__init__(title="Log this prompt", custom_id=f"prompt:logmodal:{post.id}", timeout=_MODAL_TIMEOUT)
        self.post = post
        self.minutes: discord.ui.TextInput[LogThisModal] = discord.ui.TextInput(
            label="Minutes (1–1440)", placeholder="30", max_length=4, custom_id="minutes"
        )
        self.activity: discord.ui.TextInput[LogThisModal] = discord.ui.TextInput(
            label="What did you do?",
            custom_id="activity",
            placeholder="e.g. chased three RAID owners and closed two stale items",
            style=discord.TextStyle.paragraph,
            max_length=progress.MAX_ACTIVITY,
        )
        self.add_item(self.minutes)
        self.add_item(self.activity)

    async def on_submit(self, interaction: discord.Interaction[PMOBot]) -> None:  # type: ignore[override]
        """Validate and store the entry for the member who pressed the button."""
        bot = interaction.client
        now = bot.clock.now()
        minutes = progress.parse_minutes(self.minutes.value)
        zone = await member_zone(bot.db, self.post.guild_id, interaction.user.id)
        entry = await progress.log_activity(
            bot.db, guild_id=self.post.guild_id, user_id=interaction.user.id, kind=self.post.kind, minutes=minutes,
            activity=self.activity.value, local_date=now.astimezone(zone).date(), now=now, source="prompt",
            source_ref=self.post.prompt_ref,
        )  # fmt: skip
        label = KIND_BLURB.get(entry.kind, entry.kind)
        await send_ephemeral(
            interaction,
            f"Logged {entry.minutes} min of {label.split(' — ')[0]} for {entry.local_date:%a %d %b}: "
            f"{entry.activity}\nSee your mix with `/progress show`.",
        )


class LogThisButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]], template=r"prompt:log:(?P<post>[0-9]{1,18})"
):
    """ "Log this" under a prompt post: opens :class:`LogThisModal` for whoever presses it."""

    def __init__(self, post_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Log this", emoji="📝", style=discord.ButtonStyle.primary, custom_id=log_custom_id(post_id)
            )
        )
        self.post_id = post_id

    @classmethod
    async def from_custom_id(  # type: ignore[override]
        cls, interaction: discord.Interaction[PMOBot], item: discord.ui.Button[Any], match: re.Match[str], /
    ) -> LogThisButton:
        """Rebuild from ``prompt:log:<post>``."""
        return cls(int(match["post"]))

    @guarded
    async def callback(self, interaction: discord.Interaction[PMOBot]) -> None:  # type: ignore[override]
        """Open the modal (only for a post of this server)."""
        if interaction.guild_id is None:
            raise NotFoundError("Log prompts from the server they were posted in.")
        post = await service.get_post(interaction.client.db, interaction.guild_id, self.post_id)
        await interaction.response.send_modal(LogThisModal(post))


# -- review ----------------------------------------------------------------------------------------------------


async def review_message(bot: PMOBot, guild_id: int) -> tuple[discord.Embed, discord.ui.View | None]:
    """The oldest waiting suggestion with Approve / Reject buttons, or an all-clear."""
    suggestion, waiting = await service.next_pending_suggestion(bot.db, guild_id)
    if suggestion is None:
        embed = discord.Embed(
            title="Prompt suggestions", description="No suggestions are waiting for review.", colour=0x95A5A6
        )
        return embed, None
    embed = discord.Embed(title="Prompt suggestion", description=suggestion.text, colour=_KIND_COLOUR[suggestion.kind])
    embed.add_field(name="Kind", value=KIND_BLURB[suggestion.kind], inline=False)
    embed.add_field(name="Suggested by", value=f"<@{suggestion.user_id}>", inline=True)
    embed.add_field(name="Waiting", value=f"{waiting} in all", inline=True)
    embed.set_footer(text=f"Suggestion #{suggestion.id} · approved prompts join the rotation")
    view = discord.ui.View(timeout=None)
    view.add_item(ReviewButton("approve", suggestion.id))
    view.add_item(ReviewButton("reject", suggestion.id))
    return embed, view


class ReviewButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
    template=r"prompt:review:(?P<action>approve|reject):(?P<id>[0-9]{1,18})",
):
    """Approve or reject one suggestion (moderators only; the suggester is told by DM)."""

    def __init__(self, action: str, suggestion_id: int) -> None:
        approve = action == "approve"
        super().__init__(
            discord.ui.Button(
                label="Approve" if approve else "Reject",
                style=discord.ButtonStyle.success if approve else discord.ButtonStyle.danger,
                custom_id=f"prompt:review:{action}:{suggestion_id}",
            )
        )
        self.action = action
        self.suggestion_id = suggestion_id

    @classmethod
    async def from_custom_id(  # type: ignore[override]
        cls, interaction: discord.Interaction[PMOBot], item: discord.ui.Button[Any], match: re.Match[str], /
    ) -> ReviewButton:
        """Rebuild from ``prompt:review:<action>:<id>``."""
        return cls(match["action"], int(match["id"]))

    @guarded
    async def callback(self, interaction: discord.Interaction[PMOBot]) -> None:  # type: ignore[override]
        """Record the decision, queue the suggester's DM and show the next suggestion."""
        await require_moderator(interaction)
        bot = interaction.client
        guild_id = interaction.guild_id
        if guild_id is None:  # pragma: no cover - require_moderator refuses DMs
            return
        suggestion, entry = await service.review_suggestion(
            bot.db, guild_id=guild_id, suggestion_id=self.suggestion_id, reviewer_id=interaction.user.id,
            approve=self.action == "approve", seeds=bot.content.prompts, now=bot.clock.now(),
        )  # fmt: skip
        bot.scheduler.wake()
        await post_audit(bot, entry)
        embed, view = await review_message(bot, guild_id)
        outcome = "Approved — it joins the rotation." if suggestion.status == "approved" else "Rejected."
        await interaction.response.edit_message(
            content=f"Suggestion #{suggestion.id}: {outcome} The suggester will be told by DM.",
            embed=embed,
            view=view,
            allowed_mentions=NO_MENTIONS,
        )
