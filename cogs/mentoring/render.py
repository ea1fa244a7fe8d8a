"""How mentoring looks in Discord: profile, proposal, status and check-in embeds, notices and long lists."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

import discord

from bot.content import Skill
from bot.matching import UnmatchedReason
from bot.services import mentoring as svc
from bot.timeutil import discord_timestamp

__all__ = [
    "COLOUR",
    "area_list",
    "checkin_embed",
    "next_round_text",
    "page_lines",
    "profile_embed",
    "proposal_embed",
    "proposal_marker",
    "status_embed",
    "unmatched_text",
]

COLOUR = discord.Colour.from_rgb(88, 101, 242)
_FIELD = 1024
_DESCRIPTION = 4096
PAGE_CHARS = 3800  # one embed description per page, with room for a page footer


def area_list(areas: Sequence[str], skills: Mapping[str, Skill]) -> str:
    """Human labels of skill ids (an id no longer in the vocabulary is shown as it is)."""
    return ", ".join(skills[a].name if a in skills else a for a in areas) or "—"


def _clip(text: str, limit: int = _FIELD) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def when(moment: datetime) -> str:
    """A Discord timestamp with its relative form: ``<t:…:F> (<t:…:R>)``."""
    return f"{discord_timestamp(moment, 'F')} ({discord_timestamp(moment, 'R')})"


def next_round_text(next_round_at: datetime | None) -> str:
    """When the next matching round runs, as a sentence."""
    if next_round_at is None:
        return "The moderators run matching rounds from time to time; I'll message you when one finds you a mentor."
    return f"The next matching round runs {when(next_round_at)}."


def unmatched_text(reason: UnmatchedReason | None, next_round_at: datetime | None) -> str:
    """Why a mentee has no mentor yet and when they will be tried again."""
    why = svc.UNMATCHED_WHY.get(reason, "no mentor is available right now") if reason else "no mentor is free now"
    return f"I couldn't find you a mentor yet: {why}. Your request stays on the waiting list. " + next_round_text(
        next_round_at
    )


def profile_embed(profile: svc.MentorProfile, skills: Mapping[str, Skill]) -> discord.Embed:
    """A mentor profile."""
    embed = discord.Embed(title="Your mentor profile", colour=COLOUR)
    embed.add_field(name="Areas", value=_clip(area_list(profile.areas, skills)), inline=False)
    embed.add_field(name="Capacity", value=f"{profile.active} active · {profile.pending} pending · {profile.capacity}")
    embed.add_field(name="Timezone", value=profile.timezone)
    if profile.bio:
        embed.add_field(name="Bio", value=_clip(profile.bio), inline=False)
    if profile.paused:
        embed.set_footer(text="Paused: you get no proposals until /mentoring resume.")
    return embed


def proposal_marker(proposal_id: int) -> str:
    """The footer that identifies a proposal's message (found again after a crash)."""
    return f"Mentoring proposal #{proposal_id}"


def proposal_embed(
    proposal: svc.Proposal, skills: Mapping[str, Skill], *, server: str, state: str | None = None
) -> discord.Embed:
    """The proposal a mentor answers with Accept / Decline; ``state`` replaces the deadline once answered."""
    embed = discord.Embed(
        title="Would you mentor this member?",
        description=_clip(
            f"<@{proposal.mentee_id}> in **{server}** is looking for a mentor, and your profile fits their request.",
            _DESCRIPTION,
        ),
        colour=COLOUR,
    )
    embed.add_field(name="They want to learn", value=_clip(area_list(proposal.areas, skills)), inline=False)
    embed.add_field(name="Their goal", value=_clip(proposal.goal), inline=False)
    embed.add_field(name="Their timezone", value=proposal.mentee_timezone)
    embed.add_field(name="Fit", value=f"{proposal.score:.2f} of 1")
    if state is None:
        embed.add_field(
            name="Please answer by",
            value=f"{when(proposal.expires_at)} — after that I'll ask another mentor.",
            inline=False,
        )
    else:
        embed.add_field(name="Status", value=state, inline=False)
    embed.set_footer(text=proposal_marker(proposal.id))
    return embed


