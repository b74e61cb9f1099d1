"""Settings: defaults, `.env`, the environment, and clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import SETTINGS, Settings, SettingsError


def test_defaults_without_env_file(tmp_path: Path) -> None:
    settings = Settings.load(environ={}, env_file=tmp_path / "missing.env")
    assert settings.database_url == "sqlite:///var/nuanxin.db"
    assert settings.telegram_api_url == "https://api.telegram.org"
    assert settings.staff_chat_id is None
    assert settings.staff_ids == frozenset()
    assert settings.conversation_timeout == 900


def test_env_file_then_environment_wins(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text(
        "# comment\nexport BOT_TOKEN='123:abc'\nSTAFF_IDS=1, 2,3\nSTAFF_CHAT_ID=-100\n"
        'LOG_LEVEL="debug"\nNOT_A_SETTING=1\n',
        encoding="utf-8",
    )
    settings = Settings.load(environ={"STAFF_CHAT_ID": "-200"}, env_file=env)
    assert settings.bot_token == "123:abc"
    assert settings.staff_ids == frozenset({1, 2, 3})
    assert settings.staff_chat_id == -200
    assert settings.log_level == "DEBUG"


def test_repr_never_shows_the_token() -> None:
    settings = Settings.load(environ={"BOT_TOKEN": "123456:SECRET-TOKEN"}, env_file=None)
    assert "SECRET" not in repr(settings)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("STAFF_IDS", "1,abc"),
        ("WEBHOOK_PORT", "eighty"),
        ("STAFF_CHAT_ID", "staff"),
        ("LOG_LEVEL", "loud"),
        ("TIMEZONE", "Mars/Base"),
    ],
)
def test_bad_values_name_the_problem(name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=f"invalid setting {name}="):
        Settings.load(environ={name: value}, env_file=None)


def test_every_setting_has_help() -> None:
    assert all(s.help for s in SETTINGS)
    assert len({s.name for s in SETTINGS}) == len(SETTINGS)
