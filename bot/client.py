"""PMOBot: the discord.py client that owns the settings, the database, the clock and the scheduler."""

from __future__ import annotations

import hashlib
import json
import logging
import pkgutil
from typing import Any

import discord
import yarl
from discord.ext import commands

import cogs
from bot.clock import Clock, ScaledClock, SystemClock
from bot.config import Settings
from bot.content import Content, load_content
from bot.db import Database, open_database
from bot.scheduler import Scheduler
from bot.sending import GlobalPacer
from bot.services import guild_config
from bot.shards import ShardSet
from bot.timeutil import iso
from bot.tree import AppTree

__all__ = ["PMOBot", "configure_endpoints", "extension_names"]

log = logging.getLogger(__name__)

DEFAULT_API_BASE = "https://discord.com/api/v10"


def configure_endpoints(api_base: str | None, gateway_url: str | None = None) -> None:
    """Point discord.py's REST base (and, if given, gateway) at another server, e.g. a proxy or the stand-in.

    Both are process-wide class attributes in discord.py; ``Route.BASE`` also covers interaction callbacks
    and webhooks because those build their routes from it.
    """
    discord.http.Route.BASE = api_base or DEFAULT_API_BASE
    if gateway_url:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)


def extension_names() -> list[str]:
    """Every extension under ``cogs/`` (modules and packages not starting with an underscore)."""
    return sorted(f"cogs.{m.name}" for m in pkgutil.iter_modules(cogs.__path__) if not m.name.startswith("_"))


def make_clock(settings: Settings) -> Clock:
    """The real clock, or a moved / sped-up one when the sandbox or a test asked for it."""
    if settings.uses_test_clock:
        return ScaledClock(settings.clock_start, settings.clock_speed)
    return SystemClock()


class PMOBot(commands.Bot):
    """The PMO community bot."""

    db: Database
    scheduler: Scheduler
    content: Content

    def __init__(self, settings: Settings, *, clock: Clock | None = None, **options: Any) -> None:
        intents = discord.Intents.none()
        intents.guilds = True  # channels, threads, roles and GUILD_DELETE; nothing privileged
        options.setdefault("chunk_guilds_at_startup", False)
        # Stay under Discord's global REST limit before sending rather than after a 429 (a burst of scheduled
        # posts at one minute would hit it every second otherwise).
        # Discord's global limit (50 requests/s) is per bot, not per process: each shard process takes its
        # shards' share of it, so N processes together stay under it without talking to each other.
        self.shards = ShardSet.of(settings.shard_count, settings.shard_ids)  # the shards this process owns
        self.pacer = GlobalPacer(per_window=max(1, 50 * len(self.shards.ids) // self.shards.count))
        options.setdefault("http_trace", self.pacer.trace_config())
        super().__init__(
            command_prefix=commands.when_mentioned,
            help_command=None,
            intents=intents,
            tree_cls=AppTree,
            allowed_mentions=discord.AllowedMentions.none(),
            member_cache_flags=discord.MemberCacheFlags.none(),
            max_messages=None,
            **options,
        )
        self.settings = settings
        self.clock: Clock = clock or make_clock(settings)

    async def login(self, token: str) -> None:
        """Repoint the REST base from the settings, then log in (which runs ``setup_hook``)."""
        configure_endpoints(self.settings.api_base, self.settings.gateway_url)
        await super().login(token)

    async def setup_hook(self) -> None:
        """Gateway URL, database and migrations, cogs, command sync, then background work."""
        if self.settings.api_base and not self.settings.gateway_url:
            # A plain client never asks /gateway/bot itself; with a custom API base the gateway must come from it.
            _, url, _ = await self.http.get_bot_gateway()
            configure_endpoints(self.settings.api_base, url)
        await self.prepare()
        await self.sync_commands()
        self.scheduler.start(before_start=self.wait_until_ready)

    async def prepare(self) -> None:
        """Open and migrate the database, create the scheduler and load every cog (no network needed)."""
        self.content = load_content()
        self.db = await open_database(self.settings)
        await self.db.migrate()
        self.scheduler = Scheduler(
            self.db,
            self.clock,
            notify=self.notify_moderators,
            shards=self.shards,
        )
        for name in extension_names():
            await self.load_extension(name)

    async def close(self) -> None:
        """Stop background work, disconnect, close the database."""
        if hasattr(self, "scheduler"):
            await self.scheduler.stop()
        await super().close()
        if hasattr(self, "db"):
            await self.db.close()

    async def sync_commands(self) -> bool:
        """Sync the command tree only when its payload changed since the last sync; True if it synced."""
        guild = discord.Object(self.settings.dev_guild_id) if self.settings.dev_guild_id else None
        if guild is not None:
            self.tree.copy_global_to(guild=guild)
        scope = str(guild.id) if guild else "global"
        payload = [command.to_dict(self.tree) for command in self.tree.get_commands(guild=guild)]
        digest = hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()
        stored = await self.db.fetch_value("SELECT payload_hash FROM command_sync WHERE scope = ?", (scope,))
        if stored == digest:
            log.info("Commands unchanged since the last sync (%s); not syncing", scope)
            return False
        await self.tree.sync(guild=guild)
        await self.db.execute(
            """
            INSERT INTO command_sync (scope, payload_hash, synced_at) VALUES (?, ?, ?)
            ON CONFLICT (scope) DO UPDATE SET payload_hash = excluded.payload_hash, synced_at = excluded.synced_at
            """,
            (scope, digest, iso(self.clock.now())),
        )
        log.info("Synced %d commands (%s)", len(payload), scope)
        return True

    async def notify_moderators(self, guild_id: int, text: str) -> None:
        """Post to the mod-log channel when one is set; otherwise keep the notice for the next /admin use."""
        settings = await guild_config.get_settings(self.db, guild_id)
        if settings.modlog_channel_id is not None:
            channel = self.get_partial_messageable(settings.modlog_channel_id, guild_id=guild_id)
            try:
                await channel.send(text[:2000], allowed_mentions=discord.AllowedMentions.none())
            except discord.HTTPException as exc:
                log.warning("Could not post to the mod-log channel of guild %s: %s", guild_id, exc)
            else:
                return
        await guild_config.add_notice(self.db, guild_id, text, self.clock.now())
