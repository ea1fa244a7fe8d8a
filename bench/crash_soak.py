"""Crash soak: the bot as a separate process, SIGKILLed at random moments while daily prompts fall due.

The bot (``python -m bot``) runs against an in-process Discord stand-in with a sped-up clock
(``BOT_CLOCK_START`` / ``BOT_CLOCK_SPEED``; by default a day passes every 10 real seconds). Three servers post
daily at 09:00, 17:00 and 01:00, so a post falls due every few seconds and each restart (about 5 s of real time
to import, migrate, log in and get ready) leaves a backlog to catch up. The harness waits for the first post of
each run and kills the process at a random moment among the posts that follow (sometimes instead in the middle
of start-up), then starts it again on the same database; several independent bots run side by side to fit many
kills into little time. A last run with the
clock slowed to real time finishes the backlog. Then every occurrence that fell due must be in its channel
exactly once (counted by the occurrence's nonce, which the stand-in keeps with each message) and recorded as sent
with that message's id.

The stand-in reads the same sped-up clock, so Discord's nonce memory (a few minutes) lapses within milliseconds:
exactly-once rests on the bot's own records and its history check, not on the nonce.

Run: ``python -m bench.crash_soak [--kills 60] [--lanes 4] [--speed 8640] [--seed 1]``; prints duplicates and
misses, and exits 1 if there are any.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import random
import re
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench._report import Figure, emit
from bot.content import load_content
from bot.db import Database, SqliteDatabase
from bot.services import mentoring as mentoring_service
from bot.services import progress as progress_service
from bot.services import prompts as prompt_service
from bot.services.schedules import Job
from bot.shards import shard_of
from bot.standin import BotProcess, StandIn, build_demo_guild
from bot.standin.demo import DemoGuild

log = logging.getLogger(__name__)

START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # a Monday
# One server per post time: together a post falls due every 8 hours of bot time.
POST_TIMES = ("09:00", "17:00", "01:00")
# The widest grace window a server may set; at the default speed it is 70 s of real time, far more than a restart
# takes even on a busy machine, so every missed post must be caught up rather than skipped.
GRACE_MINUTES = 7 * 24 * 60
_POST_ROUTE = "POST /channels/{channel_id}/messages"
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday")
_DM_KINDS = {"reminder": progress_service.REMINDER_KIND, "proposal": mentoring_service.PROPOSAL_JOB}
_NONCE = re.compile(r"^s(?P<schedule>\d+)\.(?P<due>\d+)$")  # a scheduled occurrence's nonce


@dataclass
class SoakResult:
    """What a soak found: occurrences due, posted once, duplicated or missing, and how the runs went."""

    kills: int
    early_kills: int
    due: list[datetime]
    counts: Counter[int] = field(default_factory=Counter)
    message_ids: dict[int, int] = field(default_factory=dict)
    skipped: set[int] = field(default_factory=set)
    db_sent: dict[int, int | None] = field(default_factory=dict)
    unknown_messages: int = 0
    seconds: float = 0.0
    tracebacks: int = 0
    recovered_claims: int = 0
    found_in_history: int = 0
    log_tail: str = ""
    # Direct messages (check-in reminders and mentoring proposals), by the occurrence's nonce.
    dm_due: dict[str, str] = field(default_factory=dict)  # nonce → job kind, every DM job that fell due
    dm_counts: Counter[str] = field(default_factory=Counter)
    dm_message_ids: dict[str, int] = field(default_factory=dict)
    dm_sent: dict[str, int | None] = field(default_factory=dict)  # nonce → message id the database recorded
    processes: int = 1

    @property
    def dm_duplicates(self) -> dict[str, int]:
        """DM nonces delivered more than once."""
        return {nonce: n for nonce, n in self.dm_counts.items() if n > 1}

    @property
    def dm_missing(self) -> list[str]:
        """DM jobs that fell due and never arrived, or arrived without being recorded with that message's id."""
        return sorted(
            nonce
            for nonce in self.dm_due
            if self.dm_counts[nonce] == 0 or self.dm_sent.get(nonce, -1) != self.dm_message_ids.get(nonce)
        )

    @property
    def duplicates(self) -> dict[int, int]:
        """Due instant (unix) → how many times it was posted, for those posted more than once."""
        return {due: n for due, n in self.counts.items() if n > 1}

    @property
    def missing(self) -> list[int]:
        """Due instants (unix) that were never posted."""
        return [int(d.timestamp()) for d in self.due if self.counts[int(d.timestamp())] == 0]

    @property
    def unrecorded(self) -> list[int]:
        """Posted occurrences the database does not record as sent with that message's id."""
        return [
            int(d.timestamp())
            for d in self.due
            if self.db_sent.get(int(d.timestamp()), -1) != self.message_ids.get(int(d.timestamp()))
        ]

    @property
    def ok(self) -> bool:
        """Every due post exactly once, each recorded, nothing else posted."""
        return not (
            self.duplicates
            or self.missing
            or self.unrecorded
            or self.unknown_messages
            or self.skipped
            or self.dm_duplicates
            or self.dm_missing
        )


