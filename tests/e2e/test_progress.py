"""/progress end to end through the stand-in: log, show (text + PNG chart), reminders as the clock moves, the DM
buttons (also after a restart), closed DMs, export, edit/delete, and bad input that stores nothing."""

from __future__ import annotations

import csv
import io
import struct
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from bot.services import guild_config, members, progress
from bot.services import schedules as store
from bot.standin import InvalidInvocationError, StoredMessage
from tests import backends
from tests.e2e.conftest import App, start_pmo_bot, stop_pmo_bot

FIELDS = {
    "kind": "progress:field:kind",
    "minutes": "progress:field:minutes",
    "activity": "progress:field:activity",
    "date": "progress:field:date",
}


async def entries(app: App, user_id: int | None = None) -> list[Any]:
    return await app.bot.db.fetch_all(
        "SELECT * FROM progress_entries WHERE user_id = COALESCE(?, user_id) ORDER BY id", (user_id,)
    )


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk (which must come first)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG signature"
    length, chunk = struct.unpack(">I4s", data[8:16])
    assert chunk == b"IHDR" and length == 13
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def modal_values(**values: str) -> dict[str, str]:
    return {FIELDS[name]: value for name, value in values.items()}


async def set_checkins_channel(app: App) -> None:
    reply = await app.invoke(
        "admin config set-channel",
        user=app.admin,
        options={"purpose": "checkins", "channel": app.channels["check-ins"]},
    )
    assert reply.ephemeral
    settings = await guild_config.get_settings(app.bot.db, app.guild.id)
    assert settings.checkins_channel_id == app.channels["check-ins"].id


async def weekly_reminder(app: App, user: str = "alice", **options: str) -> Any:
    values = {"day": "fri", "time": "17:30", "timezone": "America/New_York"} | options
    return await app.invoke("progress reminders", user=user, **values)


def checkin_buttons(message: StoredMessage) -> dict[str, str]:
    return {b["label"]: b["custom_id"] for b in message.buttons()}


# -- log and show --------------------------------------------------------------------------------------------------


async def test_log_replies_privately_with_the_entry_and_the_30_day_mix(app: App) -> None:
    reply = await app.invoke(
        "progress log", user=app.alice, kind="exposure", minutes=45, activity="Shadowed the PMO lead's @everyone review"
    )
    assert reply.ephemeral and not reply.pings.any
    assert "Logged: Mon 2 Mar 2026 · exposure · 45 min — Shadowed the PMO lead's @everyone review" in reply.content
    assert "last 30 days" in reply.content
    assert "**Exposure** 45 min · 100% (target 20%, +80 pts)" in reply.content
    assert "**Experience** 0 min · 0% (target 70%, -70 pts)" in reply.content
    (row,) = await entries(app)
    assert (row["guild_id"], row["user_id"], row["kind"], row["minutes"]) == (
        app.guild.id,
        app.alice.id,
        "exposure",
        45,
    )
    assert row["local_date"] == "2026-03-02" and row["source"] == "command"


async def test_log_date_follows_the_members_timezone(app: App) -> None:
    # 08:00 UTC on Monday 2 March is already 21:00 in Auckland: "yesterday" there is Monday 2 March too.
    await members.set_member_timezone(app.bot.db, app.guild.id, app.alice.id, "Pacific/Auckland", app.clock.now())
    await app.invoke("progress log", user=app.alice, kind="education", minutes=30, activity="Course module")
    await app.invoke(
        "progress log", user=app.alice, kind="experience", minutes=60, activity="RAID review", date="yesterday"
    )
    await app.invoke(
        "progress log", user=app.alice, kind="experience", minutes=15, activity="Backfill", date="2025-03-02"
    )
    assert [row["local_date"] for row in await entries(app)] == ["2026-03-02", "2026-03-01", "2025-03-02"]


