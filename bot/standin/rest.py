"""REST routes under ``/api/v10``: each request is authenticated, checked against injected faults and rate
limits, recorded, and answered with Discord's payloads or Discord's errors.

JSON responses carry exactly ``Content-Type: application/json``: discord.py parses nothing else as JSON.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import web

from bot.standin.errors import DiscordError, form_error
from bot.standin.gateway import INTENT_GUILD_MEMBERS
from bot.standin.interactions import InteractionState
from bot.standin.models import DM, PRIVATE_THREAD, PUBLIC_THREAD, SentFile
from bot.standin.records import RequestRecord
from bot.standin.state import as_id

if TYPE_CHECKING:
    from bot.standin.server import StandIn

log = logging.getLogger(__name__)

API_PREFIX = "/api/v10"
NO_CONTENT = object()


@dataclass
class Ctx:
    """One request, parsed."""

    request: web.Request
    route: str
    params: dict[str, str]
    query: dict[str, str]
    record: RequestRecord
    body: Any = None
    files: list[SentFile] = field(default_factory=list)
    interaction: InteractionState | None = None

    def json_body(self) -> dict[str, Any]:
        """The body as a JSON object (400 when it is not one)."""
        if not isinstance(self.body, dict):
            raise form_error("_errors", "BASE_TYPE_REQUIRED", "Expected a JSON object body")
        return self.body


Handler = Callable[[Ctx], Awaitable[Any]]


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    """A JSON response with a bare ``application/json`` content type (no charset)."""
    all_headers = {"Content-Type": "application/json"}
    all_headers.update(headers or {})
    return web.Response(body=json.dumps(body).encode(), status=status, headers=all_headers)


class RestApi:
    """Registers the routes on an aiohttp application and runs the request pipeline."""

    def __init__(self, standin: StandIn) -> None:
        self.s = standin

    def register(self, app: web.Application) -> None:
        """Add every route (order matters where ``@me`` shadows ``{user_id}``)."""
        routes: list[tuple[str, str, Handler]] = [
            ("GET", "/users/@me", self.get_me),
            ("POST", "/users/@me/channels", self.create_dm),
            ("GET", "/users/{user_id}", self.get_user),
            ("GET", "/oauth2/applications/@me", self.get_application),
            ("GET", "/applications/@me", self.get_application),
            ("GET", "/gateway", self.get_gateway),
            ("GET", "/gateway/bot", self.get_gateway_bot),
            ("GET", "/applications/{application_id}/commands", self.list_global_commands),
            ("PUT", "/applications/{application_id}/commands", self.put_global_commands),
            ("GET", "/applications/{application_id}/guilds/{guild_id}/commands", self.list_guild_commands),
            ("PUT", "/applications/{application_id}/guilds/{guild_id}/commands", self.put_guild_commands),
            ("POST", "/interactions/{interaction_id}/{interaction_token}/callback", self.interaction_callback),
            ("POST", "/webhooks/{application_id}/{interaction_token}", self.followup),
            ("GET", "/webhooks/{application_id}/{interaction_token}/messages/{message_id}", self.webhook_get),
            ("PATCH", "/webhooks/{application_id}/{interaction_token}/messages/{message_id}", self.webhook_edit),
            ("DELETE", "/webhooks/{application_id}/{interaction_token}/messages/{message_id}", self.webhook_delete),
            ("GET", "/channels/{channel_id}", self.get_channel),
            ("GET", "/channels/{channel_id}/messages", self.history),
            ("POST", "/channels/{channel_id}/messages", self.create_message),
            ("GET", "/channels/{channel_id}/messages/{message_id}", self.get_message),
            ("PATCH", "/channels/{channel_id}/messages/{message_id}", self.edit_message),
            ("DELETE", "/channels/{channel_id}/messages/{message_id}", self.delete_message),
            ("POST", "/channels/{channel_id}/messages/{message_id}/threads", self.thread_from_message),
            ("POST", "/channels/{channel_id}/threads", self.thread_standalone),
            ("PUT", "/channels/{channel_id}/thread-members/{user_id}", self.add_thread_member),
            ("GET", "/guilds/{guild_id}", self.get_guild),
            ("GET", "/guilds/{guild_id}/channels", self.get_guild_channels),
            ("GET", "/guilds/{guild_id}/roles", self.get_guild_roles),
            ("GET", "/guilds/{guild_id}/members", self.list_members),
            ("GET", "/guilds/{guild_id}/members/{user_id}", self.get_member),
            ("GET", "/guilds/{guild_id}/threads/active", self.active_threads),
            ("PATCH", "/channels/{channel_id}", self.edit_thread),
            ("DELETE", "/channels/{channel_id}", self.delete_thread),
            ("DELETE", "/channels/{channel_id}/thread-members/{user_id}", self.remove_thread_member),
            ("POST", "/channels/{channel_id}/typing", self.typing),
            ("PUT", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me", self.add_reaction),
            ("DELETE", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me", self.remove_reaction),
        ]
        for method, template, handler in routes:
            app.router.add_route(method, API_PREFIX + template, self._wrap(method, template, handler))
        # Anything else is answered like Discord answers an unknown route, and recorded, so a gap shows up.
        app.router.add_route("*", API_PREFIX + "/{tail:.*}", self._wrap("*", "/{unsupported}", self.unsupported))
        app.router.add_get("/attachments/{file_id}/{filename}", self.get_attachment)

    # -- pipeline -----------------------------------------------------------------------------------------------

    def _wrap(
        self, method: str, template: str, handler: Handler
    ) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        async def run(request: web.Request) -> web.StreamResponse:
            """Count the request as in flight while the pipeline answers it."""
            route = f"{request.method if method == '*' else method} {template}"
            self.s._request_started()
            try:
                return await self._pipeline(request, route, handler)
            finally:
                self.s._request_finished()

        return run

    async def _pipeline(self, request: web.Request, route: str, handler: Handler) -> web.StreamResponse:
        s = self.s
        params = dict(request.match_info)
        token = params.get("interaction_token")
        path = request.path if token is None else request.path.replace(token, "{token}")
        record = RequestRecord(
            seq=len(s.recorder.records) + 1,
            method=request.method,
            route=route,
            path=path,
            params={k: ("{token}" if k == "interaction_token" else v) for k, v in params.items()},
            query=dict(request.query),
            at=s.world.clock(),
            monotonic=time.monotonic(),
        )
        s.recorder.records.append(record)
        ctx = Ctx(request=request, route=route, params=params, query=dict(request.query), record=record)
        self._annotate(ctx)
        headers: dict[str, str] = {}
        try:
            self._authenticate(request, route)
            fault = s.faults.take(route, params)
            if fault is not None and not fault.lose_response:
                record.fault = True
                if fault.delay > 0:
                    await asyncio.sleep(fault.delay)
                if fault.drop_connection:
                    record.status = 0
                    log.debug("dropping the connection for %s", route)
                    if request.transport is not None:
                        request.transport.abort()
                    return web.Response(status=500)
                if fault.status == 429:
                    return self._rate_limited(
                        record,
                        {
                            "message": "You are being rate limited.",
                            "retry_after": fault.retry_after,
                            "global": fault.is_global,
                        },
                        {
                            "Retry-After": str(max(1, round(fault.retry_after))),
                            "Via": "1.1 google",
                            "X-RateLimit-Scope": "global" if fault.is_global else "user",
                        },
                    )
                error = fault.error()
                if error is not None:
                    raise error
            verdict = s.rate_limiter.check(route, params)
            headers.update(verdict.headers)
            if verdict.limited_body is not None:
                return self._rate_limited(record, verdict.limited_body, headers)
            await self._read_body(ctx)
            result = await handler(ctx)
            if fault is not None and fault.lose_response:
                record.fault = True
                record.status = 0
                record.response = None if result is NO_CONTENT else result
                log.debug("carried out %s, then dropping the connection before the answer", route)
                if request.transport is not None:
                    request.transport.abort()
                return web.Response(status=500)
        except DiscordError as exc:
            record.status = exc.status
            record.error_code = exc.code
            record.response = exc.payload()
            log.debug("%s -> %s %s", route, exc.status, exc.code)
            self._touch_interaction(ctx)
            record.headers = dict(headers)
            return json_response(exc.payload(), status=exc.status, headers=headers)
        self._touch_interaction(ctx)
        record.headers = dict(headers)
        if result is NO_CONTENT:
            record.status = 204
            return web.Response(status=204, headers=headers)
        record.status = 200
        record.response = result
        return json_response(result, headers=headers)

    def _rate_limited(self, record: RequestRecord, body: dict[str, Any], headers: dict[str, str]) -> web.Response:
        record.headers = dict(headers)
        record.status = 429
        record.rate_limited = True
        record.response = body
        return json_response(body, status=429, headers=headers)

    def _touch_interaction(self, ctx: Ctx) -> None:
        if ctx.interaction is not None:
            ctx.interaction.requests.append(ctx.record)
            ctx.interaction.notify()

    def _authenticate(self, request: web.Request, route: str) -> None:
        auth = request.headers.get("Authorization")
        if auth is not None and auth != f"Bot {self.s.token}":
            raise DiscordError(0, "401: Unauthorized", status=401)
        webhook = route.split(" ", 1)[1].startswith(("/interactions/", "/webhooks/"))
        if auth is None and not webhook:
            raise DiscordError(0, "401: Unauthorized", status=401)

    def _annotate(self, ctx: Ctx) -> None:
        """Fill the record's channel, guild, interaction and DM user from the URL."""
        s = self.s
        record = ctx.record
        params = ctx.params
        if "channel_id" in params and params["channel_id"].isdigit():
            record.channel_id = int(params["channel_id"])
            channel = s.world.channels.get(record.channel_id)
            if channel is not None:
                record.guild_id = channel.guild_id
                if channel.type == DM:
                    record.user_id = channel.recipient_id
        if "guild_id" in params and params["guild_id"].isdigit():
            record.guild_id = int(params["guild_id"])
        token = params.get("interaction_token")
        if token is not None:
            state = s.interactions.by_token.get(token)
            if state is not None:
                ctx.interaction = state
                record.interaction_id = state.id
                record.channel_id = state.channel.id
                record.guild_id = None if state.guild is None else state.guild.id
                if state.channel.type == DM:
                    record.user_id = state.user.id

    async def _read_body(self, ctx: Ctx) -> None:
        request = ctx.request
        if not request.can_read_body:
            return
        if request.content_type == "multipart/form-data":
            payload: Any = None
            raw_files: list[tuple[int, str, bytes, str | None]] = []
            reader = await request.multipart()
            while True:
                part = await reader.next()
                if part is None:
                    break
                name = getattr(part, "name", None) or ""
                data = await part.read()  # type: ignore[union-attr]
                if name == "payload_json":
                    payload = json.loads(data)
                elif name.startswith("files["):
                    index = int(name[len("files[") : -1])
                    content_type = part.headers.get("Content-Type")
                    raw_files.append(
                        (index, getattr(part, "filename", None) or f"file{index}", bytes(data), content_type)
                    )
            ctx.body = payload
            descriptions: dict[int, str | None] = {}
            body = payload if isinstance(payload, dict) else {}
            target = body.get("data") if isinstance(body.get("data"), dict) else body
            for meta in (target or {}).get("attachments") or []:
                if isinstance(meta, dict) and str(meta.get("id", "")).isdigit():
                    descriptions[int(meta["id"])] = meta.get("description")
            ctx.files = [
                self.s.world.store_file(filename, data, ctype, descriptions.get(index))
                for index, filename, data, ctype in sorted(raw_files)
            ]
        else:
            raw = await request.read()
            ctx.body = json.loads(raw) if raw else None
        ctx.record.json = ctx.body
        ctx.record.files = list(ctx.files)

    # -- users, application, gateway ----------------------------------------------------------------------------

    async def get_me(self, ctx: Ctx) -> Any:
        """``GET /users/@me``."""
        data = self.s.world.bot_user.payload()
        data.update({"verified": True, "mfa_enabled": False, "flags": 0, "email": None, "locale": "en-US"})
        return data

    async def get_user(self, ctx: Ctx) -> Any:
        """``GET /users/{id}``."""
        return self.s.world.user(ctx.params["user_id"]).payload()

    async def get_application(self, ctx: Ctx) -> Any:
        """``GET /oauth2/applications/@me``."""
        world = self.s.world
        return {
            "id": str(world.application_id),
            "name": world.bot_user.username,
            "icon": None,
            "description": "Discord stand-in application",
            "rpc_origins": [],
            "bot_public": False,
            "bot_require_code_grant": False,
            "verify_key": "0" * 64,
            "owner": world.users[self.s.app_owner_id].payload(),
            "flags": 0,
            "team": None,
            "summary": "",
            "bot": world.bot_user.payload(),
            "interactions_endpoint_url": None,
            "redirect_uris": [],
            "tags": [],
            "approximate_guild_count": len([g for g in world.guilds.values() if g.bot_present]),
        }

    async def get_gateway(self, ctx: Ctx) -> Any:
        """``GET /gateway``."""
        return {"url": self.s.gateway_url}

    async def get_gateway_bot(self, ctx: Ctx) -> Any:
        """``GET /gateway/bot``: this stand-in's own websocket URL."""
        return {
            "url": self.s.gateway_url,
            "shards": 1,
            "session_start_limit": {"total": 1000, "remaining": 999, "reset_after": 14_400_000, "max_concurrency": 1},
        }

    # -- commands -----------------------------------------------------------------------------------------------

    def _check_app(self, ctx: Ctx) -> None:
        if ctx.params["application_id"] != str(self.s.world.application_id):
            raise DiscordError(20012)

    async def list_global_commands(self, ctx: Ctx) -> Any:
        """``GET /applications/{app}/commands``."""
        self._check_app(ctx)
        return self.s.commands.listing(None)

    async def put_global_commands(self, ctx: Ctx) -> Any:
        """``PUT /applications/{app}/commands`` (bulk overwrite)."""
        self._check_app(ctx)
        return self.s.commands.overwrite(None, ctx.body)

    async def list_guild_commands(self, ctx: Ctx) -> Any:
        """``GET /applications/{app}/guilds/{guild}/commands``."""
        self._check_app(ctx)
        guild = self.s.world.guild(ctx.params["guild_id"])
        return self.s.commands.listing(guild.id)

    async def put_guild_commands(self, ctx: Ctx) -> Any:
        """``PUT /applications/{app}/guilds/{guild}/commands``."""
        self._check_app(ctx)
        guild = self.s.world.guild(ctx.params["guild_id"])
        return self.s.commands.overwrite(guild.id, ctx.body)

    # -- interactions -------------------------------------------------------------------------------------------

    async def interaction_callback(self, ctx: Ctx) -> Any:
        """``POST /interactions/{id}/{token}/callback``."""
        manager = self.s.interactions
        state = manager.state_for_callback(ctx.params["interaction_id"], ctx.params["interaction_token"])
        ctx.interaction = state
        result = manager.callback(state, ctx.json_body(), ctx.files)
        if state.original is not None:
            ctx.record.message_id = state.original.id
        return result

    async def followup(self, ctx: Ctx) -> Any:
        """``POST /webhooks/{app}/{token}`` (interaction followup)."""
        manager = self.s.interactions
        state = manager.state_for_webhook(ctx.params["application_id"], ctx.params["interaction_token"])
        ctx.interaction = state
        message = manager.followup(state, ctx.json_body(), ctx.files)
        ctx.record.message_id = message.id
        if ctx.query.get("wait") in ("1", "true", "True"):
            return self.s.world.message_payload(message)
        return NO_CONTENT

    async def webhook_get(self, ctx: Ctx) -> Any:
        """``GET /webhooks/{app}/{token}/messages/{id}``."""
        manager = self.s.interactions
        state = manager.state_for_webhook(ctx.params["application_id"], ctx.params["interaction_token"])
        ctx.interaction = state
        return self.s.world.message_payload(manager.message_for(state, ctx.params["message_id"]))

    async def webhook_edit(self, ctx: Ctx) -> Any:
        """``PATCH /webhooks/{app}/{token}/messages/{id}`` (``@original`` included)."""
        manager = self.s.interactions
        state = manager.state_for_webhook(ctx.params["application_id"], ctx.params["interaction_token"])
        ctx.interaction = state
        message = manager.edit(state, ctx.params["message_id"], ctx.json_body(), ctx.files)
        ctx.record.message_id = message.id
        return self.s.world.message_payload(message)

    async def webhook_delete(self, ctx: Ctx) -> Any:
        """``DELETE /webhooks/{app}/{token}/messages/{id}``."""
        manager = self.s.interactions
        state = manager.state_for_webhook(ctx.params["application_id"], ctx.params["interaction_token"])
        ctx.interaction = state
        manager.delete(state, ctx.params["message_id"])
        return NO_CONTENT

    # -- channels and messages ----------------------------------------------------------------------------------

    def _visible_channel(self, ctx: Ctx) -> Any:
        world = self.s.world
        channel = world.channel(ctx.params["channel_id"])
        if channel.guild_id is not None:
            world.guild(channel.guild_id)
            world.require(channel, 0)
        return channel

    async def get_channel(self, ctx: Ctx) -> Any:
        """``GET /channels/{id}``."""
        return self.s.world.channel_payload(self._visible_channel(ctx))

    async def history(self, ctx: Ctx) -> Any:
        """``GET /channels/{id}/messages`` (newest first; empty without Read Message History)."""
        from bot.standin.permissions import READ_MESSAGE_HISTORY

        world = self.s.world
        channel = self._visible_channel(ctx)
        if not world.bot_permissions(channel) & READ_MESSAGE_HISTORY:
            return []
        q = ctx.query
        try:
            limit = int(q.get("limit", "50"))
            before = int(q["before"]) if "before" in q else None
            after = int(q["after"]) if "after" in q else None
            around = int(q["around"]) if "around" in q else None
        except ValueError:
            raise form_error("limit", "NUMBER_TYPE_COERCE", "Value is not int.") from None
        messages = world.history(channel, limit=limit, before=before, after=after, around=around)
        return [world.message_payload(m) for m in messages]

    async def create_message(self, ctx: Ctx) -> Any:
        """``POST /channels/{id}/messages``."""
        world = self.s.world
        channel = world.channel(ctx.params["channel_id"])
        if channel.guild_id is not None:
            world.guild(channel.guild_id)
        message = world.create_channel_message(channel, ctx.json_body(), ctx.files)
        ctx.record.message_id = message.id
        return world.message_payload(message)

    async def get_message(self, ctx: Ctx) -> Any:
        """``GET /channels/{id}/messages/{id}``."""
        world = self.s.world
        channel = self._visible_channel(ctx)
        return world.message_payload(world.message(channel, ctx.params["message_id"]))

    async def edit_message(self, ctx: Ctx) -> Any:
        """``PATCH /channels/{id}/messages/{id}``: only the bot's own messages."""
        world = self.s.world
        channel = self._visible_channel(ctx)
        message = world.message(channel, ctx.params["message_id"])
        if message.author.id != world.bot_user.id:
            raise DiscordError(50005)
        world.edit_message(message, ctx.json_body(), ctx.files)
        ctx.record.message_id = message.id
        return world.message_payload(message)

    async def delete_message(self, ctx: Ctx) -> Any:
        """``DELETE /channels/{id}/messages/{id}``: others' messages need Manage Messages."""
        from bot.standin.permissions import MANAGE_MESSAGES

        world = self.s.world
        channel = self._visible_channel(ctx)
        message = world.message(channel, ctx.params["message_id"])
        if message.author.id != world.bot_user.id and channel.type != DM:
            world.require(channel, MANAGE_MESSAGES)
        world.delete_message(message)
        ctx.record.message_id = message.id
        return NO_CONTENT

    async def create_dm(self, ctx: Ctx) -> Any:
        """``POST /users/@me/channels`` with ``recipient_id`` (sometimes a JSON number)."""
        world = self.s.world
        body = ctx.json_body()
        try:
            user = world.user(as_id(body.get("recipient_id")))
        except TypeError:
            raise form_error("recipient_id", "BASE_TYPE_REQUIRED", "This field is required") from None
        channel = world.dm_channel(user)
        ctx.record.user_id = user.id
        ctx.record.channel_id = channel.id
        return world.channel_payload(channel)

    # -- threads ------------------------------------------------------------------------------------------------

    async def thread_from_message(self, ctx: Ctx) -> Any:
        """``POST /channels/{id}/messages/{id}/threads``."""
        world = self.s.world
        channel = self._visible_channel(ctx)
        message = world.message(channel, ctx.params["message_id"])
        body = ctx.json_body()
        thread = world.create_thread(
            channel,
            name=str(body.get("name") or ""),
            thread_type=PUBLIC_THREAD,
            from_message=message,
            auto_archive_duration=int(body.get("auto_archive_duration") or 1440),
        )
        return await self._thread_created(thread)

    async def thread_standalone(self, ctx: Ctx) -> Any:
        """``POST /channels/{id}/threads`` (type 12 makes a private thread)."""
        world = self.s.world
        channel = self._visible_channel(ctx)
        body = ctx.json_body()
        thread_type = int(body.get("type") or PRIVATE_THREAD)
        if thread_type not in (PUBLIC_THREAD, PRIVATE_THREAD):
            raise form_error("type", "BASE_TYPE_CHOICES", "Value must be one of (11, 12).")
        thread = world.create_thread(
            channel,
            name=str(body.get("name") or ""),
            thread_type=thread_type,
            invitable=bool(body.get("invitable", True)),
            auto_archive_duration=int(body.get("auto_archive_duration") or 1440),
        )
        return await self._thread_created(thread)

    async def _thread_created(self, thread: Any) -> Any:
        payload = self.s.world.thread_payload(thread)
        event = dict(payload)
        event["newly_created"] = True
        self.s._schedule_event("THREAD_CREATE", event)
        return payload

    async def add_thread_member(self, ctx: Ctx) -> Any:
        """``PUT /channels/{thread}/thread-members/{user}``."""
        world = self.s.world
        thread = self._visible_channel(ctx)
        world.add_thread_member(thread, ctx.params["user_id"])
        return NO_CONTENT

    async def remove_thread_member(self, ctx: Ctx) -> Any:
        """``DELETE /channels/{thread}/thread-members/{user}`` (others need Manage Threads)."""
        from bot.standin.permissions import MANAGE_THREADS

        world = self.s.world
        thread = self._visible_channel(ctx)
        if not thread.is_thread:
            raise DiscordError(50024)
        user_id = as_id(ctx.params["user_id"])
        if user_id != world.bot_user.id and thread.owner_id != world.bot_user.id:
            world.require(thread, MANAGE_THREADS)
        thread.thread_member_ids.discard(user_id)
        return NO_CONTENT

    async def edit_thread(self, ctx: Ctx) -> Any:
        """``PATCH /channels/{id}``: for threads name, archived, locked, invitable, auto_archive_duration."""
        from bot.standin.permissions import MANAGE_CHANNELS, MANAGE_THREADS

        world = self.s.world
        channel = self._visible_channel(ctx)
        body = ctx.json_body()
        if not channel.is_thread:
            world.require(channel, MANAGE_CHANNELS)
            if "name" in body:
                channel.name = str(body["name"])
            if "topic" in body:
                channel.topic = body["topic"]
            self.s._schedule_event("CHANNEL_UPDATE", world.channel_payload(channel))
            return world.channel_payload(channel)
        owner_may = channel.owner_id == world.bot_user.id and not body.get("locked") and not channel.locked
        if not owner_may:
            world.require(channel, MANAGE_THREADS)
        if "name" in body:
            name = str(body["name"] or "")
            if not 1 <= len(name) <= 100:
                raise form_error("name", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
            channel.name = name
        for key in ("archived", "locked", "invitable"):
            if key in body:
                setattr(channel, key, bool(body[key]))
        if "auto_archive_duration" in body:
            channel.auto_archive_duration = int(body["auto_archive_duration"])
        payload = world.thread_payload(channel)
        self.s._schedule_event("THREAD_UPDATE", payload)
        return payload

    async def delete_thread(self, ctx: Ctx) -> Any:
        """``DELETE /channels/{id}``: threads need Manage Threads, other channels Manage Channels."""
        from bot.standin.permissions import MANAGE_CHANNELS, MANAGE_THREADS

        world = self.s.world
        channel = self._visible_channel(ctx)
        world.require(channel, MANAGE_THREADS if channel.is_thread else MANAGE_CHANNELS)
        payload = world.channel_payload(channel)
        channel.deleted = True
        if channel.is_thread:
            event = {
                "id": str(channel.id),
                "guild_id": str(channel.guild_id),
                "parent_id": str(channel.parent_id),
                "type": channel.type,
            }
            self.s._schedule_event("THREAD_DELETE", event)
        else:
            self.s._schedule_event("CHANNEL_DELETE", payload)
        return payload

    async def typing(self, ctx: Ctx) -> Any:
        """``POST /channels/{id}/typing``."""
        from bot.standin.permissions import SEND_MESSAGES

        channel = self._visible_channel(ctx)
        if channel.type != DM and not channel.is_thread:
            self.s.world.require(channel, SEND_MESSAGES)
        return NO_CONTENT

    async def add_reaction(self, ctx: Ctx) -> Any:
        """``PUT .../reactions/{emoji}/@me`` (Add Reactions and Read Message History)."""
        from bot.standin.permissions import ADD_REACTIONS, READ_MESSAGE_HISTORY

        world = self.s.world
        channel = self._visible_channel(ctx)
        message = world.message(channel, ctx.params["message_id"])
        if channel.type != DM:
            world.require(channel, ADD_REACTIONS | READ_MESSAGE_HISTORY)
        message.reactions.setdefault(ctx.params["emoji"], set()).add(world.bot_user.id)
        return NO_CONTENT

    async def remove_reaction(self, ctx: Ctx) -> Any:
        """``DELETE .../reactions/{emoji}/@me``."""
        world = self.s.world
        channel = self._visible_channel(ctx)
        message = world.message(channel, ctx.params["message_id"])
        message.reactions.get(ctx.params["emoji"], set()).discard(world.bot_user.id)
        return NO_CONTENT

    async def unsupported(self, ctx: Ctx) -> Any:
        """A route the stand-in does not model: Discord's 404, and a warning naming the route."""
        log.warning("Discord stand-in: %s %s is not implemented", ctx.request.method, ctx.record.path)
        raise DiscordError(0, "404: Not Found", status=404)

    # -- guilds -------------------------------------------------------------------------------------------------

    async def get_guild(self, ctx: Ctx) -> Any:
        """``GET /guilds/{id}``."""
        guild = self.s.world.guild(ctx.params["guild_id"])
        data = guild.payload()
        if ctx.query.get("with_counts") in ("1", "true"):
            data["approximate_member_count"] = len(guild.members)
            data["approximate_presence_count"] = 0
        return data

    async def get_guild_channels(self, ctx: Ctx) -> Any:
        """``GET /guilds/{id}/channels``."""
        world = self.s.world
        guild = world.guild(ctx.params["guild_id"])
        return [world.channel_payload(c) for c in world.guild_channels(guild)]

    async def get_guild_roles(self, ctx: Ctx) -> Any:
        """``GET /guilds/{id}/roles``."""
        guild = self.s.world.guild(ctx.params["guild_id"])
        return [r.payload() for r in guild.roles.values()]

    async def list_members(self, ctx: Ctx) -> Any:
        """``GET /guilds/{id}/members``: needs the privileged members intent, as on Discord."""
        world = self.s.world
        guild = world.guild(ctx.params["guild_id"])
        if not self.s.privileged_intents & INTENT_GUILD_MEMBERS:
            raise DiscordError(50001)
        limit = int(ctx.query.get("limit", "1"))
        after = int(ctx.query.get("after", "0"))
        members = sorted((m for m in guild.members.values() if m.id > after), key=lambda m: m.id)[:limit]
        return [m.payload() for m in members]

    async def active_threads(self, ctx: Ctx) -> Any:
        """``GET /guilds/{id}/threads/active``."""
        world = self.s.world
        guild = world.guild(ctx.params["guild_id"])
        threads = [t for t in world.threads(guild) if not t.archived]
        members = [world.thread_payload(t)["member"] for t in threads if world.bot_user.id in t.thread_member_ids]
        return {"threads": [world.thread_payload(t) for t in threads], "members": members}

    async def get_member(self, ctx: Ctx) -> Any:
        """``GET /guilds/{id}/members/{user}``."""
        world = self.s.world
        guild = world.guild(ctx.params["guild_id"])
        return world.member(guild, ctx.params["user_id"]).payload()

    async def get_attachment(self, request: web.Request) -> web.StreamResponse:
        """The CDN stand-in: the bytes of an uploaded file."""
        try:
            sent = self.s.world.attachments[int(request.match_info["file_id"])]
        except (KeyError, ValueError):
            return web.Response(status=404)
        return web.Response(body=sent.data, content_type=sent.content_type or "application/octet-stream")
