"""Discord's limits, rejected by the stand-in the way Discord rejects them, surfacing as discord.py exceptions."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import discord
import pytest

from bot.standin import DemoGuild, InteractionFailedError, StandIn
from bot.standin.logcapture import ErrorLogCapture
from tests.standin.bare import BareBot


def text_channel(bot: BareBot, channel_id: int) -> discord.TextChannel:
    channel = bot.get_channel(channel_id)
    assert isinstance(channel, discord.TextChannel)
    return channel


async def post_raw(bot: BareBot, channel_id: int, payload: dict[str, Any]) -> Any:
    """Send a message body as is, bypassing discord.py's own checks on views."""
    route = discord.http.Route("POST", "/channels/{channel_id}/messages", channel_id=channel_id)
    return await bot.http.request(route, json=payload)


def embed_with(**fields: Any) -> discord.Embed:
    embed = discord.Embed(title=fields.pop("title", None), description=fields.pop("description", None))
    for name, value in fields.pop("fields", []):
        embed.add_field(name=name, value=value)
    if "footer" in fields:
        embed.set_footer(text=fields.pop("footer"))
    if "author" in fields:
        embed.set_author(name=fields.pop("author"))
    return embed


@pytest.mark.parametrize(
    ("kwargs", "where"),
    [
        ({"content": "x" * 2001}, "content"),
        ({"embed": embed_with(title="t" * 257)}, "embeds.0.title"),
        ({"embed": embed_with(description="d" * 4097)}, "embeds.0.description"),
        ({"embed": embed_with(fields=[("n", "v")] * 26)}, "embeds.0.fields"),
        ({"embed": embed_with(fields=[("n" * 257, "v")])}, "embeds.0.fields.0.name"),
        ({"embed": embed_with(fields=[("n", "v" * 1025)])}, "embeds.0.fields.0.value"),
        ({"embed": embed_with(title="t", footer="f" * 2049)}, "embeds.0.footer.text"),
        ({"embed": embed_with(title="t", author="a" * 257)}, "embeds.0.author.name"),
        ({"embeds": [embed_with(description="d" * 3001), embed_with(description="d" * 3000)]}, "embeds"),
    ],
)
async def test_message_limits(
    standin: StandIn, demo: DemoGuild, bot: BareBot, kwargs: dict[str, Any], where: str
) -> None:
    with pytest.raises(discord.HTTPException) as info:
        await text_channel(bot, demo.general.id).send(**kwargs)
    assert info.value.status == 400
    assert info.value.code == 50035
    assert where in info.value.text
    assert standin.messages_in(demo.general) == []


async def test_messages_exactly_at_the_limits_pass(standin: StandIn, demo: DemoGuild, bot: BareBot) -> None:
    channel = text_channel(bot, demo.general.id)
    await channel.send("x" * 2000)
    full = embed_with(title="t" * 256, description="d" * 4096, fields=[("n" * 56, "v" * 1024)] + [("n", "v")] * 24)
    total = 256 + 4096 + 56 + 1024 + 24 * 2
    assert total <= 6000
    await channel.send(embed=full)
    assert len(standin.messages_in(demo.general)) == 2


async def test_empty_message_is_refused(standin: StandIn, demo: DemoGuild, bot: BareBot) -> None:
    with pytest.raises(discord.HTTPException) as info:
        await post_raw(bot, demo.general.id, {"content": ""})
    assert info.value.code == 50006


async def test_more_than_ten_embeds_is_refused(standin: StandIn, demo: DemoGuild, bot: BareBot) -> None:
    # discord.py checks this one itself; the stand-in does too, for code that builds payloads by hand.
    with pytest.raises(discord.HTTPException) as info:
        await post_raw(bot, demo.general.id, {"embeds": [{"title": "t"}] * 11})
    assert info.value.code == 50035


def button(custom_id: str) -> dict[str, Any]:
    return {"type": 2, "style": 1, "label": "b", "custom_id": custom_id}


@pytest.mark.parametrize(
    ("components", "where"),
    [
        ([{"type": 1, "components": [button(f"b{i}")]} for i in range(6)], "components"),
        ([{"type": 1, "components": [button(f"b{i}") for i in range(6)]}], "components.0.components"),
        ([{"type": 1, "components": [button("x" * 101)]}], "components.0.components.0.custom_id"),
        ([{"type": 1, "components": [button("same"), button("same")]}], "custom_id"),
        ([button("loose")], "components.0.type"),
        ([{"type": 1, "components": [{"type": 2, "style": 5, "label": "l"}]}], "url"),
        (
            [
                {
                    "type": 1,
                    "components": [
                        {
                            "type": 3,
                            "custom_id": "s",
                            "options": [{"label": f"o{i}", "value": f"o{i}"} for i in range(26)],
                        }
                    ],
                }
            ],
            "options",
        ),
    ],
)
async def test_component_limits(
    standin: StandIn, demo: DemoGuild, bot: BareBot, components: list[dict[str, Any]], where: str
) -> None:
    with pytest.raises(discord.HTTPException) as info:
        await post_raw(bot, demo.general.id, {"content": "c", "components": components})
    assert info.value.code == 50035
    assert where in info.value.text


async def test_long_custom_id_in_a_view_is_refused(standin: StandIn, demo: DemoGuild, bot: BareBot) -> None:
    view = discord.ui.View()
    view.add_item(discord.ui.Button(label="go", custom_id="x" * 101))
    with pytest.raises(discord.HTTPException) as info:
        await text_channel(bot, demo.general.id).send("view", view=view)
    assert info.value.code == 50035


