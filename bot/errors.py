"""Errors a member or moderator can act on. Plain sentences; no Discord imports."""

from __future__ import annotations

__all__ = ["ConflictError", "LimitError", "NotFoundError", "PermissionDeniedError", "UserError", "ValidationError"]


class UserError(Exception):
    """An error whose message is shown to the user as-is (ephemeral)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ValidationError(UserError):
    """User input is malformed or out of range; nothing was stored."""


class NotFoundError(UserError):
    """The thing the user named does not exist in this server."""


class ConflictError(UserError):
    """The action clashes with the current state (already done, already taken, expired)."""


class PermissionDeniedError(UserError):
    """The caller lacks the permission or role the action needs."""


class LimitError(UserError):
    """A quota or Discord limit would be exceeded."""
