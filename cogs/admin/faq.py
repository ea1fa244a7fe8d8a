"""/admin faq commands (a mixin of AdminCog)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.client import PMOBot


class FaqAdmin:
    """Moderator commands for faq; filled in by its feature."""

    bot: PMOBot
