"""/mentoring: mentor matching (commands in ``cog.py``, buttons and modals in ``views.py``, the scheduler's
mentoring jobs in ``delivery.py``, Discord rendering in ``render.py``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cogs.mentoring.cog import MentoringCog

if TYPE_CHECKING:
    from bot.client import PMOBot


async def setup(bot: PMOBot) -> None:
    """Load the mentoring cog."""
    await bot.add_cog(MentoringCog(bot))
