"""Buttons, modals and selects of the progress feature.

The two buttons on a weekly check-in DM are :class:`discord.ui.DynamicItem` s whose state lives in the
``custom_id`` (``progress:log:<guild>`` and ``progress:skip:<guild>:<YYYYMMDD>``), so they keep working after a
restart. A DM interaction has no guild, which is why the guild id travels in the ``custom_id``.
"""

from __future__ import annotations

import logging
import re
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import discord

from bot.errors import ConflictError, PermissionDeniedError
from bot.mix import Mix, local_today
from bot.services import progress
from bot.services.members import member_zone
from bot.tree import AppModal, AppView, guarded, send_ephemeral
from cogs.progress.render import entry_line, mix_lines

if TYPE_CHECKING:
    from bot.client import PMOBot

__all__ = ["DeleteEntryView", "EditEntryView", "EntryModal", "LogActivityButton", "SkipWeekButton", "logged_text"]

log = logging.getLogger(__name__)

_VIEW_TIMEOUT = 600.0  # ephemeral pickers: ten minutes is plenty; they are rebuilt by running the command again


def logged_text(entry: progress.ProgressEntry, mix: Mix, *, verb: str = "Logged") -> str:
    """The reply after logging or editing: the entry and the member's 30-day mix."""
    lines = [f"{verb}: {entry_line(entry)}", "", "**Your mix over the last 30 days**", *mix_lines(mix)]
    return "\n".join(lines)[:2000]


class EntryModal(AppModal):
    """Log a new activity or correct an existing entry (kind, minutes, activity, date)."""

    def __init__(
        self,
        *,
        guild_id: int,
        entry: progress.ProgressEntry | None = None,
        source: str = "command",
        today: date | None = None,
    ) -> None:
        title = "Edit entry" if entry else "Log a learning activity"
        custom_id = f"progress:modal:{'edit' if entry else 'log'}:{entry.id if entry else guild_id}"
        super().__init__(title=title, custom_id=custom_id, timeout=_VIEW_TIMEOUT)
        self.guild_id = guild_id
        self.entry = entry
        self.source = source
        self.kind: discord.ui.TextInput[EntryModal] = discord.ui.TextInput(
            label="Kind: experience, exposure or education",
            custom_id="progress:field:kind",
            placeholder="experience (70), exposure (20) or education (10)",
            default=entry.kind if entry else None,
            max_length=10,
        )
        self.minutes: discord.ui.TextInput[EntryModal] = discord.ui.TextInput(
            label="Minutes (1–1440)",
            custom_id="progress:field:minutes",
            placeholder="45",
            default=str(entry.minutes) if entry else None,
            max_length=4,
        )
        self.activity: discord.ui.TextInput[EntryModal] = discord.ui.TextInput(
            label="What did you do?",
            custom_id="progress:field:activity",
            placeholder="e.g. ran the weekly RAID review with the PMO lead",
            default=entry.activity if entry else None,
            max_length=progress.MAX_ACTIVITY,
            style=discord.TextStyle.paragraph,
        )
        self.day: discord.ui.TextInput[EntryModal] = discord.ui.TextInput(
            label="Date: YYYY-MM-DD, today or yesterday",
            custom_id="progress:field:date",
            placeholder=today.isoformat() if today else "today",
            default=entry.local_date.isoformat() if entry else "today",
            required=False,
            max_length=10,
        )
        for item in (self.kind, self.minutes, self.activity, self.day):
            self.add_item(item)

    async def on_submit(self, interaction: discord.Interaction[PMOBot]) -> None:  # type: ignore[override]
        """Validate and store; the reply shows the entry and the 30-day mix."""
        bot = interaction.client
        now = bot.clock.now()
        kind = progress.parse_kind(self.kind.value)
        minutes = progress.parse_minutes(self.minutes.value)
        if self.entry is None:
            entry = await progress.record_activity(
                bot.db, guild_id=self.guild_id, user_id=interaction.user.id, kind=kind, minutes=minutes,
                activity=self.activity.value, day=self.day.value, now=now, source=self.source,
            )  # fmt: skip
            verb = "Logged"
        else:
            entry = await progress.edit_entry(
                bot.db, guild_id=self.guild_id, user_id=interaction.user.id, entry_id=self.entry.id, kind=kind,
                minutes=minutes, activity=self.activity.value, day=self.day.value, now=now,
            )  # fmt: skip
            verb = "Updated"
        mix = await progress.recent_mix(bot.db, self.guild_id, interaction.user.id, now)
        await send_ephemeral(interaction, logged_text(entry, mix, verb=verb))


