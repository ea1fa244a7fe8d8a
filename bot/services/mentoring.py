"""Mentor matching: profiles, requests, proposals, mentorships, rounds and their statistics.

The rules (score, optimal round) are in :mod:`bot.matching`; this module loads the state they need, applies
their decisions and keeps the lifecycle consistent:

* a request is ``waiting`` → ``proposed`` (one pending proposal) → ``matched``; a declined, expired or withdrawn
  proposal puts it back to ``waiting`` and the next candidate is proposed at once;
* every proposal is created together with two scheduler jobs in the same transaction: its delivery to the
  mentor (``mentoring-proposal``, sent with a nonce so a retry cannot send it twice) and its expiry
  (``mentoring-expiry``). A restart between the two changes nothing: both live in the database;
* members who pause (or whom Discord reports as gone) are skipped by every rule, and their pending proposals
  move on;
* messages to members (``mentoring-notice``) are jobs too, so a failed DM is retried rather than lost.
"""

from __future__ import annotations

import json
import logging
import re
import zoneinfo
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any, Final, Literal

from bot import ranking
from bot.content import Skill
from bot.db import Database, Row, Transaction
from bot.errors import ConflictError, LimitError, NotFoundError, PermissionDeniedError, ValidationError
from bot.matching import Mentee, Mentor, UnmatchedReason, pair_score, plan_round, rank_mentors
from bot.recurrence import Rule, next_occurrence
from bot.services import audit, guild_config
from bot.services import schedules as store
from bot.services.audit import AuditEntry
from bot.timeutil import discord_timestamp, from_unix, iso, parse_iso, resolve_timezone, to_unix

__all__ = [
    "CHECKIN_EVERY",
    "CHECKIN_JOB",
    "EXPIRY_JOB",
    "NOTICE_JOB",
    "PROPOSAL_JOB",
    "ROUND_JOB",
    "CheckinOutcome",
    "MentorProfile",
    "MentoringStats",
    "Mentorship",
    "Proposal",
    "Request",
    "RequestOutcome",
    "RoundResult",
    "accept_proposal",
    "decline_proposal",
    "end_mentorship",
    "expire_proposal",
    "member_left",
    "member_status",
    "mentoring_stats",
    "offer_mentoring",
    "parse_areas",
    "pause_member",
    "request_mentor",
    "resume_member",
    "run_round",
    "suggest_areas",
]

log = logging.getLogger(__name__)

PROPOSAL_JOB: Final = "mentoring-proposal"
EXPIRY_JOB: Final = "mentoring-expiry"
NOTICE_JOB: Final = "mentoring-notice"
CHECKIN_JOB: Final = "mentoring-checkin"
ROUND_JOB: Final = "mentoring-round"

CHECKIN_EVERY: Final = timedelta(days=14)
MIN_CAPACITY, MAX_CAPACITY = 1, 10
MAX_AREAS: Final = 8
MAX_GOAL: Final = 300
MAX_BIO: Final = 1000
MAX_FEEDBACK: Final = 1000
MAX_AREAS_TEXT: Final = 400
# Automatic rounds: Mondays at 09:00 in the server's timezone, so nobody waits more than a week for a retry.
ROUND_TIME: Final = time(9, 0)
ROUND_DAYS: Final = 0b0000001
_MAX_CHOICES = 25
_CHOICE_LEN = 100
# Bounds on what one member's actions make the bot send to others (README "Abuse limits").
MEMBER_PROPOSALS_PER_DAY: Final = 3  # new proposals a mentee's own /mentoring request or resume may start in 24 h
HELP_OPEN_FOR: Final = timedelta(days=7)  # a "Need help" stays open (one mod-log post) this long, or until "well"

Answer = Literal["well", "help", "end"]

UNMATCHED_WHY: Final[Mapping[UnmatchedReason, str]] = {
    UnmatchedReason.PAUSED: "your mentoring is paused (use /mentoring resume to be matched again)",
    UnmatchedReason.NO_AREA: "no mentor here offers any of the areas you asked for yet",
    UnmatchedReason.HISTORY: "every mentor for your areas has already been proposed to you once",
    UnmatchedReason.UNAVAILABLE: "the mentors for your areas are paused or have no free place right now",
    UnmatchedReason.OUTBID: "the mentors for your areas filled their free places with closer fits this round",
    UnmatchedReason.LIMITED: (
        f"you have already asked {MEMBER_PROPOSALS_PER_DAY} mentors in the last 24 hours, so I'm leaving the next one "
        "to the matching round"
    ),
}


# --------------------------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MentorProfile:
    """A mentor's profile, with how many places are in use (active mentorships + pending proposals)."""

    guild_id: int
    user_id: int
    areas: tuple[str, ...]
    capacity: int
    timezone: str
    bio: str | None
    paused: bool
    active: int
    pending: int
    updated_at: datetime

    @property
    def load(self) -> int:
        """Places in use or promised."""
        return self.active + self.pending

    @property
    def remaining(self) -> int:
        """Free places."""
        return max(self.capacity - self.load, 0)


@dataclass(frozen=True, slots=True)
class Request:
    """A mentee's request."""

    id: int
    guild_id: int
    user_id: int
    areas: tuple[str, ...]
    goal: str
    timezone: str
    status: str
    created_at: datetime
    matched_at: datetime | None

    @classmethod
    def from_row(cls, row: Row) -> Request:
        """Build from a ``mentee_requests`` row."""
        return cls(
            id=row["id"],
            guild_id=row["guild_id"],
            user_id=row["user_id"],
            areas=tuple(json.loads(row["areas"])),
            goal=row["goal"],
            timezone=row["timezone"],
            status=row["status"],
            created_at=parse_iso(row["created_at"]),
            matched_at=None if row["matched_at"] is None else parse_iso(row["matched_at"]),
        )


@dataclass(frozen=True, slots=True)
class Proposal:
    """A proposal of a mentor to a mentee, with what the mentor needs to decide."""

    id: int
    guild_id: int
    request_id: int
    mentee_id: int
    mentor_id: int
    score: float
    source: str
    status: str
    expires_at: datetime
    delivered_via: str | None
    channel_id: int | None
    message_id: int | None
    decided_at: datetime | None
    created_at: datetime
    areas: tuple[str, ...]
    goal: str
    mentee_timezone: str

    @classmethod
    def from_row(cls, row: Row) -> Proposal:
        """Build from a ``mentoring_proposals`` row joined with its request (areas, goal, timezone)."""
        return cls(
            id=row["id"],
            guild_id=row["guild_id"],
            request_id=row["request_id"],
            mentee_id=row["mentee_id"],
            mentor_id=row["mentor_id"],
            score=row["score"],
            source=row["source"],
            status=row["status"],
            expires_at=parse_iso(row["expires_at"]),
            delivered_via=row["delivered_via"],
            channel_id=row["channel_id"],
            message_id=row["message_id"],
            decided_at=None if row["decided_at"] is None else parse_iso(row["decided_at"]),
            created_at=parse_iso(row["created_at"]),
            areas=tuple(json.loads(row["areas"])),
            goal=row["goal"],
            mentee_timezone=row["timezone"],
        )


@dataclass(frozen=True, slots=True)
class Mentorship:
    """An active or ended mentorship."""

    id: int
    guild_id: int
    mentor_id: int
    mentee_id: int
    status: str
    thread_id: int | None
    started_at: datetime
    ended_at: datetime | None
    ended_by: int | None
    end_reason: str | None
    rating: int | None
    feedback: str | None

    @classmethod
    def from_row(cls, row: Row) -> Mentorship:
        """Build from a ``mentorships`` row."""
        return cls(
            id=row["id"],
            guild_id=row["guild_id"],
            mentor_id=row["mentor_id"],
            mentee_id=row["mentee_id"],
            status=row["status"],
            thread_id=row["thread_id"],
            started_at=parse_iso(row["started_at"]),
            ended_at=None if row["ended_at"] is None else parse_iso(row["ended_at"]),
            ended_by=row["ended_by"],
            end_reason=row["end_reason"],
            rating=row["rating"],
            feedback=row["feedback"],
        )

    def other(self, user_id: int) -> int:
        """The other participant."""
        return self.mentee_id if user_id == self.mentor_id else self.mentor_id

    def role_of(self, user_id: int) -> str:
        """``mentor`` or ``mentee``."""
        return "mentor" if user_id == self.mentor_id else "mentee"


