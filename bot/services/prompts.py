"""Daily learning prompts: a server's bank, member suggestions, the rotation's reservations and the post record.

A server's *active bank* is the built-in prompts (``data/prompts.yaml``) it has not switched off plus the prompts
its moderators added (directly, by import or by approving a suggestion). Prompts are referred to by a stable
``ref``: ``builtin:<id>`` or ``server:<number>``; moderators see ``<id>`` and ``#<number>``.

Each prompt occurrence (a scheduler job) first *reserves* its prompt in ``prompt_posts`` inside one
transaction, so a retry after a crash posts the same prompt, and records the message and thread once sent.
The rotation itself is the pure :mod:`bot.rotation`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import yaml

from bot.content import MAX_HINT, MAX_PROMPT_TEXT, PromptSeed
from bot.db import Database, Row, Transaction
from bot.errors import ConflictError, LimitError, NotFoundError, ValidationError
from bot.recurrence import Rule, describe_days, next_occurrence, parse_days
from bot.rotation import KINDS, LOW_BANK, Candidate, Posted, bank_mix, choose_next, mix_drifts, unused_in_cycle
from bot.services import audit, guild_config
from bot.services import schedules as store
from bot.services.audit import AuditEntry
from bot.services.schedules import Job, Schedule
from bot.timeutil import from_unix, iso, parse_hhmm, parse_iso, resolve_timezone

__all__ = [
    "JOB_KIND",
    "KIND_LABELS",
    "MAX_IMPORT_BYTES",
    "MAX_IMPORT_ITEMS",
    "MAX_PENDING_SUGGESTIONS",
    "OUTCOME_JOB_KIND",
    "THREAD_JOB_KIND",
    "BankEntry",
    "BankSummary",
    "ImportResult",
    "Prompt",
    "PromptPost",
    "PromptStats",
    "PromptStatus",
    "Reservation",
    "Suggestion",
    "active_bank",
    "add_prompt",
    "bank_summary",
    "claim_low_bank_warning",
    "find_prompt",
    "get_post",
    "get_post_by_key",
    "get_suggestion",
    "import_prompts",
    "latest_post",
    "list_bank",
    "mark_posted",
    "next_pending_suggestion",
    "normalise_ref",
    "note_thread_outcome",
    "parse_import",
    "pause_prompts",
    "prompt_stats",
    "prompt_status",
    "queue_post_now",
    "remove_prompt",
    "reserve_post",
    "resume_prompts",
    "review_suggestion",
    "set_schedule",
    "set_thread",
    "suggest_prompt",
    "thread_job_key",
    "validate_kind",
    "validate_prompt",
]

JOB_KIND = "prompt"
OUTCOME_JOB_KIND = "prompt-outcome"
# Opening a post's discussion thread is a job of its own, queued once the post is out, so that in a burst the
# dispatcher (which runs the earliest run_at first) sends every due post before any thread.
THREAD_JOB_KIND = "prompt-thread"
KIND_LABELS = {"experience": "Experience (70)", "exposure": "Exposure (20)", "education": "Education (10)"}
MAX_PENDING_SUGGESTIONS = 3
MAX_SERVER_PROMPTS = 1000
MAX_IMPORT_ITEMS = 200
MAX_IMPORT_BYTES = 256 * 1024
_MAX_TAGS = 10
_RECENT_JOBS = 5


# -- data ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Prompt:
    """A prompt of a server's bank (built-in or the server's own)."""

    ref: str
    text: str
    kind: str
    hint: str
    tags: tuple[str, ...]

    @property
    def builtin(self) -> bool:
        """Whether it comes from the bundled bank."""
        return self.ref.startswith("builtin:")

    @property
    def display_id(self) -> str:
        """How moderators name it: the built-in id, or ``#<number>`` for the server's own."""
        kind, _, ident = self.ref.partition(":")
        return ident if kind == "builtin" else f"#{ident}"


@dataclass(frozen=True, slots=True)
class BankEntry:
    """A prompt of the active bank and whether it was already posted in the current rotation cycle."""

    prompt: Prompt
    used: bool


@dataclass(frozen=True, slots=True)
class BankSummary:
    """The active bank at a glance: sizes, mix of kinds and how much of the current cycle is left."""

    active: int
    builtin: int
    own: int
    unused: int
    mix: dict[str, int]
    drifts: bool
    pending_suggestions: int

    @property
    def low(self) -> bool:
        """Fewer than the warning threshold of unused prompts remain."""
        return self.unused < LOW_BANK


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A member's prompt suggestion."""

    id: int
    guild_id: int
    user_id: int
    text: str
    kind: str
    status: str
    prompt_id: int | None
    created_at: datetime

    @classmethod
    def from_row(cls, row: Row) -> Suggestion:
        """Build from a ``prompt_suggestions`` row."""
        return cls(
            id=row["id"],
            guild_id=row["guild_id"],
            user_id=row["user_id"],
            text=row["text"],
            kind=row["kind"],
            status=row["status"],
            prompt_id=row["prompt_id"],
            created_at=parse_iso(row["created_at"]),
        )


