"""The bot joining and leaving servers: keep a removed server's data 30 days, restore it on re-invite, then purge."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

import discord
from discord.ext import commands

from bot.scheduler import JobContext, JobResult, SkipJob
from bot.services import retention

if TYPE_CHECKING:
    from bot.client import PMOBot

log = logging.getLogger(__name__)


class LifecycleCog(commands.Cog):
    """Listens for GUILD_CREATE / GUILD_DELETE and runs the purge job."""

    def __init__(self, bot: PMOBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        """Register the purge job; it runs however late (grace None): data must not outlive its retention."""
        self.bot.scheduler.register(
            retention.PURGE_KIND, self.run_purge, grace=None, describe="data purge after the bot was removed"
        )

    @commands.Cog.listener()
    async def on_guild_remove(self, guild: discord.Guild) -> None:
        """Kicked, banned or the server deleted (an outage is ``on_guild_unavailable``, not this)."""
        async with self._guard("a removal", guild.id):
            await self._removed(guild)

    async def _removed(self, guild: discord.Guild) -> None:
        purge_at = await retention.mark_guild_removed(self.bot.db, guild.id, self.bot.clock.now())
        self.bot.scheduler.wake()
        log.info("Removed from guild %s; its data is kept until %s", guild.id, purge_at.isoformat())

    @commands.Cog.listener()
    async def on_guild_join(self, guild: discord.Guild) -> None:
        """Invited (or re-invited) while running."""
        async with self._guard("a join", guild.id):
            await self._present(guild)

    @commands.Cog.listener()
    async def on_guild_available(self, guild: discord.Guild) -> None:
        """Seen at start-up or after an outage; a re-invite while the bot was down shows up here."""
        async with self._guard("a server becoming available", guild.id):
            await self._present(guild)

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        """Servers the bot was removed from while it was down are missing from READY: start their retention."""
        async with self._guard("start-up reconciliation", None):
            await self._reconcile()

    async def _reconcile(self) -> None:
        now = self.bot.clock.now()
        for guild_id in await retention.guilds_gone_missing(self.bot.db, (g.id for g in self.bot.guilds)):
            purge_at = await retention.mark_guild_removed(self.bot.db, guild_id, now)
            log.info("Guild %s is gone since the last run; its data is kept until %s", guild_id, purge_at.isoformat())
        self.bot.scheduler.wake()

    @contextlib.asynccontextmanager
    async def _guard(self, what: str, guild_id: int | None) -> AsyncIterator[None]:
        """Log a failure; a failure because the bot is shutting down (database closed) is not an error."""
        try:
            yield
        except Exception:
            if self.bot.is_closed():
                log.debug("Stopped handling %s for guild %s: the bot is shutting down", what, guild_id)
            else:
                log.exception("Handling %s for guild %s failed", what, guild_id)

    async def _present(self, guild: discord.Guild) -> None:
        restored = await retention.mark_guild_present(self.bot.db, guild.id, self.bot.clock.now())
        if not restored:
            return
        self.bot.scheduler.wake()
        log.info("Back in guild %s; its data was kept and the purge cancelled", guild.id)
        await self.bot.notify_moderators(
            guild.id,
            "Welcome back! Your settings, schedules and members' data were kept while I was away; paused "
            "schedules have resumed. Check /admin config show.",
        )

    async def run_purge(self, ctx: JobContext) -> JobResult:
        """Delete every row of a server whose retention period ended (skipped if the bot is back)."""
        guild_id = ctx.job.guild_id
        if not await retention.purge_due(self.bot.db, guild_id, ctx.now):
            raise SkipJob("the bot is back in the server, or its retention period has not ended")
        deleted = await retention.purge_guild(self.bot.db, guild_id)
        log.info(
            "Purged guild %s (purge due %s): %d rows from %d tables",
            guild_id,
            ctx.job.due_at.isoformat(),
            sum(deleted.values()),
            len(deleted),
        )
        return JobResult(status="sent", note=f"purged {sum(deleted.values())} rows")


async def setup(bot: PMOBot) -> None:
    """Load the lifecycle cog."""
    await bot.add_cog(LifecycleCog(bot))