async def test_show_gives_the_mix_streak_nudge_and_a_png_chart(app: App) -> None:
    for kind, minutes in (("experience", 120), ("exposure", 15), ("education", 45)):
        await app.invoke("progress log", user=app.alice, kind=kind, minutes=minutes, activity=f"{kind} work")
    await app.invoke(
        "progress log", user=app.alice, kind="experience", minutes=30, activity="Last week", date="2026-02-25"
    )
    reply = await app.invoke("progress show", user=app.alice)
    assert reply.ephemeral and reply.deferred
    embed = reply.embed
    assert embed is not None
    assert embed["title"] == "Your 70-20-10 mix — this month"
    assert "Weekly streak:** 2 weeks" in embed["description"]
    assert "3 entries · 180 min" in embed["description"]  # the 25 February entry is last month
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert fields["Experience"] == "120 min · 67% (target 70%, -3 pts)"
    assert fields["Exposure"] == "15 min · 8% (target 20%, -12 pts)"
    assert fields["Education"] == "45 min · 25% (target 10%, +15 pts)"
    assert "**Exposure** is the most under-weight" in fields["Next step"]
    assert "Try this: “" in fields["Next step"]
    nudges = {p.text for p in app.bot.content.prompts if p.kind == "exposure"}
    assert any(text in fields["Next step"] for text in nudges)
    assert embed["image"]["url"] == "attachment://progress.png"
    (chart,) = reply.files
    assert chart.filename == "progress.png"
    width, height = png_size(chart.data)
    assert (width, height) == (1000, 420)
    assert len(chart.data) > 10_000


@pytest.mark.parametrize(
    ("period", "title", "total"),
    [("week", "this week", 60), ("quarter", "this quarter", 90), ("all", "all time", 100)],
)
async def test_show_periods_use_the_local_calendar(app: App, period: str, title: str, total: int) -> None:
    for day, minutes in (("2026-03-02", 60), ("2026-02-10", 30), ("2025-12-30", 10)):
        await app.invoke("progress log", user=app.bob, kind="experience", minutes=minutes, activity="x", date=day)
    reply = await app.invoke("progress show", user=app.bob, period=period)
    assert reply.embed is not None and title in reply.embed["title"]
    assert f"· {total} min" in reply.embed["description"]


async def test_show_with_nothing_logged_still_draws_and_suggests_a_start(app: App) -> None:
    reply = await app.invoke("progress show", user=app.carol, period="week")
    assert reply.embed is not None
    assert "Nothing logged this week yet. Start with some experience." in reply.text
    assert png_size(reply.files[0].data) == (1000, 420)


async def test_member_option_is_for_moderators_only(app: App) -> None:
    await app.invoke("progress log", user=app.alice, kind="experience", minutes=50, activity="Stretch task")
    refused = await app.invoke("progress show", user=app.bob, member=app.alice)
    assert refused.ephemeral and "Only moderators can see another member's progress" in refused.content
    assert refused.embed is None and not refused.files
    allowed = await app.invoke("progress show", user=app.admin, member=app.alice)
    assert allowed.embed is not None and allowed.embed["title"] == "Alice's 70-20-10 mix — this month"
    assert "50 min" in allowed.embed["description"]
    # Naming yourself is always fine.
    own = await app.invoke("progress show", user=app.bob, member=app.bob)
    assert own.embed is not None and own.embed["title"].startswith("Your")


# -- bad input -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"date": "2026-03-03"}, "is in the future"),
        ({"date": "2025-03-01"}, "is more than a year ago"),
        ({"date": "03/01/2026"}, "is not a date. Use YYYY-MM-DD"),
        ({"date": "2026-02-30"}, "is not a real calendar date"),
        ({"activity": "   "}, "Say in a few words what you did"),
    ],
)
async def test_bad_log_input_is_refused_clearly_and_nothing_is_stored(
    app: App, options: dict[str, str], message: str
) -> None:
    values: dict[str, Any] = {"kind": "experience", "minutes": 30, "activity": "ok"} | options
    reply = await app.invoke("progress log", user=app.alice, **values)
    assert reply.ephemeral and message in reply.content
    assert await entries(app) == []


@pytest.mark.parametrize(
    "options",
    [{"minutes": 0}, {"minutes": 1441}, {"activity": "x" * 201}, {"kind": "reading"}, {"date": "12345678901"}],
)
async def test_limits_are_declared_so_discord_refuses_out_of_range_options(app: App, options: dict[str, Any]) -> None:
    values: dict[str, Any] = {"kind": "experience", "minutes": 30, "activity": "ok"} | options
    with pytest.raises(InvalidInvocationError):
        await app.invoke("progress log", user=app.alice, **values)
    assert await entries(app) == []


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"time": "25:00"}, "is not a time"),
        ({"time": "5pm"}, "is not a time"),
        ({"timezone": "Mars/Olympus"}, "is not a timezone I know"),
    ],
)
async def test_bad_reminder_input_is_refused_and_nothing_is_stored(
    app: App, options: dict[str, str], message: str
) -> None:
    reply = await weekly_reminder(app, **options)
    assert reply.ephemeral and message in reply.content
    assert await store.get_schedule(app.bot.db, app.guild.id, progress.REMINDER_KIND, app.alice.id) is None
    assert await app.bot.db.fetch_value("SELECT COUNT(*) FROM member_settings") == 0


