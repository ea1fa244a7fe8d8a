"""/mentoring: offer mentoring, ask for a mentor, see where things stand, pause, resume and end."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.errors import NotFoundError, ValidationError
from bot.matching import UnmatchedReason
from bot.services import mentoring as svc
from bot.timeutil import resolve_timezone
from bot.tree import send_ephemeral
from cogs._shared import timezone_autocomplete
from cogs.mentoring.delivery import MentoringJobs
from cogs.mentoring.render import next_round_text, profile_embed, status_embed, unmatched_text, when
from cogs.mentoring.views import BioModal, CheckinButton, OfferReplyView, ProposalButton

if TYPE_CHECKING:
    from bot.client import PMOBot

__all__ = ["MentoringCog", "areas_autocomplete"]

log = logging.getLogger(__name__)

_MAX_PROPOSAL_BUTTONS = 12  # two buttons each, within Discord's 25 components per message


def _guild(interaction: discord.Interaction[PMOBot]) -> int:
    """The server of a guild-only command (Discord never sends one from a DM; the check is for the type)."""
    if interaction.guild_id is None:
        raise app_commands.NoPrivateMessage()
    return interaction.guild_id


async def areas_autocomplete(interaction: discord.Interaction[PMOBot], current: str) -> list[app_commands.Choice[str]]:
    """Skills from the shared vocabulary, completing the last comma-separated item being typed."""
    skills = interaction.client.content.vocabulary.skills
    return [app_commands.Choice(name=label, value=value) for label, value in svc.suggest_areas(current, skills)]


def _name(bot: PMOBot, user_id: int) -> str:
    user = bot.get_user(user_id)
    return user.display_name if user is not None else f"member {user_id}"


async def mentorship_autocomplete(
    interaction: discord.Interaction[PMOBot], current: str
) -> list[app_commands.Choice[str]]:
    """The caller's active mentorships."""
    if interaction.guild_id is None:
        return []
    bot = interaction.client
    choices = []
    for m in await svc.active_mentorships(bot.db, interaction.guild_id, interaction.user.id):
        role = "mentoring" if m.role_of(interaction.user.id) == "mentor" else "mentored by"
        label = f"#{m.id} · {role} {_name(bot, m.other(interaction.user.id))} · since {m.started_at:%d %b %Y}"
        if current.strip().lstrip("#").lower() in label.lower():
            choices.append(app_commands.Choice(name=label[:100], value=str(m.id)))
    return choices[:25]


