"""``doctor`` checks the browser-profile folder the run will actually use: one rule decides it for both
(issue 13, "the profile-lock check looks at a different folder than simulator runs use")."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr

from bot.app.target import ExternalSim, LiveOptions, open_target
from bot.config import Settings
from bot.config.profile import load_profile
from bot.ops.doctor import DoctorInputs


@pytest.mark.parametrize("sim", [False, True])
@pytest.mark.parametrize("password", [None, "", "hunter2"])
def test_doctor_and_the_run_pick_the_same_profile_folder(
    tmp_path: Path, sim: bool, password: str | None
) -> None:
    settings = Settings(
        data_dir=tmp_path / "var",
        browser_profile_dir=tmp_path / "profile",
        wallet_password=None if password is None else SecretStr(password),
        url=None,
    )
    target = open_target(
        settings,
        load_profile("sim"),
        LiveOptions(headless=True, sim=sim),
        ExternalSim("http://127.0.0.1:9") if sim else None,
    )
    try:
        used = None if target.throwaway else target.profile_dir
        assert DoctorInputs(settings, sim=sim).browser_profile_dir() == used
        if target.throwaway:  # a throw-away folder is a fresh one under the data dir, never a shared one
            assert target.profile_dir.parent == settings.data_dir / "browser-tmp"
    finally:
        target.close()
