"""Interactions: the payloads Discord sends, its rules for answering them, and ``Reply``, what the bot answered."""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bot.standin.errors import DiscordError, form_error
from bot.standin.limits import validate_choices, validate_modal
from bot.standin.models import (
    FLAG_COMPONENTS_V2,
    FLAG_EPHEMERAL,
    FLAG_LOADING,
    FLAG_SUPPRESS_EMBEDS,
    FLAG_SUPPRESS_NOTIFICATIONS,
    Channel,
    Guild,
    Pings,
    SentFile,
    StoredMessage,
    User,
    walk_components,
)
from bot.standin.records import RequestRecord
from bot.standin.state import World, as_id

log = logging.getLogger(__name__)

PING = 1
APPLICATION_COMMAND = 2
MESSAGE_COMPONENT = 3
AUTOCOMPLETE = 4
MODAL_SUBMIT = 5

PONG = 1
CHANNEL_MESSAGE = 4
DEFERRED_CHANNEL_MESSAGE = 5
DEFERRED_UPDATE_MESSAGE = 6
UPDATE_MESSAGE = 7
AUTOCOMPLETE_RESULT = 8
MODAL = 9

ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024

_RESPONSE_FLAGS = FLAG_EPHEMERAL | FLAG_SUPPRESS_EMBEDS | FLAG_SUPPRESS_NOTIFICATIONS | FLAG_COMPONENTS_V2

# Which callback types Discord accepts for which interaction type.
_ALLOWED_CALLBACKS = {
    PING: {PONG},
    APPLICATION_COMMAND: {CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE, MODAL},
    MESSAGE_COMPONENT: {CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE, DEFERRED_UPDATE_MESSAGE, UPDATE_MESSAGE, MODAL},
    AUTOCOMPLETE: {AUTOCOMPLETE_RESULT},
    MODAL_SUBMIT: {CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE, DEFERRED_UPDATE_MESSAGE, UPDATE_MESSAGE},
}


@dataclass(eq=False)
class InteractionState:
    """One interaction and everything the bot did with its token."""

    id: int
    token: str
    type: int
    user: User
    guild: Guild | None
    channel: Channel
    payload: dict[str, Any]
    created_monotonic: float
    created_at: datetime
    source_message: StoredMessage | None = None
    path: str | None = None
    callback_type: int | None = None
    callback_data: Any = None
    original: StoredMessage | None = None
    followups: list[StoredMessage] = field(default_factory=list)
    modal: dict[str, Any] | None = None
    choices: list[dict[str, Any]] | None = None
    requests: list[RequestRecord] = field(default_factory=list)
    first_content_at: float | None = None
    _changed: asyncio.Event = field(default_factory=asyncio.Event)

    def notify(self) -> None:
        """Wake whoever waits for this interaction to change."""
        event, self._changed = self._changed, asyncio.Event()
        event.set()

    async def wait_change(self, timeout: float) -> bool:  # noqa: ASYNC109
        """Wait until the bot does something with this interaction; False on timeout."""
        event = self._changed
        try:
            await asyncio.wait_for(event.wait(), timeout=max(timeout, 0.0))
        except TimeoutError:
            return False
        return True

    @property
    def acknowledged(self) -> bool:
        """Whether an initial response was accepted."""
        return self.callback_type is not None

    @property
    def followup_attempted(self) -> bool:
        """Whether the bot tried (successfully or not) to follow up or edit after its first response."""
        return any("/webhooks/" in r.route and r.method != "GET" for r in self.requests)

    @property
    def complete(self) -> bool:
        """Whether a member would have seen an answer: a response, and after a deferral a followup or edit."""
        if self.callback_type is None:
            return False
        if self.callback_type == DEFERRED_CHANNEL_MESSAGE:
            return self.first_content_at is not None
        if self.callback_type == DEFERRED_UPDATE_MESSAGE:
            return self.first_content_at is not None
        return True


