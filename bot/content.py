"""Load and validate the bundled, version-controlled PMO content under ``data/``.

Four YAML files make up the content:

* ``vocabulary.yaml`` - the one shared vocabulary of skills, roles and topics; every tag used anywhere
  (role card skills, FAQ tags, prompt tags, mentoring areas) is the id of exactly one entry in it;
* ``roles.yaml`` - role cards for ``/role info`` and ``/role compare``;
* ``faq.yaml`` - built-in FAQ entries for ``/faq``;
* ``prompts.yaml`` - the built-in bank of daily learning prompts, tagged experience / exposure / education.

:func:`load_content` reads all four, checks every rule below and either returns frozen dataclasses or raises
:class:`ContentError` listing *every* problem found, each as ``file:line: entry 'id': message``. Line numbers
come from the YAML node marks, so a moderator or author can jump straight to the offending entry or field.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

log = logging.getLogger(__name__)

DATA_DIR: Final[Path] = Path(__file__).resolve().parent.parent / "data"
"""The bundled, read-only content directory (``<repo>/data``)."""

VOCABULARY_FILE: Final = "vocabulary.yaml"
ROLES_FILE: Final = "roles.yaml"
FAQ_FILE: Final = "faq.yaml"
PROMPTS_FILE: Final = "prompts.yaml"

SKILL_KINDS: Final[frozenset[str]] = frozenset({"hard", "soft"})
PROMPT_KINDS: Final[tuple[str, ...]] = ("experience", "exposure", "education")
"""The 70-20-10 kinds, in that order: learning by doing, learning from others, formal learning."""

# Minimum sizes of the bundled content (the product promises at least this much); fixtures may be smaller.
MIN_SKILLS: Final = 30
MIN_ROLE_CARDS: Final = 8
MIN_FAQS: Final = 30
MIN_PROMPTS: Final = 60

# Length limits. Names and questions double as autocomplete labels (Discord allows 100 characters);
# role card fields must fit comfortably inside one embed (6000 characters, 1024 per field value).
MAX_NAME: Final = 60
MAX_DESCRIPTION: Final = 200
MAX_LABEL: Final = 100
MAX_ROLE_SUMMARY: Final = 300
MAX_RESPONSIBILITY: Final = 120
MAX_VS_PROJECT_MANAGER: Final = 400
MAX_TOOL: Final = 60
MAX_QUESTION: Final = 100
MAX_ANSWER: Final = 1500
MAX_PROMPT_TEXT: Final = 300
MAX_HINT: Final = 200
MAX_EMBED_TOTAL: Final = 6000
MAX_EMBED_FIELD: Final = 1024
ROLE_CARD_BUDGET: Final = 4500
"""A role card's rendered text must stay below this, leaving headroom under the 6000-character embed limit."""

_SLUG: Final = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_STR_TAG: Final = "tag:yaml.org,2002:str"