@dataclass(frozen=True, slots=True)
class RequestOutcome:
    """What ``/mentoring request`` did: the stored request, and the proposal made at once or why there is none."""

    request: Request
    updated: bool
    paused: bool
    proposal: Proposal | None
    reason: UnmatchedReason | None
    next_round_at: datetime | None


@dataclass(frozen=True, slots=True)
class NextStep:
    """After a proposal closed: the next proposal for the same request, or why there is none."""

    closed: Proposal
    proposal: Proposal | None
    reason: UnmatchedReason | None


@dataclass(frozen=True, slots=True)
class Acceptance:
    """An accepted proposal and the mentorship it started."""

    proposal: Proposal
    mentorship: Mentorship
    channel_id: int | None


@dataclass(frozen=True, slots=True)
class PauseOutcome:
    """What pausing did: proposals withdrawn, and the next proposals made for the mentees affected."""

    was_paused: bool
    withdrawn: tuple[Proposal, ...]
    next_proposals: tuple[Proposal, ...]


@dataclass(frozen=True, slots=True)
class ResumeOutcome:
    """What resuming did, and the proposal made at once for a waiting request."""

    was_paused: bool
    proposal: Proposal | None
    reason: UnmatchedReason | None = None


@dataclass(frozen=True, slots=True)
class CheckinOutcome:
    """A recorded check-in answer; for "Need help", when an earlier request for help is still open."""

    mentorship: Mentorship
    help_open_since: datetime | None = None


@dataclass(frozen=True, slots=True)
class RoundPairView:
    """A pair in a round, for showing to moderators."""

    request_id: int
    mentee_id: int
    mentor_id: int
    score: float
    proposal_id: int | None


@dataclass(frozen=True, slots=True)
class RoundResult:
    """A round's pairs and the requests left out (with reasons); ``preview`` rounds stored nothing."""

    preview: bool
    pairs: tuple[RoundPairView, ...]
    unmatched: tuple[tuple[int, int, UnmatchedReason], ...]  # (request id, mentee id, reason)
    total: float
    waiting: int
    next_round_at: datetime | None
    audit: AuditEntry | None


@dataclass(frozen=True, slots=True)
class MemberStatus:
    """Everything ``/mentoring status`` shows."""

    paused: bool
    paused_reason: str | None
    profile: MentorProfile | None
    request: Request | None
    my_proposal: Proposal | None
    proposals_to_me: tuple[Proposal, ...]
    mentorships: tuple[Mentorship, ...]
    next_round_at: datetime | None


@dataclass(frozen=True, slots=True)
class MentoringStats:
    """An overview for moderators (``/admin mentors stats`` and ``/admin stats``); the most useful figures first,
    because /admin stats shows only the first fourteen. Flows (matched, answered, ended) count from ``since``."""

    mentors: int
    capacity: int  # places offered by mentors who are not paused
    places_used: int  # active mentorships
    active_pairs: int
    waiting_requests: int  # open requests, with or without a pending proposal
    pending_proposals: int
    median_wait_to_match: timedelta | None
    matched_since: int
    average_rating: float | None
    ratings: int
    accepted_since: int
    declined_since: int
    expired_since: int
    ended_since: int
    paused_mentors: int
    places_promised: int  # pending proposals holding a place
    waiting_since: datetime | None  # when the longest-waiting open request was made


@dataclass(frozen=True, slots=True)
class Pending:
    """Open requests and pending proposals, oldest first."""

    requests: tuple[Request, ...]
    proposals: tuple[Proposal, ...]


# --------------------------------------------------------------------------------------------------------------
# Input rules (pure)
# --------------------------------------------------------------------------------------------------------------


def _norm(text: str) -> str:
    """Case-, space- and comma-spacing-insensitive form for matching typed areas."""
    folded = " ".join(text.casefold().split())
    return re.sub(r"\s*,\s*", ",", folded)


def _area_index(skills: Mapping[str, Skill]) -> dict[str, str]:
    index: dict[str, str] = {}
    for skill in skills.values():
        for key in (skill.id, skill.name, *skill.aliases):
            index.setdefault(_norm(key), skill.id)
    return index


def parse_areas(text: str, skills: Mapping[str, Skill]) -> tuple[str, ...]:
    """Comma-separated skill ids, names or aliases → skill ids (in the order given, without repeats).

    Skill names may contain commas themselves ("Planning, scheduling and estimating"), so the longest run of
    comma-separated pieces that names a skill wins.
    """
    if len(text) > MAX_AREAS_TEXT:
        raise ValidationError(f"The areas list is too long; keep it under {MAX_AREAS_TEXT} characters.")
    index = _area_index(skills)
    pieces = [p.strip() for p in text.split(",")]
    chosen: list[str] = []
    unknown: list[str] = []
    i = 0
    while i < len(pieces):
        if not pieces[i]:
            i += 1
            continue
        for j in range(len(pieces), i, -1):
            area = index.get(_norm(",".join(pieces[i:j])))
            if area is not None:
                if area not in chosen:
                    chosen.append(area)
                i = j
                break
        else:
            unknown.append(pieces[i])
            i += 1
    if unknown:
        listed = ", ".join(f"“{u[:40]}”" for u in unknown[:3])
        raise ValidationError(
            f"I don't know the area {listed}. Pick areas from the suggestions as you type (skills such as "
            "risk-management or dashboards), separated by commas."
        )
    if not chosen:
        raise ValidationError("Choose at least one area (the option suggests skills as you type).")
    if len(chosen) > MAX_AREAS:
        raise ValidationError(f"Choose at most {MAX_AREAS} areas; you gave {len(chosen)}.")
    return tuple(chosen)


def suggest_areas(current: str, skills: Mapping[str, Skill]) -> list[tuple[str, str]]:
    """Autocomplete for a comma-separated areas option: (label, value) pairs completing the last item.

    The last item is ranked by :func:`bot.ranking.rank` over each skill's name, then its aliases and id (an alias
    match is labelled ``Name (alias)``). The value keeps the items already chosen (as ids) and adds the
    suggestion, so picking a choice builds the list one area at a time. Labels and values respect Discord's
    100-character limit.
    """
    head, _, last = current.rpartition(",")
    try:
        chosen = list(parse_areas(head, skills)) if head.strip() else []
    except ValidationError:
        chosen = []
    items = [
        (skill.id, (skill.name, *skill.aliases, skill.id))
        for skill in sorted(skills.values(), key=lambda s: s.name.casefold())
        if skill.id not in chosen
    ]
    choices: list[tuple[str, str]] = []
    for match in ranking.rank(last, items, limit=len(items)):
        value = ", ".join([*chosen, match.key])
        if len(value) > _CHOICE_LEN:
            continue
        name = skills[match.key].name
        if chosen:  # the end of the list is what is being chosen: shorten from the start
            label = f"{', '.join(chosen)}, {ranking.label(name, match.alias, limit=10 * _CHOICE_LEN)}"
            if len(label) > _CHOICE_LEN:
                label = "…" + label[-(_CHOICE_LEN - 1) :]
        else:
            label = ranking.label(name, match.alias, limit=_CHOICE_LEN)
        choices.append((label, value))
        if len(choices) == _MAX_CHOICES:
            break
    return choices


def validate_capacity(capacity: int) -> int:
    """1–10 mentees at a time."""
    if not MIN_CAPACITY <= capacity <= MAX_CAPACITY:
        raise ValidationError(
            f"Capacity must be between {MIN_CAPACITY} and {MAX_CAPACITY} mentees at a time; you gave {capacity}."
        )
    return capacity


def validate_goal(goal: str) -> str:
    """A non-empty goal of at most 300 characters."""
    cleaned = " ".join(goal.split())
    if not cleaned:
        raise ValidationError("Tell your future mentor what you want to achieve (the goal can't be empty).")
    if len(cleaned) > MAX_GOAL:
        raise ValidationError(f"Keep the goal to {MAX_GOAL} characters or fewer; yours has {len(cleaned)}.")
    return cleaned


def validate_bio(bio: str) -> str | None:
    """An optional bio of at most 1000 characters (empty clears it)."""
    cleaned = bio.strip()
    if len(cleaned) > MAX_BIO:
        raise ValidationError(f"Keep the bio to {MAX_BIO} characters or fewer; yours has {len(cleaned)}.")
    return cleaned or None


