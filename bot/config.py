"""Settings: the only place that reads environment variables."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

__all__ = ["ConfigError", "Settings", "redact_url"]

DEFAULT_DATABASE_PATH = Path("data/pmo-bot.sqlite3")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class ConfigError(Exception):
    """A setting is missing or malformed; the message names the variable and how to fix it."""


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything the bot reads from its environment, validated once at start-up."""

    token: str
    database_path: Path = DEFAULT_DATABASE_PATH
    dev_guild_id: int | None = None
    log_level: str = "INFO"
    api_base: str | None = None
    gateway_url: str | None = None
    clock_start: datetime | None = None
    clock_speed: float = 1.0
    database_url: str | None = None
    database_pool_size: int = 10
    shard_count: int | None = None
    shard_ids: tuple[int, ...] | None = None
    health_port: int | None = None

    def __repr__(self) -> str:
        # The token must never reach a log line, not even through a repr.
        return (
            f"Settings(token=<hidden>, database_path={self.database_path!s}, dev_guild_id={self.dev_guild_id}, "
            f"log_level={self.log_level}, api_base={self.api_base}, gateway_url={self.gateway_url}, "
            f"clock_start={self.clock_start}, clock_speed={self.clock_speed}, "
            f"database_url={self.database_url and redact_url(self.database_url)}, "
            f"database_pool_size={self.database_pool_size}, "
            f"shard_count={self.shard_count}, shard_ids={self.shard_ids}, health_port={self.health_port})"
        )

    @property
    def uses_postgres(self) -> bool:
        """Whether state lives in PostgreSQL (DATABASE_URL) rather than the SQLite file."""
        return self.database_url is not None

    @property
    def uses_test_clock(self) -> bool:
        """Whether the clock was moved or sped up for the sandbox or tests."""
        return self.clock_start is not None or self.clock_speed != 1.0

    @classmethod
    def from_env(cls, env: Mapping[str, str], *, require_token: bool = True) -> Settings:
        """Build settings from an environment mapping; raise ConfigError with a one-line fix on bad input."""
        token = env.get("DISCORD_TOKEN", "").strip()
        if require_token and not token:
            raise ConfigError(
                "DISCORD_TOKEN is not set. Create an application at https://discord.com/developers/applications, "
                "add a bot, copy its token into .env as DISCORD_TOKEN=... (see .env.example), "
                "or run `pmo-bot sandbox` to try the bot offline."
            )
        shard_count, shard_ids = _shards(env)
        return cls(
            token=token,
            database_path=_path(env, "DATABASE_PATH", DEFAULT_DATABASE_PATH),
            dev_guild_id=_snowflake(env, "DEV_GUILD_ID"),
            log_level=_log_level(env),
            api_base=_url(env, "DISCORD_API_BASE", ("http", "https")),
            gateway_url=_url(env, "DISCORD_GATEWAY_URL", ("ws", "wss")),
            clock_start=_instant(env, "BOT_CLOCK_START"),
            clock_speed=_speed(env),
            database_url=_database_url(env),
            database_pool_size=_int(env, "DATABASE_POOL_SIZE", 10, low=1, high=1000),
            shard_count=shard_count,
            shard_ids=shard_ids,
            health_port=_port(env, "HEALTH_PORT"),
        )


def _value(env: Mapping[str, str], name: str) -> str | None:
    raw = env.get(name, "").strip()
    return raw or None


def _path(env: Mapping[str, str], name: str, default: Path) -> Path:
    raw = _value(env, name)
    if raw is None:
        return default
    if "\x00" in raw:
        raise ConfigError(f"{name} contains a NUL character; set it to a file path such as data/pmo-bot.sqlite3.")
    return Path(raw).expanduser()


def _snowflake(env: Mapping[str, str], name: str) -> int | None:
    raw = _value(env, name)
    if raw is None:
        return None
    if not raw.isdigit() or not 0 < int(raw) < 2**64:
        raise ConfigError(
            f"{name}={raw!r} is not a Discord id; copy the server id (Developer Mode → right-click the server → "
            "Copy Server ID) or leave it empty."
        )
    return int(raw)


