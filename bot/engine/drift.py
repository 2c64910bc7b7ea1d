"""Is the rug hazard still what the provably-fair rules say? A two-sided CUSUM on per-game log-likelihood ratios.

Why CUSUM and not a one-shot SPRT: the bot watches an endless stream of games, and a plain SPRT stops at its
first decision. CUSUM is the repeated SPRT that restarts at zero whenever the evidence favours h0, so it keeps
watching and reacts quickly to a change that happens late. Two arms test h1 = h0·(1+δ) and h1 = h0·(1−δ).

The statistic is in nats. Its false-alarm rate is measured, not derived (bench/bench_drift.py, results in
docs/bench/drift.md: 4,000 fair 20,000-game sessions): the first threshold, 9.2 nats, alarmed in 8.6 % of
them (about 1 in 12, as the Monte Carlo work saw); the default, 12 nats, in 0.42 % [0.27, 0.68] (target
< 1 % per 20k games), at the price of a slower catch: a +25 % hazard is flagged in a median 454 games (338 at
9.2), a −25 % one in 242 (171).

The reference h0 is fixed (the published rules), never the posterior: a test against its own estimate would
follow a drift instead of flagging it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from bot.engine.persist import finite, whole


@dataclass(frozen=True, slots=True)
class DriftStatus:
    alarm: bool
    reason: str
    statistic: float  # the larger of the two CUSUM arms, in nats


def game_log_lr(at_risk: int, rugs: int, h0: float, h1: float) -> float:
    """Log-likelihood ratio of h1 vs h0 for ``at_risk`` Bernoulli rug checks of which ``rugs`` fired."""
    survived = max(0, at_risk - rugs)
    return rugs * math.log(h1 / h0) + survived * math.log((1.0 - h1) / (1.0 - h0))


class DriftMonitor:
    """Feed it games (rug checks at risk, rugs); it raises an alarm that stays raised until :meth:`reset`.

    Its evidence survives restarts (:meth:`export_state` / :meth:`restore_state`): a drift that builds up
    over several scheduled windows is caught as if the bot had never stopped.
    """

    STATE_KIND: ClassVar[str] = "drift"
    STATE_VERSION: ClassVar[int] = 1

    def __init__(self, h0: float, *, delta: float = 0.25, threshold: float = 12.0) -> None:
        if not 0.0 < h0 < 1.0:
            raise ValueError(f"h0 must be in (0, 1), got {h0}")
        if not 0.0 < delta < 1.0:
            raise ValueError(f"delta must be in (0, 1), got {delta}")
        self.h0 = h0
        self.delta = delta
        self.threshold = threshold
        self._h_up = h0 * (1.0 + delta)
        self._h_down = h0 * (1.0 - delta)
        # Per-check constants so one game costs two multiply-adds.
        self._up_rug = math.log(self._h_up / h0)
        self._up_surv = math.log((1.0 - self._h_up) / (1.0 - h0))
        self._down_rug = math.log(self._h_down / h0)
        self._down_surv = math.log((1.0 - self._h_down) / (1.0 - h0))
        self.up = 0.0
        self.down = 0.0
        self.games = 0
        self._alarm_reason = ""

    def observe(self, at_risk: int, rugs: int = 1) -> DriftStatus:
        survived = max(0, at_risk - rugs)
        self.up = max(0.0, self.up + rugs * self._up_rug + survived * self._up_surv)
        self.down = max(0.0, self.down + rugs * self._down_rug + survived * self._down_surv)
        self.games += 1
        if not self._alarm_reason:
            if self.up > self.threshold:
                self._alarm_reason = (
                    f"rug hazard looks HIGHER than the rules' {self.h0:.4f}/tick "
                    f"(CUSUM {self.up:.1f} > {self.threshold:.1f} nats after {self.games} games)"
                )
            elif self.down > self.threshold:
                self._alarm_reason = (
                    f"rug hazard looks LOWER than the rules' {self.h0:.4f}/tick "
                    f"(CUSUM {self.down:.1f} > {self.threshold:.1f} nats after {self.games} games)"
                )
        return self.status

    def report_fair_mismatch(self, reason: str) -> DriftStatus:
        """A provably-fair audit failure is proof, not evidence: alarm at once."""
        if not self._alarm_reason:
            self._alarm_reason = f"provably-fair mismatch: {reason}"
        return self.status

    def reset(self) -> None:
        self.up = self.down = 0.0
        self._alarm_reason = ""

    @property
    def status(self) -> DriftStatus:
        stat = max(self.up, self.down)
        if self._alarm_reason:
            return DriftStatus(True, self._alarm_reason, stat)
        return DriftStatus(False, f"hazard consistent with {self.h0:.4f}/tick over {self.games} games", stat)

    # ------------------------------------------------------------------ memory across restarts
    def export_state(self) -> dict[str, Any]:
        """The two CUSUM arms (nats), the games seen and the hypotheses they were computed for."""
        return {
            "h0": self.h0,
            "delta": self.delta,
            "up": self.up,
            "down": self.down,
            "games": self.games,
            "alarm": self._alarm_reason,
        }

    def restore_state(self, data: Mapping[str, Any]) -> str:
        """Continue from a saved state. Raises ``ValueError`` (nothing changed) when it is malformed or was
        computed for other hypotheses (another h0 or δ: the arms would mean something else).

        A saved *alarm* is not restored: a run can only start after ``rugsbot resume``, which is the
        operator's answer to that alarm, so the evidence starts afresh (with a note in the returned text).
        """
        h0, delta = finite(data, "h0"), finite(data, "delta")
        if abs(h0 - self.h0) > 1e-12 or abs(delta - self.delta) > 1e-12:
            raise ValueError(
                f"computed for h0 {h0:g} and delta {delta:g}, now {self.h0:g} and {self.delta:g}"
            )
        up, down, games = finite(data, "up", low=0.0), finite(data, "down", low=0.0), whole(data, "games")
        alarm = data.get("alarm", "")
        if not isinstance(alarm, str):
            raise ValueError("alarm is not a text")
        self.games = games
        if alarm:
            self.reset()
            return f"the previous run's alarm ({alarm}) was resumed by the operator: evidence starts afresh"
        self.up, self.down, self._alarm_reason = up, down, ""
        return f"CUSUM {max(up, down):.2f} nats after {games} games"
