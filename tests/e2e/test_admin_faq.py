"""/admin faq through the stand-in: modals, overrides, gaps with buttons, import and export, bad input."""

from __future__ import annotations

import json

import yaml

from bot.services import faq
from bot.standin import DemoGuild, Reply, Upload
from cogs.admin.faq import ALIASES_LABEL as ALIASES
from cogs.admin.faq import TAGS_LABEL as TAGS
from cogs.admin.faq import TOPIC_LABEL as TOPIC
from tests.e2e.admin_harness import server_b_fixture, table_rows, two_server_standin  # noqa: F401 - fixtures
from tests.e2e.conftest import App


async def _open_add(app: App, **values: str) -> Reply:
    reply = await app.invoke("admin faq add", user=app.admin, **values)
    assert reply.modal is not None
    return reply


async def _snapshot(app: App) -> dict[str, list[str]]:
    """Every table except job_uses (which counts that a moderator used /admin at all)."""
    rows = await table_rows(app.bot.db)
    rows.pop("job_uses", None)
    return rows


async def _audit_actions(app: App) -> list[str]:
    rows = await app.bot.db.fetch_all("SELECT action FROM audit_log WHERE guild_id = ? ORDER BY id", (app.guild.id,))
    return [r["action"] for r in rows]


async def test_add_opens_a_modal_and_saves_an_entry_members_can_find(app: App) -> None:
    opened = await app.invoke("admin faq add", user=app.admin)
    assert opened.modal is not None
    labels = [f.get("label") for f in opened.modal_fields()]
    assert TOPIC in labels and all(label and len(label) <= 45 for label in labels)
    saved = await app.submit_modal(
        opened,
        {
            "Question": "Where do we post PMO job openings?",
            "Answer": "@everyone In #jobs — and <@&123> never gets pinged.",
            ALIASES: "job board\nwhere are the vacancies",
            TAGS: "career, job-description",
        },
    )
    assert saved.ephemeral
    assert not saved.pings.any
    assert saved.allowed_mentions is not None and saved.allowed_mentions.get("parse") == []
    assert "Added `where-do-we-post-pmo-job-openings`" in saved.content
    assert await _audit_actions(app) == ["faq.add"]
    found = await app.invoke("faq ask", user=app.alice, question="where are the PMO job openings posted?")
    assert found.embed is not None and found.embed["title"] == "Where do we post PMO job openings?"
    assert not found.pings.any


async def test_an_entry_with_its_own_tags_is_saved_found_and_exported(app: App) -> None:
    opened = await _open_add(app)
    saved = await app.submit_modal(
        opened,
        {
            TOPIC: "Team social night",
            "Question": "When is the team social night?",
            "Answer": "Every last one of the month, in the #events voice channel. Bring a drink.",
            TAGS: "social, night, friday, career",
        },
    )
    assert saved.ephemeral and "Added `team-social-night`" in saved.content
    assert "Nothing was saved" not in saved.content
    assert "Tags from the shared vocabulary: `career`." in saved.content
    assert "This server's own tags: `social`, `night`, `friday`" in saved.content
    assert saved.embed is not None
    tags_field = next(f for f in saved.embed["fields"] if f["name"] == "Tags")
    assert tags_field["value"] == "`social` · `night` · `friday` · `career`"
    row = await app.bot.db.fetch_one("SELECT tags FROM faq_entries WHERE topic = 'team-social-night'")
    assert row is not None and json.loads(row["tags"]) == ["social", "night", "friday", "career"]
    # "friday" is only in the tags: neither the question nor the answer has it.
    found = await app.invoke("faq ask", user=app.alice, question="anything on fridays?")
    assert "When is the team social night?" in found.text or any(
        "team-social-night" in str(b.get("custom_id")) for b in found.buttons()
    )
    hits = await faq.search(app.bot.db, faq.catalog_for(app.bot.content), app.guild.id, "anything on fridays?")
    assert hits[0].faq.topic == "team-social-night"
    exported = await app.invoke("admin faq export", user=app.admin)
    (entry,) = yaml.safe_load(exported.files[0].data)["faqs"]
    assert entry["topic"] == "team-social-night" and entry["tags"] == ["social", "night", "friday", "career"]
    again = await app.invoke("admin faq import", user=app.admin, file=Upload("faq.yaml", exported.files[0].data))
    assert "0 added, 1 updated" in again.content and "`friday`, `night`, `social`" in again.content


async def test_bad_modal_input_is_refused_and_nothing_is_stored(app: App) -> None:
    before = await _snapshot(app)
    opened = await app.invoke("admin faq add", user=app.admin)
    refused = await app.submit_modal(
        opened,
        {
            TOPIC: "new-topic",
            "Question": "A question?",
            "Answer": "   ",
            ALIASES: "x" * 101,
        },
    )
    assert refused.ephemeral
    text = refused.content
    assert "answer is empty" in text and "at most 100" in text
    assert "Nothing was saved" in text
    assert await _snapshot(app) == before


