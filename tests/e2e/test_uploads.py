"""Moderator uploads (FAQ and prompt imports) share one reader: an over-size file is refused and nothing is stored."""

from __future__ import annotations

import pytest

from bot.services import faq, prompts
from bot.standin import Upload
from tests.e2e.conftest import App


@pytest.mark.parametrize(
    ("path", "limit", "table"),
    [
        ("admin faq import", faq.MAX_IMPORT_BYTES, "faq_entries"),
        ("admin prompts import", prompts.MAX_IMPORT_BYTES, "prompts"),
    ],
)
async def test_an_oversize_import_is_refused_before_download_and_stores_nothing(
    app: App, path: str, limit: int, table: str
) -> None:
    before = await app.bot.db.fetch_value(f"SELECT COUNT(*) FROM {table}")  # noqa: S608 - fixed table names
    upload = Upload("big.yaml", b"# " + b"x" * limit + b"\n")
    reply = await app.invoke(path, user=app.admin, file=upload)
    assert reply.ephemeral
    assert f"imports are limited to {limit // 1024} KB" in reply.content
    assert await app.bot.db.fetch_value(f"SELECT COUNT(*) FROM {table}") == before  # noqa: S608
    assert await app.bot.db.fetch_value("SELECT COUNT(*) FROM audit_log WHERE action LIKE '%import%'") == 0