async def _guild_for_button(interaction: discord.Interaction[PMOBot], guild_id: int) -> int:
    """The server a DM button belongs to, refusing servers the bot has left."""
    if interaction.client.get_guild(guild_id) is None:
        raise ConflictError("I am no longer in the server this check-in came from, so I cannot log it there.")
    return guild_id


class LogActivityButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]], template=r"progress:log:(?P<guild>[0-9]{1,20})"
):
    """ "Log activity" on a check-in DM: opens the log modal for that server."""

    def __init__(self, guild_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Log activity", style=discord.ButtonStyle.primary, custom_id=f"progress:log:{guild_id}"
            )
        )
        self.guild_id = guild_id

    @classmethod
    async def from_custom_id(  # type: ignore[override]
        cls, interaction: discord.Interaction[PMOBot], item: discord.ui.Button[Any], match: re.Match[str], /
    ) -> LogActivityButton:
        """Rebuild from ``progress:log:<guild>``."""
        return cls(int(match["guild"]))

    @guarded
    async def callback(self, interaction: discord.Interaction[PMOBot]) -> None:  # type: ignore[override]
        """Open the modal."""
        guild_id = await _guild_for_button(interaction, self.guild_id)
        zone = await member_zone(interaction.client.db, guild_id, interaction.user.id)
        today = local_today(interaction.client.clock.now(), zone)
        await interaction.response.send_modal(EntryModal(guild_id=guild_id, source="reminder", today=today))


class SkipWeekButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
    template=r"progress:skip:(?P<guild>[0-9]{1,20}):(?P<week>[0-9]{8})",
):
    """ "Skip this week" on a check-in DM: the week bridges the streak."""

    def __init__(self, guild_id: int, week: date) -> None:
        super().__init__(
            discord.ui.Button(
                label="Skip this week",
                style=discord.ButtonStyle.secondary,
                custom_id=f"progress:skip:{guild_id}:{week:%Y%m%d}",
            )
        )
        self.guild_id = guild_id
        self.week = week

    @classmethod
    async def from_custom_id(  # type: ignore[override]
        cls, interaction: discord.Interaction[PMOBot], item: discord.ui.Button[Any], match: re.Match[str], /
    ) -> SkipWeekButton:
        """Rebuild from ``progress:skip:<guild>:<YYYYMMDD>``."""
        try:
            week = datetime.strptime(match["week"], "%Y%m%d").date()  # noqa: DTZ007 - a calendar date, no instant
        except ValueError:
            week = date.min
        return cls(int(match["guild"]), week)

    @guarded
    async def callback(self, interaction: discord.Interaction[PMOBot]) -> None:  # type: ignore[override]
        """Record the skip and confirm."""
        guild_id = await _guild_for_button(interaction, self.guild_id)
        bot = interaction.client
        now = bot.clock.now()
        added = await progress.skip_week(
            bot.db, guild_id=guild_id, user_id=interaction.user.id, week=self.week, now=now
        )
        when = f"the week of {self.week.day} {self.week:%B %Y}"
        if added:
            text = f"Okay — {when} is skipped. Your weekly streak is kept; see you at the next check-in."
        else:
            text = f"{when[0].upper()}{when[1:]} was already skipped. Your weekly streak is kept."
        await send_ephemeral(interaction, text)


class _OwnedView(AppView):
    """An ephemeral picker only its member uses."""

    def __init__(self, owner_id: int, guild_id: int) -> None:
        super().__init__(timeout=_VIEW_TIMEOUT)
        self.owner_id = owner_id
        self.guild_id = guild_id

    async def interaction_check(self, interaction: discord.Interaction[Any], /) -> bool:
        """Only the member who ran the command."""
        if interaction.user.id != self.owner_id:
            raise PermissionDeniedError("These are someone else's entries.")
        return True


