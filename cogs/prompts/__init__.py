"""/prompt and the daily learning prompts (member commands in ``cog.py``, the scheduler handlers in ``posting.py``,
embeds, buttons and modals in ``views.py``; the moderators' ``/admin prompts`` lives in ``cogs/admin/prompts.py``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cogs.prompts.cog import PromptCog

if TYPE_CHECKING:
    from bot.client import PMOBot


async def setup(bot: PMOBot) -> None:
    """Load the prompt cog."""
    await bot.add_cog(PromptCog(bot))
