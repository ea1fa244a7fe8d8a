"""/prompt today and /prompt suggest, and the wiring of the prompts feature into the bot (scheduler handlers,
persistent buttons)."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.content import MAX_PROMPT_TEXT
from bot.services import prompts as service
from bot.timeutil import discord_timestamp
from bot.tree import send_ephemeral
from cogs.prompts.posting import THREAD_ATTEMPTS, PromptPoster
from cogs.prompts.views import LogThisButton, ReviewButton, prompt_embed, prompt_view

if TYPE_CHECKING:
    from bot.client import PMOBot

__all__ = ["PromptCog"]

log = logging.getLogger(__name__)

# A suggestion's DM is still worth sending a day or two late; a prompt post follows the server's grace setting.
OUTCOME_GRACE = timedelta(days=2)
# A discussion thread is still worth opening while its prompt is the current one (threads archive after a day).
THREAD_GRACE = timedelta(hours=20)


@app_commands.guild_only()
class PromptCog(commands.GroupCog, group_name="prompt", group_description="Daily learning prompts (70-20-10)."):
    """Members' prompt commands; also registers the prompt jobs and buttons."""

    def __init__(self, bot: PMOBot) -> None:
        self.bot = bot
        self.poster = PromptPoster(bot)
        super().__init__()

    async def cog_load(self) -> None:
        """Register the scheduler handlers and the persistent buttons."""
        self.bot.scheduler.register(service.JOB_KIND, self.poster.post, grace="guild", describe="daily prompt")
        self.bot.scheduler.register(
            service.THREAD_JOB_KIND, self.poster.open_thread, grace=THREAD_GRACE, max_attempts=THREAD_ATTEMPTS,
            describe="prompt discussion thread",
        )  # fmt: skip
        self.bot.scheduler.register(
            service.OUTCOME_JOB_KIND, self.poster.tell_suggester, grace=OUTCOME_GRACE, describe="suggestion reply"
        )
        self.bot.add_dynamic_items(LogThisButton, ReviewButton)

    async def cog_unload(self) -> None:
        """Forget the scheduler handlers and the persistent buttons (so a reload can register them again)."""
        self.bot.scheduler.unregister(service.JOB_KIND)
        self.bot.scheduler.unregister(service.THREAD_JOB_KIND)
        self.bot.scheduler.unregister(service.OUTCOME_JOB_KIND)
        self.bot.remove_dynamic_items(LogThisButton, ReviewButton)

    @app_commands.command(name="today")
    async def today(self, interaction: discord.Interaction[PMOBot]) -> None:
        """Today's prompt for this server (or the latest one)."""
        guild_id = interaction.guild_id
        if guild_id is None:  # pragma: no cover - guild_only
            return
        post = await service.latest_post(self.bot.db, guild_id)
        if post is not None and not post.posted:
            where = f"Being posted right now in <#{post.channel_id}>." if post.channel_id else None
            await send_ephemeral(interaction, where, embed=prompt_embed(post), view=prompt_view(post.id))
            return
        if post is None or post.posted_at is None:
            await send_ephemeral(
                interaction,
                "No prompt has been posted in this server yet. Moderators can set a daily schedule with "
                "`/admin prompts schedule`.",
            )
            return
        where = ""
        if post.channel_id and post.message_id:
            link = f"https://discord.com/channels/{guild_id}/{post.channel_id}/{post.message_id}"
            where = f"Posted {discord_timestamp(post.posted_at, 'R')} in <#{post.channel_id}> — [jump to it]({link})"
            if post.thread_id:
                where += f" · discuss in <#{post.thread_id}>"
        await send_ephemeral(interaction, where or None, embed=prompt_embed(post), view=prompt_view(post.id))

    @app_commands.command(name="suggest")
    @app_commands.describe(
        text="The prompt: one thing to do or reflect on within a working day",
        kind="Experience (doing, 70), exposure (learning from others, 20) or education (formal, 10)",
    )
    async def suggest(
        self,
        interaction: discord.Interaction[PMOBot],
        text: app_commands.Range[str, 1, MAX_PROMPT_TEXT],
        kind: Literal["experience", "exposure", "education"],
    ) -> None:
        """Suggest a prompt; the moderators review it."""
        guild_id = interaction.guild_id
        if guild_id is None:  # pragma: no cover - guild_only
            return
        suggestion = await service.suggest_prompt(
            self.bot.db, guild_id=guild_id, user_id=interaction.user.id, text=text, kind=kind,
            seeds=self.bot.content.prompts, now=self.bot.clock.now(),
        )  # fmt: skip
        await send_ephemeral(
            interaction,
            f"Thanks! Your {suggestion.kind} prompt is waiting for the moderators' review (suggestion "
            f"#{suggestion.id}). I'll tell you by DM when they decide.",
        )
