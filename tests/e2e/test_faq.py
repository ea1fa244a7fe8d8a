"""/faq ask and /faq show through the stand-in: answers, votes, gaps, autocomplete, cooldown, isolation."""

from __future__ import annotations

import time

from bot.services import faq
from bot.standin import DemoGuild
from tests.e2e.admin_harness import server_b_fixture, two_server_standin  # noqa: F401 - fixtures
from tests.e2e.conftest import App


def _catalog(app: App) -> faq.FaqCatalog:
    return faq.catalog_for(app.bot.content)


async def _add(app: App, guild_id: int, topic: str, question: str, answer: str, aliases: tuple[str, ...] = ()) -> None:
    draft = faq.FaqDraft(topic, question, answer, aliases)
    await faq.add_entry(app.bot.db, _catalog(app), guild_id, draft, actor_id=app.admin.id, now=app.clock.now())


async def test_ask_answers_privately_with_vote_buttons(app: App) -> None:
    reply = await app.invoke("faq ask", user=app.alice, question="whats the diffrence between a pmo analyst and a PM?")
    assert reply.ephemeral
    assert not reply.pings.any
    assert reply.allowed_mentions is not None and reply.allowed_mentions.get("parse") == []
    embed = reply.embed
    assert embed is not None and embed["title"] == "How does a PMO analyst differ from a project manager?"
    ids = [b["custom_id"] for b in reply.buttons()]
    assert "faq:vote:up:pmo-analyst-vs-project-manager" in ids
    assert "faq:vote:down:pmo-analyst-vs-project-manager" in ids
    stats = await faq.faq_stats(app.bot.db, app.guild.id, app.clock.now().replace(year=2000))
    assert stats.asks == 1 and stats.misses == 0


async def test_votes_are_stored_once_per_member_and_can_change(app: App) -> None:
    reply = await app.invoke("faq ask", user=app.alice, question="what is the 70 20 10 rule")
    topic = "70-20-10-rule"
    up = await app.click(reply, f"faq:vote:up:{topic}", user=app.alice)
    assert up.ephemeral and "Glad that helped" in up.content
    again = await app.click(reply, f"faq:vote:up:{topic}", user=app.alice)
    assert "already voted" in again.content
    down = await app.click(reply, f"faq:vote:down:{topic}", user=app.alice)
    assert "moderators see these votes" in down.content
    rows = await app.bot.db.fetch_all("SELECT user_id, vote FROM faq_feedback WHERE topic = ?", (topic,))
    assert [(r["user_id"], r["vote"]) for r in rows] == [(app.alice.id, -1)]


async def test_alternative_buttons_open_the_entry(app: App) -> None:
    reply = await app.invoke("faq ask", user=app.bob, question="how do I find a mentor")
    show = [b for b in reply.buttons() if b["custom_id"].startswith("faq:show:")]
    assert show, "close alternatives come with buttons"
    opened = await app.click(reply, show[0]["custom_id"], user=app.bob)
    assert opened.ephemeral and opened.embed is not None
    assert opened.embed["title"] == _catalog(app).entries[show[0]["custom_id"].split(":")[2]].question


async def test_a_question_without_an_answer_becomes_a_counted_gap(app: App) -> None:
    first = await app.invoke("faq ask", user=app.alice, question="How much does a PMO analyst earn in London?")
    assert first.ephemeral
    assert "moderators" in first.content
    assert first.embed is not None and first.embed["title"] == "Closest entries"
    assert not any(b["custom_id"].startswith("faq:vote") for b in first.buttons())
    await app.invoke("faq ask", user=app.bob, question="pmo analyst earn london??")
    page = await faq.list_gaps(app.bot.db, app.guild.id)
    assert page.total == 1
    (gap,) = page.gaps
    assert gap.ask_count == 2
    assert gap.example == "pmo analyst earn london??"
    columns = (await app.bot.db.tables())["faq_gaps"].columns
    assert not any("user" in c for c in columns)  # gaps never record who asked


async def test_chat_spelling_and_filler_get_a_confident_answer(app: App) -> None:
    reply = await app.invoke("faq ask", user=app.alice, question="wot's a pmo lol")
    assert reply.ephemeral and reply.embed is not None
    assert reply.embed["title"] == "What is a PMO?"
    assert "faq:vote:up:what-is-a-pmo" in [b["custom_id"] for b in reply.buttons()]
    assert (await faq.list_gaps(app.bot.db, app.guild.id)).total == 0


async def test_a_goal_shaped_question_with_a_clear_winner_is_answered(app: App) -> None:
    # Few of its words are in any entry, but one entry is far ahead of the rest: trusted, not a knowledge gap.
    reply = await app.invoke("faq ask", user=app.bob, question="could this lead somewhere else later")
    assert reply.embed is not None and reply.embed["title"] == "What does a PMO career path look like?"
    assert "faq:vote:up:pmo-career-path" in [b["custom_id"] for b in reply.buttons()]
    assert (await faq.list_gaps(app.bot.db, app.guild.id)).total == 0


