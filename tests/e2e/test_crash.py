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

from bench.crash_soak import SoakResult, run_soak
from tests import backends

pytestmark = pytest.mark.slow

KILLS = 20
LANES = 4


async def test_every_due_post_appears_exactly_once_through_20_sigkills(tmp_path: Path) -> None:
    # A killed bot drops connections mid-request; the stand-in's aiohttp server logs each one. Expected here.
    logging.getLogger("aiohttp.server").setLevel(logging.CRITICAL)
    on_postgres = _lane_schema if backends.BACKEND == "postgresql" else None
    results = await run_soak(kills=KILLS, lanes=LANES, workdir=tmp_path, seed=20260302, database_url=on_postgres)

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


def _assert_exactly_once(results: list[SoakResult]) -> None:
    def when(due: int) -> str:
        return datetime.fromtimestamp(due, UTC).isoformat()

    for lane, result in enumerate(results):
        context = f"lane {lane}; bot log tail:\n{result.log_tail}"
        assert len(result.due) >= 5 and len(result.dm_due) >= 3, context
        assert {when(d): n for d, n in result.duplicates.items()} == {}, context
        assert [when(d) for d in result.missing] == [], context
        assert [when(d) for d in sorted(result.skipped)] == [], context
        assert [when(d) for d in result.unrecorded] == [], context
        assert result.dm_duplicates == {}, context
        assert result.dm_missing == [], context
        assert result.unknown_messages == 0, context
        assert result.tracebacks == 0, context


async def _lane_schema(lane_dir: Path) -> str:
    return await backends.create_schema(lane_dir)


@backends.needs_postgres
async def test_two_copies_with_the_same_shards_post_every_occurrence_once(tmp_path: Path) -> None:
    # The operator's mistake: two processes started with the same settings on one PostgreSQL database. One runs
    # the schedules, the other stands by; kills move the work between them.
    logging.getLogger("aiohttp.server").setLevel(logging.CRITICAL)
    results = await run_soak(
        kills=12, lanes=2, workdir=tmp_path, seed=20261206, database_url=_lane_schema, copies=2, dms=True
    )
    assert sum(r.kills for r in results) == 12 and all(r.processes == 2 for r in results)
    _assert_exactly_once(results)


async def test_a_second_copy_on_the_same_sqlite_file_stands_by(tmp_path: Path) -> None:
    if backends.BACKEND != "sqlite":
        pytest.skip("the SQLite lock file; the PostgreSQL run covers its shard locks above")
    logging.getLogger("aiohttp.server").setLevel(logging.CRITICAL)
    results = await run_soak(kills=8, lanes=1, workdir=tmp_path, seed=7, copies=2, dms=True)
    _assert_exactly_once(results)
