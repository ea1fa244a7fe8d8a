"""/admin mentors: matching rounds (with a preview), manual matches, unmatching, pending items and statistics."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import discord
from discord import app_commands

from bot.errors import ValidationError
from bot.services import mentoring as svc
from bot.timeutil import discord_timestamp
from bot.tree import send_ephemeral
from cogs._shared import post_audit
from cogs.mentoring.render import COLOUR, area_list, next_round_text, page_lines
from cogs.mentoring.views import PagerView

if TYPE_CHECKING:
    from bot.client import PMOBot
    from cogs._shared import AdminMixinBase
else:
    AdminMixinBase = object

__all__ = ["MentorsAdmin"]

log = logging.getLogger(__name__)

STATS_WINDOW = timedelta(days=30)


def _name(bot: PMOBot, user_id: int) -> str:
    user = bot.get_user(user_id)
    return user.display_name if user is not None else str(user_id)


async def active_mentorship_autocomplete(
    interaction: discord.Interaction[PMOBot], current: str
) -> list[app_commands.Choice[str]]:
    """The server's active mentorships, matching the id or names typed."""
    if interaction.guild_id is None:
        return []
    bot = interaction.client
    typed = current.strip().lstrip("#").lower()
    choices = []
    for m in await svc.active_mentorships(bot.db, interaction.guild_id):
        label = (
            f"#{m.id} · {_name(bot, m.mentor_id)} mentoring {_name(bot, m.mentee_id)} · since {m.started_at:%d %b %Y}"
        )
        if typed in label.lower():
            choices.append(app_commands.Choice(name=label[:100], value=str(m.id)))
        if len(choices) == 25:
            break
    return choices


def _age(moment: datetime) -> str:
    return discord_timestamp(moment, "R")


async def _paged(interaction: discord.Interaction[PMOBot], title: str, lines: list[str]) -> None:
    pages = page_lines(lines)
    view = PagerView(interaction.user.id, title, pages)
    await send_ephemeral(interaction, embed=view.embed(), view=view if len(pages) > 1 else None)


