"""Per-server settings, the moderators' changes to them (audited), and the notices the bot keeps for moderators."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, time
from typing import Any

from bot.db import Database, Row, Transaction
from bot.errors import ValidationError
from bot.recurrence import Rule, next_occurrence
from bot.services.audit import AuditEntry, record_action
from bot.timeutil import from_unix, iso, parse_iso, resolve_timezone

__all__ = [
    "CHANNEL_PURPOSES",
    "ESSENTIAL_PERMISSIONS",
    "PERMISSION_NAMES",
    "GuildSettings",
    "SettingChange",
    "UpcomingRun",
    "add_notice",
    "check_channel",
    "check_mod_role",
    "check_purpose",
    "ensure_guild",
    "get_settings",
    "pending_notice_count",
    "set_channel",
    "set_mod_role",
    "set_timezone",
    "take_notices",
    "upcoming_runs",
]

# purpose name (as moderators type it) → column
CHANNEL_PURPOSES = {
    "prompts": "prompts_channel_id",
    "mentoring": "mentoring_channel_id",
    "checkins": "checkins_channel_id",
    "mod-log": "modlog_channel_id",
}

# Discord permission attribute → the name moderators see in the channel's settings.
PERMISSION_NAMES = {
    "view_channel": "View Channel",
    "send_messages": "Send Messages",
    "embed_links": "Embed Links",
    "attach_files": "Attach Files",
    "create_public_threads": "Create Public Threads",
    "create_private_threads": "Create Private Threads",
    "send_messages_in_threads": "Send Messages in Threads",
}
# Without these the channel is useless for every purpose, so the setting is refused.
ESSENTIAL_PERMISSIONS = ("view_channel", "send_messages")
# What each purpose also uses: prompts get a public discussion thread per post, a mentoring pair gets a private
# thread, and everything is sent as embeds. Missing ones are reported but the channel is still set.
PURPOSE_PERMISSIONS = {
    "prompts": ("embed_links", "create_public_threads", "send_messages_in_threads"),
    "mentoring": ("embed_links", "create_private_threads", "send_messages_in_threads"),
    "checkins": ("embed_links",),
    "mod-log": ("embed_links",),
}
TEXT_CHANNEL_TYPE = 0  # Discord's GUILD_TEXT
# discord.py's ChannelType names → what moderators call them.
_KIND_NAMES = {
    "voice": "a voice channel",
    "stage_voice": "a stage channel",
    "category": "a category",
    "news": "an announcement channel",
    "forum": "a forum channel",
    "media": "a media channel",
    "public_thread": "a thread",
    "private_thread": "a thread",
    "news_thread": "a thread",
    "directory": "a directory",
}
MAX_UPCOMING = 15


MAX_GRACE_HOURS = 168  # the column allows a week (10080 minutes)
MAX_PROPOSAL_DAYS = 30


@dataclass(frozen=True, slots=True)
class GuildSettings:
    """One server's settings, with defaults for a server the bot has not stored yet."""

    guild_id: int
    timezone: str = "UTC"
    prompts_channel_id: int | None = None
    mentoring_channel_id: int | None = None
    checkins_channel_id: int | None = None
    modlog_channel_id: int | None = None
    mod_role_id: int | None = None
    grace_minutes: int = 360
    proposal_expiry_days: int = 3
    removed_at: datetime | None = None

    @classmethod
    def from_row(cls, row: Row) -> GuildSettings:
        """Build from a ``guild_settings`` row."""
        return cls(
            guild_id=row["guild_id"],
            timezone=row["timezone"],
            prompts_channel_id=row["prompts_channel_id"],
            mentoring_channel_id=row["mentoring_channel_id"],
            checkins_channel_id=row["checkins_channel_id"],
            modlog_channel_id=row["modlog_channel_id"],
            mod_role_id=row["mod_role_id"],
            grace_minutes=row["grace_minutes"],
            proposal_expiry_days=row["proposal_expiry_days"],
            removed_at=None if row["removed_at"] is None else parse_iso(row["removed_at"]),
        )

    def channel_for(self, purpose: str) -> int | None:
        """The channel id configured for a purpose (prompts, mentoring, checkins, mod-log)."""
        return getattr(self, CHANNEL_PURPOSES[purpose])  # type: ignore[no-any-return]