class _SpedUpClock:
    """The bot's time as the harness sees it: START plus real time elapsed times ``speed``."""

    def __init__(self, speed: float) -> None:
        self.speed = speed
        self._t0 = time.monotonic()

    def now(self) -> datetime:
        return START + timedelta(seconds=(time.monotonic() - self._t0) * self.speed)


async def _open(db_path: Path, database_url: str | None) -> Database:
    if database_url is None:
        return await SqliteDatabase.open(db_path)
    from bot.db_postgres import PostgresDatabase

    return await PostgresDatabase.open(database_url, pool_size=2)


async def _prepare(db_path: Path, database_url: str | None, servers: list[tuple[DemoGuild, str]], *, dms: bool) -> None:
    """A database with each server's daily prompt (HH:MM UTC) and the widest grace window; with ``dms``, also
    each member's weekly check-in reminder (one a day across the members) and a mentoring proposal to deliver."""
    db = await _open(db_path, database_url)
    try:
        await db.migrate()
        skills = load_content().vocabulary.skills
        area = next(iter(skills))
        for demo, at in servers:
            await prompt_service.set_schedule(
                db, guild_id=demo.id, actor_id=1, channel_id=demo.prompts.id, at=at, days="daily", timezone="UTC",
                now=START,
            )  # fmt: skip
            # No command sets the grace window yet; a restart here costs hours of bot time, so widen it directly.
            await db.execute(
                "UPDATE guild_settings SET grace_minutes = ?, proposal_expiry_days = 1 WHERE guild_id = ?",
                (GRACE_MINUTES, demo.id),
            )
            if not dms:
                continue
            for n, member in enumerate((demo.alice, demo.bob, demo.carol, demo.dave)):
                await progress_service.set_reminder(
                    db, guild_id=demo.id, user_id=member.id, day=_WEEKDAYS[n], at="12:00", timezone="UTC", now=START
                )  # fmt: skip
            await mentoring_service.offer_mentoring(
                db, guild_id=demo.id, user_id=demo.carol.id, areas=area, capacity=2, timezone="UTC", skills=skills,
                now=START,
            )  # fmt: skip
            await mentoring_service.request_mentor(
                db, guild_id=demo.id, user_id=demo.dave.id, areas=area, goal="Learn to run a PMO", timezone="UTC",
                skills=skills, now=START,
            )  # fmt: skip
    finally:
        await db.close()


def _due_between(at: str, first: datetime, last: datetime) -> list[datetime]:
    """Every ``at`` (HH:MM UTC) after ``first`` up to ``last``, computed here independently of the bot's rules."""
    hour, minute = (int(part) for part in at.split(":"))
    day = first.replace(hour=hour, minute=minute, second=0, microsecond=0)
    if day <= first:
        day += timedelta(days=1)
    out = []
    while day <= last:
        out.append(day)
        day += timedelta(days=1)
    return out