class ContentError(Exception):
    """The content failed validation; ``problems`` holds one ``file:line: ...`` line per problem."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems: tuple[str, ...] = tuple(problems)
        count = len(self.problems)
        noun = "problem" if count == 1 else "problems"
        super().__init__(f"content validation failed with {count} {noun}:\n" + "\n".join(self.problems))


@dataclass(frozen=True)
class Skill:
    """A skill from the shared vocabulary; ``kind`` is ``hard`` or ``soft``."""

    id: str
    name: str
    kind: str
    description: str
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class Topic:
    """A tag for FAQ entries and prompts that is neither a skill nor a role (e.g. ``cv``, ``70-20-10``)."""

    id: str
    name: str


@dataclass(frozen=True)
class RoleRef:
    """A role known to the vocabulary; a role card may or may not exist for it."""

    id: str
    name: str


@dataclass(frozen=True)
class Vocabulary:
    """The shared vocabulary: every tag id resolves to exactly one skill, role or topic."""

    skills: Mapping[str, Skill]
    roles: Mapping[str, RoleRef]
    topics: Mapping[str, Topic]

    def label(self, tag_id: str) -> str:
        """Return the human label of any skill, role or topic id; raise ``KeyError`` if it is unknown."""
        if tag_id in self.skills:
            return self.skills[tag_id].name
        if tag_id in self.roles:
            return self.roles[tag_id].name
        if tag_id in self.topics:
            return self.topics[tag_id].name
        raise KeyError(tag_id)

    def is_tag(self, tag_id: str) -> bool:
        """Return whether ``tag_id`` is a skill, role or topic id."""
        return tag_id in self.skills or tag_id in self.roles or tag_id in self.topics


@dataclass(frozen=True)
class RoleCard:
    """A PMO role card as shown by ``/role info``."""

    id: str
    name: str
    aliases: tuple[str, ...]
    summary: str
    responsibilities: tuple[str, ...]
    hard_skills: tuple[str, ...]
    soft_skills: tuple[str, ...]
    vs_project_manager: str
    titles: tuple[str, ...]
    next_roles: tuple[str, ...]
    tools: tuple[str, ...]


@dataclass(frozen=True)
class FaqEntry:
    """A built-in FAQ entry; ``topic`` is its unique slug and ``question`` its autocomplete label."""

    topic: str
    question: str
    answer: str
    aliases: tuple[str, ...]
    tags: tuple[str, ...]


@dataclass(frozen=True)
class PromptSeed:
    """A built-in daily learning prompt; ``kind`` is experience, exposure or education."""

    id: str
    text: str
    kind: str
    tags: tuple[str, ...]
    hint: str


@dataclass(frozen=True)
class Content:
    """Everything under ``data/``, validated."""

    vocabulary: Vocabulary
    roles: tuple[RoleCard, ...]
    faqs: tuple[FaqEntry, ...]
    prompts: tuple[PromptSeed, ...]


# --------------------------------------------------------------------------------------------------------------
# Node-level helpers
# --------------------------------------------------------------------------------------------------------------


def _line(node: Node) -> int:
    """Return the 1-based line where ``node`` starts."""
    return int(node.start_mark.line) + 1


def _describe(node: Node) -> str:
    """Name a node's type the way an author would ("list", "number", ...)."""
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    short = node.tag.rsplit(":", 1)[-1]
    return {"int": "a number", "float": "a number", "bool": "a yes/no value", "null": "empty"}.get(short, short)


def _is_str(node: Node) -> bool:
    return isinstance(node, ScalarNode) and node.tag == _STR_TAG


def _fold(text: str) -> str:
    """Normalise text for case- and whitespace-insensitive uniqueness checks."""
    return " ".join(text.casefold().split())