@dataclass(frozen=True, slots=True)
class PromptPost:
    """One prompt occurrence: the reserved prompt and, once sent, where it was posted."""

    id: int
    guild_id: int
    job_key: str
    prompt_ref: str
    kind: str
    text: str
    hint: str
    cycle: int
    status: str
    channel_id: int | None
    message_id: int | None
    thread_id: int | None
    posted_at: datetime | None

    @classmethod
    def from_row(cls, row: Row) -> PromptPost:
        """Build from a ``prompt_posts`` row."""
        return cls(
            id=row["id"],
            guild_id=row["guild_id"],
            job_key=row["job_key"],
            prompt_ref=row["prompt_ref"],
            kind=row["kind"],
            text=row["text"],
            hint=row["hint"],
            cycle=row["cycle"],
            status=row["status"],
            channel_id=row["channel_id"],
            message_id=row["message_id"],
            thread_id=row["thread_id"],
            posted_at=None if row["posted_at"] is None else parse_iso(row["posted_at"]),
        )

    @property
    def posted(self) -> bool:
        """Whether the message was sent."""
        return self.status == "posted"


@dataclass(frozen=True, slots=True)
class Reservation:
    """The prompt an occurrence posts; ``fresh`` is False when an earlier attempt had already reserved it."""

    post: PromptPost
    fresh: bool


@dataclass(frozen=True, slots=True)
class ImportResult:
    """What an import added and what it skipped as already present."""

    added: int
    duplicates: int


@dataclass(frozen=True, slots=True)
class PromptStats:
    """Engagement figures for ``/admin stats``."""

    posted: int
    threads: int
    logged: int


@dataclass(frozen=True, slots=True)
class PromptStatus:
    """What ``/admin prompts status`` shows."""

    schedule: Schedule | None
    next_at: datetime | None
    recent: tuple[Job, ...]
    bank: BankSummary


# -- validation ------------------------------------------------------------------------------------------------


def _clean(text: str) -> str:
    # Keep the author's line breaks but not runs of blanks or trailing spaces.
    lines = [" ".join(line.split()) for line in text.strip().splitlines()]
    return "\n".join(line for line in lines if line)


def _fold(text: str) -> str:
    return " ".join(text.casefold().split())


def validate_kind(kind: str) -> str:
    """A 70-20-10 kind, case-insensitively; ValidationError otherwise."""
    cleaned = kind.strip().lower()
    if cleaned not in KINDS:
        raise ValidationError("Kind must be experience (70), exposure (20) or education (10).")
    return cleaned


def validate_prompt(text: str, kind: str, hint: str = "") -> tuple[str, str, str]:
    """Check a prompt's text, kind and hint; return them cleaned or raise ValidationError."""
    cleaned = _clean(text)
    if not cleaned:
        raise ValidationError("Write the prompt: one task someone can do (or reflect on) within a working day.")
    if len(cleaned) > MAX_PROMPT_TEXT:
        raise ValidationError(f"Keep the prompt to {MAX_PROMPT_TEXT} characters; yours has {len(cleaned)}.")
    cleaned_hint = _clean(hint)
    if len(cleaned_hint) > MAX_HINT:
        raise ValidationError(f"Keep the discussion hint to {MAX_HINT} characters; yours has {len(cleaned_hint)}.")
    return cleaned, validate_kind(kind), cleaned_hint


def normalise_ref(text: str) -> str:
    """A moderator's prompt id (``raid-owner-check``, ``12``, ``#12`` or a ref) → a ref."""
    cleaned = text.strip()
    if cleaned.startswith(("builtin:", "server:")):
        return cleaned
    if cleaned.lstrip("#").isdigit():
        return f"server:{int(cleaned.lstrip('#'))}"
    return f"builtin:{cleaned.lower()}"


def _seed_prompt(seed: PromptSeed) -> Prompt:
    return Prompt(f"builtin:{seed.id}", seed.text, seed.kind, seed.hint, tuple(seed.tags))


def _row_prompt(row: Row) -> Prompt:
    return Prompt(f"server:{row['id']}", row["text"], row["kind"], row["hint"], tuple(json.loads(row["tags"])))


# -- the bank --------------------------------------------------------------------------------------------------


async def active_bank(db: Database | Transaction, guild_id: int, seeds: Sequence[PromptSeed]) -> list[Prompt]:
    """The server's active prompts: built-ins it kept, then its own in the order they were added."""
    hidden = {
        row["builtin_id"]
        for row in await db.fetch_all("SELECT builtin_id FROM prompt_exclusions WHERE guild_id = ?", (guild_id,))
    }
    own = await db.fetch_all("SELECT * FROM prompts WHERE guild_id = ? AND removed_at IS NULL ORDER BY id", (guild_id,))
    return [_seed_prompt(seed) for seed in seeds if seed.id not in hidden] + [_row_prompt(row) for row in own]


