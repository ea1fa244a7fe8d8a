"""Role cards: finding a role by name or alias, autocomplete, and comparing two roles.

Role cards are bundled content (data/roles.yaml), the same in every server, so these are pure functions over
:class:`bot.content.Content` with no database.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from bot import ranking, search
from bot.content import Content, RoleCard
from bot.errors import NotFoundError, ValidationError

__all__ = ["RoleChoice", "RoleComparison", "compare_roles", "find_role", "role_choices", "skill_names"]

MAX_CHOICES: Final = 25


@dataclass(frozen=True, slots=True)
class RoleChoice:
    """An autocomplete choice: the label shown and the role id sent back."""

    role_id: str
    label: str


@dataclass(frozen=True, slots=True)
class RoleComparison:
    """Two role cards and how their skills overlap (skill labels from the shared vocabulary)."""

    first: RoleCard
    second: RoleCard
    shared: tuple[str, ...]
    only_first: tuple[str, ...]
    only_second: tuple[str, ...]


class _Prepared:
    """Per-content data every keystroke reuses: the (id, names) items, cards by id, and recent answers."""

    def __init__(self, content: Content) -> None:
        self.items: tuple[tuple[str, Sequence[str]], ...] = tuple(
            (card.id, (card.name, *card.aliases)) for card in content.roles
        )
        self.cards = {card.id: card for card in content.roles}
        self.answers: OrderedDict[str, tuple[RoleChoice, ...]] = OrderedDict()


_ANSWER_CACHE: Final = 512
_prepared_memo: list[tuple[Content, _Prepared]] = []


def _prepared(content: Content) -> _Prepared:
    """Built once per loaded content (the bot holds one)."""
    if _prepared_memo and _prepared_memo[0][0] is content:
        return _prepared_memo[0][1]
    prepared = _Prepared(content)
    _prepared_memo[:] = [(content, prepared)]
    return prepared


def _items(content: Content) -> Sequence[tuple[str, Sequence[str]]]:
    return _prepared(content).items


def role_choices(content: Content, typed: str) -> list[RoleChoice]:
    """Roles matching what was typed, in :func:`bot.ranking.rank` order (names before aliases; ≤ 25, labels ≤ 100)."""
    prepared = _prepared(content)
    key = typed[:100]
    # Members type the same prefixes again and again; the ranking is a pure function of the text and the content.
    answer = prepared.answers.get(key)
    if answer is None:
        answer = prepared.answers[key] = tuple(_rank(prepared, key))
        if len(prepared.answers) > _ANSWER_CACHE:
            prepared.answers.popitem(last=False)
    else:
        prepared.answers.move_to_end(key)
    return list(answer)


def _rank(prepared: _Prepared, typed: str) -> list[RoleChoice]:
    cards = prepared.cards
    return [
        RoleChoice(match.key, ranking.label(cards[match.key].name, match.alias))
        for match in ranking.rank(typed, prepared.items, limit=MAX_CHOICES)
    ]


def find_role(content: Content, query: str) -> RoleCard:
    """The role a member named (id, name or alias, any case); NotFoundError with "did you mean …" otherwise."""
    wanted = " ".join(query.split()).casefold()
    if not wanted:
        raise ValidationError("Name a role, e.g. “PMO analyst”; the list suggests names as you type.")
    for card in content.roles:
        if wanted == card.id or wanted in (" ".join(n.split()).casefold() for n in (card.name, *card.aliases)):
            return card
    names = {card.id: card.name for card in content.roles}
    suggestions = search.suggest(query, _items(content))
    hint = f" Did you mean {' or '.join(f'**{names[s]}**' for s in suggestions)}?" if suggestions else ""
    raise NotFoundError(f"I don't have a role card for “{query.strip()[:80]}”.{hint} /role list shows them all.")


def skill_names(content: Content, skill_ids: Sequence[str]) -> tuple[str, ...]:
    """Labels of skill (or role) ids from the shared vocabulary; unknown ids are shown as they are."""
    vocabulary = content.vocabulary
    return tuple(vocabulary.label(s) if vocabulary.is_tag(s) else s for s in skill_ids)


def compare_roles(content: Content, first: str, second: str) -> RoleComparison:
    """Two different roles side by side, with the skills they share and those only one of them asks for."""
    a = find_role(content, first)
    b = find_role(content, second)
    if a.id == b.id:
        raise ValidationError(f"Pick two different roles to compare (both were **{a.name}**).")
    skills_a = (*a.hard_skills, *a.soft_skills)
    skills_b = (*b.hard_skills, *b.soft_skills)
    shared = [s for s in skills_a if s in skills_b]
    return RoleComparison(
        first=a,
        second=b,
        shared=skill_names(content, shared),
        only_first=skill_names(content, [s for s in skills_a if s not in skills_b]),
        only_second=skill_names(content, [s for s in skills_b if s not in skills_a]),
    )
