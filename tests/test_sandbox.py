"""``pmo-bot sandbox``: the README demo end to end in a subprocess, failures give a non-zero exit, the command-line
parser, and completion through the real bot."""

from __future__ import annotations

import io
import os
import re
import struct
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from rich.console import Console

from bot.sandbox.complete import SandboxCompleter, quote
from bot.sandbox.parse import MetaCommand, ParseError, SlashCommand, lex, parse_duration, parse_line, split_fill
from bot.sandbox.session import Sandbox

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "examples" / "demo.sandbox"
ECHO = re.compile(r"^(\w+) › (.*)$")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def run_sandbox(script: Path, out: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``python -m bot sandbox --script … --out …`` with plain output and no Discord settings."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DISCORD_", "DATABASE_", "DEV_", "BOT_")) and k not in {"FORCE_COLOR", "TTY_COMPATIBLE"}
    }
    env.update({"NO_COLOR": "1", "COLUMNS": "120", "PYTHONIOENCODING": "utf-8"})
    return subprocess.run(
        [sys.executable, "-m", "bot", "sandbox", "--script", str(script), "--out", str(out)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=300,
        check=False,
    )


def sections(output: str) -> list[tuple[str, str]]:
    """The output cut at each echoed command: (command, what was printed for it)."""
    found: list[tuple[str, list[str]]] = []
    for line in output.splitlines():
        match = ECHO.match(line)
        if match:
            found.append((match.group(2), []))
        elif found:
            found[-1][1].append(line)
    return [(command, "\n".join(lines)) for command, lines in found]


def png_size(path: Path) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk (which must come first)."""
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE, f"{path} is not a PNG"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


# -- the README demo, as a user would run it -------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess[str], Path]:
    """The README demo script, run once for the tests below."""
    out = tmp_path_factory.mktemp("sandbox-output")
    return run_sandbox(DEMO, out, ROOT), out


def test_demo_script_succeeds(demo_run: tuple[subprocess.CompletedProcess[str], Path]) -> None:
    result, _ = demo_run
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "Traceback" not in result.stdout + result.stderr
    assert "✗" not in result.stdout
    assert "all succeeded" in result.stdout.splitlines()[-1]


def test_demo_echoes_every_command(demo_run: tuple[subprocess.CompletedProcess[str], Path]) -> None:
    result, _ = demo_run
    script = [line.strip() for line in DEMO.read_text().splitlines() if line.strip() and not line.startswith("#")]
    assert [command for command, _ in sections(result.stdout)] == script


def test_demo_shows_a_role_card(demo_run: tuple[subprocess.CompletedProcess[str], Path]) -> None:
    result, _ = demo_run
    card = next(text for command, text in sections(result.stdout) if command.startswith("/role info"))
    assert "(only you can see this)" in card
    assert re.search(r"╭─ PMO Analyst", card), card
    assert "╰" in card  # the embed is drawn as a closed box


def test_demo_posts_the_scheduled_prompt_after_advancing(
    demo_run: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    result, _ = demo_run
    parts = sections(result.stdout)
    advanced = next(text for command, text in parts if command.startswith(":advance"))
    assert "PMO Bot · #prompts ·" in advanced
    shown = next(text for command, text in parts if command == ":channel prompts")
    assert "#prompts (1 message)" in shown
    assert "[1]" in shown  # the post's "Log this" button, numbered for :press


def test_demo_saves_the_progress_chart_as_a_png(demo_run: tuple[subprocess.CompletedProcess[str], Path]) -> None:
    result, out = demo_run
    shown = next(text for command, text in sections(result.stdout) if command.startswith("/progress show"))
    paths = re.findall(r"saved to (\S+\.png)", shown)
    assert paths, shown
    chart = Path(paths[0])
    assert chart.parent == out
    width, height = png_size(chart)
    assert width >= 200 and height >= 100


def test_demo_runs_a_mentoring_proposal_by_dm(demo_run: tuple[subprocess.CompletedProcess[str], Path]) -> None:
    result, _ = demo_run
    parts = sections(result.stdout)
    requested = next(text for command, text in parts if command.startswith("/mentoring request"))
    assert "DM to bob" in requested
    proposal = next(text for command, text in parts if command == ":dms bob")
    assert "[1]" in proposal and "[2]" in proposal  # Accept / Decline, numbered for :press
    accepted = [text for command, text in parts if command == ":press 1"][-1]
    assert "DM to alice" in accepted  # the mentee is told


# -- failures --------------------------------------------------------------------------------------------------


def test_a_command_the_bot_answers_with_an_error_makes_the_exit_status_non_zero(tmp_path: Path) -> None:
    script = tmp_path / "fails.sandbox"
    script.write_text(
        "# one good command, one the bot refuses (a date more than a year ago)\n/help\n"
        "/progress log kind:experience minutes:30 activity:x date:2020-01-01\n",
        encoding="utf-8",
    )
    result = run_sandbox(script, tmp_path / "out", tmp_path)
    assert result.returncode == 1
    assert "the bot answered /progress log with an error" in result.stdout
    assert "1 of 2 commands failed" in result.stdout and "line 3" in result.stdout


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_quick_start_at_a_terminal_without_a_token_opens_the_sandbox(tmp_path: Path) -> None:
    """``pmo-bot`` with no token, typed at a terminal, is the sandbox (and says how to go live); ``:quit`` ends it.

    (Without a terminal the same command still exits 2 with the one-line fix: tests/test_main.py.)"""
    import pty
    import select

    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "DATABASE_", "DEV_", "BOT_"))}
    env.update({"NO_COLOR": "1", "TERM": "xterm"})
    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot"], stdin=follower, stdout=follower, stderr=follower, cwd=tmp_path, env=env
    )
    os.close(follower)
    seen = b""
    try:
        deadline = time.monotonic() + 120
        while b"Ctrl-D quits" not in seen and time.monotonic() < deadline and proc.poll() is None:
            if select.select([leader], [], [], 0.2)[0]:
                try:
                    chunk = os.read(leader, 65536)
                except OSError:  # EIO: the child closed the terminal
                    break
                seen += chunk
                if b"\x1b[6n" in chunk:  # prompt_toolkit asks where the cursor is; answer like a terminal
                    os.write(leader, b"\x1b[1;1R")
        os.write(leader, b":quit\r")
        assert proc.wait(timeout=60) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(leader)
    text = seen.decode("utf-8", "replace")
    assert "DISCORD_TOKEN is not set, so this is the offline sandbox" in text
    assert "To go live" in text
    assert "offline sandbox" in text and "alice" in text
    assert (tmp_path / "sandbox-output" / "sandbox.log").exists()


# -- the command-line parser -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('/role info role:"PMO analyst"', SlashCommand(("role", "info"), {"role": "PMO analyst"})),
        (
            '/progress log kind:experience minutes:45 activity:"ran the RAID review"',
            SlashCommand(
                ("progress", "log"), {"kind": "experience", "minutes": "45", "activity": "ran the RAID review"}
            ),
        ),
        ("/faq ask question:what is a PMO", SlashCommand(("faq", "ask"), {"question": "what is a PMO"})),
        ("/role info role:'PMO analyst'", SlashCommand(("role", "info"), {"role": "PMO analyst"})),
        ("/progress log activity:don't stop", SlashCommand(("progress", "log"), {"activity": "don't stop"})),
        (r'/faq ask question:"say \"hi\""', SlashCommand(("faq", "ask"), {"question": 'say "hi"'})),
        ("/admin prompts schedule time:09:00", SlashCommand(("admin", "prompts", "schedule"), {"time": "09:00"})),
        ("/Help", SlashCommand(("help",), {})),
        ("  /help  ", SlashCommand(("help",), {})),
        (":as alice", MetaCommand("as", ("alice",))),
        (":adv 1d", MetaCommand("advance", ("1d",))),
        (":exit", MetaCommand("quit", ())),
        (':fill minutes=45 "What did you do=ran it"', MetaCommand("fill", ("minutes=45", "What did you do=ran it"))),
        (':fill minutes="45 min"', MetaCommand("fill", ("minutes=45 min",))),
        ("# a comment", None),
        ("", None),
    ],
)
def test_parse_line(line: str, expected: SlashCommand | MetaCommand | None) -> None:
    assert parse_line(line) == expected


@pytest.mark.parametrize(
    ("line", "fragment"),
    [
        ("hello", "not a command"),
        ("/", "after the slash"),
        ('/role info role:"PMO analyst', "not closed"),
        ("/role info role:a role:b", "given twice"),
        ("/kind:experience", "Name the command"),
        (":frobnicate", "not a sandbox command"),
        (":", "after the colon"),
    ],
)
def test_parse_line_refuses_with_a_sentence(line: str, fragment: str) -> None:
    with pytest.raises(ParseError, match=fragment):
        parse_line(line)


def test_known_option_names_let_a_value_contain_a_colon() -> None:
    line = "/progress log kind:experience activity:review: part 2 minutes:30"
    parsed = parse_line(line, {"kind", "activity", "minutes"})
    assert parsed == SlashCommand(
        ("progress", "log"), {"kind": "experience", "activity": "review: part 2", "minutes": "30"}
    )


def test_lex_reports_an_unterminated_last_token_with_its_span() -> None:
    tokens = lex('role info role:"PMO an')
    assert [t.text for t in tokens] == ["role", "info", "role:PMO an"]
    assert tokens[-1].name == "role" and tokens[-1].value == "PMO an" and tokens[-1].open_quote == '"'
    assert tokens[-1].start == 10


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30m", timedelta(minutes=30)),
        ("2h", timedelta(hours=2)),
        ("1d", timedelta(days=1)),
        ("1w", timedelta(weeks=1)),
        ("1d12h", timedelta(days=1, hours=12)),
        ("90", timedelta(minutes=90)),
        ("1D", timedelta(days=1)),
    ],
)
def test_parse_duration(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "soon", "1x", "0m", "2y", "400d", "-1d"])
def test_parse_duration_refuses(text: str) -> None:
    with pytest.raises(ParseError):
        parse_duration(text)


def test_split_fill_joins_later_words_to_the_last_value() -> None:
    assert split_fill(("minutes=45", "What=ran", "the", "review")) == {"minutes": "45", "What": "ran the review"}
    assert split_fill(()) == {}
    with pytest.raises(ParseError, match="label=value"):
        split_fill(("45",))


@pytest.mark.parametrize(
    ("value", "typed"),
    [("pmo-analyst", "pmo-analyst"), ("PMO analyst", '"PMO analyst"'), ("", '""'), ('say "hi"', r'"say \"hi\""')],
)
def test_quote_round_trips_through_the_lexer(value: str, typed: str) -> None:
    assert quote(value) == typed
    assert lex(f"x:{typed}")[0].value == value


# -- the session in-process: completion through the real bot, forms, failures ------------------------------------


@pytest.fixture
async def sandbox(tmp_path: Path) -> AsyncIterator[tuple[Sandbox, io.StringIO]]:
    """A started sandbox writing to a buffer, its clock at a fixed Monday morning."""
    buffer = io.StringIO()
    console = Console(file=buffer, width=120, color_system=None)
    start = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
    async with Sandbox(console, out_dir=tmp_path / "out", start=start) as running:
        yield running, buffer


async def test_setup_configures_the_demo_server_through_the_bot(sandbox: tuple[Sandbox, io.StringIO]) -> None:
    running, buffer = sandbox
    assert running.setup_problems == []
    await running.run_line(":as mod")
    assert (await running.run_line("/admin config show")).ok
    shown = buffer.getvalue()
    assert "#prompts" in shown and "#mod-log" in shown and "Europe/London" in shown


async def test_completion_offers_commands_options_and_the_bots_suggestions(
    sandbox: tuple[Sandbox, io.StringIO],
) -> None:
    running, _ = sandbox
    completer = SandboxCompleter(running)
    assert "role" in [s.text for s in await completer.suggest("/ro")]
    assert [s.text for s in await completer.suggest("/role i")] == ["info"]
    assert "role:" in [s.text for s in await completer.suggest("/role info ")]
    suggested = await completer.suggest('/role info role:"PMO an')
    assert "role:pmo-analyst" in [s.text for s in suggested]  # from the bot's own autocomplete
    assert all(s.replace == len('role:"PMO an') for s in suggested)
    kinds = [s.text for s in await completer.suggest("/progress log kind:")]
    assert kinds == ["kind:experience", "kind:exposure", "kind:education"]
    assert "admin" not in [s.text for s in await completer.suggest("/")]  # alice cannot use /admin
    await running.run_line(":as mod")
    assert "admin" in [s.text for s in await completer.suggest("/")]
    assert ":as" in [s.display for s in await completer.suggest(":a")]


async def test_a_form_waits_for_fill_in_script_mode(sandbox: tuple[Sandbox, io.StringIO]) -> None:
    running, buffer = sandbox
    assert (await running.run_line("/progress log kind:experience minutes:30 activity:first try")).ok
    assert (await running.run_line("/progress edit")).ok
    assert (await running.run_line(":pick 1")).ok
    assert running.pending is not None
    before = len(buffer.getvalue())
    assert (await running.run_line(":fill minutes=50")).ok
    assert running.pending is None
    assert "· 50 min" in buffer.getvalue()[before:]


async def test_leaving_a_form_open_counts_as_a_failure(sandbox: tuple[Sandbox, io.StringIO]) -> None:
    running, _ = sandbox
    await running.run_line("/progress log kind:experience minutes:30 activity:first try")
    await running.run_line("/progress edit")
    await running.run_line(":pick 1")
    assert not (await running.run_line("/help")).ok
    assert running.pending is None


@pytest.mark.parametrize(
    "line",
    [
        "/no-such-command",
        "/role info",  # a required option missing: Discord's client would not send it
        "/progress log kind:experience minutes:lots activity:x",
        ":press 1",  # nothing shown yet
        ":as nobody",
        ":advance soon",
        ":fill minutes=3",  # no form open
    ],
)
async def test_refused_commands_fail(sandbox: tuple[Sandbox, io.StringIO], line: str) -> None:
    running, buffer = sandbox
    assert not (await running.run_line(line)).ok
    assert "✗" in buffer.getvalue()


async def test_advance_runs_the_schedule(sandbox: tuple[Sandbox, io.StringIO]) -> None:
    running, buffer = sandbox
    assert (await running.run_line(":advance 3h")).ok
    assert running.clock.now() == datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    assert "PMO Bot · #prompts ·" in buffer.getvalue()
    assert len(running.standin.messages_in(running.demo.prompts)) == 1
