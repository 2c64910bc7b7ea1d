"""Merge CLI flags, environment/.env settings, the profile and defaults into what a run uses.

Precedence: CLI > env > profile > defaults. Each resolved value remembers where it came from, so
``show-config`` can say why a value is what it is (the habit freqtrade's ``show-config`` taught).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Generic, TypeVar

from bot.config.profile import Profile
from bot.config.settings import Settings
from bot.mode import Mode

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Sourced(Generic[T]):
    value: T
    source: str  # "cli" | "env" | "profile" | "default"


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

    def as_dict(self) -> dict[str, dict[str, object]]:
        return {
            name: {"value": getattr(self, name).value, "source": getattr(self, name).source}
            for name in ("mode", "headless", "url", "log_level")
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
