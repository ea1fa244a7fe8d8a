"""The FAQ service on a real database: index, search scope, overrides, validation, gaps, votes, import, stats."""

from __future__ import annotations

import dataclasses
import json
from datetime import timedelta

import pytest

from bot import search as text
from bot.clock import ManualClock
from bot.content import Content, load_content
from bot.db import Database
from bot.errors import ConflictError, LimitError, NotFoundError, ValidationError
from bot.services import faq, privacy

A = 111
B = 222
MOD = 9


@pytest.fixture(scope="module")
def content() -> Content:
    return load_content()


@pytest.fixture
async def catalog(db: Database, content: Content, clock: ManualClock) -> faq.FaqCatalog:
    built = faq.build_catalog(content.faqs, content.vocabulary)
    await faq.sync_index(db, built, clock.now())
    return built


def draft(
    topic: str = "salary-bands", question: str = "What salary bands do PMO roles have?", **kw: object
) -> faq.FaqDraft:
    return faq.FaqDraft(topic, question, str(kw.get("answer", "Bands A to D, see the pinned sheet.")))


async def add(
    db: Database, catalog: faq.FaqCatalog, clock: ManualClock, guild: int, d: faq.FaqDraft
) -> faq.ChangeResult:
    return await faq.add_entry(db, catalog, guild, d, actor_id=MOD, now=clock.now())


# -- index ------------------------------------------------------------------------------------------------------


async def test_index_is_built_once_and_rebuilt_only_when_builtins_change(
    db: Database, content: Content, catalog: faq.FaqCatalog, clock: ManualClock
) -> None:
    assert await faq.sync_index(db, catalog, clock.now()) is False
    assert await db.fetch_value("SELECT COUNT(*) FROM faq_search WHERE rowid < 0") == len(content.faqs)
    changed = list(content.faqs)
    changed[0] = dataclasses.replace(changed[0], answer="A different answer about the PMO.")
    assert await faq.sync_index(db, faq.build_catalog(changed, content.vocabulary), clock.now()) is True
    assert await db.fetch_value("SELECT COUNT(*) FROM faq_search WHERE rowid < 0") == len(content.faqs)