async def get_settings(db: Database | Transaction, guild_id: int) -> GuildSettings:
    """The server's settings (defaults when none are stored)."""
    row = await db.fetch_one("SELECT * FROM guild_settings WHERE guild_id = ?", (guild_id,))
    return GuildSettings(guild_id) if row is None else GuildSettings.from_row(row)


async def ensure_guild(tx: Transaction, guild_id: int, now: datetime) -> None:
    """Create the server's settings row if it is missing (inside the caller's transaction)."""
    await tx.execute(
        "INSERT INTO guild_settings (guild_id, created_at, updated_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
        (guild_id, iso(now), iso(now)),
    )


async def add_notice(db: Database, guild_id: int, text: str, now: datetime) -> None:
    """Keep a notice for moderators, shown at their next /admin use when no mod-log channel is set."""
    await db.execute(
        "INSERT INTO moderator_notices (guild_id, text, created_at) VALUES (?, ?, ?)",
        (guild_id, text[:1000], iso(now)),
    )


async def take_notices(db: Database, guild_id: int, now: datetime) -> list[str]:
    """Undelivered notices for a server, oldest first, marked delivered."""
    async with db.transaction() as tx:
        rows = await tx.fetch_all(
            "SELECT id, text FROM moderator_notices WHERE guild_id = ? AND delivered_at IS NULL ORDER BY id",
            (guild_id,),
        )
        if rows:
            await tx.execute(
                "UPDATE moderator_notices SET delivered_at = ? WHERE guild_id = ? AND delivered_at IS NULL",
                (iso(now), guild_id),
            )
        return [r["text"] for r in rows]


# -- moderators' changes -----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SettingChange:
    """The outcome of one settings command: the settings after it, and its audit entry (None if nothing changed)."""

    settings: GuildSettings
    entry: AuditEntry | None

    @property
    def changed(self) -> bool:
        """Whether anything was stored."""
        return self.entry is not None


def check_purpose(purpose: str) -> str:
    """The purpose name as stored, or ValidationError listing the valid ones."""
    cleaned = purpose.strip().lower()
    if cleaned not in CHANNEL_PURPOSES:
        raise ValidationError(
            f"“{purpose[:30]}” is not a channel purpose. Choose one of: {', '.join(CHANNEL_PURPOSES)}."
        )
    return cleaned


def check_channel(
    purpose: str, *, name: str, channel_type: int, type_name: str, granted: Iterable[str] | None
) -> list[str]:
    """Whether the bot can use a channel for ``purpose``.

    Raises ValidationError when the channel is not a text channel or the bot cannot even see it and send there;
    returns the names of missing permissions the purpose also needs (the channel may still be set). ``granted``
    is the set of permission attributes the bot has there, or None when they could not be read.
    """
    purpose = check_purpose(purpose)
    if channel_type != TEXT_CHANNEL_TYPE:
        kind = _KIND_NAMES.get(type_name, f"not a text channel ({type_name.replace('_', ' ')})")
        raise ValidationError(
            f"#{name[:100]} is {kind}. Choose a text channel: I post messages there and open threads under them."
        )
    if granted is None:
        return []
    have = set(granted)
    essential = [PERMISSION_NAMES[p] for p in ESSENTIAL_PERMISSIONS if p not in have]
    if essential:
        raise ValidationError(
            f"I can't post in #{name[:100]}: I'm missing {', '.join(essential)} there. Give my role those "
            "permissions in the channel's settings (Edit Channel → Permissions), then run this again."
        )
    return [PERMISSION_NAMES[p] for p in PURPOSE_PERMISSIONS[purpose] if p not in have]


