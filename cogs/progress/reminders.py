"""The weekly check-in reminder: a DM with "Log activity" and "Skip this week", sent by the scheduler.

Each occurrence is sent with the job's deterministic nonce and ``enforce_nonce`` (:func:`bot.sending.send_once`);
when the outcome of an earlier attempt is unknown (a crash, a timeout) the DM's recent history is searched for the
occurrence's own "Skip this week" button before sending again, so a member never gets the same check-in twice.
When the member's DMs are closed (403, code 50007) the scheduler's generic handling does not fit (it pauses only
server schedules and would tell the moderators about a member's privacy setting), so the handler catches it: the
reminder is paused and the member is told once, in the check-ins channel, without the check-in's content; running
``/progress reminders`` again restarts it.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord

from bot.mix import week_start
from bot.recurrence import next_occurrence
from bot.scheduler import JobContext, JobResult, SkipJob
from bot.sending import MAX_NONCE, send_once
from bot.services import guild_config, progress
from bot.timeutil import to_unix
from cogs.progress.render import checkin_embed
from cogs.progress.views import LogActivityButton, SkipWeekButton

if TYPE_CHECKING:
    from bot.client import PMOBot

__all__ = ["CLOSED_DMS", "ReminderSender"]

log = logging.getLogger(__name__)

CLOSED_DMS = 50007  # "Cannot send messages to this user"
_HISTORY_LOOKBACK = 20


def _has_component(message: discord.Message, custom_id: str) -> bool:
    for row in message.components:
        for child in getattr(row, "children", ()):
            if getattr(child, "custom_id", None) == custom_id:
                return True
    return False


class ReminderSender:
    """The scheduler handler for ``checkin-reminder`` jobs."""

    def __init__(self, bot: PMOBot) -> None:
        self.bot = bot

    async def __call__(self, ctx: JobContext) -> JobResult:
        """Send one member's weekly check-in DM."""
        schedule = ctx.schedule
        if schedule is None or schedule.paused:
            raise SkipJob("the reminder was turned off or paused")
        guild_id, user_id = schedule.guild_id, schedule.owner_id
        week = week_start(ctx.job.due_at.astimezone(schedule.rule.zone).date())
        if await progress.skipped_week(self.bot.db, guild_id, user_id, week):
            raise SkipJob("the member skipped this week")
        guild = self.bot.get_guild(guild_id)
        summary = await progress.checkin_summary(self.bot.db, guild_id, user_id, ctx.now)
        embed = checkin_embed(
            summary,
            self.bot.content,
            server=guild.name if guild else "your PMO community",
            week=week,
            next_at=next_occurrence(schedule.rule, ctx.job.due_at),
        )
        view = discord.ui.View(timeout=None)
        view.add_item(LogActivityButton(guild_id))
        skip = SkipWeekButton(guild_id, week)
        view.add_item(skip)
        try:
            dm = await self.bot.http.start_private_message(user_id)
            channel = self.bot.get_partial_messageable(int(dm["id"]), type=discord.ChannelType.private)
            if ctx.recovering:
                found = await self._already_sent(channel, skip.item.custom_id or "")
                if found is not None:
                    return JobResult(message_id=found, note="found in the DM after a restart")
            message = await send_once(self.bot, channel.id, nonce=ctx.nonce, embeds=[embed], view=view)
        except discord.Forbidden as exc:
            if exc.code != CLOSED_DMS:
                raise
            await self._dms_closed(ctx, guild_id, user_id, schedule.id)
            raise SkipJob("the member's DMs are closed; reminders paused until they run /progress reminders") from exc
        return JobResult(message_id=message.id)

    async def _already_sent(self, channel: discord.PartialMessageable, custom_id: str) -> int | None:
        """The id of this occurrence's DM if a crashed attempt delivered it."""
        me = self.bot.user.id if self.bot.user else None
        try:
            async for message in channel.history(limit=_HISTORY_LOOKBACK):
                if message.author.id == me and _has_component(message, custom_id):
                    return message.id
        except discord.HTTPException as exc:
            log.warning("Could not read DM history to check for a sent check-in: %s", exc)
        return None

    async def _dms_closed(self, ctx: JobContext, guild_id: int, user_id: int, schedule_id: int) -> None:
        """Pause the reminder and tell the member once, in the check-ins channel (mentioning only them)."""
        db = self.bot.db
        first = await progress.record_dms_closed(
            db, guild_id=guild_id, user_id=user_id, schedule_id=schedule_id, now=ctx.now
        )
        log.info("Check-in reminder paused: DMs closed (guild %s, member %s)", guild_id, user_id)
        if not first:
            return
        settings = await guild_config.get_settings(db, guild_id)
        if settings.checkins_channel_id is None:
            await self.bot.notify_moderators(
                guild_id,
                "A member's weekly check-in reminder was paused because their DMs are closed, and I could not tell "
                "them: no check-ins channel is set. Set one with /admin config set-channel purpose:checkins.",
            )
            return
        text = (
            f"<@{user_id}> I couldn't send your weekly 70-20-10 check-in because your DMs are closed to me, so I've "
            "paused it. Allow direct messages from this server's members (Privacy Settings), then run "
            "`/progress reminders` to restart it."
        )
        try:
            await send_once(
                self.bot,
                settings.checkins_channel_id,
                guild_id=guild_id,
                nonce=f"d{schedule_id}.{to_unix(ctx.job.due_at)}"[:MAX_NONCE],
                content=text,
                allowed_mentions=discord.AllowedMentions(
                    users=[discord.Object(user_id)], roles=False, everyone=False, replied_user=False
                ),
            )
        except discord.HTTPException as exc:
            log.warning("Could not tell member %s in the check-ins channel of guild %s: %s", user_id, guild_id, exc)
            await self.bot.notify_moderators(
                guild_id,
                f"I could not post in the check-ins channel <#{settings.checkins_channel_id}> ({exc.status} "
                f"{exc.text[:100]}) to tell a member their check-in reminders are paused. Check my permissions "
                "there (View Channel, Send Messages) or choose another channel.",
            )
            return
        await progress.record_member_told(db, guild_id=guild_id, user_id=user_id, now=ctx.now)
