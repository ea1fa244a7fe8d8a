"""The crash test: the bot as a separate process, SIGKILLed at random moments while prompts fall due, restarted
on the same database at least 20 times; every due post must reach its channel exactly once.

The harness is ``bench/crash_soak.py`` (which runs the same thing with more kills): a sped-up bot clock makes a
post fall due every few seconds, the stand-in shares that clock (so Discord's nonce memory is no help), and four
independent bots run side by side to fit the kills into well under a minute of real time.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bench.crash_soak import run_soak

pytestmark = pytest.mark.slow

KILLS = 20
LANES = 4


async def test_every_due_post_appears_exactly_once_through_20_sigkills(tmp_path: Path) -> None:
    # A killed bot drops connections mid-request; the stand-in's aiohttp server logs each one. Expected here.
    logging.getLogger("aiohttp.server").setLevel(logging.CRITICAL)
    results = await run_soak(kills=KILLS, lanes=LANES, workdir=tmp_path, seed=20260302)

    def when(due: int) -> str:
        return datetime.fromtimestamp(due, UTC).isoformat()

    assert sum(r.kills for r in results) >= 20
    assert sum(r.kills - r.early_kills for r in results) >= 10  # most kills land among posts, not in start-up
    # A post falls due every ~3.3 s of real time in each lane; how many fall due depends on how fast the bot
    # restarts, so this only guards against a run too short to mean anything.
    assert sum(len(r.due) for r in results) >= 20
    for lane, result in enumerate(results):
        context = f"lane {lane}; bot log tail:\n{result.log_tail}"
        assert len(result.due) >= 5, context
        assert {when(d): n for d, n in result.duplicates.items()} == {}, context
        assert [when(d) for d in result.missing] == [], context
        assert [when(d) for d in sorted(result.skipped)] == [], context
        assert [when(d) for d in result.unrecorded] == [], context
        assert result.unknown_messages == 0, context
        assert result.tracebacks == 0, context
