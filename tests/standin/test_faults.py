"""Injected faults and rate limits, and how discord.py experiences them."""

from __future__ import annotations

import asyncio
import time

import aiohttp
import discord
import pytest

from bot.standin import DemoGuild, RateLimitConfig, StandIn, permissions
from tests.standin.bare import BareBot

MESSAGES = "POST /channels/{channel_id}/messages"


def text_channel(bot: BareBot, channel_id: int) -> discord.TextChannel:
    channel = bot.get_channel(channel_id)
    assert isinstance(channel, discord.TextChannel)
    return channel


async def test_500_is_retried_by_discord_py(standin: StandIn, demo: DemoGuild, bot: BareBot) -> None:
    fault = standin.faults.add(MESSAGES, status=500, times=1)
    await text_channel(bot, demo.general.id).send("eventually")
    assert fault.hits == 1
    assert [r.status for r in standin.requests(MESSAGES)] == [500, 200]
    assert [m.content for m in standin.messages_in(demo.general)] == ["eventually"]


async def test_503_surfaces_as_server_error(standin: StandIn, demo: DemoGuild, bot: BareBot) -> None:
    standin.faults.add(MESSAGES, status=503)
    with pytest.raises(discord.DiscordServerError):
        await text_channel(bot, demo.general.id).send("x")


@pytest.mark.parametrize(
    ("code", "exception", "status"),
    [(50013, discord.Forbidden, 403), (10003, discord.NotFound, 404), (50007, discord.Forbidden, 403)],
)
async def test_discord_error_codes(
    standin: StandIn, demo: DemoGuild, bot: BareBot, code: int, exception: type[Exception], status: int
) -> None:
    standin.faults.add(MESSAGES, code=code)
    with pytest.raises(exception) as info:
        await text_channel(bot, demo.general.id).send("x")
    assert isinstance(info.value, discord.HTTPException)
    assert (info.value.status, info.value.code) == (status, code)
    await text_channel(bot, demo.general.id).send("the fault fired once")


async def test_fault_for_one_channel_only(standin: StandIn, demo: DemoGuild, bot: BareBot) -> None:
    standin.faults.add(MESSAGES, code=50013, channel_id=demo.mod_log.id, times=None)
    await text_channel(bot, demo.general.id).send("fine here")
    for _ in range(2):
        with pytest.raises(discord.Forbidden):
            await text_channel(bot, demo.mod_log.id).send("not here")


async def test_dropped_connection(standin: StandIn, demo: DemoGuild, bot: BareBot) -> None:
    standin.faults.add(MESSAGES, drop_connection=True)
    with pytest.raises(aiohttp.ClientError):
        await text_channel(bot, demo.general.id).send("lost")
    assert standin.messages_in(demo.general) == []


async def test_lost_response_after_the_work_was_done(standin: StandIn, demo: DemoGuild, bot: BareBot) -> None:
    standin.faults.add(MESSAGES, lose_response=True)
    with pytest.raises(aiohttp.ClientError):
        await text_channel(bot, demo.general.id).send("sent, but nobody heard back")
    assert [m.content for m in standin.messages_in(demo.general)] == ["sent, but nobody heard back"]
    (record,) = standin.requests(MESSAGES)
    assert record.fault and record.status == 0


async def test_slow_response(standin: StandIn, demo: DemoGuild, bot: BareBot) -> None:
    standin.faults.add(MESSAGES, delay=0.15)
    started = time.monotonic()
    await text_channel(bot, demo.general.id).send("slow")
    assert time.monotonic() - started >= 0.15


async def test_429_with_via_and_retry_after_is_retried(standin: StandIn, demo: DemoGuild, bot: BareBot) -> None:
    standin.faults.add(MESSAGES, status=429, retry_after=0.05)
    await text_channel(bot, demo.general.id).send("after a pause")
    limited, sent = standin.requests(MESSAGES)
    assert limited.status == 429 and limited.headers["Via"]
    assert limited.response == {"message": "You are being rate limited.", "retry_after": 0.05, "global": False}
    assert sent.status == 200


async def test_fault_on_interaction_followup(standin: StandIn, demo: DemoGuild, bot: BareBot) -> None:
    async def attempt(interaction: discord.Interaction) -> None:
        await interaction.response.defer(thinking=True)
        await interaction.followup.send("first")

    bot.attempt = attempt
    standin.faults.add("POST /webhooks/{application_id}/{token}", code=50013)
    reply = await standin.invoke("try", user=demo.alice, check=False)
    assert isinstance(bot.caught[0], discord.Forbidden)
    assert reply.deferred
    assert reply.message is not None and reply.message.loading
    assert [r.error_code for r in reply.errors] == [50013]