@app_commands.guild_only()
class MentoringCog(commands.GroupCog, group_name="mentoring", group_description="Find a mentor, or become one."):
    """Members offer or ask for mentoring; the bot proposes matches and looks after each mentorship."""

    def __init__(self, bot: PMOBot) -> None:
        self.bot = bot
        self.jobs = MentoringJobs(bot)
        super().__init__()

    async def cog_load(self) -> None:
        """Register the persistent buttons and the mentoring jobs."""
        self.bot.add_dynamic_items(ProposalButton, CheckinButton)
        self.jobs.register()

    @app_commands.command(name="offer")
    @app_commands.describe(
        areas="Skills you can mentor in, separated by commas (suggested as you type)",
        capacity="How many mentees you can take at a time (1–10)",
        timezone="Your IANA timezone, e.g. Europe/London (suggested as you type)",
        bio="Open a form to write a short bio mentees will see",
    )
    @app_commands.autocomplete(areas=areas_autocomplete, timezone=timezone_autocomplete)
    async def offer(
        self,
        interaction: discord.Interaction[PMOBot],
        areas: app_commands.Range[str, 1, svc.MAX_AREAS_TEXT],
        capacity: app_commands.Range[int, svc.MIN_CAPACITY, svc.MAX_CAPACITY],
        timezone: app_commands.Range[str, 1, 64],
        bio: bool = False,
    ) -> None:
        """Offer mentoring: your areas, how many mentees at a time and your timezone."""
        guild_id = _guild(interaction)
        skills = self.bot.content.vocabulary.skills
        if bio:
            # Validate everything before the form opens: the profile is stored only with the bio, on submit.
            svc.parse_areas(areas, skills)
            svc.validate_capacity(capacity)
            resolve_timezone(timezone)
            current = await svc.get_profile(self.bot.db, guild_id, interaction.user.id)
            offer = {"areas": areas, "capacity": capacity, "timezone": timezone}
            await interaction.response.send_modal(BioModal(guild_id, current.bio if current else None, offer))
            return
        profile = await svc.offer_mentoring(
            self.bot.db, guild_id=guild_id, user_id=interaction.user.id, areas=areas, capacity=capacity,
            timezone=timezone, skills=skills, now=self.bot.clock.now(),
        )  # fmt: skip
        self.bot.scheduler.wake()
        text = (
            "Thank you for offering to mentor! I'll send proposals by DM with Accept / Decline buttons, so keep DMs "
            "from server members open. Pause any time with /mentoring pause."
        )
        await send_ephemeral(
            interaction,
            text,
            embed=profile_embed(profile, skills),
            view=OfferReplyView(interaction.user.id, guild_id, profile.bio),
        )

    @app_commands.command(name="request")
    @app_commands.describe(
        areas="What you want to learn, separated by commas (suggested as you type)",
        goal="What you want to achieve with a mentor (up to 300 characters)",
        timezone="Your IANA timezone, e.g. Europe/London (suggested as you type)",
    )
    @app_commands.autocomplete(areas=areas_autocomplete, timezone=timezone_autocomplete)
    async def request(
        self,
        interaction: discord.Interaction[PMOBot],
        areas: app_commands.Range[str, 1, svc.MAX_AREAS_TEXT],
        goal: app_commands.Range[str, 1, svc.MAX_GOAL],
        timezone: app_commands.Range[str, 1, 64],
    ) -> None:
        """Ask for a mentor; I propose the best available one at once."""
        guild_id = _guild(interaction)
        outcome = await svc.request_mentor(
            self.bot.db, guild_id=guild_id, user_id=interaction.user.id, areas=areas, goal=goal, timezone=timezone,
            skills=self.bot.content.vocabulary.skills, now=self.bot.clock.now(),
        )  # fmt: skip
        self.bot.scheduler.wake()
        saved = "Updated your request" if outcome.updated else "Saved your request"
        if outcome.paused:
            text = f"{saved}. Your mentoring is paused, so I won't match you until you use /mentoring resume."
        elif outcome.proposal is not None:
            text = (
                f"{saved}, and I've asked a mentor who fits it. They have until {when(outcome.proposal.expires_at)} "
                "to answer; I'll DM you as soon as they do (if they can't, I'll ask the next one)."
            )
        else:
            text = f"{saved}. " + unmatched_text(outcome.reason, outcome.next_round_at)
        await send_ephemeral(interaction, text)

    @app_commands.command(name="status")
    async def status(self, interaction: discord.Interaction[PMOBot]) -> None:
        """Your profile, open request, proposals and active mentorships."""
        guild_id = _guild(interaction)
        status = await svc.member_status(self.bot.db, guild_id, interaction.user.id, self.bot.clock.now())
        embed = status_embed(status, interaction.user.id, self.bot.content.vocabulary.skills)
        view = None
        if status.proposals_to_me:
            # The same persistent buttons as in the DM, so a mentor whose DM never arrived can still answer.
            view = discord.ui.View(timeout=None)
            for proposal in status.proposals_to_me[:_MAX_PROPOSAL_BUTTONS]:
                view.add_item(ProposalButton("accept", proposal.id, proposal.mentee_id, label=f"Accept #{proposal.id}"))
                view.add_item(
                    ProposalButton("decline", proposal.id, proposal.mentee_id, label=f"Decline #{proposal.id}")
                )
        await send_ephemeral(interaction, embed=embed, view=view)

    @app_commands.command(name="pause")
    async def pause(self, interaction: discord.Interaction[PMOBot]) -> None:
        """Stop receiving proposals (as a mentor) and being matched (as a mentee)."""
        guild_id = _guild(interaction)
        outcome = await svc.pause_member(self.bot.db, guild_id, interaction.user.id, self.bot.clock.now())
        self.bot.scheduler.wake()
        text = "Paused. You won't get proposals or be matched until you use /mentoring resume."
        if outcome.was_paused:
            text = "You were already paused; nothing changed. Use /mentoring resume to take part again."
        if outcome.withdrawn:
            text += f" I withdrew {len(outcome.withdrawn)} pending proposal(s); the mentees will be offered others."
        text += " Your active mentorships carry on."
        await send_ephemeral(interaction, text)

    @app_commands.command(name="resume")
    async def resume(self, interaction: discord.Interaction[PMOBot]) -> None:
        """Receive proposals and be matched again."""
        guild_id = _guild(interaction)
        now = self.bot.clock.now()
        outcome = await svc.resume_member(self.bot.db, guild_id, interaction.user.id, now)
        self.bot.scheduler.wake()
        text = (
            "Welcome back! You can receive proposals and be matched again."
            if outcome.was_paused
            else ("You weren't paused; nothing changed.")
        )
        if outcome.proposal is not None:
            text += (
                f" I've asked a mentor about your waiting request; they have until {when(outcome.proposal.expires_at)}."
            )
        elif outcome.reason is UnmatchedReason.LIMITED:
            text += " " + unmatched_text(outcome.reason, await svc.next_round_at(self.bot.db, guild_id, now))
        elif outcome.was_paused:
            text += " " + next_round_text(await svc.next_round_at(self.bot.db, guild_id, now))
        await send_ephemeral(interaction, text)

    @app_commands.command(name="end")
    @app_commands.describe(
        mentorship="Which mentorship to end (suggested as you type; not needed when you have only one)",
        rating="How it went, from 1 (poor) to 5 (great)",
        feedback="Anything the moderators should know (up to 1000 characters)",
    )
    @app_commands.autocomplete(mentorship=mentorship_autocomplete)
    async def end(
        self,
        interaction: discord.Interaction[PMOBot],
        mentorship: app_commands.Range[str, 1, 24] | None = None,
        rating: app_commands.Range[int, 1, 5] | None = None,
        feedback: app_commands.Range[str, 1, svc.MAX_FEEDBACK] | None = None,
    ) -> None:
        """End an active mentorship, with optional feedback and a 1–5 rating."""
        guild_id = _guild(interaction)
        user_id = interaction.user.id
        if mentorship is None:
            active = await svc.active_mentorships(self.bot.db, guild_id, user_id)
            if not active:
                raise NotFoundError("You have no active mentorship to end.")
            if len(active) > 1:
                listed = ", ".join(f"#{m.id} (with <@{m.other(user_id)}>)" for m in active[:10])
                raise ValidationError(
                    f"You have {len(active)} active mentorships: {listed}. Choose one in the mentorship option."
                )
            target = active[0].id
        else:
            cleaned = mentorship.strip().lstrip("#")
            if not cleaned.isdigit():
                raise ValidationError("Choose the mentorship from the suggestions (for example #12).")
            target = int(cleaned)
        ended = await svc.end_mentorship(
            self.bot.db, target, user_id, self.bot.clock.now(), rating=rating, feedback=feedback, guild_id=guild_id
        )
        self.bot.scheduler.wake()
        thanks = " Thanks for the rating!" if rating is not None else ""
        await send_ephemeral(
            interaction,
            f"Your mentorship with <@{ended.other(user_id)}> has ended; I've let them know.{thanks}",
        )
