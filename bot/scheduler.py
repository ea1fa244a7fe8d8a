"""The dispatcher that runs every timed job: exactly once, on the injected clock, through restarts and failures.

Schedules are stored as rules; each active rule always has its next occurrence materialised as a ``jobs`` row.
One task sleeps until the earliest runnable row (woken early by :meth:`Scheduler.wake` when a sooner row
arrives), claims it in a ``BEGIN IMMEDIATE`` transaction, runs the handler registered for its kind and records
the outcome. Handlers send with the job's deterministic nonce and ``enforce_nonce`` so a retry after a crash
cannot post twice; a claim found at start-up is a crash's leftover and is retried with ``recovering=True`` so
the handler can also look for its message in the channel's history.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

import aiohttp
import discord

from bot.clock import Clock, ManualClock
from bot.db import Database
from bot.services import schedules as store
from bot.services.schedules import Job, Schedule
from bot.shards import ShardSet
from bot.timeutil import from_unix

__all__ = ["JobContext", "JobHandler", "JobResult", "Scheduler", "SkipJob"]

log = logging.getLogger(__name__)

# A job that ran more than this after its due instant is recorded as late.
LATE_AFTER = timedelta(seconds=60)
# Discord remembers a nonce for a few minutes only; a claim older than this needs a history check.
NONCE_MEMORY = timedelta(minutes=2)
_CONCURRENCY = 16
_MAX_BACKOFF = timedelta(hours=1)
# A scheduler that holds fewer shards than it owns (another process has them) looks again this often (real
# seconds), so it takes over soon after that process stops.
STANDBY_POLL_SECONDS = 2.0


class SkipJob(Exception):  # noqa: N818 - it is a signal, not an error
    """Raised by a handler to record the job as skipped with a reason."""


@dataclass(frozen=True, slots=True)
class JobResult:
    """What a handler did: sent (with the message id when there is one) or skipped."""

    status: Literal["sent", "skipped"] = "sent"
    message_id: int | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class JobContext:
    """Everything a handler needs to run one job.

    ``recovering`` is True when an earlier attempt may have reached Discord (a crash left the job claimed, or a
    timeout / 5xx): look for the earlier message (e.g. by a marker) before sending again.
    """

    job: Job
    schedule: Schedule | None
    now: datetime
    late: bool
    recovering: bool

    @property
    def nonce(self) -> str:
        """The job's deterministic nonce."""
        return self.job.nonce


JobHandler = Callable[[JobContext], Awaitable[JobResult | None]]
Notify = Callable[[int, str], Awaitable[None]]


@dataclass(slots=True)
class _Registration:
    handler: JobHandler
    grace: Literal["guild"] | timedelta | None
    max_attempts: int
    describe: str = field(default="")


