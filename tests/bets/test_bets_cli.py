"""``rugsbot bets``, ``status`` and ``report`` as an operator runs them, on databases the real governor wrote —
and a database from before bets knew their account, migrated in place."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bot.bets.model import BetStatus, BrokerReport, Evidence
from bot.bets.tracker import BetTracker
from bot.exitcodes import EXIT_OK, EXIT_USAGE
from bot.game.signals import AccountUpdated
from bot.game.state import AccountView
from bot.mode import Mode
from bot.money import PRACTICE_COIN
from bot.store.db import Store
from bot.store.schema import MIGRATIONS
from tests.risk.helpers import MILLI, T0, bet, make_governor, view

ROOT = Path(__file__).resolve().parents[2]
ME = "did:test:me"
FIELDS = {
    "bet_id", "session", "mode", "account", "coin", "game_id", "start_tick", "end_tick", "status",
    "amount_lamports", "payout_lamports", "evidence",
}  # fmt: skip


def cli(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "RUGSBOT_DATA_DIR": str(data_dir)}
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def _practice_session(db: Path, t: float, outcomes: list[BetStatus], *, balance: int = 10_000 * 10**9) -> str:
    """A logged-in practice session of account ME: its first balance, then one bet per outcome."""
    gov = make_governor(db, logged_in=True, t=t, mode="PRACTICE")
    gov.on_signal(
        AccountUpdated(
            AccountView(
                player_id=ME,
                authenticated=True,
                updated_t=t,
                coin_balances_lamports=((PRACTICE_COIN, balance),),
            )
        ),
        view(t),
    )
    for i, status in enumerate(outcomes):
        at = t + 1 + i * 20
        v = view(at, game=f"20261124-00000000000000{i:02d}")
        gov.tick(v, at)
        intent = gov.open_bet(bet(7_500_000), v, PRACTICE_COIN)
        gov.on_report(
            BrokerReport(
                intent.bet_id,
                BetStatus.CONFIRMED,
                at + 0.2,
                start_tick=11,
                end_tick=51,
                evidence=Evidence.SERVER_ACTIVE,
            )
        )
        won = status is BetStatus.WON
        gov.on_report(
            BrokerReport(
                intent.bet_id,
                status,
                at + 10,
                payout_lamports=37_500_000 if won else 0,
                evidence=Evidence.SERVER_RESULT,
            )
        )
        balance += 30_000_000 if won else -7_500_000
        gov.on_signal(
            AccountUpdated(
                AccountView(
                    player_id=ME,
                    authenticated=True,
                    updated_t=at + 10.1,
                    coin_balances_lamports=((PRACTICE_COIN, balance),),
                )
            ),
            view(at + 10.1),
        )
    gov.close(t + 100)
    gov.store.close()
    return gov.session


def test_bets_lists_every_bet_with_its_owner_and_evidence(tmp_path: Path) -> None:
    data = tmp_path / "var"
    assert json.loads(cli(data, "bets", "--json").stdout)["bets"] == []  # never run: nothing, exit 0
    first = _practice_session(data / "rugsbot.db", T0, [BetStatus.LOST])
    last = _practice_session(data / "rugsbot.db", T0 + 1000, [BetStatus.WON, BetStatus.LOST])
    r = cli(data, "bets", "--json")
    assert r.returncode == EXIT_OK, r.stderr
    listed = json.loads(r.stdout)
    assert listed["session"] == last and [b["session"] for b in listed["bets"]] == [last, last]
    b = listed["bets"][0]
    assert set(b) >= FIELDS
    assert (b["mode"], b["account"], b["coin"], b["status"], b["evidence"]) == (
        "PRACTICE",
        ME,
        PRACTICE_COIN,
        "won",
        "server_result",
    )
    assert (b["amount_lamports"], b["payout_lamports"], b["start_tick"], b["end_tick"]) == (
        7_500_000,
        37_500_000,
        11,
        51,
    )
    every = json.loads(cli(data, "bets", "--json", "--all").stdout)["bets"]
    assert [x["session"] for x in every] == [first, last, last]
    one = json.loads(cli(data, "bets", "--json", "--session", first).stdout)["bets"]
    assert [x["status"] for x in one] == ["lost"]
    missing = cli(data, "bets", "--session", "nope")
    assert missing.returncode == EXIT_USAGE and "no session 'nope'" in missing.stderr
    table = cli(data, "bets", "--all")
    assert table.returncode == EXIT_OK and "FREE" in table.stdout and "won" in table.stdout


def test_report_uses_the_sessions_own_coin_and_starting_balance(tmp_path: Path) -> None:
    """``report --session last`` of a 10,000-FREE practice account that lost one 0.0075 bet: the bankroll goes
    10000 → 9999.9925 FREE with a tiny drawdown (it showed 0.0000 → -0.0075 SOL and a 123 % drawdown)."""
    data = tmp_path / "var"
    _practice_session(data / "rugsbot.db", T0, [BetStatus.LOST])
    r = cli(data, "report", "--session", "last", "--db", str(data / "rugsbot.db"), "--json")
    assert r.returncode == EXIT_OK, r.stdout + r.stderr
    rep = json.loads(r.stdout)
    assert rep["starting_bankroll_lamports"] == 10_000 * 10**9
    assert rep["final_bankroll_lamports"] == 10_000 * 10**9 - 7_500_000
    assert rep["max_drawdown_pct"] < 0.001 and rep["meta"]["coin_label"] == "FREE"
    text = cli(data, "report", "--session", "last", "--db", str(data / "rugsbot.db")).stdout
    assert "10000.0000 → 9999.9925 FREE" in text and " SOL" not in text


def test_status_says_whose_an_open_bet_is_and_labels_the_cumulative_streak(tmp_path: Path) -> None:
    data = tmp_path / "var"
    db = data / "rugsbot.db"
    gov = make_governor(db, logged_in=True, mode="PRACTICE")
    gov.on_signal(
        AccountUpdated(
            AccountView(
                player_id="did:test:other",
                authenticated=True,
                updated_t=T0,
                coin_balances_lamports=((PRACTICE_COIN, 10**12),),
            )
        ),
        view(T0),
    )
    gov.tick(view(T0 + 1), T0 + 1)
    left = gov.open_bet(bet(MILLI), view(T0 + 1), PRACTICE_COIN)
    gov.store.close()
    _practice_session(db, T0 + 500, [BetStatus.LOST, BetStatus.LOST])
    r = cli(data, "status", "--json")
    st = json.loads(r.stdout)
    (shown,) = st["open_bets"]
    assert (
        shown["bet_id"] == left.bet_id and shown["account"] == "did:test:other" and shown["foreign"] is True
    )
    last = st["last_session"]
    assert last["account"] == ME and (last["bets"], last["lost"]) == (2, 2)
    assert last["consecutive_losses"] == 2 and last["consecutive_losses_scope"] == "cumulative"
    text = cli(data, "status").stdout
    assert "belongs to did:test:other" in text and "(cumulative)" in text and "FREE" in text


def test_rows_from_before_accounts_are_legacy_and_never_settled(tmp_path: Path) -> None:
    db = tmp_path / "var" / "rugsbot.db"
    db.parent.mkdir(parents=True)
    with sqlite3.connect(db) as conn:  # a version-1 database, as an earlier bot left it
        conn.executescript(
            "CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied REAL NOT NULL);"
            + MIGRATIONS[0][1]
            + "INSERT INTO schema_version VALUES (1, 0);"
            "INSERT INTO sessions (id, mode, profile, coin, started) VALUES ('s00001-1', 'PRACTICE', 'sim', '0xPractice', 1);"
            "INSERT INTO bets (seq, bet_id, session, game, decided_tick, decided_t, amount_lamports, coin, strategy, reason,"
            " status, start_tick, end_tick, created_t, updated_t) VALUES (1, 's00001-1-b1', 's00001-1', 'g', 10, 1.0,"
            " 10000000, '0xPractice', 'fixed', 'x', 'confirmed', 12, 52, 1.0, 1.0);"
        )
    with Store.open(db) as store:
        (row,) = store.open_bets()
        assert row.account is None and row.mode is None and row.evidence is None
        tracker = BetTracker(mode=Mode.PRACTICE, coin=PRACTICE_COIN, account=ME, expected_cash=lambda _a: 0)
        tracker.adopt([row], session="s00002-2")
        acct = AccountView(
            player_id=ME, authenticated=True, updated_t=5.0, coin_balances_lamports=((PRACTICE_COIN, 0),)
        )
        assert tracker.start(5.0) == [] and tracker.on_signal(AccountUpdated(acct), view(5.0)) == []
        assert [b.bet_id for b in tracker.foreign()] == ["s00001-1-b1"]
    listed = json.loads(cli(tmp_path / "var", "bets", "--json").stdout)["bets"]
    assert (
        listed[0]["account"] == "legacy" and listed[0]["mode"] == "PRACTICE" and listed[0]["evidence"] is None
    )


@pytest.mark.parametrize("args", [["--all", "--session", "x"]])
def test_bets_usage_errors(tmp_path: Path, args: list[str]) -> None:
    assert cli(tmp_path, "bets", *args).returncode == EXIT_USAGE