def validate_ending(rating: int | None, feedback: str | None) -> tuple[int | None, str | None]:
    """A 1–5 rating and feedback of at most 1000 characters, both optional."""
    if rating is not None and not 1 <= rating <= 5:
        raise ValidationError(f"The rating must be a whole number from 1 to 5; you gave {rating}.")
    cleaned = (feedback or "").strip()
    if len(cleaned) > MAX_FEEDBACK:
        raise ValidationError(f"Keep the feedback to {MAX_FEEDBACK} characters or fewer; yours has {len(cleaned)}.")
    return rating, cleaned or None


def utc_offset_hours(timezone: str, now: datetime) -> float:
    """The zone's offset from UTC at ``now``, in hours (daylight saving included)."""
    offset = now.astimezone(zoneinfo.ZoneInfo(timezone)).utcoffset()
    return 0.0 if offset is None else offset.total_seconds() / 3600


# --------------------------------------------------------------------------------------------------------------
# Loading state
# --------------------------------------------------------------------------------------------------------------

_PROPOSAL_SELECT = """
    SELECT p.*, r.areas, r.goal, r.timezone
    FROM mentoring_proposals p JOIN mentee_requests r ON r.id = p.request_id
"""

Db = Database | Transaction
# An open request with no pending proposal is waiting (also when its last proposal vanished with a mentor's
# deleted data, which leaves the request marked "proposed").
_WAITING = """r.status IN ('waiting', 'proposed')
    AND NOT EXISTS (SELECT 1 FROM mentoring_proposals p WHERE p.request_id = r.id AND p.status = 'pending')"""
NextStepPart = tuple["Proposal | None", "UnmatchedReason | None"]


async def _member_pause(db: Db, guild_id: int, user_id: int) -> tuple[bool, str | None]:
    row = await db.fetch_one(
        "SELECT paused, paused_reason FROM mentoring_members WHERE guild_id = ? AND user_id = ?", (guild_id, user_id)
    )
    if row is None:
        return False, None
    return bool(row["paused"]), row["paused_reason"]


async def _set_pause(tx: Transaction, guild_id: int, user_id: int, reason: str | None, now: datetime) -> None:
    await tx.execute(
        """
        INSERT INTO mentoring_members (guild_id, user_id, paused, paused_reason, paused_at, created_at, updated_at)
        VALUES (?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (guild_id, user_id) DO UPDATE SET
            paused = excluded.paused, paused_reason = excluded.paused_reason, paused_at = excluded.paused_at,
            updated_at = excluded.updated_at
        """,
        (guild_id, user_id, int(reason is not None), reason, iso(now) if reason else None, iso(now), iso(now)),
    )


async def _profiles(db: Db, guild_id: int, user_id: int | None = None) -> list[MentorProfile]:
    sql = """
        SELECT m.*,
               COALESCE(mm.paused, 0) AS paused,
               (SELECT COUNT(*) FROM mentorships s
                 WHERE s.guild_id = m.guild_id AND s.mentor_id = m.user_id AND s.status = 'active') AS active,
               (SELECT COUNT(*) FROM mentoring_proposals p
                 WHERE p.guild_id = m.guild_id AND p.mentor_id = m.user_id AND p.status = 'pending') AS pending
        FROM mentor_profiles m
        LEFT JOIN mentoring_members mm ON mm.guild_id = m.guild_id AND mm.user_id = m.user_id
        WHERE m.guild_id = ?
    """
    params: tuple[int, ...] = (guild_id,)
    if user_id is not None:
        sql += " AND m.user_id = ?"
        params = (guild_id, user_id)
    rows = await db.fetch_all(sql + " ORDER BY m.user_id", params)
    return [
        MentorProfile(
            guild_id=r["guild_id"],
            user_id=r["user_id"],
            areas=tuple(json.loads(r["areas"])),
            capacity=r["capacity"],
            timezone=r["timezone"],
            bio=r["bio"],
            paused=bool(r["paused"]),
            active=r["active"],
            pending=r["pending"],
            updated_at=parse_iso(r["updated_at"]),
        )
        for r in rows
    ]


async def get_profile(db: Db, guild_id: int, user_id: int) -> MentorProfile | None:
    """A member's mentor profile in this server, if any."""
    profiles = await _profiles(db, guild_id, user_id)
    return profiles[0] if profiles else None


async def _open_request(db: Db, guild_id: int, user_id: int) -> Request | None:
    row = await db.fetch_one(
        "SELECT * FROM mentee_requests WHERE guild_id = ? AND user_id = ? AND status IN ('waiting', 'proposed')",
        (guild_id, user_id),
    )
    return None if row is None else Request.from_row(row)


async def _has_pending(db: Db, request_id: int) -> bool:
    value = await db.fetch_value(
        "SELECT 1 FROM mentoring_proposals WHERE request_id = ? AND status = 'pending'", (request_id,)
    )
    return value is not None


async def _request(db: Db, request_id: int) -> Request | None:
    row = await db.fetch_one("SELECT * FROM mentee_requests WHERE id = ?", (request_id,))
    return None if row is None else Request.from_row(row)


async def get_request(db: Db, request_id: int) -> Request | None:
    """A request by id (callers check the guild)."""
    return await _request(db, request_id)


async def waiting_request(db: Db, request_id: int) -> Request | None:
    """The request if it is still open and has no pending proposal (it waits for a mentor), else None."""
    request = await _request(db, request_id)
    if request is None or request.status == "matched" or await _has_pending(db, request_id):
        return None
    return request


async def get_proposal(db: Db, proposal_id: int) -> Proposal | None:
    """A proposal by id (from a button's custom_id; callers check the guild and the clicker)."""
    row = await db.fetch_one(_PROPOSAL_SELECT + " WHERE p.id = ?", (proposal_id,))
    return None if row is None else Proposal.from_row(row)


async def get_mentorship(db: Db, mentorship_id: int) -> Mentorship | None:
    """A mentorship by id (callers check the guild and the participant)."""
    row = await db.fetch_one("SELECT * FROM mentorships WHERE id = ?", (mentorship_id,))
    return None if row is None else Mentorship.from_row(row)


async def _blocked_for(db: Db, guild_id: int, mentee_ids: Sequence[int] | None = None) -> set[tuple[int, int]]:
    """Pairs never to propose: the history, plus pairs that are already mentoring each other."""
    rows = await db.fetch_all(
        """
        SELECT mentee_id, mentor_id FROM mentoring_pair_history WHERE guild_id = ?
        UNION
        SELECT mentee_id, mentor_id FROM mentorships WHERE guild_id = ? AND status = 'active'
        """,
        (guild_id, guild_id),
    )
    wanted = None if mentee_ids is None else set(mentee_ids)
    return {(r["mentee_id"], r["mentor_id"]) for r in rows if wanted is None or r["mentee_id"] in wanted}


def _as_mentor(profile: MentorProfile, now: datetime) -> Mentor:
    return Mentor(
        user_id=profile.user_id,
        areas=frozenset(profile.areas),
        utc_offset=utc_offset_hours(profile.timezone, now),
        capacity=profile.capacity,
        load=profile.load,
        paused=profile.paused,
    )


def _as_mentee(request: Request, now: datetime, *, paused: bool = False) -> Mentee:
    return Mentee(
        request_id=request.id,
        user_id=request.user_id,
        areas=frozenset(request.areas),
        utc_offset=utc_offset_hours(request.timezone, now),
        paused=paused,
    )


# --------------------------------------------------------------------------------------------------------------
# Jobs created with the state they belong to
# --------------------------------------------------------------------------------------------------------------


async def _add_notice(
    tx: Transaction, guild_id: int, user_id: int, notice: str, now: datetime, key: str, **payload: Any
) -> None:
    await store.add_job(
        tx,
        guild_id=guild_id,
        kind=NOTICE_JOB,
        key=f"{NOTICE_JOB}:{key}",
        due=now,
        payload={"user_id": user_id, "notice": notice, **payload},
        now=now,
    )


async def _revivable(tx: Transaction, request: Request, now: datetime) -> dict[int, int]:
    """Withdrawn proposals about this mentee whose message the mentor still has, by mentor: {mentor: proposal}.

    A mentee who pauses withdraws their proposal; when they resume, the same mentor gets that proposal back (its
    old message's buttons work again) instead of a second DM about the same member.
    """
    rows = await tx.fetch_all(
        """
        SELECT mentor_id, MAX(id) FROM mentoring_proposals
        WHERE guild_id = ? AND mentee_id = ? AND status = 'cancelled' AND delivered_via IN ('dm', 'channel')
          AND expires_at > ?
        GROUP BY mentor_id
        """,
        (request.guild_id, request.user_id, iso(now)),
    )
    return {int(row[0]): int(row[1]) for row in rows}