def check_mod_role(*, name: str, is_default: bool, is_managed: bool) -> None:
    """A moderator role must be one that people are given: not @everyone, not a bot's or integration's role."""
    if is_default:
        raise ValidationError(
            "@everyone can't be the moderator role: that would let every member change the bot's settings."
        )
    if is_managed:
        raise ValidationError(
            f"“{name[:100]}” is managed by a bot or an integration, so no person can hold it. Choose a role you "
            "give to your moderators."
        )


async def _apply_change(
    db: Database,
    *,
    guild_id: int,
    column: str,
    value: Any,
    action: str,
    target: str | None,
    audit_key: str,
    actor_id: int,
    now: datetime,
) -> SettingChange:
    """Store one setting and its audit row in one transaction; nothing is recorded when the value is unchanged."""
    if column not in _SETTABLE:
        raise ValueError(f"not a settable column: {column}")
    async with db.transaction() as tx:
        await ensure_guild(tx, guild_id, now)
        before = await get_settings(tx, guild_id)
        old = getattr(before, column)
        if old == value:
            return SettingChange(before, None)
        await tx.execute(
            f"UPDATE guild_settings SET {column} = ?, updated_at = ? WHERE guild_id = ?",  # noqa: S608 - column from _SETTABLE
            (value, iso(now), guild_id),
        )
        entry = await record_action(
            tx,
            guild_id=guild_id,
            actor_id=actor_id,
            action=action,
            target=target,
            before={audit_key: old},
            after={audit_key: value},
            now=now,
        )
        return SettingChange(replace(before, **{column: value}), entry)


_SETTABLE = frozenset({*CHANNEL_PURPOSES.values(), "timezone", "mod_role_id", "grace_minutes", "proposal_expiry_days"})


async def set_channel(
    db: Database, *, guild_id: int, purpose: str, channel_id: int, actor_id: int, now: datetime
) -> SettingChange:
    """Use ``channel_id`` for a purpose (channel checks are :func:`check_channel`'s, done before this)."""
    purpose = check_purpose(purpose)
    return await _apply_change(
        db,
        guild_id=guild_id,
        column=CHANNEL_PURPOSES[purpose],
        value=channel_id,
        action="config.set-channel",
        target=purpose,
        audit_key="channel_id",
        actor_id=actor_id,
        now=now,
    )


async def set_timezone(db: Database, *, guild_id: int, timezone: str, actor_id: int, now: datetime) -> SettingChange:
    """Set the server's IANA timezone (validated; the canonical name is stored)."""
    zone = resolve_timezone(timezone)
    return await _apply_change(
        db,
        guild_id=guild_id,
        column="timezone",
        value=zone.key,
        action="config.set-timezone",
        target=None,
        audit_key="timezone",
        actor_id=actor_id,
        now=now,
    )


async def set_mod_role(
    db: Database, *, guild_id: int, role_id: int | None, actor_id: int, now: datetime
) -> SettingChange:
    """Set (or with None, clear) the extra role allowed to use /admin."""
    return await _apply_change(
        db,
        guild_id=guild_id,
        column="mod_role_id",
        value=role_id,
        action="config.set-mod-role",
        target=None,
        audit_key="role_id",
        actor_id=actor_id,
        now=now,
    )


async def set_grace(db: Database, *, guild_id: int, hours: int, actor_id: int, now: datetime) -> SettingChange:
    """Set how late a post missed while the bot was down may still be sent (0–168 hours)."""
    if not 0 <= hours <= MAX_GRACE_HOURS:
        raise ValidationError(f"The grace window must be between 0 and {MAX_GRACE_HOURS} hours; you gave {hours}.")
    return await _apply_change(
        db,
        guild_id=guild_id,
        column="grace_minutes",
        value=hours * 60,
        action="config.set-grace",
        target=None,
        audit_key="grace_minutes",
        actor_id=actor_id,
        now=now,
    )


