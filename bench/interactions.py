"""Interaction overhead and event-loop health: the real PMOBot against a bare discord.py bot on the same stand-in.

The stand-in runs in a process of its own (:mod:`bench._standin_proc`) and fires the interactions; the bot under
test runs alone in this process, with a 1 ms event-loop probe beside it. Latency is read entirely on the
stand-in's side: from the moment INTERACTION_CREATE was written to the bot's websocket to the moment the bot's
first callback request (``POST /interactions/{id}/{token}/callback``) arrived. Both bots pay the same stand-in,
socket and discord.py costs, so the ratio isolates what the bot's own code adds.

The mix, in turn: ``/faq ask`` (search, and a knowledge gap recorded on a miss), ``/progress log`` (a write
transaction and a read of the recent mix), ``/role info`` autocomplete while typing, and ``/role info``. Members
rotate over 6,001 users so ``/faq ask``'s per-member cooldown (3 per 30 s) is not what is measured. The baseline
answers ``/ping`` at once.

Each bot gets: a warm-up; N interactions at 100/s (open loop: sent on schedule whatever the answers do); the
highest rate it sustains, measured as the throughput with 32 interactions in flight (closed loop); N at 80 %
of PMOBot's highest rate (open loop; the baseline at the same rate, so the comparison is at equal load); and each
command alone, one at a time, so its own cost shows without queueing behind the others.

Run: ``python -m bench.interactions [--count 5000] [--bare-count 2000] [--quick]``.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import math
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench._bots import PING, BareBot, LoopProbe, close, connect, make_pmo_bot, point_discord_at, restore_discord
from bench._report import Figure, emit
from bench._standin_proc import StandInProcess, percentile

log = logging.getLogger(__name__)

QUESTIONS = (
    "what is the difference between a pmo analyst and a project manager",
    "what is the 70 20 10 rule",
    "how do I find a mentor",
    "which skills does a project coordinator need",
    "how should I write my CV for a PMO job",
    "what certifications help in a PMO career",
    "can I bring my dog to the office on fridays",
    "what does a reporting analyst do all day",
)
ACTIVITIES = ("Ran the RAID review", "Shadowed the portfolio board", "Finished a course module", "Read a PMO book")
KINDS = ("experience", "exposure", "education")
TYPED = ("pmo", "pmo an", "coord", "report", "support", "admin")
ROLES = ("pmo-analyst", "project-coordinator", "pmo-administrator", "reporting-analyst")


def pmo_mix() -> list[dict[str, Any]]:
    """A cycle of interactions: ask, log, autocomplete, info — varied values."""
    items: list[dict[str, Any]] = []
    for i in range(24):
        items.append({"kind": "invoke", "path": "faq ask", "values": {"question": QUESTIONS[i % len(QUESTIONS)]}})
        items.append(
            {
                "kind": "invoke",
                "path": "progress log",
                "values": {"kind": KINDS[i % 3], "minutes": 15 + i, "activity": ACTIVITIES[i % len(ACTIVITIES)]},
            }
        )
        items.append({"kind": "autocomplete", "path": "role info", "option": "role", "value": TYPED[i % len(TYPED)]})
        items.append({"kind": "invoke", "path": "role info", "values": {"role": ROLES[i % len(ROLES)]}})
    return items


@dataclass
class Run:
    """One load run: latencies (ms; None = not answered within the deadline) and loop lags (ms)."""

    latencies: list[float | None]
    lags: list[float]
    elapsed: float

    @property
    def answered(self) -> list[float]:
        """Latencies of the answered interactions."""
        return [v for v in self.latencies if v is not None]

    @property
    def unanswered(self) -> int:
        """Interactions without a first response within 3 s."""
        return sum(1 for v in self.latencies if v is None)

    def latency(self, q: float) -> float:
        """Latency percentile (ms)."""
        return percentile(self.answered, q)

    def lag(self, q: float) -> float:
        """Loop-lag percentile (ms)."""
        return percentile(self.lags, q)

    @property
    def rate(self) -> float:
        """Interactions per second achieved."""
        return len(self.latencies) / self.elapsed if self.elapsed else math.nan


@dataclass
class BotResult:
    """Everything measured for one bot."""

    at_100: Run
    max_rate: float
    at_high: Run | None = None
    alone: dict[str, Run] | None = None  # each command one at a time: its own cost, without queueing


class Session:
    """One bot connected to the stand-in process, with the probe, and a running interaction counter."""

    def __init__(self, standin: StandInProcess, items: list[dict[str, Any]]) -> None:
        self.standin = standin
        self.items = items
        self.offset = 0
        self.probe = LoopProbe()

    async def load(self, count: int, *, rate: float | None = None, concurrency: int = 32) -> Run:
        """Fire ``count`` interactions, probing this process's event loop meanwhile."""
        self.probe.start()
        answer = await self.standin.call(
            "load", items=self.items, count=count, rate=rate, concurrency=concurrency, offset=self.offset
        )
        lags = await self.probe.stop()
        self.offset += count
        if answer["sender_behind_ms"] > 50:
            log.warning("the stand-in fell %.0f ms behind its sending schedule", answer["sender_behind_ms"])
        return Run(answer["latencies_ms"], [lag * 1000 for lag in lags], answer["elapsed"])