class _Problems:
    """Collects problems from every file so that all of them are reported at once."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, file: str, line: int, message: str, entry: str | None = None) -> None:
        prefix = f"{file}:{line}: " + (f"entry '{entry}': " if entry is not None else "")
        self.items.append(prefix + message)


class _Registry:
    """Detects repeated values (ids, names, aliases) within one namespace, case-insensitively."""

    def __init__(self, problems: _Problems, file: str, *, fold: bool = True) -> None:
        self._problems = problems
        self._file = file
        self._fold = fold
        self._seen: dict[str, tuple[str, int]] = {}

    def claim(self, value: str, line: int, entry: str, field: str) -> bool:
        """Record ``value``; report and return False if it was already taken."""
        key = _fold(value) if self._fold else value
        previous = self._seen.get(key)
        if previous is not None:
            owner, owner_line = previous
            self._problems.add(
                self._file, line, f"{field} '{value}' is already used by entry '{owner}' (line {owner_line})", entry
            )
            return False
        self._seen[key] = (entry, line)
        return True


@dataclass(frozen=True)
class _Item:
    """A string from the YAML with the line it came from."""

    value: str
    line: int


class _Entry:
    """One mapping in a list of entries, with typed, self-reporting field readers."""

    def __init__(
        self, problems: _Problems, file: str, node: MappingNode, label: str, fields: dict[str, tuple[Node, Node]]
    ) -> None:
        self.problems = problems
        self.file = file
        self.node = node
        self.label = label
        self.fields = fields
        self.ok = True

    @property
    def line(self) -> int:
        """The line where the entry starts."""
        return _line(self.node)

    def problem(self, line: int, message: str) -> None:
        """Report a problem with this entry and mark it invalid."""
        self.ok = False
        self.problems.add(self.file, line, message, self.label)

    def field_line(self, name: str) -> int:
        """The line of a field's value, or of the entry when the field is absent."""
        pair = self.fields.get(name)
        return _line(pair[1]) if pair is not None else self.line

    def _check_text(self, name: str, value: str, line: int, *, max_len: int, slug: bool) -> str | None:
        text = value.strip()
        if not text:
            self.problem(line, f"{name} is empty")
            return None
        if slug and not _SLUG.fullmatch(text):
            self.problem(line, f"{name} '{text}' is not a lowercase kebab-case slug (like 'raid-management')")
            return None
        if len(text) > max_len:
            self.problem(line, f"{name} is {len(text)} characters (max {max_len})")
            return None
        return text

    def text(self, name: str, *, max_len: int, slug: bool = False) -> str | None:
        """Read a required string field; report and return None if it is absent or invalid."""
        pair = self.fields.get(name)
        if pair is None:
            return None  # reported once, as a missing field, when the entry was read
        node = pair[1]
        if not _is_str(node):
            self.problem(_line(node), f"{name} must be text, got {_describe(node)}")
            return None
        return self._check_text(name, str(node.value), _line(node), max_len=max_len, slug=slug)

    def items(
        self, name: str, *, min_items: int, max_items: int, max_len: int, slug: bool = False
    ) -> list[_Item] | None:
        """Read a list-of-strings field (absent optional lists read as empty)."""
        pair = self.fields.get(name)
        if pair is None:
            return [] if min_items == 0 else None
        key_node, node = pair
        if not isinstance(node, SequenceNode):
            self.problem(_line(node), f"{name} must be a list, got {_describe(node)}")
            return None
        count = len(node.value)
        if not min_items <= count <= max_items:
            expected = f"{min_items}-{max_items}" if max_items > min_items else str(min_items)
            # Reported on the key's line: a block list's own mark is its first item.
            self.problem(_line(key_node), f"{name} has {count} items (expected {expected})")
        result: list[_Item] = []
        seen: dict[str, int] = {}
        for child in node.value:
            line = _line(child)
            if not _is_str(child):
                self.problem(line, f"each item of {name} must be text, got {_describe(child)}")
                continue
            text = self._check_text(f"item of {name}", str(child.value), line, max_len=max_len, slug=slug)
            if text is None:
                continue
            key = _fold(text)
            if key in seen:
                self.problem(line, f"{name} lists '{text}' twice (first on line {seen[key]})")
                continue
            seen[key] = line
            result.append(_Item(text, line))
        return result


# libyaml's loader is ~10x faster and keeps the same line marks; the pure-Python one is the fallback.
_YAML_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_CONTENT_FILES = ("vocabulary.yaml", "roles.yaml", "faq.yaml", "prompts.yaml")
_cache: dict[tuple[object, ...], Content] = {}


def _compose(problems: _Problems, path: Path) -> Node | None:
    """Parse one YAML file into a node tree, reporting a missing file or a syntax error."""
    name = path.name
    try:
        source = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        problems.add(name, 1, f"file not found in {path.parent}")
        return None
    except (OSError, UnicodeDecodeError) as exc:
        problems.add(name, 1, f"cannot read file: {exc}")
        return None
    try:
        node = yaml.compose(source, Loader=_YAML_LOADER)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = int(mark.line) + 1 if mark is not None else 1
        problems.add(name, line, f"invalid YAML: {exc.problem or exc.context}")
        return None
    except yaml.YAMLError as exc:
        problems.add(name, 1, f"invalid YAML: {exc}")
        return None
    if node is None:
        problems.add(name, 1, "file is empty")
    return node


