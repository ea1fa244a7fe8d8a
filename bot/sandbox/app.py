"""``pmo-bot sandbox``: the command line, the interactive prompt and the script runner."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from prompt_toolkit import PromptSession, print_formatted_text
from prompt_toolkit.formatted_text import FormattedText
from prompt_toolkit.history import InMemoryHistory
from rich.console import Console
from rich.panel import Panel
from rich.text import Text

from bot.logs import RedactingFilter
from bot.sandbox.complete import SandboxCompleter
from bot.sandbox.parse import MetaCommand, ParseError, parse_line
from bot.sandbox.session import CommandError, Sandbox, SandboxError, select_values
from bot.standin import Reply
from bot.standin.models import SELECT_TYPES

__all__ = ["build_parser", "main", "parse_args"]

log = logging.getLogger(__name__)

DEFAULT_OUT = Path("sandbox-output")
GO_LIVE = (
    "To go live: create a bot at https://discord.com/developers/applications, put its token in .env as "
    "DISCORD_TOKEN=… (see .env.example) and run pmo-bot again."
)


@dataclass(frozen=True)
class Options:
    """What the command line asked for."""

    script: str | None
    out: Path
    db: Path | None
    start: datetime | None


def build_parser() -> argparse.ArgumentParser:
    """The ``pmo-bot sandbox`` argument parser."""
    parser = argparse.ArgumentParser(
        prog="pmo-bot sandbox",
        description=(
            "Try the bot without Discord: the real bot against a local stand-in with a demo server, driven from "
            "the terminal. Type /help for the bot's commands and :help for the sandbox's."
        ),
    )
    parser.add_argument(
        "--script",
        metavar="FILE",
        help="run the commands in FILE ('-' for standard input), print the answers, exit 1 if any command failed",
    )
    parser.add_argument(
        "--out",
        metavar="DIR",
        type=Path,
        default=DEFAULT_OUT,
        help=f"folder for files the bot sends (charts, exports) and the log (default: ./{DEFAULT_OUT})",
    )
    parser.add_argument(
        "--db", metavar="PATH", type=Path, help="keep the bot's SQLite database at PATH (default: a temporary file)"
    )
    parser.add_argument(
        "--start",
        metavar="INSTANT",
        type=_instant,
        help="where the bot's clock starts, ISO-8601 with an offset (default: today 07:00 UTC)",
    )
    return parser


def _instant(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an ISO-8601 instant, e.g. 2026-03-02T07:00:00Z") from None
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{text!r} has no UTC offset; add Z or +00:00")
    return moment.astimezone(UTC)


def parse_args(argv: Sequence[str]) -> Options:
    """Options from the command line (argparse exits with status 2 on a mistake)."""
    ns = build_parser().parse_args(list(argv))
    return Options(script=ns.script, out=ns.out, db=ns.db, start=ns.start)


def main(argv: list[str]) -> int:
    """``pmo-bot sandbox [--script FILE] [--out DIR] [--db PATH] [--start INSTANT]``; returns the exit status."""
    try:
        options = parse_args(argv)
    except SystemExit as exc:  # --help, or a usage error already explained by argparse
        return exc.code if isinstance(exc.code, int) else 2
    console = Console()
    lines: list[str] | None = None
    if options.script is not None or not sys.stdin.isatty():
        try:
            lines = _read_script(options.script)
        except OSError as exc:
            console.print(Text(f"pmo-bot sandbox: cannot read {options.script}: {exc.strerror}", style="bold red"))
            return 2
    try:
        options.out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        console.print(Text(f"pmo-bot sandbox: cannot create --out {options.out}: {exc.strerror}", style="bold red"))
        return 2
    handler = _log_to_file(options.out / "sandbox.log")
    try:
        return asyncio.run(_run(console, options, lines))
    except KeyboardInterrupt:
        return 130
    finally:
        logging.getLogger().removeHandler(handler)
        handler.close()


def _read_script(script: str | None) -> list[str]:
    if script is None or script == "-":
        return sys.stdin.read().splitlines()
    return Path(script).read_text(encoding="utf-8").splitlines()


def _log_to_file(path: Path) -> logging.Handler:
    """Everything the bot and the stand-in log goes to a file, so the terminal shows only the conversation."""
    handler = logging.FileHandler(path, mode="w", encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    return handler


async def _run(console: Console, options: Options, lines: list[str] | None) -> int:
    interactive = lines is None
    filler = _ask_form if interactive else None
    sandbox = Sandbox(console, out_dir=options.out, db_path=options.db, start=options.start, fill_form=filler)
    with console.status("Starting the Discord stand-in and the bot…") if interactive else _nothing():
        try:
            await sandbox.start()
        except SandboxError as exc:
            await sandbox.close()
            console.print(Text(f"pmo-bot sandbox: {exc} (details in {options.out / 'sandbox.log'})", "bold red"))
            return 1
    try:
        _banner(console, sandbox, options, interactive)
        if lines is None:
            await _interact(sandbox)
            return 0
        return await _run_script(sandbox, lines)
    finally:
        await sandbox.close()


class _nothing:  # noqa: N801 - used like contextlib.nullcontext, which mypy types less helpfully here
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def _banner(console: Console, sandbox: Sandbox, options: Options, interactive: bool) -> None:
    body = Text()
    body.append("The real bot, against a local stand-in for Discord. Nothing leaves this machine.\n")
    body.append(sandbox.describe_demo() + "\n")
    body.append(f"Bot clock: {sandbox.clock.now():%a %d %b %Y %H:%M} UTC · files go to {options.out}/\n")
    if interactive:
        body.append("You are alice in #general. ", style="bold")
        body.append("Type /help for the bot's commands, :help for the sandbox's; Tab completes; Ctrl-D quits.")
    for problem in sandbox.setup_problems:
        body.append(f"\nSet-up: {problem}", style="yellow")
    console.print(Panel(body, title="PMO Community Bot · offline sandbox", title_align="left", border_style="cyan"))


# -- script mode -----------------------------------------------------------------------------------------------


async def _run_script(sandbox: Sandbox, lines: list[str]) -> int:
    """Run each line, echoing it first; 1 if any failed (an open form at the end counts as a failure)."""
    console = sandbox.console
    failed: list[tuple[int, str]] = []
    count = 0
    for number, line in enumerate(lines, start=1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        count += 1
        echo = Text(f"\n{sandbox.user_name} › ", style="bold green")
        echo.append(text, style="bold")
        console.print(echo, soft_wrap=True)  # one line, so the echo can be found again
        outcome = await sandbox.run_line(text)
        if not outcome.ok:
            failed.append((number, text))
        if outcome.quit:
            break
    if sandbox.pending is not None:
        sandbox.renderer.error("The script ended with a form still open (add a :fill line after the command).")
        failed.append((len(lines), "(open form)"))
    console.print()
    if failed:
        where = "; ".join(f"line {n}: {t}" for n, t in failed)
        console.print(Text(f"✗ {len(failed)} of {count} commands failed — {where}", style="bold red"))
        return 1
    console.print(Text(f"✓ {count} commands, all succeeded.", style="bold green"))
    return 0


# -- interactive mode ------------------------------------------------------------------------------------------


async def _interact(sandbox: Sandbox) -> None:
    session: PromptSession[str] = PromptSession(
        completer=SandboxCompleter(sandbox),
        complete_while_typing=False,
        history=InMemoryHistory(),
        bottom_toolbar=lambda: _toolbar(sandbox),
    )
    while True:
        try:
            line = await session.prompt_async(lambda: _prompt(sandbox))
        except KeyboardInterrupt:
            continue
        except EOFError:
            break
        try:
            parsed = parse_line(line)
        except ParseError:
            parsed = None
        if isinstance(parsed, MetaCommand) and parsed.name == "quit":
            break
        await sandbox.run_line(line)


def _prompt(sandbox: Sandbox) -> FormattedText:
    return FormattedText(
        [
            ("ansigreen bold", sandbox.user_name),
            ("", " in "),
            ("ansicyan", f"#{sandbox.channel_name}"),
            ("", " › "),
        ]
    )


def _toolbar(sandbox: Sandbox) -> str:
    now = sandbox.clock.now()
    return f" bot clock {now:%a %d %b %H:%M} UTC · you are {sandbox.user_name} · Tab completes · :help · Ctrl-D quits"


async def _ask_form(reply: Reply) -> dict[str, Any] | None:
    """Ask for each field of the form the bot opened; None when the member closes it (Ctrl-C / Ctrl-D)."""
    session: PromptSession[str] = PromptSession()
    values: dict[str, Any] = {}
    for item in reply.modal_fields():
        label = str(item.get("label") or item.get("custom_id"))
        custom_id = str(item["custom_id"])
        while True:
            try:
                text = await session.prompt_async(
                    FormattedText([("ansimagenta bold", label), ("", " › ")]), default=str(item.get("value") or "")
                )
            except (KeyboardInterrupt, EOFError):
                return None
            problem, value = _check_field(item, text)
            if problem is None:
                values[custom_id] = value
                break
            print_formatted_text(FormattedText([("ansired", f"  {problem}")]))
    return values


def _check_field(item: dict[str, Any], text: str) -> tuple[str | None, Any]:
    """Discord's own checks on a form field, so a mistake is caught before submitting."""
    if item.get("type") in SELECT_TYPES:
        if not text.strip():
            return ("Choose at least one option." if item.get("required", True) else None), []
        try:
            return None, select_values(item, text)
        except CommandError as exc:
            return str(exc), None
    if int(item.get("style") or 1) == 2:
        text = text.replace("\\n", "\n")  # paragraph fields: \n starts a new line
    if item.get("required", True) and not text:
        return "This field is required.", None
    low, high = int(item.get("min_length") or 0), int(item.get("max_length") or 4000)
    if text and not low <= len(text) <= high:
        return f"Use {low}–{high} characters (now {len(text)}).", None
    return None, text
