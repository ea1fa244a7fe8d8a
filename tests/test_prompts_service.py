"""The prompts service on a real database: bank, suggestions, reservations, warnings, schedule and stats."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bot.clock import ManualClock
from bot.content import PromptSeed
from bot.db import Database
from bot.errors import ConflictError, LimitError, NotFoundError, ValidationError
from bot.services import progress
from bot.services import prompts as service
from bot.services import schedules as store

GUILD, OTHER = 100, 200
MOD, ALICE, BOB = 1, 2, 3
SEEDS = tuple(
    PromptSeed(f"seed-{i}", f"Built-in prompt number {i}.", kind, ("pmo-analyst",), f"Hint {i}?")
    for i, kind in enumerate(["experience"] * 7 + ["exposure"] * 2 + ["education"])
)


async def count(db: Database, sql: str, *params: object) -> int:
    return int(await db.fetch_value(sql, params) or 0)


# -- the bank --------------------------------------------------------------------------------------------------


async def test_add_prompt_joins_the_bank_and_is_audited(db: Database, clock: ManualClock) -> None:
    prompt, entry = await service.add_prompt(
        db, guild_id=GUILD, actor_id=MOD, text="  Map   one process\n\nend to end. ", kind="Exposure", hint="Who?",
        seeds=SEEDS, now=clock.now(),
    )  # fmt: skip
    assert prompt.text == "Map one process\nend to end." and prompt.kind == "exposure" and prompt.display_id == "#1"
    assert entry.action == "prompts.add" and entry.actor_id == MOD
    bank = await service.active_bank(db, GUILD, SEEDS)
    assert len(bank) == len(SEEDS) + 1 and bank[-1] == prompt
    assert len(await service.active_bank(db, OTHER, SEEDS)) == len(SEEDS)


@pytest.mark.parametrize(
    ("text", "kind", "hint", "message"),
    [
        ("   ", "experience", "", "Write the prompt"),
        ("x" * 301, "experience", "", "300 characters"),
        ("Fine text", "reading", "", "Kind must be"),
        ("Fine text", "education", "h" * 201, "discussion hint"),
    ],
)
async def test_invalid_prompt_is_refused_and_nothing_stored(
    db: Database, clock: ManualClock, text: str, kind: str, hint: str, message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        await service.add_prompt(
            db, guild_id=GUILD, actor_id=MOD, text=text, kind=kind, hint=hint, seeds=SEEDS, now=clock.now()
        )
    assert await count(db, "SELECT COUNT(*) FROM prompts") == 0
    assert await count(db, "SELECT COUNT(*) FROM audit_log") == 0


async def test_a_prompt_already_in_the_bank_is_a_conflict(db: Database, clock: ManualClock) -> None:
    with pytest.raises(ConflictError):
        await service.add_prompt(
            db, guild_id=GUILD, actor_id=MOD, text="built-in PROMPT number 3.", kind="experience", seeds=SEEDS,
            now=clock.now(),
        )  # fmt: skip


async def test_removing_a_built_in_switches_it_off_for_that_server_only(db: Database, clock: ManualClock) -> None:
    prompt, entry = await service.remove_prompt(
        db, guild_id=GUILD, actor_id=MOD, prompt_id="SEED-3", seeds=SEEDS, now=clock.now()
    )
    assert prompt.ref == "builtin:seed-3" and entry.action == "prompts.remove"
    assert "builtin:seed-3" not in {p.ref for p in await service.active_bank(db, GUILD, SEEDS)}
    assert "builtin:seed-3" in {p.ref for p in await service.active_bank(db, OTHER, SEEDS)}
    with pytest.raises(NotFoundError):
        await service.remove_prompt(db, guild_id=GUILD, actor_id=MOD, prompt_id="seed-3", seeds=SEEDS, now=clock.now())


async def test_a_server_prompt_cannot_be_removed_from_another_server(db: Database, clock: ManualClock) -> None:
    prompt, _ = await service.add_prompt(
        db, guild_id=GUILD, actor_id=MOD, text="Ours", kind="education", seeds=SEEDS, now=clock.now()
    )
    with pytest.raises(NotFoundError):
        await service.remove_prompt(
            db, guild_id=OTHER, actor_id=MOD, prompt_id=prompt.display_id, seeds=SEEDS, now=clock.now()
        )
    await service.remove_prompt(db, guild_id=GUILD, actor_id=MOD, prompt_id="1", seeds=SEEDS, now=clock.now())
    assert prompt.ref not in {p.ref for p in await service.active_bank(db, GUILD, SEEDS)}


@pytest.mark.parametrize(("typed", "ref"), [("12", "server:12"), ("#7", "server:7"), ("Raid-X", "builtin:raid-x")])
def test_prompt_ids_as_moderators_type_them(typed: str, ref: str) -> None:
    assert service.normalise_ref(typed) == ref


# -- import ----------------------------------------------------------------------------------------------------

YAML_FILE = b"""
prompts:
  - text: Shadow a PMO lead for one meeting.
    kind: exposure
    hint: What did they do that you would not have?
    tags: [pmo-analyst]
  - text: Built-in prompt number 1.
    kind: experience
  - text: Read one chapter of a PMO book.
    kind: education