async def test_timezone_option_autocompletes(app: App) -> None:
    choices = await app.autocomplete("progress reminders", "timezone", "new_y", user=app.alice, day="fri", time="17:30")
    assert "America/New_York" in [c["value"] for c in choices]


# -- reminders -----------------------------------------------------------------------------------------------------


async def test_reminder_arrives_at_the_local_time_across_a_dst_change(app: App) -> None:
    reply = await weekly_reminder(app)
    first = datetime(2026, 3, 6, 22, 30, tzinfo=UTC)  # Friday 17:30 EST
    assert (
        reply.ephemeral and "Fridays at 17:30" in reply.content and f"<t:{int(first.timestamp())}:F>" in reply.content
    )
    await app.advance(first - app.clock.now() - timedelta(minutes=1))
    assert app.dms_to(app.alice) == []
    await app.advance(timedelta(minutes=2))
    (dm,) = app.dms_to(app.alice)
    assert dm.embeds[0]["title"] == "Your weekly 70-20-10 check-in — PMO Community"
    assert "nothing logged yet" in dm.embeds[0]["description"]
    assert set(checkin_buttons(dm)) == {"Log activity", "Skip this week"}
    assert not dm.pings.any and dm.nonce is not None
    # New York moves to EDT on 8 March: the next one is 17:30 local = 21:30 UTC, not 22:30.
    second = datetime(2026, 3, 13, 21, 30, tzinfo=UTC)
    await app.advance(second - app.clock.now() - timedelta(minutes=1))
    assert len(app.dms_to(app.alice)) == 1
    await app.advance(timedelta(minutes=2))
    assert len(app.dms_to(app.alice)) == 2
    assert checkin_buttons(app.dms_to(app.alice)[1])["Skip this week"].endswith(":20260309")


async def test_reminders_off_stops_them(app: App) -> None:
    await weekly_reminder(app)
    off = await app.invoke("progress reminders-off", user=app.alice)
    assert "Weekly check-ins stopped" in off.content
    await app.advance(timedelta(days=14))
    assert app.dms_to(app.alice) == []
    again = await app.invoke("progress reminders-off", user=app.alice)
    assert "You had no weekly check-in set" in again.content


async def _first_checkin(app: App) -> StoredMessage:
    await weekly_reminder(app, day="mon", time="09:00", timezone="Europe/London")
    await app.advance(timedelta(hours=2))  # 09:00 London = 09:00 UTC on Monday 2 March
    (dm,) = app.dms_to(app.alice)
    return dm


async def test_log_activity_button_opens_a_modal_that_logs_for_that_server(app: App) -> None:
    dm = await _first_checkin(app)
    opened = await app.click(dm, checkin_buttons(dm)["Log activity"], user=app.alice)
    assert opened.modal is not None and opened.modal["title"] == "Log a learning activity"
    submitted = await app.submit_modal(
        opened, modal_values(kind="exposure", minutes="40", activity="Coffee with a mentor", date="today")
    )
    assert (
        submitted.ephemeral and "Logged: Mon 2 Mar 2026 · exposure · 40 min — Coffee with a mentor" in submitted.content
    )
    (row,) = await entries(app)
    assert (row["guild_id"], row["user_id"], row["source"]) == (app.guild.id, app.alice.id, "reminder")


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"kind": "reading"}, "Kind must be experience (70), exposure (20) or education (10)."),
        ({"minutes": "lots"}, "is not a number of minutes"),
        ({"minutes": "0"}, "between 1 and 1440"),
        ({"date": "2026-03-09"}, "is in the future"),
    ],
)
async def test_bad_modal_input_is_refused_and_nothing_is_stored(app: App, values: dict[str, str], message: str) -> None:
    dm = await _first_checkin(app)
    opened = await app.click(dm, checkin_buttons(dm)["Log activity"], user=app.alice)
    fields = {"kind": "experience", "minutes": "30", "activity": "ok", "date": "today"} | values
    submitted = await app.submit_modal(opened, modal_values(**fields))
    assert submitted.ephemeral and message in submitted.content
    assert await entries(app) == []


