"""The stand-in's world: who and what exists, who may do what where, and the messages in each channel."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.standin import permissions as p
from bot.standin.errors import DiscordError, form_error
from bot.standin.limits import compute_pings, validate_message
from bot.standin.models import (
    DM,
    FLAG_EPHEMERAL,
    GUILD_ANNOUNCEMENT,
    GUILD_CATEGORY,
    GUILD_FORUM,
    GUILD_TEXT,
    PRIVATE_THREAD,
    PUBLIC_THREAD,
    Channel,
    Guild,
    Member,
    Role,
    SentFile,
    StoredMessage,
    User,
)
from bot.standin.snowflake import SnowflakeFactory

log = logging.getLogger(__name__)

NONCE_WINDOW = timedelta(minutes=5)
_EDITABLE_MESSAGE_FLAGS = 1 << 2 | 1 << 15  # SUPPRESS_EMBEDS, IS_COMPONENTS_V2
_CREATE_MESSAGE_FLAGS = _EDITABLE_MESSAGE_FLAGS | 1 << 12  # + SUPPRESS_NOTIFICATIONS


def _now() -> datetime:
    return datetime.now(UTC)


def as_id(value: Any) -> int:
    """An id from a model object, an int or a numeric string (discord.py sends some ids as JSON numbers)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    inner = getattr(value, "id", None)
    if isinstance(inner, int):
        return inner
    raise TypeError(f"not an id: {value!r}")


