"""/admin prompts: the daily prompt schedule, the server's prompt bank and the suggestions queue (a mixin of
AdminCog; the moderator check is AdminCog.interaction_check)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Literal

import discord
from discord import app_commands

from bot import ranking
from bot.content import MAX_HINT, MAX_PROMPT_TEXT
from bot.errors import ValidationError
from bot.recurrence import describe_days
from bot.services import guild_config
from bot.services import prompts as service
from bot.timeutil import discord_timestamp
from bot.tree import send_ephemeral
from cogs._shared import post_audit, read_upload, timezone_autocomplete
from cogs.admin.config import AnyChannel, AnyChannelOption, bot_permissions_in
from cogs.prompts.views import KIND_BLURB, review_message

if TYPE_CHECKING:
    from bot.client import PMOBot
    from cogs._shared import AdminMixinBase
else:
    AdminMixinBase = object

log = logging.getLogger(__name__)

PAGE_SIZE = 15
_LINE_TEXT = 90
_DAYS_CHOICES = ("daily", "weekdays", "weekends", "mon,wed,fri", "tue,thu")
_STATUS_WORDS = {"sent": "posted", "skipped": "skipped", "failed": "failed", "claimed": "in progress"}


def _short(text: str, limit: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _guild_id(interaction: discord.Interaction[PMOBot]) -> int:
    if interaction.guild_id is None:  # pragma: no cover - AdminCog is guild-only
        raise ValidationError("This command only works inside a server.")
    return interaction.guild_id


def _check_prompt_channel(interaction: discord.Interaction[PMOBot], channel: AnyChannel) -> list[str]:
    """Refuse a channel that is not a text channel of this server or where the bot cannot post; return the
    missing nice-to-have permissions (threads)."""
    if channel.guild_id != interaction.guild_id:
        raise ValidationError("That channel is not in this server.")
    type_name = channel.type.name if isinstance(channel.type, discord.ChannelType) else str(channel.type)
    return guild_config.check_channel(
        "prompts",
        name=channel.name,
        channel_type=channel.type.value,
        type_name=type_name,
        granted=bot_permissions_in(interaction, channel.id),
    )


async def days_autocomplete(interaction: discord.Interaction[PMOBot], current: str) -> list[app_commands.Choice[str]]:
    """Common day patterns in :func:`bot.ranking.rank` order; whatever is typed is offered first too."""
    typed = current.strip().lower()
    options = [m.key for m in ranking.rank(typed, [(d, (d,)) for d in _DAYS_CHOICES])]
    if typed and typed not in options:
        options.insert(0, typed[:60])
    return [app_commands.Choice(name=d, value=d) for d in options[:25]]


async def prompt_id_autocomplete(
    interaction: discord.Interaction[PMOBot], current: str
) -> list[app_commands.Choice[str]]:
    """Active prompts in :func:`bot.ranking.rank` order: the id, then the prompt's text (the server's own first
    when nothing is typed). The label always shows the text, so it says why a text match was offered."""
    if interaction.guild_id is None:
        return []
    bot = interaction.client
    bank = await service.active_bank(bot.db, interaction.guild_id, bot.content.prompts)
    bank.sort(key=lambda p: p.builtin)
    texts = {p.display_id: p.text for p in bank}
    ranked = ranking.rank(current, [(p.display_id, (p.display_id, p.text)) for p in bank])
    return [app_commands.Choice(name=_short(f"{m.key} · {texts[m.key]}", 100), value=m.key) for m in ranked]


class PromptsAdmin(AdminMixinBase):
    """/admin prompts: schedule, pause, resume, post-now, status, add, remove, list, import, review."""

    bot: PMOBot

    prompts = app_commands.Group(name="prompts", description="Daily learning prompts: schedule, bank, suggestions.")

    # -- schedule ------------------------------------------------------------------------------------------------

    @prompts.command(name="schedule")
    @app_commands.describe(
        channel="The text channel to post in",
        time="Local time, 24-hour HH:MM (e.g. 09:00)",
        days="daily, weekdays, weekends or a list like mon,wed,fri",
        timezone="IANA timezone (default: the server's)",
    )
    @app_commands.autocomplete(days=days_autocomplete, timezone=timezone_autocomplete)
    async def prompts_schedule(
        self,
        interaction: discord.Interaction[PMOBot],
        channel: app_commands.Transform[AnyChannel, AnyChannelOption],
        time: app_commands.Range[str, 1, 5],
        days: app_commands.Range[str, 1, 60],
        timezone: app_commands.Range[str, 1, 64] | None = None,
    ) -> None:
        """Post a prompt at a local time on chosen days."""
        guild_id = _guild_id(interaction)
        missing = _check_prompt_channel(interaction, channel)
        schedule, first, entry = await service.set_schedule(
            self.bot.db, guild_id=guild_id, actor_id=interaction.user.id, channel_id=channel.id, at=time,
            days=days, timezone=timezone, now=self.bot.clock.now(),
        )  # fmt: skip
        self.bot.scheduler.wake()
        await post_audit(self.bot, entry)
        rule = schedule.rule
        text = (
            f"Prompts will be posted in <#{channel.id}> at {rule.at:%H:%M} ({rule.timezone}), "
            f"{describe_days(rule.days)}. First post: {discord_timestamp(first, 'F')} "
            f"({discord_timestamp(first, 'R')})."
        )
        if missing:
            text += (
                f"\n⚠️ I'm missing {', '.join(missing)} in <#{channel.id}>, so posts will go out without a discussion "
                "thread until my role gets it."
            )
        await send_ephemeral(interaction, text)

    @prompts.command(name="pause")
    async def prompts_pause(self, interaction: discord.Interaction[PMOBot]) -> None:
        """Stop posting prompts until resumed."""
        entry = await service.pause_prompts(
            self.bot.db, guild_id=_guild_id(interaction), actor_id=interaction.user.id, now=self.bot.clock.now()
        )
        await post_audit(self.bot, entry)
        await send_ephemeral(interaction, "Daily prompts are paused. `/admin prompts resume` restarts them.")

    @prompts.command(name="resume")
    async def prompts_resume(self, interaction: discord.Interaction[PMOBot]) -> None:
        """Resume posting prompts (nothing missed while paused is sent)."""
        schedule, next_at, entry = await service.resume_prompts(
            self.bot.db, guild_id=_guild_id(interaction), actor_id=interaction.user.id, now=self.bot.clock.now()
        )
        self.bot.scheduler.wake()
        await post_audit(self.bot, entry)
        await send_ephemeral(
            interaction,
            f"Daily prompts resumed in <#{schedule.channel_id}>. Next post: {discord_timestamp(next_at, 'F')} "
            f"({discord_timestamp(next_at, 'R')}).",
        )

    @prompts.command(name="post-now")
    @app_commands.describe(channel="Where to post (default: the scheduled channel)")
    async def prompts_post_now(
        self,
        interaction: discord.Interaction[PMOBot],
        channel: app_commands.Transform[AnyChannel, AnyChannelOption] | None = None,
    ) -> None:
        """Post the next prompt right away (it counts in the rotation)."""
        guild_id = _guild_id(interaction)
        if channel is not None:
            _check_prompt_channel(interaction, channel)
        channel_id, entry = await service.queue_post_now(
            self.bot.db, guild_id=guild_id, actor_id=interaction.user.id,
            channel_id=None if channel is None else channel.id, token=interaction.id, now=self.bot.clock.now(),
        )  # fmt: skip
        self.bot.scheduler.wake()
        await post_audit(self.bot, entry)
        await send_ephemeral(
            interaction, f"A prompt is on its way to <#{channel_id}>. `/admin prompts status` shows how it went."
        )

    @prompts.command(name="status")
    async def prompts_status(self, interaction: discord.Interaction[PMOBot]) -> None:
        """The schedule, the next and last posts, any failures, and the bank."""
        guild_id = _guild_id(interaction)
        status = await service.prompt_status(self.bot.db, guild_id, self.bot.content.prompts, self.bot.clock.now())
        await send_ephemeral(interaction, embed=status_embed(status))

    # -- the bank --------------------------------------------------------------------------------------------

    @prompts.command(name="add")
    @app_commands.describe(
        text="One thing to do or reflect on within a working day",
        kind="Experience (70), exposure (20) or education (10)",
        hint="A question to start the discussion thread",
    )
    async def prompts_add(
        self,
        interaction: discord.Interaction[PMOBot],
        text: app_commands.Range[str, 1, MAX_PROMPT_TEXT],
        kind: Literal["experience", "exposure", "education"],
        hint: app_commands.Range[str, 1, MAX_HINT] | None = None,
    ) -> None:
        """Add a prompt to this server's bank."""
        prompt, entry = await service.add_prompt(
            self.bot.db, guild_id=_guild_id(interaction), actor_id=interaction.user.id, text=text, kind=kind,
            hint=hint or "", seeds=self.bot.content.prompts, now=self.bot.clock.now(),
        )  # fmt: skip
        await post_audit(self.bot, entry)
        await send_ephemeral(interaction, f"Added prompt **{prompt.display_id}** ({kind}): {_short(prompt.text, 300)}")

    @prompts.command(name="remove")
    @app_commands.describe(id="The prompt's id from /admin prompts list (e.g. raid-owner-check or #12)")
    @app_commands.autocomplete(id=prompt_id_autocomplete)
    async def prompts_remove(
        self, interaction: discord.Interaction[PMOBot], id: app_commands.Range[str, 1, 100]
    ) -> None:
        """Take a prompt out of this server's rotation."""
        prompt, entry = await service.remove_prompt(
            self.bot.db, guild_id=_guild_id(interaction), actor_id=interaction.user.id, prompt_id=id,
            seeds=self.bot.content.prompts, now=self.bot.clock.now(),
        )  # fmt: skip
        await post_audit(self.bot, entry)
        where = "switched off for this server" if prompt.builtin else "removed from this server's bank"
        await send_ephemeral(interaction, f"Prompt **{prompt.display_id}** is {where}: {_short(prompt.text, 200)}")

    @prompts.command(name="list")
    @app_commands.describe(kind="Only this kind", page="Page number")
    async def prompts_list(
        self,
        interaction: discord.Interaction[PMOBot],
        kind: Literal["experience", "exposure", "education"] | None = None,
        page: app_commands.Range[int, 1, 1000] = 1,
    ) -> None:
        """This server's active prompts, with ids."""
        entries = await service.list_bank(self.bot.db, _guild_id(interaction), self.bot.content.prompts, kind=kind)
        pages = max(1, -(-len(entries) // PAGE_SIZE))
        if page > pages:
            raise ValidationError(f"There are only {pages} page(s) of prompts.")
        shown = entries[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
        lines = [
            f"`{e.prompt.display_id}` {'✓' if e.used else '·'} *{e.prompt.kind}* — {_short(e.prompt.text, _LINE_TEXT)}"
            for e in shown
        ]
        embed = discord.Embed(
            title="Prompt bank" + (f" · {kind}" if kind else ""),
            description="\n".join(lines) or "No active prompts.",
            colour=discord.Colour.blurple(),
        )
        unused = sum(1 for e in entries if not e.used)
        embed.set_footer(
            text=f"Page {page} of {pages} · {len(entries)} prompts · {unused} not yet posted this cycle (·), "
            "posted (✓) · remove with /admin prompts remove"
        )
        await send_ephemeral(interaction, embed=embed)

    @prompts.command(name="import")
    @app_commands.describe(file="A YAML or JSON list of prompts: text, kind, optional hint and tags")
    async def prompts_import(self, interaction: discord.Interaction[PMOBot], file: discord.Attachment) -> None:
        """Add prompts from a YAML or JSON file."""
        guild_id = _guild_id(interaction)
        data = await read_upload(interaction, file, max_bytes=service.MAX_IMPORT_BYTES)
        vocabulary = self.bot.content.vocabulary
        result, entry = await service.import_prompts(
            self.bot.db, guild_id=guild_id, actor_id=interaction.user.id, data=data, filename=file.filename,
            seeds=self.bot.content.prompts, known_tag=vocabulary.is_tag, now=self.bot.clock.now(),
        )  # fmt: skip
        if entry is not None:
            await post_audit(self.bot, entry)
        skipped = f" {result.duplicates} were already in the bank and were skipped." if result.duplicates else ""
        await send_ephemeral(interaction, f"Imported {result.added} prompt(s).{skipped}")

    @prompts.command(name="review")
    async def prompts_review(self, interaction: discord.Interaction[PMOBot]) -> None:
        """Approve or reject members' prompt suggestions."""
        embed, view = await review_message(self.bot, _guild_id(interaction))
        await send_ephemeral(interaction, embed=embed, view=view)


def status_embed(status: service.PromptStatus) -> discord.Embed:
    """The /admin prompts status embed."""
    embed = discord.Embed(title="Daily prompts", colour=discord.Colour.blurple())
    schedule = status.schedule
    if schedule is None:
        embed.description = "No schedule yet. Set one with `/admin prompts schedule`."
    else:
        rule = schedule.rule
        line = f"<#{schedule.channel_id}> at {rule.at:%H:%M} ({rule.timezone}), {describe_days(rule.days)}"
        if schedule.paused:
            line += f"\n⏸️ **Paused** — {_short(schedule.paused_reason or 'by a moderator', 300)}"
            line += "\nFix the cause, then `/admin prompts resume`."
        embed.description = line
    if status.next_at is not None:
        embed.add_field(
            name="Next post",
            value=f"{discord_timestamp(status.next_at, 'F')} ({discord_timestamp(status.next_at, 'R')})",
            inline=False,
        )
    recent = []
    for job in status.recent:
        word = _STATUS_WORDS.get(job.status, job.status)
        if job.status == "sent" and job.late:
            word += " late"
        line = f"{discord_timestamp(job.due_at, 'f')} — {word}"
        if job.last_error and job.status != "sent":
            line += f": {_short(job.last_error, 120)}"
        elif job.last_error and job.status == "sent" and "thread" in job.last_error:
            line += f" ({_short(job.last_error, 100)})"
        recent.append(line)
    embed.add_field(name="Last posts", value="\n".join(recent)[:1024] or "None yet.", inline=False)
    bank = status.bank
    mix = " / ".join(f"{bank.mix[k]}% {k}" for k in ("experience", "exposure", "education"))
    lines = [
        f"{bank.active} active prompts ({bank.builtin} built-in, {bank.own} the server's own)",
        f"Mix: {mix}",
        f"{bank.unused} not yet posted in this rotation cycle",
        f"{bank.pending_suggestions} suggestion(s) waiting — `/admin prompts review`",
    ]
    if bank.drifts:
        lines.append("⚠️ The bank's mix is far from 70/20/10; add prompts of the kinds that are short.")
    if bank.low:
        lines.append("⚠️ Fewer than 7 unused prompts left before repeats; add some with `/admin prompts add`.")
    embed.add_field(name="Bank", value="\n".join(lines)[:1024], inline=False)
    embed.set_footer(text=" · ".join(KIND_BLURB.values()))
    return embed
