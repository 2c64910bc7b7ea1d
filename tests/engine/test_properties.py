"""Properties over many random situations (hypothesis, small budgets so the default suite stays fast)."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.config.sections import EngineConfig, StrategySpec
from bot.engine.probability import kelly_fraction
from bot.engine.ranking import Decider
from bot.game.state import OwnSidebet

from .helpers import snapshot

ALL = [
    StrategySpec(name="ev_threshold", params={"threshold": -1.0}),
    StrategySpec(name="fixed", params={"max_bets_per_game": 50}),
    StrategySpec(name="kelly"),
    StrategySpec(name="martingale"),
    StrategySpec(name="late_game", params={"min_tick": 0}),
]
DECIDER = Decider(EngineConfig(strategies=ALL, adaptive=False))


@settings(max_examples=100, deadline=None)
@given(p=st.floats(0.0, 1.0), promo=st.floats(0.0, 0.5))
def test_kelly_zero_iff_no_edge(p: float, promo: float) -> None:
    k = kelly_fraction(p, 5, promo)
    ev = 5 * p - 1 + promo
    assert 0.0 <= k <= 1.0
    if ev <= 1e-12:
        assert k == 0.0
    elif ev > 1e-9:
        assert k > 0.0


@settings(max_examples=100, deadline=None)
@given(
    tick=st.integers(0, 2000),
    feasible=st.booleans(),
    bankroll=st.floats(0.0, 5.0),
    bet_start=st.none() | st.integers(0, 2000),
    ev_low=st.floats(-1.0, 1.0),
    kelly=st.floats(0.0, 1.0),
)
def test_decider_invariants(
    tick: int, feasible: bool, bankroll: float, bet_start: int | None, ev_low: float, kelly: float
) -> None:
    open_bet = None
    if bet_start is not None:
        open_bet = OwnSidebet(
            game_id="g",
            start_tick=bet_start,
            end_tick=bet_start + 40,
            amount_lamports=10**6,
            coin="x",
            placed_t=0.0,
        )
    s = snapshot(tick, bankroll_sol=bankroll, open_bet=open_bet)
    s = replace(
        s, estimate=replace(s.estimate, feasible=feasible, ev_low=ev_low, kelly=kelly, landing_tick=tick + 1)
    )
    dec = DECIDER.decide(s)
    assert dec.reason
    if dec.proposal is None:
        assert dec.reason.startswith("no bet")
        return
    assert feasible
    # "never while our own bet runs" is the governor's one_open_bet guard now: tests/bets/test_one_open_bet.py
    assert 10**6 <= dec.proposal.amount_lamports <= s.ledger.bankroll_lamports
    assert dec.proposal.score == max(c.score for c in dec.candidates)
    assert sum(c is dec.proposal for c in dec.candidates) == 1
