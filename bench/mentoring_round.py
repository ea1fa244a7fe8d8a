"""A mentoring round at community scale: 2,000 waiting requests, 500 mentors.

Runs the optimal round (``bot.matching.plan_round``) and the greedy baseline (``plan_greedy``) on the same
random instance and prints the time of each and the total score of the optimal round against greedy.

How the size is handled: 500 mentors with 1–10 places are at most ~2,750 capacity slots (about 2,000 free
here, since some places are already taken), so the full mentee × slot matrix is at most 2,000 × 2,750 ≈ 5.5 M
cells (44 MB of float64) — dense is affordable at this size, and ``linear_sum_assignment`` solves it in about a
second. ``plan_round`` still cuts it down, exactly: it splits
the eligibility graph into connected components (mentees and mentors with no eligible pair between them are
independent problems), and gives each mentor at most ``min(free places, eligible mentees)`` slot columns. On
this instance the areas overlap widely, so there is one big component; a server whose mentoring splits into
unrelated specialities gets several smaller matrices.

Run: ``python -m bench.mentoring_round [--seed N] [--mentees N] [--mentors N]``.
"""

from __future__ import annotations

import argparse
import random
import time

from bench._report import Figure, emit
from bot.matching import Mentee, Mentor, plan_greedy, plan_round

# About as many areas as the shared skill vocabulary has; people ask for and offer a handful each.
AREAS = tuple(f"area-{i:02d}" for i in range(40))
OFFSETS = (-8.0, -7.0, -6.0, -5.0, -4.0, -3.0, 0.0, 1.0, 2.0, 3.0, 4.0, 5.5, 8.0, 9.0, 10.0, 12.0, 13.0)


def make_instance(seed: int, mentees: int, mentors: int) -> tuple[list[Mentee], list[Mentor], set[tuple[int, int]]]:
    """Random requests and profiles with realistic shapes: popular areas, clustered timezones, some history."""
    rng = random.Random(seed)
    weights = [1.0 / (1 + i) ** 0.6 for i in range(len(AREAS))]  # a few areas are asked for far more often

    def areas(low: int, high: int) -> frozenset[str]:
        return frozenset(rng.choices(AREAS, weights=weights, k=rng.randint(low, high)))

    mentor_list = [
        Mentor(
            user_id=1_000_000 + j,
            areas=areas(2, 6),
            utc_offset=rng.choice(OFFSETS),
            capacity=(capacity := rng.randint(1, 10)),
            load=rng.randint(0, capacity // 2),
            paused=rng.random() < 0.05,
        )
        for j in range(mentors)
    ]
    mentee_list = [
        Mentee(request_id=i + 1, user_id=2_000_000 + i, areas=areas(1, 3), utc_offset=rng.choice(OFFSETS))
        for i in range(mentees)
    ]
    blocked = {(rng.choice(mentee_list).user_id, rng.choice(mentor_list).user_id) for _ in range(mentees // 2)}
    return mentee_list, mentor_list, blocked


def main(argv: list[str] | None = None) -> list[Figure]:
    """Run the benchmark and print its table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--mentees", type=int, default=2000)
    parser.add_argument("--mentors", type=int, default=500)
    args, _ = parser.parse_known_args(argv)

    mentees, mentors, blocked = make_instance(args.seed, args.mentees, args.mentors)
    free = sum(m.remaining for m in mentors if not m.paused)

    started = time.perf_counter()
    optimal = plan_round(mentees, mentors, blocked)
    optimal_seconds = time.perf_counter() - started

    started = time.perf_counter()
    greedy = plan_greedy(mentees, mentors, blocked)
    greedy_seconds = time.perf_counter() - started

    title = (
        f"Mentoring round: {len(mentees):,} waiting requests, {len(mentors):,} mentors, {free:,} free places "
        f"(seed {args.seed}; mentee × slot matrix ≤ {len(mentees) * free / 1e6:.1f} M cells)"
    )
    return emit(
        title,
        [
            Figure(
                "round time (optimal)",
                optimal_seconds,
                "s",
                baseline=greedy_seconds,
                goal="< 60 s",
                check=lambda value, _: value < 60,
            ),
            Figure(
                "total score (optimal vs greedy)",
                optimal.total,
                baseline=greedy.total,
                goal="≥ greedy",
                check=lambda value, base: base is not None and value >= base - 1e-6,
            ),
            Figure("mentees placed (optimal vs greedy)", len(optimal.pairs), baseline=len(greedy.pairs)),
            Figure(
                "mean pair score (optimal vs greedy)",
                optimal.total / max(len(optimal.pairs), 1),
                baseline=greedy.total / max(len(greedy.pairs), 1),
            ),
        ],
    )


def figures(quick: bool = False) -> list[Figure]:
    """The figures for ``python -m bench`` (``quick``: 400 requests × 100 mentors, a smoke run)."""
    return main(["--mentees", "400", "--mentors", "100"] if quick else [])


if __name__ == "__main__":
    main()
