"""Discord's limits on what a bot may send, checked the way Discord checks them (400 50035 with a field path).

Sources: the Discord developer documentation for messages, embeds, components, modals, interaction responses
and application commands.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from typing import Any

from bot.standin.errors import DiscordError, form_error, too_long
from bot.standin.models import FLAG_COMPONENTS_V2, SELECT_TYPES, Pings

log = logging.getLogger(__name__)

CONTENT_MAX = 2000
EMBEDS_MAX = 10
EMBED_TITLE_MAX = 256
EMBED_DESCRIPTION_MAX = 4096
EMBED_FIELDS_MAX = 25
EMBED_FIELD_NAME_MAX = 256
EMBED_FIELD_VALUE_MAX = 1024
EMBED_FOOTER_MAX = 2048
EMBED_AUTHOR_MAX = 256
EMBED_TOTAL_MAX = 6000
ACTION_ROWS_MAX = 5
ROW_BUTTONS_MAX = 5
CUSTOM_ID_MAX = 100
BUTTON_LABEL_MAX = 80
SELECT_OPTIONS_MAX = 25
SELECT_OPTION_TEXT_MAX = 100
SELECT_PLACEHOLDER_MAX = 150
V2_COMPONENTS_MAX = 40
V2_TEXT_MAX = 4000
CHOICES_MAX = 25
CHOICE_NAME_MAX = 100
CHOICE_VALUE_MAX = 100
MODAL_TITLE_MAX = 45
MODAL_COMPONENTS_MAX = 5
TEXT_INPUT_LABEL_MAX = 45
TEXT_INPUT_VALUE_MAX = 4000
TEXT_INPUT_PLACEHOLDER_MAX = 100
LABEL_DESCRIPTION_MAX = 100
FILES_MAX = 10
FILE_SIZE_MAX = 10 * 1024 * 1024
NONCE_MAX = 25
COMMANDS_MAX = 100
COMMAND_NAME_MAX = 32
COMMAND_DESCRIPTION_MAX = 100
COMMAND_OPTIONS_MAX = 25
COMMAND_TOTAL_MAX = 4000
STRING_OPTION_LENGTH_MAX = 6000

_COMMAND_NAME = re.compile(r"^[-_\w]{1,32}$")
_USER_MENTION = re.compile(r"<@!?(\d{15,21})>")
_ROLE_MENTION = re.compile(r"<@&(\d{15,21})>")
_EVERYONE = re.compile(r"@(everyone|here)")


def _check_len(value: Any, path: str, limit: int, *, required: bool = False) -> int:
    """Check an optional string's length; returns its length (0 when absent)."""
    if value is None:
        if required:
            raise form_error(path, "BASE_TYPE_REQUIRED", "This field is required")
        return 0
    if not isinstance(value, str):
        raise form_error(path, "BASE_TYPE_STRING", "Must be a string.")
    if required and not value:
        raise form_error(path, "BASE_TYPE_MIN_LENGTH", "Must be 1 or more in length.")
    if len(value) > limit:
        raise too_long(path, limit)
    return len(value)


def validate_embeds(embeds: Any) -> None:
    """Embed count and per-field limits, and the 6000-character total over all embeds of a message."""
    if embeds is None:
        return
    if not isinstance(embeds, list):
        raise form_error("embeds", "BASE_TYPE_ARRAY", "Must be an array.")
    if len(embeds) > EMBEDS_MAX:
        raise form_error("embeds", "BASE_TYPE_MAX_LENGTH", f"Must be {EMBEDS_MAX} or fewer in length.")
    total = 0
    for i, embed in enumerate(embeds):
        path = f"embeds.{i}"
        total += _check_len(embed.get("title"), f"{path}.title", EMBED_TITLE_MAX)
        total += _check_len(embed.get("description"), f"{path}.description", EMBED_DESCRIPTION_MAX)
        fields = embed.get("fields") or []
        if len(fields) > EMBED_FIELDS_MAX:
            raise form_error(
                f"{path}.fields", "BASE_TYPE_MAX_LENGTH", f"Must be {EMBED_FIELDS_MAX} or fewer in length."
            )
        for j, fld in enumerate(fields):
            total += _check_len(fld.get("name"), f"{path}.fields.{j}.name", EMBED_FIELD_NAME_MAX, required=True)
            total += _check_len(fld.get("value"), f"{path}.fields.{j}.value", EMBED_FIELD_VALUE_MAX, required=True)
        footer = embed.get("footer")
        if isinstance(footer, dict):
            total += _check_len(footer.get("text"), f"{path}.footer.text", EMBED_FOOTER_MAX)
        author = embed.get("author")
        if isinstance(author, dict):
            total += _check_len(author.get("name"), f"{path}.author.name", EMBED_AUTHOR_MAX)
    if total > EMBED_TOTAL_MAX:
        raise form_error("embeds", "MAX_EMBED_SIZE_EXCEEDED", f"Embed size exceeds maximum size of {EMBED_TOTAL_MAX}")


