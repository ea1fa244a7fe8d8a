"""/admin prompts commands (a mixin of AdminCog)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.client import PMOBot


class PromptsAdmin:
    """Moderator commands for prompts; filled in by its feature."""

    bot: PMOBot