def _read_root(problems: _Problems, file: str, root: Node, keys: Mapping[str, bool]) -> dict[str, tuple[Node, Node]]:
    """Read the top-level mapping into ``{key: (key node, value node)}``; ``keys`` says which are required."""
    if not isinstance(root, MappingNode):
        problems.add(file, _line(root), f"the file must be a mapping with the keys {', '.join(keys)}")
        return {}
    found: dict[str, tuple[Node, Node]] = {}
    for key_node, value_node in root.value:
        key = str(key_node.value) if _is_str(key_node) else None
        if key is None or key not in keys:
            problems.add(
                file, _line(key_node), f"unknown top-level key {key_node.value!r} (allowed: {', '.join(keys)})"
            )
        elif key in found:
            problems.add(file, _line(key_node), f"top-level key '{key}' appears twice")
        else:
            found[key] = (key_node, value_node)
    for key, required in keys.items():
        if required and key not in found:
            problems.add(file, _line(root), f"missing top-level key '{key}'")
    return found


def _value(sections: Mapping[str, tuple[Node, Node]], key: str) -> Node | None:
    """Return the value node of a top-level key, if present."""
    pair = sections.get(key)
    return pair[1] if pair is not None else None


def _read_entries(
    problems: _Problems,
    file: str,
    node: Node | None,
    section: str,
    id_field: str,
    required: Sequence[str],
    optional: Sequence[str] = (),
) -> list[_Entry]:
    """Split a list of mappings into entries, reporting unknown, repeated and missing fields."""
    if node is None:
        return []
    if not isinstance(node, SequenceNode):
        problems.add(file, _line(node), f"'{section}' must be a list of entries, got {_describe(node)}")
        return []
    allowed = set(required) | set(optional)
    entries: list[_Entry] = []
    for index, item in enumerate(node.value, start=1):
        if not isinstance(item, MappingNode):
            problems.add(file, _line(item), f"{section} entry #{index} must be a mapping, got {_describe(item)}")
            continue
        label = f"#{index}"
        for key_node, value_node in item.value:
            if _is_str(key_node) and key_node.value == id_field and _is_str(value_node) and value_node.value.strip():
                label = str(value_node.value).strip()
        entry = _Entry(problems, file, item, label, {})
        for key_node, value_node in item.value:
            key = str(key_node.value) if _is_str(key_node) else None
            if key is None or key not in allowed:
                entry.problem(
                    _line(key_node), f"unknown field {key_node.value!r} (allowed: {', '.join(sorted(allowed))})"
                )
            elif key in entry.fields:
                entry.problem(_line(key_node), f"field '{key}' appears twice")
            else:
                entry.fields[key] = (key_node, value_node)
        for name in required:
            if name not in entry.fields:
                entry.problem(entry.line, f"missing required field '{name}'")
        entries.append(entry)
    return entries


# --------------------------------------------------------------------------------------------------------------
# Per-file readers
# --------------------------------------------------------------------------------------------------------------


