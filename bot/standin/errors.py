"""Discord's error responses, and the exceptions the stand-in raises at the tests that drive it."""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger(__name__)

# Discord's JSON error codes, with the HTTP status and message Discord sends for each.
# https://discord.com/developers/docs/topics/opcodes-and-status-codes#json
ERROR_CODES: dict[int, tuple[int, str]] = {
    0: (500, "500: Internal Server Error"),
    10003: (404, "Unknown Channel"),
    10004: (404, "Unknown Guild"),
    10007: (404, "Unknown Member"),
    10008: (404, "Unknown Message"),
    10011: (404, "Unknown Role"),
    10013: (404, "Unknown User"),
    10015: (404, "Unknown Webhook"),
    10062: (404, "Unknown interaction"),
    10063: (404, "Unknown application command"),
    20012: (403, "You are not authorized to perform this action on this application"),
    40060: (400, "Interaction has already been acknowledged."),
    50001: (403, "Missing Access"),
    50005: (403, "Cannot edit a message authored by another user"),
    50006: (400, "Cannot send an empty message"),
    50007: (403, "Cannot send messages to this user"),
    50008: (400, "Cannot send messages in a non-text channel"),
    50013: (403, "Missing Permissions"),
    50024: (400, "Cannot execute action on this channel type"),
    50027: (401, "Invalid Webhook Token"),
    50033: (400, "Invalid Recipient(s)"),
    50035: (400, "Invalid Form Body"),
    50083: (400, "Operation not allowed on an archived thread"),
    160004: (400, "A thread has already been created for this message"),
}


class DiscordError(Exception):
    """An error response, as Discord would send it: HTTP status plus a JSON body with a code."""

    def __init__(
        self, code: int, message: str | None = None, *, status: int | None = None, errors: dict[str, Any] | None = None
    ) -> None:
        default_status, default_message = ERROR_CODES.get(code, (400, "Bad Request"))
        self.code = code
        self.status = status if status is not None else default_status
        self.message = message if message is not None else default_message
        self.errors = errors
        super().__init__(f"{self.status} {self.message} (code {code})")

    def payload(self) -> dict[str, Any]:
        """The JSON body Discord sends for this error."""
        body: dict[str, Any] = {"message": self.message, "code": self.code}
        if self.errors:
            body["errors"] = self.errors
        return body


def form_error(path: str, error_code: str, message: str) -> DiscordError:
    """A 400 50035 Invalid Form Body error for one field, nested the way Discord nests it (``embeds.0.title``)."""
    errors: dict[str, Any] = {"_errors": [{"code": error_code, "message": message}]}
    for part in reversed(path.split(".")):
        errors = {part: errors}
    return DiscordError(50035, errors=errors)


def too_long(path: str, limit: int) -> DiscordError:
    """The error for a string longer than Discord allows."""
    return form_error(path, "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")


class StandInError(Exception):
    """Base class of errors the stand-in raises at the test that drives it."""


class InvalidInvocationError(StandInError):
    """The test asked for an interaction that Discord's client would not let a user send."""


class InteractionFailedError(StandInError):
    """The bot did not acknowledge an interaction in time, or Discord rejected its answer.

    A member sees "This interaction failed" in this case. ``reply`` holds whatever the bot did send.
    """

    def __init__(self, message: str, reply: Any) -> None:
        super().__init__(message)
        self.reply = reply