async def _revive_proposal(
    tx: Transaction, proposal_id: int, request: Request, score: float, now: datetime
) -> Proposal:
    """Reopen a withdrawn proposal for the mentee's current request, with its original expiry."""
    await tx.execute(
        """
        UPDATE mentoring_proposals SET status = 'pending', request_id = ?, score = ?, decided_at = NULL
        WHERE id = ? AND status = 'cancelled'
        """,
        (request.id, score, proposal_id),
    )
    await tx.execute(
        "UPDATE mentee_requests SET status = 'proposed', updated_at = ? WHERE id = ?", (iso(now), request.id)
    )
    await tx.execute(
        "UPDATE jobs SET status = 'pending' WHERE key = ? AND status = 'cancelled'", (f"{EXPIRY_JOB}:{proposal_id}",)
    )
    proposal = await get_proposal(tx, proposal_id)
    if proposal is None:  # pragma: no cover - selected just before
        raise RuntimeError("proposal vanished inside its transaction")
    return proposal


async def _member_started_recently(tx: Transaction, request: Request, now: datetime) -> int:
    """How many proposals the mentee's own commands started in the last 24 hours."""
    return int(
        await tx.fetch_value(
            """
            SELECT COUNT(*) FROM mentoring_proposals
            WHERE guild_id = ? AND mentee_id = ? AND source = 'request' AND created_at > ?
            """,
            (request.guild_id, request.user_id, iso(now - timedelta(days=1))),
        )
        or 0
    )


async def _create_proposal(
    tx: Transaction, request: Request, mentor_id: int, score: float, source: str, now: datetime
) -> Proposal:
    """Propose the pair: reopen the pair's withdrawn proposal when the mentor still has its message, else a new one."""
    withdrawn = (await _revivable(tx, request, now)).get(mentor_id)
    if withdrawn is not None:
        return await _revive_proposal(tx, withdrawn, request, score, now)
    settings = await guild_config.get_settings(tx, request.guild_id)
    expires = now + timedelta(days=settings.proposal_expiry_days)
    proposal_id = await tx.execute(
        """
        INSERT INTO mentoring_proposals (guild_id, request_id, mentee_id, mentor_id, score, source, status,
                                         expires_at, created_at)
        VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?)
        """,
        (request.guild_id, request.id, request.user_id, mentor_id, score, source, iso(expires), iso(now)),
    )
    await tx.execute(
        "UPDATE mentee_requests SET status = 'proposed', updated_at = ? WHERE id = ?", (iso(now), request.id)
    )
    payload = {"proposal_id": proposal_id, "mentor_id": mentor_id, "mentee_id": request.user_id}
    await store.add_job(
        tx,
        guild_id=request.guild_id,
        kind=PROPOSAL_JOB,
        key=f"{PROPOSAL_JOB}:{proposal_id}",
        due=now,
        payload=payload,
        now=now,
    )
    await store.add_job(
        tx,
        guild_id=request.guild_id,
        kind=EXPIRY_JOB,
        key=f"{EXPIRY_JOB}:{proposal_id}",
        due=expires,
        payload=payload,
        now=now,
    )
    proposal = await get_proposal(tx, proposal_id)
    if proposal is None:  # pragma: no cover - inserted just above
        raise RuntimeError("proposal vanished inside its transaction")
    return proposal


async def _propose_next(tx: Transaction, request: Request, now: datetime, source: str) -> NextStepPart:
    """Propose the best available mentor for a waiting request, or say why there is none."""
    paused, _ = await _member_pause(tx, request.guild_id, request.user_id)
    mentee = _as_mentee(request, now, paused=paused)
    mentors = [_as_mentor(p, now) for p in await _profiles(tx, request.guild_id)]
    blocked = await _blocked_for(tx, request.guild_id, [request.user_id])
    ranked = rank_mentors(mentee, mentors, blocked)
    if not ranked:
        reason = plan_round([mentee], mentors, blocked).unmatched[0].reason
        await tx.execute(
            "UPDATE mentee_requests SET status = 'waiting', updated_at = ? WHERE id = ?", (iso(now), request.id)
        )
        return None, reason
    revivable = await _revivable(tx, request, now)
    for mentor, score in ranked:
        if mentor.user_id in revivable:  # the mentor already has a message about this member: no new DM
            return await _create_proposal(tx, request, mentor.user_id, score, source, now), None
    if source == "request" and await _member_started_recently(tx, request, now) >= MEMBER_PROPOSALS_PER_DAY:
        await tx.execute(
            "UPDATE mentee_requests SET status = 'waiting', updated_at = ? WHERE id = ?", (iso(now), request.id)
        )
        return None, UnmatchedReason.LIMITED
    best, score = ranked[0]
    return await _create_proposal(tx, request, best.user_id, score, source, now), None


async def _tell_unmatched(tx: Transaction, request: Request, reason: UnmatchedReason, now: datetime) -> None:
    await _add_notice(
        tx,
        request.guild_id,
        request.user_id,
        "unmatched",
        now,
        f"{request.id}:unmatched:{int(now.timestamp())}",
        request_id=request.id,
        reason=reason.value,
    )


# --------------------------------------------------------------------------------------------------------------
# The round schedule
# --------------------------------------------------------------------------------------------------------------


async def ensure_round_schedule(db: Database, guild_id: int, now: datetime) -> None:
    """Give the server its weekly automatic round (Mondays 09:00 server time) if it has none yet."""
    if await store.get_schedule(db, guild_id, ROUND_JOB) is not None:
        return
    settings = await guild_config.get_settings(db, guild_id)
    rule = Rule(ROUND_TIME, ROUND_DAYS, settings.timezone)
    await store.upsert_schedule(db, guild_id=guild_id, kind=ROUND_JOB, channel_id=None, rule=rule, now=now)


async def next_round_at(db: Db, guild_id: int, now: datetime) -> datetime | None:
    """When the next automatic round runs (None when the server's rounds are paused or not set up)."""
    row = await db.fetch_one(
        "SELECT * FROM schedules WHERE guild_id = ? AND kind = ? AND owner_id = 0", (guild_id, ROUND_JOB)
    )
    if row is None or row["paused"]:
        return None
    # A round that is due now is the one running (it is what tells people they were left out): look past it.
    due = await db.fetch_value(
        "SELECT MIN(due_at) FROM jobs WHERE schedule_id = ? AND status IN ('pending', 'claimed') AND due_at > ?",
        (row["id"], to_unix(now)),
    )
    if due is not None:
        return from_unix(due)
    schedule = store.Schedule.from_row(row)
    return next_occurrence(schedule.rule, max(now, from_unix(row["anchor_at"])))


# --------------------------------------------------------------------------------------------------------------
# Members: offer, request, pause, resume, status
# --------------------------------------------------------------------------------------------------------------


async def offer_mentoring(
    db: Database,
    *,
    guild_id: int,
    user_id: int,
    areas: str,
    capacity: int,
    timezone: str,
    skills: Mapping[str, Skill],
    now: datetime,
    bio: str | None = None,
) -> MentorProfile:
    """Create or update a mentor profile (everything is validated before anything is stored).

    ``bio`` None keeps the current bio; an empty string clears it. Offering again also clears a pause that
    came from Discord reporting the member gone (they are evidently back).
    """
    area_ids = parse_areas(areas, skills)
    validate_capacity(capacity)
    zone = resolve_timezone(timezone).key
    cleaned_bio = None if bio is None else validate_bio(bio)
    async with db.transaction() as tx:
        await guild_config.ensure_guild(tx, guild_id, now)
        await _clear_left(tx, guild_id, user_id, now)
        await tx.execute(
            """
            INSERT INTO mentor_profiles (guild_id, user_id, areas, capacity, timezone, bio, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (guild_id, user_id) DO UPDATE SET
                areas = excluded.areas, capacity = excluded.capacity, timezone = excluded.timezone,
                bio = CASE WHEN ? = 1 THEN excluded.bio ELSE mentor_profiles.bio END, updated_at = excluded.updated_at
            """,
            (
                guild_id, user_id, json.dumps(list(area_ids)), capacity, zone, cleaned_bio, iso(now), iso(now),
                int(bio is not None),
            ),
        )  # fmt: skip
        profile = await get_profile(tx, guild_id, user_id)
    await ensure_round_schedule(db, guild_id, now)
    if profile is None:  # pragma: no cover - written just above
        raise RuntimeError("profile vanished after being written")
    return profile


