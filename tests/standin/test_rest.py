"""REST behaviour: messages, history, threads, reads, the request record, and Discord's interaction rules."""

from __future__ import annotations

import asyncio
import io
from datetime import timedelta
from typing import Any

import aiohttp
import discord
import pytest

from bot.standin import DemoGuild, StandIn
from bot.standin.interactions import APPLICATION_COMMAND
from tests.standin.bare import BareBot

MESSAGES = "POST /channels/{channel_id}/messages"


def text_channel(bot: BareBot, channel_id: int) -> discord.TextChannel:
    channel = bot.get_channel(channel_id)
    assert isinstance(channel, discord.TextChannel)
    return channel


async def test_history_is_newest_first_and_includes_public_replies(
    standin: StandIn, demo: DemoGuild, bot: BareBot
) -> None:
    channel = text_channel(bot, demo.general.id)
    for i in range(3):
        await channel.send(f"m{i}")
    await standin.invoke("ping", user=demo.alice)
    await standin.invoke("whisper", user=demo.alice)
    history = [m.content async for m in channel.history(limit=10)]
    assert history == ["pong @everyone", "m2", "m1", "m0"]
    oldest = [m.content async for m in channel.history(limit=2, oldest_first=True)]
    assert oldest == ["m0", "m1"]


async def test_edit_and_delete(standin: StandIn, demo: DemoGuild, bot: BareBot) -> None:
    message = await text_channel(bot, demo.general.id).send("draft")
    edited = await message.edit(content="final", embed=discord.Embed(title="T"))
    assert edited.content == "final"
    stored = standin.message(message.id)
    assert stored.content == "final" and stored.versions[0]["content"] == "draft"
    assert stored.edited_at is not None
    await message.delete()
    assert standin.messages_in(demo.general) == []
    with pytest.raises(discord.NotFound) as info:
        await text_channel(bot, demo.general.id).fetch_message(message.id)
    assert info.value.code == 10008


async def test_thread_from_a_message_and_a_private_thread(standin: StandIn, demo: DemoGuild, bot: BareBot) -> None:
    channel = text_channel(bot, demo.prompts.id)
    post = await channel.send("Today's prompt")
    thread = await post.create_thread(name="Discuss: today's prompt", auto_archive_duration=1440)
    assert thread.id == post.id
    await thread.send("first!")
    with pytest.raises(discord.HTTPException) as info:
        await post.create_thread(name="again")
    assert info.value.code == 160004
    private = await text_channel(bot, demo.mentoring.id).create_thread(
        name="alice + bob", type=discord.ChannelType.private_thread, invitable=False
    )
    await private.add_user(discord.Object(demo.alice.id))
    assert [t.name for t in standin.threads_in(demo.prompts)] == ["Discuss: today's prompt"]
    mentorship = standin.threads_in(demo.mentoring)[0]
    assert mentorship.type == 12 and demo.alice.id in mentorship.thread_member_ids
    assert [m.content for m in standin.messages_in(thread.id)] == ["first!"]
    with pytest.raises(discord.NotFound) as member_info:
        await private.add_user(discord.Object(1))
    assert member_info.value.code == 10007


async def test_reads(standin: StandIn, demo: DemoGuild, bot: BareBot) -> None:
    guild = await bot.fetch_guild(demo.guild.id)
    assert guild.name == "PMO Community" and guild.owner_id == demo.owner.id
    channels = await guild.fetch_channels()
    assert "mod-log" in {c.name for c in channels}
    roles = await guild.fetch_roles()
    assert "Moderators" in {r.name for r in roles}
    member = await guild.fetch_member(demo.mod.id)
    assert [r.id for r in member.roles if not r.is_default()] == [demo.moderators.id]
    user = await bot.fetch_user(demo.alice.id)
    assert user.global_name == "Alice"
    channel = await bot.fetch_channel(demo.check_ins.id)
    assert isinstance(channel, discord.TextChannel) and channel.name == "check-ins"
    with pytest.raises(discord.NotFound):
        await bot.fetch_channel(123456789012345678)
    dm = await bot.create_dm(discord.Object(demo.dave.id))
    assert dm.recipient is not None and dm.recipient.id == demo.dave.id


async def test_record_keeps_allowed_mentions_and_who_was_pinged(
    standin: StandIn, demo: DemoGuild, bot: BareBot
) -> None:
    channel = text_channel(bot, demo.general.id)
    before = standin.world.clock()
    await channel.send(
        f"{demo.alice.mention} and @everyone and {demo.moderators.mention}",
        allowed_mentions=discord.AllowedMentions(everyone=False, roles=False, users=[discord.Object(demo.alice.id)]),
    )
    await channel.send(f"{demo.bob.mention} @here")
    records = standin.requests(MESSAGES, channel_id=demo.general, since=before)
    assert records[0].allowed_mentions == {"parse": [], "users": [demo.alice.id], "replied_user": True}
    first, second = standin.messages_in(demo.general)
    assert first.pings.users == {demo.alice.id} and not first.pings.roles and not first.pings.everyone
    # Without allowed_mentions Discord parses everything, but @here needs Mention Everyone.
    assert second.pings.users == {demo.bob.id} and not second.pings.everyone
    assert standin.requests(MESSAGES, channel_id=demo.mentoring) == []
    assert standin.requests(MESSAGES, until=before) == []


