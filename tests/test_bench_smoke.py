"""The benchmark runner still runs: ``python -m bench --quick --only storage`` prints the one result table.

Benchmarks are measurements, not tests (they live in ``bench/`` and pytest never collects them); this only keeps
the runner and the shared pieces from rotting.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_the_quick_storage_benchmark_prints_the_table() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--only", "storage"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.splitlines()
    header = next(line for line in lines if line.startswith("| figure"))
    assert [cell.strip() for cell in header.strip("|").split("|")] == [
        "figure",
        "value",
        "baseline",
        "ratio",
        "goal",
        "result",
    ]
    rows = [line for line in lines if line.startswith("| storage: ")]
    assert any("'database is locked'" in row and "| pass" in row for row in rows), done.stdout
    assert not any("FAIL" in row for row in rows), done.stdout
    assert any(line.startswith("Machine: ") for line in lines)


def test_an_unknown_benchmark_name_is_refused() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--only", "nonsense"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "unknown benchmark" in done.stderr
