"""The accepted pair's private thread is opened once, even when the answer to the thread create is lost."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from bot.standin import PRIVATE_THREAD
from tests.e2e.conftest import App
from tests.e2e.test_mentoring import buttons, offer, proposals_in, request, set_mentoring_channel, settle

THREAD_CREATE = "POST /channels/{channel_id}/threads"


@pytest.fixture(autouse=True)
def _quiet_dropped_connections() -> None:
    # The stand-in drops the connection on purpose; aiohttp's server logs each one.
    logging.getLogger("aiohttp.server").setLevel(logging.CRITICAL)


async def accept(app: App) -> None:
    await set_mentoring_channel(app)
    await offer(app, app.alice)
    await request(app, app.bob)
    await settle(app)
    (dm,) = proposals_in(app.dms_to(app.alice))
    await app.click(dm, buttons(dm)["Accept"], user=app.alice)


async def test_a_thread_whose_create_answer_was_lost_is_adopted_not_made_twice(app: App) -> None:
    # Discord creates the thread, but the bot never hears back: as if it died before recording the thread's id.
    app.standin.faults.add(THREAD_CREATE, lose_response=True, channel_id=app.channels["mentoring"].id)
    await accept(app)
    await app.advance(timedelta(minutes=1))  # the notice job is retried 30 s later, as recovering

    (thread,) = app.standin.threads_in(app.channels["mentoring"])
    assert thread.type == PRIVATE_THREAD and thread.name.endswith("(#1)")
    assert len(app.standin.requests(THREAD_CREATE)) == 1
    assert {app.alice.id, app.bob.id} <= thread.thread_member_ids
    (welcome,) = app.messages_in(thread)
    assert "This private thread is yours" in welcome.content
    recorded = await app.bot.db.fetch_value("SELECT thread_id FROM mentorships")
    assert recorded == thread.id
    matched = [m for m in app.dms_to(app.bob) if "accepted to be your mentor" in str(m.embeds)]
    assert len(matched) == 1 and f"<#{thread.id}>" in str(matched[0].embeds)


async def test_the_thread_name_carries_the_mentorship_number(app: App) -> None:
    await accept(app)
    await settle(app)
    (thread,) = app.standin.threads_in(app.channels["mentoring"])
    assert thread.name.startswith("Mentoring: ") and thread.name.endswith("(#1)") and len(thread.name) <= 100
