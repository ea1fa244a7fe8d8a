"""Sending a message at most once: a deterministic nonce with ``enforce_nonce``, and finding it again later.

Discord de-duplicates two creates with the same ``nonce`` when ``enforce_nonce`` is true, for a few minutes.
discord.py's ``Messageable.send`` picks a random nonce unless given one and (depending on the version) may not
set ``enforce_nonce``, so scheduled work sends through :func:`send_once`, which builds the payload with
discord.py's own ``handle_message_parameters`` and makes sure both fields are in it. After a longer outage the
nonce is forgotten; :func:`find_recent` looks for an earlier copy by a marker the message carries (e.g. an
embed footer) before sending again.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import aiohttp
import discord
from discord.http import handle_message_parameters

__all__ = [
    "MAX_NONCE",
    "FoundMessage",
    "GlobalPacer",
    "check_limits",
    "find_recent",
    "send_dm_once",
    "send_once",
]

log = logging.getLogger(__name__)

MAX_NONCE = 25  # Discord rejects longer nonces
_NO_MENTIONS = discord.AllowedMentions.none()
# Interaction callbacks, followups and webhook edits are not counted against the global limit by Discord.
_EXEMPT_PATHS = ("/interactions/", "/webhooks/")


class GlobalPacer:
    """At most ``per_window`` REST requests in any ``window`` seconds (sliding), waited for in FIFO order.

    Discord's global limit is 50 requests per second; the default window is a little longer than a second so
    that network jitter cannot put a 51st request into one of Discord's seconds. Give :meth:`trace_config` to
    the client as ``http_trace``: aiohttp awaits it before each request leaves, so everything the bot sends
    through discord.py is paced, whichever code sends it. Interaction responses are exempt, as on Discord.
    """

    def __init__(
        self,
        per_window: int = 50,
        window: float = 1.05,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if per_window < 1 or window <= 0:
            raise ValueError("the pacer needs at least one request per positive window")
        self.per_window = per_window
        self.window = window
        self._monotonic = monotonic
        self._sleep = sleep
        self._sent: deque[float] = deque()
        self._lock = asyncio.Lock()
        self.waited = 0  # requests that had to wait for the window, for logs and benchmarks

    async def acquire(self) -> None:
        """Wait until one more request fits in the window, then count it."""
        async with self._lock:
            while True:
                now = self._monotonic()
                while self._sent and now - self._sent[0] >= self.window:
                    self._sent.popleft()
                if len(self._sent) < self.per_window:
                    self._sent.append(now)
                    return
                self.waited += 1
                await self._sleep(self._sent[0] + self.window - now)

    @staticmethod
    def exempt(path: str) -> bool:
        """Whether a request path is outside the global limit (interaction endpoints)."""
        return any(part in path for part in _EXEMPT_PATHS)

    def trace_config(self) -> aiohttp.TraceConfig:
        """An aiohttp trace whose request-start hook waits for the pacer."""

        async def on_request_start(
            session: aiohttp.ClientSession, context: object, params: aiohttp.TraceRequestStartParams
        ) -> None:
            if not self.exempt(params.url.path):
                await self.acquire()

        trace = aiohttp.TraceConfig()
        trace.on_request_start.append(on_request_start)
        return trace


@dataclass(frozen=True, slots=True)
class FoundMessage:
    """A message found in a channel's history: its id and the thread started from it, if any."""

    id: int
    thread_id: int | None


def check_limits(content: str | None, embeds: Sequence[discord.Embed]) -> None:
    """Raise ValueError for a message Discord would refuse for its size (a bug in the caller, not user input)."""
    if content is not None and len(content) > 2000:
        raise ValueError(f"message content has {len(content)} characters (limit 2000)")
    if len(embeds) > 10:
        raise ValueError("a message holds at most 10 embeds")
    if sum(len(embed) for embed in embeds) > 6000:
        raise ValueError("embeds exceed 6000 characters in total")
    for embed in embeds:
        if len(embed.title or "") > 256 or len(embed.description or "") > 4096 or len(embed.fields) > 25:
            raise ValueError("an embed exceeds the title (256), description (4096) or field count (25) limit")
        for embed_field in embed.fields:
            if len(embed_field.name or "") > 256 or len(embed_field.value or "") > 1024:
                raise ValueError("an embed field exceeds 256 (name) or 1024 (value) characters")
        if len(embed.footer.text or "") > 2048:
            raise ValueError("an embed footer exceeds 2048 characters")


