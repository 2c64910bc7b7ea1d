"""Anomalies become alerts at the profile's thresholds; the win-rate bound is the exact binomial one (checked
against scipy); the daily summary is computed from a real database and sent once per day."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from scipy.stats import beta

from bot.bets.model import BetStatus
from bot.config.sections import AlertKind, AlertsConfig
from bot.money import PRACTICE_COIN, SOL_MINT
from bot.ops.anomalies import (
    AnomalyWatch,
    day_bounds,
    send_daily_summary,
    win_rate_interval,
    win_rate_upper,
)
from bot.store.db import Store

Sent = list[tuple[AlertKind, str]]


def _watch(**cfg: object) -> tuple[AnomalyWatch, Sent]:
    sent: Sent = []
    w = AnomalyWatch(
        lambda k, t: sent.append((k, t)), AlertsConfig.model_validate(cfg), max_stake_lamports=10_000_000
    )
    return w, sent


@pytest.mark.parametrize(("gap", "alerts"), [(0.25, 0), (1.9, 0), (2.0, 0), (2.01, 1), (7.5, 1)])
def test_a_tick_interval_over_two_seconds_alerts(gap: float, alerts: int) -> None:
    w, sent = _watch()
    w.on_tick_gap(gap, "g1", 57)
    assert len(sent) == alerts
    if alerts:
        assert sent[0][0] is AlertKind.TICK_INTERVAL and "tick 57" in sent[0][1]


@pytest.mark.parametrize(
    ("wins", "bets", "alert"),
    [
        ([], 20, False),  # 0 in 20: not MORE than 20 bets yet
        ([], 21, False),  # 0 in 21: upper bound 19.7 % still covers 18.17 %
        ([], 25, True),  # 0 in 25: upper bound 16.8 %
        ([3, 30], 40, False),  # 2 in 40: 19.4 %
        ([5, 15, 25, 35, 45, 55, 65, 75, 85, 95], 100, False),  # 10 in 100: 19.1 %
        ([5, 40, 80], 100, True),  # 1 in 40 alerts; the win at 40 is not a recovery: no second alert
    ],
)
def test_a_win_rate_far_below_the_rules_alerts_once(wins: list[int], bets: int, alert: bool) -> None:
    w, sent = _watch()
    for i in range(bets):
        w.on_settled(i in wins)
    assert [k for k, _ in sent] == ([AlertKind.WIN_RATE] if alert else [])


def test_the_win_rate_alert_rearms_after_recovering() -> None:
    w, sent = _watch()
    for _ in range(25):
        w.on_settled(False)  # 0 in 23 already alerts (upper bound 18.1 %)
    for i in range(40):
        w.on_settled(i % 2 == 0)  # 20 in 65: plausible for far more than 20 bets
    for _ in range(115):
        w.on_settled(False)  # 20 in 176: low again
    assert [k for k, _ in sent] == [AlertKind.WIN_RATE, AlertKind.WIN_RATE]
    assert "0 wins in 23 bets" in sent[0][1] and "20 wins in 176 bets" in sent[1][1]


@pytest.mark.parametrize(("won", "bets"), [(0, 25), (3, 100), (18, 100), (181, 1000), (7, 7)])
def test_bounds_are_the_exact_binomial_ones(won: int, bets: int) -> None:
    upper = beta.ppf(0.99, won + 1, bets - won) if won < bets else 1.0
    assert win_rate_upper(won, bets, 0.99) == pytest.approx(upper, rel=1e-9)
    low, high = win_rate_interval(won, bets)
    assert low == pytest.approx(beta.ppf(0.025, won, bets - won + 1) if won else 0.0, abs=1e-12)
    assert high == pytest.approx(beta.ppf(0.975, won + 1, bets - won) if won < bets else 1.0, rel=1e-9)


@pytest.mark.parametrize(
    ("cfg", "stake", "alert"),
    [({}, 10_000_000, False), ({}, 10_000_001, True), ({"stake_over_sol": 0.002}, 3_000_000, True)],
)
def test_a_stake_above_the_threshold_alerts(cfg: dict[str, object], stake: int, alert: bool) -> None:
    w, sent = _watch(**cfg)
    w.on_stake(stake, "g1")
    assert [k for k, _ in sent] == ([AlertKind.STAKE] if alert else [])


def test_a_long_pause_alerts_once_and_its_end_is_a_recovery() -> None:
    w, sent = _watch(pause_longer_than_s=60)
    w.on_pause(False, "", 0.0)
    for t in range(10, 200, 10):
        w.on_pause(True, "feed silent", float(t))
    w.on_pause(False, "", 205.0)
    w.on_pause(True, "short one", 300.0)
    w.on_pause(False, "", 330.0)  # 30 s: no alert, so no recovery either
    assert [k for k, _ in sent] == [AlertKind.PAUSE, AlertKind.RECOVERY]
    assert "paused for 70 s: feed silent" in sent[0][1] and "195 s pause" in sent[1][1]


def _settled(store: Store, sid: str, t: float, won: bool, coin: str = SOL_MINT) -> None:
    bet = store.insert_bet_intent(
        session=sid,
        game=f"g{t}",
        decided_tick=1,
        decided_t=t,
        amount_lamports=10_000_000,
        coin=coin,
        strategy="s",
        reason="r",
    )
    store.update_bet(bet, BetStatus.CLICKED, t=t)
    store.update_bet(bet, BetStatus.CONFIRMED, t=t, start_tick=2, end_tick=42)
    if won:
        store.update_bet(bet, BetStatus.WON, t=t + 1, payout_lamports=50_000_000)
    else:
        store.update_bet(bet, BetStatus.LOST, t=t + 1)


def test_the_daily_summary_is_sent_once_with_pnl_and_interval(tmp_path: Path) -> None:
    day = date(2026, 11, 22)
    t0, _ = day_bounds(day)
    with Store.open(tmp_path / "bot.db") as store:
        sid = store.start_session(mode="LIVE", profile="p", coin=SOL_MINT, started=t0)
        for i in range(30):
            _settled(store, sid, t0 + 100 + i * 60, won=i in (4, 9, 20, 25))
        _settled(store, sid, t0 - 3600, won=True)  # the day before: not counted
        _settled(store, sid, t0 + 5000, won=False, coin=PRACTICE_COIN)
        sent: Sent = []
        now = datetime(2026, 11, 23, 0, 5, tzinfo=UTC).timestamp()
        assert send_daily_summary(store, lambda k, t: sent.append((k, t)), now) == day
        assert send_daily_summary(store, lambda k, t: sent.append((k, t)), now + 3600) is None
    assert len(sent) == 1 and sent[0][0] is AlertKind.DAILY_SUMMARY
    text = sent[0][1]
    assert "2026-11-22" in text
    # 4 wins × +0.04 SOL, 26 losses × −0.01 SOL = −0.1 SOL
    assert (
        "SOL: P&L -0.1000, 30 bets, win rate 13.3% [95 % 3.8%–30.7%], consistent with the rules' 18.17%"
        in text
    )
    assert "practice coin: P&L -0.0100, 1 bets" in text


def test_a_day_without_bets_still_says_so(tmp_path: Path) -> None:
    with Store.open(tmp_path / "bot.db") as store:
        sent: Sent = []
        send_daily_summary(
            store, lambda k, t: sent.append((k, t)), datetime(2026, 11, 23, 1, tzinfo=UTC).timestamp()
        )
    assert sent == [(AlertKind.DAILY_SUMMARY, "2026-11-22: no settled bets")]