def _load_vocabulary(problems: _Problems, data_dir: Path, *, minimums: bool) -> Vocabulary | None:
    """Read ``vocabulary.yaml``; return None only when the file could not be parsed at all."""
    file = VOCABULARY_FILE
    root = _compose(problems, data_dir / file)
    if root is None:
        return None
    sections = _read_root(problems, file, root, {"skills": True, "roles": True, "topics": False})
    ids = _Registry(problems, file, fold=False)

    skills: dict[str, Skill] = {}
    skill_labels = _Registry(problems, file)
    for entry in _read_entries(
        problems, file, _value(sections, "skills"), "skills", "id", ("id", "name", "kind", "description"), ("aliases",)
    ):
        skill_id = entry.text("id", max_len=MAX_NAME, slug=True)
        name = entry.text("name", max_len=MAX_NAME)
        kind = entry.text("kind", max_len=MAX_NAME)
        description = entry.text("description", max_len=MAX_DESCRIPTION)
        aliases = entry.items("aliases", min_items=0, max_items=10, max_len=MAX_LABEL)
        if kind is not None and kind not in SKILL_KINDS:
            entry.problem(entry.field_line("kind"), f"kind '{kind}' must be 'hard' or 'soft'")
        if skill_id is not None and not ids.claim(skill_id, entry.field_line("id"), entry.label, "id"):
            entry.ok = False
        if name is not None and not skill_labels.claim(name, entry.field_line("name"), entry.label, "name"):
            entry.ok = False
        for alias in aliases or []:
            if not skill_labels.claim(alias.value, alias.line, entry.label, "alias"):
                entry.ok = False
        if entry.ok and skill_id and name and kind and description and aliases is not None:
            skills[skill_id] = Skill(skill_id, name, kind, description, tuple(a.value for a in aliases))

    roles: dict[str, RoleRef] = {}
    role_names = _Registry(problems, file)
    for entry in _read_entries(problems, file, _value(sections, "roles"), "roles", "id", ("id", "name")):
        role_id = entry.text("id", max_len=MAX_NAME, slug=True)
        name = entry.text("name", max_len=MAX_NAME)
        if role_id is not None and not ids.claim(role_id, entry.field_line("id"), entry.label, "id"):
            entry.ok = False
        if name is not None and not role_names.claim(name, entry.field_line("name"), entry.label, "name"):
            entry.ok = False
        if entry.ok and role_id and name:
            roles[role_id] = RoleRef(role_id, name)

    topics: dict[str, Topic] = {}
    topic_names = _Registry(problems, file)
    for entry in _read_entries(problems, file, _value(sections, "topics"), "topics", "id", ("id", "name")):
        topic_id = entry.text("id", max_len=MAX_NAME, slug=True)
        name = entry.text("name", max_len=MAX_NAME)
        if topic_id is not None and not ids.claim(topic_id, entry.field_line("id"), entry.label, "id"):
            entry.ok = False
        if name is not None and not topic_names.claim(name, entry.field_line("name"), entry.label, "name"):
            entry.ok = False
        if entry.ok and topic_id and name:
            topics[topic_id] = Topic(topic_id, name)

    if minimums and "skills" in sections and len(skills) < MIN_SKILLS:
        problems.add(file, _line(sections["skills"][0]), f"only {len(skills)} valid skills (at least {MIN_SKILLS})")
    return Vocabulary(MappingProxyType(skills), MappingProxyType(roles), MappingProxyType(topics))


def _check_tags(entry: _Entry, field: str, items: Iterable[_Item], vocabulary: Vocabulary | None) -> None:
    """Report tags that are not skill, role or topic ids in the vocabulary."""
    if vocabulary is None:
        return
    for item in items:
        if not vocabulary.is_tag(item.value):
            entry.problem(item.line, f"{field} '{item.value}' is not a skill, role or topic id in {VOCABULARY_FILE}")


def _check_skills(entry: _Entry, field: str, kind: str, items: Iterable[_Item], vocabulary: Vocabulary | None) -> None:
    """Report skill ids that are unknown or of the wrong kind."""
    if vocabulary is None:
        return
    for item in items:
        skill = vocabulary.skills.get(item.value)
        if skill is None:
            entry.problem(item.line, f"{field} '{item.value}' is not a skill id in {VOCABULARY_FILE}")
        elif skill.kind != kind:
            entry.problem(item.line, f"{field} '{item.value}' is a {skill.kind} skill, not {kind}")


def _bullets(values: Iterable[str]) -> str:
    """Render a list the way an embed field shows it, one bullet per line."""
    return "\n".join(f"\u2022 {value}" for value in values)


