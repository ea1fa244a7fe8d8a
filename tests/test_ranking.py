"""The one autocomplete ordering rule (bot/ranking.py): names before aliases before close spellings."""

from __future__ import annotations

import pytest

from bot import ranking
from bot.ranking import Tier

SKILLS = [
    ("dashboards", ("Dashboards and data visualisation", "Power BI", "MI reporting")),
    ("status-reporting", ("Status and RAG reporting", "RAG", "status reports")),
    ("storytelling", ("Storytelling with data", "narrative reporting")),
    ("risk", ("Risk", "RAID")),
    ("risk-management", ("Risk management", "risk register")),
    ("raid-log", ("RAID log", "issue log")),
]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        # A word of the name beats an alias that starts with the word (the "report" case).
        (
            "report",
            [
                ("status-reporting", None, Tier.NAME_WORD_PREFIX),
                ("dashboards", "MI reporting", Tier.ALIAS_WORD_PREFIX),
                ("storytelling", "narrative reporting", Tier.ALIAS_WORD_PREFIX),
            ],
        ),
        # Exact name, then name prefix; an alias equal to what was typed comes after every name match.
        (
            "risk",
            [
                ("risk", None, Tier.NAME_EXACT),
                ("risk-management", None, Tier.NAME_PREFIX),
            ],
        ),
        ("raid", [("raid-log", None, Tier.NAME_PREFIX), ("risk", "RAID", Tier.ALIAS_EXACT)]),
        # Substring of a name still outranks an exact alias.
        ("rag", [("status-reporting", None, Tier.NAME_WORD_PREFIX)]),
        ("tatus", [("status-reporting", None, Tier.NAME_SUBSTRING)]),
        ("power", [("dashboards", "Power BI", Tier.ALIAS_PREFIX)]),
        # Every typed word starts a word; case, accents and punctuation are ignored.
        ("DATA dash", [("dashboards", None, Tier.NAME_WORD_PREFIX)]),
        ("visualisátion", [("dashboards", None, Tier.NAME_WORD_PREFIX)]),
        # Close spellings last, labelled with the alias when that is what was close.
        ("dashbords", [("dashboards", None, Tier.FUZZY)]),
        ("pwer bi", [("dashboards", "Power BI", Tier.FUZZY)]),
        ("qqqq", []),
    ],
)
def test_rank_orders_names_before_aliases_before_fuzzy(
    typed: str, expected: list[tuple[str, str | None, Tier]]
) -> None:
    ranked = ranking.rank(typed, SKILLS)
    assert [(r.key, r.alias, r.tier) for r in ranked][: len(expected)] == expected
    if not expected:
        assert ranked == []


def test_rank_breaks_ties_by_name_in_natural_order() -> None:
    items = [(f"k{n}", (f"Prompt #{n}",)) for n in (10, 2, 1, 11)] + [
        ("b", ("Bravo prompt",)),
        ("a", ("Alpha prompt",)),
    ]
    assert [r.name for r in ranking.rank("prompt", items)] == [
        "Prompt #1", "Prompt #2", "Prompt #10", "Prompt #11", "Alpha prompt", "Bravo prompt",
    ]  # fmt: skip


def test_rank_with_nothing_typed_keeps_the_given_order_and_caps_at_25() -> None:
    many = [(f"k{i}", (f"Name {i}",)) for i in range(40)]
    assert [r.key for r in ranking.rank("  ", many)] == [f"k{i}" for i in range(25)]
    assert len(ranking.rank("name", many)) == 25


def test_fuzzy_matches_only_fill_what_better_matches_leave() -> None:
    items = [(f"k{i}", (f"Risk item {i}",)) for i in range(30)] + [("close", ("Rysk",))]
    assert "close" not in [r.key for r in ranking.rank("risk", items)]
    assert [r.key for r in ranking.rank("risk", items[-3:])][-1] == "close"


@pytest.mark.parametrize(
    ("name", "alias", "suffix", "expected"),
    [
        ("Status and RAG reporting", None, "", "Status and RAG reporting"),
        ("Dashboards and data visualisation", "MI reporting", "", "Dashboards and data visualisation (MI reporting)"),
        ("Salary bands", None, " (this server)", "Salary bands (this server)"),
        ("Q" * 101, None, "", "Q" * 99 + "…"),
        ("Q" * 100, "alias", " (this server)", "Q" * 77 + "… (alias) (this server)"),
        ("Q" * 80, "A" * 60, "", "Q" * 56 + "… (" + "A" * 39 + "…)"),
    ],
)
def test_label_shows_why_an_alias_matched_and_fits_discord(
    name: str, alias: str | None, suffix: str, expected: str
) -> None:
    text = ranking.label(name, alias, suffix=suffix)
    assert text == expected and len(text) <= 100