async def test_json_content_type_is_exact(standin: StandIn) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{standin.api_base}/users/@me", headers={"Authorization": f"Bot {standin.token}"}) as response,
    ):
        assert response.headers["Content-Type"] == "application/json"
        body = await response.json()
    assert body["id"] == str(standin.bot_user.id)


async def test_rest_needs_the_token(standin: StandIn) -> None:
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{standin.api_base}/users/@me") as response:
            assert response.status == 401
        async with session.get(f"{standin.api_base}/users/@me", headers={"Authorization": "Bot wrong"}) as response:
            assert response.status == 401


async def raw_interaction(standin: StandIn, demo: DemoGuild) -> Any:
    data = {"id": "1", "name": "ping", "type": 1}
    return standin.interactions.create(
        APPLICATION_COMMAND, user=demo.alice, guild=demo.guild, channel=demo.general, data=data
    )


async def test_interaction_rules_without_a_bot(standin: StandIn, demo: DemoGuild) -> None:
    state = await raw_interaction(standin, demo)
    base = standin.api_base
    callback = f"{base}/interactions/{state.id}/{state.token}/callback?with_response=1"
    followup = f"{base}/webhooks/{standin.application_id}/{state.token}?wait=1"
    async with aiohttp.ClientSession() as session:
        async with session.post(followup, json={"content": "too early"}) as response:
            assert (response.status, (await response.json())["code"]) == (404, 10015)
        async with session.post(callback, json={"type": 4, "data": {"content": "hi"}}) as response:
            assert response.status == 200
            body = await response.json()
            assert body["interaction"]["response_message_id"] == body["resource"]["message"]["id"]
        async with session.post(callback, json={"type": 4, "data": {"content": "again"}}) as response:
            assert (response.status, (await response.json())["code"]) == (400, 40060)
        async with session.post(f"{base}/interactions/{state.id}/nope/callback", json={"type": 4}) as response:
            assert (response.status, (await response.json())["code"]) == (404, 10062)
        form = aiohttp.FormData(quote_fields=False)
        form.add_field("payload_json", '{"content": "with a file", "attachments": [{"id": 0, "filename": "a.txt"}]}')
        form.add_field("files[0]", io.BytesIO(b"abc"), filename="a.txt", content_type="text/plain")
        async with session.post(followup, data=form) as response:
            assert response.status == 200
            attachment = (await response.json())["attachments"][0]
        async with session.get(attachment["url"]) as response:
            assert await response.read() == b"abc"
        async with session.delete(f"{base}/webhooks/{standin.application_id}/{state.token}/messages/@original") as r:
            assert r.status == 204
        async with session.get(f"{base}/webhooks/{standin.application_id}/{state.token}/messages/@original") as r:
            assert (r.status, (await r.json())["code"]) == (404, 10008)


async def test_wrong_callback_type_is_refused(standin: StandIn, demo: DemoGuild) -> None:
    state = await raw_interaction(standin, demo)
    url = f"{standin.api_base}/interactions/{state.id}/{state.token}/callback"
    async with aiohttp.ClientSession() as session:
        for kind in (6, 7, 8):
            async with session.post(url, json={"type": kind, "data": {"choices": []}}) as response:
                assert (response.status, (await response.json())["code"]) == (400, 50035)


async def test_token_ttl_is_injectable() -> None:
    async with StandIn(token_ttl=timedelta(seconds=0.05)) as standin:
        demo = standin.demo_guild()
        state = await raw_interaction(standin, demo)
        url = f"{standin.api_base}/interactions/{state.id}/{state.token}/callback"
        followup = f"{standin.api_base}/webhooks/{standin.application_id}/{state.token}"
        async with aiohttp.ClientSession() as session:
            async with session.post(url, json={"type": 5}) as response:
                assert response.status == 200
            await asyncio.sleep(0.06)
            async with session.post(followup, json={"content": "late"}) as response:
                assert (response.status, (await response.json())["code"]) == (401, 50027)


async def test_reactions_typing_and_thread_edits(standin: StandIn, demo: DemoGuild, bot: BareBot) -> None:
    channel = text_channel(bot, demo.mentoring.id)
    async with channel.typing():
        message = await channel.send("pairing")
    await message.add_reaction("👍")
    assert standin.message(message.id).reactions == {"👍": {standin.bot_user.id}}
    thread = await channel.create_thread(name="pair", type=discord.ChannelType.private_thread)
    archived = await thread.edit(archived=True, name="pair (ended)")
    assert archived.archived and standin.threads_in(demo.mentoring)[0].archived
    await thread.send("reopened by posting")
    assert not standin.threads_in(demo.mentoring)[0].archived


async def test_unknown_routes_get_a_discord_404_and_are_recorded(
    standin: StandIn, demo: DemoGuild, bot: BareBot, error_log: object
) -> None:
    with pytest.raises(discord.NotFound):
        await bot.http.request(discord.http.Route("GET", "/channels/{channel_id}/pins", channel_id=demo.general.id))
    (record,) = standin.requests("GET /{unsupported}")
    assert record.status == 404 and record.path.endswith("/pins")
