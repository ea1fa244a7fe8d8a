"""The scheduler handlers of the prompts feature: posting a prompt occurrence, and telling a suggester the outcome.

Posting a prompt is exactly-once by construction:

1. the prompt is *reserved* for the occurrence in the database before anything is sent, so every retry posts
   the same prompt;
2. the message is sent with the occurrence's deterministic nonce and ``enforce_nonce`` (:mod:`bot.sending`), so
   Discord drops a repeat within its nonce window;
3. when an earlier attempt's outcome is unknown (a crash mid-send, a 5xx) the channel's recent history is first
   searched for the post, known by its Log this button's ``custom_id`` (which names the post; Discord returns
   components in the history but not the nonce, and members never see a custom_id), so a repeat after the
   nonce window is not posted either. Posts made before this marker moved there carried
   ``Daily prompt · <nonce>`` as their footer; those are recognised too;
4. the message id is recorded on the reservation before the job is marked sent, so a crash in between only
   re-records it.

Opening the discussion thread is a follow-up ``prompt-thread`` job, queued in the transaction that records the
post. The dispatcher runs the earliest ``run_at`` first, so when many servers' prompts fall due together every
due post goes out before the threads queued behind them. The thread is opened at most once per post: its id is
recorded on the post, a job that finds one recorded does nothing, a job whose earlier attempt may have reached
Discord first looks for the thread on the post in the channel's history, and Discord itself refuses a second
thread on one message. A thread that cannot be opened never fails the post; the reason is noted on the post's
job, where ``/admin prompts status`` shows it.
"""

from __future__ import annotations

import logging
import zoneinfo
from typing import TYPE_CHECKING, Any, Literal

import discord

from bot.errors import NotFoundError
from bot.scheduler import JobContext, JobResult, SkipJob
from bot.sending import FoundMessage, find_recent, send_dm_once, send_once
from bot.services import guild_config
from bot.services import prompts as service
from cogs.prompts.views import is_prompt_post, legacy_post_marker, post_footer, prompt_embed, prompt_view

if TYPE_CHECKING:
    from bot.client import PMOBot

__all__ = ["PromptPoster"]

log = logging.getLogger(__name__)

THREAD_ARCHIVE_MINUTES: Literal[1440] = 1440  # a day: the next prompt takes over
MAX_THREAD_NAME = 100
THREAD_EXISTS = 160004  # Discord: "A thread has already been created for this message"
THREAD_ATTEMPTS = 3  # Discord errors (5xx, 429) retried by the dispatcher; after that, the post stays threadless
NO_THREAD_PERMISSION = "posted without a discussion thread: I lack Create Public Threads in that channel"