async def test_skip_this_week_records_the_skip_and_keeps_the_streak(app: App) -> None:
    await app.invoke(
        "progress log", user=app.alice, kind="experience", minutes=30, activity="Last week", date="2026-02-24"
    )
    dm = await _first_checkin(app)
    skipped = await app.click(dm, checkin_buttons(dm)["Skip this week"], user=app.alice)
    assert skipped.ephemeral and "the week of 2 March 2026 is skipped" in skipped.content
    assert await progress.skipped_week(app.bot.db, app.guild.id, app.alice.id, date(2026, 3, 2))
    again = await app.click(dm, checkin_buttons(dm)["Skip this week"], user=app.alice)
    assert "already skipped" in again.content
    # A week later the skipped week bridges the streak: last week's entry still counts.
    await app.advance(timedelta(days=6))
    show = await app.invoke("progress show", user=app.alice, period="all")
    assert show.embed is not None and "Weekly streak:** 1 week in a row" in show.embed["description"]


async def test_buttons_keep_working_after_a_restart(app: App) -> None:
    dm = await _first_checkin(app)
    path = app.bot.settings.database_path
    await stop_pmo_bot(app.bot)
    restarted = await start_pmo_bot(app.standin, app.clock, path)
    try:
        opened = await app.click(dm, checkin_buttons(dm)["Log activity"], user=app.alice)
        assert opened.modal is not None
        skipped = await app.click(dm, checkin_buttons(dm)["Skip this week"], user=app.alice)
        assert "is skipped" in skipped.content
        assert await progress.skipped_week(restarted.db, app.guild.id, app.alice.id, date(2026, 3, 2))
    finally:
        await stop_pmo_bot(restarted)


async def test_a_crash_after_sending_does_not_send_the_checkin_twice(app: App) -> None:
    dm = await _first_checkin(app)
    path = app.bot.settings.database_path
    await stop_pmo_bot(app.bot)
    # As if the process died after Discord accepted the DM but before the outcome was recorded; an hour has
    # passed, so Discord's nonce memory is gone and only the DM's history can tell.
    db = await backends.open_database(path)
    try:
        job_id = await db.fetch_value(
            "SELECT id FROM jobs WHERE kind = ? AND status = 'sent'", (progress.REMINDER_KIND,)
        )
        await db.execute("UPDATE jobs SET status = 'claimed', message_id = NULL WHERE id = ?", (job_id,))
    finally:
        await db.close()
    restarted = await start_pmo_bot(app.standin, app.clock, path)
    try:
        await restarted.scheduler.wait_idle()
        await app.standin.settle()
        assert [m.id for m in app.dms_to(app.alice)] == [dm.id]
        row = await restarted.db.fetch_one("SELECT status, message_id FROM jobs WHERE id = ?", (job_id,))
        assert row is not None and (row["status"], row["message_id"]) == ("sent", dm.id)
    finally:
        await stop_pmo_bot(restarted)


async def test_closed_dms_tell_the_member_once_in_check_ins_and_pause_until_they_rerun(app: App) -> None:
    await set_checkins_channel(app)
    app.standin.close_dms(app.alice)
    await weekly_reminder(app, day="mon", time="09:00", timezone="UTC")
    await app.advance(timedelta(hours=2))
    assert app.dms_to(app.alice) == []
    (notice,) = app.messages_in("check-ins")
    assert f"<@{app.alice.id}>" in notice.content and "/progress reminders" in notice.content
    assert notice.embeds == [] and "check-in —" not in notice.content  # no content of the check-in itself
    assert notice.pings.users == frozenset({app.alice.id}) and not notice.pings.roles and not notice.pings.everyone
    schedule = await store.get_schedule(app.bot.db, app.guild.id, progress.REMINDER_KIND, app.alice.id)
    assert schedule is not None and schedule.paused
    # Paused: nothing more, not even another notice, for weeks.
    await app.advance(timedelta(days=21))
    assert len(app.messages_in("check-ins")) == 1 and app.dms_to(app.alice) == []
    # Alice opens her DMs and runs the command again: reminders resume.
    app.standin.open_dms(app.alice)
    await weekly_reminder(app, day="mon", time="09:00", timezone="UTC")
    await app.advance(timedelta(days=7))
    assert len(app.dms_to(app.alice)) == 1
    assert len(app.messages_in("check-ins")) == 1


async def test_closed_dms_without_a_check_ins_channel_tell_the_moderators(app: App) -> None:
    app.standin.close_dms(app.bob)
    await weekly_reminder(app, user="bob", day="mon", time="09:00", timezone="UTC")
    await app.advance(timedelta(hours=2))
    notices = await app.bot.db.fetch_all("SELECT text FROM moderator_notices WHERE guild_id = ?", (app.guild.id,))
    assert any("no check-ins channel is set" in row["text"] for row in notices)
    assert str(app.bob.id) not in " ".join(row["text"] for row in notices)


# -- export, edit, delete ------------------------------------------------------------------------------------------


