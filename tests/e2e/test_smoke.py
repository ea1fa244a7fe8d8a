"""The real bot through the stand-in: a slash command in over the gateway, the answer back over REST."""

from __future__ import annotations

from bot.standin import StandIn
from tests.e2e.conftest import App


async def test_help_is_an_ephemeral_embed_that_pings_nobody(app: App) -> None:
    reply = await app.invoke("help", user=app.alice)
    assert reply.type == 4
    assert reply.ephemeral
    assert reply.allowed_mentions is not None and reply.allowed_mentions.get("parse") == []
    assert not reply.pings.any
    embed = reply.embed
    assert embed is not None and embed["title"] == "PMO Community Bot"
    assert "70-20-10" in embed["description"]
    headings = [field["name"] for field in embed.get("fields", [])]
    assert "Your data" in headings  # /help lists itself there
    assert "Moderators" not in headings
    assert "/help" in reply.text
    assert app.messages_in("general") == []


async def test_help_shows_moderator_commands_to_admins(app: App) -> None:
    reply = await app.invoke("help", user=app.admin)
    assert reply.ephemeral
    assert reply.embed is not None
    assert "Moderators" in [field["name"] for field in reply.embed.get("fields", [])]
    assert "/admin" in reply.embed["footer"]["text"]


async def test_help_works_in_dms(app: App) -> None:
    reply = await app.invoke("help", user=app.bob, dm=True)
    assert reply.ephemeral
    assert reply.embed is not None


async def test_commands_were_synced_once_at_start(standin: StandIn, app: App) -> None:
    synced = standin.requests("PUT /applications/{application_id}/commands")
    assert len(synced) == 1 and synced[0].ok
    assert "help" in {command["name"] for command in standin.commands.listing(None)}


async def test_button_click_reaches_the_view(app: App) -> None:
    asked = await app.invoke("privacy delete", user=app.carol)
    assert asked.ephemeral
    assert "privacy:delete:cancel" in [b.get("custom_id") for b in asked.buttons()]
    cancelled = await app.click(asked, "privacy:delete:cancel", user=app.carol)
    assert not cancelled.failed
    assert cancelled.ephemeral


async def test_modal_round_trip(app: App) -> None:
    await app.invoke("progress log", user=app.dave, kind="experience", minutes=30, activity="ran the RAID review")
    picker = await app.invoke("progress edit", user=app.dave)
    select = picker.selects()[0]
    opened = await app.select(picker, select["custom_id"], [select["options"][0]["value"]], user=app.dave)
    assert opened.modal is not None
    labels = [field.get("label") for field in opened.modal_fields()]
    minutes = next(label for label in labels if label and label.startswith("Minutes"))
    saved = await app.submit_modal(opened, {minutes: "45"})
    assert not saved.failed
    assert saved.ephemeral
    assert "45" in saved.text