class PromptPoster:
    """Runs ``prompt``, ``prompt-thread`` and ``prompt-outcome`` jobs for the bot."""

    def __init__(self, bot: PMOBot) -> None:
        self.bot = bot

    # -- prompt posts --------------------------------------------------------------------------------------------

    async def post(self, ctx: JobContext) -> JobResult:
        """Post one prompt occurrence (scheduled, or queued by ``/admin prompts post-now``)."""
        bot, job = self.bot, ctx.job
        channel_id = ctx.schedule.channel_id if ctx.schedule is not None else job.payload.get("channel_id")
        if not isinstance(channel_id, int):
            raise SkipJob("no channel to post in")
        reservation = await service.reserve_post(
            bot.db, guild_id=job.guild_id, job_key=job.key, channel_id=channel_id, seeds=bot.content.prompts,
            now=ctx.now,
        )  # fmt: skip
        if reservation is None:
            await bot.notify_moderators(
                job.guild_id,
                "No daily prompt was posted: this server's prompt bank is empty. Add prompts with "
                "/admin prompts add or /admin prompts import.",
            )
            raise SkipJob("the prompt bank is empty")
        post = reservation.post
        message_id, thread_id = post.message_id, post.thread_id
        if (message_id is None or thread_id is None) and (ctx.recovering or not reservation.fresh):
            # An earlier attempt may have posted (or opened the thread) without living to record it.
            found = await self._find_earlier(channel_id, post.id, legacy_post_marker(job.nonce))
            if found is not None:
                if message_id is None:
                    log.warning(
                        "Prompt occurrence %s was already posted (message %s) before a restart; not posting again",
                        job.key, found.id,
                    )  # fmt: skip
                message_id, thread_id = message_id or found.id, thread_id or found.thread_id
        if message_id is None:
            message = await send_once(
                bot, channel_id, nonce=job.nonce, embeds=[prompt_embed(post, footer=post_footer(post))],
                view=prompt_view(post.id), guild_id=job.guild_id,
            )  # fmt: skip
            message_id = message.id
        note = None
        thread: dict[str, Any] | None = None
        if thread_id is None:
            if self._may_create_thread(job.guild_id, channel_id) is False:
                note = NO_THREAD_PERMISSION
            else:
                thread = {"name": await self._thread_name(ctx, post)}
        await service.mark_posted(
            bot.db, post.id, channel_id=channel_id, message_id=message_id, now=bot.clock.now(), thread=thread
        )
        if thread_id is not None and thread_id != post.thread_id:
            await service.set_thread(bot.db, post.id, thread_id)
        await self._warn_if_low(job.guild_id)
        return JobResult(message_id=message_id, note=note)

    async def open_thread(self, ctx: JobContext) -> JobResult:
        """Open the discussion thread on a posted prompt (a ``prompt-thread`` job queued by :meth:`post`)."""
        bot, job = self.bot, ctx.job
        post_id, name = job.payload.get("post_id"), job.payload.get("name")
        if not isinstance(post_id, int) or not isinstance(name, str):
            raise SkipJob("no post in the job")
        # Jobs queued before the upgrade carry the post's old footer marker.
        legacy = job.payload.get("marker")
        marker = legacy if isinstance(legacy, str) else None
        try:
            post = await service.get_post(bot.db, job.guild_id, post_id)
        except NotFoundError:
            raise SkipJob("the post is gone") from None
        if post.thread_id is not None:
            raise SkipJob("the post already has a discussion thread")
        if post.channel_id is None or post.message_id is None:  # pragma: no cover - a posted row has both
            raise SkipJob("the post has no message")
        channel_id, message_id = post.channel_id, post.message_id
        if ctx.recovering:
            # An earlier attempt may have opened the thread without living to record it.
            found = await self._find_earlier(channel_id, post.id, marker)
            if found is not None and found.thread_id is not None:
                await service.set_thread(bot.db, post.id, found.thread_id)
                return JobResult(message_id=found.thread_id, note="found on the post after a restart")
        if self._may_create_thread(job.guild_id, channel_id) is False:
            await service.note_thread_outcome(bot.db, post.job_key, NO_THREAD_PERMISSION)
            raise SkipJob(NO_THREAD_PERMISSION)
        try:
            thread = await bot.http.start_thread_with_message(
                channel_id, message_id, name=name, auto_archive_duration=THREAD_ARCHIVE_MINUTES
            )
        except discord.HTTPException as exc:
            if exc.code == THREAD_EXISTS:
                # Opened by an attempt whose outcome was lost (or by hand): record it rather than fail.
                found = await self._find_earlier(channel_id, post.id, marker)
                if found is not None and found.thread_id is not None:
                    await service.set_thread(bot.db, post.id, found.thread_id)
                    return JobResult(message_id=found.thread_id, note="Discord already had a thread on the post")
                raise SkipJob("Discord already has a thread on the post") from exc
            if (exc.status >= 500 or exc.status == 429) and job.attempts < THREAD_ATTEMPTS:
                raise  # the dispatcher retries with backoff; the retry looks in the history first
            log.warning("Could not open a thread on prompt message %s: %s", message_id, exc)
            note = f"posted without a discussion thread: HTTP {exc.status} {exc.text[:120]}"
            await service.note_thread_outcome(bot.db, post.job_key, note)
            raise SkipJob(note) from exc
        thread_id = int(thread["id"])
        await service.set_thread(bot.db, post.id, thread_id)
        return JobResult(message_id=thread_id)

    async def _find_earlier(self, channel_id: int, post_id: int, legacy_marker: str | None) -> FoundMessage | None:
        """The post of ``post_id`` in the channel's recent history (by its Log this button, or an old footer)."""
        try:
            return await find_recent(
                self.bot, channel_id, match=lambda message: is_prompt_post(message, post_id, legacy_marker)
            )
        except discord.Forbidden as exc:
            # Without Read Message History the nonce is the only guard left; sending is still right.
            log.warning("Could not read the history of channel %s to look for a sent prompt: %s", channel_id, exc)
            return None

    def _may_create_thread(self, guild_id: int, channel_id: int) -> bool | None:
        """Whether the bot may start a public thread there (None when the channel is not in the cache)."""
        guild = self.bot.get_guild(guild_id)
        channel = guild.get_channel(channel_id) if guild is not None else None
        if guild is None or channel is None or guild.me is None:
            return None
        perms = channel.permissions_for(guild.me)
        return perms.view_channel and perms.create_public_threads and perms.read_message_history

    async def _thread_name(self, ctx: JobContext, post: service.PromptPost) -> str:
        """The thread's name: the post's local date and the prompt, within Discord's 100 characters."""
        zone = (
            ctx.schedule.rule.zone
            if ctx.schedule is not None
            else zoneinfo.ZoneInfo((await guild_config.get_settings(self.bot.db, ctx.job.guild_id)).timezone)
        )
        day = ctx.job.due_at.astimezone(zone)
        name = f"{day:%a %d %b} · {' '.join(post.text.split())}"
        if len(name) > MAX_THREAD_NAME:
            name = name[: MAX_THREAD_NAME - 1] + "…"
        return name

    async def _warn_if_low(self, guild_id: int) -> None:
        remaining = await service.claim_low_bank_warning(
            self.bot.db, guild_id, self.bot.content.prompts, self.bot.clock.now()
        )
        if remaining is None:
            return
        left = "No unused prompts remain" if remaining == 0 else f"Only {remaining} unused prompt(s) remain"
        await self.bot.notify_moderators(
            guild_id,
            f"{left} in this server's rotation; after that, prompts start repeating. Add new ones with "
            "/admin prompts add or /admin prompts import, or approve member suggestions with /admin prompts review.",
        )

    # -- suggestion outcomes ---------------------------------------------------------------------------------------

    async def tell_suggester(self, ctx: JobContext) -> JobResult:
        """DM a member whether their suggestion was approved; closed DMs are skipped silently."""
        bot, job = self.bot, ctx.job
        suggestion_id = job.payload.get("suggestion_id")
        if not isinstance(suggestion_id, int):
            raise SkipJob("no suggestion in the job")
        try:
            suggestion = await service.get_suggestion(bot.db, job.guild_id, suggestion_id)
        except NotFoundError:
            raise SkipJob("the suggestion was deleted") from None
        guild = bot.get_guild(job.guild_id)
        server = guild.name if guild is not None else "the server"
        marker = f"(suggestion #{suggestion.id})"
        if suggestion.status == "approved":
            text = (
                f"Good news: the moderators of **{server}** approved your daily prompt suggestion {marker}. "
                "It joins the rotation and will be posted on a coming day:\n> "
            )
        elif suggestion.status == "rejected":
            text = (
                f"Thank you for suggesting a daily prompt to **{server}** {marker}. The moderators decided not to "
                "add it this time:\n> "
            )
        else:
            raise SkipJob("the suggestion is not reviewed")
        content = (text + " ".join(suggestion.text.split()))[:2000]
        try:
            dm = await bot.http.start_private_message(suggestion.user_id)
            if ctx.recovering:
                found = await find_recent(bot, int(dm["id"]), marker=marker, limit=20)
                if found is not None:
                    return JobResult(message_id=found.id, note="found in the DM after a restart")
            message = await send_dm_once(bot, suggestion.user_id, nonce=job.nonce, content=content)
        except (discord.Forbidden, discord.NotFound) as exc:
            log.info("Could not DM member %s about suggestion %s: %s", suggestion.user_id, suggestion.id, exc)
            raise SkipJob("the member's DMs are closed") from exc
        return JobResult(message_id=message.id)
