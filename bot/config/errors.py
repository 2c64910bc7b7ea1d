"""Configuration errors carry the file, key and problem so the CLI can print one line and exit 2."""

from __future__ import annotations

from bot.errors import UsageError


class ConfigError(UsageError):
    def __init__(self, source: str, key: str, problem: str) -> None:
        self.source = source
        self.key = key
        self.problem = problem
        super().__init__(f"{source}: {key}: {problem}")
