"""Run every benchmark and print one table: figure, value, baseline, ratio, goal, pass/fail.

``python -m bench`` runs them all (about 6 minutes on a 2-core machine); ``--quick`` runs each at a small size
(a smoke run, not figures to quote); ``--only NAME`` (repeatable, or comma-separated) picks benchmarks by name.

Each benchmark module offers ``figures(quick: bool) -> list[Figure]``. While one runs, whatever it prints (its
own titled table, progress) goes to stderr, so stdout carries only the combined table, the machine it ran on and
one line per benchmark that was skipped or failed. Exit status: 0 when every benchmark ran (whatever its
figures say: they are measurements, not tests), 1 when one could not run, 2 for an unknown name.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import importlib
import logging
import sys
import time
import traceback
from collections import Counter
from collections.abc import Callable

from bench._report import Figure, machine, render

# In the order they run: quick ones first, so a broken set-up shows early.
BENCHMARKS = (
    "storage",
    "postgres",
    "interactions",
    "burst",
    "memory",
    "startup",
    "progress_query",
    "mentoring_round",
    "crash_soak",
)
# A benchmark's own log lines beyond this many per logger are dropped (a bot under overload can log thousands).
LOG_CAP = 20


class _CappedHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes log records to stderr, at most LOG_CAP per logger, then says how many it dropped."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)
        self.counts: Counter[str] = Counter()

    def emit(self, record: logging.LogRecord) -> None:
        self.counts[record.name] += 1
        if self.counts[record.name] <= LOG_CAP:
            super().emit(record)

    def dropped(self) -> dict[str, int]:
        """Logger name → records not shown."""
        return {name: n - LOG_CAP for name, n in self.counts.items() if n > LOG_CAP}


def _load(name: str) -> Callable[[bool], list[Figure]] | str:
    """The benchmark's ``figures`` function, or why it cannot run."""
    try:
        module = importlib.import_module(f"bench.{name}")
    except ModuleNotFoundError as exc:
        if exc.name == f"bench.{name}":
            return f"bench/{name}.py is not there yet"
        return f"cannot import bench.{name}: {exc}"
    except Exception as exc:  # a half-written module elsewhere in the tree must not stop the others
        return f"cannot import bench.{name}: {type(exc).__name__}: {exc}"
    function = getattr(module, "figures", None)
    if not callable(function):
        return f"bench/{name}.py has no figures(quick) function"
    return function  # type: ignore[no-any-return]


def run(names: list[str], quick: bool) -> int:
    """Run the named benchmarks; print the table; return the exit status."""
    handler = _CappedHandler()
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.WARNING, handlers=[handler], force=True)
    # Expected noise: discord.py's voice warnings, dropped connections when bots are killed or closed mid-request.
    logging.getLogger("discord.client").setLevel(logging.ERROR)
    logging.getLogger("aiohttp.server").setLevel(logging.CRITICAL)

    rows: list[Figure] = []
    notes: list[str] = []
    status = 0
    began = time.monotonic()
    for name in names:
        function = _load(name)
        if isinstance(function, str):
            notes.append(f"skipped {name}: {function}")
            status = 1
            continue
        started = time.monotonic()
        sys.stderr.write(f"\n=== {name}{' (quick)' if quick else ''} ===\n")
        try:
            with contextlib.redirect_stdout(sys.stderr):
                figures = function(quick)
        except Exception:
            traceback.print_exc(file=sys.stderr)
            notes.append(f"failed {name}: see the traceback on stderr")
            status = 1
            continue
        elapsed = time.monotonic() - started
        sys.stderr.write(f"=== {name}: {elapsed:.0f} s ===\n")
        rows.extend(dataclasses.replace(f, name=f"{name}: {f.name}") for f in figures)
    total = time.monotonic() - began

    out = sys.stdout
    out.write(f"\n# Benchmarks{' (quick run: sizes reduced, not figures to quote)' if quick else ''}\n\n")
    out.write(render(rows) + "\n\n")
    out.write(f"Machine: {machine()}. Total time {total:.0f} s.\n")
    for note in notes:
        out.write(note + "\n")
    for logger, n in sorted(handler.dropped().items()):
        out.write(f"({n} more log lines from {logger} were not shown)\n")
    out.flush()
    return status


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke run in about a minute")
    parser.add_argument("--only", action="append", default=[], metavar="NAME", help=f"one of {', '.join(BENCHMARKS)}")
    args = parser.parse_args(argv)
    wanted = [n.strip() for value in args.only for n in value.split(",") if n.strip()]
    unknown = [n for n in wanted if n not in BENCHMARKS]
    if unknown:
        parser.print_usage(sys.stderr)
        sys.stderr.write(f"unknown benchmark(s): {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}\n")
        return 2
    return run(wanted or list(BENCHMARKS), args.quick)


if __name__ == "__main__":
    sys.exit(main())
