"""/progress: log learning by the 70-20-10 model, see the mix against the target, weekly check-in reminders."""

from __future__ import annotations

import io
import logging
from datetime import timedelta
from typing import TYPE_CHECKING, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.charts import render_progress_chart_async
from bot.errors import PermissionDeniedError
from bot.services import progress
from bot.services.members import member_zone
from bot.timeutil import discord_timestamp
from bot.tree import send_ephemeral
from cogs._shared import is_moderator, timezone_autocomplete
from cogs.progress.reminders import ReminderSender
from cogs.progress.render import KIND_CHOICE_NAMES, PERIOD_LABELS, report_embed
from cogs.progress.views import DeleteEntryView, EditEntryView, LogActivityButton, SkipWeekButton, logged_text

if TYPE_CHECKING:
    from bot.client import PMOBot

__all__ = ["ProgressCog"]

log = logging.getLogger(__name__)

CHART_FILE = "progress.png"
REMINDER_GRACE = timedelta(hours=12)  # a weekly nudge half a day late still helps; later than that it is noise
KIND_CHOICES = [app_commands.Choice(name=name, value=kind) for kind, name in KIND_CHOICE_NAMES.items()]
DAY_CHOICES = [
    app_commands.Choice(name=name, value=name[:3].lower())
    for name in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
]


def _guild(interaction: discord.Interaction[PMOBot]) -> int:
    """The server of a guild-only command (Discord never sends one from a DM; the check is for the type)."""
    if interaction.guild_id is None:
        raise app_commands.NoPrivateMessage()
    return interaction.guild_id


