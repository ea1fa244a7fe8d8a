"""The scheduler handlers of mentoring: deliver proposals, expire them, send notices and check-ins, run rounds.

Every message to a member goes out as a job, with the job's deterministic nonce (``enforce_nonce``), so a retry
after a 5xx or a crash never sends it twice; after a crash the DM's history is searched for the message's marker
(its embed footer) before sending again.

Reaching a member, in order:
1. ask Discord for the member (the bot has no members intent, so this is how it learns they left: Unknown
   Member 10007 pauses them and moves their pending proposals on);
2. DM them;
3. when DMs are closed (403, code 50007), post in the mentoring channel mentioning only them — the full proposal
   or check-in (the buttons check who presses them), or just a pointer for private notices;
4. when there is no such channel or the bot may not post there, tell the moderators what to fix.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Final, Literal

import discord
from discord.http import handle_message_parameters

from bot.matching import UnmatchedReason
from bot.scheduler import JobContext, JobResult, SkipJob
from bot.sending import find_recent, send_once
from bot.services import guild_config
from bot.services import mentoring as svc
from cogs.mentoring.render import (
    COLOUR,
    checkin_embed,
    next_round_text,
    proposal_embed,
    proposal_marker,
    unmatched_text,
    when,
)
from cogs.mentoring.views import CheckinButton, proposal_view

if TYPE_CHECKING:
    from bot.client import PMOBot

__all__ = ["CLOSED_DMS", "UNKNOWN_MEMBER", "MentoringJobs"]

log = logging.getLogger(__name__)

UNKNOWN_MEMBER = 10007
CLOSED_DMS = 50007
CHECKIN_GRACE = timedelta(days=7)  # a check-in a few days late is still useful; a fortnight late, the next is due
THREAD_ARCHIVE_MINUTES: Final = 10080  # a week of quiet before Discord hides the thread; any message revives it


class MemberGone(Exception):  # noqa: N818 - a signal, like SkipJob
    """Discord says the member is no longer in the server (Unknown Member)."""

    def __init__(self, user_id: int) -> None:
        super().__init__(f"member {user_id} is no longer in the server")
        self.user_id = user_id


@dataclass(frozen=True, slots=True)
class Delivery:
    """Where a message reached its member."""

    via: Literal["dm", "channel", "none"]
    channel_id: int | None = None
    message_id: int | None = None


def _only(*user_ids: int) -> discord.AllowedMentions:
    """Mentions that ping exactly these members and nothing else."""
    return discord.AllowedMentions(
        everyone=False, roles=False, replied_user=False, users=[discord.Object(u) for u in user_ids]
    )


_WELCOME_MARK = "This private thread is yours"


def _thread_tag(mentorship_id: int) -> str:
    """The end of a mentorship thread's name: how a retry recognises the thread it opened."""
    return f"(#{mentorship_id})"


def _display_name(member: dict[str, Any]) -> str:
    user = member.get("user") or {}
    return str(member.get("nick") or user.get("global_name") or user.get("username") or "member")


