"""Buttons and modals of mentoring.

Accept / Decline on a proposal and the three check-in answers are :class:`discord.ui.DynamicItem` s whose
state lives in the ``custom_id`` (``mentoring:accept:<proposal>:<mentee>``,
``mentoring:checkin:<mentorship>:<answer>:<mentor>-<mentee>``), so they keep working after a restart. The member
ids say which row the message was about: a press never acts on another row that came to carry the same id (ids are
not reused since migration 0007, and messages sent before it, without the ids, are still accepted). They are
usually pressed in a DM, which carries no guild: the proposal or mentorship row says which server it belongs to,
and the service checks that the clicker is its member.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal

import discord
from discord.http import handle_message_parameters

from bot.content import Skill
from bot.errors import PermissionDeniedError, ValidationError
from bot.services import mentoring as svc
from bot.tree import AppModal, AppView, guarded, send_ephemeral
from cogs.mentoring.render import COLOUR, profile_embed, proposal_embed

if TYPE_CHECKING:
    from bot.client import PMOBot

__all__ = ["BioModal", "CheckinButton", "EndModal", "OfferReplyView", "PagerView", "ProposalButton", "proposal_view"]

log = logging.getLogger(__name__)

_VIEW_TIMEOUT = 600.0  # ephemeral helpers; running the command again rebuilds them
_NO_MENTIONS = discord.AllowedMentions.none()


def _server_name(bot: PMOBot, guild_id: int) -> str:
    guild = bot.get_guild(guild_id)
    return guild.name if guild else "your PMO community"


def _guild_of(interaction: discord.Interaction[PMOBot]) -> int | None:
    """The guild a button was pressed in (None in a DM, where the row's own guild is used)."""
    return interaction.guild_id


class ProposalButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
    template=r"mentoring:(?P<action>accept|decline):(?P<id>[0-9]{1,20})(?::(?P<mentee>[0-9]{1,20}))?",
):
    """Accept or Decline on a proposal the mentor received."""

    def __init__(
        self,
        action: Literal["accept", "decline"],
        proposal_id: int,
        mentee_id: int | None,
        *,
        label: str | None = None,
    ) -> None:
        style = discord.ButtonStyle.success if action == "accept" else discord.ButtonStyle.secondary
        about = f":{mentee_id}" if mentee_id is not None else ""
        super().__init__(
            discord.ui.Button(
                label=label or action.capitalize(), style=style, custom_id=f"mentoring:{action}:{proposal_id}{about}"
            )
        )
        self.action: Literal["accept", "decline"] = action
        self.proposal_id = proposal_id
        self.mentee_id = mentee_id

    @classmethod
    async def from_custom_id(  # type: ignore[override]
        cls, interaction: discord.Interaction[PMOBot], item: discord.ui.Button[Any], match: re.Match[str], /
    ) -> ProposalButton:
        """Rebuild from ``mentoring:<action>:<proposal id>[:<mentee id>]``."""
        action: Literal["accept", "decline"] = "accept" if match["action"] == "accept" else "decline"
        return cls(action, int(match["id"]), int(match["mentee"]) if match["mentee"] else None)

    @guarded
    async def callback(self, interaction: discord.Interaction[PMOBot]) -> None:  # type: ignore[override]
        """Answer the proposal; the message loses its buttons and says what happened."""
        bot = interaction.client
        now = bot.clock.now()
        user = interaction.user.id
        if self.action == "accept":
            accepted = await svc.accept_proposal(
                bot.db, self.proposal_id, user, now, guild_id=_guild_of(interaction), mentee_id=self.mentee_id
            )
            proposal = accepted.proposal
            state = f"✅ You accepted {discord.utils.format_dt(now, 'R')}. Thank you!"
            where = (
                f" I'm opening a private thread for you both in <#{accepted.channel_id}>."
                if accepted.channel_id
                else " Say hello to them by DM or in the server to agree how and when you'll meet."
            )
            reply = f"You're now mentoring <@{proposal.mentee_id}> — I've told them.{where}"
        else:
            step = await svc.decline_proposal(
                bot.db, self.proposal_id, user, now, guild_id=_guild_of(interaction), mentee_id=self.mentee_id
            )
            proposal = step.closed
            state = f"Declined {discord.utils.format_dt(now, 'R')}. I'll ask another mentor."
            reply = "Thanks for letting me know. I won't propose this member to you again."
        bot.scheduler.wake()
        skills = bot.content.vocabulary.skills
        embed = proposal_embed(proposal, skills, server=_server_name(bot, proposal.guild_id), state=state)
        await interaction.response.edit_message(embed=embed, view=None, allowed_mentions=_NO_MENTIONS)
        await interaction.followup.send(reply, ephemeral=True, allowed_mentions=_NO_MENTIONS)
        clicked = interaction.message.id if interaction.message else None
        if proposal.channel_id and proposal.message_id and proposal.message_id != clicked:
            # Answered from another copy (/mentoring status): take the buttons off the delivered message too.
            try:
                with handle_message_parameters(embed=embed, view=None) as params:
                    await bot.http.edit_message(proposal.channel_id, proposal.message_id, params=params)
            except discord.HTTPException as exc:
                log.info("Could not update the message of proposal %s: %s", proposal.id, exc)


