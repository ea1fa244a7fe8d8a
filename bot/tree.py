"""The command tree and the one error funnel for slash commands, views, modals and dynamic items (via :func:`guarded`).

Order of handling in :func:`handle_interaction_error`:
1. unwrap ``CommandInvokeError`` / ``TransformerError`` to the original exception;
2. ``UserError`` → its own sentence;
3. check failures (missing permissions, guild-only, cooldowns) → what is missing or when to retry;
4. anything else → logged with a short code that the user also sees.
All of these replies are ephemeral and go through :func:`send_ephemeral`.

A modal's text is never lost: when a :class:`AppModal` submission fails (bad input or anything else), the error
reply carries an "Edit and resubmit" button (:class:`ResubmitView`) that opens the same kind of modal again with
every field pre-filled with what was typed; submitting it runs the same ``on_submit``.
"""

from __future__ import annotations

import functools
import logging
import secrets
import unicodedata
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Self, TypeVar

import discord
from discord import app_commands

from bot.errors import UserError

if TYPE_CHECKING:
    from bot.client import PMOBot

__all__ = [
    "RESUBMIT_LABEL",
    "AppModal",
    "AppTree",
    "AppView",
    "ResubmitView",
    "guarded",
    "handle_interaction_error",
    "send_ephemeral",
]

log = logging.getLogger(__name__)

NO_MENTIONS = discord.AllowedMentions.none()
CallbackT = TypeVar("CallbackT", bound=Callable[..., Awaitable[Any]])
RESUBMIT_LABEL = "Edit and resubmit"
_RESUBMIT_TIMEOUT = 900.0  # how long the button under an error keeps the typed text (memory only)
_TEXT_INPUT_MAX = 4000  # Discord: a text input's value and max_length
_CUSTOM_ID_MAX = 100


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


async def handle_interaction_error(
    interaction: discord.Interaction[Any], error: BaseException, *, view: discord.ui.View | None = None
) -> None:
    """Turn any error raised while handling an interaction into one ephemeral reply (and a log line).

    ``view`` goes under the message (a failed modal's "Edit and resubmit" button).
    """
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
        await send_ephemeral(interaction, message, view=view)
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


def _fit(value: str, max_length: int | None) -> str | None:
    """``value`` as a text input's pre-filled value: at most ``max_length`` characters, cut before a combining mark
    rather than after its letter is gone (Discord refuses a modal whose value is longer than its max_length)."""
    limit = min(max_length or _TEXT_INPUT_MAX, _TEXT_INPUT_MAX)
    if len(value) > limit:
        cut = limit
        while cut > 0 and unicodedata.combining(value[cut]):
            cut -= 1
        value = value[:cut]
    return value or None


class AppModal(discord.ui.Modal):
    """A modal whose submit errors go through the funnel, with an "Edit and resubmit" button that keeps the text.

    The arguments a modal is built with are remembered, so :meth:`reopened` can build the same kind of modal again
    (same handler, same state) with each text field pre-filled with what was typed. A modal whose constructor
    arguments do not describe it fully overrides :meth:`reopened`.

    Each opened modal gets a ``custom_id`` of its own (the given one plus a random suffix): discord.py keeps open
    modals by ``custom_id`` alone, so two members (or a failed form and its reopened copy) must never share one.
    """

    _built_with: tuple[tuple[Any, ...], dict[str, Any]]

    def __new__(cls, *args: Any, **kwargs: Any) -> Self:
        """Remember the constructor's arguments for :meth:`reopened`."""
        modal = super().__new__(cls)
        modal._built_with = (args, dict(kwargs))
        return modal

    def __init__(self, *, title: str, custom_id: str | None = None, timeout: float | None = None) -> None:
        suffix = secrets.token_hex(4)
        base = (custom_id or "modal")[: _CUSTOM_ID_MAX - len(suffix) - 1]
        super().__init__(title=title, custom_id=f"{base}:{suffix}", timeout=timeout)

    def text_inputs(self) -> list[discord.ui.TextInput[Any]]:
        """The modal's text fields in order."""
        return [item for item in self.walk_children() if isinstance(item, discord.ui.TextInput)]

    def to_dict(self) -> dict[str, Any]:
        """The modal as sent, every pre-filled value cut to its field's max_length (or Discord refuses it)."""
        for field in self.text_inputs():
            if field.default:
                field.default = _fit(field.default, field.max_length)
        return super().to_dict()

    def reopened(self) -> AppModal:
        """A fresh modal of the same kind, each field pre-filled with what was typed into this one."""
        args, kwargs = self._built_with
        copy = type(self)(*args, **kwargs)
        for field, typed in zip(copy.text_inputs(), self.text_inputs(), strict=False):
            field.default = _fit(typed.value, field.max_length)
        return copy

    async def on_error(self, interaction: discord.Interaction[Any], error: Exception, /) -> None:  # type: ignore[override]
        """Route submit errors through the funnel; the reply offers to reopen the form with the text kept."""
        # Discord has closed this form; stop listening for it so only the reopened copy is live.
        self.stop()
        await handle_interaction_error(interaction, error, view=ResubmitView(self, interaction.user.id))


class ResubmitView(AppView):
    """The "Edit and resubmit" button under a failed modal's error: reopens it with what the member typed."""

    def __init__(self, modal: AppModal, owner_id: int) -> None:
        super().__init__(timeout=_RESUBMIT_TIMEOUT)
        self.modal = modal
        self.owner_id = owner_id

    async def interaction_check(self, interaction: discord.Interaction[Any], /) -> bool:
        """Only the member who typed it (the reply is ephemeral, so this is a safeguard)."""
        return interaction.user.id == self.owner_id

    @discord.ui.button(label=RESUBMIT_LABEL, style=discord.ButtonStyle.primary, emoji="✏️")
    async def resubmit(self, interaction: discord.Interaction[Any], button: discord.ui.Button[Any]) -> None:
        """Open a copy of the form with every field as it was submitted."""
        await interaction.response.send_modal(self.modal.reopened())


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