def _check_card_size(entry: _Entry, card: RoleCard, vocabulary: Vocabulary | None) -> None:
    """Check that the card, rendered as an embed, stays well inside Discord's limits."""

    def label(tag_id: str) -> str:
        return vocabulary.label(tag_id) if vocabulary is not None and vocabulary.is_tag(tag_id) else tag_id

    fields = {
        "responsibilities": _bullets(card.responsibilities),
        "hard_skills": _bullets(label(s) for s in card.hard_skills),
        "soft_skills": _bullets(label(s) for s in card.soft_skills),
        "vs_project_manager": card.vs_project_manager,
        "titles": ", ".join(card.titles),
        "next_roles": ", ".join(label(r) for r in card.next_roles),
        "tools": ", ".join(card.tools),
    }
    for name, value in fields.items():
        if len(value) > MAX_EMBED_FIELD:
            entry.problem(
                entry.field_line(name), f"{name} renders to {len(value)} characters (embed field max {MAX_EMBED_FIELD})"
            )
    # Field titles are short ("Key responsibilities", "Hard skills", ...): allow 40 characters each.
    total = len(card.name) + len(card.summary) + sum(len(v) + 40 for v in fields.values())
    if total > ROLE_CARD_BUDGET:
        entry.problem(entry.line, f"role card renders to about {total} characters (keep it under {ROLE_CARD_BUDGET})")


def _load_roles(
    problems: _Problems, data_dir: Path, vocabulary: Vocabulary | None, *, minimums: bool
) -> tuple[RoleCard, ...]:
    """Read ``roles.yaml`` into role cards."""
    file = ROLES_FILE
    root = _compose(problems, data_dir / file)
    if root is None:
        return ()
    sections = _read_root(problems, file, root, {"roles": True})
    ids = _Registry(problems, file, fold=False)
    labels = _Registry(problems, file)
    cards: list[RoleCard] = []
    required = (
        "id", "name", "aliases", "summary", "responsibilities", "hard_skills", "soft_skills",
        "vs_project_manager", "titles", "next_roles", "tools",
    )  # fmt: skip
    for entry in _read_entries(problems, file, _value(sections, "roles"), "roles", "id", required):
        role_id = entry.text("id", max_len=MAX_NAME, slug=True)
        name = entry.text("name", max_len=MAX_NAME)
        aliases = entry.items("aliases", min_items=1, max_items=10, max_len=MAX_LABEL)
        summary = entry.text("summary", max_len=MAX_ROLE_SUMMARY)
        responsibilities = entry.items("responsibilities", min_items=5, max_items=8, max_len=MAX_RESPONSIBILITY)
        hard = entry.items("hard_skills", min_items=3, max_items=8, max_len=MAX_NAME, slug=True)
        soft = entry.items("soft_skills", min_items=3, max_items=8, max_len=MAX_NAME, slug=True)
        vs_pm = entry.text("vs_project_manager", max_len=MAX_VS_PROJECT_MANAGER)
        titles = entry.items("titles", min_items=1, max_items=10, max_len=MAX_LABEL)
        next_roles = entry.items("next_roles", min_items=1, max_items=6, max_len=MAX_NAME, slug=True)
        tools = entry.items("tools", min_items=1, max_items=12, max_len=MAX_TOOL)

        if role_id is not None:
            if not ids.claim(role_id, entry.field_line("id"), entry.label, "id"):
                entry.ok = False
            if vocabulary is not None:
                ref = vocabulary.roles.get(role_id)
                if ref is None:
                    entry.problem(entry.field_line("id"), f"id '{role_id}' is not a role id in {VOCABULARY_FILE}")
                elif name is not None and name != ref.name:
                    entry.problem(
                        entry.field_line("name"), f"name '{name}' differs from the vocabulary name '{ref.name}'"
                    )
        if name is not None and not labels.claim(name, entry.field_line("name"), entry.label, "name"):
            entry.ok = False
        for alias in aliases or []:
            if not labels.claim(alias.value, alias.line, entry.label, "alias"):
                entry.ok = False
        _check_skills(entry, "hard skill", "hard", hard or [], vocabulary)
        _check_skills(entry, "soft skill", "soft", soft or [], vocabulary)
        for item in next_roles or []:
            if item.value == role_id:
                entry.problem(item.line, "next_roles must not include the role itself")
            elif vocabulary is not None and item.value not in vocabulary.roles:
                entry.problem(item.line, f"next role '{item.value}' is not a role id in {VOCABULARY_FILE}")

        if not (
            entry.ok
            and role_id
            and name
            and summary
            and vs_pm
            and aliases is not None
            and responsibilities is not None
            and hard is not None
            and soft is not None
            and titles is not None
            and next_roles is not None
            and tools is not None
        ):
            continue
        card = RoleCard(
            id=role_id,
            name=name,
            aliases=tuple(a.value for a in aliases),
            summary=summary,
            responsibilities=tuple(r.value for r in responsibilities),
            hard_skills=tuple(s.value for s in hard),
            soft_skills=tuple(s.value for s in soft),
            vs_project_manager=vs_pm,
            titles=tuple(t.value for t in titles),
            next_roles=tuple(r.value for r in next_roles),
            tools=tuple(t.value for t in tools),
        )
        _check_card_size(entry, card, vocabulary)
        if entry.ok:
            cards.append(card)

    if minimums and "roles" in sections and len(cards) < MIN_ROLE_CARDS:
        problems.add(
            file, _line(sections["roles"][0]), f"only {len(cards)} valid role cards (at least {MIN_ROLE_CARDS})"
        )
    return tuple(cards)


