"""A bare discord.py bot (not the project's) that exercises every interaction response type."""

from __future__ import annotations

import asyncio
import contextlib
import io
from collections.abc import Awaitable, Callable

import discord
from discord import app_commands
from discord.ext import commands

Attempt = Callable[[discord.Interaction], Awaitable[None]]


class PanelView(discord.ui.View):
    """Buttons and a select for component interactions."""

    def __init__(self) -> None:
        super().__init__(timeout=None)

    @discord.ui.button(label="Bump", custom_id="panel:bump", style=discord.ButtonStyle.primary)
    async def bump(self, interaction: discord.Interaction, button: discord.ui.Button[PanelView]) -> None:
        await interaction.response.edit_message(content=f"bumped by {interaction.user.name}")

    @discord.ui.button(label="Later", custom_id="panel:later")
    async def later(self, interaction: discord.Interaction, button: discord.ui.Button[PanelView]) -> None:
        await interaction.response.defer()
        await interaction.edit_original_response(content="edited after a deferred update")

    @discord.ui.button(label="Off", custom_id="panel:off", disabled=True)
    async def off(self, interaction: discord.Interaction, button: discord.ui.Button[PanelView]) -> None:
        raise AssertionError("a disabled button cannot be clicked")

    @discord.ui.select(
        custom_id="panel:pick",
        options=[discord.SelectOption(label=x, value=x.lower()) for x in ("Red", "Green", "Blue")],
        max_values=2,
    )
    async def pick(self, interaction: discord.Interaction, select: discord.ui.Select[PanelView]) -> None:
        await interaction.response.edit_message(content=f"picked {','.join(select.values)}")


class PersistentView(discord.ui.View):
    """Registered in setup_hook without a message, like views that must survive a restart."""

    def __init__(self) -> None:
        super().__init__(timeout=None)

    @discord.ui.button(label="Keep", custom_id="persist:keep")
    async def keep(self, interaction: discord.Interaction, button: discord.ui.Button[PersistentView]) -> None:
        await interaction.response.send_message("still here", ephemeral=True)


class FeedbackModal(discord.ui.Modal, title="Feedback"):
    """A modal with a required and an optional field."""

    text: discord.ui.TextInput[FeedbackModal] = discord.ui.TextInput(
        label="Your feedback", custom_id="feedback:text", max_length=200, style=discord.TextStyle.paragraph
    )
    mood: discord.ui.TextInput[FeedbackModal] = discord.ui.TextInput(
        label="Mood", custom_id="feedback:mood", required=False, default="fine"
    )

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"thanks: {self.text.value} ({self.mood.value})", ephemeral=True)


ROLES = ["PMO Analyst", "PMO Administrator", "Project Coordinator", "Project Support Officer", "Reporting Analyst"]


class BareBot(commands.Bot):
    """The test bot. ``attempt`` is what ``/try`` runs; HTTP errors it raises land in ``caught``."""

    def __init__(self, guild_id: int, **options: object) -> None:
        intents = discord.Intents.none()
        intents.guilds = True
        options.setdefault("guild_ready_timeout", 0.01)
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents,
            help_command=None,
            chunk_guilds_at_startup=False,
            **options,  # type: ignore[arg-type]
        )
        self.guild_id = guild_id
        self.caught: list[discord.HTTPException] = []
        self.attempt: Attempt | None = None
        self.events: list[str] = []

    async def setup_hook(self) -> None:
        add_commands(self)
        self.add_view(PersistentView())
        await self.tree.sync()
        await self.tree.sync(guild=discord.Object(self.guild_id))

    async def on_resumed(self) -> None:
        self.events.append("resumed")

    async def on_guild_remove(self, guild: discord.Guild) -> None:
        self.events.append(f"guild_remove:{guild.id}")

    async def on_guild_channel_delete(self, channel: discord.abc.GuildChannel) -> None:
        self.events.append(f"channel_delete:{channel.id}")

    async def on_thread_create(self, thread: discord.Thread) -> None:
        self.events.append(f"thread_create:{thread.id}")


