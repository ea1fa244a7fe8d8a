"""What the bot sent, drawn in the terminal with rich: messages, embeds as panels, numbered buttons and options.

Discord markup is made readable on the way: ``<@id>`` becomes ``@alice``, ``<#id>`` ``#prompts``, ``<t:…:F>`` a
date in UTC and ``<t:…:R>`` "in 2 hours" against the bot's clock. Files are written to the output folder once
and their path is shown. Rich decides about colour (none when output is not a terminal or NO_COLOR is set).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.columns import Columns
from rich.console import Console, Group, RenderableType
from rich.markup import escape
from rich.padding import Padding
from rich.panel import Panel
from rich.style import Style
from rich.table import Table
from rich.text import Text

from bot.standin import DM, StoredMessage
from bot.standin.models import FLAG_LOADING, SELECT_TYPES, walk_components
from bot.standin.state import World

__all__ = ["Numbering", "Renderer", "Target"]

log = logging.getLogger(__name__)

_MENTION = re.compile(r"<(@!?|@&|#)(\d+)>|<t:(-?\d+)(?::([tTdDfFR]))?>")
_BUTTON_STYLES = {
    1: "bold white on blue",
    2: "bold white on grey35",
    3: "bold white on green4",
    4: "bold white on red3",
}
_TIME_FORMATS = {
    "t": "%H:%M",
    "T": "%H:%M:%S",
    "d": "%d/%m/%Y",
    "D": "%d %B %Y",
    "f": "%d %B %Y %H:%M",
    "F": "%A, %d %B %Y %H:%M",
}
_MODAL_TEXT_STYLES = {1: "short", 2: "paragraph"}


@dataclass(frozen=True)
class Target:
    """A numbered thing to act on: a button, or one option of a select menu."""

    message: StoredMessage
    component: dict[str, Any]
    value: str | None = None  # the option's value, for select options

    @property
    def label(self) -> str:
        """What the member sees on it."""
        if self.value is None:
            return str(self.component.get("label") or self.component.get("emoji", {}).get("name") or "button")
        for option in self.component.get("options") or []:
            if option.get("value") == self.value:
                return str(option.get("label"))
        return self.value


@dataclass
class Numbering:
    """The buttons and select options of the last shown messages, numbered from 1 in the order shown."""

    buttons: list[Target] = field(default_factory=list)
    options: list[Target] = field(default_factory=list)
    entity_selects: list[Target] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.buttons or self.options or self.entity_selects)


def relative(moment: datetime, now: datetime) -> str:
    """``in 2 hours`` / ``3 days ago``, like Discord's ``<t:…:R>``."""
    seconds = (moment - now).total_seconds()
    amount = abs(seconds)
    for unit, size in (("year", 365 * 86400), ("month", 30 * 86400), ("day", 86400), ("hour", 3600), ("minute", 60)):
        if amount >= size:
            count = round(amount / size)
            text = f"{count} {unit}{'' if count == 1 else 's'}"
            break
    else:
        return "now" if amount < 1 else ("in a few seconds" if seconds > 0 else "a few seconds ago")
    return f"in {text}" if seconds > 0 else f"{text} ago"


