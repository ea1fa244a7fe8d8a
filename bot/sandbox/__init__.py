"""``pmo-bot sandbox``: try the real bot without Discord, against the local stand-in and a demo server.

``main(argv)`` is the entry point ``bot/__main__.py`` dispatches to; see :mod:`bot.sandbox.app`.
"""

from __future__ import annotations

from bot.sandbox.app import GO_LIVE, main

__all__ = ["GO_LIVE", "main"]
