"""show-config prints TOML (or JSON) with the source of every value: no Python reprs, nothing left out,
secrets masked, and the printed profile loads back as the same profile."""

from __future__ import annotations

import json
import os
import tomllib
from pathlib import Path
from typing import Any

import pytest

from bot.cli import main
from bot.config import load_profile
from bot.config.profile import Profile, profile_from_dict

REPO = Path(__file__).resolve().parents[2]
SECRET = "correct-horse-battery-staple-9f"
SOURCES = {"cli", "env", "profile", "default"}


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for key in list(os.environ):
        if key.startswith("RUGSBOT_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("RUGSBOT_PROFILES_DIR", str(REPO / "profiles"))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _show(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    assert main(["show-config", *argv]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    return captured.out


def _leaves(tree: dict[str, Any], prefix: str = "") -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for k, v in tree.items():
        if isinstance(v, dict) and set(v) == {"value", "source"}:
            out[prefix + k] = v
        else:
            out.update(_leaves(v, f"{prefix}{k}."))
    return out


def _fields(model_dump: dict[str, Any], prefix: str = "") -> set[str]:
    """Every field path of a model, from pydantic's own dump (lists are one value)."""
    out: set[str] = set()
    for k, v in model_dump.items():
        if isinstance(v, dict):
            out |= _fields(v, f"{prefix}{k}.")
        else:
            out.add(prefix + k)
    return out


@pytest.mark.parametrize("name", ["default", "sim", "practice", "live-example"])
def test_toml_loads_back_as_the_same_profile(
    clean_env: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    text = _show(capsys, "--profile", name)
    doc = tomllib.loads(text)  # valid TOML
    assert profile_from_dict(doc["profile"]) == load_profile(name, REPO / "profiles")
    assert "<" not in text and "Mode." not in text and "PosixPath" not in text  # no Python reprs
    commented = [ln for ln in text.splitlines() if " = " in ln and not ln.startswith(("#", "[", "params"))]
    assert commented and all(ln.rsplit("# ", 1)[1] in SOURCES for ln in commented if "  # " in ln)


@pytest.mark.parametrize("name", ["default", "sim"])
def test_json_has_every_value_with_a_source(
    clean_env: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    data = json.loads(_show(capsys, "--json", "--profile", name))
    leaves = _leaves(data)
    assert all(leaf["source"] in SOURCES for leaf in leaves.values())
    profile = load_profile(name, REPO / "profiles")
    assert {k.removeprefix("profile.") for k in leaves if k.startswith("profile.")} == _fields(
        profile.model_dump()
    )
    assert {k.removeprefix("settings.") for k in leaves if k.startswith("settings.")} >= {
        "data_dir",
        "wallet_password",
        "browser_profile_dir",
        "url",
    }
    assert {k for k in leaves if k.startswith("resolved.")} == {
        "resolved.mode",
        "resolved.headless",
        "resolved.url",
        "resolved.log_level",
    }
    assert len(leaves) >= 50


# (argv, env, path, value, source)
CASES: list[tuple[list[str], dict[str, str], str, object, str]] = [
    (["--profile", "sim"], {}, "resolved.mode", "practice", "profile"),
    (["--profile", "sim", "--dry-run"], {}, "resolved.mode", "dry-run", "cli"),
    (["--profile", "sim", "--headed"], {}, "resolved.headless", False, "cli"),
    ([], {}, "resolved.mode", "dry-run", "default"),
    ([], {"RUGSBOT_URL": "http://127.0.0.1:9"}, "resolved.url", "http://127.0.0.1:9", "env"),
    ([], {"RUGSBOT_LOG_LEVEL": "DEBUG"}, "resolved.log_level", "DEBUG", "env"),
    ([], {"RUGSBOT_DATA_DIR": "/srv/rugsbot"}, "settings.data_dir", "/srv/rugsbot", "env"),
    ([], {}, "settings.data_dir", "var", "default"),
    ([], {}, "settings.wallet_password", None, "default"),
    ([], {"RUGSBOT_WALLET_PASSWORD": SECRET}, "settings.wallet_password", "***", "env"),
    (["--profile", "sim"], {}, "profile.guards.max_stake_per_bet_sol", 0.05, "profile"),
    (["--profile", "sim"], {}, "profile.guards.feed_silent_s", 5.0, "default"),
    (["--profile", "sim"], {}, "profile.engine.max_tightening", 0.5, "default"),
    (["--profile", "sim"], {}, "profile.browser.allowed_origins", ["http://127.0.0.1"], "profile"),
    (["--profile", "sim"], {}, "profile.mode", "practice", "profile"),
    (["--profile", "default"], {}, "profile.browser.headless", True, "default"),
]


@pytest.mark.parametrize(("argv", "env", "path", "value", "source"), CASES)
def test_value_and_source(
    clean_env: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    env: dict[str, str],
    path: str,
    value: object,
    source: str,
) -> None:
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    leaf = _leaves(json.loads(_show(capsys, "--json", *argv)))[path]
    assert leaf == {"value": value, "source": source}
    text = _show(capsys, *argv)
    section, _, key = path.rpartition(".")
    doc: Any = tomllib.loads(text)
    for part in section.split("."):
        doc = doc[part]
    assert doc.get(key) == value
    shown = next(ln for ln in text.splitlines() if ln.lstrip("# ").startswith(key + " "))
    assert shown.endswith(f"# {source}")


KEYED_STRATEGY = """
from bot.engine.params import FloatParam, StrParam
from bot.engine.strategy import Strategy


class Keyed(Strategy):
    name = "keyed"
    interface_version = 2
    stake_sol = FloatParam(0.001, min=0.001, max=1.0, help="stake")
    api_token = StrParam("", help="a token")
    note = StrParam("", help="a note")

    def propose(self, ctx):
        return None
"""


def test_strategy_list_source_and_secret_named_keys(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("RUGSBOT_WALLET_PASSWORD", SECRET)
    # a user strategy (strategies dir) declaring secret-named params: profiles may only give declared ones
    (clean_env / "strategies").mkdir()
    (clean_env / "strategies" / "keyed.py").write_text(KEYED_STRATEGY)
    path = clean_env / "p.toml"
    path.write_text(
        'name = "p"\n[[engine.strategies]]\nname = "keyed"\n'
        f'params = {{ stake_sol = 0.002, api_token = "tok-123", note = "{SECRET}" }}\n'
    )
    text = _show(capsys, "--profile", str(path))
    data = json.loads(_show(capsys, "--json", "--profile", str(path)))
    for out in (text, json.dumps(data)):
        assert SECRET not in out and "tok-123" not in out
    assert "[[profile.engine.strategies]]  # profile" in text
    (strategy,) = data["profile"]["engine"]["strategies"]["value"]
    assert strategy["params"] == {"stake_sol": 0.002, "api_token": "***", "note": "***"}
    assert Profile.model_fields.keys() <= data["profile"].keys()
