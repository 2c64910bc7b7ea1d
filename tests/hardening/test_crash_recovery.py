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
from collections import Counter
from pathlib import Path

import pytest

from bot.money import PRACTICE_COIN
from bot.sim.runner import free_port, state_of, wait_for_sim
from tests.execution.conftest import browser_available

REPO = Path(__file__).resolve().parents[2]


def _run(env: dict[str, str], url: str, games: int, crash_at: str | None, timeout: float = 240) -> int:
    e = dict(env)
    if crash_at:
        e["RUGSBOT_CRASH_AT"] = crash_at
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "bot.cli",
            "run",
            "--sim-url",
            url,
            "--profile",
            "sim",
            "--practice",
            "--headless",
            "--games",
            str(games),
            "--no-trace",
        ],
        env=e,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    (Path(env["RUGSBOT_DATA_DIR"]) / f"run-{crash_at or 'restart'}.log").write_text(proc.stdout + proc.stderr)
    return proc.returncode


def _bets(db: Path) -> list[tuple[str, str, int, int, str]]:
    with sqlite3.connect(db) as conn:
        return list(
            conn.execute(
                "SELECT bet_id, status, amount_lamports, payout_lamports, game FROM bets ORDER BY seq"
            )
        )


def statuses_count(bets: list[tuple[str, str, int, int, str]], status: str) -> int:
    return sum(1 for b in bets if b[1] == status)


POINTS = [
    pytest.param("after_click"),
    pytest.param("after_intent", marks=pytest.mark.crash),
    pytest.param("before_confirm", marks=pytest.mark.crash),
    pytest.param("before_settle", marks=pytest.mark.crash),
]


@pytest.mark.browser
@pytest.mark.skipif(not browser_available(), reason="no Chromium found")
@pytest.mark.parametrize("point", POINTS)
def test_sigkill_and_restart(tmp_path: Path, point: str) -> None:
    port = free_port()
    sim = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bot.cli",
            "sim",
            "--port",
            str(port),
            "--seed",
            f"crash-{point}",
            "--speed",
            "8",
            "--rug-at",
            "60",  # short games of a known length (drawn provably fair): no waiting on random rugs
            "--practice-balance",
            "100",
        ],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_sim(url)
        env = {
            **os.environ,
            "RUGSBOT_DATA_DIR": str(tmp_path / "var"),
            "RUGSBOT_RECORDINGS_DIR": str(tmp_path / "rec"),
            "RUGSBOT_BROWSER_PROFILE_DIR": str(tmp_path / "profile"),
            "RUGSBOT_WALLET_PASSWORD": "crash-test-pw",
        }
        code = _run(env, url, games=8, crash_at=point)
        assert code == -signal.SIGKILL, f"the bot should have died at {point} (exit {code})"
        db = tmp_path / "var" / "rugsbot.db"
        before = _bets(db)
        assert before and before[-1][1] not in ("won", "lost"), before  # died with a bet in flight

        code = _run(env, url, games=2, crash_at=None)
        assert code == 0, (tmp_path / "var" / "run-restart.log").read_text()[-3000:]
        after = _bets(db)
        truth = state_of(url)
        # every bet ends settled, confirmed (still running when the second run stopped) or reconciled
        assert all(
            status in ("won", "lost", "confirmed", "cancelled", "rejected") for _, status, *_ in after
        ), after
        statuses = {b[0]: b[1] for b in after}
        assert statuses[before[-1][0]] in ("won", "lost", "cancelled"), after  # the crashed bet was explained
        accounts = truth["accounts"]
        assert isinstance(accounts, list) and len(accounts) == 1
        me = accounts[0]["player_id"]
        mine = [b for b in truth["bets"] if b["player_id"] == me]
        placed = [b for b in after if b[1] in ("won", "lost", "confirmed")]
        # no double bet: the server saw exactly the bets the database says were placed, once each
        requests = truth["sidebet_requests"].get(me, 0)
        assert requests == len(placed) + statuses_count(after, "rejected")
        assert len(mine) == len(placed)
        server_side = Counter(
            (b["game_id"], b["amount_lamports"], b["outcome"], b["payout_lamports"]) for b in mine
        )
        ours = Counter((b[4], b[2], b[1], b[3]) for b in after if b[1] in ("won", "lost"))
        assert not ours - server_side, (
            ours,
            server_side,
        )  # every settled bet is the server's, outcome and payout
        open_at_exit = [b for b in after if b[1] == "confirmed"]
        late = server_side - ours
        assert sum(late.values()) == len(open_at_exit)
        late_payouts = sum(k[3] * n for k, n in late.items())
        server_now = int(accounts[0]["balances"][PRACTICE_COIN])
        start = 100 * 10**9
        assert server_now == start - sum(b["amount_lamports"] for b in mine) + sum(
            b["payout_lamports"] for b in mine
        )
        # the ledger equals the server's balance as of the bot's exit (a bet open at exit may settle after it)
        status = subprocess.run(
            [sys.executable, "-m", "bot.cli", "status", "--json"],
            env=env,
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=60,
        )
        state = json.loads(status.stdout)
        assert state["last_session"]["bankroll_lamports"] == server_now - late_payouts, state
        assert state["halt"] is None, state
    finally:
        sim.send_signal(signal.SIGINT)
        try:
            sim.wait(timeout=10)
        except subprocess.TimeoutExpired:
            sim.kill()


def test_a_halt_active_when_the_process_is_killed_stays_active(tmp_path: Path) -> None:
    """The halt row is fsync'd before anything else, so SIGKILL right after the alarm cannot lose it: a new
    ``rugsbot run`` refuses to start (exit 3, before any browser) and ``status`` shows the reason."""
    data = tmp_path / "var"
    script = (
        "import os, signal, sys; from pathlib import Path\n"
        "from tests.risk.helpers import make_governor\n"
        f"gov = make_governor(Path({str(data / 'rugsbot.db')!r}), durable=True, mode='PRACTICE', logged_in=True)\n"
        "gov.alarm('signing_request', 'the page asked for a transaction signature')\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    data.mkdir()
    died = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert died.returncode == -signal.SIGKILL, died.stderr
    env = {
        **os.environ,
        "RUGSBOT_DATA_DIR": str(data),
        "RUGSBOT_RECORDINGS_DIR": str(tmp_path / "rec"),
        "RUGSBOT_BROWSER_PROFILE_DIR": str(tmp_path / "profile"),
    }
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "bot.cli",
            "run",
            "--sim",
            "--profile",
            "sim",
            "--practice",
            "--headless",
            "--games",
            "1",
            "--no-trace",
        ],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 3, run.stdout + run.stderr
    assert "transaction signature" in run.stdout + run.stderr
    assert "on profile" not in run.stdout + run.stderr  # refused before a browser was launched (its log line)
    status = subprocess.run(
        [sys.executable, "-m", "bot.cli", "status", "--json"],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert status.returncode == 3
    assert "transaction signature" in json.loads(status.stdout)["halt"]["reason"]