async def _measure(
    bot: Any, standin: StandInProcess, items: list[dict[str, Any]], count: int, high: float | None, quick: bool
) -> BotResult:
    old = point_discord_at(standin.api_base, standin.gateway_url)
    task = await connect(bot, standin.token)
    try:
        session = Session(standin, items)
        await session.load(len(items) * (1 if quick else 4), concurrency=8)  # warm-up: caches, search index
        at_100 = await session.load(count, rate=100.0)
        saturation = await session.load(max(count // 5, 200), concurrency=32)
        result = BotResult(at_100=at_100, max_rate=saturation.rate)
        rate = high if high is not None else 0.8 * saturation.rate
        result.at_high = await session.load(count, rate=rate)
        result.alone = {}
        for label, group in _groups(items).items():
            alone = Session(standin, group)
            alone.offset = session.offset + 100_000 * len(result.alone)
            result.alone[label] = await alone.load(20 if quick else 100, concurrency=1)
        return result
    finally:
        await close(bot, task)
        restore_discord(old)


async def run(count: int, bare_count: int, quick: bool) -> tuple[list[Figure], str]:
    """Measure PMOBot, then the bare bot, on one stand-in process."""
    async with StandInProcess(guilds=1, channels=5, members=6001) as standin:
        with tempfile.TemporaryDirectory(prefix="bench-interactions-") as folder:
            pmo_bot = make_pmo_bot(standin.api_base, standin.token, Path(folder) / "bot.sqlite3")
            pmo = await _measure(pmo_bot, standin, pmo_mix(), count, None, quick)
        assert pmo.at_high is not None
        high_rate = pmo.at_high.rate
        bare = await _measure(BareBot(), standin, [PING], bare_count, high_rate, quick)
    assert bare.at_high is not None
    return _figures(pmo, bare, high_rate), (
        f"Interactions: {count:,} for PMOBot (faq ask / progress log / role autocomplete / role info), "
        f"{bare_count:,} for a bare discord.py bot (/ping); stand-in in its own process"
    )


def _latency_figures(label: str, mine: Run, base: Run, goals: bool) -> list[Figure]:
    return [
        Figure(f"{label}: latency p50", mine.latency(50), "ms", baseline=base.latency(50)),
        Figure(
            f"{label}: latency p99",
            mine.latency(99),
            "ms",
            baseline=base.latency(99),
            goal="≤ 1.5× baseline, < 50 ms" if goals else "",
            check=(lambda v, b: b is not None and v <= 1.5 * b and v < 50) if goals else None,
        ),
        Figure(f"{label}: latency max", max(mine.answered, default=math.nan), "ms", baseline=max(base.answered)),
        Figure(
            f"{label}: unanswered in 3 s",
            mine.unanswered,
            baseline=base.unanswered,
            goal="0",
            check=lambda v, _: v == 0,
        ),
        Figure(
            f"{label}: loop lag p99 (1 ms probe)",
            mine.lag(99),
            "ms",
            baseline=base.lag(99),
            goal="< 20 ms",
            check=lambda v, _: v < 20,
        ),
        Figure(
            f"{label}: loop lag max",
            max(mine.lags, default=math.nan),
            "ms",
            baseline=max(base.lags, default=math.nan),
            goal="< 100 ms",
            check=lambda v, _: v < 100,
        ),
    ]


def _label(item: dict[str, Any]) -> str:
    return f"/{item['path']}" + (" autocomplete" if item["kind"] == "autocomplete" else "")


def _groups(items: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    groups: dict[str, list[dict[str, Any]]] = {}
    for item in items:
        groups.setdefault(_label(item), []).append(item)
    return groups


def _by_command(run: Run, items: list[dict[str, Any]]) -> dict[str, list[float]]:
    """Answered latencies of an open-loop run grouped by command (interaction i used items[i % len(items)])."""
    groups: dict[str, list[float]] = {}
    for i, latency in enumerate(run.latencies):
        if latency is not None:
            groups.setdefault(_label(items[i % len(items)]), []).append(latency)
    return groups


def _figures(pmo: BotResult, bare: BotResult, high_rate: float) -> list[Figure]:
    assert pmo.at_high is not None and bare.at_high is not None
    by_command = [
        Figure(f"@100/s: latency p99, {label} only", percentile(values, 99), "ms", baseline=bare.at_100.latency(99))
        for label, values in _by_command(pmo.at_100, pmo_mix()).items()
    ]
    assert pmo.alone is not None and bare.alone is not None
    bare_alone = next(iter(bare.alone.values())).latency(50)
    alone = [
        Figure(f"one at a time: latency p50, {label}", run.latency(50), "ms", baseline=bare_alone)
        for label, run in pmo.alone.items()
    ]
    return [
        *_latency_figures("@100/s", pmo.at_100, bare.at_100, goals=True),
        *by_command,
        *alone,
        Figure("highest sustained rate (32 in flight)", pmo.max_rate, "/s", baseline=bare.max_rate),
        *_latency_figures(f"@{high_rate:.0f}/s (80% of highest)", pmo.at_high, bare.at_high, goals=False),
    ]


def figures(quick: bool = False) -> list[Figure]:
    """The benchmark's figures (``quick``: a few hundred interactions, for a smoke run)."""
    count, bare_count = (400, 200) if quick else (5000, 2000)
    result, _ = asyncio.run(run(count, bare_count, quick))
    return result


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--count", type=int, default=5000)
    parser.add_argument("--bare-count", type=int, default=2000)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    if args.quick:
        args.count, args.bare_count = 400, 200
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    result, title = asyncio.run(run(args.count, args.bare_count, args.quick))
    emit(title, result)


if __name__ == "__main__":
    main()
