"""Interaction overhead and event-loop health: the real PMOBot against a bare discord.py bot on the same stand-in.

Each stand-in runs in a process of its own (:mod:`bench._standin_proc`) and fires the interactions; each bot runs
alone in a process of its own (:mod:`bench._botproc`) with a 1 ms event-loop probe beside it. Both bots are
connected at once and their loads alternate in short segments, so a busy moment on the (shared) machine lands on
both alike. Latency is read entirely on the
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
import os
import sys
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bench._botproc import BotChild
from bench._bots import PING
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
    """One load run: latencies (ms; None = not answered within the deadline), what each was, and loop lags (ms)."""

    latencies: list[float | None]
    labels: list[str]
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

    @classmethod
    def merge(cls, runs: list[Run]) -> Run:
        """Several segments as one run."""
        return cls(
            [v for r in runs for v in r.latencies],
            [label for r in runs for label in r.labels],
            [lag for r in runs for lag in r.lags],
            sum(r.elapsed for r in runs),
        )


@dataclass
class BotResult:
    """Everything measured for one bot."""

    at_100: Run
    max_rate: float
    at_high: Run
    alone: dict[str, Run]  # each command one at a time: its own cost, without queueing


class Session:
    """One bot in its own process, its stand-in in another, and a running interaction counter (fresh members)."""

    def __init__(self, standin: StandInProcess, bot: BotChild, items: list[dict[str, Any]]) -> None:
        self.standin = standin
        self.bot = bot
        self.items = items
        self.offset = 0

    async def load(
        self, count: int, *, rate: float | None = None, concurrency: int = 32, items: list[dict[str, Any]] | None = None
    ) -> Run:
        """Fire ``count`` interactions, probing the bot's event loop meanwhile."""
        items = items or self.items
        await self.bot.probe_start()
        answer = await self.standin.call(
            "load", items=items, count=count, rate=rate, concurrency=concurrency, offset=self.offset
        )
        lags = await self.bot.probe_stop()
        self.offset += count
        if answer["sender_behind_ms"] > 50:
            log.warning("the stand-in fell %.0f ms behind its sending schedule", answer["sender_behind_ms"])
        labels = [_label(items[i % len(items)]) for i in range(count)]
        return Run(answer["latencies_ms"], labels, lags, answer["elapsed"])


