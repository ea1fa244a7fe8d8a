"""Pure text analysis behind the FAQ search and autocomplete (bot/search.py)."""

from __future__ import annotations

import pytest

from bot import search


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("prioritise", "prioritization"),
        ("organisation", "organizations"),
        ("planning", "planner"),
        ("communities", "community"),
        ("experience", "experienced"),
        ("manager", "management"),
        ("certification", "certifications"),
        ("schedule", "scheduler"),
        ("roles", "role"),
    ],
)
def test_stemming_brings_word_forms_together(left: str, right: str) -> None:
    assert search.stem(left) == search.stem(right)


@pytest.mark.parametrize(
    ("text", "terms"),
    [
        ("What is the 70:20:10 rule?", ["r702010", "rule"]),
        ("70/20/10", ["r702010"]),
        ("Résumé tips", ["cv"]),  # "tips" only frames a question (data/chat_spelling.yaml)
        ("co-ordinator vs PM", ["coordinator", "dif", "project", "manag"]),
        ("How do I?", []),
        ("Power BI dashboards", ["powerbi", "dashboard"]),
    ],
)
def test_analyse_canonicalises_spelling_abbreviations_and_stop_words(text: str, terms: list[str]) -> None:
    assert search.analyse(text) == terms


@pytest.mark.parametrize(
    ("a", "b", "distance"),
    [
        ("analyst", "analyst", 0),
        ("analsyt", "analyst", 1),  # adjacent swap counts once
        ("managment", "management", 1),
        ("certifcation", "certification", 1),
        ("abc", "xyz", 3),
    ],
)
def test_edit_distance(a: str, b: str, distance: int) -> None:
    assert search.edit_distance(a, b, 5) == distance


def test_edit_distance_stops_past_the_limit() -> None:
    assert search.edit_distance("completely", "different", 2) == 3


def test_strict_substitution_charges_far_keys_double() -> None:
    assert search.edit_distance("charge", "change", 2, strict_substitution=True) == 2
    assert search.edit_distance("chsnge", "change", 2, strict_substitution=True) == 1  # s is next to a


VOCABULARY = {"analyst": 10, "certification": 4, "mentor": 6, "change": 5, "portfolio": 3}


@pytest.mark.parametrize(
    ("word", "fixed"),
    [
        ("anaylst", "analyst"),
        ("certifcation", "certification"),
        ("mentro", "mentor"),
        ("charge", None),  # a real word, not a slip of the keyboard
        ("wise", None),  # short words are never corrected
        ("diffrent", "different"),  # the analyser's own spellings are candidates too
    ],
)
def test_correct_word(word: str, fixed: str | None) -> None:
    assert search.correct_word(word, VOCABULARY) == fixed


def test_plan_query_marks_corrections_and_related_words() -> None:
    stems = {search.stem(w) for w in VOCABULARY}
    plan = {t.term: t for t in search.plan_query("anaylst software", VOCABULARY, stems)}
    assert plan["analyst"].source == "corrected" and plan["analyst"].weight < 1
    assert plan["tool"].source == "related" and plan["tool"].weight < plan["analyst"].weight
    assert plan[search.stem("software")].source == "word"  # unindexed words still count against confidence


def test_normalised_question_ignores_order_case_and_filler() -> None:
    stems = {search.stem(w) for w in VOCABULARY}
    a = search.normalise_question("How much does a PMO analyst earn?", VOCABULARY, stems)
    b = search.normalise_question("pmo ANALYST earn... how much", VOCABULARY, stems)
    assert a == b == "analyst earn pmo"


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("What's a RAID log?", "whats-a-raid-log"),
        ("  Salary bands  ", "salary-bands"),
        ("x" * 80, "x" * 60),
        ("word " * 30, ("word-" * 12).rstrip("-")),
    ],
)
def test_slugify(text: str, slug: str) -> None:
    assert search.slugify(text) == slug


ITEMS = [
    ("pmo-analyst", ("PMO Analyst", "PMO Officer")),
    ("portfolio-analyst", ("Portfolio Analyst", "PPM analyst")),
    ("analyst-lead", ("Lead analyst",)),
    ("pmo", ("PMO",)),
]