def _log_level(env: Mapping[str, str]) -> str:
    raw = (_value(env, "LOG_LEVEL") or "INFO").upper()
    if raw not in LOG_LEVELS:
        raise ConfigError(f"LOG_LEVEL={raw!r} is not a log level; use one of {', '.join(LOG_LEVELS)}.")
    return raw


def _url(env: Mapping[str, str], name: str, schemes: tuple[str, ...]) -> str | None:
    raw = _value(env, name)
    if raw is None:
        return None
    parts = urlsplit(raw)
    if parts.scheme not in schemes or not parts.netloc:
        example = "http://127.0.0.1:8080/api/v10" if "http" in schemes else "ws://127.0.0.1:8080/gateway"
        raise ConfigError(f"{name}={raw!r} is not a {'/'.join(schemes)} URL; use something like {example}.")
    return raw.rstrip("/")


def _instant(env: Mapping[str, str], name: str) -> datetime | None:
    raw = _value(env, name)
    if raw is None:
        return None
    try:
        parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not an ISO-8601 instant; use e.g. 2026-03-02T08:00:00Z.") from None
    if parsed.tzinfo is None:
        raise ConfigError(f"{name}={raw!r} has no UTC offset; add Z or +00:00.")
    return parsed.astimezone(UTC)


def _speed(env: Mapping[str, str]) -> float:
    raw = _value(env, "BOT_CLOCK_SPEED")
    if raw is None:
        return 1.0
    try:
        speed = float(raw)
    except ValueError:
        speed = 0.0
    if not 0 < speed <= 1_000_000:
        raise ConfigError(f"BOT_CLOCK_SPEED={raw!r} must be a number of bot seconds per real second, e.g. 60.")
    return speed


def redact_url(url: str) -> str:
    """A database URL with its password hidden, fit for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":<hidden>@", 1)
    return parts._replace(netloc=netloc).geturl()


def _database_url(env: Mapping[str, str]) -> str | None:
    raw = _value(env, "DATABASE_URL")
    if raw is None:
        return None
    parts = urlsplit(raw)
    if parts.scheme not in ("postgresql", "postgres") or not (parts.netloc or parts.query):
        raise ConfigError(
            "DATABASE_URL is not a PostgreSQL URL; use postgresql://user:password@host:5432/dbname, "
            "or leave it empty to keep the SQLite file at DATABASE_PATH."
        )
    return raw


def _int(env: Mapping[str, str], name: str, default: int, *, low: int, high: int) -> int:
    raw = _value(env, name)
    if raw is None:
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise ConfigError(f"{name}={raw!r} must be a whole number from {low} to {high}.")
    return int(raw)


def _port(env: Mapping[str, str], name: str) -> int | None:
    if _value(env, name) is None:
        return None
    return _int(env, name, 0, low=1, high=65535)


def _shards(env: Mapping[str, str]) -> tuple[int | None, tuple[int, ...] | None]:
    """SHARD_COUNT and SHARD_IDS ("0-3", "4,5", "0-1,6"): which of Discord's shards this process owns."""
    count_raw = _value(env, "SHARD_COUNT")
    ids_raw = _value(env, "SHARD_IDS")
    if count_raw is None:
        if ids_raw is not None:
            raise ConfigError("SHARD_IDS is set without SHARD_COUNT; set SHARD_COUNT to the total number of shards.")
        return None, None
    count = _int(env, "SHARD_COUNT", 1, low=1, high=65536)
    if ids_raw is None:
        return count, None
    ids: set[int] = set()
    for part in ids_raw.replace(" ", "").split(","):
        low_raw, dash, high_raw = part.partition("-")
        if not low_raw.isdigit() or (dash and not high_raw.isdigit()):
            raise ConfigError(f"SHARD_IDS={ids_raw!r} is not a list of shard ids; use e.g. 0-3 or 4,5.")
        low, high = int(low_raw), int(high_raw) if dash else int(low_raw)
        if low > high or high >= count:
            raise ConfigError(f"SHARD_IDS={ids_raw!r} names shards outside 0-{count - 1} (SHARD_COUNT={count}).")
        ids.update(range(low, high + 1))
    return count, tuple(sorted(ids))