async def set_bio(db: Database, guild_id: int, user_id: int, bio: str, now: datetime) -> MentorProfile:
    """Set (or clear, with empty text) the bio of an existing mentor profile."""
    cleaned = validate_bio(bio)
    async with db.transaction() as tx:
        changed = await tx.execute(
            "UPDATE mentor_profiles SET bio = ?, updated_at = ? WHERE guild_id = ? AND user_id = ?",
            (cleaned, iso(now), guild_id, user_id),
        )
        if not changed:
            raise NotFoundError("You have no mentor profile yet; create one with /mentoring offer first.")
        profile = await get_profile(tx, guild_id, user_id)
    if profile is None:  # pragma: no cover
        raise RuntimeError("profile vanished after being written")
    return profile


async def _clear_left(tx: Transaction, guild_id: int, user_id: int, now: datetime) -> None:
    """A member Discord reported gone is evidently back when they use a mentoring command."""
    paused, reason = await _member_pause(tx, guild_id, user_id)
    if paused and reason == "left":
        await _set_pause(tx, guild_id, user_id, None, now)


async def request_mentor(
    db: Database,
    *,
    guild_id: int,
    user_id: int,
    areas: str,
    goal: str,
    timezone: str,
    skills: Mapping[str, Skill],
    now: datetime,
) -> RequestOutcome:
    """Store (or update) the member's open request and propose the best available mentor at once."""
    area_ids = parse_areas(areas, skills)
    cleaned_goal = validate_goal(goal)
    zone = resolve_timezone(timezone).key
    async with db.transaction() as tx:
        await guild_config.ensure_guild(tx, guild_id, now)
        await _clear_left(tx, guild_id, user_id, now)
        existing = await _open_request(tx, guild_id, user_id)
        pending = None
        if existing is not None:
            pending = await tx.fetch_one(
                "SELECT expires_at FROM mentoring_proposals WHERE request_id = ? AND status = 'pending'",
                (existing.id,),
            )
        if pending is not None:
            raise ConflictError(
                "You already have a request out with a mentor who hasn't answered yet (they have until "
                f"{discord_timestamp(parse_iso(pending[0]))}). I'll tell you as soon as they do; see /mentoring status."
            )
        if existing is not None:
            await tx.execute(
                "UPDATE mentee_requests SET areas = ?, goal = ?, timezone = ?, updated_at = ? WHERE id = ?",
                (json.dumps(list(area_ids)), cleaned_goal, zone, iso(now), existing.id),
            )
            request_id = existing.id
        else:
            request_id = await tx.execute(
                """
                INSERT INTO mentee_requests (guild_id, user_id, areas, goal, timezone, status, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, 'waiting', ?, ?)
                """,
                (guild_id, user_id, json.dumps(list(area_ids)), cleaned_goal, zone, iso(now), iso(now)),
            )
        request = await _request(tx, request_id)
        if request is None:  # pragma: no cover
            raise RuntimeError("request vanished inside its transaction")
        paused, _ = await _member_pause(tx, guild_id, user_id)
        proposal: Proposal | None = None
        reason: UnmatchedReason | None = UnmatchedReason.PAUSED
        if not paused:
            proposal, reason = await _propose_next(tx, request, now, "request")
    await ensure_round_schedule(db, guild_id, now)
    return RequestOutcome(
        request=request,
        updated=existing is not None,
        paused=paused,
        proposal=proposal,
        reason=reason,
        next_round_at=await next_round_at(db, guild_id, now),
    )


async def _withdraw_pending(
    tx: Transaction, guild_id: int, user_id: int, now: datetime, *, propose_next: bool
) -> tuple[list[Proposal], list[Proposal]]:
    """Withdraw a member's pending proposals (as mentor and as mentee); mentees left waiting get the next mentor."""
    rows = await tx.fetch_all(
        _PROPOSAL_SELECT + " WHERE p.guild_id = ? AND p.status = 'pending' AND (p.mentor_id = ? OR p.mentee_id = ?)",
        (guild_id, user_id, user_id),
    )
    withdrawn = [Proposal.from_row(r) for r in rows]
    following: list[Proposal] = []
    for proposal in withdrawn:
        await tx.execute(
            "UPDATE mentoring_proposals SET status = 'cancelled', decided_at = ? WHERE id = ?", (iso(now), proposal.id)
        )
        await store.cancel_jobs(tx, key_prefix=f"{EXPIRY_JOB}:{proposal.id}")
        await tx.execute(
            "UPDATE mentee_requests SET status = 'waiting', updated_at = ? WHERE id = ?",
            (iso(now), proposal.request_id),
        )
        if propose_next and proposal.mentee_id != user_id:
            request = await _request(tx, proposal.request_id)
            if request is not None:
                nxt, reason = await _propose_next(tx, request, now, "next")
                if nxt is not None:
                    following.append(nxt)
                elif reason is not None:
                    await _tell_unmatched(tx, request, reason, now)
    return withdrawn, following


async def pause_member(
    db: Database, guild_id: int, user_id: int, now: datetime, *, reason: Literal["member", "left"] = "member"
) -> PauseOutcome:
    """Stop proposals to and matching for a member; their pending proposals move on to the next candidate."""
    async with db.transaction() as tx:
        was_paused, _ = await _member_pause(tx, guild_id, user_id)
        await _set_pause(tx, guild_id, user_id, reason, now)
        withdrawn, following = await _withdraw_pending(tx, guild_id, user_id, now, propose_next=True)
    return PauseOutcome(was_paused, tuple(withdrawn), tuple(following))


async def member_left(db: Database, guild_id: int, user_id: int, now: datetime) -> PauseOutcome:
    """Discord said Unknown Member: pause them and move their pending proposals on."""
    log.info("Member %s left guild %s; pausing their mentoring", user_id, guild_id)
    return await pause_member(db, guild_id, user_id, now, reason="left")


async def resume_member(db: Database, guild_id: int, user_id: int, now: datetime) -> ResumeOutcome:
    """Take part in matching again; a waiting request gets a proposal at once."""
    async with db.transaction() as tx:
        was_paused, _ = await _member_pause(tx, guild_id, user_id)
        await _set_pause(tx, guild_id, user_id, None, now)
        request = await _open_request(tx, guild_id, user_id)
        proposal = reason = None
        if request is not None and not await _has_pending(tx, request.id):
            proposal, reason = await _propose_next(tx, request, now, "request")
    return ResumeOutcome(was_paused, proposal, reason)


async def member_status(db: Database, guild_id: int, user_id: int, now: datetime) -> MemberStatus:
    """A member's profile, open request, proposals and active mentorships in this server."""
    paused, reason = await _member_pause(db, guild_id, user_id)
    request = await _open_request(db, guild_id, user_id)
    mine = None
    if request is not None:
        row = await db.fetch_one(_PROPOSAL_SELECT + " WHERE p.request_id = ? AND p.status = 'pending'", (request.id,))
        mine = None if row is None else Proposal.from_row(row)
    to_me = await db.fetch_all(
        _PROPOSAL_SELECT + " WHERE p.guild_id = ? AND p.mentor_id = ? AND p.status = 'pending' ORDER BY p.id",
        (guild_id, user_id),
    )
    return MemberStatus(
        paused=paused,
        paused_reason=reason,
        profile=await get_profile(db, guild_id, user_id),
        request=request,
        my_proposal=mine,
        proposals_to_me=tuple(Proposal.from_row(r) for r in to_me),
        mentorships=tuple(await active_mentorships(db, guild_id, user_id)),
        next_round_at=await next_round_at(db, guild_id, now),
    )


async def active_mentorships(db: Db, guild_id: int, user_id: int | None = None) -> list[Mentorship]:
    """Active mentorships in a server (of one member when ``user_id`` is given), oldest first."""
    if user_id is None:
        rows = await db.fetch_all(
            "SELECT * FROM mentorships WHERE guild_id = ? AND status = 'active' ORDER BY started_at, id", (guild_id,)
        )
    else:
        rows = await db.fetch_all(
            """
            SELECT * FROM mentorships WHERE guild_id = ? AND status = 'active' AND (mentor_id = ? OR mentee_id = ?)
            ORDER BY started_at, id
            """,
            (guild_id, user_id, user_id),
        )
    return [Mentorship.from_row(r) for r in rows]


# --------------------------------------------------------------------------------------------------------------
# Answering proposals
# --------------------------------------------------------------------------------------------------------------


