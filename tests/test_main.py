"""Running ``python -m bot`` without the right settings fails with one clear line and status 2."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import ConfigError, Settings

ROOT = Path(__file__).resolve().parent.parent


def _run(env_extra: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "DATABASE_", "DEV_", "BOT_"))}
    env.update(env_extra)
    return subprocess.run(
        [sys.executable, "-m", "bot"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60, check=False
    )


def test_no_token_exits_2_with_how_to_get_one(tmp_path: Path) -> None:
    result = _run({}, tmp_path)
    assert result.returncode == 2
    assert "DISCORD_TOKEN is not set" in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_database_path_that_is_a_directory_is_reported(tmp_path: Path) -> None:
    result = _run({"DISCORD_TOKEN": "fake-token-for-tests", "DATABASE_PATH": str(tmp_path)}, tmp_path)
    assert result.returncode == 2
    assert "DATABASE_PATH" in result.stderr and "directory" in result.stderr
    assert "Traceback" not in result.stderr


def test_unwritable_database_folder_is_reported(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = _run(
        {"DISCORD_TOKEN": "fake-token-for-tests", "DATABASE_PATH": str(blocker / "sub" / "db.sqlite3")}, tmp_path
    )
    assert result.returncode == 2
    assert "DATABASE_PATH" in result.stderr


@pytest.mark.parametrize(
    ("name", "value", "fragment"),
    [
        ("DEV_GUILD_ID", "my-server", "not a Discord id"),
        ("LOG_LEVEL", "LOUD", "not a log level"),
        ("DISCORD_API_BASE", "discord.com/api", "not a http/https URL"),
        ("DISCORD_GATEWAY_URL", "http://x", "not a ws/wss URL"),
        ("BOT_CLOCK_START", "yesterday", "not an ISO-8601 instant"),
        ("BOT_CLOCK_START", "2026-03-02T08:00:00", "no UTC offset"),
        ("BOT_CLOCK_SPEED", "-3", "BOT_CLOCK_SPEED"),
    ],
)
def test_malformed_values_name_the_variable(name: str, value: str, fragment: str) -> None:
    with pytest.raises(ConfigError, match=fragment) as info:
        Settings.from_env({"DISCORD_TOKEN": "x", name: value})
    assert name in str(info.value)


def test_settings_read_every_variable() -> None:
    settings = Settings.from_env(
        {
            "DISCORD_TOKEN": "x",
            "DATABASE_PATH": "state/x.sqlite3",
            "DEV_GUILD_ID": "123",
            "LOG_LEVEL": "debug",
            "DISCORD_API_BASE": "http://127.0.0.1:9/api/v10/",
            "DISCORD_GATEWAY_URL": "ws://127.0.0.1:9/gw",
            "BOT_CLOCK_START": "2026-03-02T08:00:00Z",
            "BOT_CLOCK_SPEED": "60",
        }
    )
    assert settings.dev_guild_id == 123 and settings.log_level == "DEBUG"
    assert settings.api_base == "http://127.0.0.1:9/api/v10"
    assert settings.uses_test_clock and settings.clock_speed == 60
    assert "x" not in repr(settings).split("token=")[1].split(",")[0]


def test_token_never_reaches_log_output() -> None:
    import logging

    from bot.logs import RedactingFilter

    record = logging.LogRecord(
        "discord.webhook", logging.DEBUG, __file__, 1,
        "POST %s with token %s", ("/api/v10/webhooks/1/aW50ZXJhY3Rpb246c2VjcmV0/messages", "sekrit-token"), None,
    )  # fmt: skip
    RedactingFilter(["sekrit-token"]).filter(record)
    assert "sekrit-token" not in record.getMessage()
    assert "aW50ZXJhY3Rpb246c2VjcmV0" not in record.getMessage()
