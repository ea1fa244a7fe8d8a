"""compose.yaml: the documented way to run PostgreSQL and several shard processes stays consistent."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import yaml

from bot.config import Settings

COMPOSE = Path(__file__).resolve().parents[1] / "compose.yaml"


def test_the_bot_services_share_one_database_and_name_every_shard_once() -> None:
    compose = yaml.safe_load(COMPOSE.read_text("utf-8"))
    services = compose["services"]
    bots = {name: s for name, s in services.items() if name.startswith("bot")}
    assert len(bots) >= 2
    owned: list[int] = []
    counts = set()
    for name, service in bots.items():
        env = {k: str(v) for k, v in service["environment"].items()}
        settings = Settings.from_env({**env, "DISCORD_TOKEN": "x"})  # the bot's own parsing, so a typo fails here
        assert settings.uses_postgres, name
        assert urlsplit(settings.database_url or "").hostname in services, f"{name}: DATABASE_URL host is no service"
        assert settings.health_port is not None, f"{name}: no HEALTH_PORT for the healthcheck"
        assert str(settings.health_port) in " ".join(service["healthcheck"]["test"]), name
        counts.add(settings.shard_count)
        owned += list(settings.shard_ids or ())
    (count,) = counts
    assert sorted(owned) == list(range(count or 0)), "every shard must be owned by exactly one service"
