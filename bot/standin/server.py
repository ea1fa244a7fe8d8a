"""``StandIn``: a local Discord (REST + gateway) on 127.0.0.1, and the test-facing API that drives it."""

from __future__ import annotations

import asyncio
import logging
import socket
import time
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from types import TracebackType
from typing import Any, Self

from aiohttp import web

from bot.standin import permissions as p
from bot.standin.commands import CommandRegistry, OptionBuilder, OptionContext
from bot.standin.demo import DemoGuild, build_demo_guild
from bot.standin.errors import DiscordError, InteractionFailedError, InvalidInvocationError
from bot.standin.faults import Faults
from bot.standin.gateway import INTENT_GUILD_MEMBERS, Gateway, GatewayHooks, GatewaySession
from bot.standin.interactions import (
    APPLICATION_COMMAND,
    AUTOCOMPLETE,
    DEFERRED_CHANNEL_MESSAGE,
    DEFERRED_UPDATE_MESSAGE,
    MESSAGE_COMPONENT,
    MODAL_SUBMIT,
    InteractionManager,
    InteractionState,
    Reply,
)
from bot.standin.models import (
    DM,
    GUILD_TEXT,
    SELECT_TYPES,
    Channel,
    Guild,
    Member,
    Role,
    StoredMessage,
    User,
    walk_components,
)
from bot.standin.ratelimit import RateLimitConfig, RateLimiter, RateLimitStats
from bot.standin.records import Recorder, RequestRecord
from bot.standin.rest import RestApi
from bot.standin.state import World, as_id

log = logging.getLogger(__name__)

# Obviously fake, and never shaped like a real Discord token.
DEFAULT_TOKEN = "standin-test-token"  # noqa: S105

UserLike = User | Member | int

# discord.py runs command, view, modal and dynamic-item callbacks in tasks with these names. When the bot runs in
# the test's own event loop, waiting for them to finish is the surest sign that it has said everything.
HANDLER_TASK_PREFIXES = (
    "CommandTree-invoker",
    "discord-ui-view-dispatch-",
    "discord-ui-modal-dispatch-",
    "discord-ui-dynamic-item-",
)
ChannelLike = Channel | int | str


