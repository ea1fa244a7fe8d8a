"""Every autocomplete through the stand-in follows one rule (bot/ranking.py): a match on the name outranks a match
on an alias, and an alias match is labelled ``Name (alias)`` so members see why it was offered."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import App


def _labels(choices: list[dict[str, Any]]) -> dict[str, str]:
    return {c["value"]: c["name"] for c in choices}


@pytest.mark.parametrize("command", ["mentoring request", "mentoring offer"])
async def test_areas_rank_a_name_match_above_an_alias_match_and_say_why(app: App, command: str) -> None:
    choices = await app.autocomplete(command, "areas", "report", user=app.alice)
    values = [c["value"] for c in choices]
    assert values[:2] == ["status-reporting", "dashboards"]
    assert choices[0]["name"] == "Status and RAG reporting"
    assert choices[1]["name"] == "Dashboards and data visualisation (MI reporting)"


async def test_areas_keep_the_items_already_chosen_and_the_alias_label(app: App) -> None:
    choices = await app.autocomplete("mentoring request", "areas", "risk-management, report", user=app.alice)
    assert choices[0]["value"] == "risk-management, status-reporting"
    assert _labels(choices)["risk-management, dashboards"].endswith("Dashboards and data visualisation (MI reporting)")


async def test_role_names_outrank_role_aliases(app: App) -> None:
    choices = await app.autocomplete("role info", "role", "officer", user=app.alice)
    assert choices[0] == {"name": "Project Support Officer", "value": "project-support-officer"}
    assert _labels(choices)["pmo-analyst"] == "PMO Analyst (PMO Officer)"
    compare = await app.autocomplete("role compare", "second", "officer", user=app.alice, first="pmo-analyst")
    assert compare == choices


@pytest.mark.parametrize(("command", "user"), [("faq show", "alice"), ("admin faq edit", "admin")])
async def test_faq_questions_outrank_faq_aliases(app: App, command: str, user: str) -> None:
    choices = await app.autocomplete(command, "topic", "officer", user=user)
    assert choices[0]["value"] == "project-support-officer-vs-project-manager"
    assert choices[0]["name"] == "How does a project support officer differ from a project manager?"
    assert _labels(choices)["pmo-analyst-vs-project-manager"].endswith("(PMO officer role)")


async def test_prompt_ids_outrank_prompt_texts(app: App) -> None:
    choices = await app.autocomplete("admin prompts remove", "id", "raid", user=app.admin)
    values = [c["value"] for c in choices]
    by_id = [v for v in values if v.startswith("raid")]
    assert by_id and values[: len(by_id)] == sorted(by_id)  # every id match first, by name
    assert any("raid" in c["name"].lower() and not c["value"].startswith("raid") for c in choices)


async def test_timezones_rank_the_start_of_a_name_first_and_forgive_a_typo(app: App) -> None:
    choices = await app.autocomplete("admin config set-timezone", "timezone", "europe/l", user=app.admin)
    assert [c["value"] for c in choices][:2] == ["Europe/Lisbon", "Europe/Ljubljana"]
    typo = await app.autocomplete("admin config set-timezone", "timezone", "londn", user=app.admin)
    assert typo[0]["value"] == "Europe/London"


async def test_days_offer_what_was_typed_then_a_close_pattern(app: App) -> None:
    choices = await app.autocomplete("admin prompts schedule", "days", "wekdays", user=app.admin)
    assert [c["value"] for c in choices][:2] == ["wekdays", "weekdays"]