async def _history(db: Database | Transaction, guild_id: int, *, exclude_key: str | None = None) -> list[Posted]:
    """Every post of the current cycle (posted, or reserved by an occurrence still running), oldest first."""
    rows = await db.fetch_all(
        """
        SELECT prompt_ref, kind, cycle FROM prompt_posts
        WHERE guild_id = ? AND status IN ('posted', 'reserved') AND job_key != ?
          AND cycle = (SELECT MAX(cycle) FROM prompt_posts
                       WHERE guild_id = ? AND status IN ('posted', 'reserved') AND job_key != ?)
        ORDER BY id
        """,
        (guild_id, exclude_key or "", guild_id, exclude_key or ""),
    )
    return [Posted(row["prompt_ref"], row["kind"], row["cycle"]) for row in rows]


def _candidates(bank: Sequence[Prompt]) -> list[Candidate]:
    return [Candidate(prompt.ref, prompt.kind) for prompt in bank]


async def list_bank(
    db: Database, guild_id: int, seeds: Sequence[PromptSeed], *, kind: str | None = None
) -> list[BankEntry]:
    """The active bank (optionally one kind) with each prompt's used-in-this-cycle flag."""
    bank = await active_bank(db, guild_id, seeds)
    unused = {c.ref for c in unused_in_cycle(_candidates(bank), await _history(db, guild_id))}
    return [BankEntry(p, p.ref not in unused) for p in bank if kind is None or p.kind == kind]


async def bank_summary(db: Database | Transaction, guild_id: int, seeds: Sequence[PromptSeed]) -> BankSummary:
    """Sizes, mix and the unused count of the current cycle."""
    bank = await active_bank(db, guild_id, seeds)
    candidates = _candidates(bank)
    unused = unused_in_cycle(candidates, await _history(db, guild_id))
    pending = await db.fetch_value(
        "SELECT COUNT(*) FROM prompt_suggestions WHERE guild_id = ? AND status = 'pending'", (guild_id,)
    )
    builtin = sum(1 for p in bank if p.builtin)
    return BankSummary(
        active=len(bank),
        builtin=builtin,
        own=len(bank) - builtin,
        unused=len(unused),
        mix=bank_mix(candidates),
        drifts=mix_drifts(candidates),
        pending_suggestions=int(pending or 0),
    )


async def _check_new_text(tx: Transaction, guild_id: int, seeds: Sequence[PromptSeed], text: str) -> None:
    folded = _fold(text)
    if any(_fold(p.text) == folded for p in await active_bank(tx, guild_id, seeds)):
        raise ConflictError("That prompt is already in this server's bank.")


async def _insert_prompt(
    tx: Transaction,
    *,
    guild_id: int,
    text: str,
    kind: str,
    hint: str,
    tags: Sequence[str],
    source: str,
    suggested_by: int | None,
    now: datetime,
) -> Prompt:
    count = await tx.fetch_value("SELECT COUNT(*) FROM prompts WHERE guild_id = ? AND removed_at IS NULL", (guild_id,))
    if int(count or 0) >= MAX_SERVER_PROMPTS:
        raise LimitError(f"This server already has {MAX_SERVER_PROMPTS} prompts of its own; remove some first.")
    prompt_id = await tx.execute(
        """
        INSERT INTO prompts (guild_id, text, kind, hint, tags, source, suggested_by, created_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
        """,
        (guild_id, text, kind, hint, json.dumps(list(tags)), source, suggested_by, iso(now)),
    )
    return Prompt(f"server:{prompt_id}", text, kind, hint, tuple(tags))


async def add_prompt(
    db: Database,
    *,
    guild_id: int,
    actor_id: int,
    text: str,
    kind: str,
    hint: str = "",
    seeds: Sequence[PromptSeed],
    now: datetime,
) -> tuple[Prompt, AuditEntry]:
    """Add a prompt to the server's bank (audited)."""
    text, kind, hint = validate_prompt(text, kind, hint)
    async with db.transaction() as tx:
        await _check_new_text(tx, guild_id, seeds, text)
        prompt = await _insert_prompt(
            tx, guild_id=guild_id, text=text, kind=kind, hint=hint, tags=(), source="moderator", suggested_by=None,
            now=now,
        )  # fmt: skip
        entry = await audit.record_action(
            tx, guild_id=guild_id, actor_id=actor_id, action="prompts.add", target=prompt.display_id,
            after={"text": text, "kind": kind, "hint": hint}, now=now,
        )  # fmt: skip
    return prompt, entry


async def find_prompt(db: Database | Transaction, guild_id: int, ref: str, seeds: Sequence[PromptSeed]) -> Prompt:
    """A prompt of the server's active bank by ref; NotFoundError otherwise."""
    for prompt in await active_bank(db, guild_id, seeds):
        if prompt.ref == ref:
            return prompt
    raise NotFoundError(
        "There is no active prompt with that id in this server; /admin prompts list shows the ids "
        "(built-in ones look like raid-owner-check, the server's own like #12)."
    )