class StandIn:
    """A fake Discord for discord.py 2.x: ``async with StandIn() as s:`` then point the bot at ``s.api_base``.

    ``response_deadline`` (seconds, real time) is Discord's 3-second limit for the first response;
    ``token_ttl`` is the 15-minute interaction token lifetime, measured on ``clock`` (default: real UTC time).
    An invoke returns once the answer is there (the first response, and after a deferral the first followup or
    edit), discord.py's handler tasks in this event loop have finished (at most ``handler_wait`` seconds) and no
    request arrived for ``quiet_period`` seconds.
    """

    def __init__(
        self,
        *,
        token: str = DEFAULT_TOKEN,
        bot_name: str = "PMO Bot",
        response_deadline: float = 3.0,
        token_ttl: float | timedelta = timedelta(minutes=15),
        rate_limits: RateLimitConfig | None = None,
        clock: Callable[[], datetime] | None = None,
        privileged_intents: int = 0,
        quiet_period: float = 0.04,
        followup_timeout: float = 10.0,
        handler_wait: float = 2.0,
        heartbeat_interval_ms: int = 41_250,
        port: int = 0,
    ) -> None:
        self.token = token
        self.handler_wait = handler_wait
        self.privileged_intents = privileged_intents
        self.quiet_period = quiet_period
        self.followup_timeout = followup_timeout
        self.world = World(bot_name=bot_name, clock=clock, attachment_base=lambda: self.base_url)
        self.commands = CommandRegistry(self.world)
        ttl = token_ttl if isinstance(token_ttl, timedelta) else timedelta(seconds=token_ttl)
        self.interactions = InteractionManager(self.world, response_deadline=response_deadline, token_ttl=ttl)
        self.faults = Faults()
        self.recorder = Recorder()
        self.rate_limiter = RateLimiter(rate_limits)
        self.gateway = Gateway(
            GatewayHooks(
                token=lambda: self.token,
                ready_payload=self._ready_payload,
                guild_payloads=self._guild_payloads,
                members_chunk=self._members_chunk,
                allowed_privileged=lambda: self.privileged_intents,
            ),
            heartbeat_interval_ms=heartbeat_interval_ms,
        )
        owner = self.world.add_user("app-owner", global_name="Application Owner")
        self.app_owner_id = owner.id
        self.demo: DemoGuild | None = None
        self._runner: web.AppRunner | None = None
        self._wanted_port = port
        self._port: int | None = None
        self._inflight = 0
        self._last_activity = time.monotonic()
        self._tasks: set[asyncio.Task[None]] = set()

    # -- lifecycle ----------------------------------------------------------------------------------------------

    async def start(self) -> Self:
        """Listen on 127.0.0.1 (a free port unless ``port`` was given)."""
        app = web.Application(client_max_size=64 * 1024 * 1024)
        RestApi(self).register(app)
        app.router.add_get("/gateway", self.gateway.handle)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=0.5)
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(("127.0.0.1", self._wanted_port))
            self._port = sock.getsockname()[1]
            await web.SockSite(self._runner, sock).start()
        except BaseException:
            sock.close()
            await self._runner.cleanup()
            self._runner = None
            raise
        log.info("Discord stand-in listening on %s", self.base_url)
        return self

    async def stop(self) -> None:
        """Close the gateway sockets and the server."""
        await self.gateway.close_all()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    @property
    def port(self) -> int:
        """The port the stand-in listens on."""
        if self._port is None:
            raise RuntimeError("StandIn is not started")
        return self._port

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_base(self) -> str:
        """The REST base to give discord.py (``Route.BASE``) or the bot (``DISCORD_API_BASE``)."""
        return f"{self.base_url}/api/v10"

    @property
    def gateway_url(self) -> str:
        """The websocket URL (``DiscordWebSocket.DEFAULT_GATEWAY``); ``/gateway/bot`` returns it too."""
        return f"ws://127.0.0.1:{self.port}/gateway"

    @property
    def bot_user(self) -> User:
        """The bot's own user."""
        return self.world.bot_user

    @property
    def application_id(self) -> int:
        """The application id (same as the bot user's id)."""
        return self.world.application_id

    # -- building the world -------------------------------------------------------------------------------------

    def add_user(self, username: str, *, global_name: str | None = None, bot: bool = False) -> User:
        """Create a user."""
        return self.world.add_user(username, global_name=global_name, bot=bot)

    def add_guild(
        self,
        name: str,
        *,
        owner: User | None = None,
        everyone_permissions: int = p.DEFAULT_EVERYONE,
        bot_permissions: int = p.DEFAULT_BOT,
    ) -> Guild:
        """Create a guild (with @everyone, its owner and the bot as members)."""
        owner = owner or self.world.add_user(f"{name.lower().replace(' ', '-')}-owner")
        return self.world.add_guild(
            name, owner=owner, everyone_permissions=everyone_permissions, bot_permissions=bot_permissions
        )

    def add_role(
        self, guild: Guild, name: str, *, permissions: int = 0, mentionable: bool = False, color: int = 0
    ) -> Role:
        """Create a role."""
        return self.world.add_role(guild, name, permissions=permissions, mentionable=mentionable, color=color)

    def add_channel(
        self,
        guild: Guild,
        name: str,
        *,
        type: int = GUILD_TEXT,
        parent: Channel | None = None,
        topic: str | None = None,
        overwrites: Iterable[p.Overwrite] = (),
    ) -> Channel:
        """Create a guild channel (no event: add channels before the bot connects)."""
        return self.world.add_channel(guild, name, type=type, parent=parent, topic=topic, overwrites=overwrites)

    def add_member(
        self, guild: Guild, user: User, *, roles: Iterable[Role | int] = (), nick: str | None = None
    ) -> Member:
        """Add a user to a guild."""
        return self.world.add_member(guild, user, roles=roles, nick=nick)

    def demo_guild(self) -> DemoGuild:
        """Create the demo guild (``general``, ``prompts``, ``mentoring``, ``check-ins``, ``mod-log``; Moderators;
        ``owner``, ``admin``, ``mod``, ``alice``, ``bob``, ``carol``, ``dave``)."""
        demo = build_demo_guild(self.world)
        if self.demo is None:
            self.demo = demo
        return demo

    async def create_channel(
        self,
        guild: Guild,
        name: str,
        *,
        type: int = GUILD_TEXT,
        parent: Channel | None = None,
        topic: str | None = None,
        overwrites: Iterable[p.Overwrite] = (),
    ) -> Channel:
        """Create a channel while the bot runs: CHANNEL_CREATE goes out."""
        channel = self.world.add_channel(guild, name, type=type, parent=parent, topic=topic, overwrites=overwrites)
        await self.send_event("CHANNEL_CREATE", self.world.channel_payload(channel))
        return channel

    async def create_role(
        self, guild: Guild, name: str, *, permissions: int = 0, mentionable: bool = False, color: int = 0
    ) -> Role:
        """Create a role while the bot runs: GUILD_ROLE_CREATE goes out."""
        role = self.world.add_role(guild, name, permissions=permissions, mentionable=mentionable, color=color)
        await self.send_event("GUILD_ROLE_CREATE", {"guild_id": str(guild.id), "role": role.payload()})
        return role

    async def update_role(
        self, role: Role, *, name: str | None = None, permissions: int | None = None, mentionable: bool | None = None
    ) -> None:
        """Change a role: GUILD_ROLE_UPDATE goes out."""
        if name is not None:
            role.name = name
        if permissions is not None:
            role.permissions = permissions
        if mentionable is not None:
            role.mentionable = mentionable
        await self.send_event("GUILD_ROLE_UPDATE", {"guild_id": str(role.guild_id), "role": role.payload()})

    def set_member_roles(self, guild: Guild, user: UserLike, roles: Iterable[Role | int]) -> None:
        """Replace a member's roles (no event: the bot has no members intent, so Discord would send none)."""
        self.world.member(guild, self._user(user).id).role_ids = [as_id(r) for r in roles]

    def set_overwrite(self, channel: Channel, target: Role | User | Member, *, allow: int = 0, deny: int = 0) -> None:
        """Replace the overwrite for a role or member on a channel; CHANNEL_UPDATE goes out (before the next
        interaction, or at once with ``await flush_events()``)."""
        kind = p.ROLE_OVERWRITE if isinstance(target, Role) else p.MEMBER_OVERWRITE
        target_id = target.id
        channel.overwrites = [o for o in channel.overwrites if (o.type, o.id) != (kind, target_id)]
        channel.overwrites.append(p.Overwrite(target_id, kind, allow=allow, deny=deny))
        if not channel.is_thread and channel.type != DM:
            self._schedule_event("CHANNEL_UPDATE", self.world.channel_payload(channel))

    async def flush_events(self) -> None:
        """Wait until gateway events queued by synchronous helpers have gone out."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    def permit_command(
        self, guild: Guild, name: str, target: Role | User | Member | Guild, *, allowed: bool = True
    ) -> None:
        """A server admin's per-command override (Integrations settings) for a role, member or everyone."""
        self.commands.overrides.setdefault((guild.id, name), {})[target.id] = allowed

    def close_dms(self, user: UserLike) -> None:
        """The user blocks DMs: sends to their DM channel fail with 403 50007."""
        self._user(user).dms_open = False

    def open_dms(self, user: UserLike) -> None:
        """Undo ``close_dms``."""
        self._user(user).dms_open = True

    async def delete_channel(self, channel: Channel) -> None:
        """Delete a channel: CHANNEL_DELETE (THREAD_DELETE for threads) goes out; later calls get 10003."""
        channel.deleted = True
        if channel.is_thread:
            await self.send_event(
                "THREAD_DELETE",
                {
                    "id": str(channel.id),
                    "guild_id": str(channel.guild_id),
                    "parent_id": str(channel.parent_id),
                    "type": channel.type,
                },
            )
        else:
            await self.send_event("CHANNEL_DELETE", self.world.channel_payload(channel))

    async def remove_member(self, guild: Guild, user: UserLike) -> None:
        """The user leaves the guild: member fetches get 10007 Unknown Member."""
        member = guild.members.pop(self._user(user).id, None)
        if member is not None and self._session_intents() & INTENT_GUILD_MEMBERS:
            await self.send_event("GUILD_MEMBER_REMOVE", {"guild_id": str(guild.id), "user": member.user.payload()})

    async def remove_bot(self, guild: Guild) -> None:
        """The bot is kicked: GUILD_DELETE goes out and the guild's routes answer 403 50001."""
        guild.bot_present = False
        await self.send_event("GUILD_DELETE", {"id": str(guild.id)})

    async def add_bot(self, guild: Guild) -> None:
        """The bot is (re-)invited: GUILD_CREATE goes out."""
        guild.bot_present = True
        session = self.gateway.current
        if session is not None:
            await self.send_event("GUILD_CREATE", self._guild_payload(guild, session))

    # -- gateway ------------------------------------------------------------------------------------------------

    async def send_event(self, event: str, data: dict[str, Any]) -> None:
        """Dispatch an event to the current session (queued for replay if its socket is down; dropped if none)."""
        session = self.gateway.current
        if session is None or session.invalidated:
            log.debug("no gateway session; dropping %s", event)
            return
        await self.gateway._send_dispatch(session, event, data)

    def _schedule_event(self, event: str, data: dict[str, Any]) -> None:
        task = asyncio.create_task(self.send_event(event, data))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def wait_until_ready(self, count: int = 1, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """Wait until ``count`` sessions have IDENTIFYed and received their GUILD_CREATEs."""
        await self.gateway.wait_for(lambda: self.gateway.ready_count >= count, timeout, f"{count} ready session(s)")

    async def wait_for_resume(self, count: int = 1, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """Wait until the bot has RESUMEd ``count`` times in total."""
        await self.gateway.wait_for(lambda: self.gateway.resume_count >= count, timeout, f"{count} resume(s)")

    async def request_reconnect(self) -> None:
        """Send op 7 Reconnect; the bot closes and RESUMEs."""
        await self.gateway.send_reconnect()

    async def invalidate_session(self, *, resumable: bool = False) -> None:
        """Send op 9 Invalid Session; unless resumable, the bot IDENTIFYs again."""
        await self.gateway.invalidate_session(resumable=resumable)

    async def disconnect_gateway(self, code: int = 4000) -> None:
        """Drop the bot's websocket with a close code (4000: the bot RESUMEs)."""
        await self.gateway.disconnect(code)

    def _session_intents(self) -> int:
        session = self.gateway.current
        return 0 if session is None else session.intents

    def _ready_payload(self, session: GatewaySession) -> dict[str, Any]:
        user = self.world.bot_user.payload()
        user.update({"verified": True, "mfa_enabled": False, "flags": 0, "email": None})
        data: dict[str, Any] = {
            "v": 10,
            "user": user,
            "guilds": [{"id": str(g.id), "unavailable": True} for g in self.world.guilds.values() if g.bot_present],
            "session_id": session.id,
            "session_type": "normal",
            "resume_gateway_url": self.gateway_url,
            "application": {"id": str(self.world.application_id), "flags": 0},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": [],
            "user_settings": {},
            "_trace": ["discord-standin"],
        }
        if session.shard is not None:
            data["shard"] = session.shard
        return data

    def _guild_payloads(self, session: GatewaySession) -> list[dict[str, Any]]:
        return [self._guild_payload(g, session) for g in self.world.guilds.values() if g.bot_present]

    def _guild_payload(self, guild: Guild, session: GatewaySession) -> dict[str, Any]:
        world = self.world
        data = guild.payload()
        bot_member = guild.members.get(world.bot_user.id)
        # Without the members intent Discord sends only the bot's own member.
        if session.intents & INTENT_GUILD_MEMBERS:
            members = [m.payload() for m in guild.members.values()]
        else:
            members = [bot_member.payload()] if bot_member else []
        data.update(
            {
                "joined_at": None
                if bot_member is None or bot_member.joined_at is None
                else bot_member.joined_at.isoformat(),
                "large": False,
                "unavailable": False,
                "member_count": len(guild.members),
                "voice_states": [],
                "members": members,
                "channels": [world.channel_payload(c) for c in world.guild_channels(guild)],
                "threads": [world.thread_payload(t) for t in world.threads(guild) if not t.archived],
                "presences": [],
                "stage_instances": [],
                "guild_scheduled_events": [],
                "soundboard_sounds": [],
                "embedded_activities": [],
            }
        )
        return data

    def _members_chunk(self, request: dict[str, Any]) -> dict[str, Any]:
        guild = self.world.guilds.get(as_id(request.get("guild_id")))
        members = [] if guild is None else list(guild.members.values())
        wanted = request.get("user_ids")
        if wanted:
            wanted_ids = {as_id(u) for u in wanted}
            members = [m for m in members if m.id in wanted_ids]
        data: dict[str, Any] = {
            "guild_id": str(request.get("guild_id")),
            "members": [m.payload() for m in members],
            "chunk_index": 0,
            "chunk_count": 1,
        }
        if request.get("nonce"):
            data["nonce"] = request["nonce"]
        return data

    # -- request activity (for quiet periods) -------------------------------------------------------------------

    def _request_started(self) -> None:
        self._inflight += 1
        self._last_activity = time.monotonic()

    def _request_finished(self) -> None:
        self._inflight -= 1
        self._last_activity = time.monotonic()

    async def wait_for_handlers(self, max_wait: float | None = None) -> None:
        """Wait (at most ``handler_wait`` seconds) until no discord.py callback task runs in this event loop."""
        limit = self.handler_wait if max_wait is None else max_wait
        end = time.monotonic() + limit
        current = asyncio.current_task()
        while time.monotonic() < end:
            busy = any(
                task is not current and not task.done() and task.get_name().startswith(HANDLER_TASK_PREFIXES)
                for task in asyncio.all_tasks()
            )
            if not busy:
                return
            await asyncio.sleep(0.005)

    async def settle(self, quiet: float | None = None, max_wait: float = 2.0) -> None:
        """Wait until no request is in flight and none arrived for ``quiet`` seconds (at most ``max_wait``)."""
        quiet = self.quiet_period if quiet is None else quiet
        end = time.monotonic() + max_wait
        while True:
            now = time.monotonic()
            idle = now - self._last_activity
            if (self._inflight == 0 and idle >= quiet) or now >= end:
                return
            await asyncio.sleep(max(quiet - idle, 0.005))

    # -- interactions -------------------------------------------------------------------------------------------

    def _user(self, user: UserLike) -> User:
        if isinstance(user, Member):
            return user.user
        if isinstance(user, int):
            return self.world.user(user)
        return user

    def _default_guild(self) -> Guild:
        if self.demo is not None and self.demo.guild.bot_present:
            return self.demo.guild
        for guild in self.world.guilds.values():
            if guild.bot_present:
                return guild
        raise InvalidInvocationError("no guild to invoke in; pass guild= or dm=True")

    def _channel(self, value: ChannelLike, guild: Guild | None) -> Channel:
        if isinstance(value, Channel):
            return value
        if isinstance(value, str) and not value.isdigit():
            for channel in self.world.channels.values():
                if channel.name == value and (guild is None or channel.guild_id == guild.id) and not channel.deleted:
                    return channel
            raise InvalidInvocationError(f"no channel named {value!r}")
        return self.world.channels[as_id(value)]

    def _place(
        self, user: User, guild: Guild | None, channel: ChannelLike | None, dm: bool
    ) -> tuple[Guild | None, Channel]:
        if dm:
            return None, self.world.dm_channel(user)
        if channel is not None:
            resolved = self._channel(channel, guild)
            if resolved.type == DM:
                return None, resolved
            guild = guild or self.world.guild_of(resolved)
        else:
            guild = guild or self._default_guild()
            text = [c for c in self.world.guild_channels(guild) if c.type == GUILD_TEXT]
            named = [c for c in text if c.name == "general"]
            if not (named or text):
                raise InvalidInvocationError(f"{guild.name} has no text channel")
            resolved = (named or text)[0]
        if guild is None or resolved.guild_id != guild.id:
            raise InvalidInvocationError("the channel is not in that guild")
        if resolved.deleted:
            raise InvalidInvocationError(f"channel {resolved.name!r} was deleted")
        return guild, resolved

    def _check_user_here(self, user: User, guild: Guild | None, channel: Channel) -> int:
        """The user's permissions in the channel; InvalidInvocationError if they could not act there."""
        if guild is None:
            if channel.recipient_id != user.id:
                raise InvalidInvocationError("only the DM's recipient can interact in it")
            return 0
        if not guild.bot_present:
            raise InvalidInvocationError(f"the bot is no longer in {guild.name}")
        if user.id not in guild.members:
            raise InvalidInvocationError(f"{user.username} is not a member of {guild.name}")
        perms = self.world.permissions(guild, user.id, channel)
        if not perms & p.VIEW_CHANNEL:
            raise InvalidInvocationError(f"{user.username} cannot see #{channel.name}")
        return perms

    async def invoke(
        self,
        path: str,
        *,
        user: UserLike,
        guild: Guild | None = None,
        channel: ChannelLike | None = None,
        dm: bool = False,
        locale: str = "en-US",
        check: bool = True,
        options: dict[str, Any] | None = None,
        **values: Any,
    ) -> Reply:
        """Run a slash command as ``user`` would: ``await s.invoke("admin faq add", user=mod, topic="x")``.

        Option values go in as keywords; options whose names clash with this method's own parameters (``user``,
        ``guild``, ``channel``, ...) go in ``options={"channel": demo.prompts}``. Defaults to the demo guild's
        #general. Raises ``InvalidInvocationError`` for what Discord's client would not send, and
        ``InteractionFailedError`` (unless ``check=False``) when the bot does not answer in time.
        """
        values = {**values, **(options or {})}
        who = self._user(user)
        where_guild, where = self._place(who, guild, channel, dm)
        perms = self._check_user_here(who, where_guild, where)
        if where_guild is not None and not perms & p.USE_APPLICATION_COMMANDS:
            raise InvalidInvocationError(f"{who.username} may not use application commands in #{where.name}")
        found = self.commands.find(path, where_guild)
        role_ids = [] if where_guild is None else where_guild.members[who.id].role_ids
        self.commands.check_available(found, guild=where_guild, user=who, member_permissions=perms, role_ids=role_ids)
        data = OptionBuilder(OptionContext(self.world, where_guild, who)).build(found, values)
        state = self.interactions.create(
            APPLICATION_COMMAND, user=who, guild=where_guild, channel=where, data=data, path=path, locale=locale
        )
        return await self._run(state, check=check)

    async def autocomplete(
        self,
        path: str,
        option: str,
        value: str,
        *,
        user: UserLike,
        guild: Guild | None = None,
        channel: ChannelLike | None = None,
        dm: bool = False,
        check: bool = True,
        options: dict[str, Any] | None = None,
        **values: Any,
    ) -> list[dict[str, Any]]:
        """What the bot suggests while ``user`` types ``value`` into ``option``: the list of choices.

        Options already filled in go in as keywords (or ``options=`` for clashing names), like ``invoke``.
        """
        values = {**values, **(options or {})}
        who = self._user(user)
        where_guild, where = self._place(who, guild, channel, dm)
        perms = self._check_user_here(who, where_guild, where)
        found = self.commands.find(path, where_guild)
        role_ids = [] if where_guild is None else where_guild.members[who.id].role_ids
        self.commands.check_available(found, guild=where_guild, user=who, member_permissions=perms, role_ids=role_ids)
        leaf_options = {o["name"]: o for o in found.leaf.get("options") or []}
        if option not in leaf_options or not leaf_options[option].get("autocomplete"):
            raise InvalidInvocationError(f"/{path} option {option!r} does not autocomplete")
        data = OptionBuilder(OptionContext(self.world, where_guild, who)).build(
            found, {**values, option: value}, focused=option
        )
        state = self.interactions.create(AUTOCOMPLETE, user=who, guild=where_guild, channel=where, data=data, path=path)
        reply = await self._run(state, check=check)
        return list(reply.choices or [])

    def _component_message(self, target: Reply | StoredMessage, custom_id: str) -> tuple[StoredMessage, dict[str, Any]]:
        messages = list(reversed(target.messages)) if isinstance(target, Reply) else [target]
        for message in messages:
            for comp in walk_components(message.components):
                if comp.get("custom_id") == custom_id:
                    return message, comp
        ids = [c.get("custom_id") for m in messages for c in walk_components(m.components) if c.get("custom_id")]
        raise InvalidInvocationError(f"no component {custom_id!r} on that message; custom_ids: {ids}")

    async def click(
        self, target: Reply | StoredMessage, custom_id: str, *, user: UserLike, check: bool = True
    ) -> Reply:
        """Press a button (by ``custom_id``) on a message, or on the newest message of a reply that has it."""
        message, comp = self._component_message(target, custom_id)
        if comp.get("type") != 2:
            raise InvalidInvocationError(f"{custom_id!r} is not a button; use select()")
        if comp.get("disabled"):
            raise InvalidInvocationError(f"button {custom_id!r} is disabled")
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": 2}
        if "id" in comp:
            data["id"] = comp["id"]
        return await self._component(message, data, self._user(user), check)

    async def select(
        self, target: Reply | StoredMessage, custom_id: str, values: list[Any], *, user: UserLike, check: bool = True
    ) -> Reply:
        """Choose ``values`` in a select menu (option values, or users/roles/channels for entity selects)."""
        message, comp = self._component_message(target, custom_id)
        kind = comp.get("type")
        if kind not in SELECT_TYPES:
            raise InvalidInvocationError(f"{custom_id!r} is not a select menu")
        if comp.get("disabled"):
            raise InvalidInvocationError(f"select {custom_id!r} is disabled")
        low, high = comp.get("min_values", 1), comp.get("max_values", 1)
        if not low <= len(values) <= high:
            raise InvalidInvocationError(f"select {custom_id!r} takes {low}-{high} values, got {len(values)}")
        who = self._user(user)
        channel = self.world.channels[message.channel_id]
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": kind}
        if kind == 3:
            allowed = [o.get("value") for o in comp.get("options") or []]
            bad = [v for v in values if v not in allowed]
            if bad:
                raise InvalidInvocationError(f"select {custom_id!r} has no option(s) {bad}; options: {allowed}")
            data["values"] = list(values)
        else:
            builder = OptionBuilder(OptionContext(self.world, self.world.guild_of(channel), who))
            option_type = {5: 6, 6: 8, 7: 9, 8: 7}[kind]
            opt = {"type": option_type, "name": custom_id, "channel_types": comp.get("channel_types")}
            data["values"] = [builder._value(opt, v) for v in values]
            data["resolved"] = builder.resolved
        return await self._component(message, data, who, check)

    async def _component(self, message: StoredMessage, data: dict[str, Any], user: User, check: bool) -> Reply:
        if message.deleted:
            raise InvalidInvocationError("that message was deleted")
        channel = self.world.channels[message.channel_id]
        if channel.deleted:
            raise InvalidInvocationError("that message's channel was deleted")
        guild = self.world.guild_of(channel)
        if message.ephemeral and message.interaction_id is not None:
            owner = self.interactions.by_id.get(message.interaction_id)
            if owner is not None and owner.user.id != user.id:
                raise InvalidInvocationError(f"only {owner.user.username} can see that ephemeral message")
        self._check_user_here(user, guild, channel)
        state = self.interactions.create(
            MESSAGE_COMPONENT, user=user, guild=guild, channel=channel, data=data, source_message=message
        )
        return await self._run(state, check=check)

    async def submit_modal(
        self, reply: Reply, values: dict[str, Any], *, user: UserLike | None = None, check: bool = True
    ) -> Reply:
        """Fill in and submit the modal the bot opened in ``reply``: ``{"field custom_id or label": "text"}``.

        Fields left out keep their pre-filled value; Discord's client rules (required, min/max length) apply.
        """
        modal = reply.modal
        if modal is None:
            raise InvalidInvocationError("that reply did not open a modal")
        opener = reply.state
        who = self._user(user) if user is not None else opener.user
        if who.id != opener.user.id:
            raise InvalidInvocationError(f"only {opener.user.username} sees that modal")
        remaining = dict(values)
        components: list[dict[str, Any]] = []
        for comp in modal.get("components") or []:
            if comp.get("type") == 1:
                child = (comp.get("components") or [{}])[0]
                components.append({"type": 1, "components": [self._modal_value(child, remaining, comp)]})
            elif comp.get("type") == 18:
                child = comp.get("component") or {}
                entry: dict[str, Any] = {"type": 18, "component": self._modal_value(child, remaining, comp)}
                if "id" in comp:
                    entry["id"] = comp["id"]
                components.append(entry)
        if remaining:
            raise InvalidInvocationError(f"the modal has no field(s) {sorted(remaining)}")
        data = {"custom_id": modal["custom_id"], "components": components}
        state = self.interactions.create(
            MODAL_SUBMIT,
            user=who,
            guild=opener.guild,
            channel=opener.channel,
            data=data,
            source_message=opener.source_message,
        )
        return await self._run(state, check=check)

    @staticmethod
    def _take(
        remaining: dict[str, Any], custom_id: str, parent: dict[str, Any], child: dict[str, Any]
    ) -> tuple[bool, Any]:
        """The value given for a field, by custom_id or else by its label."""
        for key in (custom_id, parent.get("label"), child.get("label")):
            if key and key in remaining:
                return True, remaining.pop(key)
        return False, None

    def _modal_value(self, child: dict[str, Any], remaining: dict[str, Any], parent: dict[str, Any]) -> dict[str, Any]:
        custom_id = str(child.get("custom_id") or "")
        label = parent.get("label") or child.get("label") or custom_id
        if child.get("type") == 4:
            found, given = self._take(remaining, custom_id, parent, child)
            value = given if found else child.get("value") or ""
            if not isinstance(value, str):
                raise InvalidInvocationError(f"modal field {custom_id!r} takes text")
            if child.get("required", True) and not value:
                raise InvalidInvocationError(f"modal field {label!r} is required")
            if value:
                low, high = child.get("min_length", 0), child.get("max_length", 4000)
                if not low <= len(value) <= high:
                    raise InvalidInvocationError(
                        f"modal field {label!r} takes {low}-{high} characters, got {len(value)}"
                    )
            return {"type": 4, "custom_id": custom_id, "value": value}
        if child.get("type") in SELECT_TYPES:
            chosen = self._take(remaining, custom_id, parent, child)[1] or []
            chosen = [chosen] if isinstance(chosen, str) else list(chosen)
            low, high = child.get("min_values", 1), child.get("max_values", 1)
            if child.get("required", True) and not low <= len(chosen) <= high:
                raise InvalidInvocationError(f"modal select {label!r} takes {low}-{high} values")
            return {"type": child["type"], "custom_id": custom_id, "values": [str(v) for v in chosen]}
        raise InvalidInvocationError(f"unsupported modal component {child.get('type')}")

    async def _run(self, state: InteractionState, *, check: bool) -> Reply:
        """Send the interaction and wait until the member would have seen the bot's answer, then a quiet period."""
        await self.flush_events()
        await self.gateway.dispatch_live("INTERACTION_CREATE", state.payload)
        self.interactions.mark_sent(state)
        reply = Reply(state)
        loop = asyncio.get_running_loop()
        # A little grace past the deadline so a late callback in flight is recorded (and rejected).
        end = loop.time() + self.interactions.response_deadline + 0.25
        while not state.acknowledged and loop.time() < end:
            await state.wait_change(end - loop.time())
        if state.acknowledged and state.callback_type in (DEFERRED_CHANNEL_MESSAGE, DEFERRED_UPDATE_MESSAGE):
            end = loop.time() + self.followup_timeout
            while not (state.complete or state.followup_attempted) and loop.time() < end:
                await state.wait_change(end - loop.time())
        await self.wait_for_handlers()
        await self.settle()
        if check and not state.acknowledged:
            errors = [f"{r.route} -> {r.status} {r.error_code}" for r in state.requests if not r.ok]
            raise InteractionFailedError(
                f"the bot did not acknowledge the interaction within {self.interactions.response_deadline}s"
                + (f"; rejected: {errors}" if errors else ""),
                reply,
            )
        if check and state.callback_type == DEFERRED_CHANNEL_MESSAGE and not state.complete:
            raise InteractionFailedError(f"the bot deferred but sent nothing within {self.followup_timeout}s", reply)
        return reply

    # -- records ------------------------------------------------------------------------------------------------

    def requests(self, route: str | None = None, **filters: Any) -> list[RequestRecord]:
        """Recorded REST requests; filters: method, channel_id, guild_id, interaction_id, user_id, status, ok,
        since, until (ids may be given as model objects)."""
        for key in ("channel_id", "guild_id", "interaction_id", "user_id"):
            if filters.get(key) is not None:
                filters[key] = as_id(filters[key])
        return self.recorder.query(route, **filters)

    def messages_in(self, channel: ChannelLike) -> list[StoredMessage]:
        """Live, non-ephemeral messages in a channel (or thread), oldest first."""
        return self.world.messages_in(self._channel(channel, None).id)

    def dms_to(self, user: UserLike) -> list[StoredMessage]:
        """Messages the bot sent to a user's DMs (successfully), oldest first."""
        channel_id = self.world.dm_channels.get(self._user(user).id)
        return [] if channel_id is None else self.world.messages_in(channel_id)

    def threads_in(self, channel: ChannelLike) -> list[Channel]:
        """Threads started in a channel."""
        parent = self._channel(channel, None)
        return [c for c in self.world.channels.values() if c.parent_id == parent.id and c.is_thread and not c.deleted]

    def message(self, message_id: int) -> StoredMessage:
        """A stored message by id (including ephemeral and deleted ones)."""
        return self.world.messages[message_id]

    def interaction(self, interaction_id: int) -> Reply:
        """The reply view of any interaction."""
        return Reply(self.interactions.by_id[interaction_id])

    def set_rate_limits(self, config: RateLimitConfig | None) -> None:
        """Switch rate limiting on (or off with None) from now on, e.g. once the bot has logged in."""
        self.rate_limiter = RateLimiter(config)

    @property
    def rate_limit_stats(self) -> RateLimitStats:
        """Counts of 429s sent."""
        return self.rate_limiter.stats


__all__ = [
    "DEFAULT_TOKEN",
    "DiscordError",
    "InteractionFailedError",
    "InvalidInvocationError",
    "StandIn",
]
