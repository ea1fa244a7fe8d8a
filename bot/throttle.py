"""A small in-memory sliding-window limiter for what one member's actions make the bot do for others.

It keeps no personal data on disk: keys are ``(guild_id, user_id)`` tuples held in memory only and forgotten when
their window passes (or the process restarts, which at worst lets a member start a fresh window).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Hashable
from datetime import datetime, timedelta

__all__ = ["WindowLimiter"]


class WindowLimiter:
    """At most ``limit`` events per key in any ``window``; time comes from the caller (the bot's clock)."""

    def __init__(self, limit: int, window: timedelta, *, max_keys: int = 100_000) -> None:
        self.limit = limit
        self.window = window
        self._max_keys = max_keys
        self._events: dict[Hashable, deque[datetime]] = {}

    def allow(self, key: Hashable, now: datetime) -> bool:
        """Count one event for ``key`` and say whether it is within the limit (a refused one is not counted)."""
        events = self._events.get(key)
        if events is None:
            if len(self._events) >= self._max_keys:
                self._forget_idle(now)
            events = self._events[key] = deque()
        while events and events[0] <= now - self.window:
            events.popleft()
        if len(events) >= self.limit:
            return False
        events.append(now)
        return True

    def _forget_idle(self, now: datetime) -> None:
        horizon = now - self.window
        for key in [k for k, e in self._events.items() if not e or e[-1] <= horizon]:
            del self._events[key]
