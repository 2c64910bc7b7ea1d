"""History across sessions from a real database: P&L per day and per strategy, win rate against 0.1817."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from scipy.stats import binom, binomtest

from bot.bets.model import BetStatus
from bot.cli import main
from bot.exitcodes import EXIT_ENVIRONMENT, EXIT_OK, EXIT_USAGE
from bot.game.rules import P_WIN
from bot.money import PRACTICE_COIN, SOL_MINT
from bot.report.history import WinRate, load_history
from bot.store.db import Store

DAY1 = datetime(2026, 3, 1, 23, 59, tzinfo=UTC).timestamp()  # late on day 1 (UTC)
DAY2 = datetime(2026, 3, 2, 0, 1, tzinfo=UTC).timestamp()  # two minutes later, day 2
STAKE = 10_000_000

# (session key, strategy, settled at, result) — result "open"/"rejected"/"unknown" must not count
BETS = [
    ("practice", "fixed", DAY1, BetStatus.WON),
    ("practice", "fixed", DAY1, BetStatus.LOST),
    ("practice", "fixed", DAY2, BetStatus.LOST),
    ("practice", "late_game", DAY2, BetStatus.WON),
    ("practice", "late_game", DAY2, BetStatus.REJECTED),
    ("dry", "fixed", DAY2, BetStatus.LOST),
    ("dry", "fixed", DAY2, BetStatus.LOST),
    ("dry", "fixed", DAY2, BetStatus.UNKNOWN),
    ("dry", "fixed", DAY2, BetStatus.CONFIRMED),
]


def build(db: Path) -> None:
    with Store.open(db, durable=False) as store:
        sessions = {
            "practice": store.start_session(
                mode="PRACTICE", profile="sim", coin=PRACTICE_COIN, started=DAY1 - 60
            ),
            "dry": store.start_session(mode="DRY-RUN", profile="default", coin=SOL_MINT, started=DAY2 - 30),
        }
        for i, (key, strategy, t, status) in enumerate(BETS):
            coin = PRACTICE_COIN if key == "practice" else SOL_MINT
            bet = store.insert_bet_intent(
                session=sessions[key],
                game=f"g{i}",
                decided_tick=10,
                decided_t=t - 15,
                amount_lamports=STAKE,
                coin=coin,
                strategy=strategy,
                reason="test",
            )
            if status is BetStatus.REJECTED or status is BetStatus.UNKNOWN:
                store.update_bet(bet, status, t=t)
                continue
            store.update_bet(bet, BetStatus.CONFIRMED, t=t - 10, start_tick=11, end_tick=51)
            if status is not BetStatus.CONFIRMED:
                store.update_bet(
                    bet, status, t=t, payout_lamports=5 * STAKE if status is BetStatus.WON else 0
                )


def test_pnl_per_day_and_strategy_never_mixes_coins_or_modes(tmp_path: Path) -> None:
    db = tmp_path / "rugsbot.db"
    build(db)
    h = load_history(db)
    assert h.sessions == 2
    days = [(d.day, d.mode, d.coin, d.bets, d.wins, d.staked_lamports, d.pnl_lamports) for d in h.days]
    assert days == [
        ("2026-03-01", "PRACTICE", "FREE", 2, 1, 2 * STAKE, 4 * STAKE - STAKE),
        ("2026-03-02", "DRY-RUN", "paper SOL", 2, 0, 2 * STAKE, -2 * STAKE),
        ("2026-03-02", "PRACTICE", "FREE", 2, 1, 2 * STAKE, -STAKE + 4 * STAKE),
    ]
    rows = [(s.strategy, s.mode, s.coin, s.bets, s.wins, s.pnl_lamports) for s in h.strategies]
    assert rows == [
        ("fixed", "DRY-RUN", "paper SOL", 2, 0, -2 * STAKE),
        ("fixed", "PRACTICE", "FREE", 3, 1, 4 * STAKE - 2 * STAKE),
        ("late_game", "PRACTICE", "FREE", 1, 1, 4 * STAKE),
    ]
    assert (h.overall.bets, h.overall.wins, h.overall.expected) == (6, 2, P_WIN)


@pytest.mark.parametrize(("wins", "bets"), [(0, 0), (0, 12), (2, 6), (182, 1000), (300, 1000), (50, 50)])
def test_win_rate_interval_is_clopper_pearson(wins: int, bets: int) -> None:
    w = WinRate.of(wins, bets)
    if bets == 0:
        assert (w.rate, w.low, w.high, w.p_value, w.consistent) == (None, 0.0, 1.0, 1.0, True)
        return
    ref = binomtest(wins, bets, P_WIN)
    ci = ref.proportion_ci(confidence_level=0.95, method="exact")
    assert w.low == pytest.approx(ci.low, abs=1e-9)
    assert w.high == pytest.approx(ci.high, abs=1e-9)
    doubled_tail = min(1.0, 2 * min(binom.cdf(wins, bets, P_WIN), binom.sf(wins - 1, bets, P_WIN)))
    assert w.p_value == pytest.approx(doubled_tail, rel=1e-6, abs=1e-12)  # bot.optimize.stats' definition
    assert w.consistent is (ci.low <= P_WIN <= ci.high)


def test_an_absent_database_is_an_empty_history(tmp_path: Path) -> None:
    h = load_history(tmp_path / "nothing.db")
    assert (h.sessions, h.days, h.strategies, h.overall.bets) == (0, (), (), 0)
    assert not (tmp_path / "nothing.db").exists()


def test_report_all(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "rugsbot.db"
    build(db)
    assert main(["report", "--all", "--db", str(db), "--json"]) == EXIT_OK
    data = json.loads(capsys.readouterr().out)
    assert data["overall"]["bets"] == 6 and data["overall"]["wins"] == 2
    assert [d["day"] for d in data["days"]] == ["2026-03-01", "2026-03-02", "2026-03-02"]
    assert main(["report", "--all", "--db", str(db)]) == EXIT_OK
    text = capsys.readouterr().out
    assert "2 sessions, 6 settled bets" in text
    assert "win rate 2/6 = 0.3333" in text and "consistent" in text
    assert "late_game" in text and "2026-03-02  DRY-RUN  paper SOL" in text
    # one source at a time (an argparse usage error: one line, exit 2). Not "last": argparse does not see an
    # argument whose value *is* its default object, and an interned literal "last" is the default itself.
    assert main(["report", "--all", "--session", "s00001", "--db", str(db)]) == EXIT_USAGE
    capsys.readouterr()
    assert main(["report", "--all", "--db", str(db), "--html", str(tmp_path / "x.html")]) == EXIT_USAGE
    (tmp_path / "junk.db").write_bytes(b"not a database at all" * 100)
    # a database that cannot be read is an environment problem (bot/exitcodes.py: database → 4)
    assert main(["report", "--all", "--db", str(tmp_path / "junk.db")]) == EXIT_ENVIRONMENT