class Scheduler:
    """Runs registered job kinds from the ``jobs`` table on the injected clock."""

    def __init__(
        self, db: Database, clock: Clock, *, notify: Notify | None = None, shards: ShardSet | None = None
    ) -> None:
        self._db = db
        self.shards = shards or ShardSet.everything()  # the shards this process owns
        self.held = self.shards.only(set())  # those whose jobs it runs (see bot.shards)
        self._first_hold = True
        self._clock = clock
        self._notify = notify
        self._handlers: dict[str, _Registration] = {}
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._state = asyncio.Condition()
        self._sleeping = False
        self._next_at: datetime | None = None
        self._semaphore = asyncio.Semaphore(_CONCURRENCY)
        self._before_start: Callable[[], Awaitable[None]] | None = None

    # -- registration and control ------------------------------------------------------------------------------

    def register(
        self,
        kind: str,
        handler: JobHandler,
        *,
        grace: Literal["guild"] | timedelta | None = "guild",
        max_attempts: int = 6,
        describe: str = "",
    ) -> None:
        """Run ``handler`` for jobs of ``kind``.

        ``grace`` is how late a job may still run: ``"guild"`` uses the server's setting (default 6 h), a
        timedelta is fixed, None means always run however late (expiries, purges).
        """
        if kind in self._handlers:
            raise ValueError(f"a handler for {kind!r} is already registered")
        self._handlers[kind] = _Registration(handler, grace, max_attempts, describe or kind)

    def unregister(self, kind: str) -> None:
        """Stop running ``kind`` (its jobs wait in the table until a handler is registered again)."""
        self._handlers.pop(kind, None)

    def describe(self, kind: str) -> str:
        """A human label for a job kind."""
        registration = self._handlers.get(kind)
        return registration.describe if registration else kind

    def start(self, before_start: Callable[[], Awaitable[None]] | None = None) -> None:
        """Start the dispatcher task (after ``before_start``, e.g. waiting for the gateway)."""
        if self._task is None:
            self._before_start = before_start
            self._task = asyncio.create_task(self._run(), name="pmo-scheduler")

    async def stop(self) -> None:
        """Stop the dispatcher; a job mid-send stays claimed and is recovered on the next start."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    @property
    def running(self) -> bool:
        """Whether the dispatcher task is alive."""
        return self._task is not None and not self._task.done()

    def wake(self) -> None:
        """Tell the dispatcher that a sooner job may exist (call after adding jobs or schedules)."""
        self._sleeping = False
        self._wake.set()

    async def wait_idle(self, within: float = 30.0) -> None:
        """Return once nothing is due at the clock's current instant and no job is running (for tests)."""

        def idle() -> bool:
            return self._sleeping and (self._next_at is None or self._next_at > self._clock.now())

        async with self._state:
            await asyncio.wait_for(self._state.wait_for(idle), within)

    async def advance(self, clock: ManualClock, delta: timedelta, within: float = 30.0) -> None:
        """Move a manual clock forward by ``delta`` the way time really passes: stopping at every due instant
        on the way and letting the dispatcher finish its work there (tests and the sandbox)."""
        target = clock.now() + delta
        await self.wait_idle(within)
        while self._next_at is not None and self._next_at <= target:
            await clock.set(max(self._next_at, clock.now()))
            await self.wait_idle(within)
        await clock.set(target)
        await self.wait_idle(within)

    # -- the loop ------------------------------------------------------------------------------------------------

    async def _run(self) -> None:
        if self._before_start is not None:
            await self._before_start()
        while True:
            # Cleared before the step reads the database, so a wake() that arrives during the step is kept and
            # the dispatcher looks again instead of sleeping past a job added meanwhile.
            self._wake.clear()
            try:
                await self._step()
            except asyncio.CancelledError:
                raise
            except Exception:
                # The dispatcher must never die: log and try again shortly (a database hiccup, a bug).
                log.exception("Scheduler step failed; retrying in 1 s")
                await asyncio.sleep(1)

    async def _hold(self) -> ShardSet:
        """Hold what this process may run (every step: a lost lock connection shows here)."""
        first = self._first_hold
        self._first_hold = False
        held = await self._db.hold_shards(self.shards)
        gained, lost = held.ids - self.held.ids, self.held.ids - held.ids
        if lost:
            log.warning("Scheduler no longer holds %s", self.shards.only(lost))
        if gained and not first:
            log.info("Scheduler now runs the jobs of %s", self.shards.only(gained))
        if first and held.ids != self.shards.ids:
            log.info("Another process runs the jobs of %s; standing by", self.shards.only(self.shards.ids - held.ids))
        if gained:
            for job in await store.claimed_jobs(self._db, shards=self.shards.only(gained)):
                log.warning(
                    "Job %s (%s) was claimed when its last runner stopped; retrying it with the same nonce",
                    job.id, job.kind,
                )  # fmt: skip
        self.held = held
        return held

    @property
    def standing_by(self) -> bool:
        """Whether another process runs some of this one's shards' jobs."""
        return self.held.ids != self.shards.ids

    async def _step(self) -> None:
        held = await self._hold()
        now = self._clock.now()
        if not held.ids:
            self._next_at = None
            await self._sleep()
            return
        await store.materialize_due(self._db, now, shards=held)
        jobs = [job for job in await store.due_jobs(self._db, now, shards=held) if job.kind in self._handlers]
        if jobs:
            await asyncio.gather(*(self._guarded(job) for job in jobs))
            return
        self._next_at = await self._next_known_run()
        await self._sleep()

    async def _next_known_run(self) -> datetime | None:
        kinds = tuple(self._handlers)
        if not kinds:
            return None
        placeholders = ",".join("?" * len(kinds))
        value = await self._db.fetch_value(
            f"SELECT MIN(run_at) FROM jobs WHERE status IN ('pending', 'claimed') AND kind IN ({placeholders}) "  # noqa: S608 - placeholders and integers only
            f"AND {self.held.sql()}",
            kinds,
        )
        return None if value is None else from_unix(value)

    async def _sleep(self) -> None:
        if self._wake.is_set():
            return
        async with self._state:
            self._sleeping = True
            self._state.notify_all()
        waiters: list[asyncio.Task[object]] = [asyncio.create_task(self._wake.wait())]
        if self.standing_by:
            waiters.append(asyncio.create_task(asyncio.sleep(STANDBY_POLL_SECONDS)))
        if self._next_at is not None:
            waiters.append(asyncio.create_task(self._clock.sleep_until(self._next_at)))
        try:
            await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()
            await asyncio.gather(*waiters, return_exceptions=True)
            async with self._state:
                self._sleeping = False

    async def _guarded(self, job: Job) -> None:
        async with self._semaphore:
            try:
                await self._process(job)
            except Exception:
                log.exception("Recording the outcome of job %s failed", job.id)

    async def _process(self, job: Job) -> None:
        registration = self._handlers[job.kind]
        now = self._clock.now()
        # A claim left by a crash, or an earlier attempt that failed mid-send (timeout, 5xx): either may have
        # reached Discord, so the handler checks before sending again.
        recovering = job.status == store.CLAIMED or job.attempts > 0
        schedule = None
        if job.schedule_id is not None:
            row = await self._db.fetch_one("SELECT * FROM schedules WHERE id = ?", (job.schedule_id,))
            schedule = None if row is None else Schedule.from_row(row)
        grace = await self._grace(registration, job.guild_id)
        if grace is not None and now - job.due_at > grace:
            await store.finish_job(self._db, job.id, store.SKIPPED, now, error="missed: past the grace window")
            log.warning(
                "Skipped %s job %s due %s: %s late, beyond the %s grace window",
                job.kind, job.id, job.due_at.isoformat(), now - job.due_at, grace,
            )  # fmt: skip
            return
        claimed = await store.claim_job(self._db, job.id, now)
        if claimed is None:
            return
        late = now - job.due_at > LATE_AFTER
        context = JobContext(job=claimed, schedule=schedule, now=now, late=late, recovering=recovering)
        try:
            result = await registration.handler(context) or JobResult()
        except SkipJob as skip:
            await store.finish_job(self._db, job.id, store.SKIPPED, self._clock.now(), error=str(skip), late=late)
            return
        except (discord.Forbidden, discord.NotFound) as exc:
            await self._fail_permanently(claimed, schedule, exc)
            return
        except (discord.HTTPException, aiohttp.ClientError, TimeoutError, OSError) as exc:
            if isinstance(exc, discord.HTTPException) and exc.status < 500 and exc.status != 429:
                await self._fail_permanently(claimed, schedule, exc)
                return
            await self._retry_or_fail(claimed, registration, exc)
            return
        except Exception as exc:
            log.exception("Handler for %s job %s raised", job.kind, job.id)
            await self._retry_or_fail(claimed, registration, exc)
            return
        await store.finish_job(
            self._db,
            job.id,
            result.status,
            self._clock.now(),
            message_id=result.message_id,
            error=result.note,
            late=late,
        )

    async def _grace(self, registration: _Registration, guild_id: int) -> timedelta | None:
        if registration.grace == "guild":
            return timedelta(seconds=await store.guild_grace_seconds(self._db, guild_id))
        return registration.grace

    async def _retry_or_fail(self, job: Job, registration: _Registration, exc: Exception) -> None:
        error = _describe(exc)
        if job.attempts >= registration.max_attempts:
            await store.finish_job(self._db, job.id, store.FAILED, self._clock.now(), error=error)
            log.error("Giving up on %s job %s after %d attempts: %s", job.kind, job.id, job.attempts, error)
            await self._tell_moderators(
                job.guild_id,
                f"I could not complete a {self.describe(job.kind)} after {job.attempts} attempts ({error}). "
                "It will not be retried.",
            )
            return
        backoff = min(timedelta(seconds=30 * 2 ** (job.attempts - 1)), _MAX_BACKOFF)
        await store.retry_job(self._db, job.id, self._clock.now() + backoff, error)
        log.warning("%s job %s failed (%s); retrying in %s", job.kind, job.id, error, backoff)

    async def _fail_permanently(self, job: Job, schedule: Schedule | None, exc: Exception) -> None:
        error = _describe(exc)
        now = self._clock.now()
        await store.finish_job(self._db, job.id, store.FAILED, now, error=error)
        if schedule is not None and schedule.owner_id == 0:
            await store.pause_schedule(self._db, schedule.id, error, now)
            message = (
                f"The {self.describe(job.kind)} schedule is paused: Discord refused the post ({error}). "
                "Check my permissions in that channel (View Channel, Send Messages, Embed Links, Create Public "
                "Threads) or choose another channel, then resume it."
            )
        else:
            message = f"A {self.describe(job.kind)} could not be delivered: {error}."
        log.warning("%s job %s failed permanently: %s", job.kind, job.id, error)
        await self._tell_moderators(job.guild_id, message)

    async def _tell_moderators(self, guild_id: int, text: str) -> None:
        if self._notify is None:
            return
        try:
            await self._notify(guild_id, text)
        except Exception:
            log.exception("Could not notify moderators of guild %s", guild_id)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, discord.HTTPException):
        code = f" {exc.code}" if exc.code else ""
        return f"HTTP {exc.status}{code}: {exc.text[:200] or type(exc).__name__}"
    return f"{type(exc).__name__}: {str(exc)[:200]}"