async def remove_prompt(
    db: Database, *, guild_id: int, actor_id: int, prompt_id: str, seeds: Sequence[PromptSeed], now: datetime
) -> tuple[Prompt, AuditEntry]:
    """Take a prompt out of the server's active bank (a built-in one is switched off for this server only)."""
    ref = normalise_ref(prompt_id)
    async with db.transaction() as tx:
        prompt = await find_prompt(tx, guild_id, ref, seeds)
        if prompt.builtin:
            await tx.execute(
                "INSERT INTO prompt_exclusions (guild_id, builtin_id, created_at) VALUES (?, ?, ?)",
                (guild_id, prompt.display_id, iso(now)),
            )
        else:
            await tx.execute(
                "UPDATE prompts SET removed_at = ? WHERE guild_id = ? AND id = ?",
                (iso(now), guild_id, int(prompt.display_id.lstrip("#"))),
            )
        entry = await audit.record_action(
            tx, guild_id=guild_id, actor_id=actor_id, action="prompts.remove", target=prompt.display_id,
            before={"text": prompt.text, "kind": prompt.kind}, now=now,
        )  # fmt: skip
    return prompt, entry


# -- import ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _ImportItem:
    text: str
    kind: str
    hint: str
    tags: tuple[str, ...]


def parse_import(data: bytes, filename: str, *, known_tag: Callable[[str], bool] | None = None) -> list[_ImportItem]:
    """Parse and validate a YAML or JSON prompt file; ValidationError lists what is wrong (nothing is stored).

    Accepted shapes: a list of prompts, or a mapping with a ``prompts`` list; each prompt has ``text`` and
    ``kind`` and optionally ``hint`` and ``tags`` (vocabulary ids).
    """
    if len(data) > MAX_IMPORT_BYTES:
        raise ValidationError(f"The file is larger than {MAX_IMPORT_BYTES // 1024} KB; split it into smaller files.")
    name = filename.lower()
    if not name.endswith((".yaml", ".yml", ".json")):
        raise ValidationError("Attach a .yaml, .yml or .json file with a list of prompts (text, kind, hint).")
    try:
        text = data.decode("utf-8-sig")
        loaded: Any = json.loads(text) if name.endswith(".json") else yaml.safe_load(text)
    except (UnicodeDecodeError, json.JSONDecodeError, yaml.YAMLError) as exc:
        where = ""
        mark = getattr(exc, "problem_mark", None)
        if mark is not None:
            where = f" (line {mark.line + 1})"
        elif isinstance(exc, json.JSONDecodeError):
            where = f" (line {exc.lineno})"
        raise ValidationError(f"I could not read that file{where}: it is not valid UTF-8 YAML/JSON.") from None
    items = loaded.get("prompts") if isinstance(loaded, dict) else loaded
    if not isinstance(items, list) or not items:
        raise ValidationError("The file should hold a list of prompts, or a mapping with a `prompts:` list.")
    if len(items) > MAX_IMPORT_ITEMS:
        raise ValidationError(f"Import at most {MAX_IMPORT_ITEMS} prompts at a time; the file has {len(items)}.")
    parsed: list[_ImportItem] = []
    problems: list[str] = []
    for number, item in enumerate(items, start=1):
        try:
            parsed.append(_parse_item(item, known_tag))
        except ValidationError as exc:
            problems.append(f"prompt {number}: {exc.message}")
    if problems:
        shown = problems[:10]
        more = f"\n… and {len(problems) - 10} more." if len(problems) > 10 else ""
        raise ValidationError("Nothing was imported. Fix these and try again:\n" + "\n".join(shown) + more)
    return parsed


def _parse_item(item: Any, known_tag: Callable[[str], bool] | None) -> _ImportItem:
    if not isinstance(item, dict):
        raise ValidationError("each prompt needs `text` and `kind` fields.")
    text, kind, hint = item.get("text"), item.get("kind"), item.get("hint", "")
    if not isinstance(text, str) or not isinstance(kind, str) or not isinstance(hint, str | None):
        raise ValidationError("`text` and `kind` must be text (and `hint`, if given).")
    text, kind, hint = validate_prompt(text, kind, hint or "")
    tags = item.get("tags") or []
    if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags) or len(tags) > _MAX_TAGS:
        raise ValidationError(f"`tags` must be a list of at most {_MAX_TAGS} vocabulary ids.")
    unknown = [tag for tag in tags if known_tag is not None and not known_tag(tag)]
    if unknown:
        raise ValidationError(f"unknown tag {unknown[0][:40]!r} (tags are role, skill or topic ids).")
    return _ImportItem(text, kind, hint, tuple(tags))


