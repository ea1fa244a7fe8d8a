"""Synced application commands, looked up by path ("admin faq add"), and options built as Discord's client would."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from bot.standin import permissions as p
from bot.standin.errors import DiscordError, InvalidInvocationError
from bot.standin.limits import validate_commands
from bot.standin.models import Channel, Guild, Role, Upload, User
from bot.standin.state import World, as_id

log = logging.getLogger(__name__)

SUB_COMMAND = 1
SUB_COMMAND_GROUP = 2
STRING = 3
INTEGER = 4
BOOLEAN = 5
USER = 6
CHANNEL = 7
ROLE = 8
MENTIONABLE = 9
NUMBER = 10
ATTACHMENT = 11

_INT_LIMIT = 2**53

CONTEXT_GUILD = 0
CONTEXT_BOT_DM = 1


@dataclass(frozen=True)
class FoundCommand:
    """A synced command and the subcommand (or command) a path leads to."""

    command: dict[str, Any]
    leaf: dict[str, Any]
    parts: tuple[str, ...]
    guild_id: int | None


class CommandRegistry:
    """Global and per-guild commands as the last bulk overwrite left them; ids are stable per name."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.global_commands: list[dict[str, Any]] = []
        self.guild_commands: dict[int, list[dict[str, Any]]] = {}
        self._ids: dict[tuple[int | None, int, str], int] = {}
        self._versions: dict[tuple[int | None, int, str], int] = {}
        self.overrides: dict[tuple[int, str], dict[int, bool]] = {}

    def overwrite(self, guild_id: int | None, commands: Any) -> list[dict[str, Any]]:
        """``PUT .../commands``: replace the whole set for the scope; returns what Discord returns."""
        validate_commands(commands)
        stored = []
        for cmd in commands:
            kind = int(cmd.get("type", 1))
            key = (guild_id, kind, cmd["name"])
            if key not in self._ids:
                self._ids[key] = self.world.new_id()
            self._versions[key] = self.world.new_id()
            perms = cmd.get("default_member_permissions")
            entry = {
                "id": str(self._ids[key]),
                "application_id": str(self.world.application_id),
                "version": str(self._versions[key]),
                "type": kind,
                "name": cmd["name"],
                "name_localizations": cmd.get("name_localizations"),
                "description": cmd.get("description", ""),
                "description_localizations": cmd.get("description_localizations"),
                "options": cmd.get("options") or [],
                "default_member_permissions": None if perms is None else str(perms),
                "dm_permission": cmd.get("dm_permission", True),
                "contexts": cmd.get("contexts"),
                "integration_types": cmd.get("integration_types") or [0],
                "nsfw": bool(cmd.get("nsfw", False)),
            }
            if guild_id is not None:
                entry["guild_id"] = str(guild_id)
            stored.append(entry)
        if guild_id is None:
            self.global_commands = stored
        else:
            self.guild_commands[guild_id] = stored
        return stored

    def listing(self, guild_id: int | None) -> list[dict[str, Any]]:
        """``GET .../commands``."""
        if guild_id is None:
            return list(self.global_commands)
        return list(self.guild_commands.get(guild_id, []))

    def find(self, path: str, guild: Guild | None) -> FoundCommand:
        """The command for ``"role info"``: guild commands first, then global ones."""
        parts = tuple(path.split())
        if not parts:
            raise InvalidInvocationError("empty command path")
        scopes: list[tuple[int | None, list[dict[str, Any]]]] = []
        if guild is not None:
            scopes.append((guild.id, self.guild_commands.get(guild.id, [])))
        scopes.append((None, self.global_commands))
        for guild_id, commands in scopes:
            for cmd in commands:
                if cmd["type"] == 1 and cmd["name"] == parts[0]:
                    return FoundCommand(cmd, _descend(cmd, parts), parts, guild_id)
        known = sorted({c["name"] for _, cmds in scopes for c in cmds})
        raise InvalidInvocationError(f"no synced command /{parts[0]} here (synced: {', '.join(known) or 'none'})")

    def check_available(
        self, found: FoundCommand, *, guild: Guild | None, user: User, member_permissions: int, role_ids: list[int]
    ) -> None:
        """Whether Discord's client would offer this command to this user here (contexts, default permissions)."""
        cmd = found.command
        contexts = cmd.get("contexts")
        if guild is None:
            if found.guild_id is not None:
                raise InvalidInvocationError(f"/{cmd['name']} is a guild command; it does not exist in DMs")
            allowed_dm = CONTEXT_BOT_DM in contexts if contexts is not None else cmd.get("dm_permission", True)
            if not allowed_dm:
                raise InvalidInvocationError(f"/{cmd['name']} is not available in DMs")
            return
        if contexts is not None and CONTEXT_GUILD not in contexts:
            raise InvalidInvocationError(f"/{cmd['name']} is not available in servers")
        override = self._override(guild, cmd["name"], user.id, role_ids)
        if override is not None:
            if not override:
                raise InvalidInvocationError(f"/{cmd['name']} was disabled for this user by the server's settings")
            return
        required = cmd.get("default_member_permissions")
        if required is None or member_permissions & p.ADMINISTRATOR:
            return
        needed = int(required)
        if needed == 0 or member_permissions & needed != needed:
            raise InvalidInvocationError(f"/{cmd['name']} needs permissions {needed} that this member lacks")

    def _override(self, guild: Guild, name: str, user_id: int, role_ids: list[int]) -> bool | None:
        table = self.overrides.get((guild.id, name))
        if not table:
            return None
        if user_id in table:
            return table[user_id]
        hits = [table[r] for r in role_ids if r in table]
        if hits:
            return any(hits)
        return table.get(guild.id)


