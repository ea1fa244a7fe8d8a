"""The one result table every benchmark prints: figure, value, baseline, ratio, goal, pass/fail."""

from __future__ import annotations

import platform
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Figure:
    """One measured figure, compared against a baseline measured in the same run.

    ``check`` decides pass/fail from (value, baseline); ``goal`` says it in words.
    """

    name: str
    value: float
    unit: str = ""
    baseline: float | None = None
    goal: str = ""
    check: Callable[[float, float | None], bool] | None = None

    @property
    def ratio(self) -> float | None:
        """value / baseline, when there is a non-zero baseline."""
        if self.baseline in (None, 0):
            return None
        return self.value / self.baseline  # type: ignore[operator]

    @property
    def passed(self) -> bool | None:
        """True/False against the goal, None when the figure has no goal."""
        return None if self.check is None else self.check(self.value, self.baseline)


def _fmt(value: float | None, unit: str = "") -> str:
    if value is None:
        return "—"
    text = f"{value:,.0f}" if abs(value) >= 1000 else f"{value:,.3g}"
    return f"{text} {unit}".strip()


def machine() -> str:
    """A one-line description of the machine the figures came from."""
    import os

    return f"{platform.machine()}, {os.cpu_count()} cores, Python {sys.version.split()[0]}, {platform.system()}"


def render(figures: Iterable[Figure]) -> str:
    """The table as Markdown (it reads well in a terminal and pastes into the README)."""
    rows = [("figure", "value", "baseline", "ratio", "goal", "result")]
    for f in figures:
        result = {None: "—", True: "pass", False: "FAIL"}[f.passed]
        ratio = "—" if f.ratio is None else f"{f.ratio:.2f}×"
        rows.append((f.name, _fmt(f.value, f.unit), _fmt(f.baseline, f.unit), ratio, f.goal or "—", result))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |" for r in rows]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def emit(title: str, figures: list[Figure]) -> list[Figure]:
    """Print a titled table to stdout and return the figures (for ``python -m bench``)."""
    sys.stdout.write(f"\n## {title}\n\n{render(figures)}\n")
    sys.stdout.flush()
    return figures