def _validate_button(comp: dict[str, Any], path: str, custom_ids: set[str]) -> None:
    style = comp.get("style")
    if style not in (1, 2, 3, 4, 5, 6):
        raise form_error(f"{path}.style", "BASE_TYPE_CHOICES", "Value must be one of (1, 2, 3, 4, 5, 6).")
    _check_len(comp.get("label"), f"{path}.label", BUTTON_LABEL_MAX)
    if style == 5:
        if not comp.get("url"):
            raise form_error(f"{path}.url", "BUTTON_COMPONENT_URL_REQUIRED", "A url is required")
        if comp.get("custom_id"):
            raise form_error(f"{path}.custom_id", "BUTTON_COMPONENT_INVALID_URL", "A link button has no custom_id")
        return
    if style == 6:
        return
    _check_custom_id(comp.get("custom_id"), f"{path}.custom_id", custom_ids)
    if comp.get("url"):
        raise form_error(f"{path}.url", "BUTTON_COMPONENT_CUSTOM_ID_REQUIRED", "Only link buttons have a url")


def _check_custom_id(custom_id: Any, path: str, custom_ids: set[str]) -> None:
    _check_len(custom_id, path, CUSTOM_ID_MAX, required=True)
    if custom_id in custom_ids:
        raise form_error(path, "COMPONENT_CUSTOM_ID_DUPLICATED", "Component custom id cannot be duplicated")
    custom_ids.add(custom_id)