def _descend(cmd: dict[str, Any], parts: tuple[str, ...]) -> dict[str, Any]:
    node = cmd
    for name in parts[1:]:
        children = [o for o in node.get("options") or [] if o.get("type") in (SUB_COMMAND, SUB_COMMAND_GROUP)]
        match = next((o for o in children if o["name"] == name), None)
        if match is None:
            raise InvalidInvocationError(f"/{' '.join(parts)}: no subcommand {name!r}")
        node = match
    if any(o.get("type") in (SUB_COMMAND, SUB_COMMAND_GROUP) for o in node.get("options") or []):
        raise InvalidInvocationError(f"/{' '.join(parts)} is a group; name a subcommand")
    return node


@dataclass
class OptionContext:
    """What option values resolve against."""

    world: World
    guild: Guild | None
    user: User


class OptionBuilder:
    """Turns ``role="PMO Analyst", user=alice`` into Discord's ``options`` and ``resolved`` for one interaction."""

    def __init__(self, ctx: OptionContext) -> None:
        self.ctx = ctx
        self.resolved: dict[str, dict[str, Any]] = {}

    def build(self, found: FoundCommand, values: dict[str, Any], *, focused: str | None = None) -> dict[str, Any]:
        """The interaction's ``data`` for a slash command (or autocomplete when ``focused`` names an option)."""
        leaf_defs = found.leaf.get("options") or []
        known = {o["name"] for o in leaf_defs}
        unknown = set(values) - known
        if unknown:
            raise InvalidInvocationError(
                f"/{' '.join(found.parts)} has no option(s) {sorted(unknown)}; it has {sorted(known)}"
            )
        options: list[dict[str, Any]] = []
        for opt in leaf_defs:
            name = opt["name"]
            value = values.get(name)
            if name == focused:
                options.append(
                    {"type": opt["type"], "name": name, "value": "" if value is None else str(value), "focused": True}
                )
                continue
            if value is None:
                if opt.get("required") and focused is None:
                    raise InvalidInvocationError(f"/{' '.join(found.parts)}: option {name!r} is required")
                continue
            options.append({"type": opt["type"], "name": name, "value": self._value(opt, value)})
        subpath = found.parts[1:]
        for depth in range(len(subpath) - 1, -1, -1):
            node_type = SUB_COMMAND if depth == len(subpath) - 1 else SUB_COMMAND_GROUP
            options = [{"type": node_type, "name": subpath[depth], "options": options}]
        data: dict[str, Any] = {
            "id": found.command["id"],
            "name": found.command["name"],
            "type": 1,
            "options": options,
        }
        if found.guild_id is not None:
            data["guild_id"] = str(found.guild_id)
        if self.resolved:
            data["resolved"] = self.resolved
        return data

    def _value(self, opt: dict[str, Any], value: Any) -> Any:
        kind = opt["type"]
        name = opt["name"]
        if kind == STRING:
            if not isinstance(value, str):
                raise InvalidInvocationError(f"option {name!r} takes text, not {value!r}")
            low, high = opt.get("min_length", 0), opt.get("max_length", 6000)
            if not low <= len(value) <= high:
                raise InvalidInvocationError(f"option {name!r} must be {low}-{high} characters, got {len(value)}")
            return self._choice(opt, value)
        if kind in (INTEGER, NUMBER):
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise InvalidInvocationError(f"option {name!r} takes a number, not {value!r}")
            if kind == INTEGER and not isinstance(value, int):
                raise InvalidInvocationError(f"option {name!r} takes a whole number, not {value!r}")
            low = opt.get("min_value", -_INT_LIMIT)
            high = opt.get("max_value", _INT_LIMIT)
            if not low <= value <= high:
                raise InvalidInvocationError(f"option {name!r} must be between {low} and {high}, got {value}")
            return self._choice(opt, value)
        if kind == BOOLEAN:
            if not isinstance(value, bool):
                raise InvalidInvocationError(f"option {name!r} takes True or False, not {value!r}")
            return value
        if kind == USER:
            return str(self._resolve_user(name, value).id)
        if kind == ROLE:
            return str(self._resolve_role(name, value).id)
        if kind == MENTIONABLE:
            if isinstance(value, Role) or (isinstance(value, str) and not value.isdigit()):
                return str(self._resolve_role(name, value).id)
            return str(self._resolve_user(name, value).id)
        if kind == CHANNEL:
            return str(self._resolve_channel(opt, value).id)
        if kind == ATTACHMENT:
            if not isinstance(value, Upload):
                raise InvalidInvocationError(f"option {name!r} takes an Upload(filename, data), not {value!r}")
            sent = self.ctx.world.store_file(value.filename, value.data, value.content_type)
            self.resolved.setdefault("attachments", {})[str(sent.id)] = sent.payload()
            return str(sent.id)
        raise InvalidInvocationError(f"option {name!r} has unsupported type {kind}")

    def _choice(self, opt: dict[str, Any], value: Any) -> Any:
        choices = opt.get("choices")
        if not choices:
            return value
        for choice in choices:
            if choice["value"] == value:
                return value
        for choice in choices:
            if choice["name"] == value:
                return choice["value"]
        allowed = [c["value"] for c in choices]
        raise InvalidInvocationError(f"option {opt['name']!r} must be one of {allowed}, got {value!r}")

    def _resolve_user(self, name: str, value: Any) -> User:
        world = self.ctx.world
        try:
            user = world.user(value.user.id if hasattr(value, "user") else as_id(value))
        except (DiscordError, TypeError):
            raise InvalidInvocationError(f"option {name!r}: unknown user {value!r}") from None
        self.resolved.setdefault("users", {})[str(user.id)] = user.payload()
        guild = self.ctx.guild
        if guild is not None and user.id in guild.members:
            member = guild.members[user.id]
            perms = world.permissions(guild, user.id)
            self.resolved.setdefault("members", {})[str(user.id)] = member.payload(with_user=False, permissions=perms)
        return user

    def _resolve_role(self, name: str, value: Any) -> Role:
        guild = self.ctx.guild
        if guild is None:
            raise InvalidInvocationError(f"option {name!r}: there are no roles in a DM")
        role: Role | None = None
        if isinstance(value, str) and not value.isdigit():
            role = next((r for r in guild.roles.values() if r.name == value), None)
        else:
            try:
                role = guild.roles.get(as_id(value))
            except TypeError:
                role = None
        if role is None:
            raise InvalidInvocationError(f"option {name!r}: no role {value!r} in {guild.name}")
        self.resolved.setdefault("roles", {})[str(role.id)] = role.payload()
        return role

    def _resolve_channel(self, opt: dict[str, Any], value: Any) -> Channel:
        world = self.ctx.world
        guild = self.ctx.guild
        name = opt["name"]
        channel: Channel | None = None
        if isinstance(value, str) and not value.isdigit():
            if guild is not None:
                channel = next(
                    (
                        c
                        for c in world.channels.values()
                        if c.guild_id == guild.id and c.name == value and not c.deleted
                    ),
                    None,
                )
        else:
            try:
                channel = world.channel(value)
            except DiscordError:
                channel = None
        if channel is None or guild is None or channel.guild_id != guild.id:
            raise InvalidInvocationError(f"option {name!r}: no channel {value!r} in this server")
        types = opt.get("channel_types")
        if types and channel.type not in types:
            raise InvalidInvocationError(f"option {name!r} accepts channel types {types}, not {channel.type}")
        perms = world.permissions(guild, self.ctx.user.id, channel)
        if not perms & p.VIEW_CHANNEL:
            raise InvalidInvocationError(f"option {name!r}: the user cannot see channel {channel.name!r}")
        data = world.channel_payload(channel)
        data["permissions"] = str(perms)
        self.resolved.setdefault("channels", {})[str(channel.id)] = data
        return channel
