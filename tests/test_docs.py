"""The README tells the truth about settings and commands."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import build_parser
from bot.settings import SETTINGS

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("setting", SETTINGS, ids=lambda s: s.name)
def test_readme_lists_every_setting_with_its_default(setting) -> None:
    default = f"`{setting.default}`" if setting.default else "(empty)"
    assert f"| `{setting.name}` | {default} |" in README


def _subcommands() -> list[str]:
    parser = build_parser()
    action = next(a for a in parser._actions if a.dest == "command")
    return sorted(action.choices)  # type: ignore[arg-type]


@pytest.mark.parametrize("command", _subcommands())
def test_every_command_has_help_and_is_in_the_readme(command: str) -> None:
    parser = build_parser()
    action = next(a for a in parser._actions if a.dest == "command")
    helps = {c.dest: c.help for c in action._choices_actions}
    assert helps.get(command), f"`nuanxin {command}` has no help text"
    assert f"`nuanxin {command}" in README


def test_readme_gives_the_two_commands() -> None:
    assert "make demo" in README and "make test" in README