def _validate_select(comp: dict[str, Any], path: str, custom_ids: set[str]) -> None:
    _check_custom_id(comp.get("custom_id"), f"{path}.custom_id", custom_ids)
    _check_len(comp.get("placeholder"), f"{path}.placeholder", SELECT_PLACEHOLDER_MAX)
    min_values = comp.get("min_values", 1)
    max_values = comp.get("max_values", 1)
    if not 0 <= min_values <= SELECT_OPTIONS_MAX:
        raise form_error(f"{path}.min_values", "NUMBER_TYPE_MAX", "int value should be between 0 and 25.")
    if not 1 <= max_values <= SELECT_OPTIONS_MAX:
        raise form_error(f"{path}.max_values", "NUMBER_TYPE_MAX", "int value should be between 1 and 25.")
    if min_values > max_values:
        raise form_error(f"{path}.min_values", "SELECT_COMPONENT_MIN_VALUES_EXCEEDS_MAX", "min_values exceeds max")
    if comp.get("type") != 3:
        return
    options = comp.get("options") or []
    if not 1 <= len(options) <= SELECT_OPTIONS_MAX:
        raise form_error(f"{path}.options", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 25 in length.")
    if max_values > len(options):
        raise form_error(f"{path}.max_values", "SELECT_COMPONENT_MAX_VALUES_EXCEEDS_OPTIONS", "Too few options")
    values: set[str] = set()
    for k, opt in enumerate(options):
        opath = f"{path}.options.{k}"
        _check_len(opt.get("label"), f"{opath}.label", SELECT_OPTION_TEXT_MAX, required=True)
        _check_len(opt.get("value"), f"{opath}.value", SELECT_OPTION_TEXT_MAX, required=True)
        _check_len(opt.get("description"), f"{opath}.description", SELECT_OPTION_TEXT_MAX)
        if opt.get("value") in values:
            raise form_error(f"{opath}.value", "SELECT_COMPONENT_OPTION_VALUE_DUPLICATED", "Duplicate option value")
        values.add(opt["value"])


def validate_components(components: Any, *, flags: int = 0) -> None:
    """Message components: at most five action rows of at most five buttons or one select (V1), or V2 layouts."""
    if components is None:
        return
    if not isinstance(components, list):
        raise form_error("components", "BASE_TYPE_ARRAY", "Must be an array.")
    custom_ids: set[str] = set()
    if flags & FLAG_COMPONENTS_V2:
        _validate_v2(components, custom_ids)
        return
    if len(components) > ACTION_ROWS_MAX:
        raise form_error("components", "BASE_TYPE_MAX_LENGTH", f"Must be {ACTION_ROWS_MAX} or fewer in length.")
    for i, row in enumerate(components):
        _validate_row(row, f"components.{i}", custom_ids)


def _validate_row(row: dict[str, Any], path: str, custom_ids: set[str]) -> None:
    if row.get("type") != 1:
        raise form_error(f"{path}.type", "UNION_TYPE_CHOICES", 'Value of field "type" must be one of (1,).')
    children = row.get("components") or []
    if not 1 <= len(children) <= ROW_BUTTONS_MAX:
        raise form_error(f"{path}.components", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 5 in length.")
    selects = [c for c in children if c.get("type") in SELECT_TYPES]
    if selects and len(children) > 1:
        raise form_error(f"{path}.components", "COMPONENT_LAYOUT_WIDTH_EXCEEDED", "A select takes a whole row")
    for j, comp in enumerate(children):
        cpath = f"{path}.components.{j}"
        if comp.get("type") == 2:
            _validate_button(comp, cpath, custom_ids)
        elif comp.get("type") in SELECT_TYPES:
            _validate_select(comp, cpath, custom_ids)
        else:
            raise form_error(f"{cpath}.type", "COMPONENT_TYPE_INVALID", "Invalid component type in a message row")


def _validate_v2(components: list[dict[str, Any]], custom_ids: set[str]) -> None:
    from bot.standin.models import walk_components

    every = walk_components(components)
    if len(every) > V2_COMPONENTS_MAX:
        raise form_error("components", "COMPONENT_MAX_TOTAL_COMPONENTS_EXCEEDED", "Too many components (max 40)")
    text = sum(len(c.get("content") or "") for c in every if c.get("type") == 10)
    if text > V2_TEXT_MAX:
        raise form_error("components", "MAX_TEXT_DISPLAY_LENGTH", f"Text displays exceed {V2_TEXT_MAX} characters")
    for i, comp in enumerate(every):
        if comp.get("type") == 1:
            _validate_row(comp, f"components.{i}", custom_ids)


def validate_allowed_mentions(allowed: Any) -> None:
    """``parse`` must not be combined with an explicit list of the same kind."""
    if allowed is None:
        return
    parse = allowed.get("parse") or []
    for kind in parse:
        if kind not in ("roles", "users", "everyone"):
            raise form_error("allowed_mentions.parse", "BASE_TYPE_CHOICES", "Invalid allowed mention type")
    for kind in ("users", "roles"):
        ids = allowed.get(kind) or []
        if ids and kind in parse:
            raise form_error(
                "allowed_mentions", "MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE", f'parse:["{kind}"] and {kind}: [ids]'
            )
        if len(ids) > 100:
            raise too_long(f"allowed_mentions.{kind}", 100)


def validate_message(body: dict[str, Any], *, file_sizes: Iterable[int] = (), creating: bool = True) -> None:
    """Everything Discord checks on a message body (create, edit, interaction response or followup)."""
    content = body.get("content")
    _check_len(content, "content", CONTENT_MAX)
    flags = int(body.get("flags") or 0)
    if flags & FLAG_COMPONENTS_V2 and (content or body.get("embeds")):
        raise form_error("content", "MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2", "V2 takes no content")
    validate_embeds(body.get("embeds"))
    validate_components(body.get("components"), flags=flags)
    validate_allowed_mentions(body.get("allowed_mentions"))
    nonce = body.get("nonce")
    if isinstance(nonce, str) and len(nonce) > NONCE_MAX:
        raise too_long("nonce", NONCE_MAX)
    sizes = list(file_sizes)
    if len(sizes) > FILES_MAX:
        raise form_error("files", "BASE_TYPE_MAX_LENGTH", f"Must be {FILES_MAX} or fewer in length.")
    if any(size > FILE_SIZE_MAX for size in sizes):
        raise DiscordError(40005, "Request entity too large", status=413)
    if creating and not (content or body.get("embeds") or body.get("components") or sizes or body.get("poll")):
        raise DiscordError(50006)


def validate_choices(choices: Any) -> None:
    """Autocomplete results: at most 25 choices, names 1-100 characters, string values up to 100."""
    if not isinstance(choices, list):
        raise form_error("data.choices", "BASE_TYPE_ARRAY", "Must be an array.")
    if len(choices) > CHOICES_MAX:
        raise form_error("data.choices", "BASE_TYPE_MAX_LENGTH", f"Must be {CHOICES_MAX} or fewer in length.")
    for i, choice in enumerate(choices):
        path = f"data.choices.{i}"
        name = choice.get("name")
        if not isinstance(name, str) or not 1 <= len(name) <= CHOICE_NAME_MAX:
            raise form_error(f"{path}.name", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
        value = choice.get("value")
        if isinstance(value, str) and len(value) > CHOICE_VALUE_MAX:
            raise too_long(f"{path}.value", CHOICE_VALUE_MAX)


def _validate_text_input(comp: dict[str, Any], path: str, custom_ids: set[str], *, in_label: bool) -> None:
    _check_custom_id(comp.get("custom_id"), f"{path}.custom_id", custom_ids)
    if comp.get("style") not in (1, 2):
        raise form_error(f"{path}.style", "BASE_TYPE_CHOICES", "Value must be one of (1, 2).")
    if not in_label:
        _check_len(comp.get("label"), f"{path}.label", TEXT_INPUT_LABEL_MAX, required=True)
    _check_len(comp.get("placeholder"), f"{path}.placeholder", TEXT_INPUT_PLACEHOLDER_MAX)
    _check_len(comp.get("value"), f"{path}.value", TEXT_INPUT_VALUE_MAX)
    min_length = comp.get("min_length", 0)
    max_length = comp.get("max_length", TEXT_INPUT_VALUE_MAX)
    if not 0 <= min_length <= TEXT_INPUT_VALUE_MAX:
        raise form_error(f"{path}.min_length", "NUMBER_TYPE_MAX", "int value should be between 0 and 4000.")
    if not 1 <= max_length <= TEXT_INPUT_VALUE_MAX:
        raise form_error(f"{path}.max_length", "NUMBER_TYPE_MAX", "int value should be between 1 and 4000.")
    if min_length > max_length:
        raise form_error(f"{path}.min_length", "TEXT_INPUT_MIN_EXCEEDS_MAX", "min_length exceeds max_length")


def validate_modal(data: Any) -> None:
    """A modal: custom_id, a title of at most 45 characters and one to five rows or labels."""
    if not isinstance(data, dict):
        raise form_error("data", "BASE_TYPE_REQUIRED", "This field is required")
    custom_ids: set[str] = set()
    _check_len(data.get("custom_id"), "data.custom_id", CUSTOM_ID_MAX, required=True)
    _check_len(data.get("title"), "data.title", MODAL_TITLE_MAX, required=True)
    components = data.get("components") or []
    if not 1 <= len(components) <= MODAL_COMPONENTS_MAX:
        raise form_error("data.components", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 5 in length.")
    for i, comp in enumerate(components):
        path = f"data.components.{i}"
        kind = comp.get("type")
        if kind == 1:
            children = comp.get("components") or []
            if len(children) != 1 or children[0].get("type") != 4:
                raise form_error(f"{path}.components", "BASE_TYPE_BAD_LENGTH", "A modal row holds one text input.")
            _validate_text_input(children[0], f"{path}.components.0", custom_ids, in_label=False)
        elif kind == 18:
            _check_len(comp.get("label"), f"{path}.label", TEXT_INPUT_LABEL_MAX, required=True)
            _check_len(comp.get("description"), f"{path}.description", LABEL_DESCRIPTION_MAX)
            child = comp.get("component") or {}
            if child.get("type") == 4:
                _validate_text_input(child, f"{path}.component", custom_ids, in_label=True)
            elif child.get("type") in SELECT_TYPES:
                _validate_select(child, f"{path}.component", custom_ids)
            elif child.get("type") != 19:
                raise form_error(f"{path}.component.type", "COMPONENT_TYPE_INVALID", "Invalid component in a label")
        elif kind != 10:
            raise form_error(f"{path}.type", "COMPONENT_TYPE_INVALID", "Invalid component type in a modal")


def _command_chars(cmd: dict[str, Any]) -> int:
    total = len(cmd.get("name") or "") + len(cmd.get("description") or "")
    for opt in cmd.get("options") or []:
        total += _command_chars(opt)
        for choice in opt.get("choices") or []:
            total += len(str(choice.get("name") or "")) + len(str(choice.get("value") or ""))
    return total


def _validate_options(options: list[dict[str, Any]], path: str, *, depth: int) -> None:
    if len(options) > COMMAND_OPTIONS_MAX:
        raise form_error(path, "BASE_TYPE_MAX_LENGTH", f"Must be {COMMAND_OPTIONS_MAX} or fewer in length.")
    names: set[str] = set()
    seen_optional = False
    for i, opt in enumerate(options):
        opath = f"{path}.{i}"
        name = opt.get("name") or ""
        if not _COMMAND_NAME.match(name) or name != name.lower():
            raise form_error(f"{opath}.name", "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
        if name in names:
            raise form_error(f"{opath}.name", "APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS", "Duplicate name")
        names.add(name)
        _check_len(opt.get("description"), f"{opath}.description", COMMAND_DESCRIPTION_MAX, required=True)
        kind = opt.get("type")
        if kind in (1, 2):
            if kind == 2 and depth > 0:
                raise form_error(f"{opath}.type", "APPLICATION_COMMAND_OPTION_TYPE_INVALID", "Groups nest once")
            _validate_options(opt.get("options") or [], f"{opath}.options", depth=depth + 1)
            continue
        if opt.get("required"):
            if seen_optional:
                raise form_error(
                    f"{opath}.required", "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID", "Required options go first"
                )
        else:
            seen_optional = True
        choices = opt.get("choices") or []
        if choices and opt.get("autocomplete"):
            raise form_error(f"{opath}.autocomplete", "AUTOCOMPLETE_AND_CHOICES", "Choices or autocomplete, not both")
        if len(choices) > CHOICES_MAX:
            raise form_error(f"{opath}.choices", "BASE_TYPE_MAX_LENGTH", f"Must be {CHOICES_MAX} or fewer in length.")
        for k, choice in enumerate(choices):
            _check_len(choice.get("name"), f"{opath}.choices.{k}.name", CHOICE_NAME_MAX, required=True)
            if isinstance(choice.get("value"), str):
                _check_len(choice["value"], f"{opath}.choices.{k}.value", CHOICE_VALUE_MAX)
        for key, low, high in (
            ("min_length", 0, STRING_OPTION_LENGTH_MAX),
            ("max_length", 1, STRING_OPTION_LENGTH_MAX),
        ):
            value = opt.get(key)
            if value is not None and not low <= value <= high:
                raise form_error(f"{opath}.{key}", "NUMBER_TYPE_MAX", f"int value should be between {low} and {high}.")


def validate_commands(commands: Any) -> None:
    """A bulk overwrite: at most 100 slash commands, valid names and descriptions, options and choices."""
    if not isinstance(commands, list):
        raise form_error("_errors", "BASE_TYPE_ARRAY", "Must be an array.")
    chat = [c for c in commands if c.get("type", 1) == 1]
    if len(chat) > COMMANDS_MAX:
        raise form_error("_errors", "BASE_TYPE_MAX_LENGTH", f"Must be {COMMANDS_MAX} or fewer in length.")
    seen: set[tuple[int, str]] = set()
    for i, cmd in enumerate(commands):
        path = str(i)
        kind = cmd.get("type", 1)
        name = cmd.get("name") or ""
        if (kind, name) in seen:
            raise form_error(f"{path}.name", "APPLICATION_COMMANDS_DUPLICATE_NAME", f"Duplicate command name {name!r}")
        seen.add((kind, name))
        if kind == 1:
            if not _COMMAND_NAME.match(name) or name != name.lower():
                raise form_error(f"{path}.name", "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
            _check_len(cmd.get("description"), f"{path}.description", COMMAND_DESCRIPTION_MAX, required=True)
            _validate_options(cmd.get("options") or [], f"{path}.options", depth=0)
            if _command_chars(cmd) > COMMAND_TOTAL_MAX:
                raise form_error(path, "APPLICATION_COMMAND_TOO_LARGE", "Command exceeds maximum size (4000)")
        else:
            _check_len(name, f"{path}.name", COMMAND_NAME_MAX, required=True)


def compute_pings(
    content: str,
    allowed: dict[str, Any] | None,
    *,
    mentionable_roles: Iterable[int],
    can_mention_everyone: bool,
) -> Pings:
    """Who a message notifies: the mentions in its content, filtered by ``allowed_mentions`` and permissions."""
    users = {int(m) for m in _USER_MENTION.findall(content)}
    roles = {int(m) for m in _ROLE_MENTION.findall(content)}
    everyone = bool(_EVERYONE.search(content))
    if allowed is None:
        parse = {"users", "roles", "everyone"}
        allowed_users: set[int] = set()
        allowed_roles: set[int] = set()
    else:
        parse = set(allowed.get("parse") or [])
        allowed_users = {int(u) for u in allowed.get("users") or []}
        allowed_roles = {int(r) for r in allowed.get("roles") or []}
    pinged_users = users if "users" in parse else users & allowed_users
    pinged_roles = roles if "roles" in parse else roles & allowed_roles
    if not can_mention_everyone:
        pinged_roles &= set(mentionable_roles)
    return Pings(
        users=frozenset(pinged_users),
        roles=frozenset(pinged_roles),
        everyone=everyone and "everyone" in parse and can_mention_everyone,
    )
