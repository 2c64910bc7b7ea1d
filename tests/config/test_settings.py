"""Settings from env/.env, precedence CLI > env > profile > defaults, and secrets never shown."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import Mode, Settings
from bot.config.profile import profile_from_dict
from bot.config.resolve import CliOverrides, resolve

SECRET = "correct-horse-battery-staple-9f"


def test_env_file_and_env_var(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (clean_env / ".env").write_text(f"RUGSBOT_WALLET_PASSWORD={SECRET}\nRUGSBOT_LOG_LEVEL=DEBUG\n")
    s = Settings()
    assert s.wallet_password is not None and s.wallet_password.get_secret_value() == SECRET
    assert s.log_level == "DEBUG"
    monkeypatch.setenv("RUGSBOT_LOG_LEVEL", "WARNING")
    assert Settings().log_level == "WARNING"  # env beats .env
    assert SECRET not in repr(Settings()) and SECRET not in str(Settings().model_dump())


# (cli, env url, profile browser section, expected url, expected source)
URL_CASES = [
    (None, None, {}, "https://rugs.fun", "default"),
    (None, None, {"url": "http://127.0.0.1:1"}, "http://127.0.0.1:1", "profile"),
    (None, "http://127.0.0.1:2", {"url": "http://127.0.0.1:1"}, "http://127.0.0.1:2", "env"),
    ("http://127.0.0.1:3", "http://127.0.0.1:2", {"url": "http://127.0.0.1:1"}, "http://127.0.0.1:3", "cli"),
]


@pytest.mark.parametrize(("cli", "env", "browser", "expected", "source"), URL_CASES)
def test_precedence(
    clean_env: Path,
    monkeypatch: pytest.MonkeyPatch,
    cli: str | None,
    env: str | None,
    browser: dict[str, str],
    expected: str,
    source: str,
) -> None:
    if env:
        monkeypatch.setenv("RUGSBOT_URL", env)
    profile = profile_from_dict({"browser": browser} if browser else {})
    r = resolve(Settings(), profile, CliOverrides(url=cli))
    assert (r.url.value, r.url.source) == (expected, source)


def test_headless_and_mode_precedence(clean_env: Path) -> None:
    profile = profile_from_dict({"mode": "practice", "browser": {"headless": False}})
    r = resolve(Settings(), profile)
    assert (r.headless.value, r.headless.source) == (False, "profile")
    assert (r.mode.value, r.mode.source) == (Mode.PRACTICE, "profile")
    r = resolve(Settings(), profile, CliOverrides(headless=True, mode=Mode.DRY_RUN))
    assert (r.headless.value, r.headless.source, r.mode.value) == (True, "cli", Mode.DRY_RUN)


def test_cli_cannot_turn_a_non_live_profile_live(clean_env: Path) -> None:
    with pytest.raises(ValueError, match="live profile"):
        resolve(Settings(), profile_from_dict({}), CliOverrides(mode=Mode.LIVE))


def test_show_config_redacts_secret(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("RUGSBOT_WALLET_PASSWORD", SECRET)
    assert main(["show-config", "--json"]) == 0
    out = capsys.readouterr().out
    assert SECRET not in out
    data = json.loads(out)
    assert data["settings"]["wallet_password"] == {"value": "***", "source": "env"}
    assert data["resolved"]["mode"] == {"value": "dry-run", "source": "default"}
    assert main(["show-config"]) == 0
    assert SECRET not in capsys.readouterr().out


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "var/browser-profile"),
        ({"RUGSBOT_DATA_DIR": "/srv/bot-a"}, "/srv/bot-a/browser-profile"),
        ({"RUGSBOT_DATA_DIR": "/srv/bot-a", "RUGSBOT_BROWSER_PROFILE_DIR": "/srv/profile"}, "/srv/profile"),
    ],
    ids=["default", "follows-data-dir", "explicit"],
)
def test_the_browser_profile_follows_the_data_dir_unless_set(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch, env: dict[str, str], expected: str
) -> None:
    """Two bots on two data dirs never share a browser profile by default (one would meet the other's lock)."""
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    assert Settings().browser_profile_dir == Path(expected)