class Renderer:
    """Draws stand-in messages on a rich console and saves their files into ``out_dir``."""

    def __init__(self, console: Console, world: World, out_dir: Path, now: Callable[[], datetime]) -> None:
        self.console = console
        self.world = world
        self.out_dir = out_dir
        self.now = now
        self._saved: dict[int, Path] = {}

    # -- text ---------------------------------------------------------------------------------------------------

    def plain(self, text: str) -> str:
        """Discord markup made readable: mentions by name, timestamps as dates."""

        def swap(match: re.Match[str]) -> str:
            kind, ident, stamp, style = match.groups()
            if stamp is not None:
                moment = datetime.fromtimestamp(int(stamp), tz=UTC)
                if style == "R":
                    return relative(moment, self.now())
                return moment.strftime(_TIME_FORMATS.get(style or "f", _TIME_FORMATS["f"])) + " UTC"
            number = int(ident)
            if kind == "#":
                channel = self.world.channels.get(number)
                return f"#{channel.name}" if channel is not None and channel.name else "#unknown-channel"
            if kind == "@&":
                for guild in self.world.guilds.values():
                    if number in guild.roles:
                        return f"@{guild.roles[number].name}"
                return "@unknown-role"
            user = self.world.users.get(number)
            return f"@{user.username}" if user is not None else "@unknown-user"

        return _MENTION.sub(swap, text)

    def markdown(self, text: str, style: str | Style = "") -> Text:
        """Discord's light markdown (**bold**, *italic*, `code`, > quotes) as styled rich text."""
        out = Text(style=style)
        for number, line in enumerate(self.plain(text).split("\n")):
            if number:
                out.append("\n")
            if line.startswith("> "):
                out.append("▌ ", style="dim")
                line = line[2:]
            elif line.startswith(("# ", "## ", "### ")):
                out.append(line.lstrip("#").strip(), style="bold underline")
                continue
            elif line.startswith("-# "):
                out.append(line[3:], style="dim")
                continue
            out.append_text(_inline(line))
        return out

    # -- messages -----------------------------------------------------------------------------------------------

    def place(self, message: StoredMessage) -> str:
        """Where a message is: ``#prompts``, ``thread "…" in #prompts``, ``DM to bob``."""
        channel = self.world.channels.get(message.channel_id)
        if channel is None:
            return "somewhere"
        if channel.type == DM:
            user = self.world.users.get(channel.recipient_id or 0)
            return f"DM to {user.username if user else 'someone'}"
        if channel.is_thread:
            parent = self.world.channels.get(channel.parent_id or 0)
            where = f" in #{parent.name}" if parent is not None else ""
            return f'thread "{channel.name}"{where}'
        return f"#{channel.name}"

    def messages(self, messages: Iterable[StoredMessage], *, numbering: Numbering | None = None) -> Numbering:
        """Draw messages (oldest first), numbering their buttons and options on from ``numbering``."""
        numbering = numbering if numbering is not None else Numbering()
        for message in messages:
            self.message(message, numbering)
        return numbering

    def message(self, message: StoredMessage, numbering: Numbering) -> None:
        """Draw one message: a header line, its text, embeds, files, components and thread."""
        header = Text()
        header.append(message.author.display_name, style="bold cyan" if message.author.bot else "bold")
        header.append(f" · {self.place(message)} · {message.created_at:%a %d %b %H:%M} UTC", style="dim")
        # Filling a deferred "thinking…" message is an edit to the stand-in, but not to the member.
        if any(not int(v.get("flags") or 0) & FLAG_LOADING for v in message.versions):
            header.append(" · edited", style="dim")
        if message.ephemeral:
            header.append("  (only you can see this)", style="italic yellow")
        parts: list[RenderableType] = [header]
        if message.loading:
            parts.append(Text("PMO Bot is thinking…", style="italic dim"))
        if message.content:
            parts.append(Padding(self.markdown(message.content), (0, 0, 0, 2)))
        for embed in message.embeds:
            parts.append(Padding(self.embed(embed, message), (0, 0, 0, 2)))
        for sent in message.files:
            parts.append(Padding(self.attachment(message, sent), (0, 0, 0, 2)))
        components = self.components(message, numbering)
        if components is not None:
            parts.append(Padding(components, (0, 0, 0, 2)))
        if message.thread_id is not None and message.thread_id in self.world.channels:
            thread = self.world.channels[message.thread_id]
            count = len(self.world.messages_in(thread.id))
            line = Text(f'🧵 thread "{thread.name}" · {count} message{"" if count == 1 else "s"}', "dim")
            parts.append(Padding(line, (0, 0, 0, 2)))
        self.console.print(Group(*parts))
        self.console.print()

    def embed(self, embed: dict[str, Any], message: StoredMessage) -> Panel:
        """An embed as a boxed panel: author, description, fields (inline ones side by side), image, footer."""
        body: list[RenderableType] = []
        author = embed.get("author") or {}
        if author.get("name"):
            body.append(Text(self.plain(str(author["name"])), style="bold dim"))
        if embed.get("description"):
            body.append(self.markdown(str(embed["description"])))
        row: list[RenderableType] = []
        for item in embed.get("fields") or []:
            cell = Group(
                self.markdown(str(item.get("name") or ""), style="bold"), self.markdown(str(item.get("value") or ""))
            )
            if item.get("inline"):
                row.append(cell)
                if len(row) == 3:
                    body.append(_grid(row))
                    row = []
                continue
            if row:
                body.append(_grid(row))
                row = []
            body.append(cell)
        if row:
            body.append(_grid(row))
        for key in ("image", "thumbnail"):
            url = (embed.get(key) or {}).get("url")
            if url:
                body.append(Text(f"🖼  {key}: {self._image_note(str(url), message)}", style="dim"))
        colour = embed.get("color")
        border = Style(color=f"#{int(colour):06x}") if isinstance(colour, int) and colour else Style(color="blue")
        width = min(self.console.width - 2, 100)
        title = self.plain(str(embed.get("title") or ""))
        # A title too long for the border goes inside, so it is never cut off.
        if title and len(title) > width - 8:
            body.insert(0, Text(title, style="bold"))
            title = ""
        footer = (embed.get("footer") or {}).get("text")
        if footer:
            body.append(Text(self.plain(str(footer)), style="dim"))
        spaced: list[RenderableType] = []
        for number, part in enumerate(body):
            if number:
                spaced.append(Text(""))
            spaced.append(part)
        return Panel(
            Group(*spaced) if spaced else Text(""),
            title=Text(title, style="bold") if title else None,
            title_align="left",
            border_style=border,
            expand=False,
            width=width,
        )

    def _image_note(self, url: str, message: StoredMessage) -> str:
        if url.startswith("attachment://"):
            name = url.removeprefix("attachment://")
            for sent in message.files:
                if sent.filename == name:
                    return f"{name} (saved as {self._save(message, sent)})"
            return name
        return url

    def attachment(self, message: StoredMessage, sent: Any) -> Text:
        """A file line: name, size and where it was saved."""
        path = self._save(message, sent)
        size = len(sent.data)
        shown = f"{size / 1024:.1f} kB" if size >= 1024 else f"{size} bytes"
        text = Text("📎 ")
        text.append(sent.filename, style="bold")
        text.append(f" ({shown}) saved to ")
        text.append(str(path), style="underline")
        return text

    def _save(self, message: StoredMessage, sent: Any) -> Path:
        """Write a file once into the output folder (a second file of the same name gets a numbered name)."""
        saved = self._saved.get(sent.id)
        if saved is not None:
            return saved
        self.out_dir.mkdir(parents=True, exist_ok=True)
        name = Path(sent.filename).name or "file"
        stem, suffix = Path(name).stem, Path(name).suffix
        path = self.out_dir / name
        taken = set(self._saved.values())
        number = 2
        while path in taken:
            path = self.out_dir / f"{stem}-{number}{suffix}"
            number += 1
        path.write_bytes(sent.data)
        self._saved[sent.id] = path
        log.info("Saved attachment %s of message %s to %s", sent.filename, message.id, path)
        return path

    def components(self, message: StoredMessage, numbering: Numbering) -> RenderableType | None:
        """Buttons as ``[1] Accept``, select menus with their options as ``(2) …``, text displays as text."""
        lines: list[RenderableType] = []
        buttons: list[Text] = []
        for comp in walk_components(message.components):
            kind = comp.get("type")
            if kind == 2:
                target = Target(message, comp)
                label = f" {target.label} "
                if comp.get("style") == 5 or comp.get("url"):
                    buttons.append(Text(f"{label}↗ {comp.get('url', '')}", style="underline blue"))
                    continue
                numbering.buttons.append(target)
                button = Text(f"[{len(numbering.buttons)}]", style="bold")
                style = "dim strike" if comp.get("disabled") else _BUTTON_STYLES.get(int(comp.get("style") or 2), "")
                button.append(label, style=style)
                buttons.append(button)
            elif kind in SELECT_TYPES:
                lines.append(self._select(message, comp, numbering))
            elif kind == 10:
                lines.append(self.markdown(str(comp.get("content") or "")))
        if buttons:
            # Whole buttons wrap to the next line, never a label in the middle.
            lines.insert(0, Columns(buttons, padding=(0, 2)))
        if not lines:
            return None
        return Group(*lines)

    def _select(self, message: StoredMessage, comp: dict[str, Any], numbering: Numbering) -> RenderableType:
        placeholder = comp.get("placeholder") or "Choose…"
        low, high = comp.get("min_values", 1), comp.get("max_values", 1)
        head = Text(f"▾ {placeholder}", style="bold")
        if high > 1:
            head.append(f"  (pick {low}–{high})", style="dim")
        if comp.get("disabled"):
            head.append("  (disabled)", style="dim")
        rows: list[RenderableType] = [head]
        if comp.get("type") != 3:
            numbering.entity_selects.append(Target(message, comp))
            kinds = {5: "member", 6: "role", 7: "member or role", 8: "channel"}
            rows.append(Text(f"  choose a {kinds.get(int(comp['type']), 'value')}: :pick NAME", style="dim"))
            return Group(*rows)
        for option in comp.get("options") or []:
            numbering.options.append(Target(message, comp, str(option.get("value"))))
            line = Text(f"  ({len(numbering.options)}) ", style="bold")
            line.append(str(option.get("label")))
            if option.get("description"):
                line.append(f" — {option['description']}", style="dim")
            if option.get("default"):
                line.append("  ✓", style="green")
            rows.append(line)
        return Group(*rows)

    # -- forms and notes ----------------------------------------------------------------------------------------

    def modal(self, modal: dict[str, Any], fields: list[dict[str, Any]], *, how: str) -> None:
        """A form the bot opened, field by field, with how to fill it in."""
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold")
        table.add_column()
        for item in fields:
            table.add_row(str(item.get("label") or item.get("custom_id")), escape(_field_rules(item)))
            hint = str(item.get("placeholder") or "")
            if hint:
                table.add_row("", Text(hint if hint.lower().startswith("e.g.") else f"e.g. {hint}", "dim italic"))
            if item.get("value"):
                table.add_row("", Text(f"now: {item['value']}", style="green"))
        self.console.print(
            Panel(
                Group(table, Text(""), Text(how, style="dim")),
                title=Text(f"📝 {modal.get('title') or 'Form'}", style="bold"),
                title_align="left",
                border_style="magenta",
                expand=False,
                width=min(self.console.width - 2, 100),
            )
        )

    def note(self, text: str, style: str = "dim") -> None:
        """A line from the sandbox itself (not from the bot)."""
        self.console.print(Text(text, style=style))

    def error(self, text: str) -> None:
        """A failure, in red."""
        self.console.print(Text(f"✗ {text}", style="bold red"))


