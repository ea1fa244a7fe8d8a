"""The prompt rotation rules: no repeat until the bank is used, kinds near 70/20/10 in every 10 posts."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.content import load_content
from bot.rotation import (
    KINDS,
    LOW_BANK,
    TARGET,
    WINDOW,
    Candidate,
    Choice,
    Posted,
    bank_mix,
    choose_next,
    count_kinds,
    kind_order,
    mix_drifts,
    unused_in_cycle,
)


def make_bank(experience: int, exposure: int, education: int) -> list[Candidate]:
    return (
        [Candidate(f"e{i}", "experience") for i in range(experience)]
        + [Candidate(f"x{i}", "exposure") for i in range(exposure)]
        + [Candidate(f"d{i}", "education") for i in range(education)]
    )


def run(bank: Sequence[Candidate], posts: int, history: list[Posted] | None = None) -> list[Posted]:
    history = list(history or [])
    for n in range(posts):
        choice = choose_next(bank, history, seed=f"occurrence-{len(history)}-{n}")
        assert choice is not None
        history.append(Posted(choice.ref, choice.kind, choice.cycle))
    return history


def windows(history: Sequence[Posted]) -> list[dict[str, int]]:
    kinds = [post.kind for post in history]
    return [count_kinds(kinds[i : i + WINDOW]) for i in range(len(kinds) - WINDOW + 1)]


# -- tables ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cycle_kinds", "pool_kinds", "first"),
    [
        ([], ["experience"] * 7 + ["exposure"] * 2 + ["education"], "experience"),
        (["experience"], ["experience"] * 6 + ["exposure"] * 2 + ["education"], "experience"),
        (["experience", "experience"], ["experience"] * 5 + ["exposure"] * 2 + ["education"], "exposure"),
        (["experience"] * 4 + ["exposure"], ["experience"] * 3 + ["exposure"] + ["education"], "education"),
        # A kind with nothing left in the pool is never most needed.
        (["education"], ["experience", "exposure"], "experience"),
        # Equal need: the larger 70-20-10 share wins.
        ([], ["education", "exposure"], "exposure"),
    ],
)
def test_kind_order_follows_the_cycle_quota(cycle_kinds: list[str], pool_kinds: list[str], first: str) -> None:
    assert kind_order(cycle_kinds, pool_kinds)[0] == first


@pytest.mark.parametrize(
    ("counts", "drifts"),
    [((7, 2, 1), False), ((53, 15, 8), False), ((50, 30, 20), True), ((10, 0, 0), True), ((0, 0, 0), True)],
)
def test_mix_drift_is_reported_beyond_five_points(counts: tuple[int, int, int], drifts: bool) -> None:
    assert mix_drifts(make_bank(*counts)) is drifts


def test_bank_mix_in_percent() -> None:
    assert bank_mix(make_bank(7, 2, 1)) == {"experience": 70, "exposure": 20, "education": 10}


def test_empty_bank_has_no_choice() -> None:
    assert choose_next([], [], "seed") is None


def test_first_post_opens_cycle_zero_and_counts_what_is_left() -> None:
    choice = choose_next(make_bank(7, 2, 1), [], "seed")
    assert choice is not None
    assert (choice.kind, choice.cycle, choice.remaining) == ("experience", 0, 9)


def test_low_bank_flag_below_seven_unused() -> None:
    bank = make_bank(7, 2, 1)
    history = run(bank, 3)
    choice = choose_next(bank, history, "next")
    assert choice is not None and choice.remaining == 6 and choice.low
    assert LOW_BANK == 7
    assert not Choice("a", "experience", 0, 7).low


def test_new_cycle_starts_only_when_every_prompt_was_used_and_not_with_the_last_one() -> None:
    bank = make_bank(7, 2, 1)
    history = run(bank, 10)
    assert {post.cycle for post in history} == {0}
    assert unused_in_cycle(bank, history) == []
    nxt = choose_next(bank, history, "seed")
    assert nxt is not None and nxt.cycle == 1 and nxt.ref != history[-1].ref and nxt.remaining == 9


def test_a_prompt_added_mid_cycle_joins_the_current_cycle() -> None:
    bank = make_bank(7, 2, 1)
    history = run(bank, 5)
    bank.append(Candidate("new", "experience"))
    history = run(bank, 6, history)
    assert [post.cycle for post in history] == [0] * 11
    assert sorted(post.ref for post in history) == sorted(c.ref for c in bank)


def test_a_removed_prompt_is_not_posted() -> None:
    bank = make_bank(7, 2, 1)
    removed = bank.pop(0)
    assert all(post.ref != removed.ref for post in run(bank, 40))


def test_the_same_history_and_seed_give_the_same_choice() -> None:
    bank = make_bank(14, 4, 2)
    history = run(bank, 5)
    assert choose_next(bank, history, "k") == choose_next(bank, history, "k")


def test_built_in_bank_keeps_every_window_within_one_swap_of_70_20_10() -> None:
    seeds = load_content().prompts
    bank = [Candidate(seed.id, seed.kind) for seed in seeds]
    history = run(bank, 4 * len(bank))
    worst = max(sum(abs(w[k] - TARGET[k]) for k in KINDS) for w in windows(history))
    assert worst <= 2  # at most one post of one kind swapped for another, in any 10 consecutive posts
    for cycle in range(4):
        assert sorted(p.ref for p in history if p.cycle == cycle) == sorted(c.ref for c in bank)


# -- properties ------------------------------------------------------------------------------------------------

kind_counts = st.tuples(st.integers(0, 30), st.integers(0, 12), st.integers(0, 8)).filter(lambda c: sum(c) > 0)


@settings(max_examples=150, deadline=None)
@given(counts=kind_counts, cycles=st.integers(1, 3))
def test_no_prompt_repeats_until_the_whole_bank_was_used(counts: tuple[int, int, int], cycles: int) -> None:
    bank = make_bank(*counts)
    history = run(bank, cycles * len(bank))
    for cycle in range(cycles):
        block = history[cycle * len(bank) : (cycle + 1) * len(bank)]
        assert sorted(p.ref for p in block) == sorted(c.ref for c in bank)
        assert {p.cycle for p in block} == {cycle}


@settings(max_examples=60, deadline=None)
@given(m=st.integers(1, 6), cycles=st.integers(1, 3))
def test_a_bank_in_70_20_10_proportion_gives_exactly_7_2_1_in_every_10_posts(m: int, cycles: int) -> None:
    bank = make_bank(7 * m, 2 * m, m)
    for window in windows(run(bank, cycles * len(bank))):
        assert window == TARGET


@settings(max_examples=150, deadline=None)
@given(counts=st.tuples(st.integers(2, 40), st.integers(2, 15), st.integers(2, 10)), cycles=st.integers(1, 3))
def test_every_10_posts_stay_within_two_of_the_banks_mix(counts: tuple[int, int, int], cycles: int) -> None:
    bank = make_bank(*counts)
    total = len(bank)
    history = run(bank, cycles * total)
    for window in windows(history):
        for kind, count in zip(KINDS, counts, strict=True):
            assert abs(window[kind] - WINDOW * count / total) < 2


@settings(max_examples=100, deadline=None)
@given(
    counts=st.tuples(st.integers(1, 20), st.integers(1, 8), st.integers(1, 5)),
    changes=st.lists(st.tuples(st.integers(0, 30), st.booleans(), st.sampled_from(KINDS)), max_size=6),
)
def test_while_an_active_prompt_is_unused_nothing_repeats(
    counts: tuple[int, int, int], changes: list[tuple[int, bool, str]]
) -> None:
    bank = make_bank(*counts)
    history: list[Posted] = []
    added = 0
    for step in range(3 * len(bank) + 10):
        for at, add, kind in changes:
            if at == step:
                if add:
                    added += 1
                    bank.append(Candidate(f"added{added}", kind))
                elif len(bank) > 1:
                    bank.pop(at % len(bank))
        unused = unused_in_cycle(bank, history)
        choice = choose_next(bank, history, f"s{step}")
        assert choice is not None
        if unused:
            assert choice.ref in {c.ref for c in unused} and choice.cycle == max((p.cycle for p in history), default=0)
        history.append(Posted(choice.ref, choice.kind, choice.cycle))
