"""The Decider: hard rules first, at most one bet, a reason for every decision; adaptation bounded and reversible."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from bot.config.sections import EngineConfig, StrategySpec
from bot.engine.adaptive import Adaptation
from bot.engine.probability import ProbabilityModel
from bot.engine.ranking import Decider
from bot.engine.strategy import StrategyError
from bot.game.state import OwnSidebet, Phase, TickTiming

from .helpers import snapshot, view

SOL = 1_000_000_000


def _decider(*specs: StrategySpec, **cfg: object) -> Decider:
    return Decider(EngineConfig(strategies=list(specs), **cfg))  # type: ignore[arg-type]


FIXED = StrategySpec(name="fixed", params={"stake_sol": 0.002})
FIXED_BIG = StrategySpec(name="fixed", params={"stake_sol": 0.01})
LATE = StrategySpec(name="late_game", params={"min_tick": 50})
EV = StrategySpec(name="ev_threshold")


def _bet(start: int, end: int, outcome: str = "pending") -> OwnSidebet:
    return OwnSidebet(
        game_id="20251207-aaaa",
        start_tick=start,
        end_tick=end,
        amount_lamports=SOL // 1000,
        coin="x",
        placed_t=0.0,
        outcome=outcome,
    )


@pytest.mark.parametrize(
    ("specs", "snap", "picked", "words"),
    [
        ((EV,), {}, None, "ev_threshold: EV low end"),
        ((FIXED,), {}, "fixed", "fixed: slot 1/1"),
        ((FIXED,), {"feasible": False, "note": "phase PRESALE: no side bet now"}, None, "phase PRESALE"),
        # an own bet running is refused by the governor's one_open_bet guard: tests/bets/test_one_open_bet.py
        ((FIXED,), {"open_bet": _bet(61, 101)}, "fixed", "slot 1/1"),  # landing 101 ≥ end 101: back to back
        ((FIXED,), {"open_bet": _bet(90, 130, "lost")}, "fixed", "slot 1/1"),
        ((FIXED,), {"bankroll_sol": 0.001}, None, "exceeds bankroll"),
        ((EV, FIXED), {}, "fixed", "fixed"),
        ((FIXED_BIG, LATE), {}, "late_game", "1 other candidate"),  # same weight: smaller stake / risk wins
    ],
)
def test_decide_table(
    specs: tuple[StrategySpec, ...], snap: dict[str, object], picked: str | None, words: str
) -> None:
    d = _decider(*specs)
    dec = d.decide(snapshot(100, **snap))  # type: ignore[arg-type]
    assert dec.reason
    assert words in dec.reason, dec.reason
    if picked is None:
        assert dec.proposal is None and dec.reason.startswith("no bet")
    else:
        assert dec.proposal is not None and dec.proposal.strategy == picked
        assert dec.proposal in dec.candidates


def test_weight_prefers_a_strategy() -> None:
    d = _decider(
        StrategySpec(name="late_game", params={"min_tick": 50}),
        StrategySpec(name="fixed", params={"stake_sol": 0.001}, weight=3.0),
    )
    dec = d.decide(snapshot(100))
    assert len(dec.candidates) == 2
    assert dec.proposal is not None and dec.proposal.strategy == "fixed"
    assert sum(c is dec.proposal for c in dec.candidates) == 1


def test_infeasible_landing_never_bets_whatever_the_strategies() -> None:
    model = ProbabilityModel(EngineConfig())
    d = _decider(FIXED, LATE, StrategySpec(name="martingale"))
    for v, now in [
        (view(100, rug_tick=100), None),
        (view(-1, phase=Phase.PRESALE), None),
        (view(100, t=5.0, last_tick_t=5.0), 8.0),
    ]:
        est = model.estimate(v, now=now)
        dec = d.decide(snapshot(100, est=est))
        assert dec.proposal is None and not dec.candidates
        assert "not placeable" in dec.reason


def test_buggy_strategy_does_not_break_decisions(tmp_path: Path) -> None:
    (tmp_path / "buggy.py").write_text(
        "from bot.engine.strategy import Strategy\n"
        "class B(Strategy):\n    name = 'buggy'\n    def propose(self, snapshot):\n        return 1 / 0\n"
    )
    d = Decider(EngineConfig(strategies=[StrategySpec(name="buggy"), FIXED]), tmp_path)
    dec = d.decide(snapshot())
    assert dec.proposal is not None and dec.proposal.strategy == "fixed"
    dec = Decider(EngineConfig(strategies=[StrategySpec(name="buggy")]), tmp_path).decide(snapshot())
    assert dec.proposal is None and "raised ZeroDivisionError" in dec.reason


def test_bad_config_raises_strategy_error() -> None:
    with pytest.raises(StrategyError, match="unknown parameter"):
        _decider(StrategySpec(name="fixed", params={"stak_sol": 1.0}))


def test_martingale_warning_is_exposed_and_on_settled_routes() -> None:
    d = _decider(StrategySpec(name="martingale", params={"multiplier": 2.0}))
    assert any("MARTINGALE" in w for w in d.warnings)
    first = d.decide(snapshot()).proposal
    assert first is not None
    d.on_settled(False, first.amount_lamports, 1.0)
    second = d.decide(snapshot()).proposal
    assert second is not None and second.amount_lamports == 2 * first.amount_lamports


# ------------------------------------------------------------------------------------------ adaptation
def test_adaptation_tightens_bounded_and_recovers() -> None:
    a = Adaptation(0.5)
    stake = SOL // 100
    for i in range(60):  # a long losing run: z goes far below −2
        a.on_settled(False, stake, 0.1817, float(i))
        assert 0.5 <= a.factor <= 1.0
    assert a.factor == pytest.approx(0.5)  # bounded by max_tightening
    assert "results below expectation" in a.reason()
    for i in range(60):  # a normal-to-good run clears it again
        a.on_settled(i % 3 == 0, stake, 0.1817, 100.0 + i)
    assert a.factor == 1.0
    assert a.reason() == "no tightening"


def test_adaptation_ignores_ordinary_luck() -> None:
    """Ten losses in a row (P 13.5 %) are normal here and must not tighten."""
    a = Adaptation(0.5)
    for i in range(10):
        a.on_settled(False, SOL // 1000, 0.1817, float(i))
    assert a.factor == 1.0


@pytest.mark.parametrize(
    ("p99", "ahead", "degraded"),
    [(0.53, 1, False), (1.2, 1, True), (0.3, 3, True), (0.3, 2, False)],
)
def test_timing_degradation(p99: float, ahead: int, degraded: bool) -> None:
    a = Adaptation(0.4)
    a.on_settled(False, SOL // 100, 0.1817, -1.0)  # timing is judged once a click of ours has landed
    a.on_timing(p99, ahead, 0.0)
    assert a.timing_degraded is degraded
    assert a.factor == pytest.approx(0.8 if degraded else 1.0)
    a.on_timing(0.3, 1, 1.0)
    assert a.factor == 1.0


def test_decider_scales_stake_under_degraded_timing_and_drops_below_minimum() -> None:
    d = _decider(StrategySpec(name="fixed", params={"stake_sol": 0.01}), max_tightening=0.5)
    slow = TickTiming(samples=500, ewma_s=0.25, jitter_s=0.2, p50_s=0.25, p99_s=1.5)
    snap = snapshot(100)
    snap = replace(snap, game=replace(snap.game, timing=slow))
    d.on_settled(False, SOL // 100, 0.0)  # timing is judged once a click of ours has landed
    dec = d.decide(snap)
    assert dec.adaptation == pytest.approx(0.75)
    assert dec.proposal is not None and dec.proposal.amount_lamports == int(0.01 * SOL * 0.75)
    assert "stakes ×0.75" in dec.reason
    # minimum stake after tightening → dropped with a reason
    d2 = _decider(StrategySpec(name="fixed", params={"stake_sol": 0.001}), max_tightening=0.5)
    d2.on_settled(False, SOL // 100, 0.0)
    dec2 = d2.decide(snap)
    assert dec2.proposal is None and "below the minimum" in dec2.reason
    # timing recovers → stakes recover
    assert d.decide(snapshot(100)).adaptation == 1.0


def test_adaptation_off() -> None:
    d = _decider(FIXED, adaptive=False)
    a = d.adaptation
    for i in range(60):
        d.on_settled(False, SOL // 100, float(i))
    assert a.factor == 1.0
