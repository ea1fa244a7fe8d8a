"""Collect ERROR log records from discord.py and the bot, so a test fails on exceptions that were only logged.

discord.py logs (and swallows) exceptions raised in command, view and modal callbacks; without this a broken
handler shows up as a timeout or a missing reply instead of its traceback.
"""

from __future__ import annotations

import logging
import re

log = logging.getLogger(__name__)


class ErrorLogCapture(logging.Handler):
    """A handler on the named loggers that keeps ERROR (and worse) records.

    ``allow(pattern)`` marks records whose message matches ``pattern`` (a regular expression) as expected;
    ``unexpected()`` returns the rest.
    """

    def __init__(self, loggers: tuple[str, ...] = ("discord", "bot")) -> None:
        super().__init__(level=logging.ERROR)
        self.logger_names = loggers
        self.records: list[logging.LogRecord] = []
        self._allowed: list[re.Pattern[str]] = []
        self._saved_levels: dict[str, int] = {}

    def emit(self, record: logging.LogRecord) -> None:
        """Keep the record."""
        self.records.append(record)

    def install(self) -> ErrorLogCapture:
        """Attach to the loggers, making sure ERROR records are created at all."""
        for name in self.logger_names:
            logger = logging.getLogger(name)
            self._saved_levels[name] = logger.level
            if logger.getEffectiveLevel() > logging.ERROR:
                logger.setLevel(logging.ERROR)
            logger.addHandler(self)
        return self

    def uninstall(self) -> None:
        """Detach and restore the loggers' levels."""
        for name in self.logger_names:
            logger = logging.getLogger(name)
            logger.removeHandler(self)
            logger.setLevel(self._saved_levels.get(name, logging.NOTSET))

    def allow(self, pattern: str) -> None:
        """Expect error records matching ``pattern`` (searched in the message and the exception text)."""
        self._allowed.append(re.compile(pattern))

    def clear(self) -> None:
        """Forget the records seen so far."""
        self.records.clear()

    @staticmethod
    def _text(record: logging.LogRecord) -> str:
        text = record.getMessage()
        if record.exc_info and record.exc_info[1] is not None:
            text += f"\n{type(record.exc_info[1]).__name__}: {record.exc_info[1]}"
        return text

    def unexpected(self) -> list[logging.LogRecord]:
        """Records no ``allow`` pattern matches."""
        return [r for r in self.records if not any(p.search(self._text(r)) for p in self._allowed)]

    def report(self) -> str:
        """The unexpected records, formatted with tracebacks, for a test failure message."""
        formatter = logging.Formatter("%(name)s %(levelname)s: %(message)s")
        return "\n\n".join(formatter.format(r) for r in self.unexpected())