async def test_add_refuses_a_topic_this_server_already_has(app: App) -> None:
    first = await _open_add(app)
    await app.submit_modal(first, {TOPIC: "tea", "Question": "Tea?", "Answer": "Yes."})
    second = await _open_add(app)
    refused = await app.submit_modal(second, {TOPIC: "tea", "Question": "Tea again?", "Answer": "No."})
    assert "already has an entry `tea`" in refused.content
    assert await _audit_actions(app) == ["faq.add"]


async def test_edit_overrides_a_builtin_here_and_remove_restores_it(app: App, server_b: DemoGuild) -> None:
    builtin = faq.catalog_for(app.bot.content).entries["raid-log"]
    opened = await app.invoke("admin faq edit", user=app.admin, topic="raid-log")
    assert opened.modal is not None
    prefilled = {f.get("label"): f.get("value") for f in opened.modal_fields()}
    assert prefilled["Question"] == builtin.question
    saved = await app.submit_modal(opened, {"Answer": "Our RAID log lives in the PMO SharePoint."})
    assert "replaces the built-in entry" in saved.content
    shown = await app.invoke("faq show", user=app.alice, topic="raid-log")
    assert shown.embed is not None and shown.embed["description"] == "Our RAID log lives in the PMO SharePoint."
    elsewhere = await app.standin.invoke(
        "faq show", user=app.alice, guild=server_b.guild, channel=server_b.general, topic="raid-log"
    )
    assert elsewhere.embed is not None and elsewhere.embed["description"] == builtin.answer
    removed = await app.invoke("admin faq remove", user=app.admin, topic="raid-log")
    assert "built-in entry is shown again" in removed.content
    restored = await app.invoke("faq show", user=app.alice, topic="raid-log")
    assert restored.embed is not None and restored.embed["description"] == builtin.answer
    assert await _audit_actions(app) == ["faq.override", "faq.remove"]


async def test_add_with_a_builtin_topic_starts_from_the_builtin_text(app: App) -> None:
    opened = await app.invoke("admin faq add", user=app.admin, topic="pmo-tools")
    prefilled = {f.get("label"): f.get("value") for f in opened.modal_fields()}
    assert prefilled["Question"] == "Which tools do PMOs use?"


async def test_remove_refuses_builtins_and_unknown_topics(app: App) -> None:
    builtin = await app.invoke("admin faq remove", user=app.admin, topic="raid-log")
    assert "built-in entry, which can't be removed" in builtin.content
    unknown = await app.invoke("admin faq remove", user=app.admin, topic="no-such-topic")
    assert "no FAQ entry `no-such-topic`" in unknown.content
    assert await _audit_actions(app) == []


async def test_remove_autocomplete_offers_only_this_servers_entries(app: App, server_b: DemoGuild) -> None:
    catalog = faq.catalog_for(app.bot.content)
    draft = faq.FaqDraft("tea-rota", "Who makes the tea?", "Everyone, in turn.")
    await faq.add_entry(app.bot.db, catalog, app.guild.id, draft, actor_id=app.admin.id, now=app.clock.now())
    other = faq.FaqDraft("coffee-rota", "Who makes the coffee?", "Server B's rota.")
    await faq.add_entry(app.bot.db, catalog, server_b.guild.id, other, actor_id=app.admin.id, now=app.clock.now())
    choices = await app.autocomplete("admin faq remove", "topic", "", user=app.admin)
    assert [c["value"] for c in choices] == ["tea-rota"]


async def test_gaps_list_answer_button_creates_the_entry_and_closes_the_gap(app: App) -> None:
    for who in (app.alice, app.bob):
        await app.invoke("faq ask", user=who, question="How much does a PMO analyst earn in London?")
    await app.invoke("faq ask", user=app.carol, question="best pizza near the office")
    gaps = await app.invoke("admin faq gaps", user=app.admin)
    assert gaps.ephemeral and gaps.embed is not None
    first = gaps.embed["fields"][0]
    assert first["name"] == "1. How much does a PMO analyst earn in London?"
    assert "Asked 2 times" in first["value"]
    answer = next(b for b in gaps.buttons() if b["label"] == "Answer 1")
    opened = await app.click(gaps, answer["custom_id"], user=app.admin)
    assert opened.modal is not None
    prefilled = {f.get("label"): f.get("value") for f in opened.modal_fields()}
    assert prefilled["Question"] == "How much does a PMO analyst earn in London?"
    saved = await app.submit_modal(
        opened,
        {TOPIC: "pmo-salaries", "Answer": "See the salary survey."},
    )
    assert "marked answered" in saved.content
    page = await faq.list_gaps(app.bot.db, app.guild.id)
    assert [g.example for g in page.gaps] == ["best pizza near the office"]
    asked = await app.invoke("faq ask", user=app.dave, question="how much does a pmo analyst earn in london")
    assert asked.embed is not None and asked.embed["description"] == "See the salary survey."
    assert "faq.gap.answer" in await _audit_actions(app)