async def test_an_analyser_change_reindexes_server_entries(
    db: Database, catalog: faq.FaqCatalog, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    await add(db, catalog, clock, A, draft())
    await db.execute("UPDATE faq_entries SET terms = ''")
    monkeypatch.setattr(text, "ANALYSER_VERSION", text.ANALYSER_VERSION + 1)
    assert await faq.sync_index(db, catalog, clock.now()) is True
    assert "salary" in await db.fetch_value("SELECT terms FROM faq_entries")


# -- search scope and overrides -----------------------------------------------------------------------------------


async def test_server_entries_are_searched_only_in_their_server(
    db: Database, catalog: faq.FaqCatalog, clock: ManualClock
) -> None:
    await add(db, catalog, clock, A, draft())
    in_a = await faq.search(db, catalog, A, "pmo salary bands")
    in_b = await faq.search(db, catalog, B, "pmo salary bands")
    assert in_a[0].faq.topic == "salary-bands" and in_a[0].faq.is_server
    assert "salary-bands" not in [hit.faq.topic for hit in in_b]
    assert "salary-bands" not in [c.topic for c in await faq.autocomplete_topics(db, catalog, B, "salary")]
    with pytest.raises(NotFoundError):
        await faq.get_faq(db, catalog, B, "salary-bands")


async def test_an_override_replaces_the_builtin_in_search_and_show(
    db: Database, catalog: faq.FaqCatalog, clock: ManualClock
) -> None:
    override = faq.FaqDraft("raid-log", "What is a RAID log?", "Ours lives in SharePoint.")
    result = await faq.edit_entry(db, catalog, A, override, actor_id=MOD, now=clock.now())
    assert result.created and result.overrides_builtin and result.audit.action == "faq.override"
    hits = await faq.search(db, catalog, A, "how do I keep a raid log useful")
    assert [h.faq.topic for h in hits].count("raid-log") == 1
    assert hits[0].faq.answer == "Ours lives in SharePoint."
    assert (await faq.get_faq(db, catalog, B, "raid-log")).source == faq.BUILTIN
    removed = await faq.remove_entry(db, catalog, A, "raid-log", actor_id=MOD, now=clock.now())
    assert removed.restored == catalog.entries["raid-log"]
    assert (await faq.get_faq(db, catalog, A, "raid-log")).source == faq.BUILTIN


async def test_get_faq_accepts_a_typed_question(db: Database, catalog: faq.FaqCatalog) -> None:
    entry = await faq.get_faq(db, catalog, A, "what is a raid log and how do i keep one useful?")
    assert entry.topic == "raid-log"


async def test_autocomplete_labels_server_entries_and_fits_discord(
    db: Database, catalog: faq.FaqCatalog, clock: ManualClock
) -> None:
    await add(db, catalog, clock, A, draft(question="Q" * 100))
    choices = await faq.autocomplete_topics(db, catalog, A, "salary")
    # Matched through its topic: the question is shortened so the reason and "this server" stay visible.
    assert choices[0].topic == "salary-bands" and choices[0].label.endswith("Q… (salary-bands) (this server)")
    assert len(choices[0].label) == 100
    assert all(len(c.label) <= 100 for c in await faq.autocomplete_topics(db, catalog, A, ""))
    only = await faq.autocomplete_topics(db, catalog, A, "", server_only=True)
    assert [c.topic for c in only] == ["salary-bands"]


# -- validation ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"question": "   "}, "the question is empty"),
        ({"question": "x" * 101}, "the question is 101 characters"),
        ({"answer": " \n "}, "the answer is empty"),
        ({"answer": "x" * 4001}, "the answer is 4001 characters"),
        ({"aliases": "a" * 101}, "at most 100"),
        ({"aliases": "\n".join(f"alias {i}" for i in range(7))}, "7 aliases"),
        ({"aliases": "What is it?"}, "repeats the question"),
        ({"question": "", "topic": ""}, "the question is empty."),
    ],
)
def test_parse_draft_refuses_bad_input(content: Content, fields: dict[str, str], problem: str) -> None:
    values = {"topic": "", "question": "What is it?", "answer": "An answer.", "aliases": "", "tags": ""} | fields
    with pytest.raises(ValidationError) as caught:
        faq.parse_draft(content.vocabulary, **values)
    assert problem in caught.value.message.lower() and "Nothing was saved" in caught.value.message


@pytest.mark.parametrize(
    ("topic", "expected"),
    [
        ("", "whats-our-meeting-cadence"),
        ("Meeting Cadence!", "meeting-cadence"),
        ("meeting-cadence", "meeting-cadence"),
    ],
)
def test_topic_is_a_slug_made_from_the_question_when_blank(content: Content, topic: str, expected: str) -> None:
    made = faq.parse_draft(content.vocabulary, topic=topic, question="What's our meeting cadence?", answer="Weekly.")
    assert made.topic == expected


def test_aliases_and_tags_are_cleaned(content: Content) -> None:
    made = faq.parse_draft(
        content.vocabulary, topic="x", question="Q?", answer="A.", aliases=" one \n\n two  words ", tags="CV; career cv"
    )
    assert made.aliases == ("one", "two words") and made.tags == ("cv", "career") and made.notes == ()


# -- server-local tags ----------------------------------------------------------------------------------------------


def test_tags_outside_the_vocabulary_are_kept_as_server_local_tags(content: Content) -> None:
    made = faq.parse_draft(
        content.vocabulary,
        topic="Team social night",
        question="When is the team social night?",
        answer="Every last Friday of the month in #events.",
        tags="social, night, friday, career",
    )
    assert made.topic == "team-social-night"
    assert made.tags == ("social", "night", "friday", "career") and made.notes == ()
    assert faq.split_tags(content.vocabulary, made.tags) == (("career",), ("social", "night", "friday"))