def proposal_view(proposal: svc.Proposal) -> discord.ui.View:
    """The persistent Accept / Decline buttons for a proposal."""
    view = discord.ui.View(timeout=None)
    view.add_item(ProposalButton("accept", proposal.id, proposal.mentee_id))
    view.add_item(ProposalButton("decline", proposal.id, proposal.mentee_id))
    return view


_ANSWERS: dict[str, tuple[str, discord.ButtonStyle]] = {
    "well": ("Going well", discord.ButtonStyle.success),
    "help": ("Need help", discord.ButtonStyle.primary),
    "end": ("End it", discord.ButtonStyle.danger),
}


class CheckinButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
    template=(
        r"mentoring:checkin:(?P<id>[0-9]{1,20}):(?P<answer>well|help|end)"
        r"(?::(?P<mentor>[0-9]{1,20})-(?P<mentee>[0-9]{1,20}))?"
    ),
):
    """One answer to the fortnightly check-in."""

    def __init__(self, mentorship_id: int, answer: svc.Answer, pair: tuple[int, int] | None) -> None:
        label, style = _ANSWERS[answer]
        about = f":{pair[0]}-{pair[1]}" if pair is not None else ""
        super().__init__(
            discord.ui.Button(label=label, style=style, custom_id=f"mentoring:checkin:{mentorship_id}:{answer}{about}")
        )
        self.mentorship_id = mentorship_id
        self.answer: svc.Answer = answer
        self.pair = pair

    @classmethod
    async def from_custom_id(  # type: ignore[override]
        cls, interaction: discord.Interaction[PMOBot], item: discord.ui.Button[Any], match: re.Match[str], /
    ) -> CheckinButton:
        """Rebuild from ``mentoring:checkin:<mentorship id>:<answer>[:<mentor id>-<mentee id>]``."""
        answer: svc.Answer = "well" if match["answer"] == "well" else "help" if match["answer"] == "help" else "end"
        pair = (int(match["mentor"]), int(match["mentee"])) if match["mentor"] else None
        return cls(int(match["id"]), answer, pair)

    @guarded
    async def callback(self, interaction: discord.Interaction[PMOBot]) -> None:  # type: ignore[override]
        """Record the answer; "need help" tells the moderators; "end it" opens the ending form."""
        bot = interaction.client
        now = bot.clock.now()
        if self.answer == "end":
            mentorship = await svc.mentorship_for(
                bot.db, self.mentorship_id, interaction.user.id, guild_id=_guild_of(interaction), pair=self.pair
            )
            await interaction.response.send_modal(EndModal(mentorship.id, mentorship.guild_id))
            return
        outcome = await svc.record_checkin(
            bot.db,
            self.mentorship_id,
            interaction.user.id,
            self.answer,
            now,
            guild_id=_guild_of(interaction),
            pair=self.pair,
        )
        mentorship = outcome.mentorship
        if self.answer == "well":
            await send_ephemeral(interaction, "Glad to hear it! I'll check in again in two weeks.")
            return
        if outcome.help_open_since is not None:
            await send_ephemeral(
                interaction,
                "The moderators already know (since "
                f"{discord.utils.format_dt(outcome.help_open_since, 'R')}); one of them will reach out to you. "
                "I tell them once per mentorship a week at most, so they aren't flooded.",
            )
            return
        other = mentorship.other(interaction.user.id)
        await bot.notify_moderators(
            mentorship.guild_id,
            f"🆘 <@{interaction.user.id}> asked for help with their mentorship #{mentorship.id} "
            f"(with <@{other}>, started {discord.utils.format_dt(mentorship.started_at, 'D')}). "
            "Please reach out to them.",
        )
        await send_ephemeral(
            interaction, "I've told the moderators; one of them will reach out to you soon. Thanks for saying so."
        )


class EndModal(AppModal):
    """End a mentorship with an optional 1–5 rating and feedback."""

    def __init__(self, mentorship_id: int, guild_id: int) -> None:
        super().__init__(title="End this mentorship", custom_id=f"mentoring:end-modal:{mentorship_id}")
        self.mentorship_id = mentorship_id
        self.guild_id = guild_id
        self.rating: discord.ui.TextInput[EndModal] = discord.ui.TextInput(
            label="Rating from 1 (poor) to 5 (great), optional", required=False, max_length=1, placeholder="5"
        )
        self.feedback: discord.ui.TextInput[EndModal] = discord.ui.TextInput(
            label="Feedback for the moderators, optional",
            style=discord.TextStyle.paragraph,
            required=False,
            max_length=svc.MAX_FEEDBACK,
        )
        self.add_item(self.rating)
        self.add_item(self.feedback)

    async def on_submit(self, interaction: discord.Interaction[PMOBot]) -> None:  # type: ignore[override]
        """End it; the other participant is told."""
        bot = interaction.client
        text = self.rating.value.strip()
        if text and not (text.isdigit() and 1 <= int(text) <= 5):
            raise ValidationError(f"The rating must be a whole number from 1 to 5; you typed “{text[:5]}”.")
        ended = await svc.end_mentorship(
            bot.db,
            self.mentorship_id,
            interaction.user.id,
            bot.clock.now(),
            rating=int(text) if text else None,
            feedback=self.feedback.value,
            guild_id=self.guild_id,
        )
        bot.scheduler.wake()
        await send_ephemeral(
            interaction,
            f"Your mentorship with <@{ended.other(interaction.user.id)}> has ended; I've let them know. "
            "Thank you for taking part!",
        )