async def test_interaction_response_limits(standin: StandIn, demo: DemoGuild, bot: BareBot) -> None:
    async def attempt(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("x" * 2001)

    bot.attempt = attempt
    reply = await standin.invoke("try", user=demo.alice)
    assert reply.content == "caught 50035"
    assert [r.error_code for r in reply.errors] == [50035]


@pytest.mark.parametrize(
    ("names", "where"),
    [([f"c{i}" for i in range(26)], "data.choices"), (["x" * 101], "data.choices.0.name")],
)
async def test_autocomplete_limits(
    standin: StandIn, demo: DemoGuild, bot: BareBot, names: list[str], where: str
) -> None:
    bot.choice_names = names  # type: ignore[attr-defined]
    choices = await standin.autocomplete("suggest", "word", "c", user=demo.alice)
    assert choices == [{"name": "fallback", "value": "fallback"}]
    assert bot.caught[0].code == 50035
    assert where in bot.caught[0].text


async def test_autocomplete_at_the_limit_passes(standin: StandIn, demo: DemoGuild, bot: BareBot) -> None:
    bot.choice_names = [f"{i:02d}" + "x" * 98 for i in range(25)]  # type: ignore[attr-defined]
    choices = await standin.autocomplete("suggest", "word", "", user=demo.alice)
    assert len(choices) == 25
    assert bot.caught == []


def modal(title: str, label: str = "Field", rows: int = 1) -> discord.ui.Modal:
    form = discord.ui.Modal(title=title, custom_id="form")
    for i in range(rows):
        form.add_item(discord.ui.TextInput(label=label, custom_id=f"f{i}"))
    return form


@pytest.mark.parametrize(
    ("form", "where"),
    [
        (lambda: modal("t" * 46), "data.title"),
        (lambda: modal("ok", label="l" * 46), "label"),
        (lambda: modal("ok", rows=0), "data.components"),
    ],
)
async def test_modal_limits(standin: StandIn, demo: DemoGuild, bot: BareBot, form: Any, where: str) -> None:
    async def attempt(interaction: discord.Interaction) -> None:
        await interaction.response.send_modal(form())

    bot.attempt = attempt
    reply = await standin.invoke("try", user=demo.alice)
    assert reply.content == "caught 50035"
    assert where in bot.caught[0].text


@pytest.mark.parametrize("standin_options", [{"response_deadline": 0.2}])
async def test_first_response_deadline(standin: StandIn, demo: DemoGuild, bot: BareBot) -> None:
    async def attempt(interaction: discord.Interaction) -> None:
        await asyncio.sleep(0.3)
        await interaction.response.send_message("too late")

    bot.attempt = attempt
    reply = await standin.invoke("try", user=demo.alice, check=False)
    assert reply.failed
    assert isinstance(bot.caught[0], discord.NotFound)
    assert bot.caught[0].code == 10062
    with pytest.raises(InteractionFailedError, match="did not acknowledge"):
        await standin.invoke("try", user=demo.alice)


@pytest.mark.parametrize("standin_options", [{"response_deadline": 0.2}])
async def test_deferring_in_time_then_answering_late_is_fine(standin: StandIn, demo: DemoGuild, bot: BareBot) -> None:
    async def attempt(interaction: discord.Interaction) -> None:
        await interaction.response.defer(thinking=True)
        await asyncio.sleep(0.3)
        await interaction.followup.send("worth the wait")

    bot.attempt = attempt
    reply = await standin.invoke("try", user=demo.alice)
    assert reply.content == "worth the wait"


class FakeClock:
    """A wall clock the test moves."""

    def __init__(self) -> None:
        self.value = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.value


EXPIRY_CLOCK = FakeClock()


@pytest.mark.parametrize("standin_options", [{"clock": EXPIRY_CLOCK.now, "followup_timeout": 0.2}])
async def test_interaction_token_expires_after_15_minutes(standin: StandIn, demo: DemoGuild, bot: BareBot) -> None:
    gate = asyncio.Event()

    async def attempt(interaction: discord.Interaction) -> None:
        await interaction.response.defer(thinking=True)
        await gate.wait()
        await interaction.followup.send("after lunch")

    bot.attempt = attempt
    standin.handler_wait = 0  # the handler is parked on the gate on purpose
    reply = await standin.invoke("try", user=demo.alice, check=False)
    assert reply.deferred and reply.message is not None and reply.message.loading
    EXPIRY_CLOCK.value += timedelta(minutes=15, seconds=1)
    gate.set()
    (_, followup) = await reply.wait_for_requests(2)
    assert (followup.status, followup.error_code) == (401, 50027)
    await standin.settle()
    assert bot.caught[0].status == 401
    assert bot.caught[0].code == 50027


async def test_deferred_without_followup_fails_the_check(
    standin: StandIn, demo: DemoGuild, bot: BareBot, error_log: ErrorLogCapture
) -> None:
    standin.followup_timeout = 0.1

    async def attempt(interaction: discord.Interaction) -> None:
        await interaction.response.defer(thinking=True)

    bot.attempt = attempt
    with pytest.raises(InteractionFailedError, match="deferred but sent nothing"):
        await standin.invoke("try", user=demo.alice)
