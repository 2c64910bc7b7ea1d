"""What must survive a process restart: halts, today's losses, the loss streak, open bets; and what resume resets."""

from __future__ import annotations

from pathlib import Path

from bot.bets.model import BetStatus, BrokerReport
from bot.risk.governor import Governor, Level
from bot.risk.verdict import Action
from bot.store.db import Store
from tests.risk.helpers import MILLI, T0, bet, guards, make_governor, snapshot, view


def _lose(gov: Governor, t: float, amount: int = MILLI) -> float:
    v = view(t)
    gov.tick(v, t)
    assert gov.review(bet(amount), snapshot(gov, v)).allowed
    intent = gov.open_bet(bet(amount), v, gov.ledger.coin)
    gov.on_report(BrokerReport(intent.bet_id, BetStatus.LOST, t + 0.5))
    return t + 1.0


def test_halt_survives_restart_and_resume_clears_it(tmp_path: Path) -> None:
    db = tmp_path / "bot.db"
    gov = make_governor(db, durable=True)
    gov.alarm("signing_request", "the page asked for a signature")
    assert gov.state.level is Level.HALTED
    gov.store.close()  # the process dies

    again = make_governor(db, t=T0 + 60, durable=True)
    assert again.state.level is Level.HALTED
    assert "signing_request" in again.state.reasons[0]
    v = view(T0 + 61)
    again.tick(v, T0 + 61)
    assert again.review(bet(MILLI), snapshot(again, v)).action is Action.HALT

    other = Store.open(db)  # `rugsbot resume` from another terminal
    assert [h.reason for h in other.clear_halt("ops")] == [again.state.halt.reason]  # type: ignore[union-attr]
    other.close()
    v = view(T0 + 61.25)
    again.tick(v, T0 + 61.25)
    assert again.state.level is Level.ACTIVE
    assert again.review(bet(MILLI), snapshot(again, v)).allowed

    third = make_governor(db, t=T0 + 120)
    assert third.state.level is Level.ACTIVE


def test_daily_loss_and_streak_survive_restart_resume_resets_streak(tmp_path: Path) -> None:
    db = tmp_path / "bot.db"
    cfg = guards(daily_loss_limit_sol=0.003, max_consecutive_losses=4)
    gov = make_governor(db, cfg)
    t = T0
    for _ in range(3):
        t = _lose(gov, t)
    gov.tick(view(t), t)
    assert gov.state.level is Level.PAUSED and "daily loss" in gov.state.reasons[0]
    gov.store.close()

    again = make_governor(db, cfg, t=t + 10)  # same UTC day: the limit still holds after a restart
    again.tick(view(t + 10), t + 10)
    assert again.ledger.day_pnl(t + 10) == -3 * MILLI
    assert again.ledger.consecutive_losses == 3
    assert again.state.level is Level.PAUSED
    assert again.ledger.session_pnl == 0  # a new session starts its own P&L

    # Next day: betting resumes, and the streak carried over trips the cap on the 4th loss.
    t2 = T0 + 86_400
    t2 = _lose(again, t2)
    again.tick(view(t2), t2)
    assert again.state.level is Level.HALTED and "4 losses" in again.state.reasons[0]
    again.store.clear_halt("ops")
    again.tick(view(t2 + 0.25), t2 + 0.25)
    assert again.state.level is Level.ACTIVE and again.ledger.consecutive_losses == 0


def test_open_bet_from_a_crashed_run_blocks_until_reconciled(tmp_path: Path) -> None:
    db = tmp_path / "bot.db"
    gov = make_governor(db)
    v = view(T0)
    gov.tick(v, T0)
    intent = gov.open_bet(bet(2 * MILLI), v, gov.ledger.coin)
    gov.on_report(BrokerReport(intent.bet_id, BetStatus.CLICKED, T0 + 0.1))
    gov.store.close()  # crash between click and confirmation

    again = make_governor(db, t=T0 + 30)
    assert [b.bet_id for b in again.open_bets()] == [intent.bet_id]
    assert again.ledger.open_exposure == 2 * MILLI
    assert again.ledger.bankroll == 1_000_000_000 - 2 * MILLI  # dry-run: the stake is gone until settled
    v = view(T0 + 30)
    again.tick(v, T0 + 30)
    assert again.state.level is Level.PAUSED and "still clicked" in again.state.reasons[0]
    assert again.review(bet(MILLI), snapshot(again, v)).action is Action.PAUSE
    # The feed shows the bet settled: the broker reconciles it.
    again.on_report(BrokerReport(intent.bet_id, BetStatus.WON, T0 + 31, payout_lamports=10 * MILLI))
    again.tick(view(T0 + 31), T0 + 31)
    assert again.state.level is Level.ACTIVE
    assert again.ledger.bankroll == 1_000_000_000 + 8 * MILLI


def test_halt_not_persisted_stays_halted_and_is_written_when_the_db_is_back(tmp_path: Path) -> None:
    """Another process holding the write lock makes the halt write fail: halted in memory, never 'cleared' by a poll, and written
    as soon as the file is writable again."""
    db = tmp_path / "bot.db"
    gov = make_governor(db)
    gov.tick(view(T0), T0)
    ro = Store.open(db)
    ro._conn.execute("BEGIN EXCLUSIVE")  # another process holds the write lock
    gov.store._conn.execute("PRAGMA busy_timeout = 50")
    gov.alarm("model_drift", "SPRT crossed")
    assert gov.state.level is Level.HALTED and gov.state.halt is not None and gov.state.halt.id == -1
    for i in range(1, 4):
        gov.tick(view(T0 + 0.25 * i), T0 + 0.25 * i)
        assert gov.state.level is Level.HALTED
    ro._conn.execute("ROLLBACK")
    ro.close()
    gov.tick(view(T0 + 2), T0 + 2)
    assert gov.state.level is Level.HALTED and gov.state.halt is not None and gov.state.halt.id > 0
    check = Store.open(db)
    assert check.active_halt() is not None and "SPRT" in check.active_halt().reason  # type: ignore[union-attr]
    check.close()
