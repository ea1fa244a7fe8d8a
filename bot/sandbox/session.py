"""A sandbox session: the Discord stand-in with a demo server, the real PMOBot against it, and each command.

The bot is started exactly as in production (``PMOBot(settings)`` with ``api_base`` pointing at the stand-in),
only with a :class:`ManualClock` that moves on ``:advance``. The demo server is set up through the bot's own
commands: a server admin makes *Moderators* the moderator role, the moderator sets channels, timezone and the
prompt schedule with ``/admin``, and a few members offer mentoring with ``/mentoring offer``.

A command *fails* when it is not a command, when Discord's client would not send it, when the bot answered
with an error (a slash command that did not complete, "Something went wrong", an error in the logs), when the
stand-in rejected one of the bot's requests, or when the bot did not answer in time.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import shutil
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import discord
from rich.console import Console

from bot.clock import ManualClock
from bot.config import Settings
from bot.sandbox.parse import (
    META_COMMANDS,
    MetaCommand,
    ParseError,
    SlashCommand,
    parse_duration,
    parse_line,
    split_fill,
)
from bot.sandbox.render import Numbering, Renderer, Target
from bot.standin import (
    PRIVATE_THREAD,
    Channel,
    DemoGuild,
    InteractionFailedError,
    InvalidInvocationError,
    Reply,
    StandIn,
    StoredMessage,
    Upload,
    User,
)
from bot.standin.commands import FoundCommand
from bot.standin.models import SELECT_TYPES

if TYPE_CHECKING:
    from bot.client import PMOBot

__all__ = [
    "DEMO_TIMEZONE",
    "CommandError",
    "FormFiller",
    "Outcome",
    "Sandbox",
    "SandboxError",
    "default_start",
    "select_values",
]

log = logging.getLogger(__name__)

DEMO_TIMEZONE = "Europe/London"
DEFAULT_USER = "alice"
DEFAULT_CHANNEL = "general"
# Where the bot's clock starts: early enough in the morning that the 09:00 (London) prompt is still to come.
START_TIME = time(7, 0, tzinfo=UTC)
READY_TIMEOUT = 20.0
# A slash command's completion event can trail its last request by a moment.
COMPLETION_GRACE = 1.0
WATCHED_LOGGERS = ("discord", "bot", "cogs")

# Who does what to set the demo server up, through the bot's own commands (skipped if a command is missing).
SETUP_STEPS: tuple[tuple[str, str], ...] = (
    ("admin", "/admin config set-mod-role role:Moderators"),
    ("mod", f"/admin config set-timezone timezone:{DEMO_TIMEZONE}"),
    ("mod", "/admin config set-channel purpose:prompts channel:prompts"),
    ("mod", "/admin config set-channel purpose:mentoring channel:mentoring"),
    ("mod", "/admin config set-channel purpose:checkins channel:check-ins"),
    ("mod", "/admin config set-channel purpose:mod-log channel:mod-log"),
    ("mod", "/admin prompts schedule channel:prompts time:09:00 days:daily"),
    (
        "bob",
        "/mentoring offer areas:raid-management, risk-management, status-reporting capacity:2 timezone:Europe/London",
    ),
    ("carol", "/mentoring offer areas:data-analysis, dashboards, spreadsheets capacity:3 timezone:America/New_York"),
    ("dave", "/mentoring offer areas:planning-scheduling, ppm-tools, change-control capacity:1 timezone:Europe/Berlin"),
)

FormFiller = Callable[[Reply], Awaitable[dict[str, Any] | None]]

_STRING, _INTEGER, _BOOLEAN, _USER, _CHANNEL, _ROLE, _MENTIONABLE, _NUMBER, _ATTACHMENT = 3, 4, 5, 6, 7, 8, 9, 10, 11
_TRUE = {"true", "yes", "y", "on", "1"}
_FALSE = {"false", "no", "n", "off", "0"}


class SandboxError(Exception):
    """The sandbox could not start (the bot did not connect to the stand-in)."""


class CommandError(Exception):
    """A command the sandbox refuses before anything reaches the bot; the message says why."""


@dataclass(frozen=True)
class Outcome:
    """How one line went."""

    ok: bool
    quit: bool = False


@dataclass
class _Watch:
    """What happened while one command ran: log records, the stand-in's answers, new messages."""

    records: list[logging.LogRecord] = field(default_factory=list)
    request_mark: int = 0
    message_mark: int = 0