def _closed_message(proposal: Proposal) -> str:
    when = "" if proposal.decided_at is None else f" {discord_timestamp(proposal.decided_at, 'R')}"
    return {
        "accepted": f"You already accepted this proposal{when}; see /mentoring status.",
        "declined": f"You already declined this proposal{when}.",
        "expired": f"This proposal expired{when}, so it was offered to another mentor. Thanks anyway!",
        "cancelled": f"This proposal was withdrawn{when} (the member paused, left or was matched by a moderator).",
    }.get(proposal.status, "This proposal is no longer open.")


async def _open_proposal(
    tx: Transaction, proposal_id: int, user_id: int, guild_id: int | None, now: datetime, mentee_id: int | None
) -> Proposal:
    proposal = await get_proposal(tx, proposal_id)
    if (
        proposal is None
        or (guild_id is not None and proposal.guild_id != guild_id)
        or (mentee_id is not None and proposal.mentee_id != mentee_id)
    ):
        # The last case is an old message about a proposal whose row is gone: it never acts on another one.
        raise NotFoundError("This proposal no longer exists (the member may have deleted their data).")
    if user_id != proposal.mentor_id:
        raise PermissionDeniedError("This proposal was sent to another mentor; only they can answer it.")
    if proposal.status != "pending":
        raise ConflictError(_closed_message(proposal))
    if proposal.expires_at <= now:
        raise ConflictError(
            f"This proposal expired {discord_timestamp(proposal.expires_at, 'R')}, so it is being offered to "
            "another mentor. Thanks anyway!"
        )
    return proposal


async def accept_proposal(
    db: Database,
    proposal_id: int,
    user_id: int,
    now: datetime,
    *,
    guild_id: int | None = None,
    mentee_id: int | None = None,
) -> Acceptance:
    """The mentor accepts: the mentorship starts, the mentee is told, check-ins are scheduled.

    ``mentee_id`` is the member the pressed message was about (from its custom_id): a proposal about anyone
    else is refused.
    """
    async with db.transaction() as tx:
        proposal = await _open_proposal(tx, proposal_id, user_id, guild_id, now, mentee_id)
        active = await tx.fetch_value(
            "SELECT COUNT(*) FROM mentorships WHERE guild_id = ? AND mentor_id = ? AND status = 'active'",
            (proposal.guild_id, user_id),
        )
        profile = await get_profile(tx, proposal.guild_id, user_id)
        capacity = profile.capacity if profile is not None else 0
        if int(active or 0) >= capacity:
            raise LimitError(
                f"You already mentor {active} member(s), your full capacity of {capacity}. Raise it with "
                "/mentoring offer or end a mentorship first, then press Accept again."
            )
        await tx.execute(
            "UPDATE mentoring_proposals SET status = 'accepted', decided_at = ? WHERE id = ?", (iso(now), proposal.id)
        )
        await tx.execute(
            "UPDATE mentee_requests SET status = 'matched', matched_at = ?, updated_at = ? WHERE id = ?",
            (iso(now), iso(now), proposal.request_id),
        )
        mentorship_id = await tx.execute(
            """
            INSERT INTO mentorships (guild_id, mentor_id, mentee_id, request_id, proposal_id, status, started_at,
                                     created_at)
            VALUES (?, ?, ?, ?, ?, 'active', ?, ?)
            """,
            (proposal.guild_id, proposal.mentor_id, proposal.mentee_id, proposal.request_id, proposal.id, iso(now),
             iso(now)),
        )  # fmt: skip
        await store.cancel_jobs(tx, key_prefix=f"{EXPIRY_JOB}:{proposal.id}")
        for participant in (proposal.mentor_id, proposal.mentee_id):
            await _add_checkin(tx, proposal.guild_id, mentorship_id, participant, 1, now + CHECKIN_EVERY, now)
        await _add_notice(
            tx,
            proposal.guild_id,
            proposal.mentee_id,
            "matched",
            now,
            f"{mentorship_id}:matched",
            mentorship_id=mentorship_id,
        )
        mentorship = await get_mentorship(tx, mentorship_id)
        settings = await guild_config.get_settings(tx, proposal.guild_id)
        closed = await get_proposal(tx, proposal.id)
    if mentorship is None or closed is None:  # pragma: no cover
        raise RuntimeError("mentorship vanished inside its transaction")
    return Acceptance(closed, mentorship, settings.mentoring_channel_id)


async def decline_proposal(
    db: Database,
    proposal_id: int,
    user_id: int,
    now: datetime,
    *,
    guild_id: int | None = None,
    mentee_id: int | None = None,
) -> NextStep:
    """The mentor declines: the pair is never proposed again and the next candidate is proposed at once."""
    async with db.transaction() as tx:
        proposal = await _open_proposal(tx, proposal_id, user_id, guild_id, now, mentee_id)
        return await _close_and_move_on(tx, proposal, "declined", now)


async def _close_and_move_on(tx: Transaction, proposal: Proposal, outcome: str, now: datetime) -> NextStep:
    await tx.execute(
        "UPDATE mentoring_proposals SET status = ?, decided_at = ? WHERE id = ?", (outcome, iso(now), proposal.id)
    )
    await tx.execute(
        """
        INSERT INTO mentoring_pair_history (guild_id, mentee_id, mentor_id, outcome, created_at)
        VALUES (?, ?, ?, ?, ?)
        """,
        (proposal.guild_id, proposal.mentee_id, proposal.mentor_id, outcome, iso(now)),
    )
    await store.cancel_jobs(tx, key_prefix=f"{EXPIRY_JOB}:{proposal.id}")
    closed = await get_proposal(tx, proposal.id)
    request = await _request(tx, proposal.request_id)
    if closed is None or request is None:  # pragma: no cover
        raise RuntimeError("proposal vanished inside its transaction")
    nxt, reason = await _propose_next(tx, request, now, "next")
    if nxt is None and reason is not None:
        await _tell_unmatched(tx, request, reason, now)
    return NextStep(closed, nxt, reason)


async def expire_proposal(db: Database, proposal_id: int, now: datetime) -> NextStep | None:
    """A proposal's time is up: record it and try the next candidate (None if it was already answered)."""
    async with db.transaction() as tx:
        proposal = await get_proposal(tx, proposal_id)
        if proposal is None or proposal.status != "pending":
            return None
        return await _close_and_move_on(tx, proposal, "expired", now)


async def record_delivery(
    db: Database,
    proposal_id: int,
    via: Literal["dm", "channel", "none"],
    channel_id: int | None,
    message_id: int | None,
) -> None:
    """Where the proposal was delivered (so its message can be updated when it closes)."""
    await db.execute(
        "UPDATE mentoring_proposals SET delivered_via = ?, channel_id = ?, message_id = ? WHERE id = ?",
        (via, channel_id, message_id, proposal_id),
    )


# --------------------------------------------------------------------------------------------------------------
# Mentorships: check-ins and ending
# --------------------------------------------------------------------------------------------------------------


async def _add_checkin(
    tx: Transaction, guild_id: int, mentorship_id: int, user_id: int, cycle: int, due: datetime, now: datetime
) -> None:
    await store.add_job(
        tx,
        guild_id=guild_id,
        kind=CHECKIN_JOB,
        key=f"{CHECKIN_JOB}:{mentorship_id}:{user_id}:{cycle}",
        due=due,
        payload={"mentorship_id": mentorship_id, "user_id": user_id, "cycle": cycle},
        now=now,
    )


async def checkin_due(db: Database, mentorship_id: int, user_id: int, cycle: int, now: datetime) -> Mentorship | None:
    """Whether a check-in should be sent (the mentorship is active); schedules the following one."""
    async with db.transaction() as tx:
        mentorship = await get_mentorship(tx, mentorship_id)
        if mentorship is None or mentorship.status != "active":
            return None
        due = mentorship.started_at + CHECKIN_EVERY * (cycle + 1)
        await _add_checkin(tx, mentorship.guild_id, mentorship_id, user_id, cycle + 1, due, now)
        return mentorship


def _participant(
    mentorship: Mentorship | None, user_id: int, guild_id: int | None, pair: tuple[int, int] | None = None
) -> Mentorship:
    if (
        mentorship is None
        or (guild_id is not None and mentorship.guild_id != guild_id)
        or (pair is not None and pair != (mentorship.mentor_id, mentorship.mentee_id))
    ):
        # ``pair`` is (mentor, mentee) from the pressed message: an old message never acts on another mentorship.
        raise NotFoundError("I can't find that mentorship any more.")
    if user_id not in (mentorship.mentor_id, mentorship.mentee_id):
        raise PermissionDeniedError("Only the mentor and the mentee of this mentorship can do that.")
    return mentorship