async def _jobs(
    db_path: Path, database_url: str | None, until: datetime
) -> tuple[int, dict[int, int | None], set[int]]:
    """Work left up to ``until`` (open jobs due by then, plus schedules whose occurrences have not yet been walked
    past it); sent jobs (due → message id); skipped ones (due)."""
    db = await _open(db_path, database_url)
    try:
        open_count = await db.fetch_value(
            """
            SELECT (SELECT COUNT(*) FROM jobs
                    WHERE kind IN ('prompt', :reminder, :proposal) AND due_at <= :until
                      AND status IN ('pending', 'claimed'))
                 + (SELECT COUNT(*) FROM schedules s
                    WHERE s.kind IN ('prompt', :reminder) AND s.paused = 0
                      AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.schedule_id = s.id AND j.due_at > :until))
            """,
            {"until": int(until.timestamp()), **_DM_KINDS},
        )
        rows = await db.fetch_all("SELECT due_at, status, message_id FROM jobs WHERE kind = 'prompt'")
        sent = {row["due_at"]: row["message_id"] for row in rows if row["status"] == "sent"}
        return int(open_count or 0), sent, {row["due_at"] for row in rows if row["status"] == "skipped"}
    finally:
        await db.close()


async def _dm_jobs(db_path: Path, database_url: str | None, until: datetime) -> dict[str, tuple[str, int | None]]:
    """Every reminder and proposal job due by ``until``: nonce → (kind, message id recorded when sent)."""
    db = await _open(db_path, database_url)
    try:
        rows = await db.fetch_all(
            "SELECT * FROM jobs WHERE kind IN (:reminder, :proposal) AND due_at <= :until",
            {"until": int(until.timestamp()), **_DM_KINDS},
        )
        jobs = [Job.from_row(row) for row in rows]
        return {job.nonce: (job.kind, job.message_id if job.status == "sent" else None) for job in jobs}
    finally:
        await db.close()


async def _next_post(standin: StandIn, process: BotProcess, *, before: int, patience: float = 30.0) -> None:
    """Return once the stand-in has seen another message post (or the bot died, or ``patience`` s passed).

    Polled: the post is another process's doing, so there is no event to wait on.
    """
    for _ in range(int(patience / 0.01)):
        if len(standin.requests(_POST_ROUTE)) > before or not process.running:
            return
        await asyncio.sleep(0.01)


def _servers(standin: StandIn, shard_count: int) -> list[tuple[DemoGuild, str]]:
    """At least one server per post time and one per shard (ids fall on shards as Discord's rule puts them)."""
    demos = [standin.demo_guild()]
    while len(demos) < len(POST_TIMES) or {shard_of(d.id, shard_count) for d in demos} != set(range(shard_count)):
        if len(demos) > 64 * shard_count:  # pragma: no cover - snowflakes spread over shards long before this
            raise RuntimeError("could not place a server on every shard")
        demos.append(build_demo_guild(standin.world, f"PMO Community {len(demos) + 1}"))
    by_shard = {shard_of(d.id, shard_count): d for d in reversed(demos)}
    chosen = list(by_shard.values()) + [d for d in demos if d not in by_shard.values()]
    chosen = chosen[: max(len(POST_TIMES), shard_count)]
    return [(demo, POST_TIMES[n % len(POST_TIMES)]) for n, demo in enumerate(chosen)]