class MentorsAdmin(AdminMixinBase):
    """/admin mentors (a mixin of AdminCog; the moderator check is AdminCog.interaction_check)."""

    bot: PMOBot

    mentors = app_commands.Group(name="mentors", description="Mentor matching: rounds, manual matches, overview.")

    @mentors.command(name="round")
    @app_commands.describe(preview="Only show the pairs and their scores; nothing is sent or stored")
    async def mentors_round(self, interaction: discord.Interaction[PMOBot], preview: bool = False) -> None:
        """Match all waiting requests at once for the best total score; preview sends nothing."""
        assert interaction.guild_id is not None  # noqa: S101 - AdminCog is guild-only
        # A big round takes a moment (scoring, then one proposal per pair): answer within Discord's 3 s first.
        await interaction.response.defer(ephemeral=True, thinking=True)
        result = await svc.run_round(
            self.bot.db, interaction.guild_id, self.bot.clock.now(), preview=preview, actor_id=interaction.user.id
        )
        if not preview:
            self.bot.scheduler.wake()
            await post_audit(self.bot, result.audit)
        heading = "Preview — nothing sent" if preview else "Matching round"
        lines = [
            f"**{result.waiting}** waiting request(s) · **{len(result.pairs)}** pair(s) · total score "
            f"**{result.total:.2f}** (optimal assignment under mentor capacities)",
            "",
        ]
        if result.pairs:
            lines.append("**Pairs** (mentee → mentor · score)")
            for pair in result.pairs:
                sent = f" · proposal #{pair.proposal_id}" if pair.proposal_id else ""
                lines.append(f"<@{pair.mentee_id}> → <@{pair.mentor_id}> · {pair.score:.2f}{sent}")
        if result.unmatched:
            lines += ["", "**Left waiting** (and why)"]
            lines += [f"<@{mentee}> — {svc.UNMATCHED_WHY[reason]}" for _, mentee, reason in result.unmatched]
        lines.append("")
        if preview:
            lines.append("Run /admin mentors round without preview to send these proposals.")
        else:
            told = " Everyone left waiting has been told why." if result.unmatched else ""
            lines.append(f"Mentors get their proposals by DM (or in the mentoring channel).{told}")
        lines.append(next_round_text(result.next_round_at))
        await _paged(interaction, heading, lines)

    @mentors.command(name="match")
    @app_commands.describe(mentee="A member with an open mentoring request", mentor="The mentor to propose to them")
    async def mentors_match(
        self, interaction: discord.Interaction[PMOBot], mentee: discord.User, mentor: discord.User
    ) -> None:
        """Propose a chosen mentor to a member (overrides the score; never self, paused or full)."""
        assert interaction.guild_id is not None  # noqa: S101 - AdminCog is guild-only
        if mentee.bot or mentor.bot:
            raise ValidationError("Bots can't take part in mentoring; choose two members.")
        result = await svc.match_manually(
            self.bot.db, interaction.guild_id, mentee.id, mentor.id, interaction.user.id, self.bot.clock.now()
        )
        self.bot.scheduler.wake()
        await post_audit(self.bot, result.audit)
        text = (
            f"Proposed <@{mentor.id}> to <@{mentee.id}> (proposal #{result.proposal.id}, score "
            f"{result.proposal.score:.2f}). <@{mentor.id}> answers by DM until "
            f"{discord_timestamp(result.proposal.expires_at, 'F')}."
        )
        if result.replaced is not None:
            text += f" This replaces the pending proposal #{result.replaced.id} to <@{result.replaced.mentor_id}>."
        await send_ephemeral(interaction, text)

    @mentors.command(name="unmatch")
    @app_commands.describe(match="The active mentorship to end (suggested as you type)")
    @app_commands.autocomplete(match=active_mentorship_autocomplete)
    async def mentors_unmatch(
        self, interaction: discord.Interaction[PMOBot], match: app_commands.Range[str, 1, 24]
    ) -> None:
        """End an active mentorship; the mentee goes back on the waiting list."""
        assert interaction.guild_id is not None  # noqa: S101 - AdminCog is guild-only
        cleaned = match.strip().lstrip("#")
        if not cleaned.isdigit():
            raise ValidationError("Choose the mentorship from the suggestions (for example #12).")
        result = await svc.unmatch(
            self.bot.db, interaction.guild_id, int(cleaned), interaction.user.id, self.bot.clock.now()
        )
        self.bot.scheduler.wake()
        await post_audit(self.bot, result.audit)
        m = result.mentorship
        text = f"Ended mentorship #{m.id} (<@{m.mentor_id}> mentoring <@{m.mentee_id}>); both have been told."
        text += " I won't pair them again."
        if result.requeued:
            text += f" <@{m.mentee_id}> is back on the waiting list for the next round."
        await send_ephemeral(interaction, text)

    @mentors.command(name="pending")
    async def mentors_pending(self, interaction: discord.Interaction[PMOBot]) -> None:
        """Waiting requests and unanswered proposals, oldest first, with their ages."""
        assert interaction.guild_id is not None  # noqa: S101 - AdminCog is guild-only
        pending = await svc.pending_overview(self.bot.db, interaction.guild_id)
        skills = self.bot.content.vocabulary.skills
        lines = [f"**Waiting requests ({len(pending.requests)})**"]
        lines += [
            f"#{r.id} <@{r.user_id}> · {area_list(r.areas, skills)} · waiting since {_age(r.created_at)}"
            for r in pending.requests
        ] or ["None."]
        lines += ["", f"**Proposals waiting for an answer ({len(pending.proposals)})**"]
        via = {"dm": "by DM", "channel": "in the mentoring channel", "none": "undelivered", None: "being delivered"}
        lines += [
            f"#{p.id} <@{p.mentee_id}> → <@{p.mentor_id}> · sent {_age(p.created_at)} {via.get(p.delivered_via, '')}"
            f" · expires {_age(p.expires_at)}"
            for p in pending.proposals
        ] or ["None."]
        await _paged(interaction, "Pending mentoring", lines)

    @mentors.command(name="stats")
    async def mentors_stats(self, interaction: discord.Interaction[PMOBot]) -> None:
        """Mentors, places used, waiting times, active pairs and ratings."""
        assert interaction.guild_id is not None  # noqa: S101 - AdminCog is guild-only
        now = self.bot.clock.now()
        stats = await svc.mentoring_stats(self.bot.db, interaction.guild_id, now - STATS_WINDOW)
        embed = discord.Embed(title="Mentoring overview", colour=COLOUR)
        embed.add_field(
            name="Mentors",
            value=f"{stats.mentors} ({stats.paused_mentors} paused)\n{stats.capacity} places offered",
        )
        embed.add_field(
            name="Places",
            value=f"{stats.places_used} in active mentorships\n{stats.places_promised} held by pending proposals",
        )
        embed.add_field(name="Active pairs", value=str(stats.active_pairs))
        waiting = f"{stats.waiting_requests} open request(s)"
        if stats.waiting_since is not None:
            waiting += f"\nlongest waiting since {_age(stats.waiting_since)}"
        embed.add_field(name="Waiting", value=waiting)
        median = "—" if stats.median_wait_to_match is None else _duration(stats.median_wait_to_match)
        embed.add_field(
            name="Last 30 days",
            value=(
                f"{stats.matched_since} matched (median wait {median})\n"
                f"{stats.accepted_since} accepted · {stats.declined_since} declined · {stats.expired_since} expired\n"
                f"{stats.ended_since} ended"
            ),
            inline=False,
        )
        rating = (
            "no ratings yet"
            if stats.average_rating is None
            else (f"{stats.average_rating:.1f} / 5 from {stats.ratings} rating(s)")
        )
        embed.add_field(name="Ratings (last 30 days)", value=rating, inline=False)
        await send_ephemeral(interaction, embed=embed)


def _duration(value: timedelta) -> str:
    hours = value.total_seconds() / 3600
    return f"{hours:.0f} h" if hours < 48 else f"{hours / 24:.1f} days"