async def mentorship_for(
    db: Database,
    mentorship_id: int,
    user_id: int,
    *,
    guild_id: int | None = None,
    pair: tuple[int, int] | None = None,
) -> Mentorship:
    """An active mentorship the member takes part in (a clear error otherwise)."""
    mentorship = _participant(await get_mentorship(db, mentorship_id), user_id, guild_id, pair)
    if mentorship.status != "active":
        raise ConflictError("This mentorship has already ended.")
    return mentorship


async def record_checkin(
    db: Database,
    mentorship_id: int,
    user_id: int,
    answer: Answer,
    now: datetime,
    *,
    guild_id: int | None = None,
    pair: tuple[int, int] | None = None,
) -> CheckinOutcome:
    """Store a check-in answer from a participant of an active mentorship.

    A "help" answer while an earlier one is still open (less than :data:`HELP_OPEN_FOR` old and not followed by
    "well") is not stored again: the outcome says since when the moderators know, and nobody is told twice.
    """
    async with db.transaction() as tx:
        mentorship = _participant(await get_mentorship(tx, mentorship_id), user_id, guild_id, pair)
        if mentorship.status != "active":
            raise ConflictError("This mentorship has already ended, so there is nothing to check in on.")
        if answer == "help":
            since = await tx.fetch_value(
                """
                SELECT MIN(h.created_at) FROM mentorship_checkins h
                WHERE h.mentorship_id = ? AND h.answer = 'help' AND h.created_at > ?
                  AND NOT EXISTS (SELECT 1 FROM mentorship_checkins w
                                  WHERE w.mentorship_id = h.mentorship_id AND w.answer = 'well'
                                    AND w.created_at >= h.created_at)
                """,
                (mentorship_id, iso(now - HELP_OPEN_FOR)),
            )
            if since is not None:
                return CheckinOutcome(mentorship, parse_iso(since))
        await tx.execute(
            """
            INSERT INTO mentorship_checkins (guild_id, mentorship_id, user_id, answer, created_at)
            VALUES (?, ?, ?, ?, ?)
            """,
            (mentorship.guild_id, mentorship_id, user_id, answer, iso(now)),
        )
        return CheckinOutcome(mentorship)


async def _end(
    tx: Transaction,
    mentorship: Mentorship,
    actor_id: int,
    reason: str,
    rating: int | None,
    feedback: str | None,
    now: datetime,
) -> Mentorship:
    await tx.execute(
        """
        UPDATE mentorships SET status = 'ended', ended_at = ?, ended_by = ?, end_reason = ?, rating = ?, feedback = ?
        WHERE id = ?
        """,
        (iso(now), actor_id, reason, rating, feedback, mentorship.id),
    )
    await tx.execute(
        """
        INSERT INTO mentoring_pair_history (guild_id, mentee_id, mentor_id, outcome, created_at)
        VALUES (?, ?, ?, 'ended', ?)
        """,
        (mentorship.guild_id, mentorship.mentee_id, mentorship.mentor_id, iso(now)),
    )
    await store.cancel_jobs(tx, key_prefix=f"{CHECKIN_JOB}:{mentorship.id}:")
    ended = await get_mentorship(tx, mentorship.id)
    if ended is None:  # pragma: no cover
        raise RuntimeError("mentorship vanished inside its transaction")
    return ended


async def end_mentorship(
    db: Database,
    mentorship_id: int,
    user_id: int,
    now: datetime,
    *,
    rating: int | None = None,
    feedback: str | None = None,
    guild_id: int | None = None,
) -> Mentorship:
    """A participant ends an active mentorship, optionally with a 1–5 rating and feedback; the other is told."""
    rating, cleaned = validate_ending(rating, feedback)
    async with db.transaction() as tx:
        mentorship = _participant(await get_mentorship(tx, mentorship_id), user_id, guild_id)
        if mentorship.status != "active":
            raise ConflictError("This mentorship has already ended.")
        ended = await _end(tx, mentorship, user_id, mentorship.role_of(user_id), rating, cleaned, now)
        await _add_notice(
            tx,
            mentorship.guild_id,
            mentorship.other(user_id),
            "ended",
            now,
            f"{mentorship.id}:ended",
            mentorship_id=mentorship.id,
            by=mentorship.role_of(user_id),
        )
        return ended


# --------------------------------------------------------------------------------------------------------------
# Moderators: rounds, manual matches, overview
# --------------------------------------------------------------------------------------------------------------


async def run_round(
    db: Database, guild_id: int, now: datetime, *, preview: bool, actor_id: int | None = None
) -> RoundResult:
    """Match every waiting request at once, maximising the total score (optimal, not greedy).

    ``preview`` computes the same plan and stores nothing. A real round proposes every pair (delivery and expiry
    jobs included) and tells every mentee left out why and when the next round runs, all in one transaction.
    """
    async with db.transaction() as tx:
        rows = await tx.fetch_all(
            """
            SELECT r.* FROM mentee_requests r
            LEFT JOIN mentoring_members mm ON mm.guild_id = r.guild_id AND mm.user_id = r.user_id
            -- "proposed" without a pending proposal happens when the mentor's data was deleted: it waits again.
            WHERE r.guild_id = ? AND COALESCE(mm.paused, 0) = 0 AND r.status IN ('waiting', 'proposed')
              AND NOT EXISTS (SELECT 1 FROM mentoring_proposals p WHERE p.request_id = r.id AND p.status = 'pending')
            ORDER BY r.created_at, r.id
            """,
            (guild_id,),
        )
        requests = {row["id"]: Request.from_row(row) for row in rows}
        mentees = [_as_mentee(r, now) for r in requests.values()]
        mentors = [_as_mentor(p, now) for p in await _profiles(tx, guild_id)]
        plan = plan_round(mentees, mentors, await _blocked_for(tx, guild_id))
        upcoming = await next_round_at(tx, guild_id, now)
        pairs: list[RoundPairView] = []
        entry = None
        for pair in plan.pairs:
            proposal_id = None
            if not preview:
                proposal = await _create_proposal(
                    tx, requests[pair.request_id], pair.mentor_id, pair.score, "round", now
                )
                proposal_id = proposal.id
                await _add_notice(
                    tx, guild_id, pair.mentee_id, "proposed", now, f"{proposal.id}:proposed", proposal_id=proposal.id
                )
            pairs.append(RoundPairView(pair.request_id, pair.mentee_id, pair.mentor_id, pair.score, proposal_id))
        if not preview:
            for unmatched in plan.unmatched:
                await _tell_unmatched(tx, requests[unmatched.request_id], unmatched.reason, now)
            if actor_id is not None:
                entry = await audit.record_action(
                    tx,
                    guild_id=guild_id,
                    actor_id=actor_id,
                    action="mentoring.round",
                    target=f"{len(requests)} waiting request(s)",
                    after={"proposed": len(pairs), "unmatched": len(plan.unmatched), "total": round(plan.total, 3)},
                    now=now,
                )
    return RoundResult(
        preview=preview,
        pairs=tuple(pairs),
        unmatched=tuple((u.request_id, u.mentee_id, u.reason) for u in plan.unmatched),
        total=plan.total,
        waiting=len(requests),
        next_round_at=upcoming,
        audit=entry,
    )


@dataclass(frozen=True, slots=True)
class ManualMatch:
    """A proposal a moderator made, and the one it replaced (if any)."""

    proposal: Proposal
    replaced: Proposal | None
    audit: AuditEntry