class InteractionManager:
    """Creates interactions and applies Discord's rules to the bot's callbacks, followups and edits."""

    def __init__(
        self,
        world: World,
        *,
        response_deadline: float = 3.0,
        token_ttl: timedelta = timedelta(minutes=15),
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.world = world
        self.response_deadline = response_deadline
        self.token_ttl = token_ttl
        self.monotonic = monotonic
        self.by_id: dict[int, InteractionState] = {}
        self.by_token: dict[str, InteractionState] = {}

    # -- creation -----------------------------------------------------------------------------------------------

    def create(
        self,
        kind: int,
        *,
        user: User,
        guild: Guild | None,
        channel: Channel,
        data: dict[str, Any],
        source_message: StoredMessage | None = None,
        path: str | None = None,
        locale: str = "en-US",
    ) -> InteractionState:
        """A new interaction with its gateway payload (not yet sent)."""
        world = self.world
        interaction_id = world.new_id()
        token = "standin-itoken-" + secrets.token_urlsafe(24)
        payload: dict[str, Any] = {
            "id": str(interaction_id),
            "application_id": str(world.application_id),
            "type": kind,
            "token": token,
            "version": 1,
            "data": data,
            "locale": locale,
            "entitlements": [],
            "entitlement_sku_ids": [],
            "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
            "channel_id": str(channel.id),
            "channel": world.channel_payload(channel),
            "app_permissions": str(world.bot_permissions(channel)),
        }
        if guild is not None:
            member = world.member(guild, user.id)
            perms = world.permissions(guild, user.id, channel)
            payload.update(
                {
                    "guild_id": str(guild.id),
                    "guild": {"id": str(guild.id), "locale": guild.preferred_locale, "features": []},
                    "guild_locale": guild.preferred_locale,
                    "member": member.payload(permissions=perms),
                    "context": 0,
                    "authorizing_integration_owners": {"0": str(guild.id)},
                }
            )
        else:
            payload.update({"user": user.payload(), "context": 1, "authorizing_integration_owners": {"0": "0"}})
        if source_message is not None:
            payload["message"] = world.message_payload(source_message)
        state = InteractionState(
            id=interaction_id,
            token=token,
            type=kind,
            user=user,
            guild=guild,
            channel=channel,
            payload=payload,
            created_monotonic=self.monotonic(),
            created_at=world.clock(),
            source_message=source_message,
            path=path,
        )
        self.by_id[interaction_id] = state
        self.by_token[token] = state
        return state

    def mark_sent(self, state: InteractionState) -> None:
        """Start the 3-second clock when the event actually goes out on the gateway."""
        state.created_monotonic = self.monotonic()

    # -- callbacks ----------------------------------------------------------------------------------------------

    def state_for_callback(self, interaction_id: str, token: str) -> InteractionState:
        """The interaction a callback URL names, or 404 10062 Unknown interaction."""
        state = self.by_token.get(token)
        if state is None or str(state.id) != interaction_id:
            raise DiscordError(10062)
        return state

    def callback(self, state: InteractionState, body: dict[str, Any], files: list[SentFile]) -> dict[str, Any]:
        """``POST /interactions/{id}/{token}/callback``: the one initial response, within the deadline."""
        if self.monotonic() - state.created_monotonic > self.response_deadline:
            log.info("interaction answered after the %.2fs deadline", self.response_deadline)
            raise DiscordError(10062)
        if state.callback_type is not None:
            raise DiscordError(40060)
        ctype = body.get("type")
        allowed = _ALLOWED_CALLBACKS.get(state.type, set())
        if state.type == MODAL_SUBMIT and state.source_message is None:
            allowed = allowed - {DEFERRED_UPDATE_MESSAGE, UPDATE_MESSAGE}
        if ctype not in allowed:
            raise form_error(
                "type",
                "INTERACTION_RESPONSE_TYPE_INVALID",
                f"Interaction response type {ctype} is not valid for interaction type {state.type}",
            )
        data = body.get("data") or {}
        world = self.world
        message: StoredMessage | None = None
        message_type = 20 if state.type == APPLICATION_COMMAND else 0
        if ctype == CHANNEL_MESSAGE:
            message = world.build_message(
                state.channel,
                data,
                files,
                interaction_id=state.id,
                message_type=message_type,
                allowed_flags=_RESPONSE_FLAGS,
            )
            message.interaction_metadata = self._metadata(state)
            state.first_content_at = self.monotonic()
        elif ctype == DEFERRED_CHANNEL_MESSAGE:
            message = self._placeholder(state, ephemeral=bool(int(data.get("flags") or 0) & FLAG_EPHEMERAL))
        elif ctype == DEFERRED_UPDATE_MESSAGE:
            message = state.source_message
        elif ctype == UPDATE_MESSAGE and state.source_message is not None:
            message = world.edit_message(state.source_message, data, files)
            state.first_content_at = self.monotonic()
        elif ctype == AUTOCOMPLETE_RESULT:
            validate_choices(data.get("choices"))
            state.choices = list(data["choices"])
        elif ctype == MODAL:
            validate_modal(data)
            state.modal = data
        state.callback_type = ctype
        state.callback_data = data
        state.original = message
        response: dict[str, Any] = {"interaction": {"id": str(state.id), "type": state.type}}
        if message is not None:
            response["interaction"].update(
                {
                    "response_message_id": str(message.id),
                    "response_message_loading": message.loading,
                    "response_message_ephemeral": message.ephemeral,
                }
            )
            if ctype in (CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE, UPDATE_MESSAGE):
                response["resource"] = {"type": ctype, "message": world.message_payload(message)}
        return response

    def _metadata(self, state: InteractionState) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(state.id),
            "type": state.type,
            "user": state.user.payload(),
            "authorizing_integration_owners": state.payload.get("authorizing_integration_owners", {}),
        }
        if state.path:
            data["name"] = state.path
        return data

    def _placeholder(self, state: InteractionState, *, ephemeral: bool) -> StoredMessage:
        world = self.world
        message = StoredMessage(
            id=world.new_id(),
            channel_id=state.channel.id,
            guild_id=state.channel.guild_id,
            author=world.bot_user,
            created_at=world.clock(),
            flags=FLAG_LOADING | (FLAG_EPHEMERAL if ephemeral else 0),
            type=20 if state.type == APPLICATION_COMMAND else 0,
            webhook_id=world.application_id,
            application_id=world.application_id,
            interaction_id=state.id,
        )
        message.interaction_metadata = self._metadata(state)
        world.messages[message.id] = message
        if not ephemeral:
            world.channel_messages.setdefault(state.channel.id, []).append(message.id)
        return message

    # -- webhook (followups and @original) ----------------------------------------------------------------------

    def state_for_webhook(self, application_id: str, token: str) -> InteractionState:
        """The interaction behind a webhook URL; 10015 when unknown, 401 50027 once the token has expired."""
        state = self.by_token.get(token)
        if state is None or application_id != str(self.world.application_id):
            raise DiscordError(10015)
        if self.world.clock() - state.created_at > self.token_ttl:
            raise DiscordError(50027)
        return state

    def followup(self, state: InteractionState, body: dict[str, Any], files: list[SentFile]) -> StoredMessage:
        """``POST /webhooks/{app}/{token}``: after a deferral the first one fills the "thinking" message."""
        if state.callback_type is None or state.callback_type in (AUTOCOMPLETE_RESULT, MODAL, PONG):
            raise DiscordError(10015)
        world = self.world
        original = state.original
        if state.callback_type == DEFERRED_CHANNEL_MESSAGE and original is not None and original.loading:
            message = world.edit_message(original, body, files)
        else:
            message = world.build_message(
                state.channel,
                body,
                files,
                interaction_id=state.id,
                message_type=20 if state.type == APPLICATION_COMMAND else 0,
                allowed_flags=_RESPONSE_FLAGS,
            )
            message.interaction_metadata = self._metadata(state)
            state.followups.append(message)
        if state.first_content_at is None:
            state.first_content_at = self.monotonic()
        return message

    def message_for(self, state: InteractionState, message_id: str) -> StoredMessage:
        """``@original`` or one of this interaction's followups; 404 10008 otherwise."""
        if message_id == "@original":
            if state.original is None or state.original.deleted:
                raise DiscordError(10008)
            return state.original
        try:
            wanted = as_id(message_id)
        except TypeError:
            raise DiscordError(10008) from None
        for message in [state.original, *state.followups]:
            if message is not None and message.id == wanted and not message.deleted:
                return message
        raise DiscordError(10008)

    def edit(
        self, state: InteractionState, message_id: str, body: dict[str, Any], files: list[SentFile]
    ) -> StoredMessage:
        """``PATCH /webhooks/{app}/{token}/messages/{id}``."""
        message = self.message_for(state, message_id)
        self.world.edit_message(message, body, files)
        if state.first_content_at is None:
            state.first_content_at = self.monotonic()
        return message

    def delete(self, state: InteractionState, message_id: str) -> None:
        """``DELETE /webhooks/{app}/{token}/messages/{id}``."""
        message = self.message_for(state, message_id)
        self.world.delete_message(message)
        if state.first_content_at is None:
            state.first_content_at = self.monotonic()


