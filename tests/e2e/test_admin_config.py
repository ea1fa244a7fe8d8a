"""/admin config through the stand-in: show, set-channel checks, set-timezone with autocomplete, set-mod-role."""

from __future__ import annotations

import re
from datetime import time, timedelta

from bot.recurrence import ALL_DAYS, Rule
from bot.services import guild_config, schedules
from bot.standin import permissions as p
from tests.e2e.conftest import App

TIMESTAMP = re.compile(r"<t:\d+:[FR]>")


async def test_show_lists_every_setting_and_next_runs_as_timestamps(app: App) -> None:
    await app.invoke("admin config set-channel", user=app.admin, purpose="prompts", options={"channel": "prompts"})
    await schedules.upsert_schedule(
        app.bot.db, guild_id=app.guild.id, kind="prompt", channel_id=app.channels["prompts"].id,
        rule=Rule(time(9), ALL_DAYS, "Europe/London"), now=app.clock.now(),
    )  # fmt: skip
    reply = await app.invoke("admin config show", user=app.admin)
    assert reply.ephemeral
    embed = reply.embeds[0]
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert fields["Timezone"] == "UTC"
    assert "none" in fields["Moderator role"]
    channels = fields["Channels"]
    for label in ("Daily prompts", "Mentoring", "Check-ins", "Mod-log"):
        assert label in channels
    assert f"<#{app.channels['prompts'].id}>" in channels
    assert channels.count("not set") == 3
    runs = fields["Next scheduled runs"]
    assert f"in <#{app.channels['prompts'].id}>" in runs
    assert len(TIMESTAMP.findall(runs)) == 2


async def test_show_warns_when_the_bot_lost_access_to_a_channel(app: App) -> None:
    await app.invoke("admin config set-channel", user=app.admin, purpose="checkins", options={"channel": "check-ins"})
    bot_role = app.guild.roles[app.standin.world.bot_role_ids[app.guild.id]]
    app.standin.set_overwrite(app.channels["check-ins"], bot_role, deny=p.EMBED_LINKS)
    await app.standin.send_event("CHANNEL_UPDATE", app.standin.world.channel_payload(app.channels["check-ins"]))
    await app.standin.settle()
    reply = await app.invoke("admin config show", user=app.admin)
    channels = next(f["value"] for f in reply.embeds[0]["fields"] if f["name"] == "Channels")
    assert "missing Embed Links" in channels


async def test_set_channel_refuses_voice_channels_and_categories(app: App) -> None:
    voice = app.standin.add_channel(app.guild, "Coffee chat", type=2)
    await app.standin.send_event("CHANNEL_CREATE", app.standin.world.channel_payload(voice))
    await app.standin.settle()
    reply = await app.invoke("admin config set-channel", user=app.admin, purpose="prompts", options={"channel": voice})
    assert "is a voice channel. Choose a text channel" in reply.content and reply.ephemeral
    reply = await app.invoke(
        "admin config set-channel", user=app.admin, purpose="prompts", options={"channel": app.demo.category}
    )
    assert "is a category" in reply.content
    assert (await guild_config.get_settings(app.bot.db, app.guild.id)).prompts_channel_id is None


async def test_set_channel_refuses_a_channel_the_bot_cannot_post_in(app: App) -> None:
    bot_role = app.guild.roles[app.standin.world.bot_role_ids[app.guild.id]]
    app.standin.set_overwrite(app.channels["general"], bot_role, deny=p.SEND_MESSAGES)
    await app.standin.send_event("CHANNEL_UPDATE", app.standin.world.channel_payload(app.channels["general"]))
    await app.standin.settle()
    reply = await app.invoke(
        "admin config set-channel", user=app.admin, purpose="mod-log", options={"channel": "general"}
    )
    assert "I can't post in #general" in reply.content and "Send Messages" in reply.content
    assert (await guild_config.get_settings(app.bot.db, app.guild.id)).modlog_channel_id is None