async def match_manually(
    db: Database, guild_id: int, mentee_id: int, mentor_id: int, actor_id: int, now: datetime
) -> ManualMatch:
    """Propose a chosen mentor to a member's open request, overriding the score and history.

    Self-matches, paused members and full mentors are still refused: those rules protect people, not the score.
    """
    if mentee_id == mentor_id:
        raise ValidationError("A member can't mentor themself; choose two different members.")
    async with db.transaction() as tx:
        request = await _open_request(tx, guild_id, mentee_id)
        if request is None:
            raise NotFoundError(
                f"<@{mentee_id}> has no open mentoring request; they can make one with /mentoring request."
            )
        profile = await get_profile(tx, guild_id, mentor_id)
        if profile is None:
            raise NotFoundError(f"<@{mentor_id}> has no mentor profile; they can create one with /mentoring offer.")
        for who, label in ((mentee_id, "mentee"), (mentor_id, "mentor")):
            paused, reason = await _member_pause(tx, guild_id, who)
            if paused:
                why = "has left the server" if reason == "left" else "has paused mentoring"
                raise ConflictError(f"The {label} <@{who}> {why}, so I can't match them now.")
        current = None
        row = await tx.fetch_one(_PROPOSAL_SELECT + " WHERE p.request_id = ? AND p.status = 'pending'", (request.id,))
        if row is not None:
            current = Proposal.from_row(row)
            if current.mentor_id == mentor_id:
                raise ConflictError(
                    f"<@{mentor_id}> already has this request in front of them (proposal #{current.id})."
                )
        load = profile.load - (1 if current is not None and current.mentor_id == mentor_id else 0)
        if load >= profile.capacity:
            raise LimitError(
                f"<@{mentor_id}> has no free place ({profile.active} active, {profile.pending} pending of "
                f"{profile.capacity}). Ask them to raise their capacity with /mentoring offer."
            )
        active = await tx.fetch_value(
            "SELECT 1 FROM mentorships WHERE guild_id = ? AND mentor_id = ? AND mentee_id = ? AND status = 'active'",
            (guild_id, mentor_id, mentee_id),
        )
        if active:
            raise ConflictError(f"<@{mentor_id}> is already mentoring <@{mentee_id}>.")
        if current is not None:
            await tx.execute(
                "UPDATE mentoring_proposals SET status = 'cancelled', decided_at = ? WHERE id = ?",
                (iso(now), current.id),
            )
            await store.cancel_jobs(tx, key_prefix=f"{EXPIRY_JOB}:{current.id}")
        mentee = _as_mentee(request, now)
        score = pair_score(mentee, _as_mentor(profile, now))  # informative only: a manual match overrides it
        proposal = await _create_proposal(tx, request, mentor_id, score, "manual", now)
        await _add_notice(tx, guild_id, mentee_id, "proposed", now, f"{proposal.id}:proposed", proposal_id=proposal.id)
        entry = await audit.record_action(
            tx,
            guild_id=guild_id,
            actor_id=actor_id,
            action="mentoring.match",
            target=f"mentee {mentee_id} → mentor {mentor_id}",
            before=None if current is None else {"proposal": current.id, "mentor": current.mentor_id},
            after={"proposal": proposal.id, "mentor": mentor_id},
            now=now,
        )
    return ManualMatch(proposal, current, entry)


@dataclass(frozen=True, slots=True)
class Unmatch:
    """A mentorship a moderator ended, and whether the mentee went back to the waiting list."""

    mentorship: Mentorship
    requeued: bool
    audit: AuditEntry


async def unmatch(db: Database, guild_id: int, mentorship_id: int, actor_id: int, now: datetime) -> Unmatch:
    """End an active mentorship as a moderator; the pair is never proposed again and the mentee waits again."""
    async with db.transaction() as tx:
        mentorship = await get_mentorship(tx, mentorship_id)
        if mentorship is None or mentorship.guild_id != guild_id:
            raise NotFoundError(f"There is no mentorship #{mentorship_id} in this server.")
        if mentorship.status != "active":
            raise ConflictError(f"Mentorship #{mentorship_id} has already ended.")
        ended = await _end(tx, mentorship, actor_id, "moderator", None, None, now)
        requeued = False
        request_id = await tx.fetch_value("SELECT request_id FROM mentorships WHERE id = ?", (mentorship_id,))
        if request_id is not None and await _open_request(tx, guild_id, mentorship.mentee_id) is None:
            requeued = bool(
                await tx.execute(
                    """
                    UPDATE mentee_requests SET status = 'waiting', matched_at = NULL, updated_at = ?
                    WHERE id = ? AND status = 'matched'
                    """,
                    (iso(now), request_id),
                )
            )
        for participant in (mentorship.mentor_id, mentorship.mentee_id):
            await _add_notice(
                tx,
                guild_id,
                participant,
                "ended",
                now,
                f"{mentorship.id}:unmatched:{participant}",
                mentorship_id=mentorship.id,
                by="moderator",
                requeued=requeued and participant == mentorship.mentee_id,
            )
        entry = await audit.record_action(
            tx,
            guild_id=guild_id,
            actor_id=actor_id,
            action="mentoring.unmatch",
            target=f"mentorship {mentorship_id} (mentor {mentorship.mentor_id}, mentee {mentorship.mentee_id})",
            before={"status": "active"},
            after={"status": "ended", "requeued": requeued},
            now=now,
        )
    return Unmatch(ended, requeued, entry)


async def pending_overview(db: Database, guild_id: int) -> Pending:
    """Waiting requests and pending proposals of a server, oldest first."""
    requests = await db.fetch_all(
        f"""
        SELECT * FROM mentee_requests r
        WHERE r.guild_id = ? AND {_WAITING}
        ORDER BY r.created_at, r.id
        """,  # noqa: S608 - a constant condition, no input
        (guild_id,),
    )
    proposals = await db.fetch_all(
        _PROPOSAL_SELECT + " WHERE p.guild_id = ? AND p.status = 'pending' ORDER BY p.created_at, p.id", (guild_id,)
    )
    return Pending(tuple(Request.from_row(r) for r in requests), tuple(Proposal.from_row(r) for r in proposals))


async def set_thread(db: Database, mentorship_id: int, thread_id: int) -> None:
    """Remember the private thread opened for a mentorship."""
    await db.execute("UPDATE mentorships SET thread_id = ? WHERE id = ?", (thread_id, mentorship_id))


async def mentoring_stats(db: Database, guild_id: int, since: datetime) -> MentoringStats:
    """Mentors, places, waiting times, active pairs and ratings of a server (flows counted from ``since``)."""
    profiles = await _profiles(db, guild_id)
    waiting = await db.fetch_all(
        "SELECT created_at FROM mentee_requests WHERE guild_id = ? AND status IN ('waiting', 'proposed')", (guild_id,)
    )
    matched = await db.fetch_all(
        "SELECT created_at, matched_at FROM mentee_requests WHERE guild_id = ? AND matched_at >= ?",
        (guild_id, iso(since)),
    )
    outcomes = {
        r["status"]: r["n"]
        for r in await db.fetch_all(
            """
            SELECT status, COUNT(*) AS n FROM mentoring_proposals
            WHERE guild_id = ? AND decided_at >= ? GROUP BY status
            """,
            (guild_id, iso(since)),
        )
    }
    ended = await db.fetch_one(
        """
        SELECT COUNT(*) AS n, AVG(rating) AS avg_rating, COUNT(rating) AS ratings FROM mentorships
        WHERE guild_id = ? AND status = 'ended' AND ended_at >= ?
        """,
        (guild_id, iso(since)),
    )
    active_pairs = await db.fetch_value(
        "SELECT COUNT(*) FROM mentorships WHERE guild_id = ? AND status = 'active'", (guild_id,)
    )
    pending = await db.fetch_value(
        "SELECT COUNT(*) FROM mentoring_proposals WHERE guild_id = ? AND status = 'pending'", (guild_id,)
    )
    # statistics (with decimal and fractions) is ~0.5 MiB resident; only /admin stats needs it, so not at start-up.
    import statistics

    waits = [(parse_iso(r["matched_at"]) - parse_iso(r["created_at"])).total_seconds() for r in matched]
    oldest = min((parse_iso(r["created_at"]) for r in waiting), default=None)
    return MentoringStats(
        mentors=len(profiles),
        paused_mentors=sum(p.paused for p in profiles),
        capacity=sum(p.capacity for p in profiles if not p.paused),
        places_used=sum(p.active for p in profiles),
        places_promised=sum(p.pending for p in profiles),
        waiting_requests=len(waiting),
        pending_proposals=int(pending or 0),
        active_pairs=int(active_pairs or 0),
        waiting_since=oldest,
        median_wait_to_match=timedelta(seconds=statistics.median(waits)) if waits else None,
        matched_since=len(matched),
        ended_since=int(ended["n"]) if ended else 0,
        accepted_since=int(outcomes.get("accepted", 0)),
        declined_since=int(outcomes.get("declined", 0)),
        expired_since=int(outcomes.get("expired", 0)),
        average_rating=None if ended is None or ended["avg_rating"] is None else float(ended["avg_rating"]),
        ratings=int(ended["ratings"]) if ended else 0,
    )