async def test_export_is_a_private_utf8_csv_of_my_entries_here(app: App) -> None:
    await members.set_member_timezone(app.bot.db, app.guild.id, app.alice.id, "Europe/Paris", app.clock.now())
    await app.invoke("progress log", user=app.alice, kind="exposure", minutes=45, activity="Café with the PMO lead")
    await app.invoke(
        "progress log", user=app.alice, kind="education", minutes=90, activity="=SUM(A1) course", date="2026-02-01"
    )
    await app.invoke("progress log", user=app.bob, kind="experience", minutes=10, activity="Bob's")
    reply = await app.invoke("progress export", user=app.alice)
    assert reply.ephemeral and "2 entries" in reply.content
    (file,) = reply.files
    assert file.filename.endswith(".csv")
    rows = list(csv.DictReader(io.StringIO(file.data.decode("utf-8"))))
    assert [r["local_date"] for r in rows] == ["2026-02-01", "2026-03-02"]
    assert rows[1]["activity"] == "Café with the PMO lead" and rows[1]["timezone"] == "Europe/Paris"
    assert rows[1]["logged_at_utc"] == "2026-03-02T08:00:00Z"
    assert rows[0]["activity"] == "'=SUM(A1) course"
    assert "Bob's" not in file.data.decode("utf-8")


async def test_export_with_nothing_logged_says_so(app: App) -> None:
    reply = await app.invoke("progress export", user=app.dave)
    assert reply.ephemeral and "not logged anything" in reply.content and not reply.files


async def test_edit_picks_from_recent_entries_and_opens_a_filled_modal(app: App) -> None:
    await app.invoke("progress log", user=app.alice, kind="experience", minutes=30, activity="First draft")
    (row,) = await entries(app)
    picker = await app.invoke("progress edit", user=app.alice)
    assert picker.ephemeral
    (select,) = picker.selects()
    assert [o["value"] for o in select["options"]] == [str(row["id"])]
    opened = await app.select(picker, select["custom_id"], [str(row["id"])], user=app.alice)
    assert opened.modal is not None and opened.modal["title"] == "Edit entry"
    prefilled = {f["custom_id"]: f.get("value") for f in opened.modal_fields()}
    assert prefilled[FIELDS["activity"]] == "First draft" and prefilled[FIELDS["minutes"]] == "30"
    done = await app.submit_modal(opened, modal_values(kind="education", minutes="75", activity="Finished the course"))
    assert "Updated: Mon 2 Mar 2026 · education · 75 min — Finished the course" in done.content
    (edited,) = await entries(app)
    assert (edited["kind"], edited["minutes"], edited["edited_at"]) == ("education", 75, "2026-03-02T08:00:00Z")


async def test_bad_edit_changes_nothing(app: App) -> None:
    await app.invoke("progress log", user=app.alice, kind="experience", minutes=30, activity="Keep me")
    (row,) = await entries(app)
    picker = await app.invoke("progress edit", user=app.alice)
    opened = await app.select(picker, picker.selects()[0]["custom_id"], [str(row["id"])], user=app.alice)
    refused = await app.submit_modal(opened, modal_values(minutes="9999"))
    assert "between 1 and 1440" in refused.content
    (unchanged,) = await entries(app)
    assert dict(unchanged) == dict(row)


async def test_delete_asks_for_confirmation_first(app: App) -> None:
    await app.invoke("progress log", user=app.alice, kind="experience", minutes=30, activity="Keep")
    await app.invoke("progress log", user=app.alice, kind="exposure", minutes=20, activity="Remove me")
    keep, remove = await entries(app)
    picker = await app.invoke("progress delete", user=app.alice)
    select = picker.selects()[0]
    assert [o["value"] for o in select["options"]] == [str(remove["id"]), str(keep["id"])]
    assert picker.button("Delete it").get("disabled") is True
    asked = await app.select(picker, select["custom_id"], [str(remove["id"])], user=app.alice)
    assert picker.message is not None and "Delete this entry?" in picker.message.content
    assert asked.type == 7
    assert len(await entries(app)) == 2
    done = await app.click(picker.message, "progress:delete:confirm", user=app.alice)
    assert done.message is not None and "Deleted:" in done.message.content and "Remove me" in done.message.content
    assert [r["activity"] for r in await entries(app)] == ["Keep"]


async def test_edit_and_delete_with_no_entries_say_so(app: App) -> None:
    assert "no entries to edit" in (await app.invoke("progress edit", user=app.carol)).content
    assert "no entries to delete" in (await app.invoke("progress delete", user=app.carol)).content