@app_commands.guild_only()
class ProgressCog(commands.GroupCog, group_name="progress", group_description="Your 70-20-10 learning log and mix."):
    """Members log activities, see their mix against 70/20/10 and opt in to weekly check-ins."""

    def __init__(self, bot: PMOBot) -> None:
        self.bot = bot
        super().__init__()

    async def cog_load(self) -> None:
        """Register the check-in buttons (they outlive restarts) and the reminder job."""
        self.bot.add_dynamic_items(LogActivityButton, SkipWeekButton)
        self.bot.scheduler.register(
            progress.REMINDER_KIND, ReminderSender(self.bot), grace=REMINDER_GRACE, describe="weekly check-in reminder"
        )

    @app_commands.command(name="log")
    @app_commands.rename(day="date")
    @app_commands.describe(
        kind="experience 70: doing the work · exposure 20: learning from others · education 10: courses, books",
        minutes="How long it took, in minutes (1–1440)",
        activity="What you did, in a few words (max 200 characters)",
        day="YYYY-MM-DD, today or yesterday, in your timezone (default: today)",
    )
    @app_commands.choices(kind=KIND_CHOICES)
    async def log_command(
        self,
        interaction: discord.Interaction[PMOBot],
        kind: app_commands.Choice[str],
        minutes: app_commands.Range[int, 1, 1440],
        activity: app_commands.Range[str, 1, progress.MAX_ACTIVITY],
        day: app_commands.Range[str, 1, 10] | None = None,
    ) -> None:
        """Log a learning activity: experience (70), exposure (20) or education (10)."""
        guild_id = _guild(interaction)
        now = self.bot.clock.now()
        entry, mix = await progress.record_activity_with_mix(
            self.bot.db, guild_id=guild_id, user_id=interaction.user.id, kind=kind.value,
            minutes=minutes, activity=activity, day=day, now=now,
        )  # fmt: skip
        await send_ephemeral(interaction, logged_text(entry, mix))

    @app_commands.command(name="show")
    @app_commands.describe(
        period="Calendar period in your timezone (default: this month)",
        member="Someone else's progress (moderators only)",
    )
    async def show(
        self,
        interaction: discord.Interaction[PMOBot],
        period: Literal["week", "month", "quarter", "year", "all"] = "month",
        member: discord.Member | None = None,
    ) -> None:
        """Your mix against 70/20/10 as a chart and text: totals, weekly streak and a next step."""
        guild_id = _guild(interaction)
        target: discord.abc.User = interaction.user
        if member is not None and member.id != interaction.user.id:
            if not await is_moderator(interaction):
                raise PermissionDeniedError(
                    "Only moderators can see another member's progress. Leave out `member` to see your own."
                )
            target = member
        # The chart takes a moment to draw: acknowledge within Discord's 3 seconds first.
        await interaction.response.defer(ephemeral=True, thinking=True)
        report = await progress.progress_report(self.bot.db, guild_id, target.id, period, self.bot.clock.now())
        whose = "Your" if target.id == interaction.user.id else f"{target.display_name}'s"
        png = await render_progress_chart_async(
            report.mix, report.weeks, f"{whose} 70-20-10 mix — {PERIOD_LABELS[report.period]}"
        )
        embed = report_embed(report, self.bot.content, whose=whose, image=CHART_FILE)
        await send_ephemeral(interaction, embed=embed, files=[discord.File(io.BytesIO(png), filename=CHART_FILE)])

    @app_commands.command(name="reminders")
    @app_commands.describe(
        day="The day of the week for your check-in DM",
        time="Local time, 24-hour HH:MM (e.g. 17:30)",
        timezone="Your IANA timezone, e.g. Europe/London (also used for your log's dates)",
    )
    @app_commands.choices(day=DAY_CHOICES)
    @app_commands.autocomplete(timezone=timezone_autocomplete)
    async def reminders(
        self,
        interaction: discord.Interaction[PMOBot],
        day: app_commands.Choice[str],
        time: app_commands.Range[str, 1, 5],
        timezone: app_commands.Range[str, 1, 64],
    ) -> None:
        """A weekly check-in by DM at your local day and time, with Log and Skip buttons."""
        guild_id = _guild(interaction)
        reminder = await progress.set_reminder(
            self.bot.db, guild_id=guild_id, user_id=interaction.user.id, day=day.value, at=time,
            timezone=timezone, now=self.bot.clock.now(),
        )  # fmt: skip
        self.bot.scheduler.wake()
        lines = [
            f"Weekly check-in set: **{reminder.day_name}s at {reminder.at:%H:%M}** ({reminder.timezone}).",
        ]
        if reminder.next_at is not None:
            lines.append(
                f"The next one arrives {discord_timestamp(reminder.next_at, 'F')} "
                f"({discord_timestamp(reminder.next_at, 'R')})."
            )
        lines.append(
            f"Your log's dates now follow {reminder.timezone} too. I send it by DM, so allow direct messages from "
            "this server's members. Stop it any time with `/progress reminders-off`."
        )
        await send_ephemeral(interaction, "\n".join(lines))

    @app_commands.command(name="reminders-off")
    async def reminders_off(self, interaction: discord.Interaction[PMOBot]) -> None:
        """Stop your weekly check-in DMs."""
        guild_id = _guild(interaction)
        removed = await progress.remove_reminder(self.bot.db, guild_id, interaction.user.id)
        text = (
            "Weekly check-ins stopped. Your log stays as it is; `/progress reminders` starts them again."
            if removed
            else "You had no weekly check-in set in this server. `/progress reminders` starts one."
        )
        await send_ephemeral(interaction, text)

    @app_commands.command(name="export")
    async def export(self, interaction: discord.Interaction[PMOBot]) -> None:
        """Your learning log in this server as a CSV file."""
        guild_id = _guild(interaction)
        entries = await progress.export_entries(self.bot.db, guild_id, interaction.user.id)
        if not entries:
            await send_ephemeral(interaction, "You have not logged anything in this server yet. Try `/progress log`.")
            return
        zone = await member_zone(self.bot.db, guild_id, interaction.user.id)
        data = progress.entries_csv(entries, zone.key)
        name = f"progress-{self.bot.clock.now():%Y%m%d}.csv"
        count = len(entries)
        await send_ephemeral(
            interaction,
            f"Your learning log: {count} {'entry' if count == 1 else 'entries'} (UTF-8 CSV; local dates in "
            f"{zone.key}, logging instants in UTC).",
            files=[discord.File(io.BytesIO(data), filename=name)],
        )

    @app_commands.command(name="edit")
    async def edit(self, interaction: discord.Interaction[PMOBot]) -> None:
        """Correct one of your 25 most recent entries."""
        guild_id = _guild(interaction)
        entries = await progress.list_recent_entries(self.bot.db, guild_id, interaction.user.id)
        if not entries:
            await send_ephemeral(interaction, "You have no entries to edit yet. Log one with `/progress log`.")
            return
        view = EditEntryView(interaction.user.id, guild_id, entries)
        await send_ephemeral(interaction, "Which entry do you want to correct? (your 25 most recent)", view=view)

    @app_commands.command(name="delete")
    async def delete(self, interaction: discord.Interaction[PMOBot]) -> None:
        """Delete one of your 25 most recent entries (after a confirm)."""
        guild_id = _guild(interaction)
        entries = await progress.list_recent_entries(self.bot.db, guild_id, interaction.user.id)
        if not entries:
            await send_ephemeral(interaction, "You have no entries to delete.")
            return
        view = DeleteEntryView(interaction.user.id, guild_id, entries)
        await send_ephemeral(interaction, "Which entry do you want to delete? (your 25 most recent)", view=view)
