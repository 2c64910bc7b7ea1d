"""A profile is what the bot does: mode, bankroll, strategies, guards, timing, browser and schedule.

TOML files in ``profiles/``; unknown keys are errors; a live profile must say ``mode = "live"`` and
``confirm_live = true`` itself (nothing else can turn a profile live).
"""

from __future__ import annotations

import tomllib
from enum import StrEnum
from pathlib import Path

from pydantic import Field, ValidationError, model_validator

from bot.config.errors import ConfigError
from bot.config.sections import (
    BrowserConfig,
    EngineConfig,
    GuardsConfig,
    ScheduleConfig,
    Strict,
    TimingConfig,
)
from bot.game.state import Mode
from bot.money import PRACTICE_COIN, SOL_MINT


class RunMode(StrEnum):
    DRY_RUN = "dry-run"
    PRACTICE = "practice"
    LIVE = "live"

    @property
    def label(self) -> Mode:
        return {RunMode.DRY_RUN: Mode.DRY_RUN, RunMode.PRACTICE: Mode.PRACTICE, RunMode.LIVE: Mode.LIVE}[self]

    @property
    def coin(self) -> str:
        return SOL_MINT if self is RunMode.LIVE else PRACTICE_COIN if self is RunMode.PRACTICE else SOL_MINT


class Profile(Strict):
    name: str = "default"
    description: str = ""
    mode: RunMode = RunMode.DRY_RUN
    confirm_live: bool = Field(False, description="a live profile must set this to true explicitly")
    starting_bankroll_sol: float = Field(1.0, gt=0, description="dry-run bankroll (logged-in modes use the server's)")
    engine: EngineConfig = Field(default_factory=EngineConfig)
    guards: GuardsConfig = Field(default_factory=GuardsConfig)
    timing: TimingConfig = Field(default_factory=TimingConfig)
    browser: BrowserConfig = Field(default_factory=BrowserConfig)
    schedule: ScheduleConfig = Field(default_factory=ScheduleConfig)

    @model_validator(mode="after")
    def _cross_checks(self) -> Profile:
        if self.mode is RunMode.LIVE and not self.confirm_live:
            raise ValueError('a live profile must also set confirm_live = true')
        if self.confirm_live and self.mode is not RunMode.LIVE:
            raise ValueError('confirm_live = true only makes sense with mode = "live"')
        if self.guards.max_stake_per_bet_sol > self.starting_bankroll_sol and self.mode is RunMode.DRY_RUN:
            raise ValueError("guards.max_stake_per_bet_sol exceeds starting_bankroll_sol")
        return self

    @property
    def coin(self) -> str:
        return self.mode.coin


def find_profile(name_or_path: str, profiles_dir: Path) -> Path:
    p = Path(name_or_path)
    if p.suffix == ".toml" or p.exists():
        return p
    return profiles_dir / f"{name_or_path}.toml"


def load_profile(name_or_path: str | None, profiles_dir: Path = Path("profiles")) -> Profile:
    """Load and validate; any problem becomes one :class:`ConfigError` naming file, key and problem."""
    if name_or_path is None:
        return Profile()
    path = find_profile(name_or_path, profiles_dir)
    source = str(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(source, "-", "profile file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(source, "-", f"not valid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(source, "-", f"cannot read: {exc.strerror}") from None
    return profile_from_dict(data, source)


def profile_from_dict(data: dict[str, object], source: str = "<profile>") -> Profile:
    try:
        return Profile.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        key = ".".join(str(x) for x in err["loc"]) or "-"
        problem = err["msg"]
        if err["type"] == "extra_forbidden":
            problem = "unknown key"
        raise ConfigError(source, key, problem) from None
