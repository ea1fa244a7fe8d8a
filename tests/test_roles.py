"""Role card rules: finding a role, autocomplete ranking, comparing two roles."""

from __future__ import annotations

import pytest

from bot.content import Content, load_content
from bot.errors import NotFoundError, ValidationError
from bot.services import roles


@pytest.fixture(scope="module")
def content() -> Content:
    return load_content()


@pytest.mark.parametrize(
    ("typed", "role_id"),
    [
        ("pmo-analyst", "pmo-analyst"),
        ("PMO Analyst", "pmo-analyst"),
        ("  pmo   analyst ", "pmo-analyst"),
        ("PSO", "project-support-officer"),
        ("head of pmo", "pmo-director"),
        ("mi analyst", "reporting-analyst"),
    ],
)
def test_find_role_by_id_name_or_alias(content: Content, typed: str, role_id: str) -> None:
    assert roles.find_role(content, typed).id == role_id


@pytest.mark.parametrize(
    ("typed", "suggested"),
    [
        ("portfolio analist", "Portfolio Analyst"),
        ("project coordinater", "Project Coordinator"),
        ("pmo admn", "PMO Administrator"),
    ],
)
def test_unknown_role_suggests_the_closest(content: Content, typed: str, suggested: str) -> None:
    with pytest.raises(NotFoundError) as caught:
        roles.find_role(content, typed)
    assert "Did you mean" in caught.value.message and suggested in caught.value.message


def test_nonsense_role_has_no_suggestion_but_points_to_the_list(content: Content) -> None:
    with pytest.raises(NotFoundError) as caught:
        roles.find_role(content, "zzzzqqq")
    assert "Did you mean" not in caught.value.message and "/role list" in caught.value.message


def test_blank_role_is_a_validation_error(content: Content) -> None:
    with pytest.raises(ValidationError):
        roles.find_role(content, "   ")


@pytest.mark.parametrize(
    ("typed", "first"),
    [
        ("PMO Analyst", "pmo-analyst"),  # exact
        ("portf", "portfolio-analyst"),  # prefix
        ("sched", "planner-scheduler"),  # word prefix of a name
        ("risk", "risk-analyst"),
        ("porfolio analyst", "portfolio-analyst"),  # fuzzy
        ("PPM", "portfolio-analyst"),  # alias
    ],
)
def test_choices_rank_exact_then_prefix_then_fuzzy(content: Content, typed: str, first: str) -> None:
    choices = roles.role_choices(content, typed)
    assert choices[0].role_id == first
    assert len(choices) <= 25 and all(len(c.label) <= 100 for c in choices)


def test_choices_never_exceed_discord_limits_for_long_input(content: Content) -> None:
    choices = roles.role_choices(content, "a" * 500)
    assert len(choices) <= 25 and all(len(c.label) <= 100 for c in choices)


def test_compare_lists_shared_and_distinct_skills(content: Content) -> None:
    result = roles.compare_roles(content, "pmo-analyst", "reporting-analyst")
    assert result.first.id == "pmo-analyst" and result.second.id == "reporting-analyst"
    assert "Data analysis" in result.shared
    assert not set(result.shared) & set(result.only_first)
    assert not set(result.shared) & set(result.only_second)


def test_compare_refuses_one_role_twice_even_by_alias(content: Content) -> None:
    with pytest.raises(ValidationError):
        roles.compare_roles(content, "pmo-analyst", "PMO Officer")
