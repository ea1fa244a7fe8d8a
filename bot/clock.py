"""The one clock that everything time-based reads, so tests and the sandbox can move time."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from typing import Protocol

__all__ = ["Clock", "ManualClock", "ScaledClock", "SystemClock"]

# Long sleeps are cut into slices so a suspended laptop or an adjusted wall clock is noticed promptly.
_MAX_SLICE_SECONDS = 60.0


class Clock(Protocol):
    """Source of the current instant and a way to wait for a later one."""

    def now(self) -> datetime:
        """The current instant, timezone-aware in UTC."""
        ...

    async def sleep_until(self, when: datetime) -> None:
        """Return once ``now() >= when``."""
        ...


class SystemClock:
    """The real wall clock."""

    def now(self) -> datetime:
        """The current instant in UTC."""
        return datetime.now(UTC)

    async def sleep_until(self, when: datetime) -> None:
        """Sleep on the event loop until ``when``."""
        # Slices, not one long sleep: the wall clock can jump (suspend, NTP) while we wait.
        while (remaining := (when - self.now()).total_seconds()) > 0:  # noqa: ASYNC110
            await asyncio.sleep(min(remaining, _MAX_SLICE_SECONDS))


class ScaledClock:
    """A clock that starts at a given instant and runs ``speed`` times faster than real time (sandbox, crash tests)."""

    def __init__(self, start: datetime | None, speed: float = 1.0) -> None:
        self._origin = start or datetime.now(UTC)
        self._speed = speed
        self._t0 = time.monotonic()

    def now(self) -> datetime:
        """The scaled current instant."""
        return self._origin + timedelta(seconds=(time.monotonic() - self._t0) * self._speed)

    async def sleep_until(self, when: datetime) -> None:
        """Sleep the real time that corresponds to the scaled wait."""
        while (remaining := (when - self.now()).total_seconds()) > 0:  # noqa: ASYNC110
            await asyncio.sleep(min(remaining / self._speed, _MAX_SLICE_SECONDS))


class ManualClock:
    """A clock that only moves when told to; sleepers wake when it passes their instant."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("ManualClock needs an aware datetime")
        self._now = start.astimezone(UTC)
        self._moved = asyncio.Condition()

    def now(self) -> datetime:
        """The instant the clock was last moved to."""
        return self._now

    async def sleep_until(self, when: datetime) -> None:
        """Wait until the clock is moved to or past ``when``."""
        async with self._moved:
            await self._moved.wait_for(lambda: self._now >= when)

    async def set(self, when: datetime) -> None:
        """Move the clock to ``when`` (never backwards) and wake sleepers."""
        async with self._moved:
            self._now = max(self._now, when.astimezone(UTC))
            self._moved.notify_all()

    async def advance(self, delta: timedelta) -> None:
        """Move the clock forward by ``delta``."""
        await self.set(self._now + delta)
