"""A refused modal keeps what was typed: the error carries "Edit and resubmit", which reopens the form pre-filled.

Through the stand-in: the prompt's "Log this" form, the /admin faq form, and a form that defers before it fails
(the error then arrives as a followup). The mechanism is :class:`bot.tree.AppModal`; every modal in the bot uses it.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from typing import Any

import discord

import cogs
from bot.errors import ValidationError
from bot.services import faq
from bot.standin import Reply, StoredMessage
from bot.tree import RESUBMIT_LABEL, AppModal, send_ephemeral
from cogs.admin.faq import ALIASES_LABEL as ALIASES
from cogs.admin.faq import TAGS_LABEL as TAGS
from cogs.admin.faq import TOPIC_LABEL as TOPIC
from tests.e2e.conftest import App


def _typed(reply: Reply) -> dict[str, Any]:
    """The pre-filled value of each field of the modal a reply opened, by label."""
    assert reply.modal is not None, "no modal was opened"
    return {f.get("label"): f.get("value") for f in reply.modal_fields()}


async def _resubmit(app: App, refused: Reply, user: str) -> Reply:
    """Press "Edit and resubmit" under a refusal."""
    button = refused.button(RESUBMIT_LABEL)
    return await app.click(refused, button["custom_id"], user=user)


async def _prompt_post(app: App) -> StoredMessage:
    await app.invoke("admin prompts post-now", user=app.admin, options={"channel": app.channel("prompts")})
    await app.bot.scheduler.wait_idle()
    await app.standin.settle()
    (post,) = [m for m in app.messages_in("prompts") if any(b.get("label") == "Log this" for b in m.buttons())]
    return post


async def _count(app: App, table: str) -> int:
    return int(await app.bot.db.fetch_value(f"SELECT COUNT(*) FROM {table}") or 0)  # noqa: S608 - test constant


async def test_a_refused_log_this_form_reopens_with_the_text_kept_and_saves_when_corrected(app: App) -> None:
    post = await _prompt_post(app)
    log_this = next(b for b in post.buttons() if b.get("label") == "Log this")
    opened = await app.click(post, log_this["custom_id"], user="alice")
    refused = await app.submit_modal(opened, {"minutes": "abc", "activity": "Chased three RAID owners"})
    assert refused.ephemeral and "not a number" in refused.content
    assert refused.button(RESUBMIT_LABEL)["style"] == 1
    assert await _count(app, "progress_entries") == 0
    reopened = await _resubmit(app, refused, "alice")
    assert reopened.ephemeral is False and reopened.modal is not None
    assert _typed(reopened) == {"Minutes (1–1440)": "abc", "What did you do?": "Chased three RAID owners"}
    saved = await app.submit_modal(reopened, {"minutes": "25"})
    assert saved.ephemeral and "Logged 25 min" in saved.content
    row = await app.bot.db.fetch_one("SELECT minutes, activity, source FROM progress_entries")
    assert row is not None and (row["minutes"], row["activity"], row["source"]) == (
        25,
        "Chased three RAID owners",
        "prompt",
    )


async def test_a_refused_faq_form_keeps_every_field_and_saves_under_a_new_topic(app: App) -> None:
    first = await app.invoke("admin faq add", user=app.admin)
    await app.submit_modal(first, {TOPIC: "tea", "Question": "Tea?", "Answer": "Yes."})
    opened = await app.invoke("admin faq add", user=app.admin)
    typed = {
        TOPIC: "tea",
        "Question": "Who brings the tea on Fridays?",
        "Answer": "Whoever ran the stand-up.\nMilk is in the fridge.",
        ALIASES: "tea rota\nwho makes the tea",
        TAGS: "social, friday",
    }
    refused = await app.submit_modal(opened, typed)
    assert refused.ephemeral and "already has an entry `tea`" in refused.content
    assert "Nothing was saved" in refused.content
    assert await _count(app, "faq_entries") == 1
    reopened = await _resubmit(app, refused, "admin")
    assert _typed(reopened) == typed
    saved = await app.submit_modal(reopened, {TOPIC: "tea-rota"})
    assert "Added `tea-rota`" in saved.content and "This server's own tags: `social`, `friday`" in saved.content
    entry = await faq.get_faq(app.bot.db, faq.catalog_for(app.bot.content), app.guild.id, "tea-rota")
    assert (entry.question, entry.answer, entry.aliases) == (
        typed["Question"],
        typed["Answer"],
        ("tea rota", "who makes the tea"),
    )


async def test_a_refused_form_can_be_reopened_again_after_a_second_refusal(app: App) -> None:
    opened = await app.invoke("admin faq add", user=app.admin)
    refused = await app.submit_modal(opened, {"Question": "What is our dress code?", "Answer": "   "})
    assert "answer is empty" in refused.content
    again = await app.submit_modal(await _resubmit(app, refused, "admin"), {"Answer": "  \n "})
    assert "answer is empty" in again.content
    reopened = await _resubmit(app, again, "admin")
    assert _typed(reopened)["Question"] == "What is our dress code?"
    saved = await app.submit_modal(reopened, {"Answer": "Whatever you like."})
    assert "Added `what-is-our-dress-code`" in saved.content
    assert await _count(app, "faq_entries") == 1


async def test_a_topic_longer_than_the_field_is_cut_to_fit_the_form(app: App) -> None:
    long_topic = "-".join(["quarterly"] * 8)  # 79 characters, more than the topic field takes
    opened = await app.invoke("admin faq add", user=app.admin, topic=long_topic)
    topic = _typed(opened)[TOPIC]
    assert topic is not None and len(topic) <= faq.MAX_TOPIC and long_topic.startswith(topic)
    saved = await app.submit_modal(opened, {"Question": "When are reviews?", "Answer": "Each quarter."})
    assert f"Added `{topic.rstrip('-')}`" in saved.content


# -- a form whose error comes as a followup ----------------------------------------------------------------------


class _SlowForm(AppModal):
    """Defers (as slow work would), then refuses anything but "ok"."""

    def __init__(self, note: str = "") -> None:
        super().__init__(title="A slow form", custom_id="test:slow-form")
        self.note: discord.ui.TextInput[_SlowForm] = discord.ui.TextInput(
            label="Note", default=note or None, max_length=20
        )
        self.extra: discord.ui.TextInput[_SlowForm] = discord.ui.TextInput(
            label="Extra", style=discord.TextStyle.paragraph, required=False, max_length=200
        )
        self.add_item(self.note)
        self.add_item(self.extra)

    async def on_submit(self, interaction: discord.Interaction[Any]) -> None:  # type: ignore[override]
        await interaction.response.defer(ephemeral=True, thinking=True)
        if self.note.value != "ok":
            raise ValidationError(f"Type ok, not “{self.note.value}”.")
        await send_ephemeral(interaction, f"Saved: {self.extra.value}")


class _OpenSlowForm(discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]], template=r"test:open-slow-form"):
    def __init__(self) -> None:
        super().__init__(discord.ui.Button(label="Open", custom_id="test:open-slow-form"))

    @classmethod
    async def from_custom_id(  # type: ignore[override]
        cls, interaction: discord.Interaction[Any], item: discord.ui.Button[Any], match: re.Match[str], /
    ) -> _OpenSlowForm:
        return cls()

    async def callback(self, interaction: discord.Interaction[Any]) -> None:  # type: ignore[override]
        await interaction.response.send_modal(_SlowForm())


async def test_the_button_also_comes_with_an_error_sent_as_a_followup(app: App) -> None:
    app.bot.add_dynamic_items(_OpenSlowForm)
    channel = app.bot.get_channel(app.channel("general").id)
    assert isinstance(channel, discord.TextChannel)
    view = discord.ui.View(timeout=None)
    view.add_item(_OpenSlowForm())
    await channel.send("Try the slow form", view=view)
    await app.standin.settle()
    message = app.messages_in("general")[-1]
    opened = await app.click(message, "test:open-slow-form", user="bob")
    refused = await app.submit_modal(opened, {"Note": "nope", "Extra": "kept\ntwo lines"})
    assert refused.deferred and refused.ephemeral and "Type ok" in refused.content
    reopened = await _resubmit(app, refused, "bob")
    assert _typed(reopened) == {"Note": "nope", "Extra": "kept\ntwo lines"}
    saved = await app.submit_modal(reopened, {"Note": "ok"})
    assert "Saved: kept\ntwo lines" in saved.content


# -- every modal gets it --------------------------------------------------------------------------------------------


def test_every_modal_in_the_bot_can_be_reopened_from_its_error() -> None:
    found = []
    for module_info in pkgutil.walk_packages(cogs.__path__, prefix="cogs."):
        module = importlib.import_module(module_info.name)
        for _, value in inspect.getmembers(module, inspect.isclass):
            if issubclass(value, discord.ui.Modal) and value.__module__ == module.__name__:
                found.append(value)
                assert issubclass(value, AppModal), f"{value.__qualname__} does not inherit AppModal"
                assert value.on_error is AppModal.on_error, f"{value.__qualname__} replaces the error handler"
                assert value.reopened is AppModal.reopened, f"{value.__qualname__} reopens in its own way"
    names = {cls.__name__ for cls in found}
    assert {"FaqEntryModal", "EntryModal", "LogThisModal", "EndModal", "BioModal"} <= names