class _LogTap(logging.Handler):
    """Keeps WARNING-and-worse records of the bot, its cogs and discord.py while a command runs."""

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.active: _Watch | None = None

    def emit(self, record: logging.LogRecord) -> None:
        """Keep the record for the running command."""
        if self.active is not None and not record.name.startswith("bot.standin"):
            self.active.records.append(record)


def default_start(now: datetime | None = None) -> datetime:
    """Today at 07:00 UTC: before the demo's 09:00 London prompt whatever the season."""
    today = (now or datetime.now(UTC)).astimezone(UTC).date()
    return datetime.combine(today, START_TIME)


class Sandbox:
    """The stand-in, the demo server, the running bot and who is typing; ``run_line`` does one command."""

    def __init__(
        self,
        console: Console,
        *,
        out_dir: Path,
        db_path: Path | None = None,
        start: datetime | None = None,
        fill_form: FormFiller | None = None,
    ) -> None:
        self.console = console
        self.out_dir = out_dir
        self.db_path = db_path
        self.clock = ManualClock(start or default_start())
        self.fill_form = fill_form
        self.standin = StandIn(clock=self.clock.now)
        self._bot: PMOBot | None = None
        self._demo: DemoGuild | None = None
        self._connect: asyncio.Task[None] | None = None
        self._tmp: Path | None = None
        self._tap = _LogTap()
        self._completed: set[int] = set()
        self._completion = asyncio.Event()
        self._shown_mark = 0
        self._saved_endpoints: tuple[str, Any] | None = None
        self.renderer = Renderer(console, self.standin.world, out_dir, self.clock.now)
        self.numbering = Numbering()
        self.pending: Reply | None = None
        self.user_name = DEFAULT_USER
        self.channel_name = DEFAULT_CHANNEL
        self.setup_problems: list[str] = []

    # -- lifecycle ----------------------------------------------------------------------------------------------

    @property
    def bot(self) -> PMOBot:
        """The running bot."""
        if self._bot is None:
            raise SandboxError("the sandbox is not started")
        return self._bot

    @property
    def demo(self) -> DemoGuild:
        """The demo server."""
        if self._demo is None:
            raise SandboxError("the sandbox is not started")
        return self._demo

    @property
    def user(self) -> User:
        """Who is typing."""
        return self.demo.users[self.user_name]

    @property
    def channel(self) -> Channel:
        """Where slash commands are typed."""
        return self.demo.channels[self.channel_name]

    async def __aenter__(self) -> Sandbox:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def start(self) -> None:
        """Start the stand-in with the demo server, connect the bot, and set the server up through its commands."""
        try:
            await self._start()
        except SandboxError:
            raise
        except Exception as exc:
            log.exception("The sandbox could not start")
            raise SandboxError(f"could not start: {type(exc).__name__}: {exc}") from exc

    async def _start(self) -> None:
        from bot.client import PMOBot

        for name in WATCHED_LOGGERS:
            logging.getLogger(name).addHandler(self._tap)
        self._saved_endpoints = (discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY)
        await self.standin.start()
        self._demo = self.standin.demo_guild()
        # The server's Integrations setting a real admin would flip so Moderators see /admin in the client.
        self.standin.permit_command(self.demo.guild, "admin", self.demo.moderators)
        if self.db_path is None:
            self._tmp = Path(tempfile.mkdtemp(prefix="pmo-sandbox-"))
        database = self.db_path or (self._tmp or Path(".")) / "sandbox.sqlite3"
        settings = Settings(token=self.standin.token, database_path=database, api_base=self.standin.api_base)
        self._bot = PMOBot(settings, clock=self.clock, guild_ready_timeout=0.05)
        self._bot.add_listener(self._on_completion, "on_app_command_completion")
        await self._connect_bot(self._bot)
        if not self._synced():
            # A kept database (--db) remembers its last sync, so the bot rightly skips it; real Discord would still
            # have those commands, but this stand-in is new, so give it them the way the bot syncs.
            await self._bot.tree.sync()
        await self._set_up_demo()

    async def _connect_bot(self, bot: PMOBot) -> None:
        await bot.login(self.standin.token)
        self._connect = asyncio.create_task(bot.connect(reconnect=False), name="sandbox-bot-connect")
        ready = asyncio.create_task(bot.wait_until_ready())
        done, _ = await asyncio.wait({self._connect, ready}, timeout=READY_TIMEOUT, return_when=asyncio.FIRST_COMPLETED)
        if ready in done:
            return
        ready.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await ready
        if self._connect in done and self._connect.exception() is not None:
            raise SandboxError(f"the bot lost its gateway connection: {self._connect.exception()}")
        raise SandboxError(f"the bot did not become ready within {READY_TIMEOUT:.0f} s")

    async def close(self) -> None:
        """Stop the bot and the stand-in, put discord.py's endpoints back and remove the temporary database."""
        if self._bot is not None:
            await self._bot.close()
        if self._connect is not None:
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await asyncio.wait_for(self._connect, 5)
        await self.standin.stop()
        if self._saved_endpoints is not None:
            discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = self._saved_endpoints
        for name in WATCHED_LOGGERS:
            logging.getLogger(name).removeHandler(self._tap)
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)

    async def _on_completion(self, interaction: discord.Interaction[Any], command: object) -> None:
        """discord.py's event for a slash command that ran without an error (an error skips it)."""
        self._completed.add(interaction.id)
        self._completion.set()

    async def _set_up_demo(self) -> None:
        """Configure the server and create mentors by driving the bot's own commands, without printing."""
        quiet = Console(file=io.StringIO(), width=100)
        loud, self.renderer.console = self.renderer.console, quiet
        try:
            for who, line in SETUP_STEPS:
                parsed = parse_line(line)
                if isinstance(parsed, SlashCommand) and not self._has_command(parsed.path[0]):
                    self.setup_problems.append(f"/{parsed.path_text} is not available in this bot yet; skipped")
                    continue
                self.user_name = who
                outcome = await self.run_line(line)
                if not outcome.ok:
                    self.setup_problems.append(f"{line} (as {who}) failed")
            await self.bot.scheduler.wait_idle()
            await self.standin.settle()
            self._shown_mark = max(self.standin.world.messages, default=0)
        finally:
            self.renderer.console = loud
            self.user_name = DEFAULT_USER
            self.numbering = Numbering()
            self.pending = None

    # -- the command tree (also used by the completer) ----------------------------------------------------------

    def _has_command(self, name: str) -> bool:
        return any(c["name"] == name for c in self._synced())

    def _synced(self) -> list[dict[str, Any]]:
        return [*self.standin.commands.listing(self.demo.guild.id), *self.standin.commands.listing(None)]

    def available_commands(self) -> list[dict[str, Any]]:
        """The synced slash commands the current member may use here, as Discord's client would list them."""
        guild = self.demo.guild
        world = self.standin.world
        perms = world.permissions(guild, self.user.id, self.channel)
        roles = guild.members[self.user.id].role_ids
        out = []
        for command in self._synced():
            if command.get("type", 1) != 1:
                continue
            scope = int(command["guild_id"]) if command.get("guild_id") else None
            found = FoundCommand(command, command, (str(command["name"]),), scope)
            try:
                self.standin.commands.check_available(
                    found, guild=guild, user=self.user, member_permissions=perms, role_ids=roles
                )
            except InvalidInvocationError:
                continue
            out.append(command)
        return sorted(out, key=lambda c: str(c["name"]))

    def _check_available(self, path: str) -> dict[str, Any]:
        """The leaf definition of a command path, if this member may use it here."""
        world = self.standin.world
        guild = self.demo.guild
        found = self.standin.commands.find(path, guild)
        perms = world.permissions(guild, self.user.id, self.channel)
        roles = guild.members[self.user.id].role_ids
        self.standin.commands.check_available(
            found, guild=guild, user=self.user, member_permissions=perms, role_ids=roles
        )
        return found.leaf

    def leaf_options(self, path: tuple[str, ...]) -> list[dict[str, Any]] | None:
        """The options of a command path, or None when the path is not a usable command."""
        try:
            leaf = self._check_available(" ".join(path))
        except InvalidInvocationError:
            return None
        return list(leaf.get("options") or [])

    async def autocomplete(self, path: tuple[str, ...], option: str, typed: str, filled: dict[str, str]) -> list[dict]:
        """The bot's own suggestions for ``option`` while the member types ``typed`` (empty on any problem)."""
        options = self.leaf_options(path)
        if options is None:
            return []
        values: dict[str, Any] = {}
        for definition in options:
            name = definition["name"]
            if name in filled and name != option:
                with contextlib.suppress(CommandError):
                    values[name] = self._coerce(definition, filled[name])
        try:
            return await self.standin.autocomplete(
                " ".join(path), option, typed, user=self.user, guild=self.demo.guild, channel=self.channel,
                options=values,
            )  # fmt: skip
        except Exception:  # a suggestion that fails must never break typing
            log.info("Autocomplete for /%s %s failed", " ".join(path), option, exc_info=True)
            return []

    # -- one line -----------------------------------------------------------------------------------------------

    async def run_line(self, line: str) -> Outcome:
        """Parse and run one line, drawing what happened; ``ok`` is False when it failed."""
        try:
            parsed = parse_line(line)
            if isinstance(parsed, SlashCommand):
                options = self.leaf_options(parsed.path)
                if options is not None:
                    parsed = parse_line(line, {o["name"] for o in options})
        except ParseError as exc:
            self.renderer.error(str(exc))
            return Outcome(ok=False)
        if parsed is None:
            return Outcome(ok=True)
        open_form = self.pending
        abandoned = open_form is not None and not (
            isinstance(parsed, MetaCommand) and parsed.name in {"fill", "cancel"}
        )
        if open_form is not None and abandoned:
            title = (open_form.modal or {}).get("title") or "form"
            self.renderer.error(f'The form "{title}" was left open; fill it with :fill or close it with :cancel.')
            self.pending = None
        try:
            if isinstance(parsed, SlashCommand):
                outcome = Outcome(ok=await self._slash(parsed))
            else:
                outcome = await self._meta(parsed)
        except (CommandError, ParseError) as exc:
            self.renderer.error(str(exc))
            outcome = Outcome(ok=False)
        except InvalidInvocationError as exc:
            self.renderer.error(f"Discord would not send that: {exc}")
            outcome = Outcome(ok=False)
        return Outcome(ok=outcome.ok and not abandoned, quit=outcome.quit)

    # -- slash commands -----------------------------------------------------------------------------------------

    async def _slash(self, command: SlashCommand) -> bool:
        path = command.path_text
        found = self.standin.commands.find(path, self.demo.guild)
        definitions = {o["name"]: o for o in found.leaf.get("options") or []}
        unknown = sorted(set(command.options) - set(definitions))
        if unknown:
            known = ", ".join(f"{name}:" for name in definitions) or "no options"
            raise CommandError(f"/{path} has no option {unknown[0]!r}; it takes {known}.")
        values = {name: self._coerce(definitions[name], raw) for name, raw in command.options.items()}
        watch = self._begin()
        try:
            reply = await self.standin.invoke(
                path, user=self.user, guild=self.demo.guild, channel=self.channel, options=values
            )
        except InteractionFailedError as exc:
            return self._end(watch, exc.reply, failure=str(exc))
        if not reply.failed and reply.modal is None and reply.interaction_id not in self._completed:
            await self._await_completion(reply.interaction_id)
        failure = None
        if reply.modal is None and reply.interaction_id not in self._completed:
            failure = "the bot answered /" + path + " with an error"
        return await self._answered(watch, reply, failure)

    async def _await_completion(self, interaction_id: int) -> None:
        loop = asyncio.get_running_loop()
        end = loop.time() + COMPLETION_GRACE
        while interaction_id not in self._completed and (remaining := end - loop.time()) > 0:
            self._completion.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._completion.wait(), remaining)

    def _coerce(self, definition: dict[str, Any], raw: str) -> Any:
        """A typed option value from what was typed, by the option's type (names for members, channels, roles)."""
        name, kind = definition["name"], definition.get("type", _STRING)
        text = raw.strip() if kind != _STRING else raw
        choices = definition.get("choices")
        if choices:
            for choice in choices:
                if str(choice["value"]).lower() == text.lower() or str(choice["name"]).lower() == text.lower():
                    return choice["value"]
            allowed = ", ".join(str(c["value"]) for c in choices)
            raise CommandError(f"{name}: choose one of {allowed}.")
        if kind == _INTEGER:
            try:
                return int(text)
            except ValueError:
                raise CommandError(f"{name} takes a whole number, not {raw!r}.") from None
        if kind == _NUMBER:
            try:
                return float(text)
            except ValueError:
                raise CommandError(f"{name} takes a number, not {raw!r}.") from None
        if kind == _BOOLEAN:
            if text.lower() in _TRUE:
                return True
            if text.lower() in _FALSE:
                return False
            raise CommandError(f"{name} takes true or false, not {raw!r}.")
        if kind == _USER:
            return self.member(text)
        if kind == _CHANNEL:
            return text.lstrip("#")
        if kind == _ROLE:
            return text.lstrip("@")
        if kind == _MENTIONABLE:
            try:
                return self.member(text)
            except CommandError:
                return text.lstrip("@")
        if kind == _ATTACHMENT:
            path = Path(text).expanduser()
            if not path.is_file():
                raise CommandError(f"{name} takes a file path; {text!r} is not a file.")
            return Upload(path.name, path.read_bytes())
        return raw

    def member(self, text: str) -> User:
        """A demo member by name (``alice``, ``@alice``, ``Alice``)."""
        wanted = text.strip().lstrip("@").lower()
        for name, user in self.demo.users.items():
            if wanted in {name, user.username.lower(), user.display_name.lower()}:
                return user
        names = ", ".join(self.demo.users)
        raise CommandError(f"There is no member {text!r} in the demo server; try one of {names}.")

    # -- watching a command -------------------------------------------------------------------------------------

    def _begin(self) -> _Watch:
        watch = _Watch(
            request_mark=len(self.standin.recorder.records),
            # From the last message already accounted for, so anything sent between commands shows up too.
            message_mark=self._shown_mark,
        )
        self._tap.active = watch
        return watch

    async def _answered(self, watch: _Watch, reply: Reply, failure: str | None) -> bool:
        """Draw the bot's answer (a message, or a form to fill in), then everything else that happened."""
        if reply.modal is not None and failure is None:
            self._tap.active = None
            return await self._form(watch, reply)
        return self._end(watch, reply, failure=failure)

    def _end(self, watch: _Watch, reply: Reply | None, *, failure: str | None = None) -> bool:
        """Draw the reply and whatever else the bot sent meanwhile; report every sign of failure."""
        self._tap.active = None
        shown: list[StoredMessage] = []
        numbering = Numbering()
        if reply is not None and reply.messages:
            shown = reply.messages
            self.renderer.messages(shown, numbering=numbering)
        problems = [failure] if failure else []
        if reply is not None:
            problems.extend(self._rejections(reply.errors))
            if any("Something went wrong" in m.content for m in reply.messages):
                problems.append("the bot reported an unexpected error")
        other = self._elsewhere(watch, {m.id for m in shown}, numbering)
        problems.extend(self._rejections(self.standin.recorder.records[watch.request_mark :], skip=reply))
        problems.extend(self._log_problems(watch))
        if numbering:
            self.numbering = numbering
        if not shown and not other and not problems and reply is not None and reply.type == 6:
            self.renderer.note("(the bot acknowledged silently)")
        for problem in problems:
            self.renderer.error(problem)
        return not problems

    def _elsewhere(self, watch: _Watch, skip: set[int], numbering: Numbering) -> list[StoredMessage]:
        """New messages the member's action caused in channels, threads and DMs."""
        world = self.standin.world
        new = [
            m
            for message_id, m in sorted(world.messages.items())
            if message_id > watch.message_mark and message_id not in skip and not m.ephemeral and not m.deleted
        ]
        self._shown_mark = max(world.messages, default=0)
        self.renderer.messages(new, numbering=numbering)
        return new

    def _rejections(self, records: list[Any], *, skip: Reply | None = None) -> list[str]:
        already = {id(r) for r in (skip.errors if skip is not None else [])}
        out = []
        for record in records:
            if record.ok or id(record) in already:
                continue
            out.append(
                f"the stand-in rejected {record.method} {record.route}: {record.status} (code {record.error_code})"
            )
        return out

    def _log_problems(self, watch: _Watch) -> list[str]:
        out = []
        for record in watch.records:
            if record.levelno >= logging.ERROR:
                text = record.getMessage().splitlines()[0]
                if record.exc_info and record.exc_info[1] is not None:
                    text += f" ({type(record.exc_info[1]).__name__}: {record.exc_info[1]})"
                out.append(f"error logged by {record.name}: {text}")
            else:
                self.renderer.note(f"⚠ {record.name}: {record.getMessage().splitlines()[0]}", style="yellow")
        return out

    # -- forms --------------------------------------------------------------------------------------------------

    async def _form(self, watch: _Watch, reply: Reply) -> bool:
        """The bot opened a form: ask field by field (interactive) or wait for ``:fill`` (script)."""
        modal = reply.modal or {}
        fields = reply.modal_fields()
        if self.fill_form is None:
            how = ":fill LABEL=VALUE … to submit (fields left out keep their value), :cancel to close it"
            self.renderer.modal(modal, fields, how=how)
            self.pending = reply
            return True
        self.renderer.modal(modal, fields, how="Type each field; Enter keeps the value shown; Ctrl-C closes the form.")
        values = await self.fill_form(reply)
        if values is None:
            self.renderer.note("Form closed without submitting.")
            return True
        return await self._submit(reply, values)

    async def _submit(self, reply: Reply, values: dict[str, Any]) -> bool:
        watch = self._begin()
        try:
            answer = await self.standin.submit_modal(reply, values, user=self.user)
        except InteractionFailedError as exc:
            return self._end(watch, exc.reply, failure=str(exc))
        except InvalidInvocationError:
            self._tap.active = None
            raise
        return await self._answered(watch, answer, None)

    def _field_values(self, reply: Reply, given: dict[str, str]) -> dict[str, Any]:
        """``:fill`` keys matched to the form's fields by custom id, label, or the start of a label."""
        fields = reply.modal_fields()
        out: dict[str, Any] = {}
        for key, value in given.items():
            wanted = key.strip().lower()
            exact = [
                f for f in fields if wanted in {str(f.get("custom_id", "")).lower(), str(f.get("label", "")).lower()}
            ]
            prefix = [f for f in fields if str(f.get("label", "")).lower().startswith(wanted)]
            matches = exact or prefix
            if len(matches) != 1:
                labels = ", ".join(repr(f.get("label")) for f in fields)
                reason = "matches several fields" if matches else "is not a field"
                raise CommandError(f"{key!r} {reason} of this form; its fields are {labels}.")
            chosen = matches[0]
            out[str(chosen["custom_id"])] = (
                select_values(chosen, value) if chosen.get("type") in SELECT_TYPES else value
            )
        return out

    # -- sandbox commands ---------------------------------------------------------------------------------------

    async def _meta(self, command: MetaCommand) -> Outcome:
        handler = getattr(self, f"_meta_{command.name}")
        result: Outcome = await handler(command.args)
        return result

    async def _meta_quit(self, args: tuple[str, ...]) -> Outcome:
        return Outcome(ok=True, quit=True)

    async def _meta_help(self, args: tuple[str, ...]) -> Outcome:
        self.show_help()
        return Outcome(ok=True)

    async def _meta_as(self, args: tuple[str, ...]) -> Outcome:
        if len(args) != 1:
            raise CommandError("Say who to be, e.g. :as bob (members: " + ", ".join(self.demo.users) + ").")
        user = self.member(args[0])
        self.user_name = next(name for name, u in self.demo.users.items() if u is user)
        self.renderer.note(f"You are now {user.display_name} (@{user.username}).", style="bold")
        return Outcome(ok=True)

    async def _meta_time(self, args: tuple[str, ...]) -> Outcome:
        now = self.clock.now()
        local = now.astimezone(ZoneInfo(DEMO_TIMEZONE))
        self.renderer.note(f"Bot clock: {now:%a %d %b %Y %H:%M} UTC ({local:%H:%M} in {DEMO_TIMEZONE})", style="")
        return Outcome(ok=True)

    async def _meta_advance(self, args: tuple[str, ...]) -> Outcome:
        if not args:
            raise CommandError("Say how far, e.g. :advance 1d (or 30m, 2h, 1w).")
        delta = parse_duration("".join(args))
        before = self.clock.now()
        watch = self._begin()
        try:
            await self.bot.scheduler.advance(self.clock, delta)
        except TimeoutError:
            self._end(watch, None, failure="the scheduler did not finish its work in time")
            return Outcome(ok=False)
        await self.standin.settle()
        after = self.clock.now()
        self.renderer.note(f"⏩ {before:%a %d %b %H:%M} → {after:%a %d %b %Y %H:%M} UTC", style="bold")
        ok = self._end(watch, None)
        if max(self.standin.world.messages, default=0) <= watch.message_mark:
            self.renderer.note("Nothing was posted meanwhile.")
        return Outcome(ok=ok)

    async def _meta_channel(self, args: tuple[str, ...]) -> Outcome:
        words, count = _count_arg(args, 10)
        if not words:
            names = ", ".join(self.demo.channels)
            raise CommandError(f"Name a channel: {names} (or a thread's name).")
        channel = self._find_channel(" ".join(words))
        messages = self.standin.world.messages_in(channel.id)
        where = f'thread "{channel.name}"' if channel.is_thread else f"#{channel.name}"
        self._show_list(messages, count, f"{where}: no messages yet.", f"{where}")
        if not channel.is_thread:
            # Threads that start from no message (private mentorship threads) are not under any message shown.
            started = {m.thread_id for m in messages}
            for thread in self.standin.threads_in(channel):
                if thread.id in started:
                    continue
                kind = "private thread" if thread.type == PRIVATE_THREAD else "thread"
                size = len(self.standin.world.messages_in(thread.id))
                self.renderer.note(f'🧵 {kind} "{thread.name}" · {size} message{"s" if size != 1 else ""}')
            if self.standin.threads_in(channel):
                self.renderer.note("Read a thread with :channel and a few words of its name.")
        return Outcome(ok=True)

    async def _meta_dms(self, args: tuple[str, ...]) -> Outcome:
        words, count = _count_arg(args, 10)
        user = self.member(words[0]) if words else self.user
        self._show_list(self.standin.dms_to(user), count, f"No DMs to {user.username} yet.", f"DMs to {user.username}")
        return Outcome(ok=True)

    def _show_list(self, messages: list[StoredMessage], count: int, empty: str, title: str) -> None:
        if not messages:
            self.renderer.note(empty)
            return
        shown = messages[-count:]
        more = len(messages) - len(shown)
        self.renderer.note(f"── {title} ({len(messages)} message{'s' if len(messages) != 1 else ''}"
                           + (f", last {len(shown)}" if more else "") + ") ──", style="bold")  # fmt: skip
        numbering = self.renderer.messages(shown, numbering=Numbering())
        if numbering:
            self.numbering = numbering

    def _find_channel(self, name: str) -> Channel:
        wanted = name.strip().lstrip("#").lower()
        world = self.standin.world
        candidates = [
            c
            for c in world.channels.values()
            if c.guild_id == self.demo.guild.id and not c.deleted and c.name and c.name.lower() == wanted
        ]
        if not candidates:
            candidates = [
                c
                for c in world.channels.values()
                if c.guild_id == self.demo.guild.id and c.is_thread and c.name and wanted in c.name.lower()
            ]
        if not candidates:
            names = ", ".join(self.demo.channels)
            raise CommandError(f"There is no channel or thread {name!r}; channels: {names}.")
        return candidates[-1]

    async def _meta_press(self, args: tuple[str, ...]) -> Outcome:
        target = self._numbered(args, self.numbering.buttons, "button", ":press")
        if target.component.get("disabled"):
            raise CommandError(f"Button {target.label!r} is disabled.")
        self.renderer.note(f"{self.user.username} presses “{target.label}”", style="bold")
        watch = self._begin()
        try:
            reply = await self.standin.click(target.message, str(target.component["custom_id"]), user=self.user)
        except InteractionFailedError as exc:
            return Outcome(ok=self._end(watch, exc.reply, failure=str(exc)))
        except InvalidInvocationError:
            self._tap.active = None
            raise
        return Outcome(ok=await self._answered(watch, reply, None))

    async def _meta_pick(self, args: tuple[str, ...]) -> Outcome:
        if args and not all(a.isdigit() for a in args) and self.numbering.entity_selects:
            target = self.numbering.entity_selects[-1]
            values: list[Any] = [self._entity(target, a) for a in args]
        else:
            targets = [self._numbered((a,), self.numbering.options, "option", ":pick") for a in args or ("",)]
            target = targets[0]
            if any(t.component is not target.component for t in targets):
                raise CommandError("Pick options of one menu at a time.")
            values = [t.value for t in targets]
        custom_id = str(target.component["custom_id"])
        self.renderer.note(f"{self.user.username} picks " + ", ".join(_label(target, v) for v in values), style="bold")
        watch = self._begin()
        try:
            reply = await self.standin.select(target.message, custom_id, values, user=self.user)
        except InteractionFailedError as exc:
            return Outcome(ok=self._end(watch, exc.reply, failure=str(exc)))
        except InvalidInvocationError:
            self._tap.active = None
            raise
        return Outcome(ok=await self._answered(watch, reply, None))

    def _entity(self, target: Target, text: str) -> Any:
        kind = target.component.get("type")
        if kind == 8:
            return self._find_channel(text).id
        if kind == 6:
            return self.demo.guild.role_named(text.lstrip("@")).id
        return self.member(text).id

    def _numbered(self, args: tuple[str, ...], targets: list[Target], what: str, command: str) -> Target:
        if not targets:
            raise CommandError(f"There is no {what} to choose: the last messages shown have none.")
        if len(args) != 1 or not args[0].isdigit() or not 1 <= int(args[0]) <= len(targets):
            raise CommandError(f"Give the {what}'s number, {command} 1 to {command} {len(targets)}.")
        return targets[int(args[0]) - 1]

    async def _meta_fill(self, args: tuple[str, ...]) -> Outcome:
        reply = self.pending
        if reply is None:
            raise CommandError("No form is open; a command or button opens one.")
        values = self._field_values(reply, split_fill(args))
        self.pending = None
        return Outcome(ok=await self._submit(reply, values))

    async def _meta_cancel(self, args: tuple[str, ...]) -> Outcome:
        if self.pending is None:
            raise CommandError("No form is open.")
        self.pending = None
        self.renderer.note("Form closed without submitting.")
        return Outcome(ok=True)

    def show_help(self) -> None:
        """What can be typed, who is who, and where things are."""
        from bot.sandbox.render import help_table

        self.console.print(help_table(META_COMMANDS, self.demo, self.user_name))

    def describe_demo(self) -> str:
        """One paragraph about the demo server, for the banner."""
        demo = self.demo
        channels = " ".join(f"#{name}" for name in demo.channels)
        return (
            f"Demo server “{demo.guild.name}”: {channels}. Members: alice, bob, carol, dave; mod (Moderators role); "
            f"admin (Manage Server). Mentors: bob, carol, dave. Prompts are scheduled daily at 09:00 {DEMO_TIMEZONE}."
        )


def select_values(field_def: dict[str, Any], text: str) -> list[str]:
    options = field_def.get("options") or []
    out = []
    for piece in (p.strip() for p in text.split(",")):
        for option in options:
            if piece.lower() in {str(option.get("value")).lower(), str(option.get("label")).lower()}:
                out.append(str(option["value"]))
                break
        else:
            labels = ", ".join(str(o.get("label")) for o in options)
            raise CommandError(f"{piece!r} is not a choice of {field_def.get('label')!r}; choose from {labels}.")
    return out


def _label(target: Target, value: Any) -> str:
    if target.component.get("type") == 3:
        return f"“{Target(target.message, target.component, str(value)).label}”"
    return str(value)


def _count_arg(args: tuple[str, ...], default: int) -> tuple[list[str], int]:
    words = list(args)
    if words and words[-1].isdigit():
        return words[:-1], max(1, int(words[-1]))
    return words, default
