"""README.md's command table lists every ``rugsbot`` subcommand and nothing that is not one."""

from __future__ import annotations

import re
from pathlib import Path

from bot.cli import COMMANDS

REPO = Path(__file__).resolve().parents[2]


def readme_commands() -> set[str]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    table = text[text.index("## Commands") : text.index("## Modes")]
    named = set(re.findall(r"^\| `rugsbot ([a-z-]+)", table, re.MULTILINE))
    named |= set(re.findall(r" / `([a-z-]+)`", table))  # `halt` / `resume` / `status` share a row
    return named


def test_the_readme_lists_every_command() -> None:
    names = {name for name, _module, _help in COMMANDS}
    assert "run" in names and len(names) > 10
    assert readme_commands() == names