@pytest.mark.parametrize(
    ("typed", "kept", "note"),
    [
        ("Friday_Night", ("friday-night",), "`Friday_Night` was saved as `friday-night`"),
        ("#Événements", ("evenements",), "saved as `evenements`"),
        ("日本 social", ("social",), "`日本` has no letters a-z or digits, so it was left out"),
        ("x" * 33 + " social", ("social",), "longer than 32 characters, so it was left out"),
        ("carrer", ("carrer",), "did you mean `career` from the shared vocabulary"),
        ("a b c d e f g h i j", tuple("abcdefgh"), "only 8 tags are kept, so `i`, `j` were left out"),
        ("social Social SOCIAL", ("social",), None),
    ],
)
def test_local_tags_are_normalised_and_what_is_left_out_is_noted(
    content: Content, typed: str, kept: tuple[str, ...], note: str | None
) -> None:
    made = faq.parse_draft(content.vocabulary, topic="x", question="Q?", answer="A.", tags=typed)
    assert made.tags == kept
    if note is None:
        assert made.notes == ()
    else:
        assert any(note in n for n in made.notes), made.notes


async def test_local_tags_are_stored_searchable_and_round_trip(
    db: Database, catalog: faq.FaqCatalog, content: Content, clock: ManualClock
) -> None:
    made = faq.parse_draft(
        content.vocabulary,
        topic="team-social",
        question="When is the team get-together?",
        answer="Once a month in the events channel; bring snacks.",
        tags="social, friday",
    )
    await add(db, catalog, clock, A, made)
    indexed = await db.fetch_value("SELECT tags FROM faq_search WHERE topic = 'team-social' AND guild_id = ?", (A,))
    assert indexed.split()[:2] == [text.stem("social"), text.stem("friday")]
    hits = await faq.search(db, catalog, A, "fridays")
    assert hits and hits[0].faq.topic == "team-social"
    assert not [h for h in await faq.search(db, catalog, B, "fridays") if h.faq.topic == "team-social"]
    for fmt in ("yaml", "json"):
        data = await faq.export_entries(db, A, fmt)
        (again,) = faq.parse_import(data, f"x.{fmt}", catalog.vocabulary)
        assert again == made and again.tags == ("social", "friday")


def test_import_accepts_local_tags(content: Content) -> None:
    data = json.dumps([{"topic": "quiz", "question": "Quiz?", "answer": "Thursdays.", "tags": ["Quiz Night", "cv"]}])
    (parsed,) = faq.parse_import(data.encode(), "entries.json", content.vocabulary)
    assert parsed.tags == ("quiz-night", "cv")


# -- writes -------------------------------------------------------------------------------------------------------


async def test_add_edit_remove_are_audited_and_guarded(
    db: Database, catalog: faq.FaqCatalog, clock: ManualClock
) -> None:
    await add(db, catalog, clock, A, draft())
    with pytest.raises(ConflictError):
        await add(db, catalog, clock, A, draft())
    await add(db, catalog, clock, B, draft())  # another server may use the same topic
    with pytest.raises(ConflictError):
        await faq.edit_entry(db, catalog, A, draft(), actor_id=MOD, now=clock.now())
    changed = await faq.edit_entry(db, catalog, A, draft(answer="New bands."), actor_id=MOD, now=clock.now())
    assert not changed.created and changed.audit.before["answer"] != changed.audit.after["answer"]
    with pytest.raises(NotFoundError):
        await faq.edit_entry(db, catalog, A, draft(topic="nope"), actor_id=MOD, now=clock.now())
    with pytest.raises(ValidationError):
        await faq.remove_entry(db, catalog, A, "raid-log", actor_id=MOD, now=clock.now())
    await faq.remove_entry(db, catalog, A, "salary-bands", actor_id=MOD, now=clock.now())
    actions = [
        r["action"] for r in await db.fetch_all("SELECT action FROM audit_log WHERE guild_id = ? ORDER BY id", (A,))
    ]
    assert actions == ["faq.add", "faq.edit", "faq.remove"]
    assert await db.fetch_value("SELECT COUNT(*) FROM faq_search WHERE rowid > 0") == 1  # server B's row only


