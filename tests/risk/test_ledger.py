"""The ledger against real games: bets settled by the real side-bet rules on real game lengths; the live ledger,
a ledger rebuilt from the database and the event-log rebuild must all agree, to the lamport."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from bot.bets.model import BetStatus, BrokerReport
from bot.engine.types import SideBet
from bot.game.rules import Outcome, Window, payout_lamports, settle
from bot.game.signals import AccountUpdated
from bot.game.state import AccountView
from bot.money import PRACTICE_COIN
from bot.risk.governor import Governor
from bot.risk.ledger import Ledger, next_utc_midnight, utc_day
from tests.risk.helpers import MILLI, T0, bet, make_governor, view


def real_games(real_dir: Path, n: int) -> list[tuple[str, int]]:
    rows = csv.DictReader((real_dir / "games" / "game_lengths.csv").open())
    out, seen = [], set()
    for r in rows:
        if r["game_key"] in seen:
            continue
        seen.add(r["game_key"])
        out.append((r["game_key"], int(r["final_tick"])))
        if len(out) == n:
            break
    return out


def play(
    gov: Governor, games: list[tuple[str, int]], entry_tick: int = 5, t: float = T0
) -> tuple[float, int]:
    """Bet at ``entry_tick`` of every game long enough, settle by the real rules; return (end time, expected P&L)."""
    expected = 0
    for i, (gid, rug_tick) in enumerate(games):
        if rug_tick <= entry_tick:
            continue
        stake = (1 + i % 3) * MILLI
        v = view(t, game=gid, tick=entry_tick)
        gov.tick(v, t)
        intent = gov.open_bet(gov_bet(stake), v, gov.ledger.coin)
        window = Window.starting_at(entry_tick + 1)
        gov.on_report(
            BrokerReport(
                intent.bet_id,
                BetStatus.CONFIRMED,
                t + 0.25,
                start_tick=window.start_tick,
                end_tick=window.end_tick,
                latency_s=0.25,
            )
        )
        outcome = settle(window, rug_tick=rug_tick, current_tick=rug_tick)
        assert outcome is not Outcome.PENDING
        payout = payout_lamports(stake, outcome)
        t += 0.25 * (min(rug_tick, window.end_tick + 1) - entry_tick)
        gov.on_report(
            BrokerReport(
                intent.bet_id,
                BetStatus.WON if outcome is Outcome.WON else BetStatus.LOST,
                t,
                payout_lamports=payout,
            )
        )
        expected += payout - stake
        t += 16.4  # rug → next game's tick 0
    return t, expected


def gov_bet(stake: int) -> SideBet:
    return bet(stake, strategy="fixed-entry")


def test_live_ledger_rebuilt_ledger_and_event_log_agree(tmp_path: Path, real_dir: Path) -> None:
    games = real_games(real_dir, 80)
    gov = make_governor(tmp_path / "bot.db", bankroll_sol=1.0)
    t, expected = play(gov, games)
    live = gov.ledger
    perf = gov.store.rebuild_session(gov.session)
    assert live.session_pnl == perf.pnl_lamports == expected
    assert perf.won + perf.lost == live.wins + live.losses == perf.bets > 70
    assert 0.1 < perf.won / perf.bets < 0.3  # real games: about 18 % of windows see the rug
    rebuilt = Ledger.rebuild(
        gov.store,
        session=gov.session,
        mode="DRY-RUN",
        coin=live.coin,
        logged_in=False,
        starting_bankroll_lamports=live.starting_bankroll_lamports,
    )
    for attr in (
        "session_pnl",
        "realized_total",
        "bankroll",
        "equity",
        "peak_equity",
        "consecutive_losses",
        "last_loss_t",
        "open_exposure",
        "wins",
        "losses",
        "bets_this_session",
    ):
        assert getattr(rebuilt, attr) == getattr(live, attr), attr
    assert rebuilt.day_pnl(t) == live.day_pnl(t)
    assert live.bankroll == 1_000 * MILLI + expected
    # and a bankroll that could be checked by hand against the bets table
    assert expected == sum(b.pnl_lamports for b in gov.store.bets(gov.session))


def test_dry_run_paper_account_carries_over_between_sessions(tmp_path: Path, real_dir: Path) -> None:
    games = real_games(real_dir, 40)
    gov = make_governor(tmp_path / "bot.db")
    t, first = play(gov, games[:20])
    gov.close(t)
    gov.store.close()
    again = make_governor(tmp_path / "bot.db", t=t + 5)
    assert again.ledger.bankroll == 1_000 * MILLI + first
    assert again.ledger.session_pnl == 0
    t2, second = play(again, games[20:], t=t + 5)
    assert again.ledger.session_pnl == second
    assert again.ledger.bankroll == 1_000 * MILLI + first + second
    # a different mode keeps its own books, and replays never carry over (each backtest is its own account)
    other = make_governor(tmp_path / "bot.db", mode="REPLAY", t=t2)
    assert other.ledger.bankroll == 1_000 * MILLI
    _t3, replayed = play(other, games[:20], t=t2)
    assert replayed == first
    again_replay = make_governor(tmp_path / "bot.db", mode="REPLAY", t=t2)
    assert again_replay.ledger.bankroll == 1_000 * MILLI and again_replay.ledger.day_pnl(t2) == 0


def test_ledger_view_fields(tmp_path: Path) -> None:
    gov = make_governor(tmp_path / "bot.db")
    v = view(T0, game="g-1")
    gov.tick(v, T0)
    intent = gov.open_bet(gov_bet(3 * MILLI), v, gov.ledger.coin)
    gov.on_report(BrokerReport(intent.bet_id, BetStatus.CONFIRMED, T0 + 0.2, start_tick=11, end_tick=51))
    lv = gov.ledger_view()
    assert lv.open_bet is not None and (lv.open_bet.start_tick, lv.open_bet.end_tick) == (11, 51)
    assert lv.open_bet.amount_lamports == 3 * MILLI and lv.staked_this_game_lamports == 3 * MILLI
    assert lv.bankroll_lamports == 997 * MILLI and lv.bets_this_session == 1
    gov.on_report(BrokerReport(intent.bet_id, BetStatus.LOST, T0 + 10))
    lv = gov.ledger_view()
    assert lv.open_bet is None and lv.consecutive_losses == 1
    assert lv.session_pnl_lamports == lv.day_pnl_lamports == -3 * MILLI
    assert lv.peak_bankroll_lamports == 1_000 * MILLI
    assert gov.ledger.drawdown_pct == pytest.approx(0.3)


@pytest.mark.parametrize(
    ("outcome", "placed", "unplaced"),
    [(BetStatus.CANCELLED, 0, 1), (BetStatus.REJECTED, 0, 1), (BetStatus.LOST, 1, 0), (BetStatus.WON, 1, 0)],
)
def test_a_bet_the_server_never_took_is_not_counted_as_placed(
    tmp_path: Path, outcome: BetStatus, placed: int, unplaced: int
) -> None:
    """The run summary's ``bets`` are bets the server took: an intent rejected or cancelled before its click is
    counted apart (``not_placed``), while strategies still see every intent of the session."""
    gov = make_governor(tmp_path / "bot.db")
    v = view(T0, game="g-1")
    gov.tick(v, T0)
    intent = gov.open_bet(gov_bet(3 * MILLI), v, gov.ledger.coin)
    if outcome in (BetStatus.WON, BetStatus.LOST):
        gov.on_report(BrokerReport(intent.bet_id, BetStatus.CONFIRMED, T0 + 0.2, start_tick=11, end_tick=51))
    payout = 15 * MILLI if outcome is BetStatus.WON else None
    gov.on_report(BrokerReport(intent.bet_id, outcome, T0 + 10, payout_lamports=payout))
    led = gov.ledger
    assert led.bets_this_session == 1
    assert (led.bets_this_session - led.unplaced_this_session, led.unplaced_this_session) == (
        placed,
        unplaced,
    )


def test_logged_in_bankroll_is_the_servers_and_anchors_per_session(tmp_path: Path) -> None:
    gov = make_governor(tmp_path / "bot.db", logged_in=True)
    assert gov.ledger.coin == PRACTICE_COIN and gov.ledger.bankroll is None

    def balance(g: Governor, lamports: int, t: float) -> None:
        acct = AccountView(
            player_id="did:test:me",
            authenticated=True,
            updated_t=t,
            coin_balances_lamports=((PRACTICE_COIN, lamports),),
        )
        g.on_signal(AccountUpdated(acct), view(t))

    balance(gov, 5_000 * MILLI, T0)
    assert gov.ledger.bankroll == gov.ledger.expected_cash == 5_000 * MILLI
    v = view(T0 + 1)
    gov.tick(v, T0 + 1)
    intent = gov.open_bet(gov_bet(10 * MILLI), v, PRACTICE_COIN)
    assert gov.ledger.balance_difference() == 10 * MILLI  # the server has not debited yet
    balance(gov, 4_990 * MILLI, T0 + 1.2)
    assert gov.ledger.balance_difference() == 0
    gov.on_report(BrokerReport(intent.bet_id, BetStatus.WON, T0 + 5, payout_lamports=50 * MILLI))
    balance(gov, 5_040 * MILLI, T0 + 5.1)
    assert gov.ledger.balance_difference() == 0 and gov.ledger.session_pnl == 40 * MILLI
    gov.store.close()
    # restart: the next session anchors on the server's number again (deposits in between are not losses)
    again = make_governor(tmp_path / "bot.db", logged_in=True, t=T0 + 100)
    assert again.ledger.bankroll == 5_040 * MILLI  # the last balance seen, until a fresh one arrives
    again.tick(view(T0 + 100.5), T0 + 100.5)
    assert again.state.level.value == "PAUSED" and "no server balance" in again.state.reasons[0]
    balance(again, 7_000 * MILLI, T0 + 101)
    assert again.ledger.balance_difference() == 0 and again.ledger.peak_equity == 7_000 * MILLI
    again.tick(view(T0 + 101.5), T0 + 101.5)
    assert again.state.level.value == "ACTIVE"


@pytest.mark.parametrize(
    ("t", "day_start"),
    [
        (0.0, 0.0),
        (86_399.9, 0.0),
        (86_400.0, 86_400.0),
        (1_765_000_000.0, 1_764_979_200.0),
    ],
)
def test_utc_day_boundaries(t: float, day_start: float) -> None:
    assert utc_day(t) * 86_400 == day_start
    assert next_utc_midnight(t) == day_start + 86_400


def test_bets_per_hour_window_uses_feed_time(tmp_path: Path) -> None:
    gov = make_governor(tmp_path / "bot.db")
    for i in range(5):
        v = view(T0 + 1000 * i, game=f"g{i}")
        gov.tick(v, v.t)
        intent = gov.open_bet(gov_bet(MILLI), v, gov.ledger.coin)
        gov.on_report(BrokerReport(intent.bet_id, BetStatus.LOST, v.t + 10))
    assert gov.ledger.bets_within(T0 + 4000) == [T0 + 1000, T0 + 2000, T0 + 3000, T0 + 4000]
    assert gov.ledger.bets_within(T0 + 4000, 1500) == [T0 + 3000, T0 + 4000]