async def _run_lane(
    *,
    kills: int,
    workdir: Path,
    speed: float,
    rng: random.Random,
    early_kill_chance: float,
    after_first_post: tuple[float, float],
    drain_timeout: float,
    log_level: str,
    min_days: float,
    database_url: str | None = None,
    shard_count: int = 1,
    copies: int = 1,
    dms: bool = False,
) -> SoakResult:
    """Bot processes on one stand-in and database, killed ``kills`` times in all, then drained and counted.

    ``shard_count`` > 1 runs one process per shard (SHARD_COUNT/SHARD_IDS); ``copies`` > 1 starts that many
    processes with the *same* shard ids (the operator's mistake the shard locks make harmless).
    """
    clock = _SpedUpClock(speed)
    async with StandIn(clock=clock.now) as standin:
        servers = _servers(standin, shard_count)
        db_path = workdir / "soak.sqlite3"
        await _prepare(db_path, database_url, servers, dms=dms)
        # A little latency on every post widens the window in which a kill lands mid-request.
        standin.faults.add(_POST_ROUTE, delay=0.2, times=None)
        processes = []
        for shard in range(shard_count):
            for copy in range(copies):
                env = {"DATABASE_URL": database_url} if database_url else {}
                if shard_count > 1:
                    env |= {"SHARD_COUNT": str(shard_count), "SHARD_IDS": str(shard)}
                log_path = workdir / f"bot-{shard}-{copy}.log"
                processes.append(
                    BotProcess(
                        standin, database_path=db_path, clock_speed=speed, log_level=log_level, extra_env=env,
                        log_path=log_path,
                    )
                )  # fmt: skip
        early = 0
        try:
            for process in processes:
                process.clock_start = clock.now()
                await process.start()
            for _ in range(kills):
                victim = rng.choice(processes)
                if rng.random() < early_kill_chance:
                    early += 1
                    await asyncio.sleep(rng.uniform(0.05, 3.0))  # mid start-up: imports, migrations, login, gateway
                else:
                    # Wait for a post to be on its way (the catch-up of what fell due while a bot was down),
                    # then kill at a random moment among the posts that follow.
                    await _next_post(standin, victim, before=len(standin.requests(_POST_ROUTE)))
                    await asyncio.sleep(rng.uniform(*after_first_post))
                await victim.kill()
                victim.clock_start = clock.now()
                await victim.start()
            # However fast the restarts were, cover at least ``min_days`` of bot time so enough posts fall due to
            # mean something; what falls due while the bot is down here is caught up (within grace) by the last run.
            short_by = (START + timedelta(days=min_days) - clock.now()).total_seconds()
            if short_by > 0:
                await asyncio.sleep(short_by / speed)
            # The last run: the clock slowed to real time, so it only finishes what is already due.
            for process in processes:
                await process.kill()
            final = clock.now()
            for process in processes:
                process.clock_start = final
                process.clock_speed = 1.0
                await process.start()
            for process in processes:
                await process.wait_ready(timeout=60)
            deadline = time.monotonic() + drain_timeout
            while True:
                open_count, _, _ = await _jobs(db_path, database_url, final)
                if open_count == 0 or time.monotonic() > deadline:
                    break
                await asyncio.sleep(0.2)
            await standin.settle()
        finally:
            for process in processes:
                await process.kill()
        due = sorted(d for _, at in servers for d in _due_between(at, START, final))
        result = SoakResult(kills=kills, early_kills=early, due=due, processes=len(processes))
        _, result.db_sent, result.skipped = await _jobs(db_path, database_url, final)
        for demo, _ in servers:
            for message in standin.messages_in(demo.prompts):
                match = _NONCE.match(str(message.nonce or ""))
                if match is None:
                    result.unknown_messages += 1
                    continue
                result.counts[int(match["due"])] += 1
                result.message_ids.setdefault(int(match["due"]), message.id)
        if dms:
            dm_jobs = await _dm_jobs(db_path, database_url, final)
            result.dm_due = {nonce: kind for nonce, (kind, _) in dm_jobs.items()}
            result.dm_sent = {nonce: message_id for nonce, (_, message_id) in dm_jobs.items()}
            for demo, _ in servers:
                for member in (demo.alice, demo.bob, demo.carol, demo.dave):
                    for message in standin.dms_to(member):
                        if message.nonce in result.dm_due:
                            result.dm_counts[str(message.nonce)] += 1
                            result.dm_message_ids.setdefault(str(message.nonce), message.id)
        output = "".join(process.output() for process in processes)
        result.tracebacks = output.count("Traceback")
        result.recovered_claims = output.count("was claimed when its last runner stopped")
        result.found_in_history = output.count("was already posted")
        result.log_tail = output[-3000:]
    return result


