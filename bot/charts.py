"""Progress charts as PNG bytes: the mix against 70/20/10 and the last weeks' minutes by kind.

Rendering uses matplotlib's object API on the Agg canvas (no pyplot, no GUI backend, no global figure state).

The bot draws each chart in a short-lived child process (:func:`render_progress_chart_async`, ``python -m
bot.charts``) rather than in its own: matplotlib and numpy are ~45 MiB resident once imported and drawing
fragments the heap further, and none of that is ever given back to the system. Measured with ``python -m bench
--only memory`` (1,000 guilds, five charts in the hour): RSS after the hour 134 MiB drawing in-process, 74 MiB
without charts. A child costs ~0.5 s more per chart (~0.8 s instead of ~0.3 s), well inside the deferred
interaction's 15 minutes. At most :data:`MAX_CHILDREN` draw at once. If a child cannot be started or fails, the
chart is drawn in a worker thread instead, so ``/progress show`` still works.

:func:`render_progress_chart` draws in the calling process (the child, the fallback, benchmarks). matplotlib is
imported by the first such render, not with this module. It is not thread-safe for concurrent drawing (font and
text caches), so in-process renders are serialised by a lock.
"""

from __future__ import annotations

import asyncio
import gc
import io
import logging
import pickle
import sys
import threading
import weakref
from asyncio.subprocess import PIPE
from collections.abc import Sequence

from bot.mix import KINDS, Mix, WeekTotals

__all__ = ["CHART_SIZE", "render_progress_chart", "render_progress_chart_async"]

CHART_SIZE = (1000, 420)
"""Width and height of the PNG in pixels."""
_DPI = 100
_COLOURS = {"experience": "#2E86AB", "exposure": "#F18F01", "education": "#6A994E"}
_LABELS = {"experience": "Experience (70)", "exposure": "Exposure (20)", "education": "Education (10)"}
_lock = threading.Lock()
_CHILD_TIMEOUT = 30.0
MAX_CHILDREN = 2
"""Charts drawn at once in child processes (each is ~100 MiB for under a second); more wait their turn."""
# One semaphore per event loop: an asyncio.Semaphore is bound to the loop it first waits on (tests run many).
_slots: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = weakref.WeakKeyDictionary()
_PNG_MAGIC = b"\x89PNG"

log = logging.getLogger(__name__)


def render_progress_chart(mix: Mix, weeks: Sequence[WeekTotals], title: str) -> bytes:
    """A two-panel PNG: actual share vs target per kind (left) and minutes per local week by kind (right)."""
    with _lock:
        png = _render(mix, weeks, title)
        # A figure leaves ~8,000 objects in reference cycles (axes, artists, callbacks). Left to the automatic
        # collector they pile up for several charts and fragment the heap (measured: RSS creeps from ~100 to
        # ~127 MiB over 30 charts); collecting now keeps it flat for ~50 ms of work in this worker thread.
        gc.collect()
        return png


async def render_progress_chart_async(mix: Mix, weeks: Sequence[WeekTotals], title: str) -> bytes:
    """:func:`render_progress_chart` in a short-lived child process (in a worker thread if that fails)."""
    request = pickle.dumps((mix, weeks, title))
    slots = _slots.setdefault(asyncio.get_running_loop(), asyncio.Semaphore(MAX_CHILDREN))
    async with slots:
        png = await _render_in_child(request)
    if png is None:
        return await asyncio.to_thread(render_progress_chart, mix, weeks, title)
    return png


async def _render_in_child(request: bytes) -> bytes | None:
    """The PNG drawn by ``python -m bot.charts`` from a pickled request, or None when the child failed."""
    try:
        child = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.charts", stdin=PIPE, stdout=PIPE, stderr=PIPE
        )
    except OSError:
        log.warning("Could not start the chart process; drawing in this one", exc_info=True)
        return None
    try:
        png, err = await asyncio.wait_for(child.communicate(request), _CHILD_TIMEOUT)
    except TimeoutError:
        log.warning("The chart process took over %.0f s; drawing in this one", _CHILD_TIMEOUT)
        return None
    finally:
        if child.returncode is None:
            child.kill()
            await child.wait()
    if child.returncode != 0 or not png.startswith(_PNG_MAGIC):
        log.warning("The chart process failed (exit %s): %s; drawing in this one", child.returncode, err[-500:])
        return None
    return png


def _render(mix: Mix, weeks: Sequence[WeekTotals], title: str) -> bytes:
    # Deferred imports: see the module docstring.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    figure = Figure(figsize=(CHART_SIZE[0] / _DPI, CHART_SIZE[1] / _DPI), dpi=_DPI)
    FigureCanvasAgg(figure)
    figure.suptitle(title[:80], fontsize=13)
    mix_axes, weeks_axes = figure.subplots(1, 2, gridspec_kw={"width_ratios": [1, 1.6]})

    # Left: one row per kind, the member's share as a bar and the target as a tick mark.
    rows = list(range(len(KINDS)))[::-1]
    shares = [mix.share(kind) for kind in KINDS]
    mix_axes.barh(rows, [s.percent for s in shares], color=[_COLOURS[k] for k in KINDS], height=0.55)
    mix_axes.scatter([s.target for s in shares], rows, marker="|", s=900, linewidths=3, color="#222222", zorder=3)
    for row, share in zip(rows, shares, strict=True):
        mix_axes.text(min(share.percent, 100) + 2, row, f"{share.percent:.0f}%", va="center", fontsize=10)
    mix_axes.set_yticks(rows, [_LABELS[k] for k in KINDS])
    mix_axes.set_xlim(0, 110)
    mix_axes.set_xlabel("share of minutes (%)")
    mix_axes.set_title(f"Mix vs 70/20/10 ({mix.total:,} min)", fontsize=11)
    handles = [Patch(color="#999999", label="your share"), Line2D([], [], color="#222222", lw=3, label="target")]
    mix_axes.legend(handles=handles, loc="lower right", fontsize=8, frameon=False)
    mix_axes.spines[["top", "right"]].set_visible(False)

    # Right: stacked minutes per local week, oldest on the left.
    positions = list(range(len(weeks)))
    bottom = [0] * len(weeks)
    for kind in KINDS:
        values = [week.minutes.get(kind, 0) for week in weeks]
        weeks_axes.bar(positions, values, bottom=bottom, color=_COLOURS[kind], width=0.7, label=_LABELS[kind])
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    weeks_axes.set_xticks(positions, [week.start.strftime("%d %b") for week in weeks], rotation=45, fontsize=8)
    weeks_axes.set_ylabel("minutes")
    weeks_axes.set_title(f"Last {len(weeks)} weeks (week starting Monday)", fontsize=11)
    if not any(bottom):
        weeks_axes.set_ylim(0, 60)
        weeks_axes.text(
            0.5, 0.5, "nothing logged yet", ha="center", va="center", transform=weeks_axes.transAxes, color="#777777"
        )
    weeks_axes.legend(loc="upper left", fontsize=8, frameon=False)
    weeks_axes.spines[["top", "right"]].set_visible(False)

    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=_DPI)
    return buffer.getvalue()


def _child_main() -> None:
    """``python -m bot.charts``: read a pickled (mix, weeks, title) from the parent on stdin, write the PNG."""
    # The parent is the bot itself (same code, same user), so its pickle is trusted.
    mix, weeks, title = pickle.loads(sys.stdin.buffer.read())  # noqa: S301
    sys.stdout.buffer.write(_render(mix, weeks, title))


if __name__ == "__main__":
    _child_main()