class MentoringJobs:
    """The handlers for the mentoring job kinds; :meth:`register` hands them to the scheduler."""

    def __init__(self, bot: PMOBot) -> None:
        self.bot = bot

    def register(self) -> None:
        """Register one handler per kind (expiries and rounds run however late; notices too)."""
        scheduler = self.bot.scheduler
        scheduler.register(svc.PROPOSAL_JOB, self.deliver_proposal, grace=None, describe="mentoring proposal")
        scheduler.register(svc.EXPIRY_JOB, self.expire_proposal, grace=None, describe="mentoring proposal expiry")
        scheduler.register(svc.NOTICE_JOB, self.send_notice, grace=None, describe="mentoring message")
        scheduler.register(svc.CHECKIN_JOB, self.send_checkin, grace=CHECKIN_GRACE, describe="mentorship check-in")
        scheduler.register(svc.ROUND_JOB, self.run_round, grace="guild", describe="mentor matching round")

    # -- reaching members ----------------------------------------------------------------------------------------

    async def _member(self, guild_id: int, user_id: int) -> dict[str, Any]:
        try:
            return dict(await self.bot.http.get_member(guild_id, user_id))
        except discord.NotFound as exc:
            if exc.code == UNKNOWN_MEMBER:
                raise MemberGone(user_id) from exc
            raise

    async def _gone(self, guild_id: int, user_id: int, ctx: JobContext) -> SkipJob:
        """Pause a member Discord no longer knows and move their proposals on; the job is skipped."""
        outcome = await svc.member_left(self.bot.db, guild_id, user_id, ctx.now)
        self.bot.scheduler.wake()
        moved = len(outcome.next_proposals)
        return SkipJob(f"member {user_id} left the server; paused, {moved} proposal(s) moved on")

    async def _reach(
        self,
        ctx: JobContext,
        guild_id: int,
        user_id: int,
        *,
        embed: discord.Embed,
        view: discord.ui.View | None = None,
        marker: str,
        fallback_channel_id: int | None,
        public: bool,
        pointer: str,
    ) -> Delivery:
        """DM a member, or post in the fallback channel when their DMs are closed (see the module docstring)."""
        await self._member(guild_id, user_id)
        try:
            dm = await self.bot.http.start_private_message(user_id)
            dm_id = int(dm["id"])
            if ctx.recovering:
                found = await find_recent(self.bot, dm_id, marker=marker)
                if found is not None:
                    return Delivery("dm", dm_id, found.id)
            message = await send_once(self.bot, dm_id, nonce=ctx.nonce, embeds=[embed], view=view)
            return Delivery("dm", dm_id, message.id)
        except discord.Forbidden as exc:
            if exc.code != CLOSED_DMS:
                raise
        except discord.NotFound as exc:
            if exc.code == UNKNOWN_MEMBER:
                raise MemberGone(user_id) from exc
            raise
        if fallback_channel_id is None:
            return Delivery("none")
        content = f"<@{user_id}> {pointer}"
        try:
            if ctx.recovering:
                found = await find_recent(self.bot, fallback_channel_id, marker=marker)
                if found is not None:
                    return Delivery("channel", fallback_channel_id, found.id)
            message = await send_once(
                self.bot,
                fallback_channel_id,
                nonce=f"{ctx.nonce}c"[:25],
                content=content,
                embeds=[embed] if public else [discord.Embed(colour=COLOUR).set_footer(text=marker)],
                view=view if public else None,
                allowed_mentions=_only(user_id),
                guild_id=guild_id,
            )
        except (discord.Forbidden, discord.NotFound) as exc:
            await self.bot.notify_moderators(
                guild_id,
                f"I couldn't reach <@{user_id}> about mentoring: their DMs are closed and I can't post in "
                f"<#{fallback_channel_id}> (HTTP {exc.status}). Give me View Channel and Send Messages there, or "
                "choose another channel with /admin config set-channel mentoring.",
            )
            return Delivery("none")
        return Delivery("channel", fallback_channel_id, message.id)

    def _server(self, guild_id: int) -> str:
        guild = self.bot.get_guild(guild_id)
        return guild.name if guild else "your PMO community"

    # -- proposals ------------------------------------------------------------------------------------------------

    async def deliver_proposal(self, ctx: JobContext) -> JobResult:
        """Send a proposal to its mentor, with Accept / Decline."""
        proposal = await svc.get_proposal(self.bot.db, int(ctx.job.payload["proposal_id"]))
        if proposal is None or proposal.status != "pending":
            raise SkipJob("the proposal is no longer pending")
        settings = await guild_config.get_settings(self.bot.db, proposal.guild_id)
        skills = self.bot.content.vocabulary.skills
        try:
            delivery = await self._reach(
                ctx,
                proposal.guild_id,
                proposal.mentor_id,
                embed=proposal_embed(proposal, skills, server=self._server(proposal.guild_id)),
                view=proposal_view(proposal),
                marker=proposal_marker(proposal.id),
                fallback_channel_id=settings.mentoring_channel_id,
                public=True,
                pointer="a member would like you as their mentor (I couldn't DM you, so here it is).",
            )
        except MemberGone as gone:
            raise await self._gone(proposal.guild_id, gone.user_id, ctx) from gone
        await svc.record_delivery(self.bot.db, proposal.id, delivery.via, delivery.channel_id, delivery.message_id)
        if delivery.via == "none":
            await self.bot.notify_moderators(
                proposal.guild_id,
                f"I couldn't deliver mentoring proposal #{proposal.id} to <@{proposal.mentor_id}>: their DMs are "
                "closed and no mentoring channel is set (/admin config set-channel mentoring). They can still "
                f"answer from /mentoring status; otherwise it expires {when(proposal.expires_at)}.",
            )
            return JobResult(status="skipped", note="DMs closed and no mentoring channel")
        return JobResult(message_id=delivery.message_id, note=f"delivered by {delivery.via}")

    async def expire_proposal(self, ctx: JobContext) -> JobResult:
        """Close an unanswered proposal and propose the next candidate."""
        step = await svc.expire_proposal(self.bot.db, int(ctx.job.payload["proposal_id"]), ctx.now)
        if step is None:
            raise SkipJob("the proposal was answered or withdrawn before it expired")
        self.bot.scheduler.wake()
        closed = step.closed
        if closed.channel_id is not None and closed.message_id is not None:
            embed = proposal_embed(
                closed,
                self.bot.content.vocabulary.skills,
                server=self._server(closed.guild_id),
                state="⌛ Expired without an answer, so I asked another mentor. No worries!",
            )
            try:
                with handle_message_parameters(embed=embed, view=None) as params:
                    await self.bot.http.edit_message(closed.channel_id, closed.message_id, params=params)
            except discord.HTTPException as exc:
                # Only cosmetic: a late click still gets a clear "expired" answer.
                log.info("Could not mark proposal %s expired on its message: %s", closed.id, exc)
        following = f"proposed to mentor {step.proposal.mentor_id}" if step.proposal else f"none ({step.reason})"
        return JobResult(note=f"expired; next: {following}")

    # -- notices and check-ins ------------------------------------------------------------------------------------

    async def send_notice(self, ctx: JobContext) -> JobResult:
        """Tell a member about their mentoring: matched, proposed, unmatched (with why) or ended."""
        payload = ctx.job.payload
        guild_id, user_id, notice = ctx.job.guild_id, int(payload["user_id"]), str(payload["notice"])
        server = self._server(guild_id)
        thread_id: int | None = None
        if notice == "matched":
            mentorship = await svc.get_mentorship(self.bot.db, int(payload["mentorship_id"]))
            if mentorship is None or mentorship.status != "active":
                raise SkipJob("the mentorship has ended")
            thread_id = await self._ensure_thread(ctx, mentorship)
            text = f"🎉 <@{mentorship.mentor_id}> accepted to be your mentor in **{server}**!"
            text += (
                f" I've opened a private thread for you both: <#{thread_id}>."
                if thread_id
                else " Say hello to them to agree how and when you'll meet."
            )
            text += " Every two weeks I'll ask you both how it's going."
        elif notice == "proposed":
            proposal = await svc.get_proposal(self.bot.db, int(payload["proposal_id"]))
            if proposal is None or proposal.status != "pending":
                raise SkipJob("the proposal was already answered")
            text = (
                f"Good news from **{server}**: I've found a mentor who fits your request and asked them. They have "
                f"until {when(proposal.expires_at)} to answer; I'll tell you as soon as they do."
            )
        elif notice == "unmatched":
            if await svc.waiting_request(self.bot.db, int(payload["request_id"])) is None:
                raise SkipJob("the request is no longer waiting")
            upcoming = await svc.next_round_at(self.bot.db, guild_id, ctx.now)
            text = f"About your mentoring request in **{server}**: " + unmatched_text(
                UnmatchedReason(payload["reason"]), upcoming
            )
        elif notice == "ended":
            mentorship = await svc.get_mentorship(self.bot.db, int(payload["mentorship_id"]))
            if mentorship is None:
                raise SkipJob("the mentorship was deleted")
            by = {"mentor": "your mentor", "mentee": "your mentee", "moderator": "a moderator"}.get(
                str(payload.get("by")), "the other member"
            )
            text = f"Your mentorship with <@{mentorship.other(user_id)}> in **{server}** was ended by {by}."
            if payload.get("requeued"):
                upcoming = await svc.next_round_at(self.bot.db, guild_id, ctx.now)
                text += " Your request is back on the waiting list. " + next_round_text(upcoming)
        else:
            raise SkipJob(f"unknown notice {notice!r}")
        marker = f"Mentoring update {ctx.job.id}"
        embed = discord.Embed(description=text, colour=COLOUR).set_footer(text=marker)
        settings = await guild_config.get_settings(self.bot.db, guild_id)
        try:
            delivery = await self._reach(
                ctx,
                guild_id,
                user_id,
                embed=embed,
                marker=marker,
                fallback_channel_id=thread_id or settings.mentoring_channel_id,
                public=thread_id is not None,
                pointer="I have a mentoring update for you but couldn't DM you; see /mentoring status.",
            )
        except MemberGone as gone:
            raise await self._gone(guild_id, gone.user_id, ctx) from gone
        if delivery.via == "none":
            return JobResult(status="skipped", note="DMs closed and no mentoring channel")
        return JobResult(message_id=delivery.message_id, note=f"{notice} by {delivery.via}")

    async def _ensure_thread(self, ctx: JobContext, mentorship: svc.Mentorship) -> int | None:
        """Open the pair's private thread in the mentoring channel once (when one is set and the bot may).

        A thread create takes no nonce, so a retry after a crash between creating the thread and recording it first
        looks for the thread it made: the name ends with the mentorship's number, which the retry adopts.
        """
        if mentorship.thread_id is not None:
            return mentorship.thread_id
        settings = await guild_config.get_settings(self.bot.db, mentorship.guild_id)
        channel_id = settings.mentoring_channel_id
        if channel_id is None:
            return None
        names = []
        try:
            for user_id in (mentorship.mentor_id, mentorship.mentee_id):
                names.append(_display_name(await self._member(mentorship.guild_id, user_id)))
        except MemberGone:
            return None
        tag = _thread_tag(mentorship.id)
        try:
            thread_id = None
            if ctx.recovering:
                thread_id = await self._find_thread(mentorship.guild_id, channel_id, tag)
            welcomed = False
            if thread_id is None:
                title = f"Mentoring: {names[0]} & {names[1]}"[: 100 - len(tag) - 1]
                thread = await self.bot.http.start_thread_without_message(
                    channel_id,
                    name=f"{title} {tag}",
                    auto_archive_duration=THREAD_ARCHIVE_MINUTES,
                    type=discord.ChannelType.private_thread.value,
                    invitable=False,
                    reason=f"Mentorship #{mentorship.id}",
                )
                thread_id = int(thread["id"])
            else:
                log.info("Adopting thread %s opened for mentorship %s before a restart", thread_id, mentorship.id)
                welcomed = await find_recent(self.bot, thread_id, marker=_WELCOME_MARK, limit=10) is not None
            await svc.set_thread(self.bot.db, mentorship.id, thread_id)
            for user_id in (mentorship.mentor_id, mentorship.mentee_id):
                await self.bot.http.add_user_to_thread(thread_id, user_id)
            if not welcomed:
                await send_once(
                    self.bot,
                    thread_id,
                    nonce=f"{ctx.nonce}t"[:25],
                    content=(
                        f"Welcome <@{mentorship.mentor_id}> (mentor) and <@{mentorship.mentee_id}> (mentee)! "
                        f"{_WELCOME_MARK}: agree how and when you'll meet, share notes and goals. Moderators can see "
                        "it. Use /mentoring end when you're done."
                    ),
                    allowed_mentions=_only(mentorship.mentor_id, mentorship.mentee_id),
                    guild_id=mentorship.guild_id,
                )
        except (discord.Forbidden, discord.NotFound) as exc:
            await self.bot.notify_moderators(
                mentorship.guild_id,
                f"I couldn't open a private thread for mentorship #{mentorship.id} in <#{channel_id}> "
                f"(HTTP {exc.status}). I need Create Private Threads and Send Messages in Threads there.",
            )
            refreshed = await svc.get_mentorship(self.bot.db, mentorship.id)
            return None if refreshed is None else refreshed.thread_id
        return thread_id

    async def _find_thread(self, guild_id: int, channel_id: int, tag: str) -> int | None:
        """A private thread the bot opened in ``channel_id`` whose name ends with ``tag`` (still active)."""
        me = self.bot.user.id if self.bot.user is not None else None
        active: dict[str, Any] = dict(await self.bot.http.get_active_threads(guild_id))
        for thread in active.get("threads") or []:
            if (
                int(thread.get("parent_id") or 0) == channel_id
                and int(thread.get("owner_id") or 0) == me
                and int(thread.get("type") or 0) == discord.ChannelType.private_thread.value
                and str(thread.get("name") or "").endswith(tag)
            ):
                return int(thread["id"])
        return None

    async def send_checkin(self, ctx: JobContext) -> JobResult:
        """Ask one participant how the mentorship is going (and schedule the next check-in)."""
        payload = ctx.job.payload
        mentorship_id, user_id, cycle = int(payload["mentorship_id"]), int(payload["user_id"]), int(payload["cycle"])
        mentorship = await svc.checkin_due(self.bot.db, mentorship_id, user_id, cycle, ctx.now)
        if mentorship is None:
            raise SkipJob("the mentorship has ended")
        self.bot.scheduler.wake()
        view = discord.ui.View(timeout=None)
        for answer in ("well", "help", "end"):
            view.add_item(CheckinButton(mentorship.id, answer, (mentorship.mentor_id, mentorship.mentee_id)))
        embed = checkin_embed(mentorship, user_id, server=self._server(mentorship.guild_id))
        marker = f"Mentorship #{mentorship.id} check-in {cycle}"
        embed.set_footer(text=marker)
        settings = await guild_config.get_settings(self.bot.db, mentorship.guild_id)
        try:
            delivery = await self._reach(
                ctx,
                mentorship.guild_id,
                user_id,
                embed=embed,
                view=view,
                marker=marker,
                fallback_channel_id=mentorship.thread_id or settings.mentoring_channel_id,
                public=True,
                pointer="it's check-in time for your mentorship (I couldn't DM you).",
            )
        except MemberGone as gone:
            raise await self._gone(mentorship.guild_id, gone.user_id, ctx) from gone
        if delivery.via == "none":
            return JobResult(status="skipped", note="DMs closed and no mentoring channel")
        return JobResult(message_id=delivery.message_id, note=f"check-in {cycle} by {delivery.via}")

    # -- rounds ------------------------------------------------------------------------------------------------------

    async def run_round(self, ctx: JobContext) -> JobResult:
        """The weekly automatic round over every waiting request."""
        result = await svc.run_round(self.bot.db, ctx.job.guild_id, ctx.now, preview=False)
        self.bot.scheduler.wake()
        if result.waiting == 0:
            raise SkipJob("nobody was waiting")
        return JobResult(note=f"{len(result.pairs)} proposed, {len(result.unmatched)} still waiting")