async def test_a_server_has_a_limit_of_own_entries(
    db: Database, catalog: faq.FaqCatalog, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(faq, "MAX_SERVER_ENTRIES", 2)
    await add(db, catalog, clock, A, draft("one"))
    await add(db, catalog, clock, A, draft("two"))
    with pytest.raises(LimitError):
        await add(db, catalog, clock, A, draft("three"))
    with pytest.raises(LimitError):
        await faq.import_entries(db, catalog, A, [draft("four")], actor_id=MOD, now=clock.now())
    assert await db.fetch_value("SELECT COUNT(*) FROM faq_entries") == 2


# -- ask, gaps, votes ---------------------------------------------------------------------------------------------


async def test_ask_answers_or_records_a_normalised_gap(
    db: Database, catalog: faq.FaqCatalog, clock: ManualClock
) -> None:
    answered = await faq.ask(db, catalog, A, "what does a pmo analyst do?", clock.now())
    assert answered.confident and answered.best is not None and len(answered.alternatives) <= faq.ALTERNATIVES
    missed = await faq.ask(db, catalog, A, "Best pizza near the office?", clock.now())
    assert not missed.confident and missed.gap_recorded and missed.best is None
    await faq.ask(db, catalog, A, "office pizza: best near??", clock.now())
    await faq.ask(db, catalog, B, "best pizza near the office", clock.now())
    page = await faq.list_gaps(db, A)
    assert page.total == 1 and page.gaps[0].ask_count == 2 and page.gaps[0].example == "office pizza: best near??"
    assert (await faq.list_gaps(db, B)).gaps[0].ask_count == 1


async def test_dismissed_gaps_stay_hidden_and_answered_ones_reopen(
    db: Database, catalog: faq.FaqCatalog, clock: ManualClock
) -> None:
    await faq.ask(db, catalog, A, "best pizza near the office", clock.now())
    await faq.ask(db, catalog, A, "who won the football", clock.now())
    pizza, football = sorted((await faq.list_gaps(db, A)).gaps, key=lambda g: g.example)
    await faq.dismiss_gap(db, A, pizza.id, actor_id=MOD, now=clock.now())
    with pytest.raises(NotFoundError):
        await faq.dismiss_gap(db, B, football.id, actor_id=MOD, now=clock.now())  # another server's gap
    answer = faq.FaqDraft("football", "Which football team won?", "We don't track football here.")
    await faq.answer_gap(db, catalog, A, football.id, answer, actor_id=MOD, now=clock.now())
    assert (await faq.list_gaps(db, A)).total == 0
    await faq.ask(db, catalog, A, "best pizza near the office", clock.now())
    assert (await faq.list_gaps(db, A)).total == 0  # dismissed stays dismissed
    status = await db.fetch_value("SELECT status FROM faq_gaps WHERE id = ?", (football.id,))
    assert status == "answered"


async def test_votes_replace_each_other_and_need_a_visible_entry(
    db: Database, catalog: faq.FaqCatalog, clock: ManualClock
) -> None:
    first = await faq.record_feedback(db, catalog, A, "raid-log", 1, 1, clock.now())
    assert first.changed and (first.up, first.down) == (1, 0)
    second = await faq.record_feedback(db, catalog, A, "raid-log", 1, -1, clock.now())
    assert second.changed and (second.up, second.down) == (0, 1)
    with pytest.raises(NotFoundError):
        await faq.record_feedback(db, catalog, A, "gone", 1, 1, clock.now())
    with pytest.raises(ValidationError):
        await faq.record_feedback(db, catalog, A, "raid-log", 1, 0, clock.now())


def test_feedback_is_covered_by_privacy_export_and_delete() -> None:
    assert privacy.registry_by_table()["faq_feedback"].user_columns == ("user_id",)


# -- import and export --------------------------------------------------------------------------------------------


def test_import_accepts_a_bare_json_list(content: Content) -> None:
    data = json.dumps([{"topic": "a-b", "question": "Q?", "answer": "A.", "aliases": None}]).encode()
    (parsed,) = faq.parse_import(data, "entries.json", content.vocabulary)
    assert parsed.topic == "a-b" and parsed.aliases == ()


@pytest.mark.parametrize(
    ("filename", "data", "message"),
    [
        ("x.yaml", b"", "list of entries"),
        ("x.yaml", b"faqs: []", "no entries"),
        ("x.json", b"[1, 2]", "entry #1: must be a mapping"),
        ("x.json", b'[{"topic": "x", "question": "Q?", "answer": "A.", "extra": 1}]', "unknown field `extra`"),
        ("x.json", b'[{"topic": "x", "question": 5, "answer": "A."}]', "question must be text"),
        ("x.json", b'[{"topic": "x", "question": "Q?", "answer": "A.", "tags": "cv"}]', "tags must be a list of text"),
        ("x.txt", b'{"faqs": [{"topic": "x", "question": "Q?"}]}', "missing answer"),
    ],
)
def test_import_problems(content: Content, filename: str, data: bytes, message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        faq.parse_import(data, filename, content.vocabulary)
    assert message in caught.value.message


def test_import_report_is_capped_to_fit_a_message(content: Content) -> None:
    data = json.dumps([{"topic": f"t{i}", "question": "", "answer": "A."} for i in range(60)]).encode()
    with pytest.raises(ValidationError) as caught:
        faq.parse_import(data, "x.json", content.vocabulary)
    assert "and 45 more" in caught.value.message and len(caught.value.message) < 2000


def test_import_refuses_oversized_files(content: Content) -> None:
    with pytest.raises(ValidationError):
        faq.parse_import(b" " * (faq.MAX_IMPORT_BYTES + 1), "x.yaml", content.vocabulary)


async def test_export_round_trips_through_import(db: Database, catalog: faq.FaqCatalog, clock: ManualClock) -> None:
    await add(
        db, catalog, clock, A, faq.FaqDraft("a-topic", "Q one?", "Answer: with a colon\nand lines.", ("alt",), ("cv",))
    )
    for fmt in ("yaml", "json"):
        data = await faq.export_entries(db, A, fmt)
        assert faq.parse_import(data, f"x.{fmt}", catalog.vocabulary) == [
            faq.FaqDraft("a-topic", "Q one?", "Answer: with a colon\nand lines.", ("alt",), ("cv",))
        ]
    with pytest.raises(NotFoundError):
        await faq.export_entries(db, B, "yaml")


# -- statistics ---------------------------------------------------------------------------------------------------


async def test_faq_stats_counts_the_period_only(db: Database, catalog: faq.FaqCatalog, clock: ManualClock) -> None:
    await faq.ask(db, catalog, A, "what is a raid log", clock.now())
    start = clock.now() + timedelta(days=1)
    later = start + timedelta(hours=1)
    await faq.ask(db, catalog, A, "what is a raid log", later)
    await faq.ask(db, catalog, A, "best pizza near the office", later)
    await faq.record_view(db, A, "pmo-tools", "show", later)
    await faq.record_feedback(db, catalog, A, "raid-log", 5, 1, later)
    await faq.ask(db, catalog, B, "what is a raid log", later)
    stats = await faq.faq_stats(db, A, start)
    assert (stats.asks, stats.misses, stats.shows, stats.helpful, stats.unhelpful) == (1, 1, 1, 1, 0)
    assert (stats.new_gaps, stats.open_gaps) == (1, 1)
    assert stats.answer_rate == 0.5
    assert [(t.topic, t.views) for t in stats.top] == [("pmo-tools", 1), ("raid-log", 1)]
