"""A local stand-in for Discord (REST v10 + gateway) that the real, unmodified discord.py client talks to.

Tests and the offline sandbox start a ``StandIn``, point the bot at ``standin.api_base`` (``DISCORD_API_BASE``)
and drive it with interactions: ``reply = await standin.invoke("help", user=demo.alice)``. Nothing else in
``bot/`` imports this package.
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
