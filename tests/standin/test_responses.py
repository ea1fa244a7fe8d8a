"""A bare discord.py bot logs in, syncs, and answers interactions with every response type through the stand-in."""

from __future__ import annotations

import asyncio

import discord
import pytest

from bot.standin import DemoGuild, InvalidInvocationError, StandIn, Upload
from tests.standin.bare import BareBot


async def test_login_syncs_commands_and_receives_the_guild(standin: StandIn, demo: DemoGuild, bot: BareBot) -> None:
    assert bot.user is not None and bot.user.id == standin.bot_user.id
    assert bot.application_id == standin.application_id
    assert len(standin.requests("PUT /applications/{application_id}/commands")) == 1
    assert len(standin.requests("PUT /applications/{application_id}/guilds/{guild_id}/commands")) == 1
    assert {c["name"] for c in standin.commands.listing(None)} >= {"ping", "role", "admin", "try"}
    guild = bot.get_guild(demo.guild.id)
    assert guild is not None
    assert {c.name for c in guild.text_channels} == {"general", "prompts", "mentoring", "check-ins", "mod-log"}
    assert guild.get_role(demo.moderators.id) is not None
    assert guild.me is not None
    assert not guild.me.guild_permissions.manage_guild
    assert guild.get_channel(demo.mod_log.id).permissions_for(guild.me).send_messages  # type: ignore[union-attr]
    assert standin.gateway.identify_count == 1


async def test_message_response_is_public_with_its_allowed_mentions(
    standin: StandIn, demo: DemoGuild, bot: BareBot
) -> None:
    reply = await standin.invoke("ping", user=demo.alice)
    assert reply.type == 4
    assert reply.content == "pong @everyone"
    assert reply.embed is not None and reply.embed["title"] == "Pong"
    assert not reply.ephemeral
    assert reply.allowed_mentions == {"parse": []}
    assert not reply.pings.everyone
    assert standin.messages_in(demo.general)[-1].id == reply.message.id  # type: ignore[union-attr]


async def test_ephemeral_response_stays_out_of_the_channel(standin: StandIn, demo: DemoGuild, bot: BareBot) -> None:
    reply = await standin.invoke("whisper", user=demo.bob)
    assert reply.ephemeral
    assert reply.content == "just for you"
    assert standin.messages_in(demo.general) == []


async def test_defer_then_followups_fill_the_thinking_message(standin: StandIn, demo: DemoGuild, bot: BareBot) -> None:
    reply = await standin.invoke("slow", user=demo.alice)
    assert reply.deferred and reply.type == 5
    messages = await reply.wait_for_messages(2)
    assert [m.content for m in messages] == ["done", "and one more"]
    assert reply.embed is not None
    assert (reply.embed["title"], reply.embed["description"]) == ("Result", "all good")
    assert not reply.message.loading  # type: ignore[union-attr]
    callback = standin.requests("POST /interactions/{id}/{token}/callback", interaction_id=reply.interaction_id)
    assert callback[0].response["interaction"]["response_message_id"] == str(reply.message.id)  # type: ignore[union-attr]


async def test_ephemeral_defer_then_edit_original(standin: StandIn, demo: DemoGuild, bot: BareBot) -> None:
    reply = await standin.invoke("quiet", user=demo.carol)
    assert reply.deferred
    assert reply.ephemeral
    assert reply.content == "edited quietly"
    assert len(reply.messages) == 1


async def test_button_click_updates_the_message(standin: StandIn, demo: DemoGuild, bot: BareBot) -> None:
    panel = await standin.invoke("panel", user=demo.alice)
    assert [b["label"] for b in panel.buttons()] == ["Bump", "Later", "Off"]
    clicked = await standin.click(panel, "panel:bump", user=demo.bob)
    assert clicked.type == 7
    assert clicked.content == "bumped by bob"
    assert panel.content == "bumped by bob"
    assert panel.message.versions[0]["content"] == "panel"  # type: ignore[union-attr]


async def test_deferred_update_then_edit_original(standin: StandIn, demo: DemoGuild, bot: BareBot) -> None:
    panel = await standin.invoke("panel", user=demo.alice)
    clicked = await standin.click(panel, "panel:later", user=demo.alice)
    assert clicked.type == 6
    assert clicked.content == "edited after a deferred update"
    assert clicked.message is panel.message