class World:
    """Users, guilds, channels, messages and commands, with Discord's rules for acting on them."""

    def __init__(
        self,
        *,
        bot_name: str = "PMO Bot",
        clock: Callable[[], datetime] | None = None,
        attachment_base: Callable[[], str] | None = None,
    ) -> None:
        self.clock: Callable[[], datetime] = clock or _now
        self.snowflakes = SnowflakeFactory()
        self._attachment_base = attachment_base or (lambda: "http://127.0.0.1")
        self.users: dict[int, User] = {}
        self.guilds: dict[int, Guild] = {}
        self.channels: dict[int, Channel] = {}
        self.messages: dict[int, StoredMessage] = {}
        self.channel_messages: dict[int, list[int]] = {}
        self.dm_channels: dict[int, int] = {}
        self.attachments: dict[int, SentFile] = {}
        self._nonces: dict[tuple[int, str], tuple[int, datetime]] = {}
        self.application_id = self.new_id()
        self.bot_user = self.add_user(bot_name, bot=True, user_id=self.application_id)
        self.bot_role_ids: dict[int, int] = {}

    # -- creation -----------------------------------------------------------------------------------------------

    def new_id(self) -> int:
        """A fresh snowflake stamped with the stand-in's clock."""
        return self.snowflakes.next(self.clock())

    def add_user(
        self, username: str, *, global_name: str | None = None, bot: bool = False, user_id: int | None = None
    ) -> User:
        """Create a user."""
        user = User(id=user_id or self.new_id(), username=username, global_name=global_name, bot=bot)
        self.users[user.id] = user
        return user

    def add_guild(
        self,
        name: str,
        *,
        owner: User,
        everyone_permissions: int = p.DEFAULT_EVERYONE,
        bot_permissions: int = p.DEFAULT_BOT,
        bot_present: bool = True,
    ) -> Guild:
        """Create a guild with its @everyone role, its owner as a member, and the bot with a managed role."""
        guild_id = self.new_id()
        guild = Guild(id=guild_id, name=name, owner_id=owner.id, bot_present=bot_present)
        guild.roles[guild_id] = Role(id=guild_id, guild_id=guild_id, name="@everyone", permissions=everyone_permissions)
        self.guilds[guild_id] = guild
        self.add_member(guild, owner)
        bot_role = self.add_role(guild, self.bot_user.username, permissions=bot_permissions, bot_id=self.bot_user.id)
        self.bot_role_ids[guild_id] = bot_role.id
        self.add_member(guild, self.bot_user, roles=[bot_role])
        return guild

    def add_role(
        self,
        guild: Guild,
        name: str,
        *,
        permissions: int = 0,
        mentionable: bool = False,
        color: int = 0,
        bot_id: int | None = None,
    ) -> Role:
        """Create a role at the top of the guild's role list."""
        role = Role(
            id=self.new_id(),
            guild_id=guild.id,
            name=name,
            permissions=permissions,
            position=len(guild.roles),
            mentionable=mentionable,
            color=color,
            bot_id=bot_id,
        )
        guild.roles[role.id] = role
        return role

    def add_member(
        self, guild: Guild, user: User, *, roles: Iterable[Role | int] = (), nick: str | None = None
    ) -> Member:
        """Add a user to a guild, with roles."""
        member = Member(
            user=user, guild_id=guild.id, role_ids=[as_id(r) for r in roles], nick=nick, joined_at=self.clock()
        )
        guild.members[user.id] = member
        self.users.setdefault(user.id, user)
        return member

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
        """Create a guild channel (text by default) with permission overwrites."""
        channel = Channel(
            id=self.new_id(),
            type=type,
            name=name,
            guild_id=guild.id,
            position=len(guild.channel_ids),
            parent_id=None if parent is None else parent.id,
            topic=topic,
            overwrites=list(overwrites),
            created_at=self.clock(),
        )
        self.channels[channel.id] = channel
        self.channel_messages[channel.id] = []
        guild.channel_ids.append(channel.id)
        return channel

    # -- lookups ------------------------------------------------------------------------------------------------

    def channel(self, channel_id: Any) -> Channel:
        """A live channel, or 404 10003 Unknown Channel."""
        try:
            channel = self.channels[as_id(channel_id)]
        except (KeyError, TypeError):
            raise DiscordError(10003) from None
        if channel.deleted:
            raise DiscordError(10003)
        return channel

    def guild(self, guild_id: Any) -> Guild:
        """A guild the bot is in; 404 10004 for an unknown guild, 403 50001 after the bot was removed."""
        try:
            guild = self.guilds[as_id(guild_id)]
        except (KeyError, TypeError):
            raise DiscordError(10004) from None
        if not guild.bot_present:
            raise DiscordError(50001)
        return guild

    def user(self, user_id: Any) -> User:
        """A user, or 404 10013 Unknown User."""
        try:
            return self.users[as_id(user_id)]
        except (KeyError, TypeError):
            raise DiscordError(10013) from None

    def member(self, guild: Guild, user_id: Any) -> Member:
        """A current member, or 404 10007 Unknown Member."""
        try:
            return guild.members[as_id(user_id)]
        except (KeyError, TypeError):
            raise DiscordError(10007) from None

    def message(self, channel: Channel, message_id: Any) -> StoredMessage:
        """A live message in ``channel``, or 404 10008 Unknown Message."""
        try:
            message = self.messages[as_id(message_id)]
        except (KeyError, TypeError):
            raise DiscordError(10008) from None
        if message.deleted or message.channel_id != channel.id or message.ephemeral:
            raise DiscordError(10008)
        return message

    def guild_of(self, channel: Channel) -> Guild | None:
        """The guild a channel belongs to (None for DMs)."""
        return None if channel.guild_id is None else self.guilds.get(channel.guild_id)

    def threads(self, guild: Guild) -> list[Channel]:
        """The guild's live threads."""
        return [c for c in self.channels.values() if c.guild_id == guild.id and c.is_thread and not c.deleted]

    def guild_channels(self, guild: Guild) -> list[Channel]:
        """The guild's live channels (threads excluded)."""
        return [self.channels[c] for c in guild.channel_ids if not self.channels[c].deleted]

    # -- permissions --------------------------------------------------------------------------------------------

    def permissions(self, guild: Guild, user_id: int, channel: Channel | None = None) -> int:
        """A member's permissions in the guild, or in ``channel`` after its overwrites (threads use the parent's)."""
        member = guild.members.get(user_id)
        if member is None:
            return 0
        role_perms = {r.id: r.permissions for r in guild.roles.values()}
        base = p.base_permissions(
            guild_id=guild.id,
            owner_id=guild.owner_id,
            user_id=user_id,
            role_ids=member.role_ids,
            role_permissions=role_perms,
        )
        if channel is None:
            return base
        target = channel
        if channel.is_thread and channel.parent_id is not None:
            target = self.channels[channel.parent_id]
        perms = p.channel_permissions(
            base, guild_id=guild.id, user_id=user_id, role_ids=member.role_ids, overwrites=target.overwrites
        )
        if channel.type == PRIVATE_THREAD and user_id not in channel.thread_member_ids and not perms & p.MANAGE_THREADS:
            return 0
        return perms

    def bot_permissions(self, channel: Channel) -> int:
        """The bot's permissions in a channel (DMs: what a bot may do in a DM)."""
        if channel.type == DM:
            return p.VIEW_CHANNEL | p.SEND_MESSAGES | p.EMBED_LINKS | p.ATTACH_FILES | p.READ_MESSAGE_HISTORY
        guild = self.guild(channel.guild_id)
        return self.permissions(guild, self.bot_user.id, channel)

    def require(self, channel: Channel, needed: int) -> None:
        """Raise 403 like Discord when the bot lacks ``needed`` in ``channel`` (50001 without VIEW_CHANNEL)."""
        perms = self.bot_permissions(channel)
        if not perms & p.VIEW_CHANNEL:
            raise DiscordError(50001)
        if perms & needed != needed:
            raise DiscordError(50013)

    def check_can_send(self, channel: Channel, *, with_files: bool) -> None:
        """Discord's checks before the bot posts in a channel."""
        if channel.type == DM:
            recipient = self.users.get(channel.recipient_id or 0)
            if recipient is None or recipient.bot or not recipient.dms_open or not self._shares_guild(recipient):
                raise DiscordError(50007)
            return
        if channel.type in (GUILD_CATEGORY, GUILD_FORUM):
            raise DiscordError(50008, "Cannot send messages in a non-text channel", status=400)
        needed = p.SEND_MESSAGES_IN_THREADS if channel.is_thread else p.SEND_MESSAGES
        if with_files:
            needed |= p.ATTACH_FILES
        self.require(channel, needed)
        if channel.is_thread and channel.archived:
            if channel.locked and not self.bot_permissions(channel) & p.MANAGE_THREADS:
                raise DiscordError(50083)
            channel.archived = False

    def _shares_guild(self, user: User) -> bool:
        return any(g.bot_present and user.id in g.members for g in self.guilds.values())

    # -- messages -----------------------------------------------------------------------------------------------

    def build_message(
        self,
        channel: Channel,
        body: dict[str, Any],
        files: list[SentFile],
        *,
        interaction_id: int | None = None,
        message_type: int = 0,
        extra_flags: int = 0,
        allowed_flags: int = _CREATE_MESSAGE_FLAGS,
    ) -> StoredMessage:
        """Validate a message body and store the message (the caller has checked permissions)."""
        validate_message(body, file_sizes=[len(f.data) for f in files])
        message = StoredMessage(
            id=self.new_id(),
            channel_id=channel.id,
            guild_id=channel.guild_id,
            author=self.bot_user,
            created_at=self.clock(),
            type=message_type,
            interaction_id=interaction_id,
        )
        if interaction_id is not None:
            message.webhook_id = self.application_id
            message.application_id = self.application_id
        message.nonce = body.get("nonce")
        self._apply(message, body, files, flags=(int(body.get("flags") or 0) & allowed_flags) | extra_flags)
        self.messages[message.id] = message
        if not message.ephemeral:
            self.channel_messages.setdefault(channel.id, []).append(message.id)
            channel.last_message_id = message.id
            if channel.is_thread:
                channel.message_count += 1
        return message

    def create_channel_message(self, channel: Channel, body: dict[str, Any], files: list[SentFile]) -> StoredMessage:
        """``POST /channels/{id}/messages``: permissions, limits, and ``enforce_nonce`` deduplication."""
        self.check_can_send(channel, with_files=bool(files))
        nonce = body.get("nonce")
        key = None if nonce is None else (channel.id, str(nonce))
        if key is not None and body.get("enforce_nonce"):
            seen = self._nonces.get(key)
            if seen is not None and self.clock() - seen[1] <= NONCE_WINDOW:
                existing = self.messages.get(seen[0])
                if existing is not None and not existing.deleted:
                    log.debug("enforce_nonce: returning existing message for a repeated nonce")
                    return existing
        message = self.build_message(channel, body, files)
        if key is not None:
            self._nonces[key] = (message.id, message.created_at)
        return message

    def edit_message(self, message: StoredMessage, body: dict[str, Any], files: list[SentFile]) -> StoredMessage:
        """Apply an edit; absent fields stay, ``null`` clears; the result must still be a valid message."""
        merged: dict[str, Any] = {
            "content": message.content,
            "embeds": message.embeds,
            "components": message.components,
            "flags": message.flags,
        }
        for key in ("content", "embeds", "components", "flags", "allowed_mentions"):
            if key in body:
                merged[key] = body[key]
        attachments = list(message.attachments)
        if "attachments" in body and body["attachments"] is not None:
            keep = {str(a.get("id")) for a in body["attachments"] if isinstance(a, dict)}
            attachments = [a for a in attachments if str(a.id) in keep]
        attachments.extend(files)
        check = {k: v for k, v in merged.items() if k != "flags"}
        check["flags"] = int(merged.get("flags") or 0)
        validate_message(check, file_sizes=[len(f.data) for f in attachments], creating=False)
        if not (merged["content"] or merged["embeds"] or merged["components"] or attachments):
            raise DiscordError(50006)
        message.versions.append(message.snapshot())
        # An edit can never make a message ephemeral or public, and it ends a deferred "thinking" state.
        flags = (int(merged.get("flags") or 0) & _EDITABLE_MESSAGE_FLAGS) | (message.flags & FLAG_EPHEMERAL)
        self._apply(message, merged, [], flags=flags)
        message.attachments = attachments
        message.edited_at = self.clock()
        return message

    def _apply(self, message: StoredMessage, body: dict[str, Any], files: list[SentFile], *, flags: int) -> None:
        message.content = body.get("content") or ""
        message.embeds = list(body.get("embeds") or [])
        message.components = list(body.get("components") or [])
        message.flags = flags
        if files:
            message.attachments = list(files)
        if "allowed_mentions" in body:
            message.allowed_mentions = body.get("allowed_mentions")
        channel = self.channels[message.channel_id]
        guild = self.guild_of(channel)
        mentionable: list[int] = []
        can_everyone = False
        if guild is not None:
            mentionable = [r.id for r in guild.roles.values() if r.mentionable]
            can_everyone = bool(self.permissions(guild, self.bot_user.id, channel) & p.MENTION_EVERYONE)
        pings = compute_pings(
            message.content, message.allowed_mentions, mentionable_roles=mentionable, can_mention_everyone=can_everyone
        )
        message.pings = pings
        message.mentions = [self.users[u] for u in sorted(pings.users) if u in self.users]
        message.mention_role_ids = sorted(pings.roles)
        message.mention_everyone = pings.everyone

    def delete_message(self, message: StoredMessage) -> None:
        """Mark a message deleted and drop it from its channel's history."""
        message.deleted = True
        history = self.channel_messages.get(message.channel_id, [])
        if message.id in history:
            history.remove(message.id)

    def history(
        self,
        channel: Channel,
        *,
        limit: int = 50,
        before: int | None = None,
        after: int | None = None,
        around: int | None = None,
    ) -> list[StoredMessage]:
        """Messages newest first, like ``GET /channels/{id}/messages``."""
        if not 1 <= limit <= 100:
            raise form_error("limit", "NUMBER_TYPE_MAX", "int value should be less than or equal to 100.")
        ids = [m for m in self.channel_messages.get(channel.id, []) if not self.messages[m].deleted]
        if around is not None:
            older = [m for m in ids if m <= around][-((limit + 1) // 2) :]
            newer = [m for m in ids if m > around][: limit // 2]
            chosen = older + newer
        elif after is not None:
            chosen = [m for m in ids if m > after][:limit]
        else:
            if before is not None:
                ids = [m for m in ids if m < before]
            chosen = ids[-limit:]
        return [self.messages[m] for m in reversed(chosen)]

    def messages_in(self, channel_id: int) -> list[StoredMessage]:
        """Live, non-ephemeral messages of a channel, oldest first."""
        return [self.messages[m] for m in self.channel_messages.get(channel_id, []) if not self.messages[m].deleted]

    # -- DMs and threads ----------------------------------------------------------------------------------------

    def dm_channel(self, user: User) -> Channel:
        """The DM channel between the bot and ``user`` (created on first use, like ``POST /users/@me/channels``)."""
        if user.id == self.bot_user.id:
            raise DiscordError(50033)
        existing = self.dm_channels.get(user.id)
        if existing is not None:
            return self.channels[existing]
        channel = Channel(id=self.new_id(), type=DM, recipient_id=user.id, created_at=self.clock())
        self.channels[channel.id] = channel
        self.channel_messages[channel.id] = []
        self.dm_channels[user.id] = channel.id
        return channel

    def create_thread(
        self,
        parent: Channel,
        *,
        name: str,
        thread_type: int,
        from_message: StoredMessage | None = None,
        invitable: bool = True,
        auto_archive_duration: int = 1440,
    ) -> Channel:
        """Start a thread, from a message (public; the thread takes the message's id) or standalone."""
        if parent.type not in (GUILD_TEXT, GUILD_ANNOUNCEMENT):
            raise DiscordError(50024, "Cannot execute action on this channel type", status=400)
        if not 1 <= len(name) <= 100:
            raise form_error("name", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
        if auto_archive_duration not in (60, 1440, 4320, 10080):
            raise form_error(
                "auto_archive_duration", "BASE_TYPE_CHOICES", "Value must be one of (60, 1440, 4320, 10080)."
            )
        needed = p.CREATE_PRIVATE_THREADS if thread_type == PRIVATE_THREAD else p.CREATE_PUBLIC_THREADS
        self.require(parent, needed)
        if from_message is not None:
            if from_message.thread_id is not None:
                raise DiscordError(160004)
            thread_id = from_message.id
            from_message.thread_id = thread_id
        else:
            thread_id = self.new_id()
        thread = Channel(
            id=thread_id,
            type=thread_type,
            name=name,
            guild_id=parent.guild_id,
            parent_id=parent.id,
            owner_id=self.bot_user.id,
            thread_member_ids={self.bot_user.id},
            invitable=invitable if thread_type == PRIVATE_THREAD else True,
            auto_archive_duration=auto_archive_duration,
            created_at=self.clock(),
        )
        self.channels[thread.id] = thread
        self.channel_messages[thread.id] = []
        return thread

    def add_thread_member(self, thread: Channel, user_id: Any) -> None:
        """``PUT /channels/{thread}/thread-members/{user}``."""
        if not thread.is_thread:
            raise DiscordError(50024, "Cannot execute action on this channel type", status=400)
        guild = self.guild(thread.guild_id)
        member = self.member(guild, user_id)
        perms = self.bot_permissions(thread)
        if thread.archived:
            raise DiscordError(50083)
        if thread.type == PRIVATE_THREAD:
            if self.bot_user.id not in thread.thread_member_ids and not perms & p.MANAGE_THREADS:
                raise DiscordError(50001)
        elif not perms & p.SEND_MESSAGES_IN_THREADS:
            raise DiscordError(50013)
        thread.thread_member_ids.add(member.id)

    def thread_payload(self, thread: Channel) -> dict[str, Any]:
        """A thread object, including the bot's thread membership."""
        data = thread.payload()
        if self.bot_user.id in thread.thread_member_ids:
            data["member"] = {
                "id": str(thread.id),
                "user_id": str(self.bot_user.id),
                "join_timestamp": thread.created_at.isoformat() if thread.created_at else None,
                "flags": 1,
            }
        return data

    def channel_payload(self, channel: Channel) -> dict[str, Any]:
        """A channel object of any type."""
        if channel.type == DM:
            recipient = self.users.get(channel.recipient_id or 0)
            return channel.payload(recipients=[recipient.payload()] if recipient else [])
        if channel.is_thread:
            return self.thread_payload(channel)
        return channel.payload()

    def message_payload(self, message: StoredMessage) -> dict[str, Any]:
        """A message object, with its thread when one was started from it."""
        thread = None
        if message.thread_id is not None and message.thread_id in self.channels:
            thread = self.thread_payload(self.channels[message.thread_id])
        return message.payload(thread=thread)

    def store_file(
        self, filename: str, data: bytes, content_type: str | None, description: str | None = None
    ) -> SentFile:
        """Keep an uploaded file and give it a URL the stand-in serves."""
        file_id = self.new_id()
        url = f"{self._attachment_base()}/attachments/{file_id}/{filename}"
        sent = SentFile(
            id=file_id, filename=filename, data=data, content_type=content_type, description=description, url=url
        )
        self.attachments[file_id] = sent
        return sent

    def allowed_channel_types(self) -> tuple[int, ...]:
        """Channel types the stand-in models."""
        return (GUILD_TEXT, DM, GUILD_CATEGORY, GUILD_ANNOUNCEMENT, PUBLIC_THREAD, PRIVATE_THREAD, GUILD_FORUM)