def _options(entries: list[progress.ProgressEntry]) -> list[discord.SelectOption]:
    options = []
    for entry in entries[: progress.RECENT_LIMIT]:
        label = f"{entry.local_date.isoformat()} · {entry.kind} · {entry.minutes} min"
        options.append(discord.SelectOption(label=label[:100], value=str(entry.id), description=entry.activity[:100]))
    return options


class _EntrySelect(discord.ui.Select["_EntryPicker"]):
    """A select of entries that hands the chosen one to its view."""

    async def callback(self, interaction: discord.Interaction[PMOBot]) -> None:  # type: ignore[override]
        """Load the chosen entry (it must still be the member's) and pass it on."""
        view = self.view
        if view is None:  # pragma: no cover - discord.py only calls items attached to a view
            return
        entry = await progress.get_entry(interaction.client.db, view.guild_id, view.owner_id, int(self.values[0]))
        await view.chosen(interaction, entry)


class _EntryPicker(_OwnedView):
    """Base for the edit and delete pickers."""

    placeholder = "Choose an entry"
    action = "pick"

    def __init__(self, owner_id: int, guild_id: int, entries: list[progress.ProgressEntry]) -> None:
        super().__init__(owner_id, guild_id)
        self.add_item(
            _EntrySelect(
                placeholder=self.placeholder, options=_options(entries), custom_id=f"progress:{self.action}:choose"
            )
        )

    async def chosen(self, interaction: discord.Interaction[PMOBot], entry: progress.ProgressEntry) -> None:
        """Act on the chosen entry."""
        raise NotImplementedError


class EditEntryView(_EntryPicker):
    """A select of the member's last 25 entries; choosing one opens the edit modal."""

    placeholder = "Choose an entry to edit"
    action = "edit"

    async def chosen(self, interaction: discord.Interaction[PMOBot], entry: progress.ProgressEntry) -> None:
        """Open the modal, filled in with the entry."""
        await interaction.response.send_modal(EntryModal(guild_id=self.guild_id, entry=entry))


class _ConfirmDelete(discord.ui.Button["DeleteEntryView"]):
    """The confirm button; enabled once an entry is chosen."""

    async def callback(self, interaction: discord.Interaction[PMOBot]) -> None:  # type: ignore[override]
        """Delete the chosen entry."""
        if self.view is not None:
            await self.view.confirmed(interaction)


class DeleteEntryView(_EntryPicker):
    """A select of the member's last 25 entries, then a confirm button."""

    placeholder = "Choose an entry to delete"
    action = "delete"

    def __init__(self, owner_id: int, guild_id: int, entries: list[progress.ProgressEntry]) -> None:
        super().__init__(owner_id, guild_id, entries)
        self.entry_id: int | None = None
        self.confirm = _ConfirmDelete(
            label="Delete it", style=discord.ButtonStyle.danger, custom_id="progress:delete:confirm", disabled=True
        )
        self.add_item(self.confirm)

    async def chosen(self, interaction: discord.Interaction[PMOBot], entry: progress.ProgressEntry) -> None:
        """Ask for confirmation."""
        self.entry_id = entry.id
        self.confirm.disabled = False
        await interaction.response.edit_message(
            content=f"Delete this entry? This cannot be undone.\n{entry_line(entry)}"[:2000],
            view=self,
            allowed_mentions=discord.AllowedMentions.none(),
        )

    async def confirmed(self, interaction: discord.Interaction[PMOBot]) -> None:
        """Delete and say what was deleted."""
        if self.entry_id is None:
            raise ConflictError("Choose an entry first.")
        entry = await progress.delete_entry(
            interaction.client.db, guild_id=self.guild_id, user_id=self.owner_id, entry_id=self.entry_id
        )
        self.stop()
        await interaction.response.edit_message(
            content=f"Deleted: {entry_line(entry)}"[:2000], view=None, allowed_mentions=discord.AllowedMentions.none()
        )