def _field_rules(item: dict[str, Any]) -> str:
    if item.get("type") in SELECT_TYPES:
        labels = ", ".join(str(o.get("label")) for o in item.get("options") or [])
        return f"choose: {labels}"
    parts = [_MODAL_TEXT_STYLES.get(int(item.get("style") or 1), "text")]
    parts.append("required" if item.get("required", True) else "optional")
    low, high = item.get("min_length"), item.get("max_length")
    if low:
        parts.append(f"{low}–{high or 4000} characters")
    elif high:
        parts.append(f"up to {high} characters")
    return " · ".join(parts)


def _grid(cells: list[RenderableType]) -> Table:
    table = Table.grid(padding=(0, 3))
    for _ in cells:
        table.add_column()
    table.add_row(*cells)
    return table


_INLINE = re.compile(
    r"\*\*(.+?)\*\*|(?<!\w)__(.+?)__(?!\w)|(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?!\w)|(?<!\w)_(.+?)_(?!\w)"
    r"|`([^`]+)`|~~(.+?)~~|\[([^\]]+)\]\((https?://[^)\s]+)\)"
)


def _inline(line: str) -> Text:
    """Inline markdown of one line."""
    out = Text()
    position = 0
    for match in _INLINE.finditer(line):
        out.append(line[position : match.start()])
        bold, underline, italic, italic2, code, strike, link_text, link_url = match.groups()
        if bold is not None:
            out.append(bold, style="bold")
        elif underline is not None:
            out.append(underline, style="underline")
        elif italic is not None or italic2 is not None:
            out.append(italic or italic2 or "", style="italic")
        elif code is not None:
            out.append(code, style="bold magenta")
        elif strike is not None:
            out.append(strike, style="strike")
        else:
            out.append(str(link_text), style="underline")
            out.append(f" ({link_url})", style="dim")
        position = match.end()
    out.append(line[position:])
    return out