async def test_channel_bucket_headers_make_discord_py_wait(standin: StandIn, demo: DemoGuild, bot: BareBot) -> None:
    standin.set_rate_limits(RateLimitConfig(global_per_second=None, per_channel=(2, 0.3)))
    channel = text_channel(bot, demo.general.id)
    started = time.monotonic()
    for i in range(3):
        await channel.send(f"message {i}")
    assert time.monotonic() - started >= 0.2
    first = standin.requests(MESSAGES)[0]
    assert first.headers["X-RateLimit-Limit"] == "2"
    assert first.headers["X-RateLimit-Remaining"] == "1"
    assert {"X-RateLimit-Reset", "X-RateLimit-Reset-After", "X-RateLimit-Bucket"} <= set(first.headers)
    assert standin.rate_limit_stats.total_429s == 0
    # Another channel has its own bucket.
    await text_channel(bot, demo.mentoring.id).send("other bucket")
    assert standin.requests(MESSAGES, channel_id=demo.mentoring)[0].headers["X-RateLimit-Remaining"] == "1"


async def test_global_rate_limit_is_hit_and_recovered(standin: StandIn, demo: DemoGuild, bot: BareBot) -> None:
    standin.set_rate_limits(RateLimitConfig(global_per_second=4, per_channel=None))
    channels = [text_channel(bot, c.id) for c in (demo.general, demo.prompts, demo.mentoring)]
    await asyncio.gather(*(c.send("burst") for c in channels for _ in range(2)))
    assert standin.rate_limit_stats.global_429s >= 1
    limited = [r for r in standin.requests(MESSAGES) if r.status == 429]
    assert limited[0].response["global"] is True
    assert limited[0].headers["X-RateLimit-Scope"] == "global"
    assert sum(len(standin.messages_in(c.id)) for c in channels) == 6


async def test_interaction_callbacks_are_exempt_from_the_global_limit(
    standin: StandIn, demo: DemoGuild, bot: BareBot
) -> None:
    standin.set_rate_limits(RateLimitConfig(global_per_second=1))
    for _ in range(3):
        assert (await standin.invoke("whisper", user=demo.alice)).content == "just for you"
    assert standin.rate_limit_stats.global_429s == 0


async def test_enforce_nonce_returns_the_existing_message(standin: StandIn, demo: DemoGuild, bot: BareBot) -> None:
    channel = text_channel(bot, demo.prompts.id)
    first = await channel.send("daily prompt", nonce="prompt-2026-03-02")
    again = await channel.send("daily prompt", nonce="prompt-2026-03-02")
    assert first.id == again.id
    assert len(standin.messages_in(demo.prompts)) == 1
    sent = standin.requests(MESSAGES, channel_id=demo.prompts)
    assert [r.nonce for r in sent] == ["prompt-2026-03-02"] * 2
    assert sent[0].json["enforce_nonce"] is True
    other = await channel.send("another", nonce="prompt-2026-03-03")
    assert other.id != first.id


async def test_missing_permissions(standin: StandIn, demo: DemoGuild, bot: BareBot) -> None:
    bot_role = demo.guild.roles[standin.world.bot_role_ids[demo.guild.id]]
    standin.set_overwrite(demo.check_ins, bot_role, deny=permissions.SEND_MESSAGES)
    with pytest.raises(discord.Forbidden) as info:
        await text_channel(bot, demo.check_ins.id).send("x")
    assert info.value.code == 50013
    standin.set_overwrite(demo.check_ins, bot_role, deny=permissions.VIEW_CHANNEL)
    with pytest.raises(discord.Forbidden) as info:
        await text_channel(bot, demo.check_ins.id).send("x")
    assert info.value.code == 50001
    standin.set_overwrite(demo.mentoring, bot_role, deny=permissions.CREATE_PRIVATE_THREADS)
    with pytest.raises(discord.Forbidden) as info:
        await text_channel(bot, demo.mentoring.id).create_thread(name="pair", type=discord.ChannelType.private_thread)
    assert info.value.code == 50013


async def test_removed_member_is_unknown(standin: StandIn, demo: DemoGuild, bot: BareBot) -> None:
    guild = bot.get_guild(demo.guild.id)
    assert guild is not None
    assert (await guild.fetch_member(demo.carol.id)).name == "carol"
    await standin.remove_member(demo.guild, demo.carol)
    with pytest.raises(discord.NotFound) as info:
        await guild.fetch_member(demo.carol.id)
    assert info.value.code == 10007


async def test_members_list_needs_the_privileged_intent(standin: StandIn, demo: DemoGuild, bot: BareBot) -> None:
    guild = bot.get_guild(demo.guild.id)
    assert guild is not None
    # discord.py refuses this itself without the intent; a hand-made request gets Discord's answer.
    with pytest.raises(discord.Forbidden) as info:
        await bot.http.get_members(guild.id, limit=10, after=None)
    assert info.value.code == 50001
