"""No command reads or changes another server's rows: server A's data, probed from server B.

Each case seeds rows in server A through real commands (their text carries ``MARKER``), then runs commands in
server B that take a topic, an id or a member — by the very ids A's rows have, and as members who belong to
both servers. Every case is checked the same way: every row of server A is unchanged, and nothing B's callers
see (replies, embeds, modals, files, autocomplete choices) contains A's marker. Add a feature by adding a Case.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest

from bot.services import retention
from bot.standin import DemoGuild, Reply, Upload
from tests.e2e.admin_harness import server_b_fixture, two_server_standin  # noqa: F401 - fixtures
from tests.e2e.conftest import App

MARKER = "MARKERA"


@dataclass
class Probe:
    """What server B's callers saw."""

    replies: list[Reply]
    choices: list[dict[str, Any]]

    def seen(self) -> str:
        """All the text B's callers were shown."""
        parts = [reply.text for reply in self.replies]
        parts += [json.dumps(reply.modal) for reply in self.replies if reply.modal]
        parts += [file.data.decode("utf-8", "replace") for reply in self.replies for file in reply.all_files]
        parts += [json.dumps(choice) for choice in self.choices]
        return "\n".join(parts)


class InB:
    """Runs commands and autocompletes in server B."""

    def __init__(self, app: App, b: DemoGuild) -> None:
        self.app = app
        self.b = b
        self.probe = Probe([], [])

    async def invoke(self, path: str, *, user: Any, **options: Any) -> Reply:
        reply = await self.app.standin.invoke(
            path, user=user, guild=self.b.guild, channel=self.b.general, options=options
        )
        self.probe.replies.append(reply)
        return reply

    async def autocomplete(self, path: str, option: str, value: str, *, user: Any, **options: Any) -> None:
        choices = await self.app.standin.autocomplete(
            path, option, value, user=user, guild=self.b.guild, channel=self.b.general, options=options
        )
        self.probe.choices += choices

    async def click(self, target: Any, custom_id: str, *, user: Any) -> Reply:
        reply = await self.app.standin.click(target, custom_id, user=user)
        self.probe.replies.append(reply)
        return reply


@dataclass(frozen=True)
class Case:
    """Seed server A (returns what B will try to reach), then probe from server B."""

    name: str
    needs: str  # a command that must be synced for the case to apply
    seed: Callable[[App], Awaitable[dict[str, Any]]]
    probe: Callable[[InB, dict[str, Any]], Awaitable[None]]


# -- FAQ ---------------------------------------------------------------------------------------------------------

FAQ_IMPORT = json.dumps(
    [{"topic": "cross-server-secret", "question": "What does server A keep to itself?",
      "answer": f"{MARKER} only server A may read this answer."}]
).encode()  # fmt: skip


async def seed_faq(app: App) -> dict[str, Any]:
    reply = await app.invoke("admin faq import", user=app.admin, file=Upload("a.json", FAQ_IMPORT))
    assert "1" in reply.text, reply.text
    return {"topic": "cross-server-secret"}


async def probe_faq(b: InB, seeded: dict[str, Any]) -> None:
    admin, alice = b.app.admin, b.app.alice  # both are members of B
    await b.invoke("faq show", user=alice, topic=seeded["topic"])
    await b.autocomplete("faq show", "topic", "cross", user=alice)
    await b.invoke("faq ask", user=alice, question="What does server A keep to itself?")
    await b.invoke("admin faq edit", user=admin, topic=seeded["topic"])
    await b.invoke("admin faq remove", user=admin, topic=seeded["topic"])
    await b.autocomplete("admin faq remove", "topic", "cross", user=admin)
    await b.invoke("admin faq export", user=admin)


# -- prompts -----------------------------------------------------------------------------------------------------


async def seed_prompts(app: App) -> dict[str, Any]:
    added = await app.invoke(
        "admin prompts add", user=app.admin, text=f"{MARKER} describe the RAID log you keep", kind="experience"
    )
    assert "#1" in added.text, added.text
    await app.invoke("prompt suggest", user=app.alice, text=f"{MARKER} map your stakeholders", kind="exposure")
    return {"id": "#1"}


async def probe_prompts(b: InB, seeded: dict[str, Any]) -> None:
    admin, alice = b.app.admin, b.app.alice
    await b.invoke("admin prompts remove", user=admin, id=seeded["id"])
    await b.invoke("admin prompts remove", user=admin, id="1")
    await b.autocomplete("admin prompts remove", "id", "", user=admin)
    await b.invoke("admin prompts list", user=admin)
    await b.invoke("admin prompts review", user=admin)
    await b.invoke("admin prompts status", user=admin)
    await b.invoke("prompt today", user=alice)


# -- mentoring ---------------------------------------------------------------------------------------------------