async def send_once(
    client: discord.Client,
    channel_id: int,
    *,
    nonce: str,
    content: str | None = None,
    embeds: Sequence[discord.Embed] = (),
    view: discord.ui.View | None = None,
    files: Sequence[discord.File] = (),
    allowed_mentions: discord.AllowedMentions = _NO_MENTIONS,
    guild_id: int | None = None,
) -> discord.Message:
    """Create a message in a channel with ``nonce`` and ``enforce_nonce``; a repeat within Discord's window
    returns the first message instead of posting again.

    Raises what discord.py raises (Forbidden, NotFound, HTTPException); 429s are waited out by discord.py.
    ``allowed_mentions`` parses nothing unless the caller names the users to ping.
    """
    if not nonce or len(nonce) > MAX_NONCE:
        raise ValueError(f"nonce must be 1–{MAX_NONCE} characters, got {nonce!r}")
    check_limits(content, embeds)
    channel = client.get_partial_messageable(channel_id, guild_id=guild_id)
    with handle_message_parameters(
        content=content if content is not None else discord.utils.MISSING,
        embeds=list(embeds) if embeds else discord.utils.MISSING,
        view=view if view is not None else discord.utils.MISSING,
        files=list(files) if files else discord.utils.MISSING,
        nonce=nonce,
        allowed_mentions=allowed_mentions,
    ) as params:
        if params.payload is not None:
            params.payload["nonce"] = nonce
            params.payload["enforce_nonce"] = True
        elif params.multipart:
            # With files the JSON travels as the ``payload_json`` part; add the fields there.
            part = params.multipart[0]
            payload = json.loads(part["value"])
            payload.update(nonce=nonce, enforce_nonce=True)
            part["value"] = json.dumps(payload)
        data = await client.http.send_message(channel_id, params=params)
    state = client._connection  # the same state discord.py's own send uses to build the Message
    message = state.create_message(channel=channel, data=data)
    if view is not None and not view.is_finished() and view.is_dispatchable():
        state.store_view(view, message.id)
    return message


async def send_dm_once(
    client: discord.Client,
    user_id: int,
    *,
    nonce: str,
    content: str | None = None,
    embeds: Sequence[discord.Embed] = (),
    view: discord.ui.View | None = None,
    allowed_mentions: discord.AllowedMentions = _NO_MENTIONS,
) -> discord.Message:
    """Open (or reuse) the DM channel with a member and :func:`send_once` there.

    A member with closed DMs gives ``discord.Forbidden`` (code 50007); callers decide what that means.
    """
    channel: dict[str, Any] = dict(await client.http.start_private_message(user_id))
    return await send_once(
        client,
        int(channel["id"]),
        nonce=nonce,
        content=content,
        embeds=embeds,
        view=view,
        allowed_mentions=allowed_mentions,
    )


def _carries(message: dict[str, Any], marker: str) -> bool:
    if marker in (message.get("content") or ""):
        return True
    for embed in message.get("embeds") or []:
        footer = (embed.get("footer") or {}).get("text") or ""
        if marker in footer:
            return True
    return False


async def find_recent(
    client: discord.Client,
    channel_id: int,
    *,
    marker: str | None = None,
    match: Callable[[dict[str, Any]], bool] | None = None,
    limit: int = 50,
) -> FoundMessage | None:
    """The bot's own message carrying ``marker`` (content or embed footer), or for which ``match`` (given the raw
    message object) is true, among a channel's latest messages.

    Used before re-sending work whose earlier outcome is unknown (a crash mid-send) and whose nonce Discord may
    have forgotten (Discord does not return a message's nonce in the history, so the marker must be something it
    does return: content, an embed, a component's ``custom_id``). Needs Read Message History; a missing
    permission raises ``discord.Forbidden``.
    """
    own_id = client.user.id if client.user is not None else None
    for raw in await client.http.logs_from(channel_id, limit):
        message: dict[str, Any] = dict(raw)
        author: dict[str, Any] = message.get("author") or {}
        if own_id is not None and int(author.get("id", 0)) != own_id:
            continue
        if (marker is not None and _carries(message, marker)) or (match is not None and match(message)):
            thread = message.get("thread")
            return FoundMessage(int(message["id"]), int(thread["id"]) if thread else None)
    return None
