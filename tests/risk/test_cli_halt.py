"""``rugsbot halt`` / ``resume`` / ``status`` as real subprocesses against the database a governor is using."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.bets.model import BetStatus, BrokerReport
from bot.exitcodes import EXIT_HALTED, EXIT_OK
from bot.risk.governor import Level
from bot.risk.verdict import Action
from tests.risk.helpers import MILLI, T0, bet, make_governor, snapshot, view

ROOT = Path(__file__).resolve().parents[2]


def cli(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "RUGSBOT_DATA_DIR": str(data_dir)}
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "var"


def test_halt_from_another_process_is_seen_within_one_tick(data_dir: Path) -> None:
    gov = make_governor(data_dir / "rugsbot.db")
    t = T0
    gov.tick(view(t), t)
    assert gov.state.level is Level.ACTIVE

    r = cli(data_dir, "halt", "--reason", "operator: smoke on the horizon")
    assert r.returncode == EXIT_OK, r.stderr
    assert "HALTED" in r.stdout

    t += 0.25  # the very next tick (250 ms of feed time > the 200 ms poll interval)
    gov.tick(view(t), t)
    assert gov.state.level is Level.HALTED
    assert gov.state.reasons == ("operator: smoke on the horizon",)
    assert gov.review(bet(MILLI), snapshot(gov, view(t))).action is Action.HALT

    st = cli(data_dir, "status", "--json")
    assert st.returncode == EXIT_HALTED, st.stderr
    data = json.loads(st.stdout)
    assert data["state"] == "HALTED" and data["halt"]["reason"] == "operator: smoke on the horizon"
    assert data["halt"]["source"].startswith("cli:")

    r = cli(data_dir, "resume", "--by", "tester")
    assert r.returncode == EXIT_OK and "cleared" in r.stdout
    t += 0.25
    gov.tick(view(t), t)
    assert gov.state.level is Level.ACTIVE
    assert cli(data_dir, "status").returncode == EXIT_OK


def test_halt_before_start_keeps_a_new_bot_halted(data_dir: Path) -> None:
    assert cli(data_dir, "halt").returncode == EXIT_OK
    gov = make_governor(data_dir / "rugsbot.db")
    assert gov.state.level is Level.HALTED
    assert gov.state.reasons == ("halted by the operator",)


def test_status_reports_last_session_pnl_bankroll_and_open_bets(data_dir: Path) -> None:
    assert json.loads(cli(data_dir, "status", "--json").stdout)["state"] == "NEVER RUN"
    gov = make_governor(data_dir / "rugsbot.db", bankroll_sol=0.5)
    t = T0
    for payout in (5 * MILLI, 0, 0):
        v = view(t)
        gov.tick(v, t)
        intent = gov.open_bet(bet(MILLI), v, gov.ledger.coin)
        gov.on_report(
            BrokerReport(
                intent.bet_id, BetStatus.WON if payout else BetStatus.LOST, t + 1, payout_lamports=payout
            )
        )
        t += 2
    intent = gov.open_bet(bet(2 * MILLI), view(t), gov.ledger.coin)
    gov.on_report(BrokerReport(intent.bet_id, BetStatus.UNKNOWN, t + 3, message="no confirmation"))

    r = cli(data_dir, "status", "--json")
    assert r.returncode == EXIT_OK, r.stderr
    s = json.loads(r.stdout)
    last = s["last_session"]
    assert (last["bets"], last["won"], last["lost"], last["open"]) == (4, 1, 2, 1)
    assert last["pnl_lamports"] == 4 * MILLI - 2 * MILLI == gov.ledger.session_pnl
    assert last["bankroll_lamports"] == gov.ledger.bankroll == 500 * MILLI + 2 * MILLI - 2 * MILLI
    assert s["unknown_bets"] == [intent.bet_id]
    assert s["recent_guard_events"][0]["guard"] == "unconfirmed_bet"
    assert s["integrity"] == "ok"
    text = cli(data_dir, "status")
    assert "open bet" in text.stdout and "unknown" in text.stdout
    res = cli(data_dir, "resume")
    assert "unknown bet" in res.stdout  # resume warns that unknown bets still block
