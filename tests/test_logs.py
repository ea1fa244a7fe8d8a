"""The redacting filter: tokens never reach a log line, in any form, from any logger, at any level."""

from __future__ import annotations

import io
import json
import logging
import secrets
from collections.abc import Iterator

import discord
import pytest

from bot.logs import HIDDEN, RedactingFilter, setup_logging

# Shaped like real ones: a bot token is base64(id).timestamp.hmac; an interaction token is base64("interaction:…").
BOT_TOKEN = "MTQ0NTY3ODkwMTIzNDU2Nzg5MA.GhT2xQ.Zk3Qv8yN0pL5mR7sT1uW4xA9bC2dE6fG8hJ0kL"
INTERACTION_TOKEN = "aW50ZXJhY3Rpb246MTQ0NTY3ODkwMTIzNDU2Nzg5MTpPcGFxdWVTZWNyZXRWYWx1ZQ"


def opaque() -> str:
    """An interaction token with no recognisable shape (what the stand-in issues is just as opaque)."""
    return secrets.token_urlsafe(32)


@pytest.fixture
def root_log() -> Iterator[io.StringIO]:
    """``setup_logging`` at DEBUG writing to a buffer; the root logger is put back afterwards."""
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


def assert_clean(text: str, *tokens: str) -> None:
    for token in (BOT_TOKEN, *BOT_TOKEN.split("."), *tokens):
        assert token not in text, f"{token!r} leaked into:\n{text}"


def test_json_token_fields_in_gateway_payloads_are_hidden(root_log: io.StringIO) -> None:
    token = opaque()
    payload = {"t": "INTERACTION_CREATE", "op": 0, "d": {"id": "1", "token": token, "type": 2, "version": 1}}
    gateway = logging.getLogger("discord.gateway")
    gateway.debug("For Shard ID %s: WebSocket Event: %s", None, payload)  # a dict: repr, single quotes
    gateway.debug("Received %s", json.dumps(payload))  # raw JSON, double quotes
    gateway.debug("Nested %s", json.dumps({"raw": json.dumps(payload)}))  # JSON inside a JSON string
    logging.getLogger("discord.http").debug("%s", json.dumps({"token": None, "token_ttl": 900, "tokens": 3}))
    text = root_log.getvalue()
    assert_clean(text, token)
    assert text.count(HIDDEN) == 3
    # Values that are not tokens, and keys that only resemble one, are left alone.
    assert '"token": null' in text and '"token_ttl": 900' in text and '"tokens": 3' in text


def test_reprs_keywords_and_headers_are_hidden(root_log: io.StringIO) -> None:
    token, other = opaque(), opaque()
    log = logging.getLogger("bot.client")
    log.debug("state %r", {"interaction_token": token})
    log.debug("InteractionState(id=1, token=%s, type=2)", token)
    log.debug("headers: Authorization: Bot %s", other)
    assert_clean(root_log.getvalue(), token, other)


def test_a_token_seen_once_is_hidden_wherever_it_turns_up_later(root_log: io.StringIO) -> None:
    token = opaque()
    logging.getLogger("discord.gateway").debug("event %s", {"token": token})
    logging.getLogger("cogs.faq").warning("could not answer interaction %s", token)
    assert_clean(root_log.getvalue(), token)
    assert "could not answer interaction <hidden>" in root_log.getvalue()


def test_tokens_in_webhook_and_interaction_paths_are_hidden_there_and_later(root_log: io.StringIO) -> None:
    token = opaque()
    http = logging.getLogger("discord.http")
    http.debug("POST https://discord.com/api/v10/interactions/123/%s/callback with {} has returned 204", token)
    http.debug("PATCH /api/v10/webhooks/456/%s/messages/@original has returned 200", token)
    logging.getLogger("bot.sending").info("retrying followup for %s", token)
    assert_clean(root_log.getvalue(), token)


