"""Merge CLI flags, environment/.env settings, the profile and defaults into what a run uses.

Precedence: CLI > env > profile > defaults. Each resolved value remembers where it came from, so
``show-config`` can say why a value is what it is (the habit freqtrade's ``show-config`` taught), and
:func:`configuration` gives every value of the settings and the profile with its source.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Generic, Literal, TypeAlias, TypeVar

from pydantic import BaseModel, SecretStr

from bot.config.profile import Profile
from bot.config.settings import Settings
from bot.mode import Mode

T = TypeVar("T")
Source: TypeAlias = Literal["cli", "env", "profile", "default"]
MASK = "***"  # what a secret is shown as (the log redaction's mask, bot/logs.py)


@dataclass(frozen=True, slots=True)
class Sourced(Generic[T]):
    value: T
    source: Source


@dataclass(frozen=True, slots=True)
class CliOverrides:
    """Only what the operator typed; ``None`` means "not given"."""

    mode: Mode | None = None
    headless: bool | None = None
    url: str | None = None
    log_level: str | None = None


@dataclass(frozen=True, slots=True)
class Resolved:
    mode: Sourced[Mode]
    headless: Sourced[bool]
    url: Sourced[str]
    log_level: Sourced[str]
    profile: Profile = field(repr=False)

    def as_tree(self) -> Tree:
        return {
            "mode": Sourced(plain(self.mode.value), self.mode.source),
            "headless": Sourced(plain(self.headless.value), self.headless.source),
            "url": Sourced(plain(self.url.value), self.url.source),
            "log_level": Sourced(plain(self.log_level.value), self.log_level.source),
        }


def _pick(cli: T | None, env: T | None, profile: T | None, default: T, *, profile_set: bool) -> Sourced[T]:
    if cli is not None:
        return Sourced(cli, "cli")
    if env is not None:
        return Sourced(env, "env")
    if profile is not None and profile_set:
        return Sourced(profile, "profile")
    return Sourced(default, "default")


def resolve(settings: Settings, profile: Profile, cli: CliOverrides | None = None) -> Resolved:
    cli = cli or CliOverrides()
    defaults = Profile()
    browser_set = "browser" in profile.model_fields_set
    mode = _pick(cli.mode, None, profile.mode, defaults.mode, profile_set="mode" in profile.model_fields_set)
    if mode.value is Mode.LIVE and profile.mode is not Mode.LIVE:
        raise ValueError('live mode needs a live profile (mode = "live", confirm_live = true)')
    headless_profile_set = browser_set and "headless" in profile.browser.model_fields_set
    url_profile_set = browser_set and "url" in profile.browser.model_fields_set
    env_level = settings.log_level if "log_level" in settings.model_fields_set else None
    return Resolved(
        mode=mode,
        headless=_pick(
            cli.headless,
            None,
            profile.browser.headless,
            defaults.browser.headless,
            profile_set=headless_profile_set,
        ),
        url=_pick(
            cli.url, settings.url, profile.browser.url, defaults.browser.url, profile_set=url_profile_set
        ),
        log_level=_pick(cli.log_level, env_level, None, "INFO", profile_set=False),
        profile=profile,
    )


# ------------------------------------------------------------------ every value with its source

Plain: TypeAlias = "str | int | float | bool | list[Plain] | dict[str, Plain] | None"
Tree: TypeAlias = "dict[str, Sourced[Plain] | Tree]"


def plain(value: object) -> Plain:
    """A config value as text-format data: enums by value (``practice``, not ``<Mode.PRACTICE: …>``), paths
    as strings, models and containers recursively, a set secret as ``***``."""
    if isinstance(value, SecretStr):
        return MASK if value.get_secret_value() else ""
    if isinstance(value, enum.Enum):
        return plain(value.value)
    if isinstance(value, PurePath):
        return str(value)
    if isinstance(value, BaseModel):
        return {k: plain(getattr(value, k)) for k in type(value).model_fields}
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [plain(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def model_tree(model: BaseModel, set_source: Source, *, parent_set: bool = True) -> Tree:
    """Every field of ``model``: nested models become subtrees; a value the input set is ``set_source``,
    anything else ``default``. Lists (of strategies, windows) are one value: the file sets them whole."""
    tree: Tree = {}
    for name in type(model).model_fields:
        value = getattr(model, name)
        given = parent_set and name in model.model_fields_set
        if isinstance(value, BaseModel):
            tree[name] = model_tree(value, set_source, parent_set=given)
        else:
            tree[name] = Sourced(plain(value), set_source if given else "default")
    return tree


def configuration(settings: Settings, profile: Profile, cli: CliOverrides | None = None) -> Tree:
    """``resolved`` (what a run uses, CLI > env > profile > default), ``settings`` (env or default) and
    ``profile`` (profile file or default): every value with its source, secrets masked.

    Raises ValueError as :func:`resolve` does.
    """
    return {
        "resolved": resolve(settings, profile, cli).as_tree(),
        "settings": model_tree(settings, "env"),
        "profile": model_tree(profile, "profile"),
    }
