"""Entry point: ``python -m bot`` / ``pmo-bot`` runs the bot; ``pmo-bot sandbox`` runs it offline."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
from pathlib import Path

import discord
from dotenv import load_dotenv

from bot.config import ConfigError, Settings
from bot.db import MigrationError

__all__ = ["main"]

log = logging.getLogger("bot")


def _fail(message: str, status: int = 2) -> int:
    sys.stderr.write(f"pmo-bot: {message}\n")
    return status


def check_database_path(path: Path) -> None:
    """Fail early, with a sentence, when the database file cannot be created or opened for writing."""
    if path.exists() and path.is_dir():
        raise ConfigError(
            f"DATABASE_PATH={path} is a directory; point it at a file such as {path / 'pmo-bot.sqlite3'}."
        )
    parent = path.parent if str(path.parent) else Path(".")
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(
            f"DATABASE_PATH={path}: cannot create its folder ({exc.strerror}); choose a writable location."
        ) from None
    if not os.access(parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise ConfigError(f"DATABASE_PATH={path} is not writable by this user; choose a writable location.")


async def run(settings: Settings) -> int:
    """Run the bot until SIGINT/SIGTERM or a fatal error; shutdown completes before the loop ends."""
    from bot.client import PMOBot

    bot = PMOBot(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, _request_stop, stop, sig)
    try:
        async with bot:
            runner = asyncio.create_task(bot.start(settings.token), name="pmo-bot")
            stopper = asyncio.create_task(stop.wait(), name="pmo-bot-signals")
            await asyncio.wait({runner, stopper}, return_when=asyncio.FIRST_COMPLETED)
            stopper.cancel()
            if not runner.done():
                # Close inside this coroutine, not in a detached task: asyncio.run would cancel a detached
                # close half-way and leave the database's worker thread running, so the process never exits.
                await bot.close()
            await runner
    except discord.LoginFailure:
        return _fail("Discord rejected DISCORD_TOKEN; copy the bot token again from the developer portal.", 2)
    except MigrationError as exc:
        return _fail(f"database migration failed: {exc}", 1)
    return 0


def migrate_to_postgres(args: list[str]) -> int:
    """``pmo-bot migrate-to-postgres``: copy DATABASE_PATH into DATABASE_URL, then compare row counts."""
    if args:
        return _fail(
            "migrate-to-postgres takes no arguments: it copies DATABASE_PATH (SQLite) into DATABASE_URL (PostgreSQL)"
        )
    try:
        settings = Settings.from_env(os.environ, require_token=False)
    except ConfigError as exc:
        return _fail(str(exc))
    if settings.database_url is None:
        return _fail("set DATABASE_URL=postgresql://… to the database to copy into")
    if not settings.database_path.is_file():
        return _fail(f"DATABASE_PATH={settings.database_path} is not a file; point it at the SQLite database to copy")
    from bot.config import redact_url
    from bot.copy_to_postgres import copy_to_postgres

    sys.stdout.write(f"Copying {settings.database_path} into {redact_url(settings.database_url)}\n")
    try:
        results = asyncio.run(
            copy_to_postgres(settings.database_path, settings.database_url, progress=lambda line: print(line))  # noqa: T201
        )
    except (MigrationError, RuntimeError, OSError) as exc:
        return _fail(f"the copy stopped: {exc}", 1)
    wrong = [r for r in results if not r.matches]
    if wrong:
        names = ", ".join(f"{r.table} ({r.source_rows:,} in SQLite, {r.target_rows:,} in PostgreSQL)" for r in wrong)
        return _fail(f"row counts differ: {names}; was the bot running on either database?", 1)
    total = sum(r.source_rows for r in results)
    sys.stdout.write(f"Done: {len(results)} tables, {total:,} rows, every count matches.\n")
    return 0


def _request_stop(stop: asyncio.Event, sig: signal.Signals) -> None:
    log.info("Received %s; shutting down", sig.name)
    stop.set()


def main(argv: list[str] | None = None) -> int:
    """Console entry point."""
    args = sys.argv[1:] if argv is None else argv
    load_dotenv()
    if args and args[0] == "sandbox":
        from bot.sandbox import main as sandbox_main

        return sandbox_main(args[1:])
    if args and args[0] == "migrate-to-postgres":
        return migrate_to_postgres(args[1:])
    interactive = sys.stdin.isatty() and sys.stdout.isatty()
    if not args and not os.environ.get("DISCORD_TOKEN", "").strip() and interactive:
        # The quick start: someone at a terminal without a token gets the offline sandbox and how to go live;
        # anything non-interactive (a service, CI, a pipe) still fails with status 2 and the one-line fix.
        from bot.sandbox import GO_LIVE
        from bot.sandbox import main as sandbox_main

        sys.stderr.write(f"pmo-bot: DISCORD_TOKEN is not set, so this is the offline sandbox. {GO_LIVE}\n")
        return sandbox_main([])
    try:
        settings = Settings.from_env(os.environ)
        if not settings.uses_postgres:
            check_database_path(settings.database_path)
    except ConfigError as exc:
        return _fail(str(exc))
    from bot.logs import setup_logging

    setup_logging(settings.log_level, [settings.token])
    if settings.uses_test_clock:
        log.warning(
            "BOT_CLOCK_START/BOT_CLOCK_SPEED are set: the bot's clock is not real time (sandbox and tests only)"
        )
    return asyncio.run(run(settings))


if __name__ == "__main__":
    sys.exit(main())
