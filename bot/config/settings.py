"""Machine-level settings and secrets, from ``RUGSBOT_*`` environment variables and ``.env``.

The wallet password and the alert URLs are :class:`SecretStr`: their ``repr``/``str`` never show the value,
and the log redaction filter (bot/logs.py) also scrubs their raw values (and the tokens inside each URL)
from every record as a second line of defence.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.config.errors import ConfigError

ENV_SOURCE = "environment (RUGSBOT_* or .env)"
# loguru 0.7's built-in level names (``logger.level(name)``): anything else fails when the logs are configured
LOG_LEVELS = ("TRACE", "DEBUG", "INFO", "SUCCESS", "WARNING", "ERROR", "CRITICAL")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="RUGSBOT_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    browser_path: Path | None = Field(
        None, description="Chromium/Chrome executable; found automatically if unset"
    )
    browser_profile_dir: Path = Field(
        Path("var/browser-profile"),
        description="persistent browser profile (default: <data_dir>/browser-profile, so two data dirs never share one)",
    )
    extension_dir: Path | None = Field(
        None,
        description="unpacked wallet extension (default: the Phantom `rugsbot wallet install` put in the "
        "data dir; the stand-in for a simulator run)",
    )
    data_dir: Path = Field(Path("var"), description="database, logs, screenshots, traces")
    recordings_dir: Path = Field(Path("recordings"), description="frame recordings")
    profiles_dir: Path = Field(
        Path("profiles"),
        description="your profile TOML files, looked up by name before the ones shipped in bot/profiles",
    )
    strategies_dir: Path = Field(
        Path("strategies"),
        description="your strategy plug-ins, looked up by name before the built-ins in bot/strategies",
    )
    wallet_password: SecretStr | None = Field(None, description="unlocks the wallet extension; never logged")
    alert_urls: SecretStr | None = Field(
        None, description="apprise URLs, space-separated (they carry tokens: never logged)"
    )
    log_level: str = Field("INFO", description=f"console log level: {', '.join(LOG_LEVELS)}")
    url: str | None = Field(None, description="override the site URL (e.g. a simulator)")
    dashboard_token: SecretStr | None = Field(
        None, description="operator console token (else generated into the data dir, mode 0600); never logged"
    )

    def __init__(self, **values: Any) -> None:
        """Raises :class:`~bot.config.errors.ConfigError` (exit 2) naming the variable, for every command
        alike, instead of pydantic's multi-line ValidationError (which the CLI would call an internal error)."""
        try:
            super().__init__(**values)
        except ValidationError as exc:
            first = exc.errors()[0]
            name = "RUGSBOT_" + "_".join(str(p) for p in first["loc"]).upper()
            problem = str(first["msg"]).removeprefix("Value error, ")
            raise ConfigError(ENV_SOURCE, name, problem) from None

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.strip().upper()
        if level not in LOG_LEVELS:
            raise ValueError(f"{value!r} is not a log level; use one of {', '.join(LOG_LEVELS)}")
        return level

    @model_validator(mode="after")
    def _profile_in_data_dir(self) -> Settings:
        # Unset, the profile follows the data dir: a second bot on another data dir got the same relative
        # var/browser-profile and met the first one's profile lock (found by a new operator's tryout).
        if "browser_profile_dir" not in self.model_fields_set:
            self.browser_profile_dir = self.data_dir / "browser-profile"
        return self

    @property
    def db_path(self) -> Path:
        return self.data_dir / "rugsbot.db"

    @property
    def log_dir(self) -> Path:
        return self.data_dir / "logs"

    def wallet_extension_dir(self, *, sim: bool = False) -> Path | None:
        """Which wallet extension to load: ``RUGSBOT_EXTENSION_DIR`` if set; else the simulator's stand-in for a
        simulator run (the real Phantom cannot be onboarded by the bot); else the Phantom installed by
        ``rugsbot wallet install`` under ``data_dir``; else None (nothing to load)."""
        if self.extension_dir is not None:
            return Path(self.extension_dir)
        if sim:
            from bot.sim.assets import extension_dir

            return extension_dir()
        from bot.browser.crx import installed

        found = installed(self.data_dir)
        return found.path if found is not None else None

    def run_profile_dir(self, *, sim: bool) -> Path | None:
        """The persistent browser-profile folder a run uses (``rugsbot.lock`` in it; Chromium's data in its
        ``chromium/`` subfolder): ``browser_profile_dir`` on the real site; on the simulator
        ``<data_dir>/sim-browser-profile`` when a wallet password is set (the wallet it onboarded is kept), else
        ``None``: a fresh throw-away folder per run (bot/app/target.py). The one rule ``run`` and ``doctor``
        share."""
        if not sim:
            return self.browser_profile_dir
        pw = self.wallet_password
        return self.sim_browser_profile_dir if pw is not None and pw.get_secret_value() else None

    @property
    def sim_browser_profile_dir(self) -> Path:
        """The simulator runs' persistent profile (used when a wallet password is set)."""
        return self.data_dir / "sim-browser-profile"

    def secret_values(self) -> list[str]:
        """Raw secret strings the log filter must scrub."""
        out: list[str] = []
        if self.wallet_password is not None and self.wallet_password.get_secret_value():
            out.append(self.wallet_password.get_secret_value())
        if self.dashboard_token is not None and self.dashboard_token.get_secret_value():
            out.append(self.dashboard_token.get_secret_value())
        for url in self.alert_url_list():
            out.extend(url_secrets(url))
        return out

    def alert_url_list(self) -> list[str]:
        """``RUGSBOT_ALERT_URLS`` split on whitespace (apprise URLs, e.g. ``tgram://TOKEN/CHAT``)."""
        return self.alert_urls.get_secret_value().split() if self.alert_urls is not None else []


_HOSTNAME_RE = re.compile(r"^(localhost|[0-9.]+|[a-z0-9-]+(\.[a-z0-9-]+)+)$", re.IGNORECASE)
_MIN_SECRET_LEN = 6


def url_secrets(url: str) -> list[str]:
    """The URL itself and each part of it that may be a token: user, password, a host that is not a
    hostname (apprise puts tokens there: ``discord://ID/TOKEN``, ``ntfy://TOPIC``), path segments and query
    values. Short parts (≤ 5 characters, e.g. ``/alert``) and plain hostnames or IPs are left out, so the
    redaction does not blank ordinary words."""
    parts = [url]
    try:
        split = urlsplit(url)
    except ValueError:
        return parts
    netloc = split.netloc
    for piece in re.split(r"[@:]", netloc):
        parts.append(unquote(piece))
    parts.extend(unquote(seg) for seg in split.path.split("/"))
    parts.extend(v for _, v in parse_qsl(split.query))
    out: list[str] = []
    for p in parts:
        if len(p) >= _MIN_SECRET_LEN and not _HOSTNAME_RE.match(p) and p not in out:
            out.append(p)
    return out
