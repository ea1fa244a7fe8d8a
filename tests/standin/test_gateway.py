"""The gateway: reconnects the bot survives, events it receives, and what Discord refuses at connect time."""

from __future__ import annotations

import asyncio

import discord
import pytest

from bot.standin import DemoGuild, StandIn
from bot.standin.logcapture import ErrorLogCapture
from tests.standin.bare import BareBot
from tests.standin.conftest import start_bot, stop_bot


async def test_op7_reconnect_resumes_the_session(standin: StandIn, demo: DemoGuild, bot: BareBot) -> None:
    await standin.request_reconnect()
    await standin.wait_for_resume(1)
    assert standin.gateway.identify_count == 1
    reply = await standin.invoke("ping", user=demo.alice)
    assert reply.content == "pong @everyone"
    await asyncio.sleep(0)
    assert "resumed" in bot.events


async def test_dropped_socket_resumes_and_replays_missed_events(
    standin: StandIn, demo: DemoGuild, bot: BareBot
) -> None:
    session = standin.gateway.current
    assert session is not None
    await standin.disconnect_gateway(4000)
    # An event sent while the socket is down is queued and replayed after RESUME.
    await standin.delete_channel(demo.check_ins)
    await standin.wait_for_resume(1)
    reply = await standin.invoke("ping", user=demo.alice)
    assert reply.content == "pong @everyone"
    assert f"channel_delete:{demo.check_ins.id}" in bot.events
    assert standin.gateway.current is session


async def test_invalid_session_makes_the_bot_identify_again(
    standin: StandIn, demo: DemoGuild, bot: BareBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def no_identify_delay(shard_id: int | None, *, initial: bool = False) -> None:
        """discord.py waits 5 s before a repeated IDENTIFY; the test need not."""

    monkeypatch.setattr(bot, "before_identify_hook", no_identify_delay)
    await standin.invalidate_session(resumable=False)
    await standin.wait_until_ready(2)
    assert standin.gateway.identify_count == 2
    reply = await standin.invoke("ping", user=demo.bob)
    assert reply.content == "pong @everyone"


async def test_interaction_waits_for_a_reconnecting_bot(standin: StandIn, demo: DemoGuild, bot: BareBot) -> None:
    await standin.request_reconnect()
    reply = await standin.invoke("ping", user=demo.alice)
    assert reply.content == "pong @everyone"


async def test_removed_from_guild(standin: StandIn, demo: DemoGuild, bot: BareBot) -> None:
    await standin.remove_bot(demo.guild)
    await standin.settle()
    await asyncio.sleep(0.02)
    assert bot.get_guild(demo.guild.id) is None
    assert f"guild_remove:{demo.guild.id}" in bot.events
    with pytest.raises(discord.Forbidden) as info:
        await bot.fetch_guild(demo.guild.id)
    assert info.value.code == 50001


async def test_deleted_channel_is_unknown(standin: StandIn, demo: DemoGuild, bot: BareBot) -> None:
    channel = bot.get_channel(demo.prompts.id)
    assert isinstance(channel, discord.TextChannel)
    await standin.delete_channel(demo.prompts)
    with pytest.raises(discord.NotFound) as info:
        await channel.send("anyone there?")
    assert info.value.code == 10003
    await asyncio.sleep(0.02)
    assert bot.get_channel(demo.prompts.id) is None


async def test_privileged_intents_are_refused(standin: StandIn, demo: DemoGuild, error_log: ErrorLogCapture) -> None:
    intents = discord.Intents.none()
    intents.guilds = True
    intents.members = True
    client = discord.Client(intents=intents, guild_ready_timeout=0.05, chunk_guilds_at_startup=False)
    await client.login(standin.token)
    try:
        # With reconnect=True discord.py turns this into PrivilegedIntentsRequired.
        with pytest.raises(discord.ConnectionClosed) as info:
            await asyncio.wait_for(client.connect(reconnect=False), 5)
    finally:
        await client.close()
    assert info.value.code == 4014


async def test_privileged_intents_work_when_enabled(standin: StandIn, demo: DemoGuild) -> None:
    standin.privileged_intents = discord.Intents(members=True).value
    intents = discord.Intents.none()
    intents.guilds = True
    intents.members = True
    client = discord.Client(intents=intents, guild_ready_timeout=0.05)
    task = await start_bot(client, standin.token)
    try:
        guild = client.get_guild(demo.guild.id)
        assert guild is not None and guild.get_member(demo.alice.id) is not None
    finally:
        await stop_bot(client, task)


async def test_wrong_token_fails_login(standin: StandIn) -> None:
    client = discord.Client(intents=discord.Intents.none())
    try:
        with pytest.raises(discord.LoginFailure):
            await client.login("not-the-standin-token")
    finally:
        await client.close()


async def test_gateway_bot_returns_the_standins_websocket(standin: StandIn, demo: DemoGuild, bot: BareBot) -> None:
    _, url, _ = await bot.http.get_bot_gateway()
    assert url == standin.gateway_url


async def test_new_thread_is_announced(standin: StandIn, demo: DemoGuild, bot: BareBot) -> None:
    channel = bot.get_channel(demo.general.id)
    assert isinstance(channel, discord.TextChannel)
    message = await channel.send("start here")
    thread = await message.create_thread(name="discussion")
    await standin.settle()
    await asyncio.sleep(0.02)
    assert f"thread_create:{thread.id}" in bot.events
    assert channel.guild.get_thread(thread.id) is not None


async def test_live_changes_reach_the_bots_cache(standin: StandIn, demo: DemoGuild, bot: BareBot) -> None:
    from bot.standin import permissions

    voice = await standin.create_channel(demo.guild, "Coffee chat", type=2)
    role = await standin.create_role(demo.guild, "Mentors", mentionable=True)
    await standin.update_role(role, permissions=permissions.MANAGE_THREADS)
    bot_role = demo.guild.roles[standin.world.bot_role_ids[demo.guild.id]]
    standin.set_overwrite(demo.general, bot_role, deny=permissions.SEND_MESSAGES)
    await standin.flush_events()
    await standin.invoke("whisper", user=demo.alice)  # a round trip, so every event has been handled
    guild = bot.get_guild(demo.guild.id)
    assert guild is not None
    assert isinstance(guild.get_channel(voice.id), discord.VoiceChannel)
    cached = guild.get_role(role.id)
    assert cached is not None and cached.permissions.manage_threads
    general = guild.get_channel(demo.general.id)
    assert general is not None and not general.permissions_for(guild.me).send_messages
