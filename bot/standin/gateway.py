"""The gateway websocket: HELLO, IDENTIFY → READY + GUILD_CREATE, heartbeats, RESUME with replay, and the
server-side disruptions a test can ask for (op 7 reconnect, op 9 invalid session, a dropped socket).

Frames are plain JSON text; discord.py only decompresses binary frames, so no zlib is needed.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

log = logging.getLogger(__name__)

DISPATCH = 0
HEARTBEAT = 1
IDENTIFY = 2
PRESENCE_UPDATE = 3
VOICE_STATE_UPDATE = 4
RESUME = 6
RECONNECT = 7
REQUEST_GUILD_MEMBERS = 8
INVALID_SESSION = 9
HELLO = 10
HEARTBEAT_ACK = 11

INTENT_GUILD_MEMBERS = 1 << 1
INTENT_GUILD_PRESENCES = 1 << 8
INTENT_MESSAGE_CONTENT = 1 << 15
PRIVILEGED_INTENTS = INTENT_GUILD_MEMBERS | INTENT_GUILD_PRESENCES | INTENT_MESSAGE_CONTENT

CLOSE_AUTHENTICATION_FAILED = 4004
CLOSE_DISALLOWED_INTENTS = 4014


@dataclass(eq=False)
class GatewaySession:
    """A gateway session: survives a dropped socket and is continued by RESUME."""

    id: str
    intents: int
    shard: list[int] | None
    seq: int = 0
    sent: list[dict[str, Any]] = field(default_factory=list)
    ws: web.WebSocketResponse | None = None
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    invalidated: bool = False
    resumes: int = 0

    @property
    def connected(self) -> bool:
        """Whether a socket is attached and open."""
        return self.ws is not None and not self.ws.closed


@dataclass
class GatewayHooks:
    """What the gateway asks of the rest of the stand-in."""

    token: Callable[[], str]
    ready_payload: Callable[[GatewaySession], dict[str, Any]]
    guild_payloads: Callable[[GatewaySession], list[dict[str, Any]]]
    members_chunk: Callable[[dict[str, Any]], dict[str, Any]]
    allowed_privileged: Callable[[], int]


class Gateway:
    """Accepts discord.py's websocket and keeps its sessions."""

    def __init__(self, hooks: GatewayHooks, *, heartbeat_interval_ms: int = 41_250) -> None:
        self.hooks = hooks
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.sessions: dict[str, GatewaySession] = {}
        self.current: GatewaySession | None = None
        self.identify_count = 0
        self.resume_count = 0
        self.ready_count = 0
        self.close_codes: list[int] = []
        self._changed = asyncio.Event()
        self._sockets: set[web.WebSocketResponse] = set()

    def _notify(self) -> None:
        event, self._changed = self._changed, asyncio.Event()
        event.set()

    async def wait_for(self, predicate: Callable[[], bool], timeout: float, what: str) -> None:  # noqa: ASYNC109
        """Wait until ``predicate`` holds (it is rechecked whenever the gateway's state changes)."""
        loop = asyncio.get_running_loop()
        end = loop.time() + timeout
        while not predicate():
            remaining = end - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"gateway: timed out waiting for {what}")
            event = self._changed
            try:
                await asyncio.wait_for(event.wait(), timeout=remaining)
            except TimeoutError:
                continue

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        """The websocket endpoint."""
        ws = web.WebSocketResponse(max_msg_size=0, autoclose=True)
        await ws.prepare(request)
        self._sockets.add(ws)
        session: GatewaySession | None = None
        try:
            await ws.send_str(
                json.dumps({"op": HELLO, "d": {"heartbeat_interval": self.heartbeat_interval_ms}, "s": None, "t": None})
            )
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                frame = json.loads(msg.data)
                op = frame.get("op")
                data = frame.get("d")
                if op == HEARTBEAT:
                    await ws.send_str(json.dumps({"op": HEARTBEAT_ACK, "d": None, "s": None, "t": None}))
                elif op == IDENTIFY:
                    session = await self._identify(ws, data)
                elif op == RESUME:
                    session = await self._resume(ws, data)
                elif op == REQUEST_GUILD_MEMBERS and session is not None:
                    await self._send_dispatch(session, "GUILD_MEMBERS_CHUNK", self.hooks.members_chunk(data))
                elif op not in (PRESENCE_UPDATE, VOICE_STATE_UPDATE):
                    log.debug("gateway: ignoring op %s", op)
        except ConnectionError:
            # The bot went away mid-send (a kill, or its own close): the session waits for a RESUME.
            log.debug("gateway: socket lost")
        finally:
            self._sockets.discard(ws)
            if session is not None and session.ws is ws:
                session.ws = None
            if ws.close_code is not None:
                self.close_codes.append(ws.close_code)
            self._notify()
        return ws

    async def _identify(self, ws: web.WebSocketResponse, data: dict[str, Any]) -> GatewaySession | None:
        if data.get("token") != self.hooks.token():
            log.info("gateway: IDENTIFY with a wrong token, closing with 4004")
            await ws.close(code=CLOSE_AUTHENTICATION_FAILED, message=b"Authentication failed.")
            return None
        intents = int(data.get("intents") or 0)
        if intents & PRIVILEGED_INTENTS & ~self.hooks.allowed_privileged():
            log.info("gateway: privileged intents %s not enabled, closing with 4014", intents & PRIVILEGED_INTENTS)
            await ws.close(code=CLOSE_DISALLOWED_INTENTS, message=b"Disallowed intent(s).")
            return None
        session = GatewaySession(id=secrets.token_hex(16), intents=intents, shard=data.get("shard"), ws=ws)
        self.sessions[session.id] = session
        self.current = session
        self.identify_count += 1
        await self._send_dispatch(session, "READY", self.hooks.ready_payload(session))
        for guild in self.hooks.guild_payloads(session):
            await self._send_dispatch(session, "GUILD_CREATE", guild)
        self.ready_count += 1
        log.debug("gateway: session ready (%d guilds)", len(self.hooks.guild_payloads(session)))
        self._notify()
        return session

    async def _resume(self, ws: web.WebSocketResponse, data: dict[str, Any]) -> GatewaySession | None:
        session = self.sessions.get(str(data.get("session_id")))
        if session is None or session.invalidated or data.get("token") != self.hooks.token():
            await ws.send_str(json.dumps({"op": INVALID_SESSION, "d": False, "s": None, "t": None}))
            return None
        last_seq = int(data.get("seq") or 0)
        async with session.lock:
            session.ws = ws
            for frame in session.sent:
                if frame["s"] > last_seq:
                    await ws.send_str(json.dumps(frame))
            session.seq += 1
            frame = {"op": DISPATCH, "t": "RESUMED", "s": session.seq, "d": {}}
            session.sent.append(frame)
            await ws.send_str(json.dumps(frame))
        session.resumes += 1
        self.resume_count += 1
        self.current = session
        self._notify()
        return session

    async def _send_dispatch(self, session: GatewaySession, event: str, data: dict[str, Any]) -> None:
        async with session.lock:
            session.seq += 1
            frame = {"op": DISPATCH, "t": event, "s": session.seq, "d": data}
            session.sent.append(frame)
            # Keep enough history to replay after a resume without growing without bound.
            if len(session.sent) > 2000:
                del session.sent[:1000]
            ws = session.ws
            if ws is not None and not ws.closed:
                try:
                    await ws.send_str(json.dumps(frame))
                except ConnectionError:
                    log.debug("gateway: socket gone while sending %s; it will be replayed on resume", event)

    async def dispatch(self, event: str, data: dict[str, Any], *, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Send an event to the current session, waiting (up to ``timeout``) for a bot to be identified."""
        await self.wait_for(
            lambda: self.current is not None and not self.current.invalidated,
            timeout,
            f"a gateway session to send {event}",
        )
        session = self.current
        if session is None:  # pragma: no cover - wait_for guarantees a session
            raise RuntimeError("no gateway session")
        await self._send_dispatch(session, event, data)

    async def dispatch_live(self, event: str, data: dict[str, Any], *, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Like ``dispatch`` but waits until a socket is attached, so the event is not just queued for replay."""
        await self.wait_for(
            lambda: self.current is not None and self.current.connected,
            timeout,
            f"a connected gateway session to send {event}",
        )
        await self.dispatch(event, data, timeout=timeout)

    async def send_reconnect(self) -> None:
        """Op 7: ask the bot to reconnect and RESUME."""
        session = self.current
        if session is not None and session.ws is not None:
            await session.ws.send_str(json.dumps({"op": RECONNECT, "d": None, "s": None, "t": None}))

    async def invalidate_session(self, *, resumable: bool = False) -> None:
        """Op 9: the session is invalid; unless ``resumable``, the bot must IDENTIFY again."""
        session = self.current
        if session is None or session.ws is None:
            return
        if not resumable:
            session.invalidated = True
        await session.ws.send_str(json.dumps({"op": INVALID_SESSION, "d": resumable, "s": None, "t": None}))

    async def disconnect(self, code: int = 4000) -> None:
        """Drop the current socket with ``code``; with a resumable code the bot reconnects and RESUMEs."""
        session = self.current
        if session is not None and session.ws is not None:
            await session.ws.close(code=code, message=b"stand-in disconnect")

    async def close_all(self) -> None:
        """Close every socket (stand-in shutdown)."""
        for ws in list(self._sockets):
            await ws.close(code=1001, message=b"stand-in stopping")