async def test_a_question_with_no_keywords_is_refused_and_nothing_is_stored(app: App) -> None:
    reply = await app.invoke("faq ask", user=app.alice, question="how do I?")
    assert reply.ephemeral and "keywords" in reply.content
    assert await app.bot.db.fetch_value("SELECT COUNT(*) FROM faq_gaps") == 0
    assert await app.bot.db.fetch_value("SELECT COUNT(*) FROM faq_usage") == 0


async def test_ask_has_a_per_member_cooldown_with_the_funnels_message(app: App) -> None:
    for _ in range(3):
        ok = await app.invoke("faq ask", user=app.carol, question="what is a RAID log")
        assert ok.embed is not None
    refused = await app.invoke("faq ask", user=app.carol, question="what is a RAID log")
    assert refused.ephemeral and refused.content.startswith("Slow down a little: you can use this again in")
    other = await app.invoke("faq ask", user=app.dave, question="what is a RAID log")
    assert other.embed is not None  # the cooldown is per member


async def test_show_with_autocomplete(app: App) -> None:
    started = time.perf_counter()
    choices = await app.autocomplete("faq show", "topic", "raid", user=app.alice)
    assert time.perf_counter() - started < 1.0
    assert choices[0]["value"] == "raid-log"
    assert len(choices) <= 25 and all(len(c["name"]) <= 100 for c in choices)
    everything = await app.autocomplete("faq show", "topic", "", user=app.alice)
    assert len(everything) == 25
    typo = await app.autocomplete("faq show", "topic", "mentr", user=app.alice)
    assert {c["value"] for c in typo[:3]} & {"finding-a-mentor", "becoming-a-mentor"}
    reply = await app.invoke("faq show", user=app.alice, topic="raid-log")
    assert reply.ephemeral and reply.embed is not None
    assert reply.embed["title"] == "What is a RAID log and how do I keep one useful?"


async def test_show_unknown_topic_suggests_close_ones(app: App) -> None:
    reply = await app.invoke("faq show", user=app.alice, topic="raid-logs")
    assert reply.ephemeral and "Did you mean" in reply.content and "raid-log" in reply.content
    assert reply.embed is None


async def test_shared_moderator_answer_with_everyone_pings_nobody(app: App) -> None:
    await _add(app, app.guild.id, "meetups", "When are the community meetups?", "@everyone First Tuesday! <@&1>")
    reply = await app.invoke("faq show", user=app.alice, topic="meetups", share=True)
    assert not reply.ephemeral
    assert reply.allowed_mentions is not None and reply.allowed_mentions.get("parse") == []
    assert not reply.pings.any
    assert reply.embed is not None and "@everyone" in reply.embed["description"]
    assert reply.message is not None
    assert [m.id for m in app.messages_in("general")] == [reply.message.id]


async def test_a_server_entry_is_found_by_ask_and_overrides_a_builtin(app: App) -> None:
    await _add(app, app.guild.id, "raid-log", "What is a RAID log?", "Here we keep RAID logs in Confluence.")
    reply = await app.invoke("faq ask", user=app.alice, question="how should we keep our raid log")
    assert reply.embed is not None and reply.embed["description"] == "Here we keep RAID logs in Confluence."
    assert "this server's answer" in reply.embed["footer"]["text"]
    shown = await app.invoke("faq show", user=app.alice, topic="raid-log")
    assert shown.embed is not None and shown.embed["title"] == "What is a RAID log?"


async def test_server_entries_stay_in_their_server(app: App, server_b: DemoGuild) -> None:
    await _add(app, app.guild.id, "salary-bands", "What salary bands do PMO roles have here?", "See the pinned sheet.")
    await _add(app, server_b.guild.id, "raid-log", "RAID in server B", "Server B's private answer.")
    in_a = await app.invoke("faq ask", user=app.alice, question="what salary bands do pmo roles have")
    assert in_a.embed is not None and in_a.embed["title"] == "What salary bands do PMO roles have here?"
    in_b = await app.standin.invoke(
        "faq ask", user=app.alice, guild=server_b.guild, channel=server_b.general, question="pmo salary bands"
    )
    assert in_b.embed is None or "salary bands" not in in_b.embed["title"].lower()
    choices = await app.standin.autocomplete("faq show", "topic", "salary", user=app.alice, guild=server_b.guild)
    assert "salary-bands" not in [c["value"] for c in choices]
    missing = await app.standin.invoke(
        "faq show", user=app.alice, guild=server_b.guild, channel=server_b.general, topic="salary-bands"
    )
    assert missing.embed is None and "no FAQ entry" in missing.content
    # Server A still sees the built-in RAID entry, not server B's override.
    raid = await app.invoke("faq show", user=app.alice, topic="raid-log")
    assert raid.embed is not None and "Server B" not in raid.embed["description"]


async def test_builtin_index_is_not_rebuilt_when_unchanged(app: App) -> None:
    assert await faq.sync_index(app.bot.db, _catalog(app), app.clock.now()) is False