async def import_prompts(
    db: Database,
    *,
    guild_id: int,
    actor_id: int,
    data: bytes,
    filename: str,
    seeds: Sequence[PromptSeed],
    known_tag: Callable[[str], bool] | None = None,
    now: datetime,
) -> tuple[ImportResult, AuditEntry | None]:
    """Add every new prompt of a file in one transaction; prompts already in the bank are skipped."""
    items = parse_import(data, filename, known_tag=known_tag)
    async with db.transaction() as tx:
        seen = {_fold(p.text) for p in await active_bank(tx, guild_id, seeds)}
        added = duplicates = 0
        for item in items:
            folded = _fold(item.text)
            if folded in seen:
                duplicates += 1
                continue
            seen.add(folded)
            await _insert_prompt(
                tx, guild_id=guild_id, text=item.text, kind=item.kind, hint=item.hint, tags=item.tags,
                source="import", suggested_by=None, now=now,
            )  # fmt: skip
            added += 1
        entry = None
        if added:
            entry = await audit.record_action(
                tx, guild_id=guild_id, actor_id=actor_id, action="prompts.import", target=filename[:100],
                after={"added": added, "duplicates": duplicates}, now=now,
            )  # fmt: skip
    return ImportResult(added, duplicates), entry


# -- suggestions -----------------------------------------------------------------------------------------------


async def suggest_prompt(
    db: Database, *, guild_id: int, user_id: int, text: str, kind: str, seeds: Sequence[PromptSeed], now: datetime
) -> Suggestion:
    """Queue a member's suggestion for moderator review."""
    text, kind, _ = validate_prompt(text, kind)
    async with db.transaction() as tx:
        pending = await tx.fetch_all(
            "SELECT text FROM prompt_suggestions WHERE guild_id = ? AND status = 'pending' AND user_id = ?",
            (guild_id, user_id),
        )
        if len(pending) >= MAX_PENDING_SUGGESTIONS:
            raise LimitError(
                f"You already have {len(pending)} suggestions waiting for the moderators; "
                "please wait until they have been reviewed."
            )
        await _check_new_text(tx, guild_id, seeds, text)
        folded = _fold(text)
        waiting = await tx.fetch_all(
            "SELECT text FROM prompt_suggestions WHERE guild_id = ? AND status = 'pending'", (guild_id,)
        )
        if any(_fold(row["text"]) == folded for row in waiting):
            raise ConflictError("Someone already suggested that prompt; it is waiting for review.")
        suggestion_id = await tx.execute(
            "INSERT INTO prompt_suggestions (guild_id, user_id, text, kind, created_at) VALUES (?, ?, ?, ?, ?)",
            (guild_id, user_id, text, kind, iso(now)),
        )
    return Suggestion(suggestion_id, guild_id, user_id, text, kind, "pending", None, now)


async def get_suggestion(db: Database | Transaction, guild_id: int, suggestion_id: int) -> Suggestion:
    """One of the server's suggestions; NotFoundError otherwise."""
    row = await db.fetch_one(
        "SELECT * FROM prompt_suggestions WHERE guild_id = ? AND id = ?", (guild_id, suggestion_id)
    )
    if row is None:
        raise NotFoundError("That suggestion no longer exists.")
    return Suggestion.from_row(row)


async def next_pending_suggestion(db: Database, guild_id: int) -> tuple[Suggestion | None, int]:
    """The oldest suggestion waiting for review, and how many are waiting in all."""
    row = await db.fetch_one(
        "SELECT * FROM prompt_suggestions WHERE guild_id = ? AND status = 'pending' ORDER BY id LIMIT 1", (guild_id,)
    )
    count = await db.fetch_value(
        "SELECT COUNT(*) FROM prompt_suggestions WHERE guild_id = ? AND status = 'pending'", (guild_id,)
    )
    return (None if row is None else Suggestion.from_row(row)), int(count or 0)


async def review_suggestion(
    db: Database,
    *,
    guild_id: int,
    suggestion_id: int,
    reviewer_id: int,
    approve: bool,
    seeds: Sequence[PromptSeed],
    now: datetime,
) -> tuple[Suggestion, AuditEntry]:
    """Approve (the prompt joins the bank) or reject a suggestion; the suggester's DM is queued as a job."""
    async with db.transaction() as tx:
        suggestion = await get_suggestion(tx, guild_id, suggestion_id)
        if suggestion.status != "pending":
            raise ConflictError(f"That suggestion was already {suggestion.status}.")
        prompt_id = None
        if approve:
            await _check_new_text(tx, guild_id, seeds, suggestion.text)
            prompt = await _insert_prompt(
                tx, guild_id=guild_id, text=suggestion.text, kind=suggestion.kind, hint="", tags=(),
                source="suggestion", suggested_by=suggestion.user_id, now=now,
            )  # fmt: skip
            prompt_id = int(prompt.display_id.lstrip("#"))
        status = "approved" if approve else "rejected"
        await tx.execute(
            "UPDATE prompt_suggestions SET status = ?, prompt_id = ?, reviewed_at = ? WHERE id = ?",
            (status, prompt_id, iso(now), suggestion_id),
        )
        # The DM goes through the scheduler so a 5xx is retried and a restart does not lose it.
        await store.add_job(
            tx, guild_id=guild_id, kind=OUTCOME_JOB_KIND, key=f"{OUTCOME_JOB_KIND}:{suggestion_id}", due=now,
            payload={"suggestion_id": suggestion_id}, now=now,
        )  # fmt: skip
        entry = await audit.record_action(
            tx, guild_id=guild_id, actor_id=reviewer_id, action=f"prompts.suggestion.{status[:-1]}",
            target=f"suggestion {suggestion_id}", after={"text": suggestion.text, "kind": suggestion.kind}, now=now,
        )  # fmt: skip
    reviewed = Suggestion(
        suggestion.id, guild_id, suggestion.user_id, suggestion.text, suggestion.kind, status, prompt_id,
        suggestion.created_at,
    )  # fmt: skip
    return reviewed, entry