async def _alternate(
    pmo: Session, bare: Session, counts: tuple[int, int], segments: int, **load: Any
) -> tuple[Run, Run]:
    """Both bots' loads in alternating segments, so a busy moment on the machine hits both alike."""
    mine: list[Run] = []
    base: list[Run] = []
    for k in range(segments):
        mine.append(await pmo.load(counts[0] // segments + (k < counts[0] % segments), **load))
        base.append(await bare.load(counts[1] // segments + (k < counts[1] % segments), **load))
    return Run.merge(mine), Run.merge(base)


async def _measure(
    pmo: Session, bare: Session, count: int, bare_count: int, quick: bool
) -> tuple[BotResult, BotResult]:
    segments = 2 if quick else 10
    for session in (pmo, bare):
        await session.load(len(session.items) * (1 if quick else 4), concurrency=8)  # warm-up: caches, search index
    pmo_100, bare_100 = await _alternate(pmo, bare, (count, bare_count), segments, rate=100.0)
    saturation = max(count // 5, 200)
    pmo_max, bare_max = await _alternate(pmo, bare, (saturation, saturation), 2, concurrency=32)
    high = 0.8 * pmo_max.rate
    pmo_high, bare_high = await _alternate(pmo, bare, (count, bare_count), segments, rate=high)
    pmo_alone: dict[str, Run] = {}
    bare_alone: dict[str, Run] = {}
    for label, group in _groups(pmo.items).items():
        pmo_alone[label] = await pmo.load(20 if quick else 100, concurrency=1, items=group)
        bare_alone[label] = await bare.load(20 if quick else 100, concurrency=1)
    return (
        BotResult(pmo_100, pmo_max.rate, pmo_high, pmo_alone),
        BotResult(bare_100, bare_max.rate, bare_high, bare_alone),
    )


async def run(count: int, bare_count: int, quick: bool) -> tuple[list[Figure], str]:
    """Both bots connected at once, each with its own stand-in process; their loads alternate."""
    world = {"guilds": 1, "channels": 5, "members": 6001}
    with tempfile.TemporaryDirectory(prefix="bench-interactions-") as folder:
        database = str(Path(folder) / "bot.sqlite3")
        async with (
            StandInProcess(**world) as pmo_standin,
            StandInProcess(**world) as bare_standin,
            BotChild(bot="pmo", database=database, **_endpoints(pmo_standin)) as pmo_bot,
            BotChild(bot="bare", **_endpoints(bare_standin)) as bare_bot,
        ):
            pmo, bare = await _measure(
                Session(pmo_standin, pmo_bot, pmo_mix()), Session(bare_standin, bare_bot, [PING]),
                count, bare_count, quick,
            )  # fmt: skip
    return _figures(pmo, bare), (
        f"Interactions: {count:,} for PMOBot (faq ask / progress log / role autocomplete / role info), "
        f"{bare_count:,} for a bare discord.py bot (/ping); each bot and each stand-in in its own process; "
        "loads alternate between the bots in segments"
    )


def _endpoints(standin: StandInProcess) -> dict[str, str]:
    return {"api_base": standin.api_base, "gateway_url": standin.gateway_url, "token": standin.token}


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


def _by_command(run: Run) -> dict[str, list[float]]:
    """Answered latencies grouped by command."""
    groups: dict[str, list[float]] = {}
    for label, latency in zip(run.labels, run.latencies, strict=True):
        if latency is not None:
            groups.setdefault(label, []).append(latency)
    return groups


def _figures(pmo: BotResult, bare: BotResult) -> list[Figure]:
    high_rate = pmo.at_high.rate
    by_command = [
        Figure(f"@100/s: latency p99, {label} only", percentile(values, 99), "ms", baseline=bare.at_100.latency(99))
        for label, values in _by_command(pmo.at_100).items()
    ]
    alone = [
        Figure(f"one at a time: latency p50, {label}", run.latency(50), "ms", baseline=bare.alone[label].latency(50))
        for label, run in pmo.alone.items()
    ]
    return [
        *_latency_figures("@100/s", pmo.at_100, bare.at_100, goals=True),
        *by_command,
        *alone,
        Figure("highest sustained rate (32 in flight)", pmo.max_rate, "/s", baseline=bare.max_rate),
        *_latency_figures(f"@{high_rate:.0f}/s (80% of highest)", pmo.at_high, bare.at_high, goals=False),
    ]


async def run_postgres(count: int, bare_count: int, quick: bool) -> list[Figure]:
    """The same 100/s load with the bot's state in PostgreSQL (``PMO_BENCH_POSTGRES``); [] when unreachable."""
    import asyncpg

    base = os.environ.get("PMO_BENCH_POSTGRES", "postgresql://127.0.0.1:5432/test")
    schema = f"pmo_bench_{uuid.uuid4().hex[:12]}"
    try:
        admin = await asyncpg.connect(base)
    except OSError as exc:
        log.warning("PostgreSQL at %s is unreachable (%s): no PostgreSQL interaction figures", base, exc)
        return []
    await admin.execute(f'CREATE SCHEMA "{schema}"')
    parts = urlsplit(base)
    url = parts._replace(query="&".join(q for q in (parts.query, f"search_path={schema}") if q)).geturl()
    world = {"guilds": 1, "channels": 5, "members": 6001}
    try:
        with tempfile.TemporaryDirectory(prefix="bench-interactions-pg-") as folder:
            async with (
                StandInProcess(**world) as pmo_standin,
                StandInProcess(**world) as bare_standin,
                BotChild(
                    bot="pmo", database=str(Path(folder) / "unused.sqlite3"), database_url=url,
                    **_endpoints(pmo_standin),
                ) as pmo_bot,
                BotChild(bot="bare", **_endpoints(bare_standin)) as bare_bot,
            ):  # fmt: skip
                pmo = Session(pmo_standin, pmo_bot, pmo_mix())
                bare = Session(bare_standin, bare_bot, [PING])
                for session in (pmo, bare):
                    await session.load(len(session.items) * (1 if quick else 4), concurrency=8)
                mine, theirs = await _alternate(pmo, bare, (count, bare_count), 2 if quick else 10, rate=100.0)
    finally:
        await admin.execute(f'DROP SCHEMA "{schema}" CASCADE')
        await admin.close()
    return [
        Figure("PostgreSQL @100/s: latency p50", mine.latency(50), "ms", baseline=theirs.latency(50)),
        Figure("PostgreSQL @100/s: latency p99", mine.latency(99), "ms", baseline=theirs.latency(99),
               goal="< 50 ms", check=lambda v, _: v < 50),
        Figure("PostgreSQL @100/s: unanswered in 3 s", mine.unanswered, baseline=theirs.unanswered, goal="0",
               check=lambda v, _: v == 0),
    ]  # fmt: skip


def figures(quick: bool = False) -> list[Figure]:
    """The benchmark's figures (``quick``: a few hundred interactions, for a smoke run)."""
    count, bare_count = (400, 200) if quick else (5000, 2000)
    result, _ = asyncio.run(run(count, bare_count, quick))
    return result + asyncio.run(run_postgres(count // 2, bare_count // 2, quick))


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