async def test_dismiss_button_hides_a_gap(app: App) -> None:
    await app.invoke("faq ask", user=app.carol, question="best pizza near the office")
    gaps = await app.invoke("admin faq gaps", user=app.admin)
    dismiss = next(b for b in gaps.buttons() if b["label"] == "Dismiss 1")
    updated = await app.click(gaps, dismiss["custom_id"], user=app.admin)
    assert updated.message is not None
    assert updated.message.embeds[0]["description"].startswith("No open questions")
    assert await _audit_actions(app) == ["faq.gap.dismiss"]


async def test_import_yaml_then_export_round_trips(app: App, server_b: DemoGuild) -> None:
    source = yaml.safe_dump(
        {
            "faqs": [
                {"topic": "salary-bands", "question": "What salary bands apply?", "answer": "Bands A to D."},
                {
                    "topic": "pmo-tools",
                    "question": "Which tools do we use?",
                    "answer": "Jira and Power BI here.",
                    "aliases": ["our tool stack"],
                    "tags": ["tools"],
                },
            ]
        }
    ).encode()
    reply = await app.invoke("admin faq import", user=app.admin, file=Upload("entries.yaml", source))
    assert reply.ephemeral
    assert "Imported 2 entries: 2 added, 0 updated" in reply.content
    assert "1 of them replace built-in entries" in reply.content
    exported = await app.invoke("admin faq export", user=app.admin)
    (file,) = exported.files
    data = yaml.safe_load(file.data)
    assert [e["topic"] for e in data["faqs"]] == ["pmo-tools", "salary-bands"]
    assert data["faqs"][0]["aliases"] == ["our tool stack"]
    again = await app.invoke("admin faq import", user=app.admin, file=Upload(file.filename, file.data))
    assert "0 added, 2 updated" in again.content
    as_json = await app.invoke("admin faq export", user=app.admin, format="json")
    assert json.loads(as_json.files[0].data)["faqs"][1]["topic"] == "salary-bands"
    other = await app.standin.invoke("admin faq export", user=app.admin, guild=server_b.guild, channel=server_b.general)
    assert other.files == [] and "no FAQ entries of its own" in other.content


async def test_import_reports_every_bad_entry_with_its_position_and_stores_nothing(app: App) -> None:
    before = await _snapshot(app)
    source = (
        b"""faqs:
  - topic: good-one
    question: A fine question?
    answer: A fine answer.
  - topic: Bad Topic
    question: Another?
    answer: Yes.
  - topic: no-answer
    question: Where is the answer?
  - just a string
  - topic: good-one
    question: Duplicate?
    answer: Again.
  - topic: long-question
    question: """
        + (b"x" * 120)
        + b"""
    answer: ok
    tags: [not-a-tag]
"""
    )
    reply = await app.invoke("admin faq import", user=app.admin, file=Upload("entries.yaml", source))
    text = reply.content
    assert "Nothing was imported: 5 entries have problems" in text
    assert "entry #2 (line 5) `Bad Topic`" in text
    assert "entry #3 (line 8) `no-answer`: missing answer" in text
    assert "entry #4 (line 10): must be a mapping" in text
    assert "entry #5 (line 11) `good-one`: the topic repeats entry #1" in text
    assert "entry #6 (line 14)" in text and "at most 100" in text
    assert "not-a-tag" not in text  # a tag outside the vocabulary is this server's own, not a problem
    assert await _snapshot(app) == before


async def test_malformed_import_files_are_explained(app: App) -> None:
    broken = await app.invoke("admin faq import", user=app.admin, file=Upload("x.yaml", b"faqs: [unclosed\n"))
    assert "not valid YAML" in broken.content and "line" in broken.content
    bad_json = await app.invoke("admin faq import", user=app.admin, file=Upload("x.json", b'{"faqs": [}'))
    assert "not valid JSON" in bad_json.content
    wrong_shape = await app.invoke("admin faq import", user=app.admin, file=Upload("x.yaml", b"hello: world\n"))
    assert "list of entries" in wrong_shape.content
    binary = await app.invoke("admin faq import", user=app.admin, file=Upload("x.yaml", b"\xff\xfe\x00bad"))
    assert "not UTF-8" in binary.content
    assert await app.bot.db.fetch_value("SELECT COUNT(*) FROM faq_entries") == 0