def _load_faqs(
    problems: _Problems, data_dir: Path, vocabulary: Vocabulary | None, *, minimums: bool
) -> tuple[FaqEntry, ...]:
    """Read ``faq.yaml`` into FAQ entries."""
    file = FAQ_FILE
    root = _compose(problems, data_dir / file)
    if root is None:
        return ()
    sections = _read_root(problems, file, root, {"faqs": True})
    topics = _Registry(problems, file, fold=False)
    phrasings = _Registry(problems, file)
    faqs: list[FaqEntry] = []
    required = ("topic", "question", "answer", "aliases", "tags")
    for entry in _read_entries(problems, file, _value(sections, "faqs"), "faqs", "topic", required):
        topic = entry.text("topic", max_len=MAX_NAME, slug=True)
        question = entry.text("question", max_len=MAX_QUESTION)
        answer = entry.text("answer", max_len=MAX_ANSWER)
        aliases = entry.items("aliases", min_items=2, max_items=6, max_len=MAX_LABEL)
        tags = entry.items("tags", min_items=1, max_items=8, max_len=MAX_NAME, slug=True)
        if topic is not None and not topics.claim(topic, entry.field_line("topic"), entry.label, "topic"):
            entry.ok = False
        if question is not None and not phrasings.claim(
            question, entry.field_line("question"), entry.label, "question"
        ):
            entry.ok = False
        for alias in aliases or []:
            if not phrasings.claim(alias.value, alias.line, entry.label, "alias"):
                entry.ok = False
        _check_tags(entry, "tag", tags or [], vocabulary)
        if entry.ok and topic and question and answer and aliases is not None and tags is not None:
            faqs.append(
                FaqEntry(topic, question, answer, tuple(a.value for a in aliases), tuple(t.value for t in tags))
            )

    if minimums and "faqs" in sections and len(faqs) < MIN_FAQS:
        problems.add(file, _line(sections["faqs"][0]), f"only {len(faqs)} valid FAQ entries (at least {MIN_FAQS})")
    return tuple(faqs)


