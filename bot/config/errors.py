"""Configuration errors carry the file, key and problem so the CLI can print one line and exit 2."""

from __future__ import annotations

from bot.errors import UsageError

WHOLE_FILE = (
    "(whole file)"  # the key of an error that is about no single key (unreadable, not TOML, cross-field)
)


class ConfigError(UsageError):
    """``source``: the file; ``key``: dotted path of the offending key (``guards.max_stake_per_bet_sol``) or
    :data:`WHOLE_FILE`; ``problem``: what is wrong, one line."""

    def __init__(self, source: str, key: str, problem: str) -> None:
        self.source = source
        self.key = key
        self.problem = problem
        super().__init__(f"{source}: {key}: {problem}")
