"""Server settings changed by moderators: validation, audit rows, and what runs next."""

from __future__ import annotations

from datetime import time, timedelta

import pytest

from bot.clock import ManualClock
from bot.db import Database
from bot.errors import ValidationError
from bot.recurrence import ALL_DAYS, Rule
from bot.services import guild_config, schedules
from bot.services.audit import recent_actions

GUILD = 111_111_111_111_111_111
MOD = 222_222_222_222_222_222


@pytest.mark.parametrize(
    ("purpose", "granted", "missing"),
    [
        ("prompts", {"view_channel", "send_messages", "embed_links", "create_public_threads",
                     "send_messages_in_threads"}, []),
        ("prompts", {"view_channel", "send_messages"},
         ["Embed Links", "Create Public Threads", "Send Messages in Threads"]),
        ("mentoring", {"view_channel", "send_messages", "embed_links", "create_public_threads"},
         ["Create Private Threads", "Send Messages in Threads"]),
        ("mod-log", {"view_channel", "send_messages", "embed_links"}, []),
        ("checkins", None, []),
    ],
)  # fmt: skip
def test_check_channel_reports_missing_permissions(purpose: str, granted: set[str] | None, missing: list[str]) -> None:
    assert guild_config.check_channel(purpose, name="x", channel_type=0, type_name="text", granted=granted) == missing


@pytest.mark.parametrize(
    ("channel_type", "type_name", "granted", "fragment"),
    [
        (2, "voice", None, "is a voice channel"),
        (4, "category", None, "is a category. Choose a text channel"),
        (15, "forum", None, "is a forum channel"),
        (5, "news", None, "is an announcement channel"),
        (11, "public_thread", None, "is a thread"),
        (99, "future_kind", None, r"is not a text channel \(future kind\)"),
        (0, "text", {"view_channel"}, "missing Send Messages"),
        (0, "text", set(), "missing View Channel, Send Messages"),
    ],
)
def test_check_channel_refuses(channel_type: int, type_name: str, granted: set[str] | None, fragment: str) -> None:
    with pytest.raises(ValidationError, match=fragment):
        guild_config.check_channel("prompts", name="x", channel_type=channel_type, type_name=type_name, granted=granted)


def test_unknown_purpose_is_refused() -> None:
    with pytest.raises(ValidationError, match="prompts, mentoring, checkins, mod-log"):
        guild_config.check_purpose("announcements")


@pytest.mark.parametrize(("is_default", "is_managed"), [(True, False), (False, True)])
def test_mod_role_must_be_a_role_people_hold(is_default: bool, is_managed: bool) -> None:
    with pytest.raises(ValidationError):
        guild_config.check_mod_role(name="r", is_default=is_default, is_managed=is_managed)


async def test_set_channel_records_before_and_after(db: Database, clock: ManualClock) -> None:
    change = await guild_config.set_channel(
        db, guild_id=GUILD, purpose="prompts", channel_id=5, actor_id=MOD, now=clock.now()
    )
    assert change.changed and change.settings.prompts_channel_id == 5
    again = await guild_config.set_channel(
        db, guild_id=GUILD, purpose="Prompts", channel_id=6, actor_id=MOD, now=clock.now()
    )
    entries = await recent_actions(db, GUILD)
    assert [(e.action, e.target, e.before, e.after) for e in entries] == [
        ("config.set-channel", "prompts", {"channel_id": 5}, {"channel_id": 6}),
        ("config.set-channel", "prompts", {"channel_id": None}, {"channel_id": 5}),
    ]
    assert again.entry == entries[0]
    assert (await guild_config.get_settings(db, GUILD)).prompts_channel_id == 6


async def test_unchanged_setting_is_not_audited(db: Database, clock: ManualClock) -> None:
    await guild_config.set_timezone(db, guild_id=GUILD, timezone="europe/london", actor_id=MOD, now=clock.now())
    same = await guild_config.set_timezone(db, guild_id=GUILD, timezone="Europe/London", actor_id=MOD, now=clock.now())
    assert not same.changed
    assert len(await recent_actions(db, GUILD)) == 1


async def test_bad_timezone_stores_nothing(db: Database, clock: ManualClock) -> None:
    with pytest.raises(ValidationError, match="not a timezone"):
        await guild_config.set_timezone(db, guild_id=GUILD, timezone="Mars/Olympus", actor_id=MOD, now=clock.now())
    assert await recent_actions(db, GUILD) == []
    assert await db.fetch_value("SELECT COUNT(*) FROM guild_settings") == 0


async def test_mod_role_can_be_cleared(db: Database, clock: ManualClock) -> None:
    await guild_config.set_mod_role(db, guild_id=GUILD, role_id=9, actor_id=MOD, now=clock.now())
    change = await guild_config.set_mod_role(db, guild_id=GUILD, role_id=None, actor_id=MOD, now=clock.now())
    assert change.settings.mod_role_id is None
    assert change.entry is not None and change.entry.before == {"role_id": 9}


async def test_upcoming_runs_lists_server_schedules_member_reminders_and_jobs(db: Database, clock: ManualClock) -> None:
    now = clock.now()
    rule = Rule(time(9, 0), ALL_DAYS, "UTC")
    await schedules.upsert_schedule(db, guild_id=GUILD, kind="prompt", channel_id=5, rule=rule, now=now)
    await schedules.upsert_schedule(db, guild_id=GUILD, kind="checkin", owner_id=7, channel_id=None, rule=rule, now=now)
    await schedules.upsert_schedule(db, guild_id=GUILD + 1, kind="prompt", channel_id=5, rule=rule, now=now)
    await schedules.add_job(db, guild_id=GUILD, kind="expiry", key="e1", due=now + timedelta(days=2), now=now)
    runs = await guild_config.upcoming_runs(db, GUILD, now)
    assert [(r.kind, r.scope, r.count) for r in runs] == [("prompt", "server", 1), ("expiry", "one-off", 1),
                                                         ("checkin", "member", 1)]  # fmt: skip
    assert runs[0].next_at == now.replace(hour=9)