async def test_select_and_component_rules(standin: StandIn, demo: DemoGuild, bot: BareBot) -> None:
    panel = await standin.invoke("panel", user=demo.alice)
    picked = await standin.select(panel, "panel:pick", ["red", "blue"], user=demo.dave)
    assert picked.content == "picked red,blue"
    with pytest.raises(InvalidInvocationError, match="no option"):
        await standin.select(panel, "panel:pick", ["purple"], user=demo.dave)
    with pytest.raises(InvalidInvocationError, match="takes 1-2 values"):
        await standin.select(panel, "panel:pick", ["red", "green", "blue"], user=demo.dave)
    with pytest.raises(InvalidInvocationError, match="disabled"):
        await standin.click(panel, "panel:off", user=demo.dave)


async def test_only_its_user_can_click_an_ephemeral_message(standin: StandIn, demo: DemoGuild, bot: BareBot) -> None:
    async def attempt(interaction: object) -> None:
        import discord

        from tests.standin.bare import PanelView

        assert isinstance(interaction, discord.Interaction)
        await interaction.response.send_message("private panel", view=PanelView(), ephemeral=True)

    bot.attempt = attempt
    panel = await standin.invoke("try", user=demo.alice)
    with pytest.raises(InvalidInvocationError, match="only alice"):
        await standin.click(panel, "panel:bump", user=demo.bob)
    clicked = await standin.click(panel, "panel:bump", user=demo.alice)
    assert clicked.content == "bumped by alice"
    assert clicked.ephemeral


async def test_persistent_view_is_routed_by_custom_id(standin: StandIn, demo: DemoGuild, bot: BareBot) -> None:
    posted = await standin.invoke("keep", user=demo.alice)
    reply = await standin.click(posted, "persist:keep", user=demo.bob)
    assert reply.content == "still here"
    assert reply.ephemeral


async def test_autocomplete_returns_the_bots_choices(standin: StandIn, demo: DemoGuild, bot: BareBot) -> None:
    choices = await standin.autocomplete("role info", "role", "pmo an", user=demo.alice)
    assert choices == [{"name": "PMO Analyst", "value": "PMO Analyst"}]
    reply = await standin.invoke("role info", user=demo.alice, role="PMO Analyst")
    assert reply.content == "role card: PMO Analyst"


async def test_modal_round_trip(standin: StandIn, demo: DemoGuild, bot: BareBot) -> None:
    opened = await standin.invoke("feedback", user=demo.alice)
    assert opened.type == 9
    assert opened.modal is not None and opened.modal["title"] == "Feedback"
    assert [f["custom_id"] for f in opened.modal_fields()] == ["feedback:text", "feedback:mood"]
    with pytest.raises(InvalidInvocationError, match="required"):
        await standin.submit_modal(opened, {})
    with pytest.raises(InvalidInvocationError, match="0-200 characters"):
        await standin.submit_modal(opened, {"feedback:text": "x" * 201})
    with pytest.raises(InvalidInvocationError, match="only alice"):
        await standin.submit_modal(opened, {"feedback:text": "hi"}, user=demo.bob)
    submitted = await standin.submit_modal(opened, {"feedback:text": "great community"})
    assert submitted.content == "thanks: great community (fine)"
    assert submitted.ephemeral


async def test_typed_options_are_resolved(standin: StandIn, demo: DemoGuild, bot: BareBot) -> None:
    reply = await standin.invoke(
        "echo",
        user=demo.alice,
        text="hello",
        count=3,
        member=demo.bob,
        options={"channel": demo.prompts},
        role=demo.moderators,
        flag=True,
        upload=Upload("notes.txt", b"file body"),
    )
    assert reply.content == "hello|3|bob|prompts|Moderators|True|notes.txt:file body"
    sent = standin.interactions.by_id[reply.interaction_id].payload["data"]
    assert set(sent["resolved"]) == {"users", "members", "channels", "roles", "attachments"}


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"count": 6}, "between 1 and 5"),
        ({"text": "x" * 21}, "1-20 characters"),
        ({"channel": "PMO Community"}, "channel types"),
        ({"nope": 1}, "has no option"),
        ({"member": None}, "'member' is required"),
        ({"count": "3"}, "takes a number"),
        ({"role": "No Such Role"}, "no role"),
    ],
)
async def test_invalid_options_are_refused_like_discords_client(
    standin: StandIn, demo: DemoGuild, bot: BareBot, options: dict[str, object], message: str
) -> None:
    values: dict[str, object] = {
        "text": "hi",
        "count": 1,
        "member": demo.bob,
        "channel": demo.general,
        "role": demo.moderators,
    }
    values.update(options)
    with pytest.raises(InvalidInvocationError, match=message):
        await standin.invoke("echo", user=demo.alice, options=values)


