"""/privacy export and /privacy delete through the stand-in."""

from __future__ import annotations

import json
from datetime import date, timedelta

from bot.services import members, privacy, progress
from bot.standin import DemoGuild
from tests.e2e.admin_harness import server_b_fixture, two_server_standin  # noqa: F401 - fixtures
from tests.e2e.conftest import App


async def _log(app: App, guild_id: int, user_id: int, activity: str) -> None:
    await progress.log_activity(
        app.bot.db, guild_id=guild_id, user_id=user_id, kind="exposure", minutes=45, activity=activity,
        local_date=date(2026, 3, 1), now=app.clock.now(),
    )  # fmt: skip


async def test_export_is_a_private_json_file_of_my_rows_in_this_server(app: App, server_b: DemoGuild) -> None:
    await members.set_member_timezone(app.bot.db, app.guild.id, app.alice.id, "Europe/Paris", app.clock.now())
    await _log(app, app.guild.id, app.alice.id, "shadowed a portfolio review")
    await _log(app, app.guild.id, app.bob.id, "bob's activity")
    await _log(app, server_b.guild.id, app.alice.id, "activity in server B")
    reply = await app.invoke("privacy export", user=app.alice)
    assert reply.ephemeral
    assert "1 × logged learning activity" in reply.content
    (file,) = reply.files
    assert file.filename.endswith(".json")
    data = json.loads(file.data)
    assert data["user_id"] == str(app.alice.id) and data["guild_id"] == str(app.guild.id)
    activities = [row["activity"] for row in data["tables"]["progress_entries"]]
    assert activities == ["shadowed a portfolio review"]
    assert [row["timezone"] for row in data["tables"]["member_settings"]] == ["Europe/Paris"]
    assert set(data["tables"]) == {entry.table for entry in privacy.REGISTRY}
    assert "bob's activity" not in file.data.decode() and "server B" not in file.data.decode()


async def test_export_with_nothing_stored_says_so(app: App) -> None:
    reply = await app.invoke("privacy export", user=app.carol)
    assert "I store nothing about you" in reply.content
    assert all(rows == [] for rows in json.loads(reply.files[0].data)["tables"].values())


async def test_delete_asks_first_and_cancel_keeps_everything(app: App) -> None:
    await _log(app, app.guild.id, app.alice.id, "ran a lessons-learned session")
    reply = await app.invoke("privacy delete", user=app.alice)
    assert reply.ephemeral and "cannot be undone" in reply.content
    assert {b["label"] for b in reply.buttons()} == {"Delete everything", "Cancel"}
    cancelled = await app.click(reply, "privacy:delete:cancel", user=app.alice)
    assert cancelled.message is not None and "nothing was deleted" in cancelled.message.content
    export = await privacy.export_member_data(app.bot.db, app.guild.id, app.alice.id, app.clock.now())
    assert len(export["tables"]["progress_entries"]) == 1


async def test_delete_removes_everything_about_me_here_and_tells_me(app: App, server_b: DemoGuild) -> None:
    await members.set_member_timezone(app.bot.db, app.guild.id, app.alice.id, "Europe/Paris", app.clock.now())
    await _log(app, app.guild.id, app.alice.id, "first")
    await _log(app, app.guild.id, app.alice.id, "second")
    await _log(app, app.guild.id, app.bob.id, "bob keeps his")
    await _log(app, server_b.guild.id, app.alice.id, "server B keeps mine")
    reply = await app.invoke("privacy delete", user=app.alice)
    done = await app.click(reply, "privacy:delete:confirm", user=app.alice)
    assert done.message is not None
    text = done.message.content
    assert "2 × logged learning activity" in text and "1 × personal setting (timezone)" in text
    assert not done.message.buttons()
    mine = await privacy.export_member_data(app.bot.db, app.guild.id, app.alice.id, app.clock.now())
    assert all(rows == [] for rows in mine["tables"].values())
    bob = await privacy.export_member_data(app.bot.db, app.guild.id, app.bob.id, app.clock.now())
    assert len(bob["tables"]["progress_entries"]) == 1
    elsewhere = await privacy.export_member_data(app.bot.db, server_b.guild.id, app.alice.id, app.clock.now())
    assert len(elsewhere["tables"]["progress_entries"]) == 1


async def test_a_moderators_audit_rows_stay_without_their_id(app: App) -> None:
    await app.invoke("admin config set-timezone", user=app.admin, timezone="Europe/Dublin")
    reply = await app.invoke("privacy delete", user=app.admin)
    done = await app.click(reply, "privacy:delete:confirm", user=app.admin)
    assert done.message is not None and "moderator action" in done.message.content
    rows = await app.bot.db.fetch_all("SELECT actor_id, action FROM audit_log WHERE guild_id = ?", (app.guild.id,))
    assert [(r["actor_id"], r["action"]) for r in rows] == [(privacy.ERASED_USER_ID, "config.set-timezone")]


async def test_deleting_a_mentee_mid_proposal_leaves_the_bot_working(app: App) -> None:
    await app.invoke("mentoring offer", user=app.bob, areas="raid", capacity=2, timezone="Europe/London")
    await app.invoke("mentoring request", user=app.alice, areas="raid", goal="run RAID reviews", timezone="UTC")
    reply = await app.invoke("privacy delete", user=app.alice)
    done = await app.click(reply, "privacy:delete:confirm", user=app.alice)
    assert done.message is not None
    assert "mentoring request" in done.message.content and "mentoring proposal" in done.message.content
    mine = await privacy.export_member_data(app.bot.db, app.guild.id, app.alice.id, app.clock.now())
    assert all(rows == [] for rows in mine["tables"].values())
    # the proposal's expiry and any later matching round run without the deleted rows (no errors logged)
    await app.advance(timedelta(days=8))
    status = await app.invoke("mentoring status", user=app.bob)
    assert status.ephemeral