def _load_prompts(
    problems: _Problems, data_dir: Path, vocabulary: Vocabulary | None, *, minimums: bool
) -> tuple[PromptSeed, ...]:
    """Read ``prompts.yaml`` into prompt seeds."""
    file = PROMPTS_FILE
    root = _compose(problems, data_dir / file)
    if root is None:
        return ()
    sections = _read_root(problems, file, root, {"prompts": True})
    ids = _Registry(problems, file, fold=False)
    texts = _Registry(problems, file)
    prompts: list[PromptSeed] = []
    for entry in _read_entries(
        problems, file, _value(sections, "prompts"), "prompts", "id", ("id", "text", "kind", "tags", "hint")
    ):
        prompt_id = entry.text("id", max_len=MAX_NAME, slug=True)
        text = entry.text("text", max_len=MAX_PROMPT_TEXT)
        kind = entry.text("kind", max_len=MAX_NAME)
        tags = entry.items("tags", min_items=1, max_items=6, max_len=MAX_NAME, slug=True)
        hint = entry.text("hint", max_len=MAX_HINT)
        if kind is not None and kind not in PROMPT_KINDS:
            entry.problem(entry.field_line("kind"), f"kind '{kind}' must be one of {', '.join(PROMPT_KINDS)}")
        if prompt_id is not None and not ids.claim(prompt_id, entry.field_line("id"), entry.label, "id"):
            entry.ok = False
        if text is not None and not texts.claim(text, entry.field_line("text"), entry.label, "text"):
            entry.ok = False
        _check_tags(entry, "tag", tags or [], vocabulary)
        if entry.ok and prompt_id and text and kind and hint and tags is not None:
            prompts.append(PromptSeed(prompt_id, text, kind, tuple(t.value for t in tags), hint))

    if minimums and "prompts" in sections and len(prompts) < MIN_PROMPTS:
        problems.add(file, _line(sections["prompts"][0]), f"only {len(prompts)} valid prompts (at least {MIN_PROMPTS})")
    return tuple(prompts)


# --------------------------------------------------------------------------------------------------------------
# Public entry point
# --------------------------------------------------------------------------------------------------------------


def load_content(data_dir: Path = DATA_DIR, *, enforce_minimums: bool | None = None) -> Content:
    """Load and validate the four content files in ``data_dir``.

    Raises :class:`ContentError` listing every problem found in every file (``file:line: ...``), so one
    run shows an author all that needs fixing. ``enforce_minimums`` checks the promised minimum sizes
    (skills, role cards, FAQ entries, prompts); by default it is on only for the bundled :data:`DATA_DIR`,
    so tests can validate small fixtures.
    """
    data_dir = Path(data_dir)
    if enforce_minimums is None:
        enforce_minimums = data_dir.resolve() == DATA_DIR
    # Content is immutable, so one load serves every bot in the process until a file changes.
    key = (data_dir.resolve(), enforce_minimums, *(_stamp(data_dir / name) for name in _CONTENT_FILES))
    cached = _cache.get(key)
    if cached is not None:
        return cached
    content = _load_uncached(data_dir, enforce_minimums=enforce_minimums)
    _cache[key] = content
    return content


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_mtime_ns, stat.st_size


def _load_uncached(data_dir: Path, *, enforce_minimums: bool) -> Content:
    problems = _Problems()
    vocabulary = _load_vocabulary(problems, data_dir, minimums=enforce_minimums)
    roles = _load_roles(problems, data_dir, vocabulary, minimums=enforce_minimums)
    faqs = _load_faqs(problems, data_dir, vocabulary, minimums=enforce_minimums)
    prompts = _load_prompts(problems, data_dir, vocabulary, minimums=enforce_minimums)
    if problems.items or vocabulary is None:
        raise ContentError(problems.items)
    log.debug(
        "loaded content from %s: %d skills, %d role cards, %d FAQ entries, %d prompts",
        data_dir, len(vocabulary.skills), len(roles), len(faqs), len(prompts),
    )  # fmt: skip
    return Content(vocabulary=vocabulary, roles=roles, faqs=faqs, prompts=prompts)
