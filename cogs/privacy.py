"""/privacy export and /privacy delete: every member can take or erase what the bot stores about them here."""

from __future__ import annotations

import io
import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.errors import LimitError
from bot.services import privacy
from bot.tree import AppView, send_ephemeral

if TYPE_CHECKING:
    from bot.client import PMOBot

log = logging.getLogger(__name__)

CONFIRM_SECONDS = 300


class ConfirmDeleteView(AppView):
    """Delete everything / Cancel, on the caller's private message; only they can see or press it."""

    def __init__(self, bot: PMOBot, guild_id: int, user_id: int) -> None:
        super().__init__(timeout=CONFIRM_SECONDS)
        self.bot = bot
        self.guild_id = guild_id
        self.user_id = user_id
        self.origin: discord.Interaction[PMOBot] | None = None

    async def on_timeout(self) -> None:
        """Take the buttons away once the confirmation has expired (nothing was deleted)."""
        if self.origin is None:
            return
        try:
            await self.origin.edit_original_response(
                content="This confirmation expired; nothing was deleted. Run /privacy delete again if you want to.",
                view=None,
            )
        except discord.HTTPException:
            log.debug("Could not expire a privacy confirmation in guild %s", self.guild_id)

    async def interaction_check(self, interaction: discord.Interaction[PMOBot]) -> bool:  # type: ignore[override]
        """Only the member who asked may confirm."""
        return interaction.user.id == self.user_id and interaction.guild_id == self.guild_id

    @discord.ui.button(label="Delete everything", style=discord.ButtonStyle.danger, custom_id="privacy:delete:confirm")
    async def confirm(
        self, interaction: discord.Interaction[PMOBot], button: discord.ui.Button[ConfirmDeleteView]
    ) -> None:
        """Delete every row about the member in this server, in one transaction, and say what went."""
        self.stop()
        report = await privacy.delete_member_data(self.bot.db, self.guild_id, self.user_id)
        log.info("Deleted member data on request in guild %s: %d rows", self.guild_id, report.total)
        lines = report.lines()
        if lines:
            text = "Done. I deleted everything I held about you in this server:\n" + "\n".join(f"• {x}" for x in lines)
        else:
            text = "Done. I held nothing about you in this server."
        text += "\nAnything you do with the bot from now on is stored again as usual."
        await interaction.response.edit_message(content=text[:2000], view=None, allowed_mentions=privacy_mentions())

    @discord.ui.button(label="Cancel", style=discord.ButtonStyle.secondary, custom_id="privacy:delete:cancel")
    async def cancel(
        self, interaction: discord.Interaction[PMOBot], button: discord.ui.Button[ConfirmDeleteView]
    ) -> None:
        """Keep everything."""
        self.stop()
        await interaction.response.edit_message(
            content="Cancelled: nothing was deleted.", view=None, allowed_mentions=privacy_mentions()
        )


def privacy_mentions() -> discord.AllowedMentions:
    """These replies never ping anyone."""
    return discord.AllowedMentions.none()


@app_commands.guild_only()
class PrivacyCog(
    commands.GroupCog, group_name="privacy", group_description="See or delete what the bot stores about you."
):
    """The member's data rights."""

    def __init__(self, bot: PMOBot) -> None:
        self.bot = bot
        super().__init__()

    @app_commands.command(name="export")
    async def export(self, interaction: discord.Interaction[PMOBot]) -> None:
        """Everything the bot stores about you in this server, as a JSON file."""
        assert interaction.guild_id is not None  # noqa: S101 - guild-only
        data = await privacy.export_member_data(
            self.bot.db, interaction.guild_id, interaction.user.id, self.bot.clock.now()
        )
        payload = privacy.export_json(data)
        if len(payload) > interaction.filesize_limit:
            raise LimitError(
                "Your data is larger than Discord lets me attach here. Ask a moderator to contact the bot's "
                "operator for a copy."
            )
        labels = privacy.registry_by_table()
        counts = {table: len(rows) for table, rows in data["tables"].items() if rows}
        if counts:
            summary = "\n".join(f"• {count} × {labels[table].label}" for table, count in counts.items())
            text = f"Here is everything I store about you in this server:\n{summary}\n"
        else:
            text = "I store nothing about you in this server; the file shows the (empty) tables I checked."
        text += " Use /privacy delete to erase it."
        file = discord.File(io.BytesIO(payload), filename=f"pmo-bot-my-data-{interaction.guild_id}.json")
        await send_ephemeral(interaction, text, files=[file])

    @app_commands.command(name="delete")
    async def delete(self, interaction: discord.Interaction[PMOBot]) -> None:
        """Delete everything the bot stores about you in this server (asks you first)."""
        assert interaction.guild_id is not None  # noqa: S101 - guild-only
        view = ConfirmDeleteView(self.bot, interaction.guild_id, interaction.user.id)
        kinds = "; ".join(dict.fromkeys(entry.label for entry in privacy.REGISTRY if not entry.anonymise))
        await send_ephemeral(
            interaction,
            f"This deletes everything I store about you in this server ({kinds}). Moderator actions you took stay "
            "in the audit log without your id. It cannot be undone; /privacy export first if you want a copy."[:2000],
            view=view,
        )
        view.origin = interaction


async def setup(bot: PMOBot) -> None:
    """Load the privacy cog."""
    await bot.add_cog(PrivacyCog(bot))
