"""Logging set-up with a filter that keeps secrets out of every log line."""

from __future__ import annotations

import logging
import re

import discord

__all__ = ["RedactingFilter", "setup_logging"]

# Interaction and webhook tokens travel in URL paths; discord.py logs those paths at DEBUG.
_TOKEN_PATHS = (
    (re.compile(r"(/webhooks/\d+/)[^/?\s'\"]+"), r"\1<token>"),
    (re.compile(r"(/interactions/\d+/)[^/?\s'\"]+"), r"\1<token>"),
)


class RedactingFilter(logging.Filter):
    """Replaces the bot token and interaction/webhook tokens in a record's final message."""

    def __init__(self, secrets: list[str] | None = None) -> None:
        super().__init__()
        self._secrets = [s for s in (secrets or []) if s]

    def add_secret(self, secret: str) -> None:
        """Also hide this string from now on."""
        if secret and secret not in self._secrets:
            self._secrets.append(secret)

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record's message with secrets removed; never drops a record."""
        message = record.getMessage()
        redacted = message
        for secret in self._secrets:
            redacted = redacted.replace(secret, "<hidden>")
        for pattern, replacement in _TOKEN_PATHS:
            redacted = pattern.sub(replacement, redacted)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


def setup_logging(level: str, secrets: list[str]) -> RedactingFilter:
    """Configure the root logger through discord.py's helper, with the redacting filter on its handler."""
    redactor = RedactingFilter(secrets)
    handler = logging.StreamHandler()
    handler.addFilter(redactor)
    discord.utils.setup_logging(handler=handler, level=getattr(logging, level), root=True)
    return redactor