@pytest.mark.parametrize(
    ("typed", "keys"),
    [
        ("pmo", ["pmo", "pmo-analyst"]),  # exact before prefix
        ("analyst", ["analyst-lead", "pmo-analyst", "portfolio-analyst"]),  # word prefix before substring
        ("porfolio", ["portfolio-analyst"]),  # fuzzy
        ("ppm", ["portfolio-analyst"]),  # alias
    ],
)
def test_rank_names_tiers(typed: str, keys: list[str]) -> None:
    assert [m.key for m in search.rank_names(typed, ITEMS)][: len(keys)] == keys


def test_rank_names_caps_and_keeps_order_when_empty() -> None:
    many = [(f"k{i}", (f"Name {i}",)) for i in range(40)]
    ranked = search.rank_names("", many)
    assert [m.key for m in ranked] == [f"k{i}" for i in range(25)]


def test_suggest_finds_close_names_only() -> None:
    assert search.suggest("portfolio analist", ITEMS)[0] == "portfolio-analyst"
    assert search.suggest("qqqq", ITEMS) == []


@pytest.mark.parametrize(
    ("text", "terms"),
    [
        ("wot's a pmo lol", ["pmo"]),
        ("mgmt tips pls", ["manag"]),
        ("pmo vs pm", ["pmo", "dif", "project", "manag"]),  # "pm" is spelled out, "pmo" is left alone
        ("r u a proj coord tbh", ["project", "coordinator"]),
        ("how do ppl get exp", ["peopl", "experi"]),
        ("hub n spoke", ["hub", "spok"]),
        ("what kinda pmos", ["type", "pmo"]),  # "kinda" asks for kinds here, and is filler elsewhere
        ("kinda lost rn", ["lost"]),
    ],
)
def test_chat_spelling_short_forms_and_filler_are_folded(text: str, terms: list[str]) -> None:
    assert search.analyse(text) == terms


@pytest.mark.parametrize(
    ("text", "terms"),
    [
        ("can i get a mentor", ["find", "mentor"]),
        ("need a pmo mentor", ["find", "pmo", "mentor"]),
        ("i want to mentor people", ["mentor", "peopl"]),  # offering, not looking
        ("wanna be a mentor", ["mentor"]),
        ("70 20 10 for my own dev", ["r702010", "develop"]),
    ],
)
def test_goal_phrases_are_read_as_their_goal(text: str, terms: list[str]) -> None:
    assert search.analyse(text) == terms


def test_the_bundled_chat_spelling_table_is_valid() -> None:
    table = search.chat_spelling()
    assert table.spellings["wot"] == "what" and "lol" in table.filler
    assert not set(table.spellings) & table.filler


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ({"spellings": {"Wot": "what"}}, "not one lowercase token"),
        ({"spellings": {"wot": ""}}, "should be lowercase words"),
        ({"spellings": {"lol": "laugh"}, "filler": ["lol"]}, "both spelled out and filler"),
        ({"filler": ["two words"]}, "not one lowercase token"),
        (["wot"], "expected a mapping"),
    ],
)
def test_a_bad_chat_spelling_table_is_refused(data: object, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        search.parse_chat_spelling(data)


@pytest.mark.parametrize(
    ("score", "coverage", "focus", "runner_up", "named", "confident"),
    [
        (0.6, 0.5, 0.5, 0.58, 1, True),  # a good answer on its own, however close the next one
        (0.56, 0.39, 0.39, 0.22, 2, True),  # low coverage, but far ahead and naming two of the words
        (0.56, 0.39, 0.39, 0.45, 2, False),  # ... not far enough ahead
        (0.49, 0.32, 0.32, 0.21, 1, False),  # far ahead on one word only ("tips for a long commute")
        (0.40, 0.30, 0.30, 0.10, 3, False),  # far ahead of weak entries, but weak itself
        (0.50, 0.90, 0.10, 0.10, 2, False),  # far ahead, but the question is not what it is about
    ],
)
def test_confidence_trusts_a_good_answer_or_a_clear_winner(
    score: float, coverage: float, focus: float, runner_up: float, named: int, confident: bool
) -> None:
    assert search.is_confident(score, coverage, focus, runner_up=runner_up, named=named) is confident
