"""The Decider: ask every configured strategy, keep the proposals that can be placed, pick at most one.

Hard rules come first and no strategy can override them: no bet when the estimate is infeasible (wrong phase,
landing after a rug, stale feed). One open bet at a time is the governor's rule (the ``one_open_bet`` guard),
checked there only. Then adaptive tightening scales stakes, proposals below the minimum bet or above the
bankroll are dropped, and the rest are scored

    score = weight × (1 + EV_low) × (1 − stake/bankroll)

i.e. profile preference × what a unit returns at the pessimistic end of the interval (EV and confidence in
one number) × a risk discount. The score only orders candidates; it never turns "no bet" into a bet. Every
decision carries a human reason, also (especially) when it is "no bet". The governor reviews the result.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from loguru import logger

from bot.config.sections import EngineConfig
from bot.engine.adaptive import Adaptation
from bot.engine.strategy import Strategy, make_strategy
from bot.engine.types import Estimate, Settled, SideBet, Skip, Snapshot
from bot.game.rules import MIN_BET_LAMPORTS, P_WIN, Outcome
from bot.game.rules import payout_lamports as rules_payout
from bot.money import fmt_sol


@dataclass(frozen=True, slots=True)
class Decision:
    proposal: SideBet | None
    reason: str
    candidates: tuple[SideBet, ...]
    estimate: Estimate
    adaptation: float  # stake multiplier applied (1.0 = none)


class Decider:
    def __init__(self, config: EngineConfig, strategies_dir: Path | None = None) -> None:
        self.config = config
        self.strategies: list[tuple[Strategy, float]] = []
        for spec in config.strategies:
            strat = make_strategy(spec.name, spec.params, strategies_dir)
            if strat.warning:
                logger.warning("strategy {}: {}", strat.name, strat.warning)
            self.strategies.append((strat, spec.weight))
        self.adaptation = Adaptation(config.max_tightening, enabled=config.adaptive)
        self._last_p_win = P_WIN
        self._last_pick: str | None = None

    @property
    def warnings(self) -> tuple[str, ...]:
        """Loud warnings of the loaded strategies, for the screen."""
        return tuple(f"{s.name}: {s.warning}" for s, _ in self.strategies if s.warning)

    def decide(self, snapshot: Snapshot) -> Decision:
        est = snapshot.estimate
        self._last_p_win = est.p_win
        if self.config.adaptive:
            timing = snapshot.game.timing
            # p99 from a handful of gaps is noise (bursts after silences); judge it once there are enough.
            self.adaptation.on_timing(
                timing.p99_s if timing.samples >= 50 else 0.0,
                est.landing_tick - snapshot.game.tick,
                snapshot.t,
            )
        factor = self.adaptation.factor

        def none(reason: str, candidates: tuple[SideBet, ...] = ()) -> Decision:
            return Decision(None, f"no bet: {reason}", candidates, est, factor)

        if not est.feasible:
            return none(f"not placeable now ({est.note or 'infeasible'})")

        bankroll = snapshot.ledger.bankroll_lamports
        candidates: list[SideBet] = []
        why_not: list[str] = []
        for strat, weight in self.strategies:
            try:
                prop = strat.propose(snapshot)
            except Exception as exc:  # a buggy plug-in must not take the bot down: it just does not bet
                logger.exception("strategy {} raised in propose()", strat.name)
                why_not.append(f"{strat.name}: raised {type(exc).__name__}: {exc}")
                continue
            if isinstance(prop, Skip):
                why_not.append(f"{strat.name}: {prop.reason}")
                continue
            if not isinstance(prop, SideBet):  # e.g. a bare None: v1's way of saying "no bet"
                why_not.append(f"{strat.name}: propose() returned {prop!r}, not a SideBet or Skip(reason)")
                continue
            amount = int(prop.amount_lamports * factor)
            if amount < MIN_BET_LAMPORTS:
                why_not.append(
                    f"{strat.name}: stake {fmt_sol(amount)} SOL after ×{factor:.2f} is below the minimum"
                )
                continue
            if bankroll <= 0 or amount > bankroll:
                why_not.append(
                    f"{strat.name}: stake {fmt_sol(amount)} SOL exceeds bankroll {fmt_sol(bankroll)} SOL"
                )
                continue
            score = weight * (1.0 + est.ev_low) * (1.0 - amount / bankroll)
            candidates.append(
                replace(prop, amount_lamports=amount, strategy=prop.strategy or strat.name, score=score)
            )

        if not candidates:
            return none("; ".join(why_not) or "no strategy configured")
        best = max(candidates, key=lambda c: c.score)  # max() keeps the first of equal scores: profile order
        self._last_pick = best.strategy
        tightened = f"; {self.adaptation.reason()}" if factor < 1.0 else ""
        others = f"; {len(candidates) - 1} other candidate(s)" if len(candidates) > 1 else ""
        reason = (
            f"{best.strategy}: {best.reason} — stake {fmt_sol(best.amount_lamports)} SOL, "
            f"score {best.score:.3f}{tightened}{others}"
        )
        return Decision(best, reason, tuple(candidates), est, factor)

    def on_settled(
        self,
        won: bool,
        stake_lamports: int,
        t: float,
        *,
        strategy: str | None = None,
        p_win: float | None = None,
        payout_lamports: int | None = None,
    ) -> None:
        """A bet settled: tell the strategy that proposed it (by name, else the last pick) and the adaptation.

        ``t`` is the feed time of the settlement (seconds); ``payout_lamports`` the gross amount paid back
        (default: what the rules pay, 5 × stake on a win, 0 on a loss).
        """
        target = strategy or self._last_pick
        outcome = Outcome.WON if won else Outcome.LOST
        payout = payout_lamports if payout_lamports is not None else rules_payout(stake_lamports, outcome)
        settled = Settled(won, stake_lamports, payout, t)
        for strat, _ in self.strategies:
            if strat.name == target:
                strat.on_settled(settled)
        self.adaptation.on_settled(won, stake_lamports, self._last_p_win if p_win is None else p_win, t)
