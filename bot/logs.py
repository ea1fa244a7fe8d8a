"""Logging set-up that keeps secrets out of every log line, at every level.

What is hidden, wherever it appears in a record (the message, its arguments' reprs, an exception's traceback,
``stack_info``):

- the bot token, and each of its dot-separated parts;
- any value keyed as a token or an authorization in JSON, a repr or keyword style: ``"token": "…"``,
  ``'token': '…'``, ``token=…``, ``interaction_token=…``, ``Authorization: Bot …`` (discord.py logs whole gateway
  payloads at DEBUG, and every INTERACTION_CREATE carries the interaction's token);
- the token in webhook and interaction URL paths (``/webhooks/{id}/{token}``, ``/interactions/{id}/{token}``);
- anything shaped like a Discord bot token or interaction token, even when it was never seen before;
- any token value the filter has already seen in one of the forms above, when it turns up again bare.

The filter rewrites the record in place, so formatters that use the cached ``exc_text`` (``logging.Formatter``
does) print the redacted traceback. ``install`` also wraps the handler's formatter, so a formatter that formats the
exception itself (discord.py's colour formatter does) still has its final output redacted.
"""

from __future__ import annotations

import logging
import re
import threading
from collections import OrderedDict
from typing import IO

import discord

__all__ = ["HIDDEN", "RedactingFilter", "RedactingFormatter", "setup_logging"]

HIDDEN = "<hidden>"

# A value under a key that names a token or an authorization: JSON ("token": "…"), Python reprs ('token': '…'),
# keyword style (token=…), headers (Authorization: Bot …), also with the quotes escaped inside a JSON string.
_KEYED = re.compile(
    r"""
    (?P<key>(?P<kq>\\?["']?)\b[\w-]*(?:token|authorization)(?P=kq))
    (?P<sep>\s*[:=]\s*)
    (?:
        (?P<q>\\?["'])(?P<quoted>.*?)(?P=q)
      | (?P<bare>(?:(?:Bot|Bearer)\s+)?[^\s"'\\,;&(){}\[\]<>]+)
    )
    """,
    re.IGNORECASE | re.VERBOSE,
)
# Interaction and webhook tokens travel in URL paths; discord.py logs those paths at DEBUG.
_TOKEN_PATH = re.compile(r"(?P<prefix>/(?:webhooks|interactions)/\d+/)(?P<token>[^/?#\s'\"\\<>{}]+)")
# Shapes: a bot token (base64 id . timestamp . hmac) and an interaction token (base64 of "interaction:…").
_SHAPES = re.compile(
    r"(?<![\w.-])[A-Za-z\d_-]{23,28}\.[A-Za-z\d_-]{6,7}\.[A-Za-z\d_-]{27,}(?![\w-])"
    r"|aW50ZXJhY3Rpb246[A-Za-z\d+/=_-]{8,}"
)
_NOT_SECRET = {"", "none", "null", "true", "false", "missing", "<missing>", HIDDEN, "<token>", "{token}"}
_MIN_LEARNED = 16  # shorter keyed values are hidden where they stand but not hunted for elsewhere
_MIN_PART = 6  # the shortest part of a real bot token (the timestamp) has six characters
_LEARNED_MAX = 1024  # interaction tokens live 15 minutes; remember the most recent ones


class RedactingFilter(logging.Filter):
    """Hides the bot token, interaction and webhook tokens in every record a handler emits; never drops one."""

    def __init__(self, secrets: list[str] | None = None) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._secrets: list[str] = []
        self._learned: OrderedDict[str, None] = OrderedDict()
        self._literal: re.Pattern[str] | None = None
        for secret in secrets or []:
            self.add_secret(secret)

    def add_secret(self, secret: str) -> None:
        """Also hide this string from now on, and each of its dot-separated parts."""
        secret = secret.strip()
        if not secret:
            return
        with self._lock:
            for value in (secret, *secret.split(".")):
                if value not in self._secrets and (value == secret or len(value) >= _MIN_PART):
                    self._secrets.append(value)
            self._literal = None

    def _learn(self, value: str) -> None:
        if len(value) < _MIN_LEARNED or value.lower() in _NOT_SECRET:
            return
        with self._lock:
            if value in self._learned:
                self._learned.move_to_end(value)
                return
            self._learned[value] = None
            if len(self._learned) > _LEARNED_MAX:
                self._learned.popitem(last=False)
            self._literal = None

    def _literals(self) -> re.Pattern[str] | None:
        with self._lock:
            if self._literal is None:
                values = sorted({*self._secrets, *self._learned}, key=len, reverse=True)
                if values:
                    self._literal = re.compile("|".join(re.escape(v) for v in values))
            return self._literal

    def _keyed(self, match: re.Match[str]) -> str:
        quote = match.group("q")
        value = match.group("quoted") if quote is not None else match.group("bare")
        if value.lower() in _NOT_SECRET:
            return match.group(0)
        self._learn(value)
        for scheme in ("Bot ", "Bearer "):
            if value.startswith(scheme):
                self._learn(value[len(scheme) :].strip())
        return f"{match.group('key')}{match.group('sep')}{quote or ''}{HIDDEN}{quote or ''}"

    def _path(self, match: re.Match[str]) -> str:
        self._learn(match.group("token"))
        return f"{match.group('prefix')}{HIDDEN}"

    def redact(self, text: str) -> str:
        """``text`` with every secret this filter knows or recognises replaced by ``<hidden>``."""
        if not text:
            return text
        text = _KEYED.sub(self._keyed, text)
        text = _TOKEN_PATH.sub(self._path, text)
        literal = self._literals()
        if literal is not None:
            text = literal.sub(HIDDEN, text)
        return _SHAPES.sub(HIDDEN, text)

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record's message, traceback text and stack with secrets removed; never drops a record."""
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not let its raw arguments through
            message = f"{record.msg} (log arguments that did not fit the format: {record.args!r})"
        redacted = self.redact(message)
        if redacted != message or not isinstance(record.msg, str):
            record.msg, record.args = redacted, ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True

    def install(self, handler: logging.Handler) -> logging.Handler:
        """Filter ``handler``'s records and redact its formatter's final output (call after setting the formatter)."""
        handler.addFilter(self)
        formatter = handler.formatter
        if not isinstance(formatter, RedactingFormatter):
            handler.setFormatter(RedactingFormatter(formatter or logging.Formatter(), self))
        return handler


class RedactingFormatter(logging.Formatter):
    """Formats with another formatter, then hides secrets in the finished line (tracebacks included)."""

    def __init__(self, inner: logging.Formatter, redactor: RedactingFilter) -> None:
        super().__init__()
        self.inner = inner
        self.redactor = redactor

    def format(self, record: logging.LogRecord) -> str:
        """The inner formatter's output, redacted."""
        return self.redactor.redact(self.inner.format(record))


def setup_logging(level: str, secrets: list[str], *, stream: IO[str] | None = None) -> RedactingFilter:
    """Configure the root logger through discord.py's helper, with redaction on its handler.

    The handler is on the root logger, so records from every logger that propagates (``discord.gateway``,
    ``discord.http``, ``discord.state``, the bot's and the cogs' own) pass through the filter.
    """
    redactor = RedactingFilter(secrets)
    handler = logging.StreamHandler(stream)
    discord.utils.setup_logging(handler=handler, level=getattr(logging, level), root=True)
    redactor.install(handler)
    return redactor
