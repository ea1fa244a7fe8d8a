"""The sandbox's command line: slash commands as typed in Discord, ``:meta`` commands, durations.

Pure functions without I/O, shared by the runner (which needs complete commands) and the completer (which
works on half-typed lines, so the lexer also reports an unterminated last token instead of failing).

Rules, shlex-like but forgiving of what people type into Discord:

- words are separated by whitespace; ``"double"`` or ``'single'`` quotes group words, but only where a word
  or a value (after ``:`` or ``=``) *starts*, so ``don't`` stays one word; a backslash escapes the next
  character outside single quotes;
- ``name:value`` is an option (``name`` is lowercase letters, digits, ``-`` or ``_``, as Discord allows);
- bare words after an option belong to that option's value, as in Discord's own command bar
  (``/faq ask question:what is a PMO``);
- the leading bare words form the command path (``/admin config set-channel``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta

__all__ = [
    "META_COMMANDS",
    "MetaCommand",
    "ParseError",
    "SlashCommand",
    "Token",
    "lex",
    "parse_duration",
    "parse_line",
    "split_fill",
]

_OPTION_NAME = re.compile(r"[a-z0-9_-]{1,32}:")
_DURATION_PART = re.compile(r"(\d+)\s*([wdhms])")
_UNITS = {"w": "weeks", "d": "days", "h": "hours", "m": "minutes", "s": "seconds"}
# How far one :advance may move the clock: far enough for any schedule, short enough to finish.
MAX_ADVANCE = timedelta(days=366)

META_COMMANDS: dict[str, str] = {
    "as": "NAME — act as another member (alice, bob, carol, dave, mod, admin, owner)",
    "press": "N — press button N of the last shown messages",
    "pick": "N [M …] — choose option N (and M …) of the last shown select menu",
    "fill": "FIELD=VALUE … — submit the open form (fields by label, its first words or id; others keep their value)",
    "cancel": "close the open form without submitting it",
    "advance": "DURATION — move the bot's clock (30m, 2h, 1d, 1w, 1d12h); scheduled work runs on the way",
    "channel": "NAME [N] — show the last N messages of a channel (default 10)",
    "dms": "[NAME] [N] — show the last N DMs the bot sent to a member (default: you)",
    "time": "show the bot's clock",
    "help": "this help",
    "quit": "leave the sandbox",
}
_META_ALIASES = {"exit": "quit", "q": "quit", "user": "as", "click": "press", "select": "pick", "ch": "channel"}


class ParseError(ValueError):
    """A line that cannot be a command; the message says how to write it."""


@dataclass(frozen=True)
class Token:
    """One word of a line: its text with quotes removed, its span, and whether it ended inside a quote."""

    text: str
    start: int
    end: int
    name: str | None = None  # the option name when the word is ``name:value``
    open_quote: str | None = None

    @property
    def value(self) -> str:
        """The value part of ``name:value`` (the whole text for a bare word)."""
        if self.name is None:
            return self.text
        return self.text[len(self.name) + 1 :]


@dataclass(frozen=True)
class SlashCommand:
    """``/path words name:value …`` with raw (string) option values."""

    path: tuple[str, ...]
    options: dict[str, str] = field(default_factory=dict)

    @property
    def path_text(self) -> str:
        """``"role info"``."""
        return " ".join(self.path)


@dataclass(frozen=True)
class MetaCommand:
    """``:name args…``."""

    name: str
    args: tuple[str, ...] = ()


def lex(line: str) -> list[Token]:
    """Split a line into tokens; the last token may be unterminated (``open_quote`` set)."""
    tokens: list[Token] = []
    i, n = 0, len(line)
    while i < n:
        if line[i].isspace():
            i += 1
            continue
        start = i
        name: str | None = None
        match = _OPTION_NAME.match(line, i)
        if match is not None:
            name = match.group()[:-1]
            i = match.end()
        chars: list[str] = [] if name is None else [name, ":"]
        open_quote: str | None = None
        value_start = i
        while i < n and not line[i].isspace():
            ch = line[i]
            if ch in "\"'" and (i == value_start or line[i - 1] in "=:"):
                quote = ch
                i += 1
                while i < n and line[i] != quote:
                    if line[i] == "\\" and quote == '"' and i + 1 < n:
                        i += 1
                    chars.append(line[i])
                    i += 1
                if i >= n:
                    open_quote = quote
                    break
                i += 1  # the closing quote
                continue
            if ch == "\\" and i + 1 < n:
                i += 1
            chars.append(line[i])
            i += 1
        tokens.append(Token("".join(chars), start, i, name, open_quote))
    return tokens


def parse_line(line: str, option_names: set[str] | None = None) -> SlashCommand | MetaCommand | None:
    """A command from one line (None for a blank line or a ``#`` comment).

    ``option_names``, when known, decides which ``word:`` tokens are options; any other ``word:…`` then
    continues the previous option's value (``activity:review: part 2``).
    """
    stripped = line.strip()
    if not stripped or stripped.startswith("#"):
        return None
    if stripped.startswith(":"):
        return _parse_meta(stripped[1:])
    if not stripped.startswith("/"):
        raise ParseError(
            f"{stripped.split()[0]!r} is not a command: type a slash command (/help) or a sandbox command (:help)."
        )
    tokens = lex(stripped[1:])
    if not tokens:
        raise ParseError("Type a command after the slash, e.g. /help.")
    if tokens[-1].open_quote:
        raise ParseError(f"A {tokens[-1].open_quote} quote is not closed.")
    return _slash(tokens, option_names)


def _slash(tokens: list[Token], option_names: set[str] | None) -> SlashCommand:
    path: list[str] = []
    options: dict[str, str] = {}
    current: str | None = None
    for token in tokens:
        is_option = token.name is not None and (option_names is None or token.name in option_names or not options)
        if is_option and token.name is not None:
            if token.name in options:
                raise ParseError(f"Option {token.name!r} is given twice.")
            current = token.name
            options[current] = token.value
        elif current is not None:
            options[current] = f"{options[current]} {token.text}" if options[current] else token.text
        elif token.name is None:
            path.append(token.text)
        else:
            raise ParseError(f"Unexpected {token.text!r}.")
    if not path:
        raise ParseError('Name the command before its options, e.g. /role info role:"PMO analyst".')
    bad = [word for word in path if not re.fullmatch(r"[\w-]{1,32}", word)]
    if bad:
        raise ParseError(f"{bad[0]!r} is not a command name; options are written name:value.")
    return SlashCommand(tuple(word.lower() for word in path), options)


def _parse_meta(body: str) -> MetaCommand:
    tokens = lex(body)
    if not tokens:
        raise ParseError("Type a sandbox command after the colon; :help lists them.")
    if tokens[-1].open_quote:
        raise ParseError(f"A {tokens[-1].open_quote} quote is not closed.")
    name = tokens[0].text.lower()
    name = _META_ALIASES.get(name, name)
    if name not in META_COMMANDS:
        # A unique beginning is enough (:adv 1d).
        starts = [known for known in META_COMMANDS if known.startswith(name)]
        if len(starts) != 1:
            raise ParseError(f":{tokens[0].text} is not a sandbox command; :help lists them.")
        name = starts[0]
    return MetaCommand(name, tuple(t.text for t in tokens[1:]))


def parse_duration(text: str) -> timedelta:
    """``30m``, ``2h``, ``1d``, ``1w`` or combinations like ``1d12h`` (a bare number means minutes)."""
    cleaned = text.strip().lower()
    if cleaned.isdigit():
        cleaned += "m"
    parts = _DURATION_PART.findall(cleaned)
    if not parts or _DURATION_PART.sub("", cleaned).strip():
        raise ParseError(f"{text!r} is not a duration; write it like 30m, 2h, 1d, 1w or 1d12h.")
    delta = timedelta()
    for amount, unit in parts:
        delta += timedelta(**{_UNITS[unit]: int(amount)})
    if delta <= timedelta():
        raise ParseError("Advance the clock by more than zero.")
    if delta > MAX_ADVANCE:
        raise ParseError("Advance at most a year at a time.")
    return delta


def split_fill(args: tuple[str, ...]) -> dict[str, str]:
    """``:fill`` arguments (``label=value``, already unquoted) as a mapping; later words join the last value."""
    values: dict[str, str] = {}
    current: str | None = None
    for arg in args:
        key, sep, value = arg.partition("=")
        if sep and key.strip():
            current = key.strip()
            values[current] = value
        elif current is not None:
            values[current] = f"{values[current]} {arg}"
        else:
            raise ParseError(f"Write form fields as label=value (e.g. minutes=45), not {arg!r}.")
    return values
