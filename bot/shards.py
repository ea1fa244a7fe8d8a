"""Which servers a process answers for: Discord's shard rule, and the scheduler's share of the work.

Discord sends a server's events to shard ``(guild_id >> 22) % shard_count``. A process started with
``SHARD_COUNT`` and ``SHARD_IDS`` owns those shards, and its scheduler runs only the jobs of the servers on them
(jobs with no server, guild id 0, belong to shard 0, where Discord sends DMs). So that two processes never run
the same shard's jobs, even when an operator starts two with the same ids, a scheduler first *holds* each of
its shards through the database (:meth:`bot.db.Database.hold_shards`: an advisory lock per shard on
PostgreSQL, a lock file beside the SQLite database); a process that dies releases them with its connection,
and the next holder recovers its claims.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ShardSet", "shard_of"]


def shard_of(guild_id: int, shard_count: int) -> int:
    """The shard Discord delivers this server's events on."""
    return (guild_id >> 22) % shard_count


@dataclass(frozen=True, slots=True)
class ShardSet:
    """Some of a bot's ``count`` shards."""

    count: int
    ids: frozenset[int]

    @classmethod
    def everything(cls) -> ShardSet:
        """An unsharded bot: one shard that owns every server."""
        return cls(1, frozenset({0}))

    @classmethod
    def of(cls, count: int | None, ids: tuple[int, ...] | None) -> ShardSet:
        """From the settings: no count is unsharded; a count without ids is every shard of it."""
        if count is None:
            return cls.everything()
        return cls(count, frozenset(ids if ids is not None else range(count)))

    def owns(self, guild_id: int) -> bool:
        """Whether this set includes the server's shard."""
        return shard_of(guild_id, self.count) in self.ids

    def only(self, ids: frozenset[int] | set[int]) -> ShardSet:
        """The same count, fewer shards."""
        return ShardSet(self.count, frozenset(self.ids & set(ids)))

    @property
    def complete(self) -> bool:
        """Whether this set is every shard (no filter needed)."""
        return len(self.ids) == self.count

    def sql(self, column: str = "guild_id") -> str:
        """A condition selecting the rows of this set's servers (the numbers are this set's own integers)."""
        if self.complete:
            return "1 = 1"
        if not self.ids:
            return "1 = 0"
        listed = ", ".join(str(int(i)) for i in sorted(self.ids))
        return f"(({column} >> 22) % {int(self.count)}) IN ({listed})"

    def __str__(self) -> str:
        if self.count == 1:
            return "unsharded"
        return f"shards {','.join(map(str, sorted(self.ids))) or 'none'} of {self.count}"