def checkin_embed(mentorship: svc.Mentorship, user_id: int, *, server: str) -> discord.Embed:
    """The fortnightly "how is it going?" for one participant."""
    other = mentorship.other(user_id)
    role = "mentee" if mentorship.role_of(user_id) == "mentor" else "mentor"
    return discord.Embed(
        title="How is your mentorship going?",
        description=(
            f"It's check-in time for your mentorship with your {role} <@{other}> in **{server}**, started "
            f"{discord_timestamp(mentorship.started_at, 'D')}. Your answer stays between you and the moderators."
        ),
        colour=COLOUR,
    ).set_footer(text=f"Mentorship #{mentorship.id} check-in")


def _mentorship_line(m: svc.Mentorship, user_id: int) -> str:
    other = m.other(user_id)
    as_role = "mentoring" if m.role_of(user_id) == "mentor" else "mentored by"
    thread = f" · <#{m.thread_id}>" if m.thread_id else ""
    return f"#{m.id} · {as_role} <@{other}> since {discord_timestamp(m.started_at, 'D')}{thread}"


def status_embed(status: svc.MemberStatus, user_id: int, skills: Mapping[str, Skill]) -> discord.Embed:
    """Everything /mentoring status shows."""
    embed = discord.Embed(title="Your mentoring", colour=COLOUR)
    if status.paused:
        why = "Discord told me you left the server" if status.paused_reason == "left" else "you paused it"
        embed.description = f"⏸️ Paused ({why}): no proposals and no matching until /mentoring resume."
    profile = status.profile
    if profile is None:
        embed.add_field(name="Mentor profile", value="None yet — offer mentoring with /mentoring offer.", inline=False)
    else:
        value = (
            f"{area_list(profile.areas, skills)}\n{profile.active} active, {profile.pending} pending of "
            f"{profile.capacity} places · {profile.timezone}"
        )
        embed.add_field(name="Mentor profile", value=_clip(value), inline=False)
    request = status.request
    if request is None:
        embed.add_field(
            name="Your request", value="None open — ask for a mentor with /mentoring request.", inline=False
        )
    else:
        lines = [
            f"{area_list(request.areas, skills)} — “{request.goal}”",
            f"Waiting since {discord_timestamp(request.created_at, 'R')}.",
        ]
        if status.my_proposal is not None:
            lines.append(f"A mentor has until {when(status.my_proposal.expires_at)} to answer.")
        elif not status.paused:
            lines.append(next_round_text(status.next_round_at))
        embed.add_field(name="Your request", value=_clip("\n".join(lines)), inline=False)
    if status.proposals_to_me:
        lines = [
            f"#{p.id} from <@{p.mentee_id}> · {area_list(p.areas, skills)} · answer by "
            f"{discord_timestamp(p.expires_at, 'R')}"
            for p in status.proposals_to_me
        ]
        embed.add_field(name="Waiting for your answer (buttons below)", value=_clip("\n".join(lines)), inline=False)
    if status.mentorships:
        lines = [_mentorship_line(m, user_id) for m in status.mentorships]
        embed.add_field(name="Active mentorships", value=_clip("\n".join(lines)), inline=False)
    return embed


def page_lines(lines: Sequence[str], limit: int = PAGE_CHARS) -> list[str]:
    """Split lines into pages of at most ``limit`` characters (a line longer than that is cut)."""
    pages: list[str] = []
    current: list[str] = []
    size = 0
    for raw in lines:
        line = _clip(raw, limit)
        if current and size + len(line) + 1 > limit:
            pages.append("\n".join(current))
            current, size = [], 0
        current.append(line)
        size += len(line) + 1
    if current:
        pages.append("\n".join(current))
    return pages or [""]
