"""The bot as a separate process (``python -m bot``) reaches the stand-in only through its environment, and
survives SIGKILL: a restart on the same database serves commands again without re-syncing them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.standin import BotProcess, DemoGuild, StandIn

pytestmark = pytest.mark.slow


@pytest.fixture
async def standin() -> AsyncIterator[StandIn]:
    """A stand-in on the real clock (the bot process keeps its own clock)."""
    async with StandIn() as server:
        server.demo_guild()
        yield server


async def test_killed_bot_comes_back_on_the_same_database(standin: StandIn, tmp_path: Path) -> None:
    demo = standin.demo
    assert isinstance(demo, DemoGuild)
    process = BotProcess(
        standin,
        database_path=tmp_path / "bot.sqlite3",
        clock_start=datetime(2026, 3, 2, 8, 0, tzinfo=UTC),
        log_level="INFO",
    )
    async with process:
        first = await standin.invoke("help", user=demo.alice)
        assert first.ephemeral and first.embed is not None
        assert await process.kill() == -9
        await process.start()
        await process.wait_ready()
        second = await standin.invoke("help", user=demo.bob)
        assert second.embed is not None
        assert process.starts == 2
    assert not process.running
    assert standin.gateway.identify_count == 2
    # The command payload did not change, so the restarted bot did not sync again.
    assert len(standin.requests("PUT /applications/{application_id}/commands")) == 1
    assert "Traceback" not in process.output()


async def test_sigterm_shuts_down_cleanly(standin: StandIn, tmp_path: Path) -> None:
    process = BotProcess(standin, database_path=tmp_path / "bot.sqlite3")
    await process.start()
    try:
        await process.wait_ready()
    finally:
        code = await process.terminate(timeout=3)
    assert code == 0, process.output()[-2000:]


async def test_bad_token_exits_before_ready(standin: StandIn, tmp_path: Path) -> None:
    process = BotProcess(standin, database_path=tmp_path / "bot.sqlite3", token="not-the-token")
    await process.start()
    try:
        with pytest.raises(RuntimeError, match="exited with 2"):
            await process.wait_ready(timeout=20)
    finally:
        await process.kill()
    assert "DISCORD_TOKEN" in process.output()
