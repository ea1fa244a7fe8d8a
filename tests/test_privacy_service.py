"""/privacy export and delete in the service: only the caller's rows, only in this server, audit anonymised."""

from __future__ import annotations

import json
from datetime import date, time

from bot.clock import ManualClock
from bot.db import Database
from bot.recurrence import ALL_DAYS, Rule
from bot.services import audit, members, privacy, progress, schedules

GUILD = 101_010_101_010_101_010
OTHER_GUILD = 202_020_202_020_202_020
ME = 303_030_303_030_303_030
SOMEONE = 404_040_404_040_404_040


async def _seed(db: Database, clock: ManualClock) -> None:
    now = clock.now()
    for guild in (GUILD, OTHER_GUILD):
        for user in (ME, SOMEONE):
            await members.set_member_timezone(db, guild, user, "Europe/Paris", now)
            await progress.log_activity(
                db, guild_id=guild, user_id=user, kind="education", minutes=20, activity="read a book",
                local_date=date(2026, 3, 1), now=now,
            )  # fmt: skip
            await schedules.upsert_schedule(
                db, guild_id=guild, kind="checkin", owner_id=user, channel_id=None,
                rule=Rule(time(18), ALL_DAYS, "UTC"), now=now,
            )  # fmt: skip
        async with db.transaction() as tx:
            await audit.record_action(
                tx, guild_id=guild, actor_id=ME, action="config.set-timezone", before={"timezone": "UTC"},
                after={"timezone": "Europe/Paris"}, now=now,
            )  # fmt: skip
            await audit.record_action(
                tx, guild_id=guild, actor_id=SOMEONE, action="mentors.match", target=f"<@{ME}> with <@{SOMEONE}>",
                now=now,
            )  # fmt: skip
    await schedules.materialize_due(db, now)


async def test_export_holds_only_my_rows_in_this_server(db: Database, clock: ManualClock) -> None:
    await _seed(db, clock)
    data = await privacy.export_member_data(db, GUILD, ME, clock.now())
    text = privacy.export_json(data).decode()
    assert json.loads(text)["user_id"] == str(ME)
    tables = data["tables"]
    assert [r["user_id"] for r in tables["member_settings"]] == [ME]
    assert [r["guild_id"] for r in tables["progress_entries"]] == [GUILD]
    assert [r["owner_id"] for r in tables["schedules"]] == [ME]
    # both audit rows mention me: one as actor, one in its target
    assert sorted(r["action"] for r in tables["audit_log"]) == ["config.set-timezone", "mentors.match"]
    assert str(SOMEONE) not in json.dumps([tables["member_settings"], tables["progress_entries"]])


async def test_delete_removes_my_rows_and_anonymises_audit(db: Database, clock: ManualClock) -> None:
    await _seed(db, clock)
    report = await privacy.delete_member_data(db, GUILD, ME)
    assert report.removed["member_settings"] == 1
    assert report.removed["progress_entries"] == 1
    assert report.removed["schedules"] == 1
    assert report.anonymised["audit_log"] == 2
    assert any("learning activity" in line for line in report.lines())
    after = await privacy.export_member_data(db, GUILD, ME, clock.now())
    assert all(rows == [] for rows in after["tables"].values())
    rows = await audit.recent_actions(db, GUILD)
    assert sorted(e.actor_id for e in rows) == [privacy.ERASED_USER_ID, SOMEONE]
    assert all(str(ME) not in (e.target or "") for e in rows)
    # the reminder's pending occurrence went with it; other members' did not
    pending = await db.fetch_all(
        "SELECT s.owner_id FROM jobs j JOIN schedules s ON s.id = j.schedule_id WHERE j.guild_id = ?", (GUILD,)
    )
    assert [r["owner_id"] for r in pending] == [SOMEONE]
    assert await db.fetch_value("SELECT COUNT(*) FROM jobs WHERE guild_id = ? AND schedule_id IS NULL", (GUILD,)) == 0


async def test_delete_leaves_other_servers_and_members_alone(db: Database, clock: ManualClock) -> None:
    await _seed(db, clock)
    before_other = await privacy.export_member_data(db, OTHER_GUILD, ME, clock.now())
    before_someone = await privacy.export_member_data(db, GUILD, SOMEONE, clock.now())
    await privacy.delete_member_data(db, GUILD, ME)
    assert await privacy.export_member_data(db, OTHER_GUILD, ME, clock.now()) == before_other
    after_someone = await privacy.export_member_data(db, GUILD, SOMEONE, clock.now())
    assert after_someone["tables"]["progress_entries"] == before_someone["tables"]["progress_entries"]


async def test_deleting_twice_is_harmless(db: Database, clock: ManualClock) -> None:
    await _seed(db, clock)
    await privacy.delete_member_data(db, GUILD, ME)
    again = await privacy.delete_member_data(db, GUILD, ME)
    assert again.total == 0 and again.lines() == []


async def test_a_row_that_only_mentions_me_is_kept_without_my_id(db: Database, clock: ManualClock) -> None:
    # A moderator (ME) ended SOMEONE's mentorship with a third member: the pair's record stays theirs.
    third = 505_050_505_050_505_050
    await db.execute(
        """
        INSERT INTO mentorships (guild_id, mentor_id, mentee_id, status, started_at, ended_at, ended_by, end_reason,
                                 created_at)
        VALUES (?, ?, ?, 'ended', ?, ?, ?, 'moderator', ?)
        """,
        (GUILD, SOMEONE, third, "2026-01-01T00:00:00Z", "2026-02-01T00:00:00Z", ME, "2026-01-01T00:00:00Z"),
    )
    exported = await privacy.export_member_data(db, GUILD, ME, clock.now())
    assert [r["ended_by"] for r in exported["tables"]["mentorships"]] == [ME]
    report = await privacy.delete_member_data(db, GUILD, ME)
    assert report.removed["mentorships"] == 0 and report.anonymised["mentorships"] == 1
    assert any("kept for the others in it" in line for line in report.lines())
    row = await db.fetch_one("SELECT mentor_id, ended_by FROM mentorships WHERE guild_id = ?", (GUILD,))
    assert row is not None and (row["mentor_id"], row["ended_by"]) == (SOMEONE, privacy.ERASED_USER_ID)
