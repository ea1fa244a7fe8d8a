"""A local stand-in for Discord (REST v10 + gateway) that the real, unmodified discord.py client talks to.

Tests and the offline sandbox start a ``StandIn``, point the bot at ``standin.api_base`` (``DISCORD_API_BASE``)
and drive it as members would. Nothing else in ``bot/`` imports this package.

::

    async with StandIn(response_deadline=3.0) as standin:
        demo = standin.demo_guild()                      # #general #prompts #mentoring #check-ins #mod-log
        ...                                              # start the bot against standin.api_base
        reply = await standin.invoke("role info", user=demo.alice, role="PMO Analyst")
        reply.content, reply.embeds, reply.ephemeral, reply.allowed_mentions, reply.files, reply.buttons()
        clicked = await standin.click(reply, "faq:vote:up:12", user=demo.alice)
        choices = await standin.autocomplete("role info", "role", "pmo an", user=demo.alice)
        standin.faults.add("POST /channels/{channel_id}/messages", code=50013, times=1)
        standin.messages_in(demo.prompts), standin.dms_to(demo.bob), standin.requests("POST /channels/{id}/messages")

Discord's rules are enforced with Discord's status codes and error codes (see ``limits``, ``state`` and
``interactions``); what a member's client would refuse to send raises ``InvalidInvocationError`` instead.
"""

from __future__ import annotations

import logging

from bot.standin import permissions
from bot.standin.demo import DemoGuild, build_demo_guild
from bot.standin.errors import DiscordError, InteractionFailedError, InvalidInvocationError, StandInError
from bot.standin.faults import Fault, Faults
from bot.standin.interactions import InteractionState, Reply
from bot.standin.models import (
    DM,
    GUILD_CATEGORY,
    GUILD_TEXT,
    PRIVATE_THREAD,
    PUBLIC_THREAD,
    Channel,
    Guild,
    Member,
    Pings,
    Role,
    SentFile,
    StoredMessage,
    Upload,
    User,
)
from bot.standin.permissions import Overwrite
from bot.standin.process import BotProcess
from bot.standin.ratelimit import RateLimitConfig, RateLimitStats
from bot.standin.records import RequestRecord
from bot.standin.server import DEFAULT_TOKEN, StandIn

log = logging.getLogger(__name__)

__all__ = [
    "DEFAULT_TOKEN",
    "DM",
    "GUILD_CATEGORY",
    "GUILD_TEXT",
    "PRIVATE_THREAD",
    "PUBLIC_THREAD",
    "BotProcess",
    "Channel",
    "DemoGuild",
    "DiscordError",
    "Fault",
    "Faults",
    "Guild",
    "InteractionFailedError",
    "InteractionState",
    "InvalidInvocationError",
    "Member",
    "Overwrite",
    "Pings",
    "RateLimitConfig",
    "RateLimitStats",
    "Reply",
    "RequestRecord",
    "Role",
    "SentFile",
    "StandIn",
    "StandInError",
    "StoredMessage",
    "Upload",
    "User",
    "build_demo_guild",
    "permissions",
]
