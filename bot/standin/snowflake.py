"""Snowflake ids as Discord makes them: milliseconds since the Discord epoch, shifted left by 22, plus a counter."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

log = logging.getLogger(__name__)

DISCORD_EPOCH_MS = 1_420_070_400_000


class SnowflakeFactory:
    """Makes strictly increasing snowflakes, so sorting by id sorts by creation like Discord's history does."""

    def __init__(self) -> None:
        self._last = 0

    def next(self, at: datetime | None = None) -> int:
        """A new snowflake for a thing created at ``at`` (default: now), never smaller than the previous one."""
        moment = at if at is not None else datetime.now(UTC)
        ms = int(moment.timestamp() * 1000) - DISCORD_EPOCH_MS
        candidate = max(ms, 0) << 22
        self._last = max(candidate, self._last + 1)
        return self._last


def snowflake_time(snowflake: int) -> datetime:
    """The creation time encoded in a snowflake."""
    return datetime.fromtimestamp(((snowflake >> 22) + DISCORD_EPOCH_MS) / 1000, tz=UTC)
