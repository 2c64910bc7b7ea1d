"""Ordinary restarts against a simulator that outlives the bot, held against the simulator's own book.

Real everything: a ``rugsbot sim`` process, ``rugsbot run`` processes in headless Chromium with the stand-in
wallet and a persistent wallet (``RUGSBOT_WALLET_PASSWORD``: every practice run is the same account), the
SQLite database on disk, ``rugsbot bets --json`` and ``rugsbot status --json`` as an operator runs them.

* Repro 1: a run that places no bet, then a run with the same balance — the second one bets.
* The acceptance "interrupted bet": a practice run SIGTERMed right after its first click, then ``run --dry-run
  --games 1``, then ``run --practice --games 2``: every practice bet equals the server's book (won or lost as
  the server says, cancelled only if the server never took it), no two bets overlap in a game, the server got
  exactly one request per bet, runs 2 and 3 exit 0, and nothing halts.
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.sim.runner import free_port, state_of, wait_for_sim
from tests.execution.conftest import browser_available

REPO = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.browser, pytest.mark.skipif(not browser_available(), reason="no Chromium found")]


@pytest.fixture(scope="module")
def sim_url() -> Iterator[str]:
    port = free_port()
    sim = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "sim", "--port", str(port), "--seed", "restarts", "--speed", "4",
         "--practice-balance", "100"],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_sim(url)
        yield url
    finally:
        sim.send_signal(signal.SIGINT)
        try:
            sim.wait(timeout=10)
        except subprocess.TimeoutExpired:
            sim.kill()


def _env(tmp: Path) -> dict[str, str]:
    return {
        **os.environ,
        "RUGSBOT_DATA_DIR": str(tmp / "var"),
        "RUGSBOT_RECORDINGS_DIR": str(tmp / "rec"),
        "RUGSBOT_BROWSER_PROFILE_DIR": str(tmp / "profile"),
        "RUGSBOT_WALLET_PASSWORD": "restart-test-pw",
    }


def _run_args(url: str, profile: str, *extra: str) -> list[str]:
    # --no-dashboard: the console is not under test, and parallel runs would share its default 127.0.0.1:8780
    return [sys.executable, "-m", "bot.cli", "run", "--sim-url", url, "--profile", profile, "--headless",
            "--no-trace", "--no-dashboard", *extra]  # fmt: skip


def _run(env: dict[str, str], args: list[str], log: Path, timeout: float = 300) -> int:
    proc = subprocess.run(args, env=env, cwd=REPO, capture_output=True, text=True, timeout=timeout)
    log.write_text(proc.stdout + proc.stderr)
    return proc.returncode


def _cli(env: dict[str, str], *args: str) -> tuple[int, Any]:
    proc = subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return proc.returncode, json.loads(proc.stdout)


def _profile(tmp: Path, start_tick: int) -> Path:
    text = (
        (REPO / "bot" / "profiles" / "sim.toml")
        .read_text()
        .replace("start_tick = 5,", f"start_tick = {start_tick},")
    )
    assert f"start_tick = {start_tick}" in text
    path = tmp / f"sim-{start_tick}.toml"
    path.write_text(text)
    return path


def test_repro1_a_restart_with_an_unchanged_balance_bets_again(sim_url: str, tmp_path: Path) -> None:
    env = _env(tmp_path)
    quiet = _profile(tmp_path, 5000)  # places no bet: the balance is the same at the next start
    assert _run(env, _run_args(sim_url, str(quiet), "--practice", "--games", "1"), tmp_path / "run1.log") == 0
    code, st = _cli(env, "status", "--json")
    assert st["last_session"]["bets"] == 0
    assert _run(env, _run_args(sim_url, "sim", "--practice", "--games", "2"), tmp_path / "run2.log") == 0, (
        tmp_path / "run2.log"
    ).read_text()[-3000:]
    code, st = _cli(env, "status", "--json")
    assert code == 0 and st["halt"] is None
    assert st["last_session"]["bets"] >= 1, (tmp_path / "run2.log").read_text()[-3000:]


def _run_until_first_click(env: dict[str, str], args: list[str], log: Path, timeout: float = 240) -> int:
    """Start a run and SIGTERM it right after its first click (the broker's "clicked side bet" line)."""
    with log.open("w") as out:
        proc = subprocess.Popen(args, env=env, cwd=REPO, stdout=out, stderr=subprocess.STDOUT, text=True)
        deadline = time.monotonic() + timeout
        try:
            while "clicked side bet" not in log.read_text():
                assert proc.poll() is None, f"the run ended before any click:\n{log.read_text()[-3000:]}"
                assert time.monotonic() < deadline, f"no click within {timeout:g} s"
                time.sleep(0.02)
            proc.send_signal(signal.SIGTERM)
            return proc.wait(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()


def test_an_interrupted_bet_is_booked_as_the_server_says(sim_url: str, tmp_path: Path) -> None:
    env = _env(tmp_path)
    _run_until_first_click(env, _run_args(sim_url, "sim", "--practice"), tmp_path / "run1.log")
    _, after_stop = _cli(env, "bets", "--json", "--all")
    interrupted = after_stop["bets"][-1]
    assert interrupted["mode"] == "PRACTICE" and interrupted["status"] not in ("won", "lost"), after_stop
    dry = _run(env, _run_args(sim_url, "sim", "--dry-run", "--games", "1"), tmp_path / "run2.log")
    assert dry == 0, (tmp_path / "run2.log").read_text()[-3000:]
    _, after_dry = _cli(env, "bets", "--json", "--all")
    still = next(b for b in after_dry["bets"] if b["bet_id"] == interrupted["bet_id"])
    assert still["status"] == interrupted["status"], "a dry-run never touches a real bet"
    practice = _run(env, _run_args(sim_url, "sim", "--practice", "--games", "2"), tmp_path / "run3.log")
    assert practice == 0, (tmp_path / "run3.log").read_text()[-3000:]

    _, listed = _cli(env, "bets", "--json", "--all")
    code, st = _cli(env, "status", "--json")
    truth = state_of(sim_url)
    assert code == 0 and st["halt"] is None, st
    ours = [b for b in listed["bets"] if b["mode"] == "PRACTICE"]
    me = {b["account"] for b in ours}
    assert len(me) == 1, me  # the persistent wallet: one account
    (pid,) = me
    server = {(b["game_id"], b["start_tick"]): b for b in truth["bets"] if b["player_id"] == pid}
    taken = [b for b in ours if (b["game_id"], b["start_tick"]) in server]
    for b in ours:
        s = server.get((b["game_id"], b["start_tick"]))
        if b["status"] in ("won", "lost"):
            assert s is not None and s["outcome"] == b["status"], (b, s)
            assert (
                s["payout_lamports"] == b["payout_lamports"] and s["amount_lamports"] == b["amount_lamports"]
            )
        elif b["status"] == "cancelled":
            assert s is None, f"cancelled, but the server took it: {b} {s}"
        elif b["status"] == "confirmed":
            assert s is not None, b  # still running when run 3 stopped: the server has it
        else:
            assert b["status"] == "rejected" and s is None, b
    assert interrupted["bet_id"] in {b["bet_id"] for b in taken}, (
        "the interrupted click was taken by the server"
    )
    assert len(server) == len(taken), "every bet the server holds for this account is one of ours"
    requests = truth["sidebet_requests"].get(pid, 0)
    assert requests == len(taken) + sum(b["status"] == "rejected" for b in ours), "one request per bet"
    for game, group in itertools.groupby(
        sorted(taken, key=lambda b: (b["game_id"], b["start_tick"])), key=lambda b: b["game_id"]
    ):
        windows = [(b["start_tick"], b["end_tick"]) for b in group]
        assert all(a[1] <= b[0] for a, b in itertools.pairwise(windows)), (game, windows)
    halts = [e for e in st["recent_guard_events"] if e["action"] == "halt"]
    assert not halts, halts
