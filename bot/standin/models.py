"""The stand-in's model of Discord: users, guilds, roles, members, channels and messages, with their payloads."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.standin.permissions import Overwrite

log = logging.getLogger(__name__)

# Channel types (https://discord.com/developers/docs/resources/channel#channel-object-channel-types).
GUILD_TEXT = 0
DM = 1
GUILD_VOICE = 2
GUILD_CATEGORY = 4
GUILD_ANNOUNCEMENT = 5
ANNOUNCEMENT_THREAD = 10
PUBLIC_THREAD = 11
PRIVATE_THREAD = 12
GUILD_STAGE_VOICE = 13
GUILD_FORUM = 15

VOICE_TYPES = frozenset({GUILD_VOICE, GUILD_STAGE_VOICE})

THREAD_TYPES = frozenset({ANNOUNCEMENT_THREAD, PUBLIC_THREAD, PRIVATE_THREAD})

# Message flags.
FLAG_SUPPRESS_EMBEDS = 1 << 2
FLAG_EPHEMERAL = 1 << 6
FLAG_LOADING = 1 << 7
FLAG_SUPPRESS_NOTIFICATIONS = 1 << 12
FLAG_COMPONENTS_V2 = 1 << 15


def iso(moment: datetime | None) -> str | None:
    """An ISO-8601 timestamp as Discord writes it, or None."""
    return None if moment is None else moment.isoformat()


@dataclass(eq=False)
class User:
    """A Discord user. ``dms_open`` False makes DMs to them fail with 50007."""

    id: int
    username: str
    global_name: str | None = None
    bot: bool = False
    avatar: str | None = None
    dms_open: bool = True

    @property
    def mention(self) -> str:
        """The mention string for this user."""
        return f"<@{self.id}>"

    @property
    def display_name(self) -> str:
        """The global name, or the username."""
        return self.global_name or self.username

    def payload(self) -> dict[str, Any]:
        """The user object."""
        return {
            "id": str(self.id),
            "username": self.username,
            "discriminator": "0",
            "global_name": self.global_name,
            "avatar": self.avatar,
            "bot": self.bot,
            "public_flags": 0,
        }


@dataclass(eq=False)
class Role:
    """A guild role. The @everyone role has the guild's id."""

    id: int
    guild_id: int
    name: str
    permissions: int = 0
    position: int = 0
    color: int = 0
    hoist: bool = False
    mentionable: bool = False
    bot_id: int | None = None

    @property
    def mention(self) -> str:
        """The mention string for this role (``@everyone`` for the default role)."""
        return "@everyone" if self.id == self.guild_id else f"<@&{self.id}>"

    def payload(self) -> dict[str, Any]:
        """The role object (permissions as a string, like Discord)."""
        data: dict[str, Any] = {
            "id": str(self.id),
            "name": self.name,
            "color": self.color,
            "colors": {"primary_color": self.color, "secondary_color": None, "tertiary_color": None},
            "hoist": self.hoist,
            "icon": None,
            "unicode_emoji": None,
            "position": self.position,
            "permissions": str(self.permissions),
            "managed": self.bot_id is not None,
            "mentionable": self.mentionable,
            "flags": 0,
        }
        if self.bot_id is not None:
            data["tags"] = {"bot_id": str(self.bot_id)}
        return data


@dataclass(eq=False)
class Member:
    """A user's membership of a guild."""

    user: User
    guild_id: int
    role_ids: list[int] = field(default_factory=list)
    nick: str | None = None
    joined_at: datetime | None = None

    @property
    def id(self) -> int:
        """The member's user id."""
        return self.user.id

    def payload(self, *, with_user: bool = True, permissions: int | None = None) -> dict[str, Any]:
        """The guild member object; ``permissions`` is added for interaction payloads."""
        data: dict[str, Any] = {
            "roles": [str(r) for r in self.role_ids],
            "nick": self.nick,
            "avatar": None,
            "joined_at": iso(self.joined_at),
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "communication_disabled_until": None,
        }
        if with_user:
            data["user"] = self.user.payload()
        if permissions is not None:
            data["permissions"] = str(permissions)
        return data