"""


async def test_import_adds_new_prompts_and_skips_duplicates(db: Database, clock: ManualClock) -> None:
    result, entry = await service.import_prompts(
        db, guild_id=GUILD, actor_id=MOD, data=YAML_FILE, filename="bank.yaml", seeds=SEEDS,
        known_tag=lambda tag: tag == "pmo-analyst", now=clock.now(),
    )  # fmt: skip
    assert result == service.ImportResult(added=2, duplicates=1)
    assert entry is not None and entry.action == "prompts.import"
    assert await count(db, "SELECT COUNT(*) FROM prompts WHERE guild_id = ? AND source = 'import'", GUILD) == 2


async def test_import_reads_a_json_list(db: Database, clock: ManualClock) -> None:
    data = b'[{"text": "Ask a mentor one question.", "kind": "exposure"}]'
    result, _ = await service.import_prompts(
        db, guild_id=GUILD, actor_id=MOD, data=data, filename="x.JSON", seeds=SEEDS, now=clock.now()
    )
    assert result.added == 1


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (b"prompts: [", "a.yaml", "could not read"),
        (b"- text: ok\n  kind: experience\n", "a.txt", "Attach a .yaml"),
        (b"just text", "a.yaml", "list of prompts"),
        (b"- text: ok\n  kind: reading\n", "a.yaml", "prompt 1: Kind must be"),
        (b"- text: ok\n  kind: exposure\n  tags: [nope]\n", "a.yaml", "unknown tag"),
        (b"- text: ok\n  kind: exposure\n- 3\n", "a.yaml", "prompt 2"),
        (b"\xff\xfe", "a.yaml", "could not read"),
    ],
)
async def test_a_bad_import_stores_nothing(
    db: Database, clock: ManualClock, data: bytes, filename: str, message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        await service.import_prompts(
            db, guild_id=GUILD, actor_id=MOD, data=data, filename=filename, seeds=SEEDS,
            known_tag=lambda tag: tag == "pmo-analyst", now=clock.now(),
        )  # fmt: skip
    assert await count(db, "SELECT COUNT(*) FROM prompts") == 0


async def test_an_oversized_import_is_refused(db: Database, clock: ManualClock) -> None:
    data = b"- text: x\n  kind: experience\n" * (service.MAX_IMPORT_ITEMS + 1)
    with pytest.raises(ValidationError, match="at most"):
        await service.import_prompts(
            db, guild_id=GUILD, actor_id=MOD, data=data, filename="a.yml", seeds=SEEDS, now=clock.now()
        )


# -- suggestions -----------------------------------------------------------------------------------------------


async def test_suggestions_are_limited_per_member_and_deduplicated(db: Database, clock: ManualClock) -> None:
    for n in range(service.MAX_PENDING_SUGGESTIONS):
        await service.suggest_prompt(
            db, guild_id=GUILD, user_id=ALICE, text=f"Idea {n}", kind="experience", seeds=SEEDS, now=clock.now()
        )
    with pytest.raises(LimitError):
        await service.suggest_prompt(
            db, guild_id=GUILD, user_id=ALICE, text="One more", kind="experience", seeds=SEEDS, now=clock.now()
        )
    with pytest.raises(ConflictError, match="already suggested"):
        await service.suggest_prompt(
            db, guild_id=GUILD, user_id=BOB, text="idea 1", kind="exposure", seeds=SEEDS, now=clock.now()
        )
    with pytest.raises(ConflictError, match="already in"):
        await service.suggest_prompt(
            db, guild_id=GUILD, user_id=BOB, text="Built-in prompt number 0.", kind="exposure", seeds=SEEDS,
            now=clock.now(),
        )  # fmt: skip
    # Another server's queue is its own.
    await service.suggest_prompt(
        db, guild_id=OTHER, user_id=ALICE, text="Idea 1", kind="experience", seeds=SEEDS, now=clock.now()
    )


async def test_approving_adds_the_prompt_and_queues_the_suggesters_dm(db: Database, clock: ManualClock) -> None:
    suggestion = await service.suggest_prompt(
        db, guild_id=GUILD, user_id=ALICE, text="Ask for feedback", kind="exposure", seeds=SEEDS, now=clock.now()
    )
    reviewed, entry = await service.review_suggestion(
        db, guild_id=GUILD, suggestion_id=suggestion.id, reviewer_id=MOD, approve=True, seeds=SEEDS, now=clock.now()
    )
    assert reviewed.status == "approved" and reviewed.prompt_id is not None
    assert entry.action == "prompts.suggestion.approve"
    bank = await service.active_bank(db, GUILD, SEEDS)
    assert bank[-1].text == "Ask for feedback" and bank[-1].kind == "exposure"
    suggested_by = await db.fetch_value("SELECT suggested_by FROM prompts WHERE id = ?", (reviewed.prompt_id,))
    assert suggested_by == ALICE
    job = await db.fetch_one("SELECT kind, payload FROM jobs WHERE key = ?", (f"prompt-outcome:{suggestion.id}",))
    assert job is not None and job["kind"] == "prompt-outcome"
    with pytest.raises(ConflictError, match="already approved"):
        await service.review_suggestion(
            db, guild_id=GUILD, suggestion_id=suggestion.id, reviewer_id=MOD, approve=False, seeds=SEEDS,
            now=clock.now(),
        )  # fmt: skip


async def test_rejecting_keeps_the_bank_and_another_server_cannot_review(db: Database, clock: ManualClock) -> None:
    suggestion = await service.suggest_prompt(
        db, guild_id=GUILD, user_id=ALICE, text="Nope", kind="education", seeds=SEEDS, now=clock.now()
    )
    with pytest.raises(NotFoundError):
        await service.review_suggestion(
            db, guild_id=OTHER, suggestion_id=suggestion.id, reviewer_id=MOD, approve=True, seeds=SEEDS,
            now=clock.now(),
        )  # fmt: skip
    reviewed, _ = await service.review_suggestion(
        db, guild_id=GUILD, suggestion_id=suggestion.id, reviewer_id=MOD, approve=False, seeds=SEEDS, now=clock.now()
    )
    assert reviewed.status == "rejected" and reviewed.prompt_id is None
    assert len(await service.active_bank(db, GUILD, SEEDS)) == len(SEEDS)
    nxt, waiting = await service.next_pending_suggestion(db, GUILD)
    assert nxt is None and waiting == 0


# -- reservations, posts, warnings -------------------------------------------------------------------------------


async def post(db: Database, clock: ManualClock, key: str, guild: int = GUILD) -> service.PromptPost:
    reservation = await service.reserve_post(
        db, guild_id=guild, job_key=key, channel_id=5, seeds=SEEDS, now=clock.now()
    )
    assert reservation is not None
    await service.mark_posted(
        db, reservation.post.id, channel_id=5, message_id=1000 + reservation.post.id, now=clock.now()
    )
    return reservation.post


async def test_a_retried_occurrence_gets_the_same_prompt(db: Database, clock: ManualClock) -> None:
    first = await service.reserve_post(db, guild_id=GUILD, job_key="s1:1", channel_id=5, seeds=SEEDS, now=clock.now())
    again = await service.reserve_post(db, guild_id=GUILD, job_key="s1:1", channel_id=5, seeds=SEEDS, now=clock.now())
    assert first is not None and again is not None
    assert first.fresh and not again.fresh and again.post == first.post


async def test_ten_posts_use_the_whole_bank_then_a_new_cycle_starts(db: Database, clock: ManualClock) -> None:
    posts = [await post(db, clock, f"k{n}") for n in range(11)]
    assert sorted(p.prompt_ref for p in posts[:10]) == sorted(f"builtin:{s.id}" for s in SEEDS)
    assert [p.cycle for p in posts] == [0] * 10 + [1]
    assert [p.kind for p in posts[:10]].count("experience") == 7


async def test_a_reservation_whose_job_ended_unposted_frees_its_prompt(db: Database, clock: ManualClock) -> None:
    await store.add_job(db, guild_id=GUILD, kind="prompt", key="dead", due=clock.now(), now=clock.now())
    dead = await service.reserve_post(db, guild_id=GUILD, job_key="dead", channel_id=5, seeds=SEEDS, now=clock.now())
    assert dead is not None
    await db.execute("UPDATE jobs SET status = 'failed' WHERE key = 'dead'")
    posts = [await post(db, clock, f"k{n}") for n in range(10)]
    assert dead.post.prompt_ref in {p.prompt_ref for p in posts}
    assert {p.cycle for p in posts} == {0}


async def test_an_empty_bank_reserves_nothing(db: Database, clock: ManualClock) -> None:
    assert await service.reserve_post(db, guild_id=GUILD, job_key="k", channel_id=5, seeds=(), now=clock.now()) is None


async def test_low_bank_warning_once_per_cycle_below_seven(db: Database, clock: ManualClock) -> None:
    warnings = []
    for n in range(25):
        await post(db, clock, f"k{n}")
        warnings.append(await service.claim_low_bank_warning(db, GUILD, SEEDS, clock.now()))
    # After 4 posts 6 remain (first warning); a new cycle starts at post 11 and warns again at post 14.
    assert [(i, w) for i, w in enumerate(warnings) if w is not None] == [(3, 6), (13, 6), (23, 6)]


async def test_posts_and_latest_post_belong_to_their_server(db: Database, clock: ManualClock) -> None:
    mine = await post(db, clock, "a")
    await clock.advance(timedelta(minutes=1))
    theirs = await post(db, clock, "b", guild=OTHER)
    latest = await service.latest_post(db, GUILD)
    assert latest is not None and latest.id == mine.id
    with pytest.raises(NotFoundError):
        await service.get_post(db, GUILD, theirs.id)


async def test_prompt_stats_counts_posts_threads_and_logs_since(db: Database, clock: ManualClock) -> None:
    old = await post(db, clock, "old")
    await clock.advance(timedelta(days=10))
    since = clock.now()
    first = await post(db, clock, "a")
    await post(db, clock, "b")
    await service.set_thread(db, first.id, 9999)
    await service.set_thread(db, old.id, 9998)
    await progress.log_activity(
        db, guild_id=GUILD, user_id=ALICE, kind="experience", minutes=20, activity="did it",
        local_date=date(2026, 3, 12), now=clock.now(), source="prompt", source_ref=first.prompt_ref,
    )  # fmt: skip
    assert await service.prompt_stats(db, GUILD, since) == service.PromptStats(posted=2, threads=1, logged=1)
    assert await service.prompt_stats(db, OTHER, since) == service.PromptStats(0, 0, 0)


# -- schedule --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("at", "days", "tz", "message"),
    [
        ("9am", "daily", None, "not a time"),
        ("25:00", "daily", None, "not a time"),
        ("09:00", "someday", None, "not a day"),
        ("09:00", "daily", "Mars/Olympus", "not a timezone"),
    ],
)
async def test_a_bad_schedule_stores_nothing(
    db: Database, clock: ManualClock, at: str, days: str, tz: str | None, message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        await service.set_schedule(
            db, guild_id=GUILD, actor_id=MOD, channel_id=5, at=at, days=days, timezone=tz, now=clock.now()
        )
    assert await count(db, "SELECT COUNT(*) FROM schedules") == 0


async def test_schedule_uses_the_server_timezone_by_default_and_reports_the_first_post(
    db: Database, clock: ManualClock
) -> None:
    schedule, first, entry = await service.set_schedule(
        db, guild_id=GUILD, actor_id=MOD, channel_id=5, at="9:30", days="weekdays", timezone=None, now=clock.now()
    )
    assert schedule.rule.timezone == "UTC" and schedule.channel_id == 5 and entry.action == "prompts.schedule"
    assert first == clock.now().replace(hour=9, minute=30)  # START is Monday 08:00 UTC
    schedule, first, _ = await service.set_schedule(
        db, guild_id=GUILD, actor_id=MOD, channel_id=6, at="09:00", days="daily", timezone="america/new_york",
        now=clock.now(),
    )  # fmt: skip
    assert schedule.rule.timezone == "America/New_York" and first.hour == 14


async def test_pause_and_resume(db: Database, clock: ManualClock) -> None:
    with pytest.raises(NotFoundError):
        await service.pause_prompts(db, guild_id=GUILD, actor_id=MOD, now=clock.now())
    await service.set_schedule(
        db, guild_id=GUILD, actor_id=MOD, channel_id=5, at="09:00", days="daily", timezone=None, now=clock.now()
    )
    with pytest.raises(ConflictError):
        await service.resume_prompts(db, guild_id=GUILD, actor_id=MOD, now=clock.now())
    await service.pause_prompts(db, guild_id=GUILD, actor_id=MOD, now=clock.now())
    with pytest.raises(ConflictError):
        await service.pause_prompts(db, guild_id=GUILD, actor_id=MOD, now=clock.now())
    status = await service.prompt_status(db, GUILD, SEEDS, clock.now())
    assert status.schedule is not None and status.schedule.paused and status.next_at is None
    await clock.advance(timedelta(days=1))
    schedule, next_at, entry = await service.resume_prompts(db, guild_id=GUILD, actor_id=MOD, now=clock.now())
    assert not schedule.paused and next_at == clock.now() + timedelta(hours=1) and entry.action == "prompts.resume"


async def test_post_now_needs_a_channel_and_uses_the_schedules(db: Database, clock: ManualClock) -> None:
    with pytest.raises(ValidationError):
        await service.queue_post_now(db, guild_id=GUILD, actor_id=MOD, channel_id=None, token=1, now=clock.now())
    assert await count(db, "SELECT COUNT(*) FROM jobs") == 0
    await service.set_schedule(
        db, guild_id=GUILD, actor_id=MOD, channel_id=5, at="09:00", days="daily", timezone=None, now=clock.now()
    )
    channel_id, _ = await service.queue_post_now(
        db, guild_id=GUILD, actor_id=MOD, channel_id=None, token=2, now=clock.now()
    )
    assert channel_id == 5
    job = await db.fetch_one("SELECT * FROM jobs WHERE key LIKE 'prompt-now:%'")
    assert job is not None and job["kind"] == "prompt" and '"channel_id": 5' in job["payload"]


async def test_status_shows_next_post_recent_runs_and_bank(db: Database, clock: ManualClock) -> None:
    await service.set_schedule(
        db, guild_id=GUILD, actor_id=MOD, channel_id=5, at="09:00", days="daily", timezone=None, now=clock.now()
    )
    status = await service.prompt_status(db, GUILD, SEEDS, clock.now())
    assert status.next_at == clock.now() + timedelta(hours=1) and status.recent == ()
    assert status.bank.active == 10 and status.bank.unused == 10 and not status.bank.drifts and not status.bank.low
    assert status.bank.mix == {"experience": 70, "exposure": 20, "education": 10}
