"""/admin mentors commands (a mixin of AdminCog)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.client import PMOBot


class MentorsAdmin:
    """Moderator commands for mentors; filled in by its feature."""

    bot: PMOBot
