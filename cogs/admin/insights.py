"""/admin insights commands (a mixin of AdminCog)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.client import PMOBot


class InsightsAdmin:
    """Moderator commands for insights; filled in by its feature."""

    bot: PMOBot