@dataclass(eq=False)
class Channel:
    """A guild channel, category, thread or DM channel."""

    id: int
    type: int
    name: str | None = None
    guild_id: int | None = None
    position: int = 0
    parent_id: int | None = None
    topic: str | None = None
    overwrites: list[Overwrite] = field(default_factory=list)
    recipient_id: int | None = None
    owner_id: int | None = None
    thread_member_ids: set[int] = field(default_factory=set)
    archived: bool = False
    locked: bool = False
    invitable: bool = True
    auto_archive_duration: int = 1440
    created_at: datetime | None = None
    message_count: int = 0
    last_message_id: int | None = None
    deleted: bool = False

    @property
    def mention(self) -> str:
        """The mention string for this channel."""
        return f"<#{self.id}>"

    @property
    def is_thread(self) -> bool:
        """Whether this channel is a thread."""
        return self.type in THREAD_TYPES

    def payload(self, *, recipients: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        """The channel object, shaped for the channel's type."""
        data: dict[str, Any] = {"id": str(self.id), "type": self.type, "flags": 0}
        if self.type == DM:
            data["recipients"] = recipients or []
            data["last_message_id"] = None if self.last_message_id is None else str(self.last_message_id)
            return data
        data.update(
            {
                "guild_id": None if self.guild_id is None else str(self.guild_id),
                "name": self.name,
                "parent_id": None if self.parent_id is None else str(self.parent_id),
                "nsfw": False,
                "rate_limit_per_user": 0,
            }
        )
        if self.is_thread:
            data.update(
                {
                    "owner_id": str(self.owner_id),
                    "message_count": self.message_count,
                    "total_message_sent": self.message_count,
                    "member_count": len(self.thread_member_ids),
                    "last_message_id": None if self.last_message_id is None else str(self.last_message_id),
                    "thread_metadata": {
                        "archived": self.archived,
                        "auto_archive_duration": self.auto_archive_duration,
                        "archive_timestamp": iso(self.created_at),
                        "locked": self.locked,
                        "invitable": self.invitable,
                        "create_timestamp": iso(self.created_at),
                    },
                }
            )
            return data
        data.update(
            {
                "position": self.position,
                "permission_overwrites": [o.payload() for o in self.overwrites],
            }
        )
        if self.type in VOICE_TYPES:
            data.update({"bitrate": 64000, "user_limit": 0, "rtc_region": None, "video_quality_mode": 1})
            return data
        if self.type == GUILD_FORUM:
            data.update(
                {
                    "available_tags": [],
                    "default_reaction_emoji": None,
                    "default_sort_order": None,
                    "default_forum_layout": 0,
                    "default_thread_rate_limit_per_user": 0,
                }
            )
        if self.type != GUILD_CATEGORY:
            data["topic"] = self.topic
            data["last_message_id"] = None if self.last_message_id is None else str(self.last_message_id)
            data["default_auto_archive_duration"] = 1440
        return data


@dataclass(eq=False)
class Guild:
    """A guild (server). ``bot_present`` is False once the bot has been removed from it."""

    id: int
    name: str
    owner_id: int
    roles: dict[int, Role] = field(default_factory=dict)
    channel_ids: list[int] = field(default_factory=list)
    members: dict[int, Member] = field(default_factory=dict)
    bot_present: bool = True
    preferred_locale: str = "en-US"

    @property
    def default_role(self) -> Role:
        """The @everyone role."""
        return self.roles[self.id]

    def role_named(self, name: str) -> Role:
        """The role with this name (raises KeyError)."""
        for role in self.roles.values():
            if role.name == name:
                return role
        raise KeyError(name)

    def payload(self) -> dict[str, Any]:
        """The guild object without channels or members (as ``GET /guilds/{id}`` returns it)."""
        return {
            "id": str(self.id),
            "name": self.name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "owner_id": str(self.owner_id),
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 1,
            "explicit_content_filter": 0,
            "roles": [r.payload() for r in self.roles.values()],
            "emojis": [],
            "stickers": [],
            "features": [],
            "mfa_level": 0,
            "application_id": None,
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "safety_alerts_channel_id": None,
            "vanity_url_code": None,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "preferred_locale": self.preferred_locale,
            "nsfw_level": 0,
            "premium_progress_bar_enabled": False,
        }


@dataclass(frozen=True)
class SentFile:
    """A file the bot attached to a message (or a test attached to an attachment option)."""

    id: int
    filename: str
    data: bytes
    content_type: str | None = None
    description: str | None = None
    url: str = ""

    @property
    def name(self) -> str:
        """The file name."""
        return self.filename

    def payload(self) -> dict[str, Any]:
        """The attachment object."""
        data: dict[str, Any] = {
            "id": str(self.id),
            "filename": self.filename,
            "size": len(self.data),
            "url": self.url,
            "proxy_url": self.url,
        }
        if self.content_type:
            data["content_type"] = self.content_type
        if self.description:
            data["description"] = self.description
        return data


@dataclass(frozen=True)
class Upload:
    """A file a test passes as the value of an attachment option."""

    filename: str
    data: bytes
    content_type: str | None = None


@dataclass(frozen=True)
class Pings:
    """Who a message actually notified, after ``allowed_mentions`` was applied."""

    users: frozenset[int] = frozenset()
    roles: frozenset[int] = frozenset()
    everyone: bool = False

    @property
    def any(self) -> bool:
        """Whether the message pinged anyone at all."""
        return bool(self.users or self.roles or self.everyone)


@dataclass(eq=False)
class StoredMessage:
    """A message as the stand-in holds it; ``versions`` keeps every earlier state after an edit."""

    id: int
    channel_id: int
    author: User
    created_at: datetime
    guild_id: int | None = None
    content: str = ""
    embeds: list[dict[str, Any]] = field(default_factory=list)
    components: list[dict[str, Any]] = field(default_factory=list)
    attachments: list[SentFile] = field(default_factory=list)
    flags: int = 0
    nonce: int | str | None = None
    allowed_mentions: dict[str, Any] | None = None
    pings: Pings = field(default_factory=Pings)
    mentions: list[User] = field(default_factory=list)
    mention_role_ids: list[int] = field(default_factory=list)
    mention_everyone: bool = False
    edited_at: datetime | None = None
    deleted: bool = False
    type: int = 0
    webhook_id: int | None = None
    application_id: int | None = None
    interaction_id: int | None = None
    interaction_metadata: dict[str, Any] | None = None
    thread_id: int | None = None
    versions: list[dict[str, Any]] = field(default_factory=list)
    reactions: dict[str, set[int]] = field(default_factory=dict)

    @property
    def ephemeral(self) -> bool:
        """Whether only the interaction's user sees this message."""
        return bool(self.flags & FLAG_EPHEMERAL)

    @property
    def loading(self) -> bool:
        """Whether this is a deferred "thinking…" placeholder."""
        return bool(self.flags & FLAG_LOADING)

    @property
    def files(self) -> list[SentFile]:
        """The attached files."""
        return list(self.attachments)

    def snapshot(self) -> dict[str, Any]:
        """The editable state, kept in ``versions`` before each edit."""
        return {
            "content": self.content,
            "embeds": list(self.embeds),
            "components": list(self.components),
            "flags": self.flags,
            "attachments": [a.filename for a in self.attachments],
        }

    def payload(self, *, thread: dict[str, Any] | None = None) -> dict[str, Any]:
        """The message object."""
        data: dict[str, Any] = {
            "id": str(self.id),
            "channel_id": str(self.channel_id),
            "author": self.author.payload(),
            "content": self.content,
            "timestamp": iso(self.created_at),
            "edited_timestamp": iso(self.edited_at),
            "tts": False,
            "mention_everyone": self.mention_everyone,
            "mentions": [u.payload() for u in self.mentions],
            "mention_roles": [str(r) for r in self.mention_role_ids],
            "attachments": [a.payload() for a in self.attachments],
            "embeds": self.embeds,
            "components": self.components,
            "pinned": False,
            "type": self.type,
            "flags": self.flags,
        }
        if self.guild_id is not None:
            data["guild_id"] = str(self.guild_id)
        if self.nonce is not None:
            data["nonce"] = self.nonce
        if self.webhook_id is not None:
            data["webhook_id"] = str(self.webhook_id)
        if self.application_id is not None:
            data["application_id"] = str(self.application_id)
        if self.interaction_metadata is not None:
            data["interaction_metadata"] = self.interaction_metadata
        if thread is not None:
            data["thread"] = thread
        return data

    def buttons(self) -> list[dict[str, Any]]:
        """Every button on the message, in order."""
        return [c for c in walk_components(self.components) if c.get("type") == 2]

    def selects(self) -> list[dict[str, Any]]:
        """Every select menu on the message, in order."""
        return [c for c in walk_components(self.components) if c.get("type") in SELECT_TYPES]


SELECT_TYPES = frozenset({3, 5, 6, 7, 8})


def walk_components(components: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """All components of a tree (action rows, containers, sections, labels), depth first."""
    out: list[dict[str, Any]] = []
    for comp in components:
        out.append(comp)
        children = comp.get("components")
        if isinstance(children, list):
            out.extend(walk_components(children))
        for key in ("component", "accessory"):
            child = comp.get(key)
            if isinstance(child, dict):
                out.extend(walk_components([child]))
    return out
