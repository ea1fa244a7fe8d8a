"""The shape of the codebase: every cog loads, command names are unique, cogs hold no SQL."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from discord import app_commands

from bot.client import PMOBot, extension_names
from bot.config import Settings

ROOT = Path(__file__).resolve().parent.parent
SQL = re.compile(
    r"\b(SELECT\s.+\bFROM|INSERT\s+(OR\s+\w+\s+)?INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|CREATE\s+TABLE)\b", re.I | re.S
)


@pytest.fixture
async def prepared_bot(tmp_path: Path) -> AsyncIterator[PMOBot]:
    bot = PMOBot(Settings(token="unused", database_path=tmp_path / "arch.sqlite3"))
    await bot.prepare()
    try:
        yield bot
    finally:
        await bot.scheduler.stop()
        await bot.db.close()


def _walk(command: Any) -> list[str]:
    if isinstance(command, app_commands.Group):
        return [name for child in command.commands for name in _walk(child)]
    return [command.qualified_name]


async def test_every_cog_loads_into_the_bot(prepared_bot: PMOBot) -> None:
    assert extension_names(), "no cogs found"
    assert set(prepared_bot.extensions) == set(extension_names())


async def test_command_names_are_unique_and_described(prepared_bot: PMOBot) -> None:
    names = [name for command in prepared_bot.tree.get_commands() for name in _walk(command)]
    assert len(names) == len(set(names)), f"duplicate command names: {sorted(names)}"
    for command in prepared_bot.tree.walk_commands():
        assert command.description and command.description != "…", f"/{command.qualified_name} has no description"
        assert len(command.description) <= 100


def test_cogs_contain_no_sql_and_no_aiosqlite() -> None:
    offenders = []
    for path in (ROOT / "cogs").rglob("*.py"):
        text = path.read_text("utf-8")
        if "aiosqlite" in text or SQL.search(text):
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_nothing_outside_the_standin_knows_it_exists() -> None:
    offenders = []
    for folder in ("bot", "cogs"):
        for path in (ROOT / folder).rglob("*.py"):
            if "standin" in path.parts or path.name == "sandbox.py" or "sandbox" in path.parts:
                continue
            if re.search(r"\bstandin\b", path.read_text("utf-8")):
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_start_up_does_not_load_the_heavy_libraries(tmp_path: Path) -> None:
    """scipy, numpy and matplotlib cost ~70 MiB; they load only when a round is solved or a chart drawn."""
    import subprocess
    import sys

    script = (
        "import asyncio, sys\n"
        "from pathlib import Path\n"
        "from bot.client import PMOBot\n"
        "from bot.config import Settings\n"
        "async def main():\n"
        f"    bot = PMOBot(Settings(token='unused', database_path=Path({str(tmp_path / 'h.sqlite3')!r})))\n"
        "    await bot.prepare()\n"
        "    await bot.scheduler.stop(); await bot.db.close()\n"
        "asyncio.run(main())\n"
        "print(sorted(m for m in ('scipy', 'numpy', 'matplotlib') if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().splitlines()[-1] == "[]"