# -- schedule --------------------------------------------------------------------------------------------------


async def set_schedule(
    db: Database,
    *,
    guild_id: int,
    actor_id: int,
    channel_id: int,
    at: str,
    days: str,
    timezone: str | None,
    now: datetime,
) -> tuple[Schedule, datetime, AuditEntry]:
    """Create or replace the server's prompt schedule; returns it, its first occurrence and the audit entry."""
    local_time = parse_hhmm(at)
    mask = parse_days(days)
    zone_name = timezone if timezone else (await guild_config.get_settings(db, guild_id)).timezone
    zone = resolve_timezone(zone_name)
    rule = Rule(local_time, mask, zone.key)
    async with db.transaction() as tx:
        before = await store.get_schedule(db, guild_id, JOB_KIND)
        await guild_config.ensure_guild(tx, guild_id, now)
        schedule = await store.upsert_schedule(
            db, guild_id=guild_id, kind=JOB_KIND, channel_id=channel_id, rule=rule, now=now
        )
        entry = await audit.record_action(
            tx, guild_id=guild_id, actor_id=actor_id, action="prompts.schedule", target=f"<#{channel_id}>",
            before=None if before is None else _describe_schedule(before), after=_describe_schedule(schedule),
            now=now,
        )  # fmt: skip
    return schedule, next_occurrence(rule, now), entry


def _describe_schedule(schedule: Schedule) -> dict[str, Any]:
    return {
        "channel_id": schedule.channel_id,
        "time": schedule.rule.at.strftime("%H:%M"),
        "days": describe_days(schedule.rule.days),
        "timezone": schedule.rule.timezone,
        "paused": schedule.paused,
    }


async def _require_schedule(db: Database, guild_id: int) -> Schedule:
    schedule = await store.get_schedule(db, guild_id, JOB_KIND)
    if schedule is None:
        raise NotFoundError("This server has no prompt schedule yet; set one with /admin prompts schedule.")
    return schedule


async def pause_prompts(db: Database, *, guild_id: int, actor_id: int, now: datetime) -> AuditEntry:
    """Pause the server's prompt schedule (nothing is posted until it is resumed)."""
    async with db.transaction() as tx:
        schedule = await _require_schedule(db, guild_id)
        if schedule.paused:
            raise ConflictError("The prompt schedule is already paused; /admin prompts resume restarts it.")
        await store.pause_schedule(db, schedule.id, "paused by a moderator", now)
        return await audit.record_action(
            tx, guild_id=guild_id, actor_id=actor_id, action="prompts.pause", target=f"<#{schedule.channel_id}>",
            now=now,
        )  # fmt: skip


async def resume_prompts(
    db: Database, *, guild_id: int, actor_id: int, now: datetime
) -> tuple[Schedule, datetime, AuditEntry]:
    """Resume a paused schedule from now on; returns it, its next occurrence and the audit entry."""
    async with db.transaction() as tx:
        schedule = await _require_schedule(db, guild_id)
        if not schedule.paused:
            raise ConflictError("The prompt schedule is not paused.")
        await store.resume_schedule(db, schedule.id, now)
        entry = await audit.record_action(
            tx, guild_id=guild_id, actor_id=actor_id, action="prompts.resume", target=f"<#{schedule.channel_id}>",
            before={"paused_reason": schedule.paused_reason}, now=now,
        )  # fmt: skip
        resumed = await _require_schedule(db, guild_id)
    return resumed, next_occurrence(resumed.rule, now), entry


