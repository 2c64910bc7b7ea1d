"""The proof of a fix: ``rugsbot run`` with ``probe --fix-profile``'s output arms and bets on page build 2."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.sim.config import SimConfig
from bot.sim.runner import start_sim_in_thread
from tests.execution.conftest import browser_available

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.browser


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=240,
    )


def test_the_fixed_profile_arms_and_bets_on_build_2(tmp_path: Path) -> None:
    if not browser_available():
        pytest.skip("no Chromium found")
    env = {
        **os.environ,
        "RUGSBOT_DATA_DIR": str(tmp_path / "var"),
        "RUGSBOT_RECORDINGS_DIR": str(tmp_path / "rec"),
        "RUGSBOT_BROWSER_PROFILE_DIR": str(tmp_path / "profile"),
        "RUGSBOT_WALLET_PASSWORD": "probe-test-pw",
    }
    # every game rugs at tick 60, drawn provably fair: the bot's auditor must find nothing wrong
    sim = start_sim_in_thread(SimConfig(speed=8, seed="fixed-bets", players=4, page_build=2, rug_at=(60,)))
    try:
        fixed = tmp_path / "fixed.toml"
        probe = _cli(
            env,
            "probe",
            sim.url + "/",
            "--profile",
            "sim",
            "--listen",
            "1",
            "--fix-profile",
            str(fixed),
            "--json",
        )
        assert probe.returncode == 1, probe.stderr[-2000:]
        missing = [c["name"] for c in json.loads(probe.stdout)["controls"] if c["checked"] and not c["found"]]
        assert sorted(missing) == ["amount_input", "sidebet_button"]

        run = _cli(
            env,
            "run",
            "--sim-url",
            sim.url,
            "--profile",
            str(fixed),
            "--practice",
            "--headless",
            "--games",
            "2",
            "--no-trace",
        )
        assert run.returncode == 0, (run.stdout + run.stderr)[-3000:]
        truth = sim.truth()
    finally:
        sim.stop()
    [account] = truth.accounts
    bets = [b for b in truth.bets if b.player_id == account.player_id]
    assert bets and truth.sidebet_requests[account.player_id] == len(bets)  # it bet, once per click
    assert all(not g.forced for g in truth.games)
