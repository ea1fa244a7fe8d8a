"""The demo guild: a PMO community server with its channels, a Moderators role, an admin and four members."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from bot.standin import permissions as p
from bot.standin.models import GUILD_CATEGORY, Channel, Guild, Role, User
from bot.standin.state import World

log = logging.getLogger(__name__)

TEXT_CHANNELS = ("general", "prompts", "mentoring", "check-ins", "mod-log")
MEMBER_NAMES = ("alice", "bob", "carol", "dave")
MODERATOR_PERMISSIONS = p.MANAGE_MESSAGES | p.MANAGE_THREADS | p.MODERATE_MEMBERS | p.VIEW_AUDIT_LOG


@dataclass
class DemoGuild:
    """Handles on everything in the demo guild. ``channels`` and ``users`` are keyed by name."""

    guild: Guild
    channels: dict[str, Channel]
    roles: dict[str, Role]
    users: dict[str, User]
    category: Channel
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def id(self) -> int:
        """The guild id."""
        return self.guild.id

    @property
    def owner(self) -> User:
        """The guild owner (all permissions)."""
        return self.users["owner"]

    @property
    def admin(self) -> User:
        """A member whose Admin role has Manage Server."""
        return self.users["admin"]

    @property
    def mod(self) -> User:
        """A member with the Moderators role (no Manage Server)."""
        return self.users["mod"]

    @property
    def alice(self) -> User:
        """A plain member."""
        return self.users["alice"]

    @property
    def bob(self) -> User:
        """A plain member."""
        return self.users["bob"]

    @property
    def carol(self) -> User:
        """A plain member."""
        return self.users["carol"]

    @property
    def dave(self) -> User:
        """A plain member."""
        return self.users["dave"]

    @property
    def moderators(self) -> Role:
        """The Moderators role (to be configured as the bot's mod role)."""
        return self.roles["Moderators"]

    @property
    def general(self) -> Channel:
        """#general."""
        return self.channels["general"]

    @property
    def prompts(self) -> Channel:
        """#prompts (members may not post, only discuss in threads)."""
        return self.channels["prompts"]

    @property
    def mentoring(self) -> Channel:
        """#mentoring."""
        return self.channels["mentoring"]

    @property
    def check_ins(self) -> Channel:
        """#check-ins."""
        return self.channels["check-ins"]

    @property
    def mod_log(self) -> Channel:
        """#mod-log (hidden from members)."""
        return self.channels["mod-log"]


def build_demo_guild(world: World, name: str = "PMO Community") -> DemoGuild:
    """Create the demo guild in ``world``."""
    owner = world.add_user("owner", global_name="Server Owner")
    guild = world.add_guild(name, owner=owner)
    admin_role = world.add_role(guild, "Admin", permissions=p.MANAGE_GUILD | MODERATOR_PERMISSIONS, color=0xE67E22)
    mod_role = world.add_role(guild, "Moderators", permissions=MODERATOR_PERMISSIONS, color=0x3498DB)
    users: dict[str, User] = {"owner": owner}
    admin = world.add_user("admin", global_name="Admin Ada")
    world.add_member(guild, admin, roles=[admin_role])
    users["admin"] = admin
    mod = world.add_user("mod", global_name="Moderator Max")
    world.add_member(guild, mod, roles=[mod_role])
    users["mod"] = mod
    for member_name in MEMBER_NAMES:
        user = world.add_user(member_name, global_name=member_name.capitalize())
        world.add_member(guild, user)
        users[member_name] = user
    bot_role_id = world.bot_role_ids[guild.id]
    category = world.add_channel(guild, "PMO Community", type=GUILD_CATEGORY)
    overwrites: dict[str, list[p.Overwrite]] = {
        "prompts": [
            p.Overwrite(guild.id, p.ROLE_OVERWRITE, deny=p.SEND_MESSAGES),
            p.Overwrite(bot_role_id, p.ROLE_OVERWRITE, allow=p.SEND_MESSAGES | p.CREATE_PUBLIC_THREADS),
        ],
        "mod-log": [
            p.Overwrite(guild.id, p.ROLE_OVERWRITE, deny=p.VIEW_CHANNEL),
            p.Overwrite(mod_role.id, p.ROLE_OVERWRITE, allow=p.VIEW_CHANNEL),
            p.Overwrite(admin_role.id, p.ROLE_OVERWRITE, allow=p.VIEW_CHANNEL),
            p.Overwrite(bot_role_id, p.ROLE_OVERWRITE, allow=p.VIEW_CHANNEL | p.SEND_MESSAGES),
        ],
    }
    topics = {
        "general": "Say hello",
        "prompts": "Daily learning prompts — discuss in the threads",
        "mentoring": "Mentor matching and mentorship threads",
        "check-ins": "70-20-10 check-ins",
        "mod-log": "What the bot and moderators changed",
    }
    channels = {
        channel_name: world.add_channel(
            guild,
            channel_name,
            parent=category,
            topic=topics[channel_name],
            overwrites=overwrites.get(channel_name, ()),
        )
        for channel_name in TEXT_CHANNELS
    }
    roles = {r.name: r for r in guild.roles.values()}
    return DemoGuild(guild=guild, channels=channels, roles=roles, users=users, category=category)