async def queue_post_now(
    db: Database, *, guild_id: int, actor_id: int, channel_id: int | None, token: int, now: datetime
) -> tuple[int, AuditEntry]:
    """Queue an extra prompt post right away (to the given channel, else the schedule's); returns the channel."""
    async with db.transaction() as tx:
        if channel_id is None:
            schedule = await store.get_schedule(db, guild_id, JOB_KIND)
            channel_id = schedule.channel_id if schedule is not None else None
            if channel_id is None:
                channel_id = (await guild_config.get_settings(tx, guild_id)).prompts_channel_id
        if channel_id is None:
            raise ValidationError("Choose a channel, or set a prompt schedule first with /admin prompts schedule.")
        await store.add_job(
            tx, guild_id=guild_id, kind=JOB_KIND, key=f"prompt-now:{guild_id}:{token}", due=now,
            payload={"channel_id": channel_id}, now=now,
        )  # fmt: skip
        entry = await audit.record_action(
            tx, guild_id=guild_id, actor_id=actor_id, action="prompts.post-now", target=f"<#{channel_id}>", now=now
        )
    return channel_id, entry


async def prompt_status(db: Database, guild_id: int, seeds: Sequence[PromptSeed], now: datetime) -> PromptStatus:
    """The schedule, its next run, the latest occurrences (with errors) and the bank summary."""
    schedule = await store.get_schedule(db, guild_id, JOB_KIND)
    next_at: datetime | None = None
    if schedule is not None and not schedule.paused:
        pending = await db.fetch_value(
            "SELECT MIN(due_at) FROM jobs WHERE schedule_id = ? AND status IN ('pending', 'claimed')", (schedule.id,)
        )
        next_at = (
            from_unix(pending) if pending is not None else next_occurrence(schedule.rule, max(now, schedule.anchor_at))
        )
    rows = await db.fetch_all(
        """
        SELECT * FROM jobs WHERE guild_id = ? AND kind = ? AND status NOT IN ('pending', 'cancelled')
        ORDER BY due_at DESC, id DESC LIMIT ?
        """,
        (guild_id, JOB_KIND, _RECENT_JOBS),
    )
    return PromptStatus(
        schedule, next_at, tuple(Job.from_row(r) for r in rows), await bank_summary(db, guild_id, seeds)
    )


# -- posting ---------------------------------------------------------------------------------------------------


