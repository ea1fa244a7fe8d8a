"""How progress looks in Discord: entry lines, mix lines, the /progress show embed and the weekly check-in embed."""

from __future__ import annotations

from datetime import date, datetime

import discord

from bot.content import Content
from bot.mix import KindShare, Mix
from bot.services import progress
from bot.timeutil import discord_timestamp

__all__ = [
    "KIND_CHOICE_NAMES",
    "KIND_TITLES",
    "PERIOD_LABELS",
    "checkin_embed",
    "entry_line",
    "mix_lines",
    "nudge_text",
    "report_embed",
    "share_text",
]

KIND_TITLES = {"experience": "Experience", "exposure": "Exposure", "education": "Education"}
# Choice names double as the one-line explanation of each kind (Discord shows them in the picker; ≤ 100 chars).
KIND_CHOICE_NAMES = {
    "experience": "experience (70) — learning by doing: your own work, stretch tasks, new responsibilities",
    "exposure": "exposure (20) — learning from others: mentoring, shadowing, communities, feedback",
    "education": "education (10) — formal learning: courses, certifications, books, webinars",
}
PERIOD_LABELS = {
    "week": "this week",
    "month": "this month",
    "quarter": "this quarter",
    "year": "this year",
    "all": "all time",
}
_COLOUR = discord.Colour.from_rgb(46, 134, 171)
_EMBED_TEXT = 1024


def _day(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b %Y}"


def entry_line(entry: progress.ProgressEntry) -> str:
    """``Tue 3 Mar 2026 · exposure · 45 min — shadowed the PMO lead``."""
    return f"{_day(entry.local_date)} · {entry.kind} · {entry.minutes} min — {entry.activity}"


def share_text(share: KindShare) -> str:
    """``45 min · 15% (target 20%, -5 pts)``."""
    gap = "on target" if round(share.gap) == 0 else f"{share.gap:+.0f} pts"
    return f"{share.minutes:,} min · {share.percent:.0f}% (target {share.target}%, {gap})"


def mix_lines(mix: Mix) -> list[str]:
    """One line per kind: minutes, share, target and the gap in points."""
    return [f"**{KIND_TITLES[share.kind]}** {share_text(share)}" for share in mix.shares]


def nudge_text(mix: Mix, content: Content, seed: int, *, period_label: str) -> str:
    """One concrete suggestion toward the most under-weight kind, from the prompt bank or the FAQ."""
    kind = mix.most_under_weight
    nudge = progress.choose_nudge(kind, content.prompts, content.faqs, seed)
    if mix.total == 0:
        lead = f"Nothing logged {period_label} yet. Start with some {kind}."
    elif mix.on_target():
        lead = f"You are within 5 points of 70/20/10 {period_label} — keep it going. Something for {kind}:"
    else:
        share = mix.share(kind)
        needed = mix.minutes_to_target(kind)
        lead = (
            f"**{KIND_TITLES[kind]}** is the most under-weight ({share.percent:.0f}% against {share.target}%). "
            f"About {needed:,} min of {kind} would bring it to target."
        )
    if nudge is None:
        return lead
    if nudge.source == "prompt":
        return f"{lead}\nTry this: “{nudge.text}”"
    return f"{lead}\nRead: `/faq show topic:{nudge.ref}` — {nudge.text}"


def report_embed(
    report: progress.ProgressReport, content: Content, *, whose: str, image: str | None = None
) -> discord.Embed:
    """The /progress show embed (``whose`` is "Your" or "Alice's")."""
    label = PERIOD_LABELS[report.period]
    span = f"{_day(report.start)} – {_day(report.today)}" if report.start else f"up to {_day(report.today)}"
    weeks = "week" if report.streak == 1 else "weeks"
    streak = f"**Weekly streak:** {report.streak} {weeks} in a row with at least one entry"
    if report.streak and not report.logged_this_week:
        streak += " (log something this week to keep it)"
    embed = discord.Embed(
        title=f"{whose} 70-20-10 mix — {label}"[:256],
        description=(
            f"{span} · {report.entries:,} {'entry' if report.entries == 1 else 'entries'} · "
            f"{report.mix.total:,} min\n{streak}"
        ),
        colour=_COLOUR,
    )
    for share in report.mix.shares:
        embed.add_field(name=KIND_TITLES[share.kind], value=share_text(share), inline=True)
    seed = progress.nudge_seed(report.user_id, report.today)
    embed.add_field(
        name="Next step", value=nudge_text(report.mix, content, seed, period_label=label)[:_EMBED_TEXT], inline=False
    )
    if image:
        embed.set_image(url=f"attachment://{image}")
    embed.set_footer(text=f"Local calendar: {report.timezone} · weeks start on Monday")
    return embed


def checkin_embed(
    summary: progress.CheckinSummary,
    content: Content,
    *,
    server: str,
    week: date,
    next_at: datetime | None,
) -> discord.Embed:
    """The weekly check-in DM: this week so far, the 30-day mix, the streak and one suggestion."""
    report = summary.report
    this_week = report.mix
    if this_week.total:
        week_text = " · ".join(f"{s.kind} {s.minutes:,} min" for s in this_week.shares if s.minutes)
    else:
        week_text = "nothing logged yet"
    weeks = "week" if report.streak == 1 else "weeks"
    embed = discord.Embed(
        title=f"Your weekly 70-20-10 check-in — {server}"[:256],
        description=(
            f"**This week** (from {_day(week)}): {week_text}\n"
            f"**Weekly streak:** {report.streak} {weeks}\n\n"
            "What did you learn this week? Log it below, or skip this week — your streak is kept."
        ),
        colour=_COLOUR,
    )
    embed.add_field(name="Last 30 days", value="\n".join(mix_lines(summary.last_30_days)), inline=False)
    seed = progress.nudge_seed(report.user_id, report.today)
    embed.add_field(
        name="Next step",
        value=nudge_text(summary.last_30_days, content, seed, period_label="in the last 30 days")[:_EMBED_TEXT],
        inline=False,
    )
    if next_at is not None:
        embed.add_field(name="Next check-in", value=discord_timestamp(next_at, "F"), inline=False)
    embed.set_footer(text="Stop these with /progress reminders-off in the server.")
    return embed