async def test_choices_accept_values_or_names(standin: StandIn, demo: DemoGuild, bot: BareBot) -> None:
    assert (await standin.invoke("size", user=demo.alice, size="l")).content == "size l"
    assert (await standin.invoke("size", user=demo.alice, size="Small")).content == "size s"
    with pytest.raises(InvalidInvocationError, match="must be one of"):
        await standin.invoke("size", user=demo.alice, size="medium")


async def test_subcommand_group_and_default_permissions(standin: StandIn, demo: DemoGuild, bot: BareBot) -> None:
    reply = await standin.invoke("admin faq add", user=demo.admin, topic="cv")
    assert reply.content == "added cv"
    with pytest.raises(InvalidInvocationError, match="lacks"):
        await standin.invoke("admin faq add", user=demo.mod, topic="cv")
    standin.permit_command(demo.guild, "admin", demo.moderators)
    assert (await standin.invoke("admin faq add", user=demo.mod, topic="x")).content == "added x"
    with pytest.raises(InvalidInvocationError, match="is a group"):
        await standin.invoke("admin faq", user=demo.admin)


async def test_guild_commands_need_the_guild_and_dms_use_user(standin: StandIn, demo: DemoGuild, bot: BareBot) -> None:
    assert (await standin.invoke("local", user=demo.alice)).content == "local"
    with pytest.raises(InvalidInvocationError, match="no synced command /local"):
        await standin.invoke("local", user=demo.alice, dm=True)
    reply = await standin.invoke("ping", user=demo.alice, dm=True)
    payload = standin.interactions.by_id[reply.interaction_id].payload
    assert "member" not in payload and payload["user"]["id"] == str(demo.alice.id)
    assert reply.message is not None and reply.message.guild_id is None


async def test_files_come_back_by_name_and_bytes(standin: StandIn, demo: DemoGuild, bot: BareBot) -> None:
    reply = await standin.invoke("export", user=demo.alice)
    assert [(f.name, f.data) for f in reply.files] == [("export.csv", b"kind,minutes\nexperience,30\n")]
    assert reply.ephemeral


async def test_dms_and_closed_dms(standin: StandIn, demo: DemoGuild, bot: BareBot) -> None:
    reply = await standin.invoke("dmme", user=demo.alice)
    assert reply.content == "check your DMs"
    assert [m.content for m in standin.dms_to(demo.alice)] == ["hello in your DMs"]
    standin.close_dms(demo.bob)
    reply = await standin.invoke("dmme", user=demo.bob)
    assert reply.content == "DMs closed (50007)"
    assert bot.caught[0].status == 403
    assert standin.dms_to(demo.bob) == []
    assert standin.requests("POST /channels/{channel_id}/messages", user_id=demo.bob)[0].error_code == 50007


async def test_modal_fields_can_be_filled_by_label(standin: StandIn, demo: DemoGuild, bot: BareBot) -> None:
    opened = await standin.invoke("feedback", user=demo.alice)
    submitted = await standin.submit_modal(opened, {"Your feedback": "by label", "Mood": "great"})
    assert submitted.content == "thanks: by label (great)"


async def test_invoke_waits_for_the_handler_to_finish(standin: StandIn, demo: DemoGuild, bot: BareBot) -> None:
    async def attempt(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("first")
        await asyncio.sleep(0.15)  # longer than the quiet period
        await interaction.followup.send("second")

    bot.attempt = attempt
    reply = await standin.invoke("try", user=demo.alice)
    assert [m.content for m in reply.messages] == ["first", "second"]
    assert reply.followups[0].content == "second"