async def seed_mentoring(app: App) -> dict[str, Any]:
    await app.invoke("mentoring offer", user=app.bob, areas="raid", capacity=2, timezone="Europe/London")
    await app.invoke("mentoring request", user=app.alice, areas="raid", goal=f"{MARKER} run RAID reviews",
                     timezone="Europe/London")  # fmt: skip
    proposal = next(
        m for m in app.dms_to("bob") if any(b["custom_id"].startswith("mentoring:accept:") for b in m.buttons())
    )
    custom_id = next(b["custom_id"] for b in proposal.buttons() if b["custom_id"].startswith("mentoring:accept:"))
    await app.click(proposal, custom_id, user=app.bob)
    mentorship_id = await app.bot.db.fetch_value("SELECT MAX(id) FROM mentorships WHERE guild_id = ?", (app.guild.id,))
    assert mentorship_id is not None
    return {"mentorship": str(mentorship_id), "proposal_custom_id": custom_id, "proposal": proposal}


async def probe_mentoring(b: InB, seeded: dict[str, Any]) -> None:
    admin, alice = b.app.admin, b.app.alice
    await b.invoke("mentoring status", user=alice)
    await b.autocomplete("mentoring end", "mentorship", "", user=alice)
    await b.invoke("mentoring end", user=alice, mentorship=seeded["mentorship"])
    await b.invoke("mentoring pause", user=alice)
    await b.invoke("admin mentors unmatch", user=admin, match=seeded["mentorship"])
    await b.autocomplete("admin mentors unmatch", "match", "", user=admin)
    await b.invoke("admin mentors pending", user=admin)
    await b.invoke("admin mentors match", user=admin, mentee=alice, mentor=admin)


# -- progress ----------------------------------------------------------------------------------------------------


async def seed_progress(app: App) -> dict[str, Any]:
    await app.invoke("progress log", user=app.alice, kind="education", minutes=45, activity=f"{MARKER} read PMBOK")
    return {}


async def probe_progress(b: InB, seeded: dict[str, Any]) -> None:
    admin, alice = b.app.admin, b.app.alice
    await b.invoke("progress show", user=admin, member=alice)
    await b.invoke("progress show", user=alice)
    await b.invoke("progress export", user=alice)
    await b.invoke("progress edit", user=alice)
    await b.invoke("progress delete", user=alice)
    await b.invoke("progress reminders-off", user=alice)


# -- admin and privacy -------------------------------------------------------------------------------------------


async def seed_admin(app: App) -> dict[str, Any]:
    await app.invoke("admin config set-mod-role", user=app.admin, role=app.demo.moderators)
    await app.invoke("admin config set-channel", user=app.admin, purpose="mod-log", options={"channel": "mod-log"})
    await app.invoke("progress log", user=app.alice, kind="exposure", minutes=20, activity=f"{MARKER} shadowed a PMO")
    return {"role": app.demo.moderators}


async def probe_admin(b: InB, seeded: dict[str, Any]) -> None:
    admin, alice = b.app.admin, b.app.alice
    await b.invoke("admin config show", user=admin)
    await b.invoke("admin audit", user=admin)
    await b.invoke("admin stats", user=admin)
    await b.invoke("privacy export", user=alice)
    delete = await b.invoke("privacy delete", user=alice)
    await b.click(delete, "privacy:delete:confirm", user=alice)
    # A's moderator role does not make B's "mod" a moderator in B.
    refused = await b.invoke("admin config show", user=b.b.mod)
    assert "moderator command" in refused.content


CASES = [
    Case("faq", "faq", seed_faq, probe_faq),
    Case("prompts", "prompt", seed_prompts, probe_prompts),
    Case("mentoring", "mentoring", seed_mentoring, probe_mentoring),
    Case("progress", "progress", seed_progress, probe_progress),
    Case("admin-and-privacy", "privacy", seed_admin, probe_admin),
]


async def _rows_of(app: App, guild_id: int) -> dict[str, list[str]]:
    snapshot = {}
    for table in await retention.guild_tables(app.bot.db):
        rows = await app.bot.db.fetch_all(f'SELECT * FROM "{table}" WHERE guild_id = ?', (guild_id,))  # noqa: S608
        snapshot[table] = sorted(repr(tuple(r)) for r in rows)
    return snapshot


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
async def test_server_b_cannot_read_or_change_server_a(app: App, server_b: DemoGuild, case: Case) -> None:
    synced = {c["name"] for c in app.standin.commands.listing(None)}
    if case.needs not in synced:
        pytest.skip(f"/{case.needs} is not built yet")
    # B's server admin opened /admin to everyone, so the bot's own check is what stands between B's members
    # and B's settings (A's moderator role must not count in B).
    app.standin.permit_command(server_b.guild, "admin", server_b.guild)
    seeded = await case.seed(app)
    before = await _rows_of(app, app.guild.id)
    assert any(MARKER in row for rows in before.values() for row in rows) or case.name == "admin-and-privacy"
    in_b = InB(app, server_b)
    await case.probe(in_b, seeded)
    after = await _rows_of(app, app.guild.id)
    changed = {t: (before[t], after.get(t)) for t in before if before[t] != after.get(t)}
    assert not changed, f"server B changed server A's rows: {changed}"
    seen = in_b.probe.seen()
    assert MARKER not in seen, f"server B saw server A's data:\n{seen[:2000]}"
