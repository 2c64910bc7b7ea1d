"""Profiles: strict TOML, cross-field checks, one-line errors naming file, key and problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from bot.config import ConfigError, Mode, load_profile
from bot.config.profile import (
    BUILTIN_PROFILES_DIR,
    Profile,
    available_profiles,
    find_profile,
    profile_from_dict,
)

SHIPPED = ["default", "sim", "practice", "live-example"]


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_profiles_validate(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # from any directory: they ship inside the package
    profile = load_profile(name, Path("profiles"))
    assert profile.name == name
    assert find_profile(name, Path("profiles")) == BUILTIN_PROFILES_DIR / f"{name}.toml"


def test_default_profile_is_dry_run() -> None:
    assert load_profile("default").mode is Mode.DRY_RUN
    assert Profile().mode is Mode.DRY_RUN


def test_user_profiles_are_searched_first(tmp_path: Path) -> None:
    (tmp_path / "default.toml").write_text('name = "mine"\nmode = "practice"\n')
    assert load_profile("default", tmp_path).name == "mine"
    assert load_profile("default", tmp_path / "absent").name == "default"
    assert set(SHIPPED) <= set(available_profiles(tmp_path))


def test_profile_from_another_directory_on_the_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("RUGSBOT_PROFILES_DIR", raising=False)
    assert main(["show-config", "--profile", "default"]) == 0
    assert "Dry-run with the honest EV rule" in capsys.readouterr().out


BROKEN = [
    # (toml text, key named in the error, words in the problem)
    ('mode = "live"\n', "(whole file)", "a live profile must also set confirm_live"),
    ("confirm_live = true\n", "(whole file)", "only makes sense"),
    ("[guards]\nmax_stake_per_bet_sol = -1\n", "guards.max_stake_per_bet_sol", "greater than 0"),
    ("[guards]\nmax_stak_per_bet_sol = 0.01\n", "guards.max_stak_per_bet_sol", "unknown key"),
    ("colour = 'red'\n", "colour", "unknown key"),
    ('mode = "yolo"\n', "mode", "Input should be"),
    ("[guards]\nmax_consecutive_losses = 'many'\n", "guards.max_consecutive_losses", "integer"),
    (
        "[guards]\nmax_stake_per_bet_sol = 0.5\nmax_stake_per_game_sol = 0.1\n",
        "guards",
        "max_stake_per_game_sol",
    ),
    ("[timing]\nclick_latency_s = 0\n", "timing.click_latency_s", "greater than 0"),
    ("this is = not toml [\n", "(whole file)", "not valid TOML"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "(whole file)", "not UTF-8 text (byte 0x89 at offset 0)"),
    ("name = 'caf\u00e9'\n".encode("latin-1"), "(whole file)", "not UTF-8 text (byte 0xe9 at offset 11)"),
    ("[[engine.strategies]]\nparams = {}\n", "engine.strategies.0.name", "Field required"),
]


@pytest.mark.parametrize(("text", "key", "problem"), BROKEN)
def test_broken_profile_names_file_key_problem(
    tmp_path: Path, text: str | bytes, key: str, problem: str
) -> None:
    path = tmp_path / "broken.toml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    with pytest.raises(ConfigError) as info:
        load_profile(str(path))
    err = info.value
    assert err.source == str(path)
    assert err.key == key
    assert problem in err.problem
    assert "\n" not in str(err)
    assert not err.problem.startswith("Value error")  # pydantic's prefix says nothing


@pytest.mark.parametrize(("text", "key", "problem"), [*BROKEN[:4], *BROKEN[-3:-1]])
def test_cli_exit_code_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str | bytes, key: str, problem: str
) -> None:
    path = tmp_path / "broken.toml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    assert main(["show-config", "--profile", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert str(path) in err and key in err and problem in err
    assert "Traceback" not in err


def test_a_folder_or_a_missing_file_is_the_whole_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "folder.toml"
    folder.mkdir()
    for path, problem in (
        (folder, "cannot read: Is a directory"),
        (tmp_path / "no.toml", "profile file not found"),
    ):
        assert main(["show-config", "--profile", str(path)]) == 2
        assert capsys.readouterr().err == f"rugsbot show-config: {path}: (whole file): {problem}\n"


def test_missing_profile_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found") as info:
        load_profile("nope", tmp_path)
    # one line naming both folders searched and what is there
    text = str(info.value)
    assert "\n" not in text and str(tmp_path) in text and str(BUILTIN_PROFILES_DIR) in text
    assert "'default'" in text and "'sim'" in text
    with pytest.raises(ConfigError, match="not found"):
        load_profile(str(tmp_path / "nope.toml"), tmp_path)  # a path is used as given, never searched for


def test_live_profile_requires_both_flags() -> None:
    live = profile_from_dict({"mode": "live", "confirm_live": True})
    assert live.mode is Mode.LIVE
    assert live.coin == "So11111111111111111111111111111111111111112"
    assert profile_from_dict({"mode": "practice"}).coin == "0xPractice"


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_profiles_strategies_load(name: str, tmp_path: Path) -> None:
    from bot.engine.ranking import Decider

    profile = load_profile(name)
    decider = Decider(profile.engine, tmp_path)  # an empty user folder: the built-ins alone
    assert [s.name for s, _ in decider.strategies] == [s.name for s in profile.engine.strategies]
