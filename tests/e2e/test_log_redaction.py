"""At LOG_LEVEL=DEBUG no token reaches the log: the real bot through the stand-in, logging as in production.

discord.py logs every gateway payload at DEBUG (INTERACTION_CREATE carries the interaction's token), every REST
URL (interaction callbacks and webhook followups carry it in the path) and, on failures, tracebacks. The log is
captured through ``setup_logging`` itself, the handler and filter ``python -m bot`` installs on the root logger.
"""

from __future__ import annotations

import base64
import io
import logging
import secrets
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta

import pytest

from bot.clock import ManualClock
from bot.logs import setup_logging
from bot.standin import StandIn, StoredMessage
from tests.e2e.conftest import App


def _bot_token() -> str:
    """Shaped like a real bot token: base64 of the bot's id, a timestamp part and an HMAC part."""
    user_id = base64.urlsafe_b64encode(str(1_300_000_000_000_000_000 + secrets.randbelow(10**17)).encode())
    return f"{user_id.decode().rstrip('=')}.{secrets.token_urlsafe(6)[:6]}.{secrets.token_urlsafe(30)[:38]}"


BOT_TOKEN = _bot_token()


@pytest.fixture
def debug_log() -> Iterator[io.StringIO]:
    """The production logging set-up at DEBUG, writing to a buffer; the root logger is restored afterwards."""
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    stream = io.StringIO()
    setup_logging("DEBUG", [BOT_TOKEN], stream=stream)
    try:
        yield stream
    finally:
        for handler in root.handlers[:]:
            if handler not in handlers:
                root.removeHandler(handler)
        root.setLevel(level)


@pytest.fixture
async def standin(clock: ManualClock, debug_log: io.StringIO) -> AsyncIterator[StandIn]:
    """The demo stand-in, with a realistic bot token, started after logging is set up (so login is captured)."""
    async with StandIn(clock=clock.now, token=BOT_TOKEN) as server:
        server.demo_guild()
        yield server


def _button(message: StoredMessage, prefix: str) -> str:
    (custom_id,) = [b["custom_id"] for b in message.buttons() if str(b.get("custom_id", "")).startswith(prefix)]
    return str(custom_id)


async def _a_spread_of_interactions(app: App) -> None:
    # Slash commands, answered directly, deferred and followed up, and refused.
    assert (await app.invoke("help", user=app.alice)).ephemeral
    assert (await app.invoke("role info", user=app.alice, role="pmo-analyst")).embed is not None
    assert await app.autocomplete("role info", "role", "analyst", user=app.bob)
    logged = await app.invoke("progress log", user=app.alice, kind="experience", minutes=45, activity="RAID review")
    assert "Logged" in logged.content
    refused = await app.invoke(
        "progress log", user=app.bob, kind="experience", minutes=5, activity="x", date="2099-01-01"
    )
    assert refused.ephemeral and "future" in refused.content
    assert (await app.invoke("progress show", user=app.alice)).files
    # A button: the FAQ answer's 👍.
    answer = await app.invoke("faq ask", user=app.bob, question="what is the 70 20 10 rule")
    voted = await app.click(answer, _button(answer, "faq:vote:up:"), user=app.bob)
    assert "Glad that helped" in voted.content
    # A scheduled prompt, its "Log this" button and the modal it opens, submitted.
    await app.invoke(
        "admin prompts schedule",
        user=app.admin,
        options={"channel": app.channel("prompts")},
        time="09:00",
        days="daily",
        timezone="Europe/London",
    )
    app.bot.scheduler.wake()
    await app.advance(timedelta(hours=1))
    (post,) = [m for m in app.messages_in("prompts") if m.buttons()]
    opened = await app.click(post, _button(post, "prompt:log:"), user=app.carol)
    assert opened.modal is not None
    done = await app.submit_modal(opened, {"minutes": "25", "activity": "Chased three RAID owners"})
    assert "Logged 25 min" in done.content
    assert (await app.invoke("privacy export", user=app.carol)).ephemeral


async def test_no_token_reaches_the_debug_log(app: App, debug_log: io.StringIO) -> None:
    await _a_spread_of_interactions(app)
    await app.standin.settle()
    text = debug_log.getvalue()

    interaction_tokens = list(app.standin.interactions.by_token)
    assert len(interaction_tokens) >= 10
    # The log is the real one: gateway payloads, REST calls, interaction callbacks and webhook followups.
    assert "INTERACTION_CREATE" in text and "/callback" in text and "/webhooks/" in text
    assert app.standin.requests(method="POST") and any("/webhooks/" in r.path for r in app.standin.requests())
    for token in interaction_tokens:  # a followup's webhook token is its interaction's token
        assert token not in text, "an interaction (webhook) token reached the log"
    assert BOT_TOKEN not in text
    for part in BOT_TOKEN.split("."):
        assert part not in text, "a part of the bot token reached the log"