async def test_set_channel_reports_missing_thread_permissions_but_saves(app: App) -> None:
    bot_role = app.guild.roles[app.standin.world.bot_role_ids[app.guild.id]]
    app.standin.set_overwrite(app.channels["mentoring"], bot_role, deny=p.CREATE_PRIVATE_THREADS)
    await app.standin.send_event("CHANNEL_UPDATE", app.standin.world.channel_payload(app.channels["mentoring"]))
    await app.standin.settle()
    reply = await app.invoke(
        "admin config set-channel", user=app.admin, purpose="mentoring", options={"channel": "mentoring"}
    )
    assert "now uses" in reply.content
    assert "missing Create Private Threads" in reply.content
    settings = await guild_config.get_settings(app.bot.db, app.guild.id)
    assert settings.mentoring_channel_id == app.channels["mentoring"].id


async def test_timezone_autocomplete_and_validation(app: App) -> None:
    choices = await app.autocomplete("admin config set-timezone", "timezone", "kolk", user=app.admin)
    assert choices[0]["value"] == "Asia/Kolkata"
    assert len(choices) <= 25 and all(len(c["name"]) <= 100 for c in choices)
    reply = await app.invoke("admin config set-timezone", user=app.admin, timezone="Kolkata")
    assert "not a timezone" in reply.content
    reply = await app.invoke("admin config set-timezone", user=app.admin, timezone="asia/kolkata")
    assert "**Asia/Kolkata**" in reply.content
    assert (await guild_config.get_settings(app.bot.db, app.guild.id)).timezone == "Asia/Kolkata"


async def test_set_mod_role_refuses_bot_roles(app: App) -> None:
    bot_role = app.guild.roles[app.standin.world.bot_role_ids[app.guild.id]]
    reply = await app.invoke("admin config set-mod-role", user=app.admin, role=bot_role)
    assert "managed by a bot" in reply.content
    assert (await guild_config.get_settings(app.bot.db, app.guild.id)).mod_role_id is None


async def test_pending_notices_are_shown_at_the_next_admin_use(app: App) -> None:
    await app.bot.notify_moderators(app.guild.id, "The daily prompt schedule is paused: Discord refused the post.")
    reply = await app.invoke("admin config show", user=app.admin)
    assert len(reply.messages) == 2
    notice = reply.messages[1]
    assert notice.ephemeral and "schedule is paused" in notice.content
    again = await app.invoke("admin config show", user=app.admin)
    assert len(again.messages) == 1
    await app.clock.advance(timedelta(minutes=1))


async def test_set_grace_changes_the_catch_up_window_and_is_audited(app: App) -> None:
    reply = await app.invoke("admin config set-grace", user=app.admin, hours=2)
    assert reply.ephemeral and "2 h" in reply.content
    assert await schedules.guild_grace_seconds(app.bot.db, app.guild.id) == 2 * 3600
    show = await app.invoke("admin config show", user=app.admin)
    assert "2 h 00 min late" in str(show.embeds[0])
    rows = await app.bot.db.fetch_all(
        "SELECT before_json, after_json FROM audit_log WHERE guild_id = ? AND action = 'config.set-grace'",
        (app.guild.id,),
    )
    assert len(rows) == 1 and "360" in rows[0]["before_json"] and "120" in rows[0]["after_json"]


async def test_set_proposal_expiry_applies_and_out_of_range_never_reaches_the_bot(app: App) -> None:
    reply = await app.invoke("admin config set-proposal-expiry", user=app.admin, days=7)
    assert "7 days" in reply.content
    assert (await guild_config.get_settings(app.bot.db, app.guild.id)).proposal_expiry_days == 7
    for bad in (0, 31):
        try:
            await app.invoke("admin config set-proposal-expiry", user=app.admin, days=bad)
        except Exception as exc:  # the stand-in refuses it as Discord's client would
            assert "days" in str(exc)
        else:
            raise AssertionError(f"days={bad} was accepted")
    assert (await guild_config.get_settings(app.bot.db, app.guild.id)).proposal_expiry_days == 7


async def test_set_grace_service_refuses_out_of_range_and_stores_nothing(app: App) -> None:
    import pytest

    from bot.errors import ValidationError

    with pytest.raises(ValidationError, match="between 0 and 168"):
        await guild_config.set_grace(app.bot.db, guild_id=app.guild.id, hours=200, actor_id=1, now=app.clock.now())
    assert await schedules.guild_grace_seconds(app.bot.db, app.guild.id) == 6 * 3600
