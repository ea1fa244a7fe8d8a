"""Run the real bot (``python -m bot``) as a separate process against a stand-in, so a test can SIGKILL it and
start it again on the same database."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import IO, TYPE_CHECKING, Self

if TYPE_CHECKING:
    from bot.standin.server import StandIn

log = logging.getLogger(__name__)

REPO_ROOT = Path(__file__).resolve().parents[2]


class BotProcess:
    """``python -m bot`` wired to a stand-in through the environment only (``DISCORD_API_BASE`` and friends).

    Output goes to ``log_path`` (appended across restarts). ``wait_ready`` returns once the new process has
    IDENTIFYed and received its GUILD_CREATEs (its commands are synced by then: discord.py syncs in
    ``setup_hook``, before connecting).
    """

    def __init__(
        self,
        standin: StandIn,
        *,
        database_path: Path,
        token: str | None = None,
        dev_guild_id: int | None = None,
        clock_start: datetime | None = None,
        clock_speed: float | None = None,
        log_level: str = "INFO",
        extra_env: dict[str, str] | None = None,
        log_path: Path | None = None,
        cwd: Path = REPO_ROOT,
        python: str = sys.executable,
    ) -> None:
        self.standin = standin
        self.database_path = database_path
        self.token = token if token is not None else standin.token
        self.dev_guild_id = dev_guild_id
        self.clock_start = clock_start
        self.clock_speed = clock_speed
        self.log_level = log_level
        self.extra_env = dict(extra_env or {})
        self.log_path = log_path if log_path is not None else database_path.with_suffix(".log")
        self.cwd = cwd
        self.python = python
        self.proc: asyncio.subprocess.Process | None = None
        self._log_file: IO[bytes] | None = None
        self._ready_before = 0
        self.starts = 0

    def environment(self) -> dict[str, str]:
        """The child's environment: this process's, plus the bot's settings pointing at the stand-in."""
        env = {k: v for k, v in os.environ.items() if k not in ("DISCORD_GATEWAY_URL", "DEV_GUILD_ID")}
        env.update(
            {
                "DISCORD_TOKEN": self.token,
                "DATABASE_PATH": str(self.database_path),
                "DISCORD_API_BASE": self.standin.api_base,
                "LOG_LEVEL": self.log_level,
                "PYTHONUNBUFFERED": "1",
            }
        )
        if self.dev_guild_id is not None:
            env["DEV_GUILD_ID"] = str(self.dev_guild_id)
        if self.clock_start is not None:
            env["BOT_CLOCK_START"] = self.clock_start.isoformat()
        if self.clock_speed is not None:
            env["BOT_CLOCK_SPEED"] = str(self.clock_speed)
        env.update(self.extra_env)
        return env

    @property
    def running(self) -> bool:
        """Whether the child is alive."""
        return self.proc is not None and self.proc.returncode is None

    @property
    def pid(self) -> int | None:
        """The child's pid."""
        return None if self.proc is None else self.proc.pid

    @property
    def returncode(self) -> int | None:
        """The child's exit status (negative: killed by that signal)."""
        return None if self.proc is None else self.proc.returncode

    def output(self) -> str:
        """Everything the bot printed so far (all runs)."""
        if not self.log_path.exists():
            return ""
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    async def start(self) -> None:
        """Start the bot (does not wait for it to connect)."""
        if self.running:
            raise RuntimeError("the bot process is already running")
        self._ready_before = self.standin.gateway.ready_count
        self._close_log()
        self._log_file = self.log_path.open("ab")
        self.proc = await asyncio.create_subprocess_exec(
            self.python,
            "-m",
            "bot",
            cwd=str(self.cwd),
            env=self.environment(),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=self._log_file,
            stderr=asyncio.subprocess.STDOUT,
        )
        self.starts += 1
        log.info("started the bot process (pid %s)", self.proc.pid)

    async def wait_ready(self, timeout: float = 30.0) -> None:  # noqa: ASYNC109
        """Wait until this run's gateway session is ready; raises if the process exits first."""
        if self.proc is None:
            raise RuntimeError("the bot process was not started")
        before = self._ready_before
        ready = asyncio.ensure_future(
            self.standin.gateway.wait_for(lambda: self.standin.gateway.ready_count > before, timeout, "the bot")
        )
        exited = asyncio.ensure_future(self.proc.wait())
        try:
            done, _ = await asyncio.wait({ready, exited}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (ready, exited):
                if not task.done():
                    task.cancel()
            await asyncio.gather(ready, exited, return_exceptions=True)
        if ready in done and ready.exception() is None:
            return
        tail = self.output()[-3000:]
        if exited in done:
            self._close_log()
            raise RuntimeError(f"the bot exited with {self.proc.returncode} before it was ready:\n{tail}")
        raise TimeoutError(f"the bot was not ready within {timeout}s:\n{tail}")

    async def kill(self) -> int | None:
        """SIGKILL the bot (no cleanup runs, like a crash) and reap it."""
        if self.proc is None:
            return None
        if self.proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.proc.send_signal(signal.SIGKILL)
        code = await self.proc.wait()
        self._close_log()
        log.info("bot process exited with %s", code)
        return code

    async def terminate(self, timeout: float = 15.0) -> int | None:  # noqa: ASYNC109
        """SIGTERM the bot and wait for a clean exit (SIGKILL after ``timeout``)."""
        if self.proc is None:
            return None
        if self.proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.proc.wait(), timeout)
            except TimeoutError:
                log.warning("the bot ignored SIGTERM for %ss; killing it", timeout)
                return await self.kill()
        self._close_log()
        return self.proc.returncode

    async def restart(self, timeout: float = 30.0) -> None:  # noqa: ASYNC109
        """Kill (if running), start again on the same database, and wait until ready."""
        await self.kill()
        await self.start()
        await self.wait_ready(timeout)

    def _close_log(self) -> None:
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None

    async def __aenter__(self) -> Self:
        await self.start()
        await self.wait_ready()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.kill()
