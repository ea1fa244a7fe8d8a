"""Daily prompts end to end: the real bot on the stand-in, with the clock moved instead of waited for."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.client import PMOBot
from bot.clock import ManualClock
from bot.sending import send_once
from bot.services import prompts as service
from bot.standin import StandIn, StoredMessage, Upload, permissions
from bot.standin.logcapture import ErrorLogCapture
from tests.e2e.conftest import App, start_pmo_bot, stop_pmo_bot

LONDON = "Europe/London"


# -- helpers ---------------------------------------------------------------------------------------------------


def posts(app: App | StandIn, channel: Any = "prompts") -> list[StoredMessage]:
    """The prompt posts in a channel (embeds whose footer carries the daily-prompt marker)."""
    standin = app.standin if isinstance(app, App) else app
    target = app.channel(channel) if isinstance(app, App) else channel
    return [
        m
        for m in standin.messages_in(target)
        if m.embeds and str((m.embeds[0].get("footer") or {}).get("text", "")).startswith("Daily prompt")
    ]


async def schedule(app: App, *, time: str = "09:00", days: str = "daily", timezone: str | None = LONDON) -> Any:
    values: dict[str, Any] = {"time": time, "days": days}
    if timezone is not None:
        values["timezone"] = timezone
    reply = await app.invoke(
        "admin prompts schedule", user=app.admin, options={"channel": app.channel("prompts")}, **values
    )
    app.bot.scheduler.wake()
    return reply


def log_button(message: StoredMessage) -> str:
    ids = [b["custom_id"] for b in message.buttons() if str(b.get("custom_id", "")).startswith("prompt:log:")]
    assert len(ids) == 1, message.components
    return ids[0]


async def job_rows(bot: PMOBot) -> list[tuple[str, int, int]]:
    rows = await bot.db.fetch_all("SELECT status, late, due_at FROM jobs WHERE kind = 'prompt' ORDER BY due_at")
    return [(r["status"], r["late"], r["due_at"]) for r in rows]


def bot_role(standin: StandIn) -> Any:
    guild = standin.demo.guild  # type: ignore[union-attr]
    return guild.roles[standin.world.bot_role_ids[guild.id]]


# -- a week of posts ---------------------------------------------------------------------------------------------


async def test_a_week_of_daily_posts_at_nine_local_each_once_with_thread_and_button(app: App) -> None:
    reply = await schedule(app)
    assert reply.ephemeral and "<#" in reply.content and "<t:1772442000:F>" in reply.content  # 2 Mar 09:00 UTC
    await app.advance(timedelta(days=7))
    made = posts(app)
    assert [m.created_at for m in made] == [datetime(2026, 3, 2 + d, 9, 0, tzinfo=UTC) for d in range(7)]
    assert len({m.embeds[0]["description"] for m in made}) == 7  # no repeats
    for message in made:
        assert message.allowed_mentions is not None and message.allowed_mentions["parse"] == []
        assert not message.pings.users and not message.pings.everyone
        assert message.nonce is not None and len(str(message.nonce)) <= 25
        assert message.thread_id is not None
        assert log_button(message)
        kinds = [f["value"] for f in message.embeds[0]["fields"] if f["name"] == "Kind"]
        assert kinds and kinds[0].split(" ")[1] in ("Experience", "Exposure", "Education")
    assert len(app.standin.threads_in("prompts")) == 7
    assert [status for status, _, _ in await job_rows(app.bot)][:7] == ["sent"] * 7


async def test_the_posts_footer_shows_no_internal_marker_and_the_history_names_the_post(app: App) -> None:
    await schedule(app)
    await app.advance(timedelta(days=1))
    (message,) = posts(app)
    row = await app.bot.db.fetch_one("SELECT id, kind FROM prompt_posts")
    assert row is not None
    footer = message.embeds[0]["footer"]["text"]
    assert footer == f"Daily prompt · {row['kind'].capitalize()}"
    assert str(message.nonce) not in footer and "s1." not in footer
    # What recovery reads: the channel history as Discord returns it, with the Log this button naming the post.
    (history,) = [m for m in await app.bot.http.logs_from(app.channel("prompts").id, 5) if m["id"] == str(message.id)]
    custom_ids = [c["custom_id"] for row_ in history["components"] for c in row_["components"]]
    assert custom_ids == [f"prompt:log:{row['id']}"]


async def test_weekdays_schedule_skips_the_weekend(app: App) -> None:
    await schedule(app, days="weekdays")
    await app.advance(timedelta(days=7))
    assert [m.created_at.weekday() for m in posts(app)] == [0, 1, 2, 3, 4]


async def test_spring_forward_day_posts_once_at_the_shifted_time(app: App) -> None:
    await app.clock.set(datetime(2026, 3, 27, 12, 0, tzinfo=UTC))
    await schedule(app, time="01:30")  # London skips 01:00-02:00 on Sunday 29 March 2026
    await app.advance(timedelta(days=3))
    assert [m.created_at for m in posts(app)] == [
        datetime(2026, 3, 28, 1, 30, tzinfo=UTC),  # 01:30 GMT
        datetime(2026, 3, 29, 1, 30, tzinfo=UTC),  # 01:30 does not exist: 02:30 BST
        datetime(2026, 3, 30, 0, 30, tzinfo=UTC),  # 01:30 BST
    ]


async def test_fall_back_day_posts_once_at_the_first_instance(app: App) -> None:
    await app.clock.set(datetime(2026, 10, 30, 12, 0, tzinfo=UTC))
    await schedule(app, time="01:30", timezone="America/New_York")  # 01:30 happens twice on 1 November 2026
    await app.advance(timedelta(days=3))
    assert [m.created_at for m in posts(app)] == [
        datetime(2026, 10, 31, 5, 30, tzinfo=UTC),  # EDT
        datetime(2026, 11, 1, 5, 30, tzinfo=UTC),  # the first 01:30 (EDT); not again an hour later
        datetime(2026, 11, 2, 6, 30, tzinfo=UTC),  # EST
    ]


async def test_bad_schedule_input_is_refused_and_nothing_stored(app: App) -> None:
    for values, words in (
        ({"time": "9am", "days": "daily"}, "not a time"),
        ({"time": "09:00", "days": "fortnightly"}, "not a day"),
        ({"time": "09:00", "days": "daily", "timezone": "Moon/Base"}, "not a timezone"),
    ):
        reply = await app.invoke(
            "admin prompts schedule", user=app.admin, options={"channel": app.channel("prompts")}, **values
        )
        assert reply.ephemeral and words in reply.content
    category = app.demo.category
    reply = await app.invoke(
        "admin prompts schedule", user=app.admin, options={"channel": category}, time="09:00", days="daily"
    )
    assert reply.ephemeral and "text channel" in reply.content
    assert await app.bot.db.fetch_value("SELECT COUNT(*) FROM schedules") == 0


# -- the bot down across a post ---------------------------------------------------------------------------------


@pytest.fixture
async def down_standin(clock: ManualClock, restore_endpoints: None) -> AsyncIterator[StandIn]:
    async with StandIn(clock=clock.now) as server:
        server.demo_guild()
        yield server


async def test_bot_down_across_a_post_catches_up_within_grace_and_skips_beyond(
    down_standin: StandIn, clock: ManualClock, tmp_path: Path
) -> None:
    path = tmp_path / "bot.sqlite3"
    demo = down_standin.demo
    assert demo is not None
    bot = await start_pmo_bot(down_standin, clock, path)
    try:
        await down_standin.invoke(
            "admin prompts schedule", user=demo.admin, guild=demo.guild, channel=demo.general,
            options={"channel": demo.prompts}, time="09:00", days="daily", timezone=LONDON,
        )  # fmt: skip
    finally:
        await stop_pmo_bot(bot)
    # Down from 08:00 to 12:00: the 09:00 post is 3 h late, inside the 6 h grace window.
    await clock.set(datetime(2026, 3, 2, 12, 0, tzinfo=UTC))
    bot = await start_pmo_bot(down_standin, clock, path)
    try:
        await bot.scheduler.wait_idle()
        await down_standin.settle()
        assert [m.created_at for m in posts(down_standin, demo.prompts)] == [clock.now()]
        assert await job_rows(bot) == [("sent", 1, 1772442000), ("pending", 0, 1772528400)]
    finally:
        await stop_pmo_bot(bot)
    # Down until 17:00 the next day: 8 h late is beyond the grace window, so it is skipped, not sent.
    await clock.set(datetime(2026, 3, 3, 17, 0, tzinfo=UTC))
    bot = await start_pmo_bot(down_standin, clock, path)
    try:
        await bot.scheduler.wait_idle()
        await down_standin.settle()
        assert len(posts(down_standin, demo.prompts)) == 1
        assert [status for status, _, _ in await job_rows(bot)] == ["sent", "skipped", "pending"]
        status = await down_standin.invoke(
            "admin prompts status", user=demo.admin, guild=demo.guild, channel=demo.general
        )
        assert "skipped" in status.text and "grace" in status.text
        # The day after, posting carries on as normal; the Log this button works on the new bot instance.
        await bot.scheduler.advance(clock, timedelta(days=1))
        await down_standin.settle()
        made = posts(down_standin, demo.prompts)
        assert len(made) == 2 and made[-1].created_at == datetime(2026, 3, 4, 9, 0, tzinfo=UTC)
        opened = await down_standin.click(made[0], log_button(made[0]), user=demo.alice)
        assert opened.modal is not None
    finally:
        await stop_pmo_bot(bot)


@pytest.mark.parametrize(
    "lost",
    [
        # Discord accepted the message; the bot died before recording it (job claimed, no message id).
        "UPDATE prompt_posts SET status = 'reserved', message_id = NULL, thread_id = NULL",
        # The post was recorded and the thread opened; the bot died before recording the thread.
        "UPDATE prompt_posts SET thread_id = NULL",
    ],
    ids=["message", "thread"],
)
async def test_crash_after_send_is_found_in_history_and_not_posted_again(
    down_standin: StandIn, clock: ManualClock, tmp_path: Path, lost: str
) -> None:
    path = tmp_path / "bot.sqlite3"
    demo = down_standin.demo
    assert demo is not None
    bot = await start_pmo_bot(down_standin, clock, path)
    try:
        await down_standin.invoke(
            "admin prompts schedule", user=demo.admin, guild=demo.guild, channel=demo.general,
            options={"channel": demo.prompts}, time="09:00", days="daily", timezone=LONDON,
        )  # fmt: skip
        bot.scheduler.wake()
        await bot.scheduler.advance(clock, timedelta(hours=1))
        await down_standin.settle()
        assert len(posts(down_standin, demo.prompts)) == 1
        # Put the database back to the instant after Discord accepted the message but before the bot recorded
        # it: the job is still claimed and the reservation has no message id.
        await bot.db.execute("UPDATE jobs SET status = 'claimed', message_id = NULL WHERE status = 'sent'")
        await bot.db.execute(lost)
    finally:
        await stop_pmo_bot(bot)
    # Long enough that Discord has forgotten the nonce: only the history check can prevent a second post.
    await clock.advance(timedelta(minutes=30))
    bot = await start_pmo_bot(down_standin, clock, path)
    try:
        await bot.scheduler.wait_idle()
        await down_standin.settle()
        made = posts(down_standin, demo.prompts)
        assert len(made) == 1 and len(down_standin.threads_in(demo.prompts)) == 1
        row = await bot.db.fetch_one("SELECT status, message_id FROM jobs WHERE kind = 'prompt' AND status = 'sent'")
        assert row is not None and row["message_id"] == made[0].id
        post = await bot.db.fetch_one("SELECT status, message_id, thread_id FROM prompt_posts")
        assert post is not None and tuple(post) == ("posted", made[0].id, made[0].thread_id)
    finally:
        await stop_pmo_bot(bot)


@pytest.mark.parametrize("made_by", ["this version", "the version before"])
async def test_recovery_finds_a_post_by_its_button_and_an_older_post_by_its_footer(
    down_standin: StandIn, clock: ManualClock, tmp_path: Path, made_by: str
) -> None:
    path = tmp_path / "bot.sqlite3"
    demo = down_standin.demo
    assert demo is not None
    bot = await start_pmo_bot(down_standin, clock, path)
    try:
        await down_standin.invoke(
            "admin prompts schedule", user=demo.admin, guild=demo.guild, channel=demo.general,
            options={"channel": demo.prompts}, time="09:00", days="daily", timezone=LONDON,
        )  # fmt: skip
        bot.scheduler.wake()
        await bot.scheduler.advance(clock, timedelta(hours=1))
        await down_standin.settle()
        (message,) = posts(down_standin, demo.prompts)
        assert str(message.nonce) not in message.embeds[0]["footer"]["text"]
        if made_by == "the version before":
            # Posted before the upgrade: the occurrence's marker in the footer, as the old code sent it.
            message.embeds[0]["footer"]["text"] = f"Daily prompt · {message.nonce}"
        # Discord accepted the post; the bot died before recording it.
        await bot.db.execute("UPDATE jobs SET status = 'claimed', message_id = NULL WHERE status = 'sent'")
        await bot.db.execute("UPDATE prompt_posts SET status = 'reserved', message_id = NULL, thread_id = NULL")
        await bot.db.execute("DELETE FROM jobs WHERE kind = ?", (service.THREAD_JOB_KIND,))
    finally:
        await stop_pmo_bot(bot)
    await clock.advance(timedelta(minutes=30))  # Discord has forgotten the nonce
    bot = await start_pmo_bot(down_standin, clock, path)
    try:
        await bot.scheduler.wait_idle()
        await down_standin.settle()
        assert posts(down_standin, demo.prompts) == [message]
        assert await bot.db.fetch_value("SELECT message_id FROM prompt_posts") == message.id
    finally:
        await stop_pmo_bot(bot)


@pytest.mark.parametrize("left", ["claimed", "pending"])
async def test_a_thread_job_cut_short_by_a_crash_opens_no_second_thread(
    down_standin: StandIn, clock: ManualClock, tmp_path: Path, left: str
) -> None:
    path = tmp_path / "bot.sqlite3"
    demo = down_standin.demo
    assert demo is not None
    bot = await start_pmo_bot(down_standin, clock, path)
    try:
        await down_standin.invoke(
            "admin prompts schedule", user=demo.admin, guild=demo.guild, channel=demo.general,
            options={"channel": demo.prompts}, time="09:00", days="daily", timezone=LONDON,
        )  # fmt: skip
        bot.scheduler.wake()
        await bot.scheduler.advance(clock, timedelta(hours=1))
        await down_standin.settle()
        assert len(down_standin.threads_in(demo.prompts)) == 1
        # The thread was opened, but the bot died before recording it: the job is still claimed (its outcome
        # unknown) or, as if the attempt's claim were lost, pending with no attempt made (Discord refuses a
        # second thread on the message, 160004).
        attempts = 1 if left == "claimed" else 0
        await bot.db.execute(
            "UPDATE jobs SET status = ?, attempts = ?, message_id = NULL WHERE kind = ?",
            (left, attempts, service.THREAD_JOB_KIND),
        )
        await bot.db.execute("UPDATE prompt_posts SET thread_id = NULL")
    finally:
        await stop_pmo_bot(bot)
    await clock.advance(timedelta(minutes=30))
    bot = await start_pmo_bot(down_standin, clock, path)
    try:
        await bot.scheduler.wait_idle()
        await down_standin.settle()
        made = posts(down_standin, demo.prompts)
        threads = down_standin.threads_in(demo.prompts)
        assert len(made) == 1 and len(threads) == 1
        assert await bot.db.fetch_value("SELECT thread_id FROM prompt_posts") == threads[0].id == made[0].thread_id
        row = await bot.db.fetch_one("SELECT status, message_id FROM jobs WHERE kind = ?", (service.THREAD_JOB_KIND,))
        assert row is not None and tuple(row) == ("sent", threads[0].id)
    finally:
        await stop_pmo_bot(bot)


async def test_posts_due_together_all_go_out_before_their_threads(app: App) -> None:
    # More posts than the dispatcher runs at once (16), so a thread opened inside the post's own job would
    # overtake the later posts.
    await schedule(app)  # 09:00 London = 09:00 UTC on 2 March
    due = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    for token in range(20):
        channel = app.standin.add_channel(app.guild, f"burst-{token}")
        await service.queue_post_now(
            app.bot.db, guild_id=app.guild.id, actor_id=app.admin.id, channel_id=channel.id, token=token, now=due
        )
    app.bot.scheduler.wake()
    await app.advance(timedelta(hours=2))
    await app.standin.settle()
    made = app.standin.requests("POST /channels/{channel_id}/messages", ok=True)
    opened = app.standin.requests("POST /channels/{channel_id}/messages/{message_id}/threads", ok=True)
    assert len(made) == 21 and len(opened) == 21
    assert max(r.seq for r in made) < min(r.seq for r in opened)
    assert await app.bot.db.fetch_value("SELECT COUNT(thread_id) FROM prompt_posts") == 21


async def test_a_thread_failure_never_fails_the_post(app: App) -> None:
    route = "POST /channels/{channel_id}/messages/{message_id}/threads"
    await schedule(app)
    # A 5xx is retried by the dispatcher (the retry looks for a thread first); still one thread.
    app.standin.faults.add(route, status=503, times=2)
    await app.advance(timedelta(hours=1, minutes=5))
    assert len(posts(app)) == 1 and len(app.standin.threads_in("prompts")) == 1
    thread_job = await app.bot.db.fetch_one(
        "SELECT status, attempts FROM jobs WHERE kind = ?", (service.THREAD_JOB_KIND,)
    )
    assert thread_job is not None and tuple(thread_job) == ("sent", 3)
    # A refusal (400) leaves the post without a thread and says why in the status.
    app.standin.faults.add(route, status=400, code=50035, times=1)
    await app.advance(timedelta(days=1))
    made = posts(app)
    assert len(made) == 2 and made[1].thread_id is None and len(app.standin.threads_in("prompts")) == 1
    assert [s for s, _, _ in await job_rows(app.bot)][:2] == ["sent", "sent"]
    status = await app.invoke("admin prompts status", user=app.admin)
    assert "without a discussion thread" in status.text and "400" in status.text
    opened = await app.click(made[1], log_button(made[1]), user="alice")
    assert opened.modal is not None
    # 5xx on every attempt: after the last one the post stays without a thread, noted, nothing failed.
    app.standin.faults.add(route, status=503, times=3)
    await app.advance(timedelta(days=1, minutes=5))
    made = posts(app)
    assert len(made) == 3 and made[2].thread_id is None
    assert [s for s, _, _ in await job_rows(app.bot)][:3] == ["sent", "sent", "sent"]
    rows = await app.bot.db.fetch_all("SELECT status FROM jobs WHERE kind = ? ORDER BY id", (service.THREAD_JOB_KIND,))
    assert [r["status"] for r in rows] == ["sent", "skipped", "skipped"]
    status = await app.invoke("admin prompts status", user=app.admin)
    assert "HTTP 503" in status.text


async def test_the_same_nonce_twice_makes_one_message(app: App) -> None:
    channel_id = app.channel("general").id
    first = await send_once(app.bot, channel_id, nonce="test.1", content="hello", guild_id=app.guild.id)
    second = await send_once(app.bot, channel_id, nonce="test.1", content="hello", guild_id=app.guild.id)
    assert first.id == second.id
    assert [m.content for m in app.messages_in("general")].count("hello") == 1
    body = app.standin.requests("POST /channels/{channel_id}/messages")[-1].message_body
    assert body["nonce"] == "test.1" and body["enforce_nonce"] is True and body["allowed_mentions"]["parse"] == []


# -- failures ----------------------------------------------------------------------------------------------------


async def test_403_pauses_the_schedule_tells_moderators_and_resume_works(app: App, error_log: ErrorLogCapture) -> None:
    await app.invoke(
        "admin config set-channel", user=app.admin, purpose="mod-log", options={"channel": app.channel("mod-log")}
    )
    await schedule(app)
    prompts_channel = app.channel("prompts")
    role = bot_role(app.standin)
    app.standin.set_overwrite(prompts_channel, role, deny=permissions.SEND_MESSAGES)
    await app.advance(timedelta(days=2))
    assert posts(app) == []
    told = [m.content for m in app.messages_in("mod-log") if "Discord refused" in m.content]
    assert len(told) == 1 and "50013" in told[0]
    status = await app.invoke("admin prompts status", user=app.admin)
    assert "Paused" in status.text and "50013" in status.text
    assert [s for s, _, _ in await job_rows(app.bot)] == ["failed"]  # nothing piles up while paused
    app.standin.set_overwrite(
        prompts_channel, role, allow=permissions.SEND_MESSAGES | permissions.CREATE_PUBLIC_THREADS
    )
    resumed = await app.invoke("admin prompts resume", user=app.admin)
    assert "resumed" in resumed.content
    await app.advance(timedelta(days=1))
    assert len(posts(app)) == 1


async def test_without_a_mod_log_the_notice_waits_for_the_next_admin_command(app: App) -> None:
    await schedule(app)
    app.standin.set_overwrite(app.channel("prompts"), bot_role(app.standin), deny=permissions.SEND_MESSAGES)
    await app.advance(timedelta(hours=2))
    status = await app.invoke("admin prompts status", user=app.admin)
    assert any("paused" in m.content for m in status.followups)


async def test_deleted_channel_pauses_the_schedule(app: App) -> None:
    await schedule(app)
    await app.standin.delete_channel(app.channel("prompts"))
    await app.advance(timedelta(hours=2))
    row = await app.bot.db.fetch_one("SELECT paused, paused_reason FROM schedules")
    assert row is not None and row["paused"] == 1


async def test_429_and_500_bursts_post_once(app: App) -> None:
    await schedule(app)
    channel_id = app.channel("prompts").id
    app.standin.faults.add("POST /channels/{channel_id}/messages", status=429, times=3, channel_id=channel_id)
    await app.advance(timedelta(hours=1, minutes=1))
    assert len(posts(app)) == 1
    # 500: discord.py retries by itself once; 503 twice: the scheduler retries with backoff on the moved clock.
    app.standin.faults.add("POST /channels/{channel_id}/messages", status=500, times=1, channel_id=channel_id)
    app.standin.faults.add("POST /channels/{channel_id}/messages", status=503, times=2, channel_id=channel_id)
    await app.advance(timedelta(days=1, minutes=10))
    made = posts(app)
    assert len(made) == 2
    assert [s for s, _, _ in await job_rows(app.bot)][:2] == ["sent", "sent"]
    attempts = await app.bot.db.fetch_value(
        "SELECT attempts FROM jobs WHERE kind = 'prompt' ORDER BY due_at LIMIT 1 OFFSET 1"
    )
    assert attempts == 3


async def test_no_thread_permission_still_posts_and_says_why(app: App) -> None:
    await schedule(app)
    app.standin.set_overwrite(
        app.channel("prompts"), bot_role(app.standin), allow=permissions.SEND_MESSAGES,
        deny=permissions.CREATE_PUBLIC_THREADS,
    )  # fmt: skip
    await app.advance(timedelta(hours=2))
    made = posts(app)
    assert len(made) == 1 and made[0].thread_id is None
    status = await app.invoke("admin prompts status", user=app.admin)
    assert "without a discussion thread" in status.text


# -- members -----------------------------------------------------------------------------------------------------


async def test_log_this_records_an_entry_of_the_prompts_kind(app: App) -> None:
    await schedule(app)
    await app.advance(timedelta(hours=1))
    message = posts(app)[0]
    opened = await app.click(message, log_button(message), user="alice")
    assert opened.modal is not None
    bad = await app.submit_modal(opened, {"minutes": "lots", "activity": "Did it"})
    assert bad.ephemeral and "not a number" in bad.content
    assert await app.bot.db.fetch_value("SELECT COUNT(*) FROM progress_entries") == 0
    opened = await app.click(message, log_button(message), user="alice")
    done = await app.submit_modal(opened, {"minutes": "25", "activity": "Chased three RAID owners"})
    assert done.ephemeral and "Logged 25 min" in done.content
    row = await app.bot.db.fetch_one("SELECT * FROM progress_entries")
    post = await app.bot.db.fetch_one("SELECT kind, prompt_ref FROM prompt_posts")
    assert row is not None and post is not None
    assert (row["user_id"], row["kind"], row["minutes"], row["source"], row["source_ref"]) == (
        app.alice.id, post["kind"], 25, "prompt", post["prompt_ref"],
    )  # fmt: skip


async def test_prompt_today_shows_the_latest_post(app: App) -> None:
    empty = await app.invoke("prompt today", user="bob")
    assert empty.ephemeral and "No prompt has been posted" in empty.content
    await schedule(app)
    await app.advance(timedelta(hours=1))
    message = posts(app)[0]
    today = await app.invoke("prompt today", user="bob")
    assert today.ephemeral and today.embed is not None
    assert today.embed["description"] == message.embeds[0]["description"]
    assert str(message.id) in today.content and str(message.thread_id) in today.content
    assert any(str(b.get("custom_id", "")).startswith("prompt:log:") for b in today.buttons())


async def test_suggest_review_approve_and_reject_with_dms(app: App) -> None:
    reply = await app.invoke("prompt suggest", user="alice", text="Sit in on a steering committee.", kind="exposure")
    assert reply.ephemeral and "waiting" in reply.content
    await app.invoke("prompt suggest", user="bob", text="Write a haiku about Gantt charts.", kind="education")
    app.standin.close_dms(app.bob)
    review = await app.invoke("admin prompts review", user=app.admin)
    assert review.ephemeral and review.embed is not None and "steering committee" in review.embed["description"]
    card = review.message
    assert card is not None
    await app.click(card, "prompt:review:approve:1", user="admin")
    assert "Approved" in card.content and "haiku" in card.embeds[0]["description"]
    await app.click(card, "prompt:review:reject:2", user="admin")
    assert "Rejected" in card.content and "No suggestions" in card.embeds[0]["description"]
    await app.bot.scheduler.wait_idle()
    await app.standin.settle()
    dms = app.dms_to("alice")
    assert len(dms) == 1 and "approved" in dms[0].content and "steering committee" in dms[0].content
    assert not dms[0].pings.users
    assert app.dms_to("bob") == []  # DMs closed: silently skipped
    outcomes = await app.bot.db.fetch_all("SELECT status FROM jobs WHERE kind = 'prompt-outcome' ORDER BY id")
    assert [r["status"] for r in outcomes] == ["sent", "skipped"]
    bank = await app.invoke("admin prompts list", user=app.admin, kind="exposure", page=2)
    assert "steering committee" in bank.text
    again = await app.invoke("admin prompts review", user=app.admin)
    assert "No suggestions" in again.text


async def test_bad_suggestions_are_refused_and_nothing_stored(app: App) -> None:
    blank = await app.invoke("prompt suggest", user="alice", text="   ", kind="exposure")
    assert blank.ephemeral and "Write the prompt" in blank.content
    builtin = app.bot.content.prompts[0].text
    dup = await app.invoke("prompt suggest", user="alice", text=builtin, kind="experience")
    assert "already in" in dup.content
    assert await app.bot.db.fetch_value("SELECT COUNT(*) FROM prompt_suggestions") == 0


async def test_post_now_and_status(app: App) -> None:
    none = await app.invoke("admin prompts post-now", user=app.admin)
    assert "Choose a channel" in none.content
    await schedule(app)
    queued = await app.invoke("admin prompts post-now", user=app.admin)
    assert "on its way" in queued.content
    await app.bot.scheduler.wait_idle()
    await app.standin.settle()
    assert len(posts(app)) == 1
    status = await app.invoke("admin prompts status", user=app.admin)
    text = status.text
    assert "Next post" in text and "<t:1772442000:F>" in text and "posted" in text
    assert "76 active prompts" in text and "75 not yet posted" in text
    await app.advance(timedelta(hours=1))
    made = posts(app)
    assert len(made) == 2 and made[0].embeds[0]["description"] != made[1].embeds[0]["description"]


async def test_add_remove_list_and_import(app: App) -> None:
    added = await app.invoke(
        "admin prompts add", user=app.admin, text="Review one @everyone RAID item.", kind="experience"
    )
    assert "#1" in added.content and not added.pings.everyone
    listed = await app.invoke("admin prompts list", user=app.admin, page=6)
    assert "#1" in listed.text
    choices = await app.autocomplete("admin prompts remove", "id", "#1", user=app.admin)
    assert choices and choices[0]["value"] == "#1"
    removed = await app.invoke("admin prompts remove", user=app.admin, id="#1")
    assert "removed" in removed.content
    gone = await app.invoke("admin prompts remove", user=app.admin, id="#1")
    assert "no active prompt" in gone.content
    data = b"- text: Ask a sponsor what they read first.\n  kind: exposure\n- text: bad\n  kind: reading\n"
    bad = await app.invoke("admin prompts import", user=app.admin, file=Upload("p.yaml", data))
    assert "Nothing was imported" in bad.text and "prompt 2" in bad.text
    good = await app.invoke(
        "admin prompts import", user=app.admin, file=Upload("p.yaml", data.split(b"- text: bad")[0])
    )
    assert "Imported 1" in good.text
    assert await app.bot.db.fetch_value("SELECT COUNT(*) FROM prompts WHERE removed_at IS NULL") == 1


async def test_moderators_are_warned_once_when_fewer_than_seven_unused_prompts_remain(app: App) -> None:
    seeds = app.bot.content.prompts
    for seed in seeds[8:]:  # keep 8 built-in prompts active
        await service.remove_prompt(
            app.bot.db, guild_id=app.guild.id, actor_id=app.admin.id, prompt_id=seed.id, seeds=seeds,
            now=app.clock.now(),
        )  # fmt: skip
    await app.invoke(
        "admin config set-channel", user=app.admin, purpose="mod-log", options={"channel": app.channel("mod-log")}
    )
    await schedule(app)
    await app.advance(timedelta(days=1, hours=1))  # two posts: 6 unused remain after the second

    def warnings() -> list[str]:
        return [m.content for m in app.messages_in("mod-log") if "unused prompt" in m.content]

    assert len(posts(app)) == 2
    assert len(warnings()) == 1 and "Only 6 unused prompt(s) remain" in warnings()[0]
    assert not app.standin.messages_in("mod-log")[-1].pings.everyone
    await app.advance(timedelta(days=3))
    assert len(warnings()) == 1  # once per rotation cycle


async def test_the_prompts_cog_reloads_and_keeps_posting(app: App) -> None:
    await app.bot.reload_extension("cogs.prompts")
    await schedule(app)
    await app.advance(timedelta(hours=1))
    assert len(posts(app)) == 1