async def set_proposal_expiry(db: Database, *, guild_id: int, days: int, actor_id: int, now: datetime) -> SettingChange:
    """Set after how many days an unanswered mentoring proposal expires (1–30); applies to new proposals."""
    if not 1 <= days <= MAX_PROPOSAL_DAYS:
        raise ValidationError(f"Proposals must expire after 1 to {MAX_PROPOSAL_DAYS} days; you gave {days}.")
    return await _apply_change(
        db,
        guild_id=guild_id,
        column="proposal_expiry_days",
        value=days,
        action="config.set-proposal-expiry",
        target=None,
        audit_key="proposal_expiry_days",
        actor_id=actor_id,
        now=now,
    )


# -- what runs next ------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class UpcomingRun:
    """Scheduled work of one kind for a server: its next run (None while paused) and how many are waiting.

    ``scope`` is ``server`` (a server schedule such as the daily prompt), ``member`` (members' personal
    reminders, counted, never listed one by one) or ``one-off`` (timed jobs such as proposal expiries).
    """

    kind: str
    scope: str
    next_at: datetime | None
    count: int
    channel_id: int | None = None
    paused_reason: str | None = None


async def upcoming_runs(db: Database, guild_id: int, now: datetime) -> list[UpcomingRun]:
    """The server's schedules and pending jobs, soonest first (paused schedules last)."""
    runs: list[UpcomingRun] = []
    rows = await db.fetch_all(
        """
        SELECT s.kind, s.channel_id, s.paused, s.paused_reason, s.local_time, s.days, s.timezone, s.anchor_at,
               (SELECT MIN(j.run_at) FROM jobs j
                 WHERE j.schedule_id = s.id AND j.status IN ('pending', 'claimed')) AS next_at
        FROM schedules s
        WHERE s.guild_id = ? AND s.owner_id = 0
        """,
        (guild_id,),
    )
    for row in rows:
        runs.append(
            UpcomingRun(
                kind=row["kind"],
                scope="server",
                next_at=None if row["paused"] else _next_at(row, now),
                count=1,
                channel_id=row["channel_id"],
                paused_reason=row["paused_reason"] if row["paused"] else None,
            )
        )
    rows = await db.fetch_all(
        """
        SELECT s.kind, COUNT(*) AS n,
               MIN((SELECT MIN(j.run_at) FROM jobs j
                     WHERE j.schedule_id = s.id AND j.status IN ('pending', 'claimed'))) AS next_at
        FROM schedules s
        WHERE s.guild_id = ? AND s.owner_id != 0 AND s.paused = 0
        GROUP BY s.kind
        """,
        (guild_id,),
    )
    runs += [
        UpcomingRun(row["kind"], "member", None if row["next_at"] is None else from_unix(row["next_at"]), row["n"])
        for row in rows
    ]
    rows = await db.fetch_all(
        """
        SELECT kind, COUNT(*) AS n, MIN(run_at) AS next_at FROM jobs
        WHERE guild_id = ? AND schedule_id IS NULL AND status IN ('pending', 'claimed')
        GROUP BY kind
        """,
        (guild_id,),
    )
    runs += [UpcomingRun(row["kind"], "one-off", from_unix(row["next_at"]), row["n"]) for row in rows]
    far = datetime.max.replace(tzinfo=now.tzinfo)
    runs.sort(key=lambda run: (run.next_at is None, run.next_at or far, run.kind))
    return runs[:MAX_UPCOMING]


def _next_at(row: Row, now: datetime) -> datetime | None:
    """The schedule's materialised next run, or (before the scheduler has materialised it) the rule's next one."""
    if row["next_at"] is not None:
        return from_unix(row["next_at"])
    hh, mm = row["local_time"].split(":")
    rule = Rule(time(int(hh), int(mm)), row["days"], row["timezone"])
    return next_occurrence(rule, max(now, from_unix(row["anchor_at"])))


async def pending_notice_count(db: Database, guild_id: int) -> int:
    """How many moderator notices are waiting to be shown."""
    value = await db.fetch_value(
        "SELECT COUNT(*) FROM moderator_notices WHERE guild_id = ? AND delivered_at IS NULL", (guild_id,)
    )
    return int(value or 0)