class BioModal(AppModal):
    """Write or change a mentor bio; with ``offer`` set, it also saves the profile being offered."""

    def __init__(self, guild_id: int, current: str | None, offer: Mapping[str, Any] | None = None) -> None:
        super().__init__(title="Your mentor bio", custom_id=f"mentoring:bio-modal:{guild_id}", timeout=_VIEW_TIMEOUT)
        self.guild_id = guild_id
        self.offer = dict(offer) if offer is not None else None
        self.bio: discord.ui.TextInput[BioModal] = discord.ui.TextInput(
            label="A few lines mentees will see",
            style=discord.TextStyle.paragraph,
            default=current,
            required=False,
            max_length=svc.MAX_BIO,
            placeholder="Your PMO background, what you enjoy helping with, how you like to meet.",
        )
        self.add_item(self.bio)

    async def on_submit(self, interaction: discord.Interaction[PMOBot]) -> None:  # type: ignore[override]
        """Store the bio (and the offered profile)."""
        bot = interaction.client
        skills: Mapping[str, Skill] = bot.content.vocabulary.skills
        now = bot.clock.now()
        if self.offer is not None:
            profile = await svc.offer_mentoring(
                bot.db, guild_id=self.guild_id, user_id=interaction.user.id, skills=skills, now=now,
                bio=self.bio.value, **self.offer,
            )  # fmt: skip
            bot.scheduler.wake()
        else:
            profile = await svc.set_bio(bot.db, self.guild_id, interaction.user.id, self.bio.value, now)
        await send_ephemeral(interaction, "Saved. This is your mentor profile:", embed=profile_embed(profile, skills))


class OfferReplyView(AppView):
    """The "Add a bio" button under the reply to /mentoring offer."""

    def __init__(self, owner_id: int, guild_id: int, current: str | None) -> None:
        super().__init__(timeout=_VIEW_TIMEOUT)
        self.owner_id = owner_id
        self.guild_id = guild_id
        self.current = current
        self.bio_button.label = "Edit your bio" if current else "Add a bio"

    async def interaction_check(self, interaction: discord.Interaction[Any], /) -> bool:
        """Only the mentor who ran the command."""
        if interaction.user.id != self.owner_id:
            raise PermissionDeniedError("This is someone else's profile.")
        return True

    @discord.ui.button(label="Add a bio", style=discord.ButtonStyle.primary, custom_id="mentoring:add-bio")
    async def bio_button(self, interaction: discord.Interaction[PMOBot], button: discord.ui.Button[Any]) -> None:
        """Open the bio form."""
        await interaction.response.send_modal(BioModal(self.guild_id, self.current))


class PagerView(AppView):
    """Previous / Next through pages of one embed, for the member who asked."""

    def __init__(self, owner_id: int, title: str, pages: list[str]) -> None:
        super().__init__(timeout=_VIEW_TIMEOUT)
        self.owner_id = owner_id
        self.title = title
        self.pages = pages
        self.page = 0
        self._sync()

    def embed(self) -> discord.Embed:
        """The current page."""
        embed = discord.Embed(title=self.title, description=self.pages[self.page], colour=COLOUR)
        if len(self.pages) > 1:
            embed.set_footer(text=f"Page {self.page + 1} of {len(self.pages)}")
        return embed

    def _sync(self) -> None:
        self.previous.disabled = self.page == 0
        self.next.disabled = self.page >= len(self.pages) - 1

    async def interaction_check(self, interaction: discord.Interaction[Any], /) -> bool:
        """Only the member who ran the command."""
        return interaction.user.id == self.owner_id

    @discord.ui.button(label="Previous", style=discord.ButtonStyle.secondary, custom_id="mentoring:page:prev")
    async def previous(self, interaction: discord.Interaction[PMOBot], button: discord.ui.Button[Any]) -> None:
        """One page back."""
        self.page = max(self.page - 1, 0)
        self._sync()
        await interaction.response.edit_message(embed=self.embed(), view=self)

    @discord.ui.button(label="Next", style=discord.ButtonStyle.secondary, custom_id="mentoring:page:next")
    async def next(self, interaction: discord.Interaction[PMOBot], button: discord.ui.Button[Any]) -> None:
        """One page on."""
        self.page = min(self.page + 1, len(self.pages) - 1)
        self._sync()
        await interaction.response.edit_message(embed=self.embed(), view=self)