def help_table(meta: dict[str, str], demo: Any, user_name: str) -> Group:
    """The ``:help`` screen: how to type commands, the sandbox commands, who and where."""
    syntax = Text()
    syntax.append("Slash commands", style="bold")
    syntax.append(
        ' as in Discord: /role info role:"PMO analyst". Options are name:value; quotes are optional (words after '
        "name: belong to it until the next name:). Tab completes commands, options and the bot's own suggestions.\n"
    )
    syntax.append("Forms", style="bold")
    syntax.append(
        ": at the prompt you are asked field by field (Enter keeps the value shown, Ctrl-C closes the form). "
        'In a script, answer on the next line: :fill minutes=45 "What did you do=ran the RAID review".'
    )
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold cyan", no_wrap=True)
    table.add_column()
    for name, text in meta.items():
        args, _, what = text.partition(" — ")
        if not what:
            args, what = "", text
        table.add_row(f":{name} {args}".rstrip(), what)
    people = Text()
    people.append("You are ", style="dim")
    people.append(user_name, style="bold")
    people.append(". Members: " + ", ".join(demo.users) + ". Channels: " + ", ".join(f"#{c}" for c in demo.channels))
    people.append(
        ".\nNumbers in [brackets] are buttons (:press N); numbers in (parentheses) are menu options (:pick N)."
    )
    return Group(syntax, Text(""), table, Text(""), people)
