"""A profile is what the bot does: mode, bankroll, strategies, guards, timing, browser and schedule.

TOML files found by name in the user's folder (``settings.profiles_dir``, default ``./profiles``) first, then
among the profiles shipped in the package (``bot/profiles/``), so ``--profile default`` works from any
directory and a user file of the same name replaces a shipped one. Unknown keys are errors; a live profile must
say ``mode = "live"`` and ``confirm_live = true`` itself (nothing else can turn a profile live).
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from pydantic import Field, ValidationError, model_validator

from bot.config.errors import WHOLE_FILE, ConfigError
from bot.config.sections import (
    AlertsConfig,
    BrowserConfig,
    EngineConfig,
    GuardsConfig,
    ScheduleConfig,
    Strict,
    TimingConfig,
    WatchdogConfig,
)
from bot.mode import Mode


class Profile(Strict):
    name: str = "default"
    description: str = ""
    mode: Mode = Mode.DRY_RUN
    confirm_live: bool = Field(False, description="a live profile must set this to true explicitly")
    starting_bankroll_sol: float = Field(
        1.0, gt=0, description="dry-run bankroll (logged-in modes use the server's)"
    )
    engine: EngineConfig = Field(default_factory=EngineConfig)
    guards: GuardsConfig = Field(default_factory=GuardsConfig)
    timing: TimingConfig = Field(default_factory=TimingConfig)
    browser: BrowserConfig = Field(default_factory=BrowserConfig)
    schedule: ScheduleConfig = Field(default_factory=ScheduleConfig)
    alerts: AlertsConfig = Field(default_factory=AlertsConfig)
    watchdog: WatchdogConfig = Field(default_factory=WatchdogConfig)

    @model_validator(mode="after")
    def _cross_checks(self) -> Profile:
        if self.mode is Mode.REPLAY:
            raise ValueError('mode must be "dry-run", "practice" or "live" (replay is what backtests run as)')
        if self.mode is Mode.LIVE and not self.confirm_live:
            raise ValueError("a live profile must also set confirm_live = true")
        if self.confirm_live and self.mode is not Mode.LIVE:
            raise ValueError('confirm_live = true only makes sense with mode = "live"')
        if self.guards.max_stake_per_bet_sol > self.starting_bankroll_sol and self.mode is Mode.DRY_RUN:
            raise ValueError("guards.max_stake_per_bet_sol exceeds starting_bankroll_sol")
        for i, spec in enumerate(self.engine.strategies):
            for key, stake in spec.params.items():
                # a stake the governor refuses on every bet: the profile could never bet (simulations and the
                # paper bankroll start from starting_bankroll_sol)
                if (
                    not key.endswith("stake_sol")
                    or isinstance(stake, bool)
                    or not isinstance(stake, int | float)
                ):
                    continue
                where = f"engine.strategies[{i}].params.{key} = {stake:g}"
                if stake > self.guards.max_stake_per_bet_sol:
                    raise ValueError(f"{where} exceeds guards.max_stake_per_bet_sol: no bet could be placed")
                if stake > self.starting_bankroll_sol and self.mode is Mode.DRY_RUN:
                    # logged-in modes bet the server's balance, not this number (simulations of them start
                    # from it, and there the governor refuses such a stake bet by bet)
                    raise ValueError(f"{where} exceeds starting_bankroll_sol: no bet could be placed")
        return self

    @property
    def coin(self) -> str:
        return self.mode.coin


BUILTIN_PROFILES_DIR = Path(__file__).resolve().parent.parent / "profiles"


def profile_dirs(user_dir: Path | None) -> list[Path]:
    """The folders searched for ``<name>.toml``, in order: the user's (if given), then the shipped ones."""
    dirs = [user_dir] if user_dir is not None else []
    if BUILTIN_PROFILES_DIR not in dirs:
        dirs.append(BUILTIN_PROFILES_DIR)
    return dirs


def available_profiles(user_dir: Path | None = None) -> list[str]:
    return sorted({p.stem for d in profile_dirs(user_dir) if d.is_dir() for p in d.glob("*.toml")})


def find_profile(name_or_path: str, profiles_dir: Path | None = None) -> Path:
    """A path (``x.toml``, ``dir/x``, an existing file) as given; a bare name in the user dir, else shipped.

    Raises :class:`ConfigError` (``profile file not found``, naming the folders searched and the available
    names) when a bare name is in neither folder.
    """
    p = Path(name_or_path)
    if p.suffix == ".toml" or p.is_file() or len(p.parts) > 1:
        return p
    dirs = profile_dirs(profiles_dir)
    for d in dirs:
        if (d / f"{name_or_path}.toml").is_file():
            return d / f"{name_or_path}.toml"
    searched = ", ".join(str(d) for d in dirs)
    raise ConfigError(
        f"{name_or_path}.toml",
        "-",
        f"profile file not found (looked in {searched}); available: {available_profiles(profiles_dir)}",
    )


def load_profile(
    name_or_path: str | None, profiles_dir: Path | None = None, strategies_dir: Path | None = None
) -> Profile:
    """Load and validate; any problem becomes one :class:`ConfigError` naming file, key and problem.

    ``profiles_dir`` is the user's folder, searched before the shipped profiles (see :func:`find_profile`).
    With ``strategies_dir`` (the user's strategy plug-ins, searched before the built-ins) every
    ``[[engine.strategies]]`` entry is built once too (:func:`check_strategies`).
    """
    if name_or_path is None:
        return Profile()
    path = find_profile(name_or_path, profiles_dir)
    source = str(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(source, WHOLE_FILE, "profile file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(source, WHOLE_FILE, f"not valid TOML: {exc}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(
            source,
            WHOLE_FILE,
            f"not a text file: not UTF-8 text (byte {exc.object[exc.start]:#04x} at offset {exc.start})",
        ) from None
    except OSError as exc:
        raise ConfigError(source, WHOLE_FILE, f"cannot read: {exc.strerror}") from None
    profile = profile_from_dict(data, source)
    if strategies_dir is not None:
        check_strategies(profile, source, strategies_dir)
    return profile


def check_strategies(profile: Profile, source: str, strategies_dir: Path) -> None:
    """Each strategy's name and params as the engine will build them, so a bad one is refused when the profile
    loads — before a simulator, browser or socket starts — as one :class:`ConfigError` naming the file, the
    key (``engine.strategies.0.name`` / ``.params``) and the engine's own message."""
    from bot.engine.params import StrategyError
    from bot.engine.strategy import strategy_class

    for i, spec in enumerate(profile.engine.strategies):
        key = f"engine.strategies.{i}"
        try:
            cls = strategy_class(spec.name, strategies_dir)
        except StrategyError as exc:
            raise ConfigError(source, f"{key}.name", str(exc)) from None
        try:
            cls(spec.params)
        except StrategyError as exc:
            raise ConfigError(source, f"{key}.params", str(exc)) from None
        except Exception as exc:
            raise ConfigError(source, f"{key}.params", f"{spec.name}: {type(exc).__name__}: {exc}") from None


def profile_from_dict(data: dict[str, object], source: str = "<profile>") -> Profile:
    try:
        return Profile.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        key = ".".join(str(x) for x in err["loc"]) or WHOLE_FILE  # a cross-field check names its keys itself
        problem = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            problem = "unknown key"
        raise ConfigError(source, key, problem) from None
