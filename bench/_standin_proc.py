"""The Discord stand-in in a process of its own, driven over a pipe, so a benchmark's bot has its process to itself.

A benchmark that measures the bot's event loop, or times the bot against the stand-in, must not share a process
(and an event loop, and the GIL) with the stand-in: the stand-in's own work would show up as the bot's latency and
loop lag. :class:`StandInProcess` starts ``python -m bench._standin_proc``, which builds a world (guilds, channels,
members), listens on loopback and then answers JSON commands, one per line:

* ``load``: fire interactions (slash commands and autocompletes) at a fixed rate (open loop) or with a fixed number
  in flight (closed loop) and return, per interaction, the time from INTERACTION_CREATE written to the socket to the
  first callback request arriving, both read on this process's monotonic clock;
* ``rate_limits``: switch Discord's global and per-channel limits on or off;
* ``posts``: what was posted in channels (times, duplicates) and the 429s sent.

``time.monotonic()`` is system-wide on Linux, so times from the two processes can be compared directly.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self

from bot.standin import GUILD_TEXT, Guild, RateLimitConfig, StandIn, User
from bot.standin.commands import OptionBuilder, OptionContext
from bot.standin.interactions import APPLICATION_COMMAND, AUTOCOMPLETE

log = logging.getLogger(__name__)

CHANNEL_NAMES = ("general", "prompts", "mentoring", "check-ins", "mod-log")


# -- the parent side ---------------------------------------------------------------------------------------------


class JsonChild:
    """A ``python -m <module>`` child spoken to in JSON lines: a first message configures it, then commands."""

    module = ""

    def __init__(self, **config: Any) -> None:
        self.config = config
        self.proc: asyncio.subprocess.Process | None = None
        self.info: dict[str, Any] = {}

    async def __aenter__(self) -> Self:
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            self.module,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            limit=256 * 1024 * 1024,
        )
        try:
            self.info = await self._exchange(self.config)
        except BaseException:
            await self.__aexit__(None, None, None)
            raise
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self.proc is None:
            return
        if self.proc.returncode is None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._exchange({"cmd": "quit"}), 15)
            with contextlib.suppress(ProcessLookupError):
                self.proc.kill()
        await self.proc.wait()

    async def _exchange(self, message: dict[str, Any]) -> dict[str, Any]:
        assert self.proc is not None and self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write((json.dumps(message) + "\n").encode())
        await self.proc.stdin.drain()
        line = await self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"{self.module} exited ({await self.proc.wait()})")
        answer: dict[str, Any] = json.loads(line)
        if "error" in answer:
            raise RuntimeError(f"{self.module}: {answer['error']}")
        return answer

    async def call(self, cmd: str, **args: Any) -> dict[str, Any]:
        """Send one command and return its answer."""
        return await self._exchange({"cmd": cmd, **args})


class StandInProcess(JsonChild):
    """``async with StandInProcess(guilds=1000, channels=25) as s:`` then point a bot at ``s.api_base``."""

    module = "bench._standin_proc"

    @property
    def api_base(self) -> str:
        """The REST base for the bot."""
        return str(self.info["api_base"])

    @property
    def gateway_url(self) -> str:
        """The websocket URL."""
        return str(self.info["gateway_url"])

    @property
    def token(self) -> str:
        """The bot token the stand-in accepts."""
        return str(self.info["token"])

    @property
    def guilds(self) -> list[dict[str, Any]]:
        """``[{"id": …, "channels": {name: id}}]``."""
        return list(self.info["guilds"])


# -- the child side ----------------------------------------------------------------------------------------------


@dataclass
class _Shot:
    """One interaction fired: when it was written, and when the first callback arrived (None: never)."""

    written: float
    answered: float | None = None


def build_world(standin: StandIn, spec: dict[str, Any]) -> list[Guild]:
    """Guilds with ``channels`` text channels each (the first five named like the demo's) and ``members`` members.

    Member users are shared between guilds (``members`` users in all), as on Discord where people are in many
    servers.
    """
    guilds: list[Guild] = []
    users = [standin.add_user(f"member{i}", global_name=f"Member {i}") for i in range(int(spec.get("members", 0)))]
    owner = standin.add_user("owner", global_name="Server Owner")
    for g in range(int(spec.get("guilds", 1))):
        guild = standin.add_guild(f"PMO Community {g}", owner=owner)
        for c in range(int(spec.get("channels", 5))):
            name = CHANNEL_NAMES[c] if c < len(CHANNEL_NAMES) else f"channel-{c}"
            standin.add_channel(guild, name, type=GUILD_TEXT, topic=f"Topic of {name}")
        for user in users:
            standin.world.add_member(guild, user)
        guilds.append(guild)
    return guilds


def _include_members(standin: StandIn) -> None:
    """GUILD_CREATE carries every member, as with the members intent: the heaviest payload a bot must parse."""
    plain = standin._guild_payload

    def with_members(guild: Guild, session: Any) -> dict[str, Any]:
        data = plain(guild, session)
        data["members"] = [m.payload() for m in guild.members.values()]
        data["large"] = len(guild.members) > 250
        return data

    standin._guild_payload = with_members  # type: ignore[method-assign]


class _Driver:
    """The command loop of the child process."""

    def __init__(self, standin: StandIn, guilds: list[Guild]) -> None:
        self.standin = standin
        self.guilds = guilds
        self.members: list[User] = [
            m.user for m in guilds[0].members.values() if not m.user.bot and m.user.username.startswith("member")
        ]

    def _fire_state(self, item: dict[str, Any], n: int) -> Any:
        """Build the interaction for ``item`` as the n-th member in the n-th guild (not yet sent)."""
        s = self.standin
        guild = self.guilds[n % len(self.guilds)]
        user = self.members[n % len(self.members)] if self.members else s.world.users[guild.owner_id]
        channel = s.world.channels[guild.channel_ids[0]]
        found = s.commands.find(item["path"], guild)
        values = dict(item.get("values") or {})
        builder = OptionBuilder(OptionContext(s.world, guild, user))
        if item.get("kind") == "autocomplete":
            option = item["option"]
            data = builder.build(found, {**values, option: item["value"]}, focused=option)
            kind = AUTOCOMPLETE
        else:
            data = builder.build(found, values)
            kind = APPLICATION_COMMAND
        return s.interactions.create(kind, user=user, guild=guild, channel=channel, data=data, path=item["path"])

    async def _one(self, item: dict[str, Any], n: int) -> _Shot:
        state = self._fire_state(item, n)
        await self.standin.gateway.dispatch_live("INTERACTION_CREATE", state.payload)
        shot = _Shot(written=time.monotonic())
        self.standin.interactions.mark_sent(state)
        loop = asyncio.get_running_loop()
        end = loop.time() + self.standin.interactions.response_deadline + 0.25
        while not state.acknowledged and loop.time() < end:
            await state.wait_change(end - loop.time())
        for record in state.requests:
            if record.route.endswith("/callback"):
                shot.answered = record.monotonic
                break
        # Keep the stand-in's memory flat over thousands of interactions.
        self.standin.interactions.by_token.pop(state.token, None)
        self.standin.interactions.by_id.pop(state.id, None)
        return shot

    async def load(self, args: dict[str, Any]) -> dict[str, Any]:
        items: list[dict[str, Any]] = args["items"]
        count = int(args["count"])
        rate = args.get("rate")
        offset = int(args.get("offset", 0))
        shots: list[_Shot] = []
        behind = 0.0
        started = time.monotonic()
        if rate:
            tasks: list[asyncio.Task[_Shot]] = []
            interval = 1.0 / float(rate)
            for i in range(count):
                due = started + i * interval
                delay = due - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
                else:
                    behind = max(behind, -delay)
                tasks.append(asyncio.create_task(self._one(items[i % len(items)], offset + i)))
            shots = list(await asyncio.gather(*tasks))
        else:
            counter = iter(range(count))
            results: dict[int, _Shot] = {}

            async def worker() -> None:
                for i in counter:
                    results[i] = await self._one(items[i % len(items)], offset + i)

            await asyncio.gather(*(worker() for _ in range(int(args.get("concurrency", 32)))))
            shots = [results[i] for i in range(count)]  # in sending order: shot i used items[i % len(items)]
        elapsed = time.monotonic() - started
        if not args.get("keep_records"):
            self.standin.recorder.records.clear()
        return {
            "latencies_ms": [None if s.answered is None else round((s.answered - s.written) * 1000, 4) for s in shots],
            "elapsed": elapsed,
            "sender_behind_ms": behind * 1000,
        }

    def posts(self, args: dict[str, Any]) -> dict[str, Any]:
        route = args.get("route", "POST /channels/{channel_id}/messages")
        records = [r for r in self.standin.requests(route) if r.status == 200]
        per_channel = Counter(r.channel_id for r in records)
        stats = self.standin.rate_limit_stats
        all_ok = [r for r in self.standin.recorder.records if r.status == 200]
        return {
            "count": len(records),
            "channels": len(per_channel),
            "duplicates": sum(n - 1 for n in per_channel.values() if n > 1),
            "first": min((r.monotonic for r in records), default=None),
            "last": max((r.monotonic for r in records), default=None),
            "last_any": max((r.monotonic for r in all_ok), default=None),
            "requests": len(self.standin.recorder.records),
            "global_429s": stats.global_429s,
            "bucket_429s": stats.bucket_429s,
            "routes": dict(Counter(r.route for r in self.standin.recorder.records)),
        }

    def stored_duplicates(self) -> int:
        """Channels holding the same bot message twice (by its nonce, else embed footer or content)."""
        world = self.standin.world
        dupes = 0
        for guild in self.guilds:
            for channel_id in guild.channel_ids:
                keys = Counter()
                for message_id in world.channel_messages.get(channel_id, []):
                    message = world.messages[message_id]
                    footer = next(
                        ((e.get("footer") or {}).get("text") for e in message.embeds if e.get("footer")), None
                    )
                    keys[message.nonce or footer or message.content] += 1
                dupes += sum(n - 1 for n in keys.values() if n > 1)
        return dupes

    async def handle(self, message: dict[str, Any]) -> dict[str, Any] | None:
        cmd = message.get("cmd")
        if cmd == "quit":
            return None
        if cmd == "wait_ready":
            await self.standin.wait_until_ready(int(message.get("count", 1)), float(message.get("timeout", 120)))
            return {"ready": self.standin.gateway.ready_count}
        if cmd == "load":
            return await self.load(message)
        if cmd == "rate_limits":
            config = message.get("config")
            self.standin.set_rate_limits(
                None
                if config is None
                else RateLimitConfig(
                    global_per_second=config.get("global_per_second"),
                    per_channel=tuple(config["per_channel"]) if config.get("per_channel") else None,  # type: ignore[arg-type]
                )
            )
            self.standin.recorder.records.clear()
            return {"ok": True}
        if cmd == "posts":
            result = self.posts(message)
            result["stored_duplicates"] = self.stored_duplicates()
            return result
        if cmd == "now":
            return {"monotonic": time.monotonic()}
        if cmd == "clear":
            self.standin.recorder.records.clear()
            return {"ok": True}
        raise ValueError(f"unknown command {cmd!r}")


async def _serve() -> None:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=64 * 1024 * 1024)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)

    def reply(payload: dict[str, Any]) -> None:
        sys.stdout.write(json.dumps(payload) + "\n")
        sys.stdout.flush()

    spec = json.loads(await reader.readline())
    async with StandIn(quiet_period=0.0, handler_wait=0.0) as standin:
        guilds = build_world(standin, spec)
        if spec.get("members_in_payloads"):
            _include_members(standin)
        reply(
            {
                "api_base": standin.api_base,
                "gateway_url": standin.gateway_url,
                "token": standin.token,
                "guilds": [
                    {
                        "id": g.id,
                        "channels": {standin.world.channels[c].name: c for c in g.channel_ids},
                    }
                    for g in guilds
                ],
            }
        )
        driver = _Driver(standin, guilds)
        while line := await reader.readline():
            try:
                answer = await driver.handle(json.loads(line))
            except Exception as exc:
                log.exception("command failed")
                reply({"error": f"{type(exc).__name__}: {exc}"})
                continue
            if answer is None:
                reply({"ok": True})
                break
            reply(answer)


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0–100) by the nearest-rank method; NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def chunks(values: list[Any], size: int) -> Iterator[list[Any]]:
    """Successive slices of ``size``."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    # A bot that disconnects mid-request is expected at the end of a run.
    logging.getLogger("aiohttp.server").setLevel(logging.CRITICAL)
    asyncio.run(_serve())
