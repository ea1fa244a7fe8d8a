"""The command tree and the one error funnel for slash commands, views, modals and dynamic items (via :func:`guarded`).

Order of handling in :func:`handle_interaction_error`:
1. unwrap ``CommandInvokeError`` / ``TransformerError`` to the original exception;
2. ``UserError`` → its own sentence;
3. check failures (missing permissions, guild-only, cooldowns) → what is missing or when to retry;
4. anything else → logged with a short code that the user also sees.
All of these replies are ephemeral and go through :func:`send_ephemeral`.
"""

from __future__ import annotations

import functools
import logging
import secrets
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

import discord
from discord import app_commands

from bot.errors import UserError

if TYPE_CHECKING:
    from bot.client import PMOBot

__all__ = ["AppModal", "AppTree", "AppView", "guarded", "handle_interaction_error", "send_ephemeral"]

log = logging.getLogger(__name__)

NO_MENTIONS = discord.AllowedMentions.none()
CallbackT = TypeVar("CallbackT", bound=Callable[..., Awaitable[Any]])


async def send_ephemeral(
    interaction: discord.Interaction[Any],
    content: str | None = None,
    *,
    embed: discord.Embed | None = None,
    embeds: list[discord.Embed] | None = None,
    view: discord.ui.View | None = None,
    files: list[discord.File] | None = None,
) -> None:
    """Reply privately: through ``response`` the first time, ``followup`` once the response is done."""
    kwargs: dict[str, Any] = {"ephemeral": True, "allowed_mentions": NO_MENTIONS}
    if content is not None:
        kwargs["content"] = content
    if embed is not None:
        kwargs["embed"] = embed
    if embeds:
        kwargs["embeds"] = embeds
    if view is not None:
        kwargs["view"] = view
    if files:
        kwargs["files"] = files
    if interaction.response.is_done():
        await interaction.followup.send(**kwargs)
    else:
        await interaction.response.send_message(**kwargs)


def _missing(perms: list[str]) -> str:
    return ", ".join(p.replace("_", " ").replace("guild", "server").title() for p in perms)


def describe_error(error: BaseException) -> str | None:
    """The sentence for an error a user can act on, or None for an unexpected error."""
    if isinstance(error, UserError):
        return error.message
    if isinstance(error, app_commands.CommandOnCooldown):
        return f"Slow down a little: you can use this again in {error.retry_after:.0f} s."
    if isinstance(error, app_commands.MissingPermissions):
        return f"You need the {_missing(error.missing_permissions)} permission to do that."
    if isinstance(error, app_commands.BotMissingPermissions):
        return f"I need the {_missing(error.missing_permissions)} permission here; ask a server admin to grant it."
    if isinstance(error, app_commands.NoPrivateMessage):
        return "This command only works inside a server."
    if isinstance(error, app_commands.MissingRole | app_commands.MissingAnyRole):
        return "You need a moderator role to do that."
    if isinstance(error, app_commands.CheckFailure):
        return str(error) or "You can't use this command here."
    return None


async def handle_interaction_error(interaction: discord.Interaction[Any], error: BaseException) -> None:
    """Turn any error raised while handling an interaction into one ephemeral reply (and a log line)."""
    while isinstance(error, app_commands.CommandInvokeError | app_commands.TransformerError) and error.__cause__:
        error = error.__cause__
    message = describe_error(error)
    if message is None:
        code = secrets.token_hex(2).upper()
        command = (
            interaction.command.qualified_name
            if interaction.command
            else interaction.data and interaction.data.get("custom_id")
        )
        log.error("Unhandled error %s in %s (guild %s)", code, command, interaction.guild_id, exc_info=error)
        message = f"Something went wrong (code {code}). The moderators can find it in the bot's logs."
    try:
        await send_ephemeral(interaction, message)
    except discord.HTTPException:
        log.warning("Could not deliver an error message for interaction %s", interaction.id)


class AppTree(app_commands.CommandTree["PMOBot"]):
    """The bot's command tree: one ``on_error`` for every slash command."""

    async def on_error(self, interaction: discord.Interaction[PMOBot], error: app_commands.AppCommandError) -> None:
        """Route every command error through the funnel."""
        await handle_interaction_error(interaction, error)


class AppView(discord.ui.View):
    """A view whose item errors go through the funnel."""

    async def on_error(
        self, interaction: discord.Interaction[Any], error: Exception, item: discord.ui.Item[Any], /
    ) -> None:
        """Route item errors through the funnel."""
        await handle_interaction_error(interaction, error)


class AppModal(discord.ui.Modal):
    """A modal whose submit errors go through the funnel."""

    async def on_error(self, interaction: discord.Interaction[Any], error: Exception, /) -> None:  # type: ignore[override]
        """Route submit errors through the funnel."""
        await handle_interaction_error(interaction, error)


def guarded(callback: CallbackT) -> CallbackT:
    """Wrap a ``DynamicItem.callback`` so its errors go through the funnel (discord.py only logs them)."""

    @functools.wraps(callback)
    async def wrapper(self: Any, interaction: discord.Interaction[Any]) -> Any:
        try:
            return await callback(self, interaction)
        except Exception as exc:
            await handle_interaction_error(interaction, exc)
            return None

    return wrapper  # type: ignore[return-value]
