"""SIGKILL the bot at each step of a bet's life, restart it, and hold it against the simulator's truth.

Real everything: a simulator process that outlives the bot, `rugsbot run` in practice mode in headless
Chromium with the stand-in wallet, the SQLite database on disk. The bot kills itself at a named point
(bot/faultpoints.py) — after the intent row, after the click left the page, before the confirmation is
applied, before the settlement is applied — then a new process runs on the same database and profile.
Afterwards: no bet was placed twice (the server received exactly as many requests as the database has clicked
bets), every bet is settled or reconciled, the ledger equals the simulator's balance, no halt.
One crash point runs by default; all four with ``-m crash``.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from bot.browser.errors import BrowserNotFound
from bot.browser.launch import find_browser
from bot.config import Settings
from bot.money import PRACTICE_COIN

REPO = Path(__file__).resolve().parents[2]


def _browser() -> bool:
    try:
        find_browser(Settings())
    except BrowserNotFound:
        return False
    return True


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _truth(url: str) -> dict[str, object]:
    with urllib.request.urlopen(url + "/__sim/state", timeout=10) as r:
        return json.loads(r.read())  # type: ignore[no-any-return]


def _run(env: dict[str, str], url: str, games: int, crash_at: str | None, timeout: float = 240) -> int:
    e = dict(env)
    if crash_at:
        e["RUGSBOT_CRASH_AT"] = crash_at
    proc = subprocess.run([sys.executable, "-m", "bot.cli", "run", "--sim-url", url, "--profile", "sim",
                           "--practice", "--headless", "--games", str(games), "--no-trace"],
                          env=e, cwd=REPO, capture_output=True, text=True, timeout=timeout)
    (Path(env["RUGSBOT_DATA_DIR"]) / f"run-{crash_at or 'restart'}.log").write_text(proc.stdout + proc.stderr)
    return proc.returncode


def _bets(db: Path) -> list[tuple[str, str, int, int]]:
    with sqlite3.connect(db) as conn:
        return list(conn.execute("SELECT bet_id, status, amount_lamports, payout_lamports FROM bets ORDER BY seq"))


POINTS = [
    pytest.param("after_click"),
    pytest.param("after_intent", marks=pytest.mark.crash),
    pytest.param("before_confirm", marks=pytest.mark.crash),
    pytest.param("before_settle", marks=pytest.mark.crash),
]


@pytest.mark.browser
@pytest.mark.skipif(not _browser(), reason="no Chromium found")
@pytest.mark.parametrize("point", POINTS)
def test_sigkill_and_restart(tmp_path: Path, point: str) -> None:
    port = _free_port()
    sim = subprocess.Popen([sys.executable, "-m", "bot.cli", "sim", "--port", str(port), "--seed", f"crash-{point}",
                            "--speed", "8", "--practice-balance", "100"], cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                _truth(url)
                break
            except OSError:
                time.sleep(0.1)
        env = {**os.environ, "RUGSBOT_DATA_DIR": str(tmp_path / "var"), "RUGSBOT_RECORDINGS_DIR": str(tmp_path / "rec"),
               "RUGSBOT_BROWSER_PROFILE_DIR": str(tmp_path / "profile"), "RUGSBOT_WALLET_PASSWORD": "crash-test-pw"}
        code = _run(env, url, games=4, crash_at=point)
        assert code == -signal.SIGKILL, f"the bot should have died at {point} (exit {code})"
        db = tmp_path / "var" / "rugsbot.db"
        before = _bets(db)
        assert before and before[-1][1] not in ("won", "lost"), before  # died with a bet in flight

        code = _run(env, url, games=3, crash_at=None)
        assert code == 0, (tmp_path / "var" / "run-restart.log").read_text()[-3000:]
        after = _bets(db)
        truth = _truth(url)
        # every bet ends settled, confirmed (still running when the second run stopped) or reconciled
        assert all(status in ("won", "lost", "confirmed", "cancelled", "rejected") for _, status, _, _ in after), after
        crashed = before[-1][0]
        assert dict((b[0], b[1]) for b in after)[crashed] in ("won", "lost", "cancelled"), after
        accounts = truth["accounts"]
        assert isinstance(accounts, list) and len(accounts) == 1
        player = accounts[0]
        requests = sum(truth["sidebet_requests"].values())  # type: ignore[union-attr]
        placed = [b for b in after if b[1] in ("won", "lost", "confirmed")]
        assert requests == len(placed) + sum(1 for b in after if b[1] == "rejected"), (requests, after)
        server = int(player["balances"][PRACTICE_COIN])
        start = 100 * 10**9
        assert server == start - sum(b[2] for b in placed) + sum(b[3] for b in placed if b[1] == "won")
        status = subprocess.run([sys.executable, "-m", "bot.cli", "status", "--json"], env=env, cwd=REPO,
                                capture_output=True, text=True, timeout=60)
        state = json.loads(status.stdout)
        assert state["last_session"]["bankroll_lamports"] == server, state
        assert state["halt"] is None, state
    finally:
        sim.send_signal(signal.SIGINT)
        try:
            sim.wait(timeout=10)
        except subprocess.TimeoutExpired:
            sim.kill()
