"""Old buttons never act on new rows, and no member can make the bot message someone else repeatedly.

Each test is something a member could do through Discord (adversarially or by accident) that, before the fix,
landed on another member's data or flooded another member or the moderators.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta

import pytest

from bot.services import mentoring as svc
from bot.standin import StoredMessage
from tests.e2e.conftest import App
from tests.e2e.test_mentoring import buttons, offer, proposals_in, request, settle


async def delete_my_data(app: App, user: str) -> None:
    reply = await app.invoke("privacy delete", user=user)
    done = await app.click(reply, "privacy:delete:confirm", user=user)
    assert "deleted" in done.text.lower()


def checkins(app: App, user: str) -> list[StoredMessage]:
    return [m for m in app.dms_to(user) if "How is your mentorship going?" in str(m.embeds)]


def mod_log_posts(app: App, needle: str) -> list[StoredMessage]:
    return [m for m in app.messages_in("mod-log") if needle in (m.content or "")]


async def set_mod_log(app: App) -> None:
    await app.invoke(
        "admin config set-channel", user=app.admin, options={"purpose": "mod-log", "channel": app.channels["mod-log"]}
    )


async def proposal_about_bob(app: App) -> StoredMessage:
    """alice mentors; bob asks; the proposal DM alice received."""
    await offer(app, app.alice, capacity=3)
    await request(app, app.bob)
    await settle(app)
    (dm,) = proposals_in(app.dms_to(app.alice))
    return dm


async def checkin_time(app: App) -> None:
    """alice accepts bob, and the first fortnightly check-in reaches both."""
    dm = await proposal_about_bob(app)
    await app.click(dm, buttons(dm)["Accept"], user=app.alice)
    await app.advance(svc.CHECKIN_EVERY + timedelta(minutes=1))


async def replaced_by_carol(app: App) -> None:
    """bob deletes his data (his rows go) and carol asks alice next."""
    await delete_my_data(app, "bob")
    await request(app, app.carol)
    await settle(app)


# -- ids that are never reused -------------------------------------------------------------------------------------


async def test_an_old_proposal_dm_never_accepts_the_next_members_proposal(app: App) -> None:
    about_bob = await proposal_about_bob(app)
    await replaced_by_carol(app)  # bob's proposal row is deleted with his data

    late = await app.click(about_bob, buttons(about_bob)["Accept"], user=app.alice)

    assert late.ephemeral and "no longer exists" in late.text
    rows = await app.bot.db.fetch_all("SELECT status FROM mentoring_proposals WHERE mentee_id = ?", (app.carol.id,))
    assert [r["status"] for r in rows] == ["pending"]  # carol's request was not accepted behind alice's back
    assert await app.bot.db.fetch_value("SELECT COUNT(*) FROM mentorships") == 0


async def test_a_proposal_after_a_deleted_one_is_delivered(app: App) -> None:
    await proposal_about_bob(app)
    await replaced_by_carol(app)

    dms = proposals_in(app.dms_to(app.alice))
    assert len(dms) == 2 and f"<@{app.carol.id}>" in dms[-1].embeds[0]["description"]
    (carols,) = await app.bot.db.fetch_all("SELECT id FROM mentoring_proposals WHERE mentee_id = ?", (app.carol.id,))
    sent = await app.bot.db.fetch_value(
        "SELECT status FROM jobs WHERE key = ?", (f"{svc.PROPOSAL_JOB}:{carols['id']}",)
    )
    assert sent == "sent"  # its delivery job was not mistaken for the deleted proposal's


async def test_an_old_checkin_never_acts_on_the_next_mentorship(app: App, error_log: object) -> None:
    await set_mod_log(app)
    await checkin_time(app)
    (old_checkin,) = checkins(app, "alice")
    await replaced_by_carol(app)  # the alice–bob mentorship row goes
    carol_dm = proposals_in(app.dms_to(app.alice))[-1]
    await app.click(carol_dm, buttons(carol_dm)["Accept"], user=app.alice)

    late = await app.click(old_checkin, buttons(old_checkin)["Need help"], user=app.alice)

    assert late.ephemeral and "can't find that mentorship" in late.text
    assert mod_log_posts(app, "asked for help") == []
    assert await app.bot.db.fetch_value("SELECT COUNT(*) FROM mentorship_checkins") == 0


async def test_every_id_table_hands_out_a_fresh_id_after_a_delete(app: App) -> None:
    db = app.bot.db
    if db.dialect == "postgresql":
        # Identity columns draw from a sequence, which never hands a number out twice.
        ids = await db.fetch_all(
            "SELECT table_name, is_identity FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND column_name = 'id'"
        )
        assert {"mentoring_proposals", "jobs"} <= {r["table_name"] for r in ids}
        assert [r["table_name"] for r in ids if r["is_identity"] != "YES"] == []
        return
    tables = [
        r["name"]
        for r in await db.fetch_all(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE '%id %INTEGER PRIMARY KEY%'"
        )
        if not r["name"].startswith(("sqlite_", "faq_search_"))
    ]
    assert "mentoring_proposals" in tables and "jobs" in tables
    for table in tables:
        sql = await db.fetch_value("SELECT sql FROM sqlite_master WHERE name = ?", (table,))
        if "guild_id              INTEGER PRIMARY KEY" in sql or "guild_id      INTEGER PRIMARY KEY" in sql:
            continue  # keyed by the guild, no id of its own
        assert "AUTOINCREMENT" in sql, f"{table} can hand a deleted row's id to the next row"


# -- one member must not make the bot message someone else repeatedly ---------------------------------------------


async def test_pause_resume_loop_sends_the_mentor_one_proposal(app: App) -> None:
    await proposal_about_bob(app)
    for _ in range(11):
        await app.invoke("mentoring pause", user=app.bob)
        await settle(app)
        resumed = await app.invoke("mentoring resume", user=app.bob)
        await settle(app)
        assert resumed.ephemeral

    (only,) = proposals_in(app.dms_to(app.alice))
    pending = await app.bot.db.fetch_all(
        "SELECT id FROM mentoring_proposals WHERE mentor_id = ? AND status = 'pending'", (app.alice.id,)
    )
    assert len(pending) == 1  # at most one open proposal per mentee
    accepted = await app.click(only, buttons(only)["Accept"], user=app.alice)  # the first DM still works
    assert "You're now mentoring" in accepted.text


async def test_member_started_proposals_are_rate_limited(app: App) -> None:
    # With alice's DMs closed and no mentoring channel nothing reaches her, so there is nothing to revive: each
    # resume would start a new proposal, and each undeliverable one tells the moderators.
    app.standin.close_dms(app.alice)
    await offer(app, app.alice, capacity=3)
    await request(app, app.bob)
    await settle(app)
    replies = []
    for _ in range(5):
        await app.invoke("mentoring pause", user=app.bob)
        replies.append(await app.invoke("mentoring resume", user=app.bob))
        await settle(app)

    started = await app.bot.db.fetch_value(
        "SELECT COUNT(*) FROM mentoring_proposals WHERE mentee_id = ? AND source = 'request'", (app.bob.id,)
    )
    assert started == svc.MEMBER_PROPOSALS_PER_DAY
    assert "already asked 3 mentors in the last 24 hours" in replies[-1].text
    notices = await app.bot.db.fetch_value(
        "SELECT COUNT(*) FROM moderator_notices WHERE text LIKE '%couldn''t deliver mentoring proposal%'"
    )
    assert notices == svc.MEMBER_PROPOSALS_PER_DAY
    # A day later the member may ask again.
    await app.advance(timedelta(days=1))
    await app.invoke("mentoring pause", user=app.bob)
    later = await app.invoke("mentoring resume", user=app.bob)
    assert "I've asked a mentor" in later.text


async def test_need_help_pressed_25_times_tells_the_moderators_once(app: App) -> None:
    await set_mod_log(app)
    await checkin_time(app)
    (checkin,) = checkins(app, "bob")

    replies = [await app.click(checkin, buttons(checkin)["Need help"], user=app.bob) for _ in range(25)]

    assert len(mod_log_posts(app, "asked for help")) == 1
    assert "I've told the moderators" in replies[0].text
    assert all("moderators already know" in r.text and "<t:" in r.text for r in replies[1:])
    # After "Going well" a later call for help is a new one.
    (alices,) = checkins(app, "alice")
    await app.click(alices, buttons(alices)["Going well"], user=app.alice)
    again = await app.click(checkin, buttons(checkin)["Need help"], user=app.bob)
    assert "I've told the moderators" in again.text
    assert len(mod_log_posts(app, "asked for help")) == 2


async def test_need_help_opens_again_after_a_week(app: App) -> None:
    await set_mod_log(app)
    await checkin_time(app)
    (checkin,) = checkins(app, "bob")
    await app.click(checkin, buttons(checkin)["Need help"], user=app.bob)
    await app.advance(svc.HELP_OPEN_FOR + timedelta(minutes=1))
    await app.click(checkin, buttons(checkin)["Need help"], user=app.bob)
    assert len(mod_log_posts(app, "asked for help")) == 2


# -- a race a member can see -----------------------------------------------------------------------------------------


async def test_prompt_today_while_the_post_is_going_out_shows_it(app: App) -> None:
    from tests.e2e.test_prompts import schedule

    await schedule(app)
    route = "POST /channels/{channel_id}/messages"
    # Hold the post's request at the stand-in: the occurrence is claimed and its prompt reserved, but not yet
    # recorded as posted, which is the moment a member sees the post before the bot has written it down.
    app.standin.faults.add(route, delay=0.5, channel_id=app.channels["prompts"].id)
    going = asyncio.create_task(app.advance(timedelta(hours=1, minutes=1)))
    for _ in range(500):  # bounded: the scheduler reaches 09:00 within a few event-loop turns
        if app.standin.requests(route, channel_id=app.channels["prompts"].id):
            break
        await asyncio.sleep(0.01)
    during = await app.invoke("prompt today", user=app.alice)
    await going

    assert during.ephemeral and "No prompt has been posted" not in during.text
    assert during.embed is not None and "Being posted right now" in during.text
    (posted,) = [m for m in app.messages_in("prompts") if m.embeds]
    assert during.embed["description"] == posted.embeds[0]["description"]
    after = await app.invoke("prompt today", user=app.alice)
    assert "jump to it" in after.text


# -- the matrix: every persistent button of a message whose row was replaced ---------------------------------------


async def _snapshot(app: App) -> dict[str, list[tuple[object, ...]]]:
    tables = ("mentoring_proposals", "mentorships", "mentorship_checkins", "prompt_suggestions", "prompts")
    return {
        t: [tuple(r) for r in await app.bot.db.fetch_all(f"SELECT * FROM {t} ORDER BY id")]  # noqa: S608
        for t in tables
    }


async def _old_proposal(app: App) -> tuple[StoredMessage, str]:
    old = await proposal_about_bob(app)
    await replaced_by_carol(app)
    return old, "alice"


async def _old_checkin(app: App) -> tuple[StoredMessage, str]:
    await checkin_time(app)
    (old,) = checkins(app, "alice")
    await replaced_by_carol(app)
    new = proposals_in(app.dms_to(app.alice))[-1]
    await app.click(new, buttons(new)["Accept"], user=app.alice)
    return old, "alice"


async def _old_review_card(app: App) -> tuple[StoredMessage, str]:
    await app.invoke("prompt suggest", user="alice", text="Sit in on a steering committee.", kind="exposure")
    review = await app.invoke("admin prompts review", user=app.admin)
    assert review.message is not None
    await delete_my_data(app, "alice")
    await app.invoke("prompt suggest", user="carol", text="Shadow a portfolio review board.", kind="exposure")
    return review.message, "admin"


OLD_BUTTONS = [
    pytest.param(_old_proposal, "Accept", id="proposal-accept"),
    pytest.param(_old_proposal, "Decline", id="proposal-decline"),
    pytest.param(_old_checkin, "Going well", id="checkin-well"),
    pytest.param(_old_checkin, "Need help", id="checkin-help"),
    pytest.param(_old_checkin, "End it", id="checkin-end"),
    pytest.param(_old_review_card, "Approve", id="review-approve"),
    pytest.param(_old_review_card, "Reject", id="review-reject"),
]


@pytest.mark.parametrize(("make", "label"), OLD_BUTTONS)
async def test_an_old_messages_button_after_its_row_was_replaced_changes_nothing(
    app: App, make: Callable[[App], Awaitable[tuple[StoredMessage, str]]], label: str
) -> None:
    old, presser = await make(app)
    before = await _snapshot(app)

    reply = await app.click(old, buttons(old)[label], user=presser)

    assert reply.ephemeral, reply.text
    assert "no longer exists" in reply.text or "can't find" in reply.text
    assert await _snapshot(app) == before


async def test_one_member_cannot_flood_the_gap_list(app: App) -> None:
    from cogs.faq import GAPS_PER_DAY, FaqCog

    cog = app.bot.get_cog("FaqCog")
    assert isinstance(cog, FaqCog)
    for _ in range(GAPS_PER_DAY):  # the member's earlier questions today (the cooldown runs on real time)
        assert cog._gaps.allow((app.guild.id, app.alice.id), app.clock.now())

    reply = await app.invoke("faq ask", user=app.alice, question="zxqv wibble frobnicate")

    assert reply.ephemeral and "kept this one to myself" in reply.text
    assert await app.bot.db.fetch_value("SELECT COUNT(*) FROM faq_gaps") == 0
    other = await app.invoke("faq ask", user=app.bob, question="zxqv wibble frobnicate")
    assert "passed your question on" in other.text
    assert await app.bot.db.fetch_value("SELECT COUNT(*) FROM faq_gaps") == 1
