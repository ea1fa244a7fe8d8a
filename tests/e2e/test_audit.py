"""The audit log: every /admin change is recorded once with before and after, posted to the mod-log, and paged."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest

from bot.services import audit, guild_config
from tests.e2e.conftest import App


@dataclass(frozen=True)
class Change:
    """One admin change: how to make it, and the audit row it must leave."""

    name: str
    run: Callable[[App], Awaitable[Any]]
    action: str
    target: str | None
    before: Callable[[App], Any]
    after: Callable[[App], Any]


CHANGES = [
    Change(
        "set-channel",
        lambda app: app.invoke("admin config set-channel", user=app.admin, purpose="prompts",
                               options={"channel": app.channels["prompts"]}),
        "config.set-channel", "prompts",
        lambda app: {"channel_id": None}, lambda app: {"channel_id": app.channels["prompts"].id},
    ),
    Change(
        "set-timezone",
        lambda app: app.invoke("admin config set-timezone", user=app.admin, timezone="europe/paris"),
        "config.set-timezone", None,
        lambda app: {"timezone": "UTC"}, lambda app: {"timezone": "Europe/Paris"},
    ),
    Change(
        "set-mod-role",
        lambda app: app.invoke("admin config set-mod-role", user=app.admin, role=app.demo.moderators),
        "config.set-mod-role", None,
        lambda app: {"role_id": None}, lambda app: {"role_id": app.demo.moderators.id},
    ),
]  # fmt: skip


@pytest.mark.parametrize("change", CHANGES, ids=[c.name for c in CHANGES])
async def test_each_change_is_recorded_once_with_before_and_after(app: App, change: Change) -> None:
    await change.run(app)
    entries = await audit.recent_actions(app.bot.db, app.guild.id, limit=50)
    matching = [e for e in entries if e.action == change.action]
    assert len(matching) == 1, entries
    entry = matching[0]
    assert (entry.target, entry.before, entry.after) == (change.target, change.before(app), change.after(app))
    assert entry.actor_id == app.admin.id
    assert entry.created_at == app.clock.now()


@pytest.mark.parametrize("change", CHANGES, ids=[c.name for c in CHANGES])
async def test_repeating_a_change_records_nothing_new(app: App, change: Change) -> None:
    await change.run(app)
    reply = await change.run(app)
    assert "already" in reply.content
    entries = await audit.recent_actions(app.bot.db, app.guild.id, limit=50)
    assert len([e for e in entries if e.action == change.action]) == 1


async def test_refused_input_records_nothing(app: App) -> None:
    reply = await app.invoke("admin config set-timezone", user=app.admin, timezone="Mars/Olympus_Mons")
    assert "not a timezone" in reply.content and reply.ephemeral
    reply = await app.invoke(
        "admin config set-channel", user=app.admin, purpose="prompts", options={"channel": app.demo.category}
    )
    assert "is a category" in reply.content
    reply = await app.invoke("admin config set-mod-role", user=app.admin, role=app.guild.roles[app.guild.id])
    assert "@everyone can't be the moderator role" in reply.content
    assert await audit.recent_actions(app.bot.db, app.guild.id) == []


async def test_changes_are_posted_to_the_mod_log_without_pings(app: App) -> None:
    await app.invoke("admin config set-channel", user=app.admin, purpose="mod-log", options={"channel": "mod-log"})
    await app.invoke("admin config set-timezone", user=app.admin, timezone="Asia/Kolkata")
    posts = app.messages_in("mod-log")
    assert [p.content.splitlines()[0] for p in posts] == ["**config.set-channel** · mod-log", "**config.set-timezone**"]
    assert f"<#{app.channels['mod-log'].id}>" in posts[0].content  # after: the channel, shown as a mention
    assert "UTC → Asia/Kolkata" in posts[1].content
    assert f"<@{app.admin.id}>" in posts[1].content
    for post in posts:
        assert post.allowed_mentions is not None and not post.allowed_mentions.get("parse")
        assert not post.pings.users and not post.pings.roles and not post.pings.everyone


async def test_audit_pages_newest_first_with_buttons(app: App) -> None:
    zones = ["Europe/Paris", "Europe/Berlin", "Asia/Tokyo", "Asia/Kolkata", "Europe/Rome", "Europe/Madrid",
             "America/Chicago", "America/Denver", "Australia/Sydney", "Pacific/Auckland"]  # fmt: skip
    for zone in zones:
        await app.invoke("admin config set-timezone", user=app.admin, timezone=zone)
        await app.clock.advance(timedelta(minutes=1))
    first = await app.invoke("admin audit", user=app.admin)
    assert first.ephemeral
    fields = first.embeds[0]["fields"]
    assert len(fields) == 8
    assert "Australia/Sydney → Pacific/Auckland" in fields[0]["value"]  # newest first
    newer = next(b for b in first.buttons() if b["custom_id"] == "admin:audit:newer")
    assert newer.get("disabled")
    page2 = await app.click(first, "admin:audit:older", user=app.admin)
    assert page2.message is not None
    fields2 = page2.message.embeds[0]["fields"]
    assert [f["value"].splitlines()[1] for f in fields2] == ["Europe/Paris → Europe/Berlin", "UTC → Europe/Paris"]
    buttons = {b["custom_id"]: b for b in page2.message.buttons()}
    assert buttons["admin:audit:older"].get("disabled")
    assert not buttons["admin:audit:newer"].get("disabled")
    back = await app.click(page2.message, "admin:audit:newer", user=app.admin)
    assert back.message is not None and back.message.embeds[0]["fields"][0] == fields[0]


async def test_audit_of_another_server_is_not_shown(app: App) -> None:
    await guild_config.set_timezone(app.bot.db, guild_id=123, timezone="Asia/Tokyo", actor_id=1, now=app.clock.now())
    reply = await app.invoke("admin audit", user=app.admin)
    assert "No moderator changes" in reply.embeds[0]["description"]