def add_commands(bot: BareBot) -> None:
    """Register the test commands on the bot's tree."""
    tree = bot.tree

    @tree.command(description="Answer with a public message")
    async def ping(interaction: discord.Interaction) -> None:
        await interaction.response.send_message(
            "pong @everyone", allowed_mentions=discord.AllowedMentions.none(), embed=discord.Embed(title="Pong")
        )

    @tree.command(description="Answer only to the caller")
    async def whisper(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("just for you", ephemeral=True)

    @tree.command(description="Defer, then follow up")
    async def slow(interaction: discord.Interaction) -> None:
        await interaction.response.defer(thinking=True)
        await asyncio.sleep(0.01)
        await interaction.followup.send("done", embed=discord.Embed(title="Result", description="all good"))
        await interaction.followup.send("and one more")

    @tree.command(description="Defer ephemerally, then edit the original")
    async def quiet(interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        await interaction.edit_original_response(content="edited quietly")

    @tree.command(description="Show buttons and a select")
    async def panel(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("panel", view=PanelView())

    @tree.command(description="Post a persistent view")
    async def keep(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("keep", view=PersistentView())

    @tree.command(description="Open a modal")
    async def feedback(interaction: discord.Interaction) -> None:
        await interaction.response.send_modal(FeedbackModal())

    @tree.command(description="Attach a file")
    async def export(interaction: discord.Interaction) -> None:
        await interaction.response.send_message(
            "your data", file=discord.File(io.BytesIO(b"kind,minutes\nexperience,30\n"), "export.csv"), ephemeral=True
        )

    @tree.command(description="Send the caller a DM")
    async def dmme(interaction: discord.Interaction) -> None:
        try:
            await interaction.user.send("hello in your DMs")
        except discord.Forbidden as exc:
            bot.caught.append(exc)
            await interaction.response.send_message(f"DMs closed ({exc.code})", ephemeral=True)
        else:
            await interaction.response.send_message("check your DMs", ephemeral=True)

    @tree.command(description="Echo typed options")
    @app_commands.describe(text="Some text")
    async def echo(
        interaction: discord.Interaction,
        text: app_commands.Range[str, 1, 20],
        count: app_commands.Range[int, 1, 5],
        member: discord.Member,
        channel: discord.TextChannel,
        role: discord.Role,
        flag: bool = False,
        upload: discord.Attachment | None = None,
    ) -> None:
        body = f"{text}|{count}|{member.name}|{channel.name}|{role.name}|{flag}"
        if upload is not None:
            body += f"|{upload.filename}:{(await upload.read()).decode()}"
        await interaction.response.send_message(body)

    @tree.command(description="Pick a size")
    @app_commands.choices(
        size=[app_commands.Choice(name="Small", value="s"), app_commands.Choice(name="Large", value="l")]
    )
    async def size(interaction: discord.Interaction, size: app_commands.Choice[str]) -> None:
        await interaction.response.send_message(f"size {size.value}")

    role = app_commands.Group(name="role", description="PMO roles")

    @role.command(name="info", description="A role card")
    async def role_info(interaction: discord.Interaction, role: str) -> None:
        await interaction.response.send_message(f"role card: {role}", ephemeral=True)

    @role_info.autocomplete("role")
    async def role_complete(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=r, value=r) for r in ROLES if current.lower() in r.lower()]

    tree.add_command(role)

    admin = app_commands.Group(
        name="admin", description="Moderator tools", default_permissions=discord.Permissions(manage_guild=True)
    )
    faq = app_commands.Group(name="faq", description="FAQ entries", parent=admin)

    @faq.command(name="add", description="Add an FAQ entry")
    async def faq_add(interaction: discord.Interaction, topic: str) -> None:
        await interaction.response.send_message(f"added {topic}", ephemeral=True)

    tree.add_command(admin)

    @tree.command(name="local", description="A guild-only command", guild=discord.Object(bot.guild_id))
    async def local(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("local")

    @tree.command(name="try", description="Run the test's attempt")
    async def try_(interaction: discord.Interaction) -> None:
        assert bot.attempt is not None
        try:
            await bot.attempt(interaction)
        except discord.HTTPException as exc:
            bot.caught.append(exc)
            if not interaction.response.is_done():
                with contextlib.suppress(discord.HTTPException):
                    await interaction.response.send_message(f"caught {exc.code}", ephemeral=True)

    @tree.command(name="suggest", description="Autocomplete that the test controls")
    async def suggest(interaction: discord.Interaction, word: str) -> None:
        await interaction.response.send_message(word)

    @suggest.autocomplete("word")
    async def suggest_complete(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        choices = [app_commands.Choice(name=n, value=n[:100]) for n in bot_choices(bot)]
        try:
            await interaction.response.autocomplete(choices)
        except discord.HTTPException as exc:
            bot.caught.append(exc)
        return [app_commands.Choice(name="fallback", value="fallback")]


def bot_choices(bot: BareBot) -> list[str]:
    """The choices ``/suggest`` offers (set by a test as ``bot.choice_names``)."""
    return list(getattr(bot, "choice_names", ["one", "two"]))
