"""Mentor matching end to end through the stand-in: offer, request, DM proposal, accept, thread, check-ins; decline
and expiry moving on; a restart between proposal and click; closed DMs; members who left; rounds; bad input."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.services import mentoring as svc
from bot.standin import PRIVATE_THREAD, InvalidInvocationError, StoredMessage, User
from tests import backends
from tests.e2e.conftest import App, start_pmo_bot, stop_pmo_bot

RISK = "risk-management"
DASHBOARDS = "dashboards"


async def settle(app: App) -> None:
    """Let the scheduler finish what is due now (deliveries, notices) and the stand-in go quiet."""
    await app.advance(timedelta(0))


async def set_mentoring_channel(app: App) -> None:
    reply = await app.invoke(
        "admin config set-channel",
        user=app.admin,
        options={"purpose": "mentoring", "channel": app.channels["mentoring"]},
    )
    assert reply.ephemeral


async def offer(app: App, user: User, areas: str = RISK, capacity: int = 2, timezone: str = "Europe/London") -> Any:
    return await app.invoke("mentoring offer", user=user, areas=areas, capacity=capacity, timezone=timezone)


async def request(app: App, user: User, areas: str = RISK, goal: str = "Run my first risk workshop",
                  timezone: str = "Europe/Paris") -> Any:  # fmt: skip
    return await app.invoke("mentoring request", user=user, areas=areas, goal=goal, timezone=timezone)


def buttons(message: StoredMessage) -> dict[str, str]:
    return {b["label"]: b["custom_id"] for b in message.buttons()}


def proposals_in(messages: list[StoredMessage]) -> list[StoredMessage]:
    return [
        m for m in messages if m.embeds and "Mentoring proposal #" in (m.embeds[0].get("footer") or {}).get("text", "")
    ]


async def count(app: App, table: str) -> int:
    return int(await app.bot.db.fetch_value(f"SELECT COUNT(*) FROM {table}"))  # noqa: S608 - fixed test names


async def moderator_notices(app: App) -> str:
    rows = await app.bot.db.fetch_all("SELECT text FROM moderator_notices WHERE guild_id = ?", (app.guild.id,))
    return "\n".join(r["text"] for r in rows)


# -- the whole journey ---------------------------------------------------------------------------------------------


async def test_offer_request_dm_proposal_accept_thread_and_checkin(app: App) -> None:
    await set_mentoring_channel(app)
    offered = await offer(app, app.alice, f"{RISK}, {DASHBOARDS}", capacity=3)
    assert offered.ephemeral and "Thank you for offering" in offered.content
    assert offered.embed is not None and "Risk management" in str(offered.embed)

    asked = await request(app, app.bob)
    assert asked.ephemeral and "I've asked a mentor" in asked.content
    assert "<t:" in asked.content  # the answer deadline as a Discord timestamp
    await settle(app)

    (dm,) = proposals_in(app.dms_to(app.alice))
    embed = dm.embeds[0]
    assert f"<@{app.bob.id}>" in embed["description"] and "Run my first risk workshop" in str(embed)
    assert not dm.pings.any
    assert set(buttons(dm)) == {"Accept", "Decline"}

    accepted = await app.click(dm, buttons(dm)["Accept"], user=app.alice)
    assert "You're now mentoring" in accepted.text
    edited = app.standin.message(dm.id)
    assert edited.buttons() == [] and "You accepted" in str(edited.embeds[0])
    await settle(app)

    (thread,) = app.standin.threads_in(app.channels["mentoring"])
    assert thread.type == PRIVATE_THREAD and not thread.invitable
    assert {app.alice.id, app.bob.id} <= thread.thread_member_ids
    (welcome,) = app.messages_in(thread)
    assert welcome.pings.users == frozenset({app.alice.id, app.bob.id}) and not welcome.pings.everyone
    matched = [m for m in app.dms_to(app.bob) if "accepted to be your mentor" in str(m.embeds)]
    assert len(matched) == 1 and f"<#{thread.id}>" in str(matched[0].embeds)

    await app.advance(timedelta(days=14))
    alice_checkin = [m for m in app.dms_to(app.alice) if "How is your mentorship going?" in str(m.embeds)]
    bob_checkin = [m for m in app.dms_to(app.bob) if "How is your mentorship going?" in str(m.embeds)]
    assert len(alice_checkin) == 1 and len(bob_checkin) == 1
    assert set(buttons(bob_checkin[0])) == {"Going well", "Need help", "End it"}

    well = await app.click(alice_checkin[0], buttons(alice_checkin[0])["Going well"], user=app.alice)
    assert "Glad to hear it" in well.text
    helped = await app.click(bob_checkin[0], buttons(bob_checkin[0])["Need help"], user=app.bob)
    assert "told the moderators" in helped.text
    assert "asked for help" in await moderator_notices(app)

    # The next check-in comes two weeks later, and "End it" ends the mentorship with a rating.
    await app.advance(timedelta(days=14))
    latest = [m for m in app.dms_to(app.bob) if "How is your mentorship going?" in str(m.embeds)][-1]
    assert latest.id != bob_checkin[0].id
    form = await app.click(latest, buttons(latest)["End it"], user=app.bob)
    assert form.modal is not None
    done = await app.submit_modal(form, {form.modal_fields()[0]["custom_id"]: "5"}, user=app.bob)
    assert "has ended" in done.text
    row = await app.bot.db.fetch_one("SELECT status, rating, end_reason FROM mentorships")
    assert tuple(row) == ("ended", 5, "mentee")
    await settle(app)
    assert any("was ended by your mentee" in str(m.embeds) for m in app.dms_to(app.alice))


async def test_status_shows_everything_and_offers_the_buttons_to_the_mentor(app: App) -> None:
    await offer(app, app.alice)
    await request(app, app.bob)
    await settle(app)
    mentor = await app.invoke("mentoring status", user=app.alice)
    assert mentor.ephemeral and "Waiting for your answer" in str(mentor.embed)
    (proposal_id,) = await app.bot.db.fetch_all("SELECT id FROM mentoring_proposals")
    assert f"mentoring:accept:{proposal_id[0]}:{app.bob.id}" in [b["custom_id"] for b in mentor.buttons()]
    mentee = await app.invoke("mentoring status", user=app.bob)
    assert "A mentor has until" in str(mentee.embed)


# -- decline, expiry, second clicks, restarts -------------------------------------------------------------------------


async def test_decline_moves_on_to_the_next_candidate(app: App) -> None:
    await offer(app, app.alice, f"{RISK}, {DASHBOARDS}")
    await offer(app, app.carol, RISK)
    await request(app, app.bob, f"{RISK}, {DASHBOARDS}")
    await settle(app)
    (first,) = proposals_in(app.dms_to(app.alice))
    declined = await app.click(first, buttons(first)["Decline"], user=app.alice)
    assert "won't propose this member to you again" in declined.text
    await settle(app)
    (second,) = proposals_in(app.dms_to(app.carol))
    assert f"<@{app.bob.id}>" in second.embeds[0]["description"]
    assert app.standin.message(first.id).buttons() == []  # the declined message has no buttons left


async def test_a_second_click_and_someone_elses_click_get_clear_answers(app: App) -> None:
    await set_mentoring_channel(app)
    app.standin.close_dms(app.alice)  # so the proposal sits in the channel where others can press it too
    await offer(app, app.alice)
    await request(app, app.bob)
    await settle(app)
    (post,) = proposals_in(app.messages_in("mentoring"))
    accept = buttons(post)["Accept"]
    stranger = await app.click(post, accept, user=app.carol)
    assert stranger.ephemeral and "only they can answer" in stranger.text
    copy = await app.invoke("mentoring status", user=app.alice)  # a second copy of the same buttons
    await app.click(post, accept, user=app.alice)
    again = await app.click(copy, accept, user=app.alice)
    assert again.ephemeral and "already accepted" in again.text
    assert await count(app, "mentorships") == 1


async def test_answering_from_status_also_updates_the_delivered_proposal(app: App) -> None:
    await offer(app, app.alice)
    await request(app, app.bob)
    await settle(app)
    (dm,) = proposals_in(app.dms_to(app.alice))
    status = await app.invoke("mentoring status", user=app.alice)
    decline = next(b["custom_id"] for b in status.buttons() if b["custom_id"].startswith("mentoring:decline:"))
    await app.click(status, decline, user=app.alice)
    updated = app.standin.message(dm.id)
    assert updated.buttons() == [] and "Declined" in str(updated.embeds[0])


async def test_expiry_by_moving_the_clock_tries_the_next_candidate(app: App) -> None:
    await offer(app, app.alice)
    await offer(app, app.carol, timezone="Asia/Tokyo")
    await request(app, app.bob)
    await settle(app)
    (first,) = proposals_in(app.dms_to(app.alice))
    await app.advance(timedelta(days=3, minutes=1))
    expired = app.standin.message(first.id)
    assert expired.buttons() == [] and "Expired" in str(expired.embeds[0])
    (second,) = proposals_in(app.dms_to(app.carol))
    assert f"<@{app.bob.id}>" in second.embeds[0]["description"]
    statuses = [r["status"] for r in await app.bot.db.fetch_all("SELECT status FROM mentoring_proposals ORDER BY id")]
    assert statuses == ["expired", "pending"]


async def test_the_last_expiry_tells_the_mentee_why_and_when_the_next_round_runs(app: App) -> None:
    await offer(app, app.alice)
    await request(app, app.bob)
    await settle(app)
    await app.advance(timedelta(days=3, minutes=1))
    (notice,) = [m for m in app.dms_to(app.bob) if "couldn't find you a mentor" in str(m.embeds)]
    text = str(notice.embeds)
    assert "already been proposed to you" in text and "next matching round runs <t:" in text


async def test_a_restart_between_proposal_and_click_keeps_the_buttons_working(app: App) -> None:
    await offer(app, app.alice)
    await request(app, app.bob)
    await settle(app)
    (dm,) = proposals_in(app.dms_to(app.alice))
    path = app.bot.settings.database_path
    await stop_pmo_bot(app.bot)
    restarted = await start_pmo_bot(app.standin, app.clock, path)
    try:
        accepted = await app.standin.click(dm, buttons(dm)["Accept"], user=app.alice)
        assert "You're now mentoring" in accepted.text
        assert await restarted.db.fetch_value("SELECT status FROM mentorships") == "active"
        await restarted.scheduler.wait_idle()
        await app.standin.settle()
        assert any("accepted to be your mentor" in str(m.embeds) for m in app.dms_to(app.bob))
    finally:
        await stop_pmo_bot(restarted)


async def test_a_click_after_expiry_gets_a_clear_answer_even_after_a_restart(app: App) -> None:
    await offer(app, app.alice)
    await request(app, app.bob)
    await settle(app)
    (dm,) = proposals_in(app.dms_to(app.alice))
    accept = buttons(dm)["Accept"]
    status = await app.invoke("mentoring status", user=app.alice)  # a second copy of the buttons
    await app.advance(timedelta(days=3, minutes=1))
    late = await app.click(status, accept, user=app.alice)
    assert late.ephemeral and "expired" in late.text


# -- closed DMs and members who left -------------------------------------------------------------------------------


async def test_closed_dms_post_the_proposal_in_the_mentoring_channel_mentioning_only_the_mentor(app: App) -> None:
    await set_mentoring_channel(app)
    app.standin.close_dms(app.alice)
    await offer(app, app.alice)
    await request(app, app.bob)
    await settle(app)
    assert proposals_in(app.dms_to(app.alice)) == []
    (post,) = proposals_in(app.messages_in("mentoring"))
    assert post.content.startswith(f"<@{app.alice.id}>")
    assert post.pings.users == frozenset({app.alice.id}) and not post.pings.roles and not post.pings.everyone
    accepted = await app.click(post, buttons(post)["Accept"], user=app.alice)
    assert "You're now mentoring" in accepted.text


async def test_closed_dms_without_a_mentoring_channel_tell_the_moderators(app: App) -> None:
    app.standin.close_dms(app.alice)
    await offer(app, app.alice)
    await request(app, app.bob)
    await settle(app)
    assert "no mentoring channel is set" in await moderator_notices(app)
    # The mentor can still answer from /mentoring status.
    status = await app.invoke("mentoring status", user=app.alice)
    accept = next(b["custom_id"] for b in status.buttons() if b["custom_id"].startswith("mentoring:accept:"))
    assert "You're now mentoring" in (await app.click(status, accept, user=app.alice)).text


async def test_a_mentor_who_left_is_paused_and_the_proposal_moves_on(app: App) -> None:
    await offer(app, app.alice)
    await offer(app, app.carol, timezone="Asia/Tokyo")
    await app.standin.remove_member(app.guild, app.alice)
    await request(app, app.bob)
    await settle(app)
    assert proposals_in(app.dms_to(app.alice)) == []
    (moved,) = proposals_in(app.dms_to(app.carol))
    assert f"<@{app.bob.id}>" in moved.embeds[0]["description"]
    paused = await app.bot.db.fetch_one("SELECT paused, paused_reason FROM mentoring_members WHERE user_id = ?",
                                        (app.alice.id,))  # fmt: skip
    assert tuple(paused) == (1, "left")


# -- rounds ----------------------------------------------------------------------------------------------------------


async def test_a_round_preview_then_a_real_round(app: App) -> None:
    # Requests first (nobody to propose yet), then mentors: the round has to decide.
    await request(app, app.bob, f"{RISK}, {DASHBOARDS}")
    await request(app, app.dave, RISK)
    await request(app, app.carol, "governance")
    await offer(app, app.alice, f"{RISK}, {DASHBOARDS}", capacity=1)
    await offer(app, app.mod, DASHBOARDS, capacity=1)
    await settle(app)
    jobs_before = await count(app, "jobs")

    preview = await app.invoke("admin mentors round", user=app.admin, preview=True)
    assert preview.ephemeral and "Preview" in str(preview.embed)
    text = str(preview.embed)
    assert f"<@{app.bob.id}> → <@{app.mod.id}>" in text and f"<@{app.dave.id}> → <@{app.alice.id}>" in text
    assert "no mentor here offers any of the areas" in text
    assert await count(app, "mentoring_proposals") == 0 and await count(app, "jobs") == jobs_before
    assert app.dms_to(app.alice) == [] and app.dms_to(app.mod) == []

    real = await app.invoke("admin mentors round", user=app.admin)
    assert "proposal #" in str(real.embed)
    await settle(app)
    assert len(proposals_in(app.dms_to(app.alice))) == 1 and len(proposals_in(app.dms_to(app.mod))) == 1
    (why,) = [m for m in app.dms_to(app.carol) if "couldn't find you a mentor" in str(m.embeds)]
    assert "next matching round runs <t:" in str(why.embeds)
    assert any("found a mentor who fits" in str(m.embeds) for m in app.dms_to(app.bob))
    audit = await app.bot.db.fetch_value("SELECT action FROM audit_log WHERE action = 'mentoring.round'")
    assert audit == "mentoring.round"


async def test_the_weekly_round_runs_by_itself_and_names_the_next_one(app: App) -> None:
    await request(app, app.bob, RISK)
    await request(app, app.carol, "governance")
    await offer(app, app.alice, RISK)
    await settle(app)
    assert proposals_in(app.dms_to(app.alice)) == []
    await app.advance(timedelta(days=1))  # the demo clock starts on a Monday at 08:00 UTC; rounds run at 09:00
    assert len(proposals_in(app.dms_to(app.alice))) == 1
    (why,) = [m for m in app.dms_to(app.carol) if "couldn't find you a mentor" in str(m.embeds)]
    next_monday = int(datetime(2026, 3, 9, 9, 0, tzinfo=UTC).timestamp())
    assert f"<t:{next_monday}:F>" in str(why.embeds)


async def test_moderators_match_unmatch_and_see_pending_and_stats(app: App) -> None:
    await offer(app, app.alice)
    await request(app, app.bob)
    await settle(app)
    (dm,) = proposals_in(app.dms_to(app.alice))
    await app.click(dm, buttons(dm)["Decline"], user=app.alice)
    await settle(app)
    pending = await app.invoke("admin mentors pending", user=app.admin)
    assert f"<@{app.bob.id}>" in str(pending.embed) and "waiting since <t:" in str(pending.embed)

    matched = await app.invoke("admin mentors match", user=app.admin, mentee=app.bob, mentor=app.alice)
    assert "Proposed" in matched.content
    await settle(app)
    second = proposals_in(app.dms_to(app.alice))[-1]
    await app.click(second, buttons(second)["Accept"], user=app.alice)
    choices = await app.autocomplete("admin mentors unmatch", "match", "", user=app.admin)
    assert len(choices) == 1
    unmatched = await app.invoke("admin mentors unmatch", user=app.admin, match=choices[0]["value"])
    assert "back on the waiting list" in unmatched.content
    stats = await app.invoke("admin mentors stats", user=app.admin)
    assert "Mentoring overview" in str(stats.embed) and "1 declined" in str(stats.embed)
    with pytest.raises(InvalidInvocationError):
        await app.invoke("admin mentors round", user=app.bob)  # not a moderator: Discord hides it


async def test_mentors_match_refuses_self(app: App) -> None:
    await offer(app, app.alice)
    await request(app, app.alice, DASHBOARDS)
    reply = await app.invoke("admin mentors match", user=app.admin, mentee=app.alice, mentor=app.alice)
    assert reply.ephemeral and "can't mentor themself" in reply.content


# -- bad input ---------------------------------------------------------------------------------------------------------


async def test_areas_autocomplete_completes_the_last_item(app: App) -> None:
    choices = await app.autocomplete("mentoring offer", "areas", f"{RISK}, dash", user=app.alice)
    assert choices and choices[0]["value"] == f"{RISK}, {DASHBOARDS}"
    assert all(len(c["name"]) <= 100 and len(c["value"]) <= 100 for c in choices)


@pytest.mark.parametrize(
    ("command", "values", "message"),
    [
        ("mentoring offer", {"areas": "underwater basket weaving", "capacity": 2, "timezone": "UTC"}, "don't know"),
        ("mentoring offer", {"areas": RISK, "capacity": 2, "timezone": "Mars/Olympus_Mons"}, "not a timezone"),
        ("mentoring request", {"areas": "knitting", "goal": "Learn", "timezone": "UTC"}, "don't know the area"),
        ("mentoring request", {"areas": RISK, "goal": "Learn", "timezone": "Nowhere/City"}, "not a timezone"),
        ("mentoring request", {"areas": RISK, "goal": "   ", "timezone": "UTC"}, "can't be empty"),
    ],
)
async def test_bad_input_is_refused_clearly_and_nothing_is_stored(
    app: App, command: str, values: dict[str, Any], message: str
) -> None:
    reply = await app.invoke(command, user=app.alice, **values)
    assert reply.ephemeral and message in reply.content
    assert await count(app, "mentor_profiles") == 0
    assert await count(app, "mentee_requests") == 0


@pytest.mark.parametrize(
    ("command", "values"),
    [
        ("mentoring offer", {"areas": RISK, "capacity": 0, "timezone": "UTC"}),
        ("mentoring offer", {"areas": RISK, "capacity": 11, "timezone": "UTC"}),
        ("mentoring request", {"areas": RISK, "goal": "g" * (svc.MAX_GOAL + 1), "timezone": "UTC"}),
        ("mentoring end", {"rating": 6}),
    ],
)
async def test_out_of_range_options_are_refused_by_discord_before_the_bot_sees_them(
    app: App, command: str, values: dict[str, Any]
) -> None:
    # The options declare their ranges, so Discord's client refuses these; the service refuses them too
    # (tests/test_mentoring_service.py) in case a client sends them anyway.
    with pytest.raises(InvalidInvocationError):
        await app.invoke(command, user=app.alice, **values)
    assert await count(app, "mentor_profiles") == 0
    assert await count(app, "mentee_requests") == 0


async def test_offer_with_a_bio_stores_nothing_until_the_form_is_sent(app: App) -> None:
    form = await app.invoke("mentoring offer", user=app.alice, areas=RISK, capacity=2, timezone="UTC", bio=True)
    assert form.modal is not None
    assert await count(app, "mentor_profiles") == 0
    saved = await app.submit_modal(form, {form.modal_fields()[0]["custom_id"]: "Fifteen years in PMOs."})
    assert "Fifteen years in PMOs." in str(saved.embeds)
    assert await app.bot.db.fetch_value("SELECT bio FROM mentor_profiles") == "Fifteen years in PMOs."


async def test_the_add_a_bio_button_opens_the_form(app: App) -> None:
    offered = await offer(app, app.alice)
    form = await app.click(offered, buttons(offered.message)["Add a bio"], user=app.alice)
    assert form.modal is not None
    await app.submit_modal(form, {form.modal_fields()[0]["custom_id"]: "Ask me about RAID logs."})
    assert await app.bot.db.fetch_value("SELECT bio FROM mentor_profiles") == "Ask me about RAID logs."


async def test_pause_and_resume(app: App) -> None:
    await offer(app, app.alice)
    paused = await app.invoke("mentoring pause", user=app.alice)
    assert "Paused" in paused.content
    asked = await request(app, app.bob)
    assert "couldn't find you a mentor" in asked.content and "paused" in asked.content
    resumed = await app.invoke("mentoring resume", user=app.alice)
    assert "Welcome back" in resumed.content
    await app.advance(timedelta(days=7))
    assert len(proposals_in(app.dms_to(app.alice))) == 1


# -- sending exactly once ----------------------------------------------------------------------------------------------


async def test_proposals_are_sent_with_a_nonce_that_discord_enforces(app: App) -> None:
    await offer(app, app.alice)
    await request(app, app.bob)
    await settle(app)
    (dm,) = proposals_in(app.dms_to(app.alice))
    (sent,) = [r for r in app.standin.requests("POST /channels/{channel_id}/messages") if r.message_id == dm.id]
    assert sent.json["nonce"] and sent.json["enforce_nonce"] is True
    assert sent.json["allowed_mentions"]["parse"] == []


async def test_a_crash_after_sending_a_proposal_does_not_send_it_twice(app: App) -> None:
    await offer(app, app.alice)
    await request(app, app.bob)
    await settle(app)
    assert len(proposals_in(app.dms_to(app.alice))) == 1
    path = app.bot.settings.database_path
    await stop_pmo_bot(app.bot)
    # As if the process died after Discord accepted the DM but before the outcome was recorded, and long enough
    # ago that Discord has forgotten the nonce: only the DM's history (the proposal's footer) can tell.
    db = await backends.open_database(path)
    try:
        await db.execute("UPDATE jobs SET status = 'claimed', message_id = NULL WHERE kind = ?", (svc.PROPOSAL_JOB,))
    finally:
        await db.close()
    await app.clock.advance(timedelta(hours=1))
    restarted = await start_pmo_bot(app.standin, app.clock, path)
    try:
        await restarted.scheduler.wait_idle()
        await app.standin.settle()
        assert len(proposals_in(app.dms_to(app.alice))) == 1
        assert app.standin.requests("GET /channels/{channel_id}/messages"), "the DM's history was not checked"
        status = await restarted.db.fetch_value("SELECT status FROM jobs WHERE kind = ?", (svc.PROPOSAL_JOB,))
        assert status == "sent"
    finally:
        await stop_pmo_bot(restarted)


async def test_end_with_feedback_and_rating(app: App) -> None:
    nothing = await app.invoke("mentoring end", user=app.bob)
    assert nothing.ephemeral and "no active mentorship" in nothing.content
    await offer(app, app.alice)
    await request(app, app.bob)
    await settle(app)
    (dm,) = proposals_in(app.dms_to(app.alice))
    await app.click(dm, buttons(dm)["Accept"], user=app.alice)
    (choice,) = await app.autocomplete("mentoring end", "mentorship", "", user=app.bob)
    assert choice["name"].startswith("#") and "mentored by" in choice["name"]
    ended = await app.invoke(
        "mentoring end", user=app.bob, mentorship=choice["value"], rating=4, feedback="Great @everyone support"
    )
    assert ended.ephemeral and "has ended" in ended.content and not ended.pings.any
    row = await app.bot.db.fetch_one("SELECT status, rating, feedback, end_reason FROM mentorships")
    assert tuple(row) == ("ended", 4, "Great @everyone support", "mentee")
    again = await app.invoke("mentoring end", user=app.bob, mentorship=choice["value"])
    assert "already ended" in again.content