def test_the_bot_token_and_each_of_its_parts_are_hidden_anywhere(root_log: io.StringIO) -> None:
    first, middle, last = BOT_TOKEN.split(".")
    log = logging.getLogger("discord.client")
    log.info("token %s", BOT_TOKEN)
    log.info("pieces %s / %s / %s", first, middle, last)
    log.info("quoted %r", (last, first))
    assert_clean(root_log.getvalue())


def test_tokens_shaped_like_discords_are_hidden_even_when_unknown(root_log: io.StringIO) -> None:
    stranger = "MTIzNDU2Nzg5MDEyMzQ1Njc4OQ.AbCdEf.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
    logging.getLogger("discord.state").info("some other bot %s and interaction %s", stranger, INTERACTION_TOKEN)
    assert_clean(root_log.getvalue(), stranger, INTERACTION_TOKEN)


def test_exception_tracebacks_are_redacted(root_log: io.StringIO) -> None:
    token = opaque()
    logging.getLogger("discord.gateway").debug("event %s", {"token": token})  # seen once, as discord.py logs it
    try:
        raise RuntimeError(f"failed with {BOT_TOKEN} for {token} at /webhooks/1/{opaque()} and {INTERACTION_TOKEN}")
    except RuntimeError:
        logging.getLogger("bot.tree").exception("Ignoring exception in command")
    text = root_log.getvalue()
    assert "RuntimeError: failed with <hidden> for <hidden> at /webhooks/1/<hidden> and <hidden>" in text
    assert "Traceback (most recent call last)" in text
    assert_clean(text, token, INTERACTION_TOKEN)


def test_a_formatter_that_formats_the_exception_itself_is_redacted_too() -> None:
    # discord.py's colour formatter (used at a terminal and in Docker) re-formats exc_info, ignoring exc_text.
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(discord.utils._ColourFormatter())
    RedactingFilter([BOT_TOKEN]).install(handler)
    logger = logging.Logger("isolated", logging.DEBUG)
    logger.addHandler(handler)
    try:
        raise ValueError(f"bad token {BOT_TOKEN}")
    except ValueError:
        logger.exception("boom")
    assert "ValueError: bad token <hidden>" in stream.getvalue()
    assert_clean(stream.getvalue())


def test_a_bare_filter_redacts_exc_text_for_a_plain_formatter() -> None:
    # How the sandbox uses it: a file handler with a plain formatter and the filter.
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter([BOT_TOKEN]))
    logger = logging.Logger("isolated", logging.DEBUG)
    logger.addHandler(handler)
    try:
        raise KeyError({"token": "x" * 40})
    except KeyError:
        logger.error("lookup failed", exc_info=True)
    assert "x" * 40 not in stream.getvalue() and "KeyError" in stream.getvalue()


def test_stack_info_is_redacted(root_log: io.StringIO) -> None:
    # The stack shows source lines, and this one carries the last part of the bot token in its comment.
    logging.getLogger("bot.scheduler").debug("where am I", stack_info=True)  # Zk3Qv8yN0pL5mR7sT1uW4xA9bC2dE6fG8hJ0kL
    text = root_log.getvalue()
    assert "Stack (most recent call last)" in text and "# <hidden>" in text
    assert_clean(text)


def test_every_logger_that_propagates_passes_through_the_root_handler(root_log: io.StringIO) -> None:
    tokens = {name: opaque() for name in ("discord.gateway", "discord.http", "discord.state", "bot.client", "cogs.x")}
    for name, token in tokens.items():
        logging.getLogger(name).debug("payload %s", {"d": {"token": token}})
    text = root_log.getvalue()
    assert all(name in text for name in tokens)
    assert_clean(text, *tokens.values())


def test_an_unformattable_record_does_not_let_its_arguments_through(root_log: io.StringIO) -> None:
    logging.getLogger("bot.x").debug("two %s %s", {"token": "y" * 30})
    assert "y" * 30 not in root_log.getvalue()
