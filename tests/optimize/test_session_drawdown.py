"""Independent simulated sessions are never glued into one bankroll (operator report: ``simulate`` printed a
0.99 SOL drawdown over 15 fresh-account sessions whose worst P&L was -0.074 SOL)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from bot.cli import main
from bot.optimize.metrics import BetRecords, evaluate
from tests.optimize.helpers import PROFILES, plan, profile, run

LOSS = ("--profile", str(PROFILES / "loss_limit.toml"))
ARGS = ("simulate", *LOSS, "--games", "2000", "--seed", "5", "--session-games", "200", "--no-baseline")


def _oracle() -> tuple[int, int]:
    """The same run's bets, replayed session by session with plain integers: (worst drawdown, worst P&L)."""
    log = run(plan(profile("loss_limit"), games=2000, seed=5, session_games=200))
    worst_dd, pnls = 0, [0] * log.sessions
    for s in range(log.sessions):
        bank = peak = log.starting_bankroll
        for stake, won in zip(log.stake[log.session == s], log.won[log.session == s], strict=True):
            bank += int(stake) * (4 if won else -1)
            peak = max(peak, bank)
            worst_dd = max(worst_dd, peak - bank)
        pnls[s] = bank - log.starting_bankroll
    return worst_dd, min(pnls)


def test_drawdown_is_per_session_in_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*ARGS, "--json"]) == 0
    r = json.loads(capsys.readouterr().out)
    dd, worst = _oracle()
    assert r["sessions"] == r["meta"]["sessions"] == 10
    assert r["worst_session_pnl_lamports"] == r["meta"]["worst_session_pnl_lamports"] == worst
    assert r["max_drawdown_lamports"] == dd
    assert r["profit_lamports"] < worst < 0  # the sum is many sessions' worth, no one account's


def test_text_labels_the_sum_of_independent_sessions(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(list(ARGS)) == 0
    out = capsys.readouterr().out
    assert "bankroll   1.0000 →" not in out
    assert "10 independent sessions, each from 1.0000 SOL; P&L summed over them" in out
    assert "worst      session P&L -0.0020 SOL" in out and "max drawdown within a session" in out


@pytest.mark.parametrize(
    ("won", "session", "dd", "pnl"),
    [
        # one session: the classic curve, start 100 → 90 → 80 → 120 → 110
        ([0, 0, 1, 0], [0, 0, 0, 0], 20, [10]),
        # two sessions of two losses each: each falls 20 from its own start, never 40
        ([0, 0, 0, 0], [0, 0, 1, 1], 20, [-20, -20]),
        # a third session without a bet still counts (P&L 0)
        ([1, 0], [0, 2], 10, [40, 0, -10]),
    ],
)
def test_evaluate_table(won: list[int], session: list[int], dd: int, pnl: list[int]) -> None:
    rec = BetRecords(
        stake=np.full(len(won), 10, dtype=np.int64),
        won=np.array(won, dtype=bool),
        starting_bankroll=100,
        session=np.array(session, dtype=np.int64),
        sessions=len(pnl),
    )
    rep = evaluate(rec, baseline=False)
    assert rep.max_drawdown_lamports == dd and rep.sessions == len(pnl)
    assert rep.worst_session_pnl_lamports == min(pnl) and list(rec.session_pnl()) == pnl
    assert max(rep.series.drawdown) == dd


def test_sweep_uses_the_same_per_session_numbers(capsys: pytest.CaptureFixture[str]) -> None:
    """A sweep point and ``simulate`` with the same profile, seed and default session length agree."""
    common = ("--games", "40000", "--seed", "5", "--no-baseline", "--json")
    assert main(["sweep", *LOSS, "--grid", "stake_sol=0.001", *common]) == 0
    out = json.loads(capsys.readouterr().out)
    (row,) = out["rows"] if isinstance(out, dict) else out
    assert main(["simulate", *LOSS, *common]) == 0
    sim = json.loads(capsys.readouterr().out)
    assert row["sessions"] == sim["sessions"] == 2
    keys = ("max_drawdown_lamports", "worst_session_pnl_lamports", "profit_lamports")
    assert [row[k] for k in keys] == [sim[k] for k in keys]
