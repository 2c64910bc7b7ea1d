"""``rugsbot sim`` as a real subprocess: prints the URL, serves, stops cleanly on Ctrl-C (SIGINT)."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_sim_command_serves_and_stops_on_sigint() -> None:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bot.cli",
            "sim",
            "--port",
            "0",
            "--seed",
            "cli",
            "--speed",
            "20",
            "--faults",
            "duplicate:2@1",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        m = re.search(r"open (http://127\.0\.0\.1:\d+)/", line)
        assert m, line
        url = m.group(1)
        with urllib.request.urlopen(url + "/__sim/state", timeout=5) as r:
            state = json.loads(r.read())
        assert state["game_id"][:8].isdigit()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "stopped" in out


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--faults", "explode@3"], 2, "unknown fault"),
        (["--speed", "0"], 2, "speed"),
        (["--rug-at", "0"], 2, ">= 1"),
        (["--rug-at", "30,x"], 2, "whole number"),
        (["--page-build", "3"], 2, "invalid choice"),
    ],
)
def test_sim_command_refuses_bad_arguments(args: list[str], code: int, message: str) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "bot.cli", "sim", "--port", "0", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert proc.returncode == code and message in proc.stderr


def test_sim_flags_reach_the_server_balances_and_faults() -> None:
    from bot.cli import build_parser
    from bot.commands.sim import build_config
    from bot.sim.runner import start_sim_in_thread
    from tests.sim.wire import RawClient

    args = build_parser(["sim"]).parse_args(
        [
            "sim",
            "--port",
            "0",
            "--speed",
            "20",
            "--seed",
            "flags",
            "--sol-balance",
            "0.25",
            "--practice-balance",
            "50",
            "--faults",
            "reject:2@0",
        ]
    )
    h = start_sim_in_thread(build_config(args))
    try:
        with RawClient(h.ws_url) as c:
            assert c.login()["success"] is True
            _, pu = c.wait_event("playerUpdate")
        assert pu["cash"] == 0.25 and pu["shitcoinBalances"] == {"0xPractice": 50.0}
        assert "reject next 2" in h.truth().faults_active
        assert h.fault("stall", seconds=0.5).value == 0.5
        with pytest.raises(TypeError):
            h.fault("stall", 1, seconds=2)
    finally:
        h.stop()


def test_site_build_and_rug_flags_reach_the_config() -> None:
    from bot.cli import build_parser
    from bot.commands.sim import build_config

    args = build_parser(["sim"]).parse_args(
        [
            "sim",
            "--rug-at",
            "30, 90",
            "--page-build",
            "2",
            "--protocol-drift",
            "--faults",
            "blackhole@5,rug:40@9",
        ]
    )
    config = build_config(args)
    assert (config.rug_at, config.page_build, config.protocol_drift) == ((30, 90), 2, True)
    defaults = build_config(build_parser(["sim"]).parse_args(["sim"]))
    assert (defaults.rug_at, defaults.page_build, defaults.protocol_drift) == ((), 1, False)