async def reserve_post(
    db: Database, *, guild_id: int, job_key: str, channel_id: int, seeds: Sequence[PromptSeed], now: datetime
) -> Reservation | None:
    """The prompt this occurrence posts, chosen by the rotation and stored before anything is sent.

    An earlier attempt's reservation is returned as it is (``fresh`` False); None when the bank is empty.
    """
    async with db.transaction() as tx:
        row = await tx.fetch_one("SELECT * FROM prompt_posts WHERE job_key = ?", (job_key,))
        if row is not None:
            if row["status"] == "abandoned":
                await tx.execute("UPDATE prompt_posts SET status = 'reserved' WHERE id = ?", (row["id"],))
                row = await tx.fetch_one("SELECT * FROM prompt_posts WHERE id = ?", (row["id"],))
            if row is not None:
                return Reservation(PromptPost.from_row(row), fresh=False)
        # Reservations of occurrences that ended without posting (skipped, failed) free their prompt.
        await tx.execute(
            """
            UPDATE prompt_posts SET status = 'abandoned'
            WHERE guild_id = ? AND status = 'reserved'
              AND NOT EXISTS (SELECT 1 FROM jobs WHERE jobs.key = prompt_posts.job_key
                                                   AND jobs.status IN ('pending', 'claimed'))
            """,
            (guild_id,),
        )
        bank = await active_bank(tx, guild_id, seeds)
        choice = choose_next(_candidates(bank), await _history(tx, guild_id), seed=f"{guild_id}:{job_key}")
        if choice is None:
            return None
        prompt = next(p for p in bank if p.ref == choice.ref)
        post_id = await tx.execute(
            """
            INSERT INTO prompt_posts (guild_id, job_key, prompt_ref, kind, text, hint, cycle, channel_id, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            (guild_id, job_key, prompt.ref, prompt.kind, prompt.text, prompt.hint, choice.cycle, channel_id, iso(now)),
        )
        stored = await tx.fetch_one("SELECT * FROM prompt_posts WHERE id = ?", (post_id,))
        if stored is None:  # pragma: no cover - inserted just above
            raise RuntimeError("prompt reservation vanished")
        return Reservation(PromptPost.from_row(stored), fresh=True)


def thread_job_key(post_id: int) -> str:
    """The key of the one job that opens a post's discussion thread."""
    return f"prompt-thread:{post_id}"


async def mark_posted(
    db: Database,
    post_id: int,
    *,
    channel_id: int,
    message_id: int,
    now: datetime,
    thread: dict[str, Any] | None = None,
) -> None:
    """Record where the prompt was posted; with ``thread`` (the job's payload), also queue the job that opens its
    discussion thread, in the same transaction so a recorded post never lacks its thread job. The job's key is
    per post, so a repeat after a crash queues nothing more."""
    async with db.transaction() as tx:
        await tx.execute(
            """
            UPDATE prompt_posts SET status = 'posted', channel_id = ?, message_id = ?,
                                    posted_at = COALESCE(posted_at, ?)
            WHERE id = ?
            """,
            (channel_id, message_id, iso(now), post_id),
        )
        if thread is not None:
            guild_id = await tx.fetch_value("SELECT guild_id FROM prompt_posts WHERE id = ?", (post_id,))
            if guild_id is not None:
                await store.add_job(
                    tx, guild_id=int(guild_id), kind=THREAD_JOB_KIND, key=thread_job_key(post_id), due=now,
                    payload={**thread, "post_id": post_id}, now=now,
                )  # fmt: skip


async def set_thread(db: Database, post_id: int, thread_id: int) -> None:
    """Record the discussion thread opened on a post."""
    await db.execute("UPDATE prompt_posts SET thread_id = ? WHERE id = ?", (thread_id, post_id))


async def note_thread_outcome(db: Database, job_key: str, note: str) -> None:
    """Put a note about the discussion thread (e.g. why there is none) on the post's own job, where
    ``/admin prompts status`` shows it."""
    await db.execute("UPDATE jobs SET last_error = ? WHERE key = ? AND kind = ?", (note[:500], job_key, JOB_KIND))


async def get_post(db: Database, guild_id: int, post_id: int) -> PromptPost:
    """One of the server's posted prompts; NotFoundError otherwise (also for another server's post)."""
    row = await db.fetch_one(
        "SELECT * FROM prompt_posts WHERE guild_id = ? AND id = ? AND status = 'posted'", (guild_id, post_id)
    )
    if row is None:
        raise NotFoundError("That prompt is not known in this server any more.")
    return PromptPost.from_row(row)


async def get_post_by_key(db: Database, job_key: str) -> PromptPost | None:
    """The post of an occurrence, if it was reserved."""
    row = await db.fetch_one("SELECT * FROM prompt_posts WHERE job_key = ?", (job_key,))
    return None if row is None else PromptPost.from_row(row)


async def latest_post(db: Database, guild_id: int) -> PromptPost | None:
    """The server's most recent prompt: the one being posted right now, else the latest posted one.

    A post is visible in the channel a moment before it is recorded as posted; in that moment its row is
    'reserved' and its occurrence claimed, so ``/prompt today`` shows it rather than denying it exists.
    """
    row = await db.fetch_one(
        """
        SELECT p.* FROM prompt_posts p JOIN jobs j ON j.key = p.job_key
        WHERE p.guild_id = ? AND p.status = 'reserved' AND j.status = 'claimed'
          AND p.id > COALESCE((SELECT MAX(id) FROM prompt_posts WHERE guild_id = ? AND status = 'posted'), 0)
        ORDER BY p.id DESC LIMIT 1
        """,
        (guild_id, guild_id),
    )
    if row is None:
        row = await db.fetch_one(
            """
            SELECT * FROM prompt_posts WHERE guild_id = ? AND status = 'posted'
            ORDER BY posted_at DESC, id DESC LIMIT 1
            """,
            (guild_id,),
        )
    return None if row is None else PromptPost.from_row(row)


async def claim_low_bank_warning(db: Database, guild_id: int, seeds: Sequence[PromptSeed], now: datetime) -> int | None:
    """How many unused prompts remain, when moderators should be warned now (once per rotation cycle)."""
    async with db.transaction() as tx:
        bank = await active_bank(tx, guild_id, seeds)
        history = await _history(tx, guild_id)
        unused = len(unused_in_cycle(_candidates(bank), history))
        if unused >= LOW_BANK:
            return None
        cycle = max((post.cycle for post in history), default=0)
        warned = await tx.fetch_value("SELECT warned_cycle FROM prompt_rotations WHERE guild_id = ?", (guild_id,))
        if warned is not None and warned >= cycle:
            return None
        await tx.execute(
            """
            INSERT INTO prompt_rotations (guild_id, warned_cycle, created_at, updated_at) VALUES (?, ?, ?, ?)
            ON CONFLICT (guild_id) DO UPDATE SET warned_cycle = excluded.warned_cycle, updated_at = excluded.updated_at
            """,
            (guild_id, cycle, iso(now), iso(now)),
        )
        return unused


async def prompt_stats(db: Database, guild_id: int, since: datetime) -> PromptStats:
    """Prompts posted, discussion threads started and "Log this" entries since an instant (for /admin stats)."""
    row = await db.fetch_one(
        """
        SELECT COUNT(*) AS posted, COUNT(thread_id) AS threads FROM prompt_posts
        WHERE guild_id = ? AND status = 'posted' AND posted_at >= ?
        """,
        (guild_id, iso(since)),
    )
    logged = await db.fetch_value(
        "SELECT COUNT(*) FROM progress_entries WHERE guild_id = ? AND source = 'prompt' AND logged_at >= ?",
        (guild_id, iso(since)),
    )
    posted, threads = (row["posted"], row["threads"]) if row is not None else (0, 0)
    return PromptStats(int(posted), int(threads), int(logged or 0))
