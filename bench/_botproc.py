"""A bot (PMOBot or the bare baseline) in a process of its own, with a 1 ms event-loop probe, driven over a pipe.

With each bot in its own process, next to a stand-in process of its own, both bots can be connected at once and
a benchmark can alternate short segments of load between them: whatever else the machine is doing then hits
both about equally, and the ratio between them holds on a busy machine.

Protocol (JSON lines): the first message ``{"bot": "pmo"|"bare", "api_base", "gateway_url", "token",
"database"}`` connects the bot and answers ``{"pid"}`` once it is ready; then ``probe_start``, ``probe_stop``
(answers ``{"lags_ms": [...]}``) and ``quit``. Log records at WARNING and above are counted; the first few of
each logger go to stderr.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from bench._bots import BareBot, LoopProbe, close, connect, make_pmo_bot, point_discord_at
from bench._standin_proc import JsonChild

log = logging.getLogger(__name__)

SHOWN_PER_LOGGER = 5


class BotChild(JsonChild):
    """``async with BotChild(bot="pmo", api_base=..., gateway_url=..., token=..., database=...) as b:``."""

    module = "bench._botproc"

    async def probe_start(self) -> None:
        """Start recording event-loop lag in the bot's process."""
        await self.call("probe_start")

    async def probe_stop(self) -> list[float]:
        """Stop recording; the lags in milliseconds."""
        return list((await self.call("probe_stop"))["lags_ms"])


class _Counting(logging.StreamHandler):  # type: ignore[type-arg]
    def __init__(self) -> None:
        super().__init__(sys.stderr)
        self.counts: Counter[str] = Counter()

    def emit(self, record: logging.LogRecord) -> None:
        self.counts[record.name] += 1
        if self.counts[record.name] <= SHOWN_PER_LOGGER:
            super().emit(record)


async def _serve() -> None:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)

    def reply(payload: dict[str, Any]) -> None:
        sys.stdout.write(json.dumps(payload) + "\n")
        sys.stdout.flush()

    config = json.loads(await reader.readline())
    point_discord_at(config["api_base"], config["gateway_url"])
    bot: Any
    if config["bot"] == "pmo":
        bot = make_pmo_bot(
            config["api_base"], config["token"], Path(config["database"]), database_url=config.get("database_url")
        )
    else:
        bot = BareBot(guild_ready_timeout=0.05)
    task = await connect(bot, config["token"])
    probe = LoopProbe()
    reply({"pid": os.getpid()})
    try:
        while line := await reader.readline():
            cmd = json.loads(line).get("cmd")
            if cmd == "probe_start":
                probe.start()
                reply({"ok": True})
            elif cmd == "probe_stop":
                lags = await probe.stop()
                reply({"lags_ms": [round(lag * 1000, 4) for lag in lags]})
            elif cmd == "quit":
                break
            else:
                reply({"error": f"unknown command {cmd!r}"})
    finally:
        await close(bot, task)
    reply({"ok": True})


if __name__ == "__main__":
    handler = _Counting()
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.WARNING, handlers=[handler])
    logging.getLogger("discord.client").setLevel(logging.ERROR)
    asyncio.run(_serve())
    dropped = {name: n - SHOWN_PER_LOGGER for name, n in handler.counts.items() if n > SHOWN_PER_LOGGER}
    if dropped:
        sys.stderr.write(f"bench._botproc: log lines not shown: {dropped}\n")
