"""The mentoring service on a real, migrated SQLite database."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from bot.content import Skill, load_content
from bot.db import Database
from bot.errors import ConflictError, LimitError, NotFoundError, PermissionDeniedError, ValidationError
from bot.matching import UnmatchedReason
from bot.services import mentoring as svc
from bot.services import privacy

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
G, OTHER_G = 111, 222
ALICE, BOB, CAROL, DAVE, ERIN = 1001, 1002, 1003, 1004, 1005


def skill(skill_id: str, name: str, *aliases: str) -> Skill:
    return Skill(id=skill_id, name=name, kind="hard", description="", aliases=aliases)


SKILLS = {
    s.id: s
    for s in (
        skill("planning-scheduling", "Planning, scheduling and estimating", "planning", "critical path"),
        skill("risk-management", "Risk management", "risk"),
        skill("dashboards", "Dashboards and data visualisation", "Power BI"),
        skill("governance", "Governance and stage gates", "stage gates"),
        skill("stakeholder-engagement", "Stakeholder engagement", "stakeholders"),
    )
}


async def offer(db: Database, user: int, areas: str = "risk-management", capacity: int = 2, tz: str = "UTC", *,
                guild: int = G, now: datetime = NOW) -> svc.MentorProfile:  # fmt: skip
    return await svc.offer_mentoring(
        db, guild_id=guild, user_id=user, areas=areas, capacity=capacity, timezone=tz, skills=SKILLS, now=now
    )


async def request(db: Database, user: int, areas: str = "risk-management", goal: str = "Run a risk workshop",
                  tz: str = "UTC", *, guild: int = G, now: datetime = NOW) -> svc.RequestOutcome:  # fmt: skip
    return await svc.request_mentor(
        db, guild_id=guild, user_id=user, areas=areas, goal=goal, timezone=tz, skills=SKILLS, now=now
    )


async def count(db: Database, table: str) -> int:
    return int(await db.fetch_value(f"SELECT COUNT(*) FROM {table}"))  # noqa: S608 - test helper, fixed names


async def jobs(db: Database, kind: str, status: str = "pending") -> list[dict]:
    rows = await db.fetch_all("SELECT * FROM jobs WHERE kind = ? AND status = ? ORDER BY id", (kind, status))
    return [{**dict(zip(r.keys(), tuple(r), strict=True)), "payload": json.loads(r["payload"])} for r in rows]


# -- input rules ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("risk-management", ("risk-management",)),
        ("Risk Management, dashboards", ("risk-management", "dashboards")),
        ("Planning, scheduling and estimating, risk", ("planning-scheduling", "risk-management")),
        ("planning,scheduling and estimating", ("planning-scheduling",)),
        ("power bi ,  STAKEHOLDERS", ("dashboards", "stakeholder-engagement")),
        ("risk, risk-management, Risk management", ("risk-management",)),
        ("dashboards,, governance,", ("dashboards", "governance")),
    ],
)
def test_parse_areas_accepts_ids_names_and_aliases(text: str, expected: tuple[str, ...]) -> None:
    assert svc.parse_areas(text, SKILLS) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("knitting", "I don't know the area “knitting”"),
        ("risk, basket weaving", "“basket weaving”"),
        ("", "at least one area"),
        (" , ,", "at least one area"),
        ("x" * 401, "too long"),
    ],
)
def test_parse_areas_rejects_unknown_and_empty(text: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        svc.parse_areas(text, SKILLS)


def test_parse_areas_limits_the_number_of_areas() -> None:
    many = {f"s{i}": skill(f"s{i}", f"Skill {i}") for i in range(10)}
    with pytest.raises(ValidationError, match="at most 8"):
        svc.parse_areas(", ".join(many), many)


def test_parse_areas_understands_the_shared_vocabulary() -> None:
    skills = load_content().vocabulary.skills
    some = list(skills.values())[:3]
    assert svc.parse_areas(", ".join(s.name for s in some), skills) == tuple(s.id for s in some)


def test_suggest_areas_completes_the_last_item_and_keeps_the_rest() -> None:
    choices = svc.suggest_areas("risk-management, dash", SKILLS)
    assert choices == [("risk-management, Dashboards and data visualisation", "risk-management, dashboards")]


def test_suggest_areas_offers_everything_not_yet_chosen_when_nothing_is_typed() -> None:
    values = [value for _, value in svc.suggest_areas("governance, ", SKILLS)]
    assert len(values) == 4 and all(v.startswith("governance, ") for v in values)
    assert "governance, governance" not in values


def test_suggest_areas_respects_discord_limits_on_the_real_vocabulary() -> None:
    skills = load_content().vocabulary.skills
    for typed in ("", "r", "planning-scheduling, risk-management, ", "a, b"):
        choices = svc.suggest_areas(typed, skills)
        assert len(choices) <= 25
        assert all(1 <= len(label) <= 100 and 1 <= len(value) <= 100 for label, value in choices)


# -- profiles and requests ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("areas", "capacity", "tz", "message"),
    [
        ("knitting", 2, "UTC", "don't know the area"),
        ("risk", 0, "UTC", "between 1 and 10"),
        ("risk", 11, "UTC", "between 1 and 10"),
        ("risk", 2, "Mars/Olympus", "not a timezone"),
    ],
)
async def test_a_bad_offer_stores_nothing(db: Database, areas: str, capacity: int, tz: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        await offer(db, ALICE, areas, capacity, tz)
    assert await count(db, "mentor_profiles") == 0
    assert await count(db, "schedules") == 0


async def test_a_too_long_goal_or_bio_stores_nothing(db: Database) -> None:
    with pytest.raises(ValidationError, match="300 characters"):
        await request(db, BOB, goal="g" * 301)
    with pytest.raises(ValidationError, match="1000 characters"):
        await svc.offer_mentoring(
            db, guild_id=G, user_id=ALICE, areas="risk", capacity=2, timezone="UTC", skills=SKILLS, now=NOW,
            bio="b" * 1001,
        )  # fmt: skip
    assert await count(db, "mentee_requests") == 0
    assert await count(db, "mentor_profiles") == 0


async def test_offering_again_updates_the_profile_and_keeps_the_bio(db: Database) -> None:
    await svc.offer_mentoring(
        db, guild_id=G, user_id=ALICE, areas="risk", capacity=2, timezone="europe/london", skills=SKILLS, now=NOW,
        bio="Ten years of PMO work.",
    )  # fmt: skip
    profile = await offer(db, ALICE, "dashboards, governance", 5, "Asia/Kolkata")
    assert profile.areas == ("dashboards", "governance")
    assert (profile.capacity, profile.timezone, profile.bio) == (5, "Asia/Kolkata", "Ten years of PMO work.")
    assert (await svc.set_bio(db, G, ALICE, "  ", NOW)).bio is None


async def test_offering_creates_the_weekly_round_schedule(db: Database) -> None:
    await offer(db, ALICE)
    when = await svc.next_round_at(db, G, NOW)
    assert when is not None and when.weekday() == 0 and when > NOW


async def test_a_request_proposes_the_best_mentor_at_once(db: Database) -> None:
    await offer(db, ALICE, "risk", tz="America/New_York")
    await offer(db, CAROL, "risk, dashboards", tz="Europe/London")
    outcome = await request(db, BOB, "risk, dashboards", tz="Europe/Paris")
    assert outcome.proposal is not None and outcome.proposal.mentor_id == CAROL
    assert outcome.request.status == "waiting"  # as it was stored; the proposal moved it on
    assert outcome.proposal.expires_at == NOW + timedelta(days=3)
    [delivery] = await jobs(db, svc.PROPOSAL_JOB)
    [expiry] = await jobs(db, svc.EXPIRY_JOB)
    assert delivery["payload"]["proposal_id"] == expiry["payload"]["proposal_id"] == outcome.proposal.id
    assert expiry["due_at"] == int((NOW + timedelta(days=3)).timestamp())


async def test_the_expiry_follows_the_server_setting(db: Database) -> None:
    await db.execute("INSERT INTO guild_settings (guild_id, proposal_expiry_days) VALUES (?, 7)", (G,))
    await offer(db, ALICE)
    outcome = await request(db, BOB)
    assert outcome.proposal is not None and outcome.proposal.expires_at == NOW + timedelta(days=7)


async def test_a_request_without_a_fitting_mentor_waits_and_says_why(db: Database) -> None:
    await offer(db, ALICE, "governance")
    outcome = await request(db, BOB, "dashboards")
    assert outcome.proposal is None and outcome.reason is UnmatchedReason.NO_AREA
    assert outcome.next_round_at is not None and outcome.next_round_at > NOW


async def test_a_second_request_updates_the_waiting_one(db: Database) -> None:
    first = await request(db, BOB, "dashboards", goal="first")
    second = await request(db, BOB, "governance", goal="second")
    assert second.updated and second.request.id == first.request.id
    assert second.request.goal == "second" and second.request.areas == ("governance",)
    assert await count(db, "mentee_requests") == 1


async def test_a_request_while_a_proposal_is_out_is_refused(db: Database) -> None:
    await offer(db, ALICE)
    await request(db, BOB)
    with pytest.raises(ConflictError, match="hasn't answered yet"):
        await request(db, BOB, "dashboards")


async def test_nobody_is_proposed_to_themself(db: Database) -> None:
    await offer(db, ALICE)
    outcome = await request(db, ALICE)
    assert outcome.proposal is None and outcome.reason is UnmatchedReason.NO_AREA


async def test_a_pending_proposal_takes_a_place(db: Database) -> None:
    await offer(db, ALICE, capacity=1)
    assert (await request(db, BOB)).proposal is not None
    outcome = await request(db, CAROL)
    assert outcome.proposal is None and outcome.reason is UnmatchedReason.UNAVAILABLE


# -- answering proposals ------------------------------------------------------------------------------------------


async def test_accept_starts_the_mentorship_and_schedules_check_ins(db: Database) -> None:
    await offer(db, ALICE)
    proposal = (await request(db, BOB)).proposal
    assert proposal is not None
    later = NOW + timedelta(hours=5)
    accepted = await svc.accept_proposal(db, proposal.id, ALICE, later)
    assert accepted.mentorship.status == "active"
    assert (accepted.mentorship.mentor_id, accepted.mentorship.mentee_id) == (ALICE, BOB)
    assert await jobs(db, svc.EXPIRY_JOB) == []
    checkins = await jobs(db, svc.CHECKIN_JOB)
    assert {j["payload"]["user_id"] for j in checkins} == {ALICE, BOB}
    assert all(j["due_at"] == int((later + svc.CHECKIN_EVERY).timestamp()) for j in checkins)
    [notice] = await jobs(db, svc.NOTICE_JOB)
    assert notice["payload"] == {"user_id": BOB, "notice": "matched", "mentorship_id": accepted.mentorship.id}
    status = await svc.member_status(db, G, BOB, later)
    assert status.request is None and [m.id for m in status.mentorships] == [accepted.mentorship.id]


async def test_a_second_click_gets_a_clear_answer(db: Database) -> None:
    await offer(db, ALICE)
    proposal = (await request(db, BOB)).proposal
    assert proposal is not None
    await svc.accept_proposal(db, proposal.id, ALICE, NOW)
    with pytest.raises(ConflictError, match="already accepted"):
        await svc.accept_proposal(db, proposal.id, ALICE, NOW)
    with pytest.raises(ConflictError, match="already accepted"):
        await svc.decline_proposal(db, proposal.id, ALICE, NOW)


async def test_only_the_mentor_may_answer(db: Database) -> None:
    await offer(db, ALICE)
    proposal = (await request(db, BOB)).proposal
    assert proposal is not None
    with pytest.raises(PermissionDeniedError):
        await svc.accept_proposal(db, proposal.id, BOB, NOW)
    with pytest.raises(NotFoundError):
        await svc.accept_proposal(db, proposal.id, ALICE, NOW, guild_id=OTHER_G)
    with pytest.raises(NotFoundError):
        await svc.accept_proposal(db, 999, ALICE, NOW)


async def test_a_click_after_the_expiry_time_is_refused(db: Database) -> None:
    await offer(db, ALICE)
    proposal = (await request(db, BOB)).proposal
    assert proposal is not None
    with pytest.raises(ConflictError, match="expired"):
        await svc.accept_proposal(db, proposal.id, ALICE, NOW + timedelta(days=3))


async def test_accept_is_refused_when_the_mentor_is_already_full(db: Database) -> None:
    await offer(db, ALICE, capacity=2)
    first = (await request(db, BOB)).proposal
    second = (await request(db, CAROL)).proposal
    assert first is not None and second is not None
    await offer(db, ALICE, capacity=1)
    await svc.accept_proposal(db, first.id, ALICE, NOW)
    with pytest.raises(LimitError, match="full capacity of 1"):
        await svc.accept_proposal(db, second.id, ALICE, NOW)


async def test_decline_moves_on_to_the_next_candidate_and_never_again(db: Database) -> None:
    await offer(db, ALICE, "risk, dashboards")
    await offer(db, CAROL, "risk")
    proposal = (await request(db, BOB, "risk, dashboards")).proposal
    assert proposal is not None and proposal.mentor_id == ALICE
    step = await svc.decline_proposal(db, proposal.id, ALICE, NOW)
    assert step.closed.status == "declined"
    assert step.proposal is not None and step.proposal.mentor_id == CAROL and step.proposal.source == "next"
    last = await svc.decline_proposal(db, step.proposal.id, CAROL, NOW)
    assert last.proposal is None and last.reason is UnmatchedReason.HISTORY
    [notice] = await jobs(db, svc.NOTICE_JOB)
    assert notice["payload"]["notice"] == "unmatched" and notice["payload"]["reason"] == "history"


async def test_expiry_moves_on_once(db: Database) -> None:
    await offer(db, ALICE)
    await offer(db, CAROL)
    proposal = (await request(db, BOB)).proposal
    assert proposal is not None
    at = NOW + timedelta(days=3)
    step = await svc.expire_proposal(db, proposal.id, at)
    assert step is not None and step.closed.status == "expired"
    assert step.proposal is not None and step.proposal.mentor_id != proposal.mentor_id
    assert await svc.expire_proposal(db, proposal.id, at) is None
    with pytest.raises(ConflictError, match="expired"):
        await svc.accept_proposal(db, proposal.id, proposal.mentor_id, at)


# -- pausing and leaving ------------------------------------------------------------------------------------------


async def test_pausing_a_mentor_moves_their_pending_proposals_on(db: Database) -> None:
    await offer(db, ALICE)
    await offer(db, CAROL, tz="Asia/Tokyo")
    proposal = (await request(db, BOB)).proposal
    assert proposal is not None and proposal.mentor_id == ALICE
    outcome = await svc.pause_member(db, G, ALICE, NOW)
    assert [p.id for p in outcome.withdrawn] == [proposal.id]
    assert [p.mentor_id for p in outcome.next_proposals] == [CAROL]
    with pytest.raises(ConflictError, match="withdrawn"):
        await svc.accept_proposal(db, proposal.id, ALICE, NOW)
    # A withdrawal is not a refusal: once resumed, Alice may be proposed to Bob again.
    assert await count(db, "mentoring_pair_history") == 0


async def test_a_paused_mentee_is_not_matched_until_resumed(db: Database) -> None:
    await svc.pause_member(db, G, BOB, NOW)
    await offer(db, ALICE)
    outcome = await request(db, BOB)
    assert outcome.paused and outcome.proposal is None
    resumed = await svc.resume_member(db, G, BOB, NOW)
    assert resumed.was_paused and resumed.proposal is not None and resumed.proposal.mentor_id == ALICE


async def test_a_member_who_left_is_paused_and_comes_back_by_offering(db: Database) -> None:
    await offer(db, ALICE)
    await offer(db, CAROL)
    proposal = (await request(db, BOB)).proposal
    assert proposal is not None
    outcome = await svc.member_left(db, G, proposal.mentor_id, NOW)
    assert outcome.next_proposals and outcome.next_proposals[0].mentor_id != proposal.mentor_id
    status = await svc.member_status(db, G, proposal.mentor_id, NOW)
    assert status.paused and status.paused_reason == "left"
    await offer(db, proposal.mentor_id)
    assert not (await svc.member_status(db, G, proposal.mentor_id, NOW)).paused


# -- mentorships ---------------------------------------------------------------------------------------------------


async def _active(db: Database) -> svc.Mentorship:
    await offer(db, ALICE)
    proposal = (await request(db, BOB)).proposal
    assert proposal is not None
    return (await svc.accept_proposal(db, proposal.id, ALICE, NOW)).mentorship


async def test_ending_records_feedback_tells_the_other_and_stops_check_ins(db: Database) -> None:
    mentorship = await _active(db)
    with pytest.raises(ValidationError, match="1 to 5"):
        await svc.end_mentorship(db, mentorship.id, BOB, NOW, rating=6)
    with pytest.raises(PermissionDeniedError):
        await svc.end_mentorship(db, mentorship.id, CAROL, NOW)
    ended = await svc.end_mentorship(db, mentorship.id, BOB, NOW, rating=5, feedback="  Very helpful. ")
    assert (ended.status, ended.rating, ended.feedback, ended.end_reason) == ("ended", 5, "Very helpful.", "mentee")
    assert await jobs(db, svc.CHECKIN_JOB) == []
    notices = [j["payload"] for j in await jobs(db, svc.NOTICE_JOB) if j["payload"]["notice"] == "ended"]
    assert notices == [{"user_id": ALICE, "notice": "ended", "mentorship_id": mentorship.id, "by": "mentee"}]
    with pytest.raises(ConflictError, match="already ended"):
        await svc.end_mentorship(db, mentorship.id, ALICE, NOW)
    # Ended pairs are never proposed again.
    outcome = await request(db, BOB)
    assert outcome.proposal is None and outcome.reason is UnmatchedReason.HISTORY


async def test_check_ins_chain_every_two_weeks_while_active(db: Database) -> None:
    mentorship = await _active(db)
    assert await svc.checkin_due(db, mentorship.id, BOB, 1, NOW + svc.CHECKIN_EVERY) is not None
    keys = {j["key"] for j in await jobs(db, svc.CHECKIN_JOB)}
    assert f"{svc.CHECKIN_JOB}:{mentorship.id}:{BOB}:2" in keys
    await svc.record_checkin(db, mentorship.id, BOB, "help", NOW)
    await svc.end_mentorship(db, mentorship.id, ALICE, NOW)
    assert await svc.checkin_due(db, mentorship.id, BOB, 2, NOW) is None
    with pytest.raises(ConflictError, match="ended"):
        await svc.record_checkin(db, mentorship.id, BOB, "well", NOW)


# -- moderators -------------------------------------------------------------------------------------------------------


async def _waiting(db: Database) -> None:
    """Three waiting requests (made while no mentor existed) and two mentors with one place each."""
    await request(db, BOB, "risk, dashboards")
    await request(db, DAVE, "risk")
    await request(db, ERIN, "governance")
    await offer(db, ALICE, "risk, dashboards", capacity=1)
    await offer(db, CAROL, "dashboards", capacity=1)


async def test_a_round_preview_stores_nothing(db: Database) -> None:
    await _waiting(db)
    before = (await count(db, "mentoring_proposals"), await count(db, "jobs"), await count(db, "audit_log"))
    result = await svc.run_round(db, G, NOW, preview=True, actor_id=9)
    assert result.preview and result.waiting == 3 and len(result.pairs) == 2
    assert all(p.proposal_id is None for p in result.pairs)
    assert (await count(db, "mentoring_proposals"), await count(db, "jobs"), await count(db, "audit_log")) == before


async def test_a_round_maximises_the_total_and_tells_the_rest_why(db: Database) -> None:
    await _waiting(db)
    result = await svc.run_round(db, G, NOW, preview=False, actor_id=9)
    # Greedy would give Alice to Bob (his best fit) and leave Dave out; the optimum serves both.
    assert {(p.mentee_id, p.mentor_id) for p in result.pairs} == {(BOB, CAROL), (DAVE, ALICE)}
    assert [(mentee, reason) for _, mentee, reason in result.unmatched] == [(ERIN, UnmatchedReason.NO_AREA)]
    assert result.audit is not None and result.audit.action == "mentoring.round"
    assert len(await jobs(db, svc.PROPOSAL_JOB)) == 2
    notices = {(j["payload"]["user_id"], j["payload"]["notice"]) for j in await jobs(db, svc.NOTICE_JOB)}
    assert notices == {(BOB, "proposed"), (DAVE, "proposed"), (ERIN, "unmatched")}
    again = await svc.run_round(db, G, NOW, preview=True)
    assert again.waiting == 1 and again.pairs == ()


async def test_a_manual_match_overrides_history_but_not_the_rules(db: Database) -> None:
    await offer(db, ALICE, capacity=1)
    proposal = (await request(db, BOB)).proposal
    assert proposal is not None
    await svc.decline_proposal(db, proposal.id, ALICE, NOW)
    match = await svc.match_manually(db, G, BOB, ALICE, actor_id=9, now=NOW)
    assert match.proposal.mentor_id == ALICE and match.proposal.source == "manual"
    assert match.audit.action == "mentoring.match"
    with pytest.raises(ValidationError, match="themself"):
        await svc.match_manually(db, G, ALICE, ALICE, actor_id=9, now=NOW)
    await request(db, DAVE)
    with pytest.raises(LimitError, match="no free place"):
        await svc.match_manually(db, G, DAVE, ALICE, actor_id=9, now=NOW)
    await offer(db, CAROL)
    await svc.pause_member(db, G, CAROL, NOW)
    with pytest.raises(ConflictError, match="paused"):
        await svc.match_manually(db, G, DAVE, CAROL, actor_id=9, now=NOW)
    with pytest.raises(NotFoundError, match="no open mentoring request"):
        await svc.match_manually(db, G, ERIN, ALICE, actor_id=9, now=NOW)


async def test_a_manual_match_replaces_the_pending_proposal(db: Database) -> None:
    await offer(db, ALICE)
    await offer(db, CAROL)
    proposal = (await request(db, BOB)).proposal
    assert proposal is not None
    other = CAROL if proposal.mentor_id == ALICE else ALICE
    match = await svc.match_manually(db, G, BOB, other, actor_id=9, now=NOW)
    assert match.replaced is not None and match.replaced.id == proposal.id
    assert (await svc.get_proposal(db, proposal.id)).status == "cancelled"  # type: ignore[union-attr]


async def test_unmatch_ends_the_mentorship_and_puts_the_mentee_back_in_the_queue(db: Database) -> None:
    mentorship = await _active(db)
    with pytest.raises(NotFoundError):
        await svc.unmatch(db, OTHER_G, mentorship.id, actor_id=9, now=NOW)
    result = await svc.unmatch(db, G, mentorship.id, actor_id=9, now=NOW)
    assert result.mentorship.end_reason == "moderator" and result.requeued
    pending = await svc.pending_overview(db, G)
    assert [r.user_id for r in pending.requests] == [BOB]


async def test_rows_of_one_server_are_invisible_to_another(db: Database) -> None:
    await offer(db, ALICE, guild=OTHER_G)
    outcome = await request(db, BOB)
    assert outcome.proposal is None and outcome.reason is UnmatchedReason.NO_AREA
    assert (await svc.pending_overview(db, OTHER_G)).requests == ()
    assert (await svc.mentoring_stats(db, OTHER_G, NOW - timedelta(days=30))).waiting_requests == 0


async def test_stats_count_places_waits_and_ratings(db: Database) -> None:
    await offer(db, ALICE, capacity=3)
    await offer(db, CAROL, capacity=2)
    await svc.pause_member(db, G, CAROL, NOW)
    await request(db, BOB, now=NOW - timedelta(days=2))  # made before Alice could answer
    mentorship = await _active_with(db, BOB, NOW)
    await request(db, DAVE, "governance")
    await svc.end_mentorship(db, mentorship.id, BOB, NOW + timedelta(days=1), rating=4)
    stats = await svc.mentoring_stats(db, G, NOW - timedelta(days=30))
    assert (stats.mentors, stats.paused_mentors, stats.capacity) == (2, 1, 3)
    assert (stats.active_pairs, stats.ended_since, stats.average_rating, stats.ratings) == (0, 1, 4.0, 1)
    assert stats.waiting_requests == 1 and stats.waiting_since == NOW
    assert stats.matched_since == 1 and stats.median_wait_to_match == timedelta(days=2)


async def _active_with(db: Database, mentee: int, at: datetime) -> svc.Mentorship:
    status = await svc.member_status(db, G, mentee, at)
    assert status.my_proposal is not None
    return (await svc.accept_proposal(db, status.my_proposal.id, status.my_proposal.mentor_id, at)).mentorship


async def test_a_request_whose_mentor_deleted_their_data_waits_again(db: Database) -> None:
    await offer(db, ALICE)
    proposal = (await request(db, BOB)).proposal
    assert proposal is not None
    await privacy.delete_member_data(db, G, ALICE)
    assert await svc.get_proposal(db, proposal.id) is None
    assert [r.user_id for r in (await svc.pending_overview(db, G)).requests] == [BOB]
    assert await svc.waiting_request(db, proposal.request_id) is not None
    await offer(db, CAROL)
    assert (await svc.run_round(db, G, NOW, preview=True)).pairs[0].mentor_id == CAROL
    updated = await request(db, BOB, "risk, dashboards")
    assert updated.updated and updated.proposal is not None and updated.proposal.mentor_id == CAROL
