"""A site update, start to end, on page build 2 (issue 16.4): the bot with the old profile halts before arming, with
a screenshot and the probe command in its halt; that very command writes a profile with which the bot arms and
bets."""

from __future__ import annotations

import json
import os
import re
import shlex
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


def test_the_old_profile_halts_with_the_probe_command_whose_fix_arms_and_bets(tmp_path: Path) -> None:
    if not browser_available():
        pytest.skip("no Chromium found")
    env = {
        **os.environ,
        "RUGSBOT_DATA_DIR": str(tmp_path / "var"),
        "RUGSBOT_RECORDINGS_DIR": str(tmp_path / "rec"),
        "RUGSBOT_BROWSER_PROFILE_DIR": str(tmp_path / "profile"),
        "RUGSBOT_WALLET_PASSWORD": "probe-test-pw",
        "RUGSBOT_PROFILES_DIR": str(tmp_path / "profiles"),  # not there yet: the probe creates it
    }
    # --no-dashboard: the console is not under test, and parallel runs would share its default 127.0.0.1:8780
    run_args = (
        "run",
        "--sim-url",
        "--practice",
        "--headless",
        "--games",
        "2",
        "--no-trace",
        "--no-dashboard",
    )
    # every game rugs at tick 60, drawn provably fair: the bot's auditor must find nothing wrong
    sim = start_sim_in_thread(SimConfig(speed=8, seed="fixed-bets", players=4, page_build=2, rug_at=(60,)))
    try:
        # 1. the old (build-1) selectors: halted before arming
        old = _cli(env, *run_args[:2], sim.url, *run_args[2:], "--profile", "sim")
        assert old.returncode == 3, (old.stdout + old.stderr)[-3000:]
        assert sim.truth().sidebet_requests == {}  # armed never, clicked never
        resumed = _cli(env, "resume", "--json")
        [halt] = json.loads(resumed.stdout)["cleared"]  # the halt was persisted, with its kind
        assert halt["source"] == "guard:alarm:page_control_missing"
        reason = halt["reason"]
        assert "sidebet_button" in reason and "amount_input" in reason, reason
        log = (tmp_path / "var" / "logs" / "rugsbot.jsonl").read_text().splitlines()
        messages = [json.loads(line)["message"] for line in log]
        shots = [m.split(": ", 1)[1] for m in messages if re.match(r"failure evidence saved: \S+\.png$", m)]
        assert shots and all(Path(p).is_file() and Path(p).stat().st_size > 0 for p in shots)
        # 2. the command the halt names, exactly
        command = re.search(r"run `(rugsbot probe [^`]+)`", reason)
        assert command is not None, reason
        words = shlex.split(command.group(1))
        fixed = Path(words[words.index("--fix-profile") + 1])
        assert words[:3] == ["rugsbot", "probe", sim.url] and words[3:5] == ["--profile", "sim"]
        assert fixed == tmp_path / "profiles" / "sim-fixed.toml"
        assert f"run with `--profile {fixed}`" in reason
        probe = _cli(env, *words[1:], "--listen", "1", "--json")
        assert probe.returncode == 1, probe.stderr[-2000:]
        missing = [c["name"] for c in json.loads(probe.stdout)["controls"] if c["checked"] and not c["found"]]
        assert sorted(missing) == ["amount_input", "sidebet_button"]

        # 3. the fixed profile arms and bets
        run = _cli(env, *run_args[:2], sim.url, *run_args[2:], "--profile", str(fixed))
        assert run.returncode == 0, (run.stdout + run.stderr)[-3000:]
        truth = sim.truth()
    finally:
        sim.stop()
    [account] = truth.accounts
    bets = [b for b in truth.bets if b.player_id == account.player_id]
    assert bets and truth.sidebet_requests[account.player_id] == len(bets)  # it bet, once per click
    assert all(not g.forced for g in truth.games)
