"""Pure rules of the stand-in: permissions, snowflakes, limits, pings, fault matching."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.standin import permissions as p
from bot.standin.errors import DiscordError
from bot.standin.faults import Faults, normalise_route
from bot.standin.limits import compute_pings, validate_commands, validate_message
from bot.standin.snowflake import SnowflakeFactory, snowflake_time
from bot.standin.state import World

GUILD = 100
ROLE_A = 200
ROLE_B = 300
USER = 400


@pytest.mark.parametrize(
    ("overwrites", "expected_send"),
    [
        ([], True),
        ([p.Overwrite(GUILD, p.ROLE_OVERWRITE, deny=p.SEND_MESSAGES)], False),
        (
            [
                p.Overwrite(GUILD, p.ROLE_OVERWRITE, deny=p.SEND_MESSAGES),
                p.Overwrite(ROLE_A, p.ROLE_OVERWRITE, allow=p.SEND_MESSAGES),
            ],
            True,
        ),
        (
            [
                p.Overwrite(ROLE_A, p.ROLE_OVERWRITE, allow=p.SEND_MESSAGES),
                p.Overwrite(ROLE_B, p.ROLE_OVERWRITE, deny=p.SEND_MESSAGES),
            ],
            True,
        ),
        (
            [
                p.Overwrite(ROLE_A, p.ROLE_OVERWRITE, allow=p.SEND_MESSAGES),
                p.Overwrite(USER, p.MEMBER_OVERWRITE, deny=p.SEND_MESSAGES),
            ],
            False,
        ),
    ],
)
def test_overwrites_apply_in_discords_order(overwrites: list[p.Overwrite], expected_send: bool) -> None:
    base = p.base_permissions(
        guild_id=GUILD,
        owner_id=1,
        user_id=USER,
        role_ids=[ROLE_A, ROLE_B],
        role_permissions={GUILD: p.DEFAULT_EVERYONE},
    )
    perms = p.channel_permissions(base, guild_id=GUILD, user_id=USER, role_ids=[ROLE_A, ROLE_B], overwrites=overwrites)
    assert bool(perms & p.SEND_MESSAGES) is expected_send
    if not expected_send:
        assert not perms & p.ATTACH_FILES  # implied by Send Messages


def test_no_view_channel_means_nothing_and_admin_means_everything() -> None:
    hidden = [p.Overwrite(GUILD, p.ROLE_OVERWRITE, deny=p.VIEW_CHANNEL)]
    base = p.DEFAULT_EVERYONE
    assert p.channel_permissions(base, guild_id=GUILD, user_id=USER, role_ids=[], overwrites=hidden) == 0
    admin = p.base_permissions(
        guild_id=GUILD,
        owner_id=1,
        user_id=USER,
        role_ids=[ROLE_A],
        role_permissions={GUILD: 0, ROLE_A: p.ADMINISTRATOR},
    )
    assert p.channel_permissions(admin, guild_id=GUILD, user_id=USER, role_ids=[ROLE_A], overwrites=hidden) == p.ALL
    owner = p.base_permissions(guild_id=GUILD, owner_id=USER, user_id=USER, role_ids=[], role_permissions={})
    assert owner == p.ALL


def test_snowflakes_increase_and_carry_their_time() -> None:
    factory = SnowflakeFactory()
    moment = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    ids = [factory.next(moment) for _ in range(3)]
    assert ids == sorted(ids) and len(set(ids)) == 3
    assert snowflake_time(ids[0]) == moment
    assert factory.next(datetime(2020, 1, 1, tzinfo=UTC)) > ids[-1]


def test_demo_style_world_permissions() -> None:
    world = World()
    owner = world.add_user("o")
    guild = world.add_guild("g", owner=owner)
    member = world.add_user("m")
    world.add_member(guild, member)
    channel = world.add_channel(
        guild, "c", overwrites=[p.Overwrite(member.id, p.MEMBER_OVERWRITE, deny=p.VIEW_CHANNEL)]
    )
    assert world.permissions(guild, member.id, channel) == 0
    assert world.permissions(guild, owner.id, channel) == p.ALL
    assert world.bot_permissions(channel) & p.SEND_MESSAGES


@pytest.mark.parametrize(
    ("content", "allowed", "users", "roles", "everyone"),
    [
        ("<@1111111111111111111> @everyone", None, {1111111111111111111}, set(), True),
        ("<@1111111111111111111> @everyone", {"parse": []}, set(), set(), False),
        ("<@!1111111111111111111> <@&2222222222222222222>", {"parse": ["roles"]}, set(), {2222222222222222222}, False),
        (
            "<@1111111111111111111>",
            {"parse": [], "users": ["1111111111111111111"]},
            {1111111111111111111},
            set(),
            False,
        ),
    ],
)
def test_pings_follow_allowed_mentions(
    content: str, allowed: dict[str, object] | None, users: set[int], roles: set[int], everyone: bool
) -> None:
    pings = compute_pings(content, allowed, mentionable_roles=[2222222222222222222], can_mention_everyone=True)
    assert (set(pings.users), set(pings.roles), pings.everyone) == (users, roles, everyone)


def test_allowed_mentions_parse_and_list_are_exclusive() -> None:
    with pytest.raises(DiscordError) as info:
        validate_message({"content": "x", "allowed_mentions": {"parse": ["users"], "users": ["1"]}})
    assert info.value.code == 50035


@pytest.mark.parametrize(
    ("commands", "where"),
    [
        ([{"name": "Bad", "description": "d"}], "name"),
        ([{"name": "ok", "description": ""}], "description"),
        ([{"name": "ok", "description": "d" * 101}], "description"),
        ([{"name": "ok", "description": "d"}, {"name": "ok", "description": "d"}], "name"),
        (
            [
                {
                    "name": "ok",
                    "description": "d",
                    "options": [
                        {"type": 3, "name": "a", "description": "d"},
                        {"type": 3, "name": "b", "description": "d", "required": True},
                    ],
                }
            ],
            "required",
        ),
        (
            [
                {
                    "name": "ok",
                    "description": "d",
                    "options": [
                        {"type": 3, "name": "a", "description": "d", "choices": [{"name": "c", "value": "c"}] * 26}
                    ],
                }
            ],
            "choices",
        ),
    ],
)
def test_command_sync_is_validated(commands: list[dict[str, object]], where: str) -> None:
    with pytest.raises(DiscordError) as info:
        validate_commands(commands)
    assert info.value.code == 50035
    assert where in str(info.value.errors)


def test_faults_match_by_method_and_template_and_run_out() -> None:
    faults = Faults()
    assert normalise_route("post /channels/{id}/messages") == "POST /channels/{}/messages"
    fault = faults.add("POST /channels/{id}/messages", code=50013, times=2, channel_id=5)
    assert faults.take("POST /channels/{channel_id}/messages", {"channel_id": "6"}) is None
    assert faults.take("GET /channels/{channel_id}/messages", {"channel_id": "5"}) is None
    assert faults.take("POST /channels/{channel_id}/messages", {"channel_id": "5"}) is fault
    assert faults.take("POST /channels/{channel_id}/messages", {"channel_id": "5"}) is fault
    assert faults.take("POST /channels/{channel_id}/messages", {"channel_id": "5"}) is None
    error = fault.error()
    assert error is not None and (error.status, error.code) == (403, 50013)
    with pytest.raises(ValueError, match="needs"):
        faults.add("GET /users/@me")
