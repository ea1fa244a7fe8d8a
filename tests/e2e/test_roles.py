"""/role info, /role list and /role compare through the stand-in."""

from __future__ import annotations

import time

from tests.e2e.conftest import App


def _embed_size(embed: dict) -> int:  # type: ignore[type-arg]
    size = len(embed.get("title", "")) + len(embed.get("description", ""))
    size += sum(len(f["name"]) + len(f["value"]) for f in embed.get("fields", []))
    return size + len(embed.get("footer", {}).get("text", ""))


async def test_role_info_shows_the_card_privately(app: App) -> None:
    reply = await app.invoke("role info", user=app.alice, role="pmo-analyst")
    assert reply.ephemeral
    assert not reply.pings.any
    embed = reply.embed
    assert embed is not None and embed["title"] == "PMO Analyst"
    names = [f["name"] for f in embed["fields"]]
    for heading in ("Key responsibilities", "Hard skills", "Soft skills", "How it differs from a project manager"):
        assert heading in names
    assert "Typical job titles" in names and "Next roles" in names
    hard = next(f["value"] for f in embed["fields"] if f["name"] == "Hard skills")
    assert "Data analysis" in hard  # a skill label from the shared vocabulary, not its id
    assert _embed_size(embed) <= 6000


async def test_every_role_card_fits_discords_embed_limits(app: App) -> None:
    for card in app.bot.content.roles:
        reply = await app.invoke("role info", user=app.alice, role=card.id)
        embed = reply.embed
        assert embed is not None, card.id
        assert _embed_size(embed) <= 6000
        assert len(embed["fields"]) <= 25
        assert all(len(f["value"]) <= 1024 for f in embed["fields"])


async def test_role_info_accepts_a_typed_alias_in_any_case(app: App) -> None:
    reply = await app.invoke("role info", user=app.alice, role="pso")
    assert reply.embed is not None and reply.embed["title"] == "Project Support Officer"


async def test_unknown_role_gets_did_you_mean(app: App) -> None:
    reply = await app.invoke("role info", user=app.alice, role="portfolio analist")
    assert reply.ephemeral
    assert "did you mean" in reply.content.lower()
    assert "Portfolio Analyst" in reply.content
    assert reply.embed is None


async def test_role_autocomplete_ranks_exact_then_prefix_then_fuzzy(app: App) -> None:
    started = time.perf_counter()
    choices = await app.autocomplete("role info", "role", "pmo", user=app.alice)
    assert time.perf_counter() - started < 1.0
    assert 1 <= len(choices) <= 25
    assert all(len(c["name"]) <= 100 for c in choices)
    labels = [c["name"] for c in choices]
    assert labels[0].startswith("PMO")  # prefix matches before anything that only contains "pmo"
    exact = await app.autocomplete("role info", "role", "PMO Analyst", user=app.alice)
    assert exact[0]["value"] == "pmo-analyst"
    fuzzy = await app.autocomplete("role info", "role", "coordinater", user=app.alice)
    assert fuzzy and fuzzy[0]["value"] == "project-coordinator"
    alias = await app.autocomplete("role info", "role", "MI anal", user=app.alice)
    assert alias[0]["value"] == "reporting-analyst"
    assert alias[0]["name"].endswith("(MI analyst)")


async def test_role_autocomplete_with_nothing_typed_lists_roles(app: App) -> None:
    choices = await app.autocomplete("role info", "role", "", user=app.alice)
    assert len(choices) == min(25, len(app.bot.content.roles))


async def test_role_list_has_one_line_per_role(app: App) -> None:
    reply = await app.invoke("role list", user=app.bob)
    assert reply.ephemeral
    description = reply.embed["description"] if reply.embed else ""
    for card in app.bot.content.roles:
        assert f"**{card.name}**" in description
    assert len(description) <= 4096


async def test_role_compare_puts_two_cards_side_by_side(app: App) -> None:
    reply = await app.invoke("role compare", user=app.carol, first="pmo-analyst", second="project coordinator")
    assert reply.ephemeral
    embed = reply.embed
    assert embed is not None and embed["title"] == "PMO Analyst vs Project Coordinator"
    names = [f["name"] for f in embed["fields"]]
    assert "Hard skills · PMO Analyst" in names and "Hard skills · Project Coordinator" in names
    assert "Skills both ask for" in names
    assert _embed_size(embed) <= 6000 and len(embed["fields"]) <= 25


async def test_every_pair_of_roles_compares_within_limits(app: App) -> None:
    cards = app.bot.content.roles
    for first in cards:
        for second in cards:
            if first.id >= second.id:
                continue
            reply = await app.invoke("role compare", user=app.carol, first=first.id, second=second.id)
            assert reply.embed is not None and _embed_size(reply.embed) <= 6000, (first.id, second.id)


async def test_role_compare_refuses_the_same_role_twice(app: App) -> None:
    reply = await app.invoke("role compare", user=app.carol, first="pmo-analyst", second="PMO Officer")
    assert reply.ephemeral and "two different roles" in reply.content
