"""The record of every REST request the bot made, queryable by route, channel, interaction, user and time."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.standin.faults import normalise_route
from bot.standin.models import SentFile

log = logging.getLogger(__name__)


@dataclass(eq=False)
class RequestRecord:
    """One request: what was sent, to where, when, and what the stand-in answered.

    ``path`` has interaction tokens replaced by ``{token}``; ``json`` is the JSON body (or ``payload_json``).
    """

    seq: int
    method: str
    route: str
    path: str
    params: dict[str, str]
    query: dict[str, str]
    at: datetime
    monotonic: float
    json: Any = None
    files: list[SentFile] = field(default_factory=list)
    status: int = 0
    response: Any = None
    error_code: int | None = None
    channel_id: int | None = None
    guild_id: int | None = None
    interaction_id: int | None = None
    user_id: int | None = None
    message_id: int | None = None
    fault: bool = False
    rate_limited: bool = False
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """Whether the stand-in answered with a 2xx status."""
        return 200 <= self.status < 300

    @property
    def message_body(self) -> dict[str, Any]:
        """The message part of the body (for an interaction callback, its ``data``)."""
        if not isinstance(self.json, dict):
            return {}
        if self.route.endswith("/callback"):
            data = self.json.get("data")
            return data if isinstance(data, dict) else {}
        return self.json

    @property
    def allowed_mentions(self) -> dict[str, Any] | None:
        """The ``allowed_mentions`` sent with this request, if any."""
        value = self.message_body.get("allowed_mentions")
        return value if isinstance(value, dict) else None

    @property
    def nonce(self) -> int | str | None:
        """The message ``nonce``, if any."""
        value = self.message_body.get("nonce")
        return value if isinstance(value, int | str) else None

    @property
    def content(self) -> str | None:
        """The message ``content`` sent, if any."""
        value = self.message_body.get("content")
        return value if isinstance(value, str) else None


class Recorder:
    """Stores the records in arrival order."""

    def __init__(self) -> None:
        self.records: list[RequestRecord] = []

    def query(
        self,
        route: str | None = None,
        *,
        method: str | None = None,
        channel_id: int | None = None,
        guild_id: int | None = None,
        interaction_id: int | None = None,
        user_id: int | None = None,
        status: int | None = None,
        ok: bool | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> list[RequestRecord]:
        """Records matching every given filter; ``route`` is ``"POST /channels/{channel_id}/messages"``."""
        key = normalise_route(route) if route is not None else None
        out = []
        for rec in self.records:
            if key is not None and normalise_route(rec.route) != key:
                continue
            if method is not None and rec.method != method.upper():
                continue
            if channel_id is not None and rec.channel_id != channel_id:
                continue
            if guild_id is not None and rec.guild_id != guild_id:
                continue
            if interaction_id is not None and rec.interaction_id != interaction_id:
                continue
            if user_id is not None and rec.user_id != user_id:
                continue
            if status is not None and rec.status != status:
                continue
            if ok is not None and rec.ok != ok:
                continue
            if since is not None and rec.at < since:
                continue
            if until is not None and rec.at > until:
                continue
            out.append(rec)
        return out
