"""Tab completion for the sandbox prompt: commands, subcommands and option names from the synced command tree,
option values from static choices, the demo server's members/channels/roles, and the bot's own autocomplete
(a real autocomplete interaction through the stand-in)."""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from prompt_toolkit.completion import CompleteEvent, Completer, Completion
from prompt_toolkit.document import Document

from bot.sandbox.parse import META_COMMANDS, Token, lex

if TYPE_CHECKING:
    from bot.sandbox.session import Sandbox

__all__ = ["SandboxCompleter", "Suggestion", "quote"]

log = logging.getLogger(__name__)

_SUBCOMMAND_TYPES = (1, 2)
_DURATIONS = ("30m", "1h", "2h", "12h", "1d", "2d", "1w")


@dataclass(frozen=True)
class Suggestion:
    """Text that replaces the last ``replace`` characters before the cursor, with what to show beside it."""

    text: str
    replace: int
    display: str | None = None
    meta: str | None = None


def quote(value: str) -> str:
    """A value as it must be typed: quoted when it has spaces or starts with a quote (or is empty)."""
    if value and not any(ch.isspace() for ch in value) and value[0] not in "\"'":
        return value
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


class SandboxCompleter(Completer):
    """prompt_toolkit completer backed by a running :class:`Sandbox` (async: autocomplete goes to the bot)."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox

    def get_completions(self, document: Document, complete_event: CompleteEvent) -> Iterable[Completion]:
        """Nothing synchronously: every suggestion comes from :meth:`get_completions_async`."""
        return []

    async def get_completions_async(
        self, document: Document, complete_event: CompleteEvent
    ) -> AsyncGenerator[Completion, None]:
        """Suggestions for the text before the cursor."""
        for item in await self.suggest(document.text_before_cursor):
            yield Completion(item.text, start_position=-item.replace, display=item.display, display_meta=item.meta)

    async def suggest(self, text: str) -> list[Suggestion]:
        """What could come next, for a line typed so far."""
        stripped = text.lstrip()
        if stripped.startswith(":"):
            return self._meta(stripped[1:])
        if stripped.startswith("/"):
            return await self._slash(stripped[1:])
        if not stripped:
            return [Suggestion("/", 0, "/…", "a slash command"), Suggestion(":", 0, ":…", "a sandbox command")]
        return []

    # -- sandbox commands ---------------------------------------------------------------------------------------

    def _meta(self, body: str) -> list[Suggestion]:
        tokens, current = _split(body)
        if not tokens:
            return [Suggestion(name, len(current), f":{name}", help_text) for name, help_text in META_COMMANDS.items()
                    if name.startswith(current.lower())]  # fmt: skip
        name = tokens[0].text.lower()
        sandbox = self.sandbox
        candidates: list[tuple[str, str | None]] = []
        if name in {"as", "dms"} and len(tokens) == 1:
            candidates = [(n, u.display_name) for n, u in sandbox.demo.users.items()]
        elif name == "channel" and len(tokens) == 1:
            candidates = [(n, "channel") for n in sandbox.demo.channels]
            world = sandbox.standin.world
            candidates += [
                (quote(c.name), "thread")
                for c in world.channels.values()
                if c.is_thread and c.guild_id == sandbox.demo.guild.id and c.name
            ]
        elif name == "advance" and len(tokens) == 1:
            candidates = [(d, None) for d in _DURATIONS]
        elif name == "press" and len(tokens) == 1:
            candidates = [(str(n), t.label) for n, t in enumerate(sandbox.numbering.buttons, start=1)]
        elif name == "pick":
            candidates = [(str(n), t.label) for n, t in enumerate(sandbox.numbering.options, start=1)]
        elif name == "fill" and sandbox.pending is not None:
            for item in sandbox.pending.modal_fields():
                label = str(item.get("label") or item.get("custom_id"))
                # A label with spaces opens a quote that the value then closes: "What you did=ran it"
                candidates.append((f'"{label}=' if " " in label else f"{label}=", "field"))
        typed = current.lower().lstrip('"')
        return [
            Suggestion(value, len(current), None, meta)
            for value, meta in candidates
            if value.lower().lstrip('"').startswith(typed)
        ]

    # -- slash commands -----------------------------------------------------------------------------------------

    async def _slash(self, body: str) -> list[Suggestion]:
        tokens, current = _split(body)
        sandbox = self.sandbox
        has_options = any(t.name is not None for t in tokens)
        first_option = next((n for n, t in enumerate(tokens) if t.name is not None), len(tokens))
        path = [t.text for t in tokens[:first_option]]
        current_token = lex(current)[0] if current else None
        if current_token is not None and current_token.name is not None:
            return await self._value(tuple(path), current_token, tokens, len(current))
        named = [n for n, t in enumerate(tokens) if t.name is not None]
        continued: list[Suggestion] = []
        if named and current and not tokens[named[-1]].open_quote:
            # Bare words after name: belong to that option's value, as in Discord: complete the whole value.
            last = tokens[named[-1]]
            whole = Token(body[last.start :], last.start, len(body), last.name)
            continued = await self._value(tuple(path), whole, tokens, len(body) - last.start)
        if not has_options:
            node = self._node(path)
            if node is None:
                return []
            children = [o for o in node if o.get("type") in _SUBCOMMAND_TYPES] if path else node
            if children:
                return [
                    Suggestion(str(c["name"]), len(current), None, str(c.get("description") or ""))
                    for c in children
                    if str(c["name"]).startswith(current.lower())
                ]
        options = sandbox.leaf_options(tuple(path))
        if options is None:
            return []
        filled = {t.name for t in tokens if t.name is not None}
        remaining = [o for o in options if o["name"] not in filled]
        remaining.sort(key=lambda o: not o.get("required"))
        names = [
            Suggestion(f"{o['name']}:", len(current), None, _describe(o))
            for o in remaining
            if str(o["name"]).startswith(current.lower())
        ]
        return names + continued

    def _node(self, path: list[str]) -> list[dict[str, Any]] | None:
        """Top-level commands (empty path) or the children of a group/command, as the member may use them."""
        commands = self.sandbox.available_commands()
        if not path:
            return commands
        for command in commands:
            if command["name"] == path[0]:
                node: list[dict[str, Any]] = list(command.get("options") or [])
                for word in path[1:]:
                    nxt = next((o for o in node if o["name"] == word and o.get("type") in _SUBCOMMAND_TYPES), None)
                    if nxt is None:
                        return None
                    node = list(nxt.get("options") or [])
                return node
        return None

    async def _value(self, path: tuple[str, ...], token: Token, tokens: list[Token], replace: int) -> list[Suggestion]:
        sandbox = self.sandbox
        options = sandbox.leaf_options(path)
        if options is None or token.name is None:
            return []
        definition = next((o for o in options if o["name"] == token.name), None)
        if definition is None:
            return []
        typed = token.value
        name = token.name
        pairs: list[tuple[str, str | None]]
        if definition.get("choices"):
            pairs = [(str(c["value"]), str(c["name"])) for c in definition["choices"]]
            pairs = [p for p in pairs if _matches(typed, p)]
        elif definition.get("autocomplete"):
            filled = {t.name: t.value for t in tokens if t.name is not None}
            choices = await sandbox.autocomplete(path, name, typed, filled)
            pairs = [(str(c.get("value")), str(c.get("name"))) for c in choices]
        else:
            kind = definition.get("type")
            if kind == 5:
                pairs = [("true", None), ("false", None)]
            elif kind in (6, 9):
                pairs = [(n, u.display_name) for n, u in sandbox.demo.users.items()]
            elif kind == 7:
                pairs = [(n, "channel") for n in sandbox.demo.channels]
            elif kind == 8:
                pairs = [(r.name, "role") for r in sandbox.demo.guild.roles.values() if r.name != "@everyone"]
            else:
                pairs = []
            pairs = [p for p in pairs if _matches(typed, p)]
        return [
            Suggestion(f"{name}:{quote(value)}", replace, display=meta or value, meta=value if meta else None)
            for value, meta in pairs
        ]


def _describe(option: dict[str, Any]) -> str:
    return ("" if option.get("required") else "optional · ") + str(option.get("description") or "")


def _matches(typed: str, pair: tuple[str, str | None]) -> bool:
    wanted = typed.lower()
    return any(part is not None and wanted in part.lower() for part in pair)


def _split(body: str) -> tuple[list[Token], str]:
    """Finished tokens, and the word being typed at the cursor ('' right after a space)."""
    tokens = lex(body)
    if not tokens or (body and body[-1].isspace() and not tokens[-1].open_quote):
        return tokens, ""
    last = tokens[-1]
    return tokens[:-1], body[last.start :]
