"""The engine on a real capture through the real tracker: decisions only while ACTIVE, never two, always a reason."""

from __future__ import annotations

from bot.config.sections import EngineConfig, StrategySpec
from bot.engine.probability import ProbabilityModel
from bot.engine.ranking import Decider
from bot.engine.types import LedgerView, Snapshot
from bot.feeds.recording import iter_frames
from bot.game.signals import GameRugged, TickAdvanced
from bot.game.state import AccountView, Phase
from bot.game.tracker import GameTracker
from bot.money import SOL_MINT

from .helpers import REAL

CAPTURE = REAL / "captures" / "2025-12-12_17-16-58_raw.frames.jsonl.gz"


def test_fixed_strategy_on_real_capture() -> None:
    config = EngineConfig(strategies=[StrategySpec(name="fixed", params={"max_bets_per_game": 3})])
    model, decider, tracker = ProbabilityModel(config), Decider(config), GameTracker()
    staked: dict[str, int] = {}
    bets: list[tuple[str, int, int]] = []
    rugged: list[int] = []
    decisions = 0
    for fr in iter_frames([CAPTURE]):
        for sig in tracker.on_frame(fr.t, fr.dir, fr.frame):
            if isinstance(sig, GameRugged):
                model.observe_game(sig.game)
                rugged.append(sig.game.rug_tick)
                continue
            if not isinstance(sig, TickAdvanced):
                continue
            view = tracker.view
            est = model.estimate(view, now=fr.t)
            gid = view.game_id or ""
            ledger = LedgerView(bankroll_lamports=10**9, staked_this_game_lamports=staked.get(gid, 0))
            dec = decider.decide(Snapshot(view, est, ledger, AccountView(), fr.t, SOL_MINT))
            decisions += 1
            assert dec.reason
            assert sum(c is dec.proposal for c in dec.candidates) == (dec.proposal is not None)
            if dec.proposal is not None:
                assert view.phase is Phase.ACTIVE and est.feasible
                assert est.landing_tick > view.tick
                staked[gid] = staked.get(gid, 0) + dec.proposal.amount_lamports
                bets.append((gid, view.tick, est.landing_tick))
    assert decisions > 200
    assert len(rugged) >= 2 and model.games_observed >= 2
    assert bets, "the fixed strategy should have bet on a real game"
    per_game: dict[str, int] = {}
    for gid, _, _ in bets:
        per_game[gid] = per_game.get(gid, 0) + 1
    assert max(per_game.values()) <= 3
    # back-to-back windows: the n-th bet of a game lands at or after tick 40·n
    for gid in per_game:
        landings = [landing for g, _, landing in bets if g == gid]
        assert all(landing >= 40 * i for i, landing in enumerate(landings))
