"""Who may use /admin: a permission matrix over every synced /admin subcommand, through the stand-in.

The command tree is walked as the bot synced it, so a subcommand added later is covered without touching this
file. A server admin has opened /admin to everyone (Integrations settings), so Discord would deliver the command;
the bot's own run-time check must then refuse members without Manage Server or the moderator role, and the
database must not change at all.
"""

from __future__ import annotations

import pytest

from bot.services import guild_config
from bot.standin import DemoGuild, InvalidInvocationError, StandIn
from bot.standin.permissions import MANAGE_GUILD
from cogs._shared import MODERATOR_NEEDED
from tests.e2e.admin_harness import leaf_commands, sample_options, table_rows
from tests.e2e.conftest import App

# Commands this file knows exist; the walk must find at least these (and covers whatever else is synced).
KNOWN = {"admin config show", "admin config set-channel", "admin config set-timezone", "admin config set-mod-role",
         "admin stats", "admin audit"}  # fmt: skip
# Generic internal-error reply of the error funnel (bot/tree.py).
INTERNAL_ERROR = "Something went wrong"


async def _set_mod_role(app: App) -> None:
    reply = await app.invoke("admin config set-mod-role", user=app.admin, role=app.demo.moderators)
    assert "can now use /admin" in reply.content


def _open_admin_to_everyone(standin: StandIn, demo: DemoGuild) -> None:
    standin.permit_command(demo.guild, "admin", demo.guild)


async def test_admin_is_hidden_by_default_from_members_without_manage_server(app: App) -> None:
    synced = next(c for c in app.standin.commands.listing(None) if c["name"] == "admin")
    assert int(synced["default_member_permissions"]) == MANAGE_GUILD
    with pytest.raises(InvalidInvocationError, match="needs permissions"):
        await app.invoke("admin config show", user=app.alice)


async def test_every_admin_subcommand_refuses_a_plain_member_and_changes_nothing(app: App) -> None:
    await _set_mod_role(app)
    _open_admin_to_everyone(app.standin, app.demo)
    leaves = dict(leaf_commands(app.standin, "admin"))
    assert set(leaves) >= KNOWN, f"walk missed {KNOWN - set(leaves)}"
    failures = []
    for path, options in sorted(leaves.items()):
        before = await table_rows(app.bot.db)
        reply = await app.invoke(path, user=app.alice, options=sample_options(options, app.demo))
        after = await table_rows(app.bot.db)
        if reply.content != MODERATOR_NEEDED or not reply.ephemeral:
            failures.append(f"/{path}: answered {reply.text[:120]!r} (ephemeral={reply.ephemeral})")
        if reply.modal is not None:
            failures.append(f"/{path}: opened a modal for a non-moderator")
        changed = [table for table in after if after[table] != before.get(table)]
        if changed:
            failures.append(f"/{path}: changed {changed}")
    assert not failures, "\n".join(failures)


async def test_every_admin_subcommand_lets_the_mod_role_through(app: App) -> None:
    await _set_mod_role(app)
    _open_admin_to_everyone(app.standin, app.demo)  # the mod role has no Manage Server either
    failures = []
    for path, options in sorted(dict(leaf_commands(app.standin, "admin")).items()):
        reply = await app.invoke(path, user=app.mod, options=sample_options(options, app.demo))
        # /admin config set-mod-role without a role clears it; put it back for the next command.
        await guild_config.set_mod_role(
            app.bot.db, guild_id=app.guild.id, role_id=app.demo.moderators.id, actor_id=app.admin.id,
            now=app.clock.now(),
        )  # fmt: skip
        if MODERATOR_NEEDED in reply.text:
            failures.append(f"/{path}: refused the moderator role")
        elif INTERNAL_ERROR in reply.text:
            failures.append(f"/{path}: internal error {reply.text[:200]!r}")
        elif not (reply.messages or reply.modal):
            failures.append(f"/{path}: no answer")
    assert not failures, "\n".join(failures)


async def test_manage_server_without_the_mod_role_is_enough(app: App) -> None:
    reply = await app.invoke("admin config show", user=app.admin)
    assert reply.ephemeral and reply.embeds[0]["title"] == "Server settings"


async def test_the_refusal_says_what_is_needed(app: App) -> None:
    _open_admin_to_everyone(app.standin, app.demo)
    reply = await app.invoke("admin config set-timezone", user=app.alice, timezone="Europe/Paris")
    assert "Manage Server" in reply.content and "moderator role" in reply.content
    assert reply.ephemeral
    settings = await guild_config.get_settings(app.bot.db, app.guild.id)
    assert settings.timezone == "UTC"


async def test_losing_the_mod_role_setting_takes_access_away(app: App) -> None:
    await _set_mod_role(app)
    _open_admin_to_everyone(app.standin, app.demo)
    assert (await app.invoke("admin config show", user=app.mod)).embeds
    reply = await app.invoke("admin config set-mod-role", user=app.admin)  # no role: remove it
    assert "Removed the moderator role" in reply.content
    assert (await app.invoke("admin config show", user=app.mod)).content == MODERATOR_NEEDED


async def test_audit_page_buttons_recheck_the_moderator(app: App) -> None:
    await _set_mod_role(app)
    for zone in ("Europe/Paris", "Europe/Berlin", "Asia/Tokyo", "UTC", "Europe/London", "Asia/Kolkata", "UTC",
                 "Europe/Paris", "Europe/Rome"):  # fmt: skip
        await app.invoke("admin config set-timezone", user=app.admin, timezone=zone)
    _open_admin_to_everyone(app.standin, app.demo)
    page = await app.invoke("admin audit", user=app.mod)
    # The mod loses the role setting while the page is open: the next press is refused.
    await app.invoke("admin config set-mod-role", user=app.admin)
    older = await app.click(page, "admin:audit:older", user=app.mod)
    assert MODERATOR_NEEDED in older.text
