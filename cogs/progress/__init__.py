"""/progress: the 70-20-10 learning log (commands in ``cog.py``, buttons and modals in ``views.py``, the weekly
check-in DM in ``reminders.py``, Discord rendering in ``render.py``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cogs.progress.cog import ProgressCog

if TYPE_CHECKING:
    from bot.client import PMOBot


async def setup(bot: PMOBot) -> None:
    """Load the progress cog."""
    await bot.add_cog(ProgressCog(bot))
