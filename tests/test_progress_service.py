"""The progress service on a real SQLite database: logging, reading, editing, export, reminders, server stats."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest

from bot.content import FaqEntry, PromptSeed
from bot.db import Database
from bot.errors import NotFoundError, ValidationError
from bot.services import progress
from bot.services import schedules as store
from bot.services.members import set_member_timezone

GUILD, OTHER_GUILD = 111, 222
ALICE, BOB = 1001, 1002
NOW = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)  # Wednesday


async def count(db: Database, table: str = "progress_entries") -> int:
    return int(await db.fetch_value(f"SELECT COUNT(*) FROM {table}"))  # noqa: S608 - test table names


async def log(
    db: Database,
    day: str | None = "today",
    *,
    kind: str = "experience",
    minutes: int = 30,
    activity: str = "ran the RAID review",
    user: int = ALICE,
    guild: int = GUILD,
    now: datetime = NOW,
) -> progress.ProgressEntry:
    return await progress.record_activity(
        db, guild_id=guild, user_id=user, kind=kind, minutes=minutes, activity=activity, day=day, now=now
    )


# -- parsing -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "today", "expected"),
    [
        (None, "2026-03-04", "2026-03-04"),
        ("", "2026-03-04", "2026-03-04"),
        ("today", "2026-03-04", "2026-03-04"),
        (" Yesterday ", "2026-03-04", "2026-03-03"),
        ("yesterday", "2027-01-01", "2026-12-31"),
        ("2026-02-28", "2026-03-04", "2026-02-28"),
        ("2025-03-04", "2026-03-04", "2025-03-04"),  # exactly a year back is allowed
        ("2027-02-28", "2028-02-29", "2027-02-28"),  # a year before a leap day
    ],
)
def test_entry_dates_accepted(text: str | None, today: str, expected: str) -> None:
    assert progress.parse_entry_date(text, date.fromisoformat(today)) == date.fromisoformat(expected)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2026-03-05", "in the future"),
        ("2030-01-01", "in the future"),
        ("2025-03-03", "more than a year ago"),
        ("2026-02-30", "not a real calendar date"),
        ("04/03/2026", "is not a date"),
        ("tomorrow", "is not a date"),
        ("2026-3-4", "is not a date"),
    ],
)
def test_entry_dates_refused_with_a_clear_message(text: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        progress.parse_entry_date(text, date(2026, 3, 4))


@pytest.mark.parametrize(
    ("text", "kind"),
    [("experience", "experience"), ("Exposure", "exposure"), ("edu", "education"), ("70", "experience"),
     ("20%", "exposure"), ("10", "education"), ("expo", "exposure"), ("experi", "experience")],
)  # fmt: skip
def test_kind_accepts_names_prefixes_and_percentages(text: str, kind: str) -> None:
    assert progress.parse_kind(text) == kind


@pytest.mark.parametrize("text", ["", "e", "ex", "reading", "30"])
def test_kind_refuses_ambiguous_or_unknown(text: str) -> None:
    with pytest.raises(ValidationError, match="experience \\(70\\), exposure \\(20\\) or education \\(10\\)"):
        progress.parse_kind(text)


@pytest.mark.parametrize(("text", "minutes"), [("45", 45), (" 90 min", 90), ("1440", 1440), ("1", 1)])
def test_minutes_text_accepted(text: str, minutes: int) -> None:
    assert progress.parse_minutes(text) == minutes


@pytest.mark.parametrize("text", ["0", "1441", "-5", "1.5", "an hour", ""])
def test_minutes_text_refused(text: str) -> None:
    with pytest.raises(ValidationError):
        progress.parse_minutes(text)


# -- logging -------------------------------------------------------------------------------------------------------


async def test_log_uses_the_members_local_date(db: Database) -> None:
    await set_member_timezone(db, GUILD, ALICE, "Pacific/Auckland", NOW)
    late = datetime(2026, 3, 4, 11, 30, tzinfo=UTC)  # 00:30 on Thursday 5 March in Auckland
    entry = await log(db, "today", now=late)
    assert entry.local_date == date(2026, 3, 5)
    entry = await log(db, "yesterday", now=late)
    assert entry.local_date == date(2026, 3, 4)
    # Without a member timezone, the server's (UTC by default) applies.
    assert (await log(db, "today", user=BOB, now=late)).local_date == date(2026, 3, 4)


async def test_log_stores_a_cleaned_entry(db: Database) -> None:
    entry = await log(db, "2026-03-01", kind="exposure", minutes=45, activity="  shadowed   the PMO lead ")
    row = await db.fetch_one("SELECT * FROM progress_entries WHERE id = ?", (entry.id,))
    assert row is not None
    assert (row["guild_id"], row["user_id"], row["kind"], row["minutes"]) == (GUILD, ALICE, "exposure", 45)
    assert (row["activity"], row["local_date"], row["source"]) == ("shadowed the PMO lead", "2026-03-01", "command")
    assert row["logged_at"] == "2026-03-04T12:00:00Z"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"kind": "reading"}, "Kind must be"),
        ({"minutes": 0}, "between 1 and 1440"),
        ({"minutes": 1441}, "between 1 and 1440"),
        ({"activity": "   "}, "Say in a few words"),
        ({"activity": "x" * 201}, "200 characters"),
        ({"day": "2026-03-05"}, "in the future"),
        ({"day": "2024-12-31"}, "more than a year ago"),
        ({"day": "someday"}, "is not a date"),
    ],
)
async def test_bad_input_stores_nothing(db: Database, changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        await log(db, **changes)
    assert await count(db) == 0


async def test_prompt_log_this_lands_in_the_same_log(db: Database) -> None:
    await progress.log_activity(
        db, guild_id=GUILD, user_id=ALICE, kind="education", minutes=20, activity="read the prompt's article",
        local_date=date(2026, 3, 4), now=NOW, source="prompt", source_ref="raid-owner-check",
    )  # fmt: skip
    report = await progress.progress_report(db, GUILD, ALICE, "week", NOW)
    assert report.mix.share("education").minutes == 20 and report.entries == 1


# -- reading -------------------------------------------------------------------------------------------------------


async def _history(db: Database) -> None:
    # Alice, server timezone UTC. Today is Wednesday 4 March 2026.
    for day, kind, minutes in [
        ("2026-03-04", "experience", 60),  # this week
        ("2026-03-02", "exposure", 30),  # this week (Monday)
        ("2026-03-01", "education", 20),  # this month, last week
        ("2026-02-20", "experience", 100),  # this quarter
        ("2026-01-02", "exposure", 40),  # this year
        ("2025-12-31", "education", 50),  # all
    ]:
        await log(db, day, kind=kind, minutes=minutes, now=NOW)
    # Noise that must never show up: Bob's entries and Alice's in another server.
    await log(db, "2026-03-04", user=BOB, minutes=999)
    await log(db, "2026-03-04", guild=OTHER_GUILD, minutes=777)


@pytest.mark.parametrize(
    ("period", "minutes", "entries"),
    [
        ("week", (60, 30, 0), 2),
        ("month", (60, 30, 20), 3),
        ("quarter", (160, 70, 20), 5),
        ("year", (160, 70, 20), 5),
        ("all", (160, 70, 70), 6),
    ],
)
async def test_report_periods_in_the_local_calendar(
    db: Database, period: str, minutes: tuple[int, int, int], entries: int
) -> None:
    await _history(db)
    report = await progress.progress_report(db, GUILD, ALICE, period, NOW)
    assert tuple(s.minutes for s in report.mix.shares) == minutes
    assert report.entries == entries
    assert report.today == date(2026, 3, 4) and report.timezone == "UTC"


async def test_report_streak_and_twelve_weeks(db: Database) -> None:
    await _history(db)
    report = await progress.progress_report(db, GUILD, ALICE, "month", NOW)
    assert report.streak == 3  # weeks of 16 Feb (20th), 23 Feb (1 March) and 2 March; 9 Feb has nothing
    assert len(report.weeks) == 12 and report.weeks[-1].start == date(2026, 3, 2)
    assert report.weeks[-1].total == 90 and report.weeks[-2].total == 20
    assert report.logged_this_week


async def test_report_period_follows_the_members_new_year(db: Database) -> None:
    await set_member_timezone(db, GUILD, ALICE, "Pacific/Auckland", NOW)
    now = datetime(2026, 12, 31, 12, 0, tzinfo=UTC)  # already 1 January 2027 in Auckland
    await log(db, "2026-12-31", minutes=10, now=now)
    await log(db, "today", minutes=15, now=now)
    report = await progress.progress_report(db, GUILD, ALICE, "year", now)
    assert report.start == date(2027, 1, 1) and report.mix.total == 15
    assert report.streak == 1  # both dates are in the week of Monday 28 December


async def test_unknown_period_is_refused(db: Database) -> None:
    with pytest.raises(ValidationError, match="week, month, quarter, year or all"):
        await progress.progress_report(db, GUILD, ALICE, "decade", NOW)


async def test_recent_mix_covers_thirty_local_days(db: Database) -> None:
    await log(db, "2026-02-03", minutes=11)  # 30th day back, included
    await log(db, "2026-02-02", minutes=500)  # 31st day back, excluded
    await log(db, "today", kind="exposure", minutes=9)
    mix = await progress.recent_mix(db, GUILD, ALICE, NOW)
    assert mix.total == 20 and mix.share("exposure").minutes == 9


# -- editing -------------------------------------------------------------------------------------------------------


async def test_recent_entries_newest_first_limited_to_25(db: Database) -> None:
    for n in range(30):
        await log(db, (date(2026, 3, 4) - timedelta(days=n)).isoformat(), minutes=n + 1)
    recent = await progress.list_recent_entries(db, GUILD, ALICE)
    assert len(recent) == 25
    assert [e.minutes for e in recent[:3]] == [1, 2, 3]
    assert await progress.list_recent_entries(db, GUILD, BOB) == []


async def test_edit_changes_the_entry_and_marks_it_edited(db: Database) -> None:
    entry = await log(db)
    later = NOW + timedelta(hours=1)
    edited = await progress.edit_entry(
        db, guild_id=GUILD, user_id=ALICE, entry_id=entry.id, kind="education", minutes=90,
        activity="finished the module", day="yesterday", now=later,
    )  # fmt: skip
    assert (edited.kind, edited.minutes, edited.activity) == ("education", 90, "finished the module")
    assert edited.local_date == date(2026, 3, 3) and edited.edited_at == later and edited.logged_at == NOW


@pytest.mark.parametrize(("user", "guild"), [(BOB, GUILD), (ALICE, OTHER_GUILD)])
async def test_nobody_edits_or_deletes_another_members_entry(db: Database, user: int, guild: int) -> None:
    entry = await log(db)
    with pytest.raises(NotFoundError):
        await progress.edit_entry(
            db, guild_id=guild, user_id=user, entry_id=entry.id, kind="education", minutes=1, activity="x",
            day=None, now=NOW,
        )  # fmt: skip
    with pytest.raises(NotFoundError):
        await progress.delete_entry(db, guild_id=guild, user_id=user, entry_id=entry.id)
    assert await progress.get_entry(db, GUILD, ALICE, entry.id) == entry


async def test_bad_edit_leaves_the_entry_unchanged(db: Database) -> None:
    entry = await log(db)
    with pytest.raises(ValidationError):
        await progress.edit_entry(
            db, guild_id=GUILD, user_id=ALICE, entry_id=entry.id, kind="experience", minutes=5000,
            activity="x", day=None, now=NOW,
        )  # fmt: skip
    assert await progress.get_entry(db, GUILD, ALICE, entry.id) == entry


async def test_delete_removes_only_that_entry(db: Database) -> None:
    first, second = await log(db), await log(db, minutes=5)
    deleted = await progress.delete_entry(db, guild_id=GUILD, user_id=ALICE, entry_id=first.id)
    assert deleted == first
    assert [e.id for e in await progress.list_recent_entries(db, GUILD, ALICE)] == [second.id]
    with pytest.raises(NotFoundError):
        await progress.delete_entry(db, guild_id=GUILD, user_id=ALICE, entry_id=first.id)


# -- export --------------------------------------------------------------------------------------------------------


async def test_export_is_utf8_csv_with_header_iso_dates_and_safe_cells(db: Database) -> None:
    await log(db, "2026-03-01", activity="Café ☕ with the PMO lead — notes", kind="exposure")
    await log(db, "2026-03-02", activity='=HYPERLINK("http://x") formula-looking text')
    await log(db, user=BOB)
    entries = await progress.export_entries(db, GUILD, ALICE)
    data = progress.entries_csv(entries, "Europe/London")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8"))))
    assert list(rows[0]) == [
        "id", "local_date", "timezone", "kind", "target_percent", "minutes", "activity", "source", "logged_at_utc",
        "edited_at_utc",
    ]  # fmt: skip
    assert len(rows) == 2
    assert rows[0]["local_date"] == "2026-03-01" and rows[0]["logged_at_utc"] == "2026-03-04T12:00:00Z"
    assert rows[0]["activity"] == "Café ☕ with the PMO lead — notes" and rows[0]["timezone"] == "Europe/London"
    assert rows[1]["activity"].startswith("'=HYPERLINK")
    assert rows[0]["edited_at_utc"] == ""


# -- reminders -----------------------------------------------------------------------------------------------------


async def test_set_reminder_creates_a_personal_weekly_schedule_and_sets_the_timezone(db: Database) -> None:
    reminder = await progress.set_reminder(
        db, guild_id=GUILD, user_id=ALICE, day="fri", at="17:30", timezone="america/new_york", now=NOW
    )
    assert (reminder.weekday, reminder.at, reminder.timezone) == (4, time(17, 30), "America/New_York")
    assert reminder.day_name == "Friday"
    assert reminder.next_at == datetime(2026, 3, 6, 22, 30, tzinfo=UTC)  # 17:30 EST
    schedule = await store.get_schedule(db, GUILD, progress.REMINDER_KIND, ALICE)
    assert schedule is not None and schedule.owner_id == ALICE and schedule.rule.days == 1 << 4
    assert await db.fetch_value("SELECT timezone FROM member_settings WHERE user_id = ?", (ALICE,)) == (
        "America/New_York"
    )
    assert await progress.get_reminder(db, GUILD, ALICE, NOW) == reminder


@pytest.mark.parametrize(
    ("day", "at", "timezone", "message"),
    [
        ("funday", "09:00", "UTC", "not a day of the week"),
        ("mon", "25:00", "UTC", "not a time"),
        ("mon", "9am", "UTC", "not a time"),
        ("mon", "09:00", "Mars/Olympus", "not a timezone"),
    ],
)
async def test_bad_reminder_input_stores_nothing(db: Database, day: str, at: str, timezone: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        await progress.set_reminder(db, guild_id=GUILD, user_id=ALICE, day=day, at=at, timezone=timezone, now=NOW)
    for table in ("schedules", "member_settings", "progress_reminders"):
        assert await count(db, table) == 0


async def test_closed_dms_pause_and_tell_once_until_the_member_runs_the_command_again(db: Database) -> None:
    reminder = await progress.set_reminder(
        db, guild_id=GUILD, user_id=ALICE, day="mon", at="09:00", timezone="UTC", now=NOW
    )
    args = {"guild_id": GUILD, "user_id": ALICE, "schedule_id": reminder.schedule_id, "now": NOW}
    assert await progress.record_dms_closed(db, **args) is True
    await progress.record_member_told(db, guild_id=GUILD, user_id=ALICE, now=NOW)
    assert await progress.record_dms_closed(db, **args) is False
    paused = await progress.get_reminder(db, GUILD, ALICE, NOW)
    assert paused is not None and paused.paused and paused.dms_closed and paused.next_at is None
    again = await progress.set_reminder(
        db, guild_id=GUILD, user_id=ALICE, day="mon", at="09:00", timezone="UTC", now=NOW
    )
    assert not again.paused and not again.dms_closed
    assert await progress.record_dms_closed(db, **args) is True


async def test_remove_reminder(db: Database) -> None:
    assert await progress.remove_reminder(db, GUILD, ALICE) is False
    await progress.set_reminder(db, guild_id=GUILD, user_id=ALICE, day="mon", at="09:00", timezone="UTC", now=NOW)
    assert await progress.remove_reminder(db, GUILD, ALICE) is True
    assert await progress.get_reminder(db, GUILD, ALICE, NOW) is None
    assert await count(db, "progress_reminders") == 0


async def test_skipping_a_week_bridges_the_streak(db: Database) -> None:
    await log(db, "2026-02-20")  # week of 16 Feb
    now = datetime(2026, 3, 8, 12, 0, tzinfo=UTC)  # Sunday; week of 23 Feb was empty, this week too
    assert (await progress.progress_report(db, GUILD, ALICE, "all", now)).streak == 0
    assert await progress.skip_week(db, guild_id=GUILD, user_id=ALICE, week=date(2026, 3, 2), now=now) is True
    assert await progress.skip_week(db, guild_id=GUILD, user_id=ALICE, week=date(2026, 3, 2), now=now) is False
    assert await progress.skipped_week(db, GUILD, ALICE, date(2026, 3, 2))
    # Skipping this week alone does not bridge the empty week of 23 Feb.
    assert (await progress.progress_report(db, GUILD, ALICE, "all", now)).streak == 0
    assert await progress.skip_week(db, guild_id=GUILD, user_id=ALICE, week=date(2026, 2, 23), now=now) is True
    assert (await progress.progress_report(db, GUILD, ALICE, "all", now)).streak == 1


@pytest.mark.parametrize(
    ("week", "message"),
    [(date(2026, 3, 3), "not valid any more"), (date(2026, 2, 16), "only this week"), (date(2026, 3, 9), "only this")],
)
async def test_skip_refuses_other_weeks(db: Database, week: date, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        await progress.skip_week(db, guild_id=GUILD, user_id=ALICE, week=week, now=NOW)
    assert await count(db, "progress_skipped_weeks") == 0


# -- nudges and the server view ------------------------------------------------------------------------------------


def test_nudge_comes_from_the_prompt_bank_or_falls_back_to_the_faq() -> None:
    prompts = [
        PromptSeed("a", "Do a thing at work", "experience", (), "hint"),
        PromptSeed("b", "Ask a mentor one question", "exposure", (), "hint"),
        PromptSeed("c", "Shadow a PMO lead", "exposure", (), "hint"),
    ]
    faqs = [FaqEntry("courses-and-certifications", "Which courses help?", "Answer", (), ())]
    assert {progress.choose_nudge("exposure", prompts, faqs, seed).ref for seed in range(4)} == {"b", "c"}
    nudge = progress.choose_nudge("education", prompts, faqs, 0)
    assert nudge is not None and (nudge.source, nudge.ref) == ("faq", "courses-and-certifications")
    assert progress.choose_nudge("education", prompts, [], 0) is None


def test_nudge_seed_changes_weekly_not_daily() -> None:
    monday, sunday, next_monday = date(2026, 3, 2), date(2026, 3, 8), date(2026, 3, 9)
    assert progress.nudge_seed(ALICE, monday) == progress.nudge_seed(ALICE, sunday)
    assert progress.nudge_seed(ALICE, next_monday) == progress.nudge_seed(ALICE, monday) + 1


async def test_server_stats_are_anonymous_counts_for_one_server(db: Database) -> None:
    await log(db, minutes=70, now=NOW - timedelta(days=40))  # before the window
    await log(db, minutes=60)
    await log(db, kind="exposure", minutes=20, user=BOB)
    await log(db, kind="education", minutes=20, user=BOB)
    await log(db, minutes=999, guild=OTHER_GUILD)
    stats = await progress.progress_stats(db, GUILD, NOW - timedelta(days=30))
    assert (stats.active_loggers, stats.entries, stats.total_minutes) == (2, 3, 100)
    assert [round(s.percent) for s in stats.mix.shares] == [60, 20, 20]
    empty = await progress.progress_stats(db, 999, NOW - timedelta(days=30))
    assert (empty.active_loggers, empty.entries, empty.total_minutes) == (0, 0, 0)
