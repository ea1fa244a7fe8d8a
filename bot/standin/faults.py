"""Fault injection per REST route: error statuses with Discord codes, dropped connections and slow responses."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from bot.standin.errors import ERROR_CODES, DiscordError

log = logging.getLogger(__name__)

_PLACEHOLDER = re.compile(r"\{[^}]*\}")

_STATUS_MESSAGES = {
    500: "500: Internal Server Error",
    502: "502: Bad Gateway",
    503: "503: Service Unavailable",
    504: "504: Gateway Timeout",
}


def normalise_route(route: str) -> str:
    """``"post /channels/{id}/messages"`` → ``"POST /channels/{}/messages"``, so parameter names do not matter."""
    method, _, path = route.strip().partition(" ")
    return f"{method.upper()} {_PLACEHOLDER.sub('{}', path.strip())}"


@dataclass(eq=False)
class Fault:
    """One injected fault. ``times`` None means every matching request; ``hits`` counts the ones it caught."""

    route: str
    status: int | None = None
    code: int | None = None
    message: str | None = None
    times: int | None = 1
    channel_id: int | None = None
    drop_connection: bool = False
    delay: float = 0.0
    retry_after: float = 0.05
    is_global: bool = False
    lose_response: bool = False
    hits: int = 0

    @property
    def exhausted(self) -> bool:
        """Whether the fault has fired as many times as asked."""
        return self.times is not None and self.hits >= self.times

    def error(self) -> DiscordError | None:
        """The error response to send, or None for a pure delay or a dropped connection."""
        if self.code is not None:
            return DiscordError(self.code, self.message, status=self.status)
        if self.status is not None and self.status != 429:
            default = ERROR_CODES.get(0, (500, ""))[1] if self.status >= 500 else "Error"
            return DiscordError(0, self.message or _STATUS_MESSAGES.get(self.status, default), status=self.status)
        return None


class Faults:
    """The active faults; the first unexhausted match wins."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []

    def add(
        self,
        route: str,
        *,
        status: int | None = None,
        code: int | None = None,
        message: str | None = None,
        times: int | None = 1,
        channel_id: int | None = None,
        drop_connection: bool = False,
        delay: float = 0.0,
        retry_after: float = 0.05,
        is_global: bool = False,
        lose_response: bool = False,
    ) -> Fault:
        """Make the next ``times`` requests on ``route`` (``"POST /channels/{channel_id}/messages"``) fail.

        ``code`` alone picks Discord's status for it (50013 → 403); ``status=429`` sends a real rate-limit
        response (``Via`` header, JSON ``retry_after``); ``delay`` alone only slows the response down.
        ``lose_response`` carries the request out and then drops the connection before answering: Discord did
        the work, but the bot never learns it (as when a process dies between a request and recording its result).
        """
        if status is None and code is None and not drop_connection and delay <= 0 and not lose_response:
            raise ValueError("a fault needs a status, a code, drop_connection, lose_response or a delay")
        fault = Fault(
            route=normalise_route(route),
            status=status,
            code=code,
            message=message,
            times=times,
            channel_id=channel_id,
            drop_connection=drop_connection,
            delay=delay,
            retry_after=retry_after,
            is_global=is_global,
            lose_response=lose_response,
        )
        self._faults.append(fault)
        return fault

    def remove(self, fault: Fault) -> None:
        """Stop injecting ``fault``."""
        if fault in self._faults:
            self._faults.remove(fault)

    def clear(self) -> None:
        """Remove every fault."""
        self._faults.clear()

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(list(self._faults))

    def take(self, route: str, params: dict[str, str]) -> Fault | None:
        """The fault for this request, counting the hit; None when the request should go through."""
        key = normalise_route(route)
        for fault in self._faults:
            if fault.exhausted or fault.route != key:
                continue
            if fault.channel_id is not None and params.get("channel_id") != str(fault.channel_id):
                continue
            fault.hits += 1
            log.debug("injecting fault on %s (hit %d)", key, fault.hits)
            return fault
        return None