class Reply:
    """Everything the bot sent in answer to one interaction; a live view that keeps up with later requests.

    ``message`` is the interaction's original response (or the first followup when there is none); ``content``,
    ``embeds``, ``components``, ``ephemeral``, ``allowed_mentions``, ``files`` and ``pings`` read from it.
    """

    def __init__(self, state: InteractionState) -> None:
        self.state = state

    def __repr__(self) -> str:
        return (
            f"<Reply interaction={self.state.id} type={self.type} ephemeral={self.ephemeral} "
            f"content={self.content[:60]!r} embeds={len(self.embeds)} messages={len(self.messages)}>"
        )

    @property
    def interaction_id(self) -> int:
        """The interaction's id."""
        return self.state.id

    @property
    def user(self) -> User:
        """Who triggered the interaction."""
        return self.state.user

    @property
    def type(self) -> int | None:
        """The accepted callback type (4 message, 5 deferred, 6 deferred update, 7 update, 8 choices, 9 modal)."""
        return self.state.callback_type

    @property
    def data(self) -> Any:
        """The accepted callback's ``data``."""
        return self.state.callback_data

    @property
    def deferred(self) -> bool:
        """Whether the bot deferred (type 5 or 6)."""
        return self.state.callback_type in (DEFERRED_CHANNEL_MESSAGE, DEFERRED_UPDATE_MESSAGE)

    @property
    def failed(self) -> bool:
        """Whether no initial response was accepted (the member saw "This interaction failed")."""
        return self.state.callback_type is None

    @property
    def requests(self) -> list[RequestRecord]:
        """Every request made with this interaction's token, in order."""
        return list(self.state.requests)

    @property
    def errors(self) -> list[RequestRecord]:
        """The requests the stand-in rejected."""
        return [r for r in self.state.requests if not r.ok]

    @property
    def messages(self) -> list[StoredMessage]:
        """The original response and the followups, without deleted ones."""
        out = [] if self.state.original is None else [self.state.original]
        out.extend(self.state.followups)
        return [m for m in out if not m.deleted]

    @property
    def followups(self) -> list[StoredMessage]:
        """The followup messages (not the one that filled a deferral)."""
        return [m for m in self.state.followups if not m.deleted]

    @property
    def message(self) -> StoredMessage | None:
        """The message a member sees first."""
        messages = self.messages
        return messages[0] if messages else None

    @property
    def content(self) -> str:
        """The message's text ("" when none)."""
        return self.message.content if self.message else ""

    @property
    def embeds(self) -> list[dict[str, Any]]:
        """The message's embeds as dicts."""
        return list(self.message.embeds) if self.message else []

    @property
    def embed(self) -> dict[str, Any] | None:
        """The first embed, if any."""
        embeds = self.embeds
        return embeds[0] if embeds else None

    @property
    def components(self) -> list[dict[str, Any]]:
        """The message's component tree."""
        return list(self.message.components) if self.message else []

    @property
    def flags(self) -> int:
        """The message's flags."""
        return self.message.flags if self.message else 0

    @property
    def ephemeral(self) -> bool:
        """Whether the message is ephemeral."""
        return self.message.ephemeral if self.message else False

    @property
    def allowed_mentions(self) -> dict[str, Any] | None:
        """The ``allowed_mentions`` last sent for the message."""
        return self.message.allowed_mentions if self.message else None

    @property
    def pings(self) -> Pings:
        """Who the message notified."""
        return self.message.pings if self.message else Pings()

    @property
    def files(self) -> list[SentFile]:
        """Files attached to the message (``.name``, ``.data``)."""
        return self.message.files if self.message else []

    @property
    def all_files(self) -> list[SentFile]:
        """Files attached to any message of this reply."""
        return [f for m in self.messages for f in m.files]

    @property
    def text(self) -> str:
        """Content and embed text of every message, for loose assertions."""
        parts: list[str] = []
        for message in self.messages:
            parts.append(message.content)
            for embed in message.embeds:
                parts.extend(str(embed.get(k) or "") for k in ("title", "description"))
                parts.extend(f"{f.get('name')}\n{f.get('value')}" for f in embed.get("fields") or [])
                footer = embed.get("footer")
                if isinstance(footer, dict):
                    parts.append(str(footer.get("text") or ""))
            parts.extend(str(c.get("content")) for c in walk_components(message.components) if c.get("type") == 10)
        return "\n".join(p for p in parts if p)

    def buttons(self) -> list[dict[str, Any]]:
        """Every button on every message of this reply."""
        return [b for m in self.messages for b in m.buttons()]

    def selects(self) -> list[dict[str, Any]]:
        """Every select menu on every message of this reply."""
        return [s for m in self.messages for s in m.selects()]

    def button(self, label: str) -> dict[str, Any]:
        """The button with this label (raises LookupError)."""
        for button in self.buttons():
            if button.get("label") == label:
                return button
        raise LookupError(f"no button {label!r}; buttons: {[b.get('label') for b in self.buttons()]}")

    @property
    def modal(self) -> dict[str, Any] | None:
        """The modal the bot opened, if any."""
        return self.state.modal

    def modal_fields(self) -> list[dict[str, Any]]:
        """The modal's text inputs and selects (``custom_id``, ``label``, ``value``, ...)."""
        if self.state.modal is None:
            return []
        out: list[dict[str, Any]] = []
        for comp in self.state.modal.get("components") or []:
            if comp.get("type") == 18:
                child = dict(comp.get("component") or {})
                child.setdefault("label", comp.get("label"))
                out.append(child)
            else:
                out.extend(c for c in comp.get("components") or [] if c.get("custom_id"))
        return out

    @property
    def choices(self) -> list[dict[str, Any]] | None:
        """Autocomplete choices, if this was an autocomplete interaction."""
        return self.state.choices

    async def wait_for_requests(self, count: int, timeout: float = 5.0) -> list[RequestRecord]:  # noqa: ASYNC109
        """Wait until ``count`` requests have been made with this interaction's token (accepted or not)."""
        loop = asyncio.get_running_loop()
        end = loop.time() + timeout
        while len(self.state.requests) < count:
            remaining = end - loop.time()
            if remaining <= 0 or not await self.state.wait_change(remaining):
                raise TimeoutError(f"interaction has {len(self.state.requests)} requests, wanted {count}")
        return self.requests

    async def wait_for_messages(self, count: int, timeout: float = 5.0) -> list[StoredMessage]:  # noqa: ASYNC109
        """Wait until the reply holds ``count`` messages (e.g. a followup sent after slow work)."""
        loop = asyncio.get_running_loop()
        end = loop.time() + timeout
        while len(self.messages) < count:
            remaining = end - loop.time()
            if remaining <= 0 or not await self.state.wait_change(remaining):
                raise TimeoutError(f"reply has {len(self.messages)} messages, wanted {count}")
        return self.messages
