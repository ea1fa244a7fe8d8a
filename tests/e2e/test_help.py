"""/help is generated from the synced command tree: members see the four jobs, moderators also see /admin."""

from __future__ import annotations

from typing import Any

from tests.e2e.admin_harness import leaf_commands
from tests.e2e.conftest import App

JOB_HEADINGS = ("Role FAQs", "Daily learning prompts", "Mentor matching", "70-20-10 check-ins")


def _embed_size(embed: dict[str, Any]) -> int:
    size = len(embed.get("title") or "") + len(embed.get("description") or "")
    size += sum(len(f["name"]) + len(f["value"]) for f in embed.get("fields") or [])
    return size + len((embed.get("footer") or {}).get("text") or "")


def _listed(text: str, path: str) -> bool:
    # Full mode lists "/group sub"; compact mode lists "/group" followed by the subcommand names.
    parts = path.split()
    return f"`/{path}`" in text or any(
        f"`/{' '.join(parts[:i])}`" in text and parts[-1] in text for i in range(1, len(parts))
    )


async def test_members_see_every_member_command_grouped_by_job(app: App) -> None:
    reply = await app.invoke("help", user=app.alice)
    assert reply.ephemeral
    embed = reply.embeds[0]
    headings = [f["name"] for f in embed["fields"]]
    text = reply.text
    synced = {c["name"] for c in app.standin.commands.listing(None)}
    for command in sorted(synced - {"admin"}):
        for path, _ in leaf_commands(app.standin, command):
            assert _listed(text, path), f"/help does not list /{path}"
    assert "/admin" not in text
    for heading, root in zip(JOB_HEADINGS, ("role", "prompt", "mentoring", "progress"), strict=True):
        if root in synced:
            assert any(h.startswith(heading) for h in headings), f"no {heading} section"
    assert _embed_size(embed) <= 6000 and len(embed["fields"]) <= 25
    assert all(len(f["value"]) <= 1024 for f in embed["fields"])


async def test_moderators_by_role_also_see_admin(app: App) -> None:
    await app.invoke("admin config set-mod-role", user=app.admin, role=app.demo.moderators)
    reply = await app.invoke("help", user=app.mod)
    text = reply.text
    assert "Moderators" in [f["name"] for f in reply.embeds[0]["fields"]]
    for path, _ in leaf_commands(app.standin, "admin"):
        assert _listed(text, path), f"/help does not list /{path} for moderators"
    assert _embed_size(reply.embeds[0]) <= 6000


async def test_manage_server_sees_admin_and_the_mod_role_alone_does_not_until_set(app: App) -> None:
    assert "/admin" in (await app.invoke("help", user=app.admin)).text
    assert "/admin" not in (await app.invoke("help", user=app.mod)).text


async def test_help_never_pings(app: App) -> None:
    reply = await app.invoke("help", user=app.alice)
    assert not reply.pings.any
