"""Helpers for the admin, privacy and lifecycle tests: a second server, database snapshots, the command tree.

Import the fixtures into a test module to use them::

    from tests.e2e.admin_harness import server_b_fixture, two_server_standin  # noqa: F401 - fixtures

``standin`` replaces the conftest's: the demo guild (server A) plus server B, another demo guild in which A's
alice and admin are members too, both created before the bot connects.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from bot.clock import ManualClock
from bot.db import Database
from bot.standin import DemoGuild, StandIn, Upload

SUB_COMMAND, SUB_COMMAND_GROUP = 1, 2
STRING, INTEGER, BOOLEAN, USER, CHANNEL, ROLE, MENTIONABLE, NUMBER, ATTACHMENT = 3, 4, 5, 6, 7, 8, 9, 10, 11


@pytest.fixture(name="standin")
async def two_server_standin(clock: ManualClock) -> AsyncIterator[StandIn]:
    """A stand-in with server A (the demo guild) and server B, on the test's manual clock."""
    async with StandIn(clock=clock.now) as server:
        a = server.demo_guild()
        b = server.demo_guild()
        b.guild.name = "Other Community"
        server.add_member(b.guild, a.alice)
        server.add_member(b.guild, a.admin, roles=[b.roles["Admin"]])
        server.world_b = b  # type: ignore[attr-defined]
        yield server


@pytest.fixture(name="server_b")
def server_b_fixture(standin: StandIn) -> DemoGuild:
    """Server B's handles."""
    b: DemoGuild = standin.world_b  # type: ignore[attr-defined]
    return b


async def table_rows(db: Database) -> dict[str, list[str]]:
    """Every row of every table, as text (to compare the whole database before and after a command)."""
    snapshot = {}
    for name in sorted(await db.tables()):
        rows = await db.fetch_all(f'SELECT * FROM "{name}"')  # noqa: S608 - names from the schema
        snapshot[name] = sorted(repr(tuple(r)) for r in rows)
    return snapshot


def leaf_commands(standin: StandIn, root: str) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """Every subcommand under ``root`` as the bot synced it: (path, option definitions)."""
    commands = [c for c in standin.commands.listing(None) if c["name"] == root]
    for guild_commands in standin.commands.guild_commands.values():
        commands += [c for c in guild_commands if c["name"] == root]

    def walk(node: dict[str, Any], path: str) -> Iterator[tuple[str, list[dict[str, Any]]]]:
        children = [o for o in node.get("options") or [] if o.get("type") in (SUB_COMMAND, SUB_COMMAND_GROUP)]
        if not children:
            yield path, [o for o in node.get("options") or [] if o.get("type") not in (SUB_COMMAND, SUB_COMMAND_GROUP)]
        for child in children:
            yield from walk(child, f"{path} {child['name']}")

    for command in commands:
        yield from walk(command, command["name"])


# Plausible text for string options by name, so a command gets past type checks to its own validation.
_TEXT_HINTS = {
    "timezone": "Europe/London",
    "time": "09:00",
    "days": "daily",
    "kind": "experience",
    "minutes": "30",
    "date": "2026-03-01",
    "period": "week",
}


def sample_options(options: list[dict[str, Any]], demo: DemoGuild) -> dict[str, Any]:
    """Values for every required option (and none of the optional ones) that Discord's client would accept."""
    values: dict[str, Any] = {}
    for option in options:
        if not option.get("required"):
            continue
        kind, name = option["type"], option["name"]
        if option.get("choices"):
            values[name] = option["choices"][0]["value"]
        elif kind == STRING:
            text = next((hint for key, hint in _TEXT_HINTS.items() if key in name), "PMO test")
            low, high = option.get("min_length", 0), option.get("max_length", 6000)
            values[name] = (text + "x" * max(0, low - len(text)))[:high]
        elif kind in (INTEGER, NUMBER):
            values[name] = max(1, int(option.get("min_value", 1)))
            if "max_value" in option:
                values[name] = min(values[name], int(option["max_value"]))
        elif kind == BOOLEAN:
            values[name] = False
        elif kind in (USER, MENTIONABLE):
            values[name] = demo.bob
        elif kind == CHANNEL:
            types = option.get("channel_types") or [0]
            channel = demo.general if 0 in types else next(c for c in demo.channels.values() if c.type in types)
            values[name] = channel
        elif kind == ROLE:
            values[name] = demo.moderators
        elif kind == ATTACHMENT:
            values[name] = Upload("entries.yaml", b"[]\n")
        else:
            raise AssertionError(f"no sample for option type {kind} ({name})")
    return values
