"""GlobalPacer: the bot stays under Discord's global REST limit before sending."""

from __future__ import annotations

import asyncio

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.sending import GlobalPacer


class FakeTime:
    """A monotonic clock that only moves when a test moves it."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


async def test_requests_within_the_window_do_not_wait() -> None:
    fake = FakeTime()
    pacer = GlobalPacer(per_window=5, window=1.0, monotonic=fake)
    for _ in range(5):
        await asyncio.wait_for(pacer.acquire(), 0.1)
    assert pacer.waited == 0


async def test_one_more_waits_until_the_oldest_leaves_the_window() -> None:
    fake = FakeTime()
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        fake.now += seconds

    pacer = GlobalPacer(per_window=3, window=1.0, monotonic=fake, sleep=sleep)
    for at in (0.0, 0.2, 0.4):
        fake.now = at
        await pacer.acquire()
    fake.now = 0.5
    await pacer.acquire()
    assert slept == [pytest.approx(0.5)]
    assert fake.now == pytest.approx(1.0)
    assert pacer.waited == 1


@pytest.mark.parametrize(
    ("path", "exempt"),
    [
        ("/api/v10/interactions/123/tok/callback", True),
        ("/api/v10/webhooks/1/tok/messages/@original", True),
        ("/api/v10/channels/5/messages", False),
        ("/api/v10/channels/5/messages/6/threads", False),
        ("/api/v10/users/@me/channels", False),
    ],
)
def test_interaction_endpoints_are_exempt(path: str, exempt: bool) -> None:
    assert GlobalPacer.exempt(path) is exempt


@pytest.mark.parametrize("bad", [(0, 1.0), (5, 0.0)])
def test_a_pacer_needs_a_positive_rate(bad: tuple[int, float]) -> None:
    with pytest.raises(ValueError, match="positive"):
        GlobalPacer(per_window=bad[0], window=bad[1])


async def test_the_trace_paces_real_requests_but_not_interaction_callbacks() -> None:
    import aiohttp

    async def ok(request: web.Request) -> web.Response:
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/api/v10/channels/1/messages", ok)
    app.router.add_post("/api/v10/interactions/1/tok/callback", ok)
    pacer = GlobalPacer(per_window=2, window=0.3)
    async with TestServer(app) as server, aiohttp.ClientSession(trace_configs=[pacer.trace_config()]) as session:
        loop = asyncio.get_running_loop()
        started = loop.time()
        for _ in range(3):
            async with session.post(server.make_url("/api/v10/interactions/1/tok/callback")) as response:
                assert response.status == 200
        assert loop.time() - started < 0.25
        started = loop.time()
        for _ in range(3):
            async with session.post(server.make_url("/api/v10/channels/1/messages")) as response:
                assert response.status == 200
        assert loop.time() - started >= 0.25
    assert pacer.waited == 1