async def run_soak(
    *,
    kills: int,
    workdir: Path,
    lanes: int = 1,
    speed: float = 8_640.0,
    seed: int = 1,
    early_kill_chance: float = 0.2,
    after_first_post: tuple[float, float] = (0.0, 0.6),
    drain_timeout: float = 30.0,
    log_level: str = "WARNING",
    min_days: float = 2.0,
    database_url: Callable[[Path], Awaitable[str]] | None = None,
    shard_count: int = 1,
    copies: int = 1,
    dms: bool = False,
) -> list[SoakResult]:
    """Kill and restart the bot ``kills`` times in all, spread over ``lanes`` independent bots run side by side
    (each its own stand-in and database), let each drain, and count what reached each channel."""
    rng = random.Random(seed)
    per_lane = [kills // lanes + (1 if i < kills % lanes else 0) for i in range(lanes)]
    lane_dirs = [workdir / f"lane{i}" for i in range(lanes)]
    for lane_dir in lane_dirs:
        lane_dir.mkdir(parents=True, exist_ok=True)
    urls = [None if database_url is None else await database_url(lane_dir) for lane_dir in lane_dirs]
    began = time.monotonic()
    results = await asyncio.gather(
        *(
            _run_lane(
                kills=n,
                workdir=lane_dir,
                speed=speed,
                rng=random.Random(rng.random()),
                log_level=log_level,
                early_kill_chance=early_kill_chance,
                after_first_post=after_first_post,
                drain_timeout=drain_timeout,
                min_days=min_days,
                database_url=url,
                shard_count=shard_count,
                copies=copies,
                dms=dms,
            )
            for n, lane_dir, url in zip(per_lane, lane_dirs, urls, strict=True)
        )
    )
    elapsed = time.monotonic() - began
    for result in results:
        result.seconds = elapsed
    return list(results)


def _none(name: str, value: float) -> Figure:
    return Figure(name, value, goal="0", check=lambda v, _: v == 0)


def report(results: list[SoakResult]) -> list[Figure]:
    """The soak's figures for the bench table (all lanes together)."""
    return [
        Figure("bots side by side", len(results)),
        Figure("kills (SIGKILL)", sum(r.kills for r in results), goal="≥ 20", check=lambda v, _: v >= 20),
        Figure("… while posting", sum(r.kills - r.early_kills for r in results)),
        Figure("… during start-up", sum(r.early_kills for r in results)),
        Figure("occurrences due", sum(len(r.due) for r in results)),
        Figure("claims left by a kill, retried", sum(r.recovered_claims for r in results)),
        Figure("… whose post was found in the channel", sum(r.found_in_history for r in results)),
        _none("duplicate posts", sum(n - 1 for r in results for n in r.duplicates.values())),
        _none("missed posts", sum(len(r.missing) for r in results)),
        _none("skipped as too late (grace)", sum(len(r.skipped) for r in results)),
        _none("posted but not recorded", sum(len(r.unrecorded) for r in results)),
        _none("unexpected messages", sum(r.unknown_messages for r in results)),
        Figure("tracebacks in the bots' logs", sum(r.tracebacks for r in results)),
        Figure("wall time", max((r.seconds for r in results), default=0.0), unit="s"),
    ]


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description="Kill the bot at random while prompts fall due; count the posts.")
    parser.add_argument("--kills", type=int, default=60, help="SIGKILLs in all")
    parser.add_argument("--lanes", type=int, default=4, help="independent bots run side by side")
    parser.add_argument("--speed", type=float, default=8_640.0, help="bot seconds per real second")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    # A killed bot drops its connections mid-request; aiohttp logs each as an error in the stand-in. Expected here.
    logging.getLogger("aiohttp.server").setLevel(logging.CRITICAL)
    with tempfile.TemporaryDirectory(prefix="crash-soak-") as tmp:
        results = asyncio.run(
            run_soak(kills=args.kills, lanes=args.lanes, workdir=Path(tmp), speed=args.speed, seed=args.seed)
        )
    emit(f"Crash soak: {args.kills} SIGKILLs, a day every {86_400 / args.speed:g} s", report(results))
    for lane, result in enumerate(results):
        when = {d: str(datetime.fromtimestamp(d, UTC)) for d in result.counts | Counter(result.missing)}
        if result.duplicates:
            print(f"lane {lane} duplicates (due → times posted):", {when[d]: n for d, n in result.duplicates.items()})
        if result.missing:
            print(f"lane {lane} missed:", [when[d] for d in result.missing])
        if result.unrecorded:
            print(f"lane {lane} posted but not recorded as sent:", [when.get(d, d) for d in result.unrecorded])
    return 0 if all(r.ok for r in results) else 1


def figures(quick: bool = False) -> list[Figure]:
    """The figures for ``python -m bench``: 100 SIGKILLs over 4 bots side by side (``quick``: 8)."""
    logging.getLogger("aiohttp.server").setLevel(logging.CRITICAL)
    with tempfile.TemporaryDirectory(prefix="crash-soak-") as tmp:
        results = asyncio.run(run_soak(kills=8 if quick else 100, lanes=4, workdir=Path(tmp)))
    return report(results)


if __name__ == "__main__":
    sys.exit(main())
