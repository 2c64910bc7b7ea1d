"""Honest P(win) for a side bet placed now: the provably-fair rules as a prior, updated by the games we saw.

Model. Each tick the generator draws ``prng() < 0.005`` before anything else (protocol.md), so the rug is a
sequence of Bernoulli checks with hazard ``h``. A game whose rug frame has wire tick ``F`` rugged at loop index
``F − 1``: it survived the checks at indices ``0 … F−2`` and the check at ``F−1`` fired, i.e. ``F`` checks at
risk and one rug. A game first seen at wire tick ``k`` (joined late) only tells us about checks ``k … F−1``
(left truncation), so it contributes ``F − k`` checks at risk; that keeps late joins unbiased.

A bet whose window starts at wire tick ``s`` wins iff ``F ≤ s + 40``, i.e. iff one of the checks ``s … s+39``
fires: ``P(win) = 1 − (1 − h)^40`` whatever ``s`` is. The hazard gets a Beta prior centred on the rules with the
strength of ``prior_games`` games (≈ 200 checks each), so a few hundred noisy games cannot talk the bot into an
edge; the same counts per tick bin (0–50, 50–100, …) show non-memoryless behaviour if there ever is any, and
:mod:`bot.engine.drift` turns a real change into an alarm.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, ClassVar

from bot.config.sections import EngineConfig, TimingConfig
from bot.engine.beta import beta_ppf
from bot.engine.drift import DriftMonitor, DriftStatus
from bot.engine.persist import listed, whole
from bot.engine.timing_model import Landing, TimingModel
from bot.engine.types import Estimate, Zone
from bot.game.rules import PAYOUT_MULTIPLIER, RUG_HAZARD, WINDOW_TICKS
from bot.game.state import FinishedGame, GameView, Phase, TickTiming

# Per-tick rug probability of each provably-fair generator version we know (protocol.md: v3 verified bit-exact;
# v1 differs only in the volatility term).
RULES_HAZARD: Mapping[str, float] = MappingProxyType({"v3": RUG_HAZARD, "v1": RUG_HAZARD})
DEFAULT_VERSION = "v3"
TICK_BINS: tuple[int, ...] = (0, 50, 100, 200, 400)  # lower edges; the last bin is open-ended
STALE_FEED_S = 1.0  # tick silence after which a rug may already have happened (silences surround every rug)
SAVED_IDS = (
    2000  # game ids kept in a saved state: a game seen again just after a restart is not counted twice
)


# ------------------------------------------------------------------------------------------------ posterior
@dataclass(frozen=True, slots=True)
class HazardPosterior:
    """Beta posterior of the per-tick rug hazard (over all ticks or one tick bin)."""

    alpha: float
    beta: float
    rugs: int  # observed (excluding the prior)
    at_risk: int
    low: float
    high: float
    tick_from: int = 0
    tick_to: int | None = None  # exclusive; None = open-ended

    @property
    def mean(self) -> float:
        return self.alpha / (self.alpha + self.beta)

    @property
    def mle(self) -> float | None:
        return self.rugs / self.at_risk if self.at_risk else None


def _bin_index(loop_index: int) -> int:
    for i in range(len(TICK_BINS) - 1, -1, -1):
        if loop_index >= TICK_BINS[i]:
            return i
    return 0


def _checks_in(lo: int, hi: int | None, first: int, last: int) -> int:
    """Number of loop indices in [lo, hi) ∩ [first, last]."""
    top = last if hi is None else min(last, hi - 1)
    bottom = max(lo, first)
    return max(0, top - bottom + 1)


class _Counts:
    """Prior + observed counts for one version, pooled and per tick bin; quantiles cached until the next game."""

    def __init__(self, h0: float, prior_games: float) -> None:
        checks_per_game = 1.0 / h0
        self.a0 = prior_games
        self.b0 = prior_games * (checks_per_game - 1.0)
        self.rugs = 0
        self.at_risk = 0
        # Prior per bin: the exposure a game under h0 spends in that bin (expected checks and rugs there).
        s = 1.0 - h0
        self.bin_a0: list[float] = []
        self.bin_b0: list[float] = []
        for i, lo in enumerate(TICK_BINS):
            hi = TICK_BINS[i + 1] if i + 1 < len(TICK_BINS) else None
            surv_lo = s**lo
            surv_hi = 0.0 if hi is None else s**hi
            rugs = prior_games * (surv_lo - surv_hi)
            checks = prior_games * (surv_lo - surv_hi) / h0
            self.bin_a0.append(rugs)
            self.bin_b0.append(max(checks - rugs, 1e-9))
        self.bin_rugs = [0] * len(TICK_BINS)
        self.bin_at_risk = [0] * len(TICK_BINS)
        self._pooled: HazardPosterior | None = None
        self._bins: tuple[HazardPosterior, ...] | None = None

    def add(self, first: int, rug_tick: int) -> int:
        """Record a game seen from loop index ``first`` whose rug frame had wire tick ``rug_tick``."""
        rug_index = max(rug_tick - 1, first)
        at_risk = rug_index - first + 1
        self.rugs += 1
        self.at_risk += at_risk
        for i, lo in enumerate(TICK_BINS):
            hi = TICK_BINS[i + 1] if i + 1 < len(TICK_BINS) else None
            self.bin_at_risk[i] += _checks_in(lo, hi, first, rug_index)
        self.bin_rugs[_bin_index(rug_index)] += 1
        self._pooled = None
        self._bins = None
        return at_risk

    def mean(self) -> float:
        """Posterior mean without the (costlier) interval: for per-tick callers that need only P(win)."""
        a = self.a0 + self.rugs
        return a / (a + self.b0 + self.at_risk - self.rugs)

    def pooled(self) -> HazardPosterior:
        if self._pooled is None:
            a = self.a0 + self.rugs
            b = self.b0 + self.at_risk - self.rugs
            self._pooled = HazardPosterior(
                a, b, self.rugs, self.at_risk, beta_ppf(0.025, a, b), beta_ppf(0.975, a, b)
            )
        return self._pooled

    def bins(self) -> tuple[HazardPosterior, ...]:
        if self._bins is None:
            out = []
            for i, lo in enumerate(TICK_BINS):
                hi = TICK_BINS[i + 1] if i + 1 < len(TICK_BINS) else None
                a = self.bin_a0[i] + self.bin_rugs[i]
                b = self.bin_b0[i] + self.bin_at_risk[i] - self.bin_rugs[i]
                out.append(
                    HazardPosterior(
                        a,
                        b,
                        self.bin_rugs[i],
                        self.bin_at_risk[i],
                        beta_ppf(0.025, a, b),
                        beta_ppf(0.975, a, b),
                        lo,
                        hi,
                    )
                )
            self._bins = tuple(out)
        return self._bins


def p_win_from_hazard(h: float, window: int = WINDOW_TICKS) -> float:
    return 1.0 - (1.0 - h) ** window


def kelly_fraction(p: float, payout: int = 5, promo: float = 0.0) -> float:
    """Growth-optimal stake fraction for a bet returning ``payout − 1 + promo`` on a win and ``−1 + promo`` on a loss.

    With promo 0 this is the textbook ``(b·p − q)/b``, b = payout − 1. Zero whenever EV ≤ 0.
    """
    win = payout - 1 + promo
    lose = 1.0 - promo
    if lose <= 0:
        return 1.0
    edge = p * win - (1.0 - p) * lose
    if edge <= 0:
        return 0.0
    return min(1.0, edge / (win * lose))


class ProbabilityModel:
    """P(win), its credible interval, EV, zone and Kelly for a side bet clicked now; cheap per tick.

    Its own saved state (``STATE_KIND`` "posterior") is the observed counts per fair version and tick bin;
    the prior is rebuilt from the profile at each start, so a changed ``prior_games`` applies at once.
    :meth:`persistent_parts` lists it with the drift monitor and the timing model, which save separately.
    """

    STATE_KIND: ClassVar[str] = "posterior"
    STATE_VERSION: ClassVar[int] = 1

    def __init__(
        self,
        config: EngineConfig,
        *,
        window: int = WINDOW_TICKS,
        payout: int = PAYOUT_MULTIPLIER,
        timing: TimingConfig | None = None,
    ) -> None:
        self.config = config
        self.window = window
        self.payout = payout
        self.break_even = 1.0 / payout
        self.timing = TimingModel((timing or TimingConfig()).click_latency_s)
        self._counts: dict[str, _Counts] = {}
        self._seen: set[str] = set()
        self._seen_order: deque[str] = deque()
        self._keep_ids = 10_000
        self._drift = DriftMonitor(
            RULES_HAZARD[DEFAULT_VERSION], delta=config.drift_delta, threshold=config.drift_log_lr_threshold
        )
        self._last_timing = TickTiming()
        self.games_observed = 0

    # ------------------------------------------------------------------ inputs
    @staticmethod
    def prior_hazard(version: str | None) -> tuple[float, str]:
        """The rules' hazard for ``version`` and a note when we had to fall back to v3."""
        if version is not None and version in RULES_HAZARD:
            return RULES_HAZARD[version], ""
        if version is None:
            return RULES_HAZARD[DEFAULT_VERSION], "fair version not announced yet: using the v3 prior"
        return RULES_HAZARD[DEFAULT_VERSION], f"unknown fair version {version!r}: using the v3 prior"

    def _counts_for(self, version: str | None) -> _Counts:
        key = version or DEFAULT_VERSION
        c = self._counts.get(key)
        if c is None:
            c = self._counts[key] = _Counts(self.prior_hazard(version)[0], self.config.prior_games)
        return c

    def observe_game(self, game: FinishedGame) -> bool:
        """Update the posterior and the drift test with a finished game; duplicates are ignored. Returns True if used."""
        if game.game_id in self._seen:
            return False
        self._seen.add(game.game_id)
        self._seen_order.append(game.game_id)
        if len(self._seen_order) > self._keep_ids:
            self._seen.discard(self._seen_order.popleft())
        first = 0 if game.complete else max(0, game.first_tick_seen)
        # On the wire the rug frame is tick ≥ 1; some third-party datasets write 0 for an instant rug.
        final = max(1, game.rug_tick) if game.complete else game.rug_tick
        if final - 1 < first:
            return False  # joined at the rug itself: no check at risk that we saw
        # The interval is recomputed lazily by the next estimate (≈ 0.1–0.2 ms): bulk loads stay cheap.
        at_risk = self._counts_for(game.version).add(first, final)
        if self.config.drift_alarm:
            self._drift.observe(at_risk, 1)
        self.games_observed += 1
        return True

    def observe_latency(self, seconds: float) -> None:
        self.timing.observe_latency(seconds)

    def observe_tick_timing(self, timing: TickTiming) -> None:
        """Fallback timing for views that carry none (the view's own ``timing`` wins when it has samples)."""
        self._last_timing = timing

    def report_fair_mismatch(self, reason: str) -> DriftStatus:
        return self._drift.report_fair_mismatch(reason)

    @property
    def drift(self) -> DriftStatus:
        return self._drift.status

    @property
    def drift_monitor(self) -> DriftMonitor:
        return self._drift

    def persistent_parts(self) -> tuple[ProbabilityModel, DriftMonitor, TimingModel]:
        """What a restart must restore: the posterior (this object), the drift evidence, the click timing."""
        return (self, self._drift, self.timing)

    # ------------------------------------------------------------------ memory across restarts
    def export_state(self) -> dict[str, Any]:
        """Observed counts (prior excluded) per version, the games used and the newest game ids."""
        return {
            "tick_bins": list(TICK_BINS),
            "games_observed": self.games_observed,
            "versions": {
                v: {
                    "rugs": c.rugs,
                    "at_risk": c.at_risk,
                    "bin_rugs": c.bin_rugs,
                    "bin_at_risk": c.bin_at_risk,
                }
                for v, c in self._counts.items()
            },
            "seen": list(self._seen_order)[-SAVED_IDS:],
        }

    def restore_state(self, data: Mapping[str, Any]) -> str:
        """Continue from a saved state; ``ValueError`` (nothing changed) when malformed or binned otherwise."""
        if listed(data, "tick_bins") != list(TICK_BINS):
            raise ValueError(f"tick bins {data['tick_bins']} differ from {list(TICK_BINS)}")
        games = whole(data, "games_observed")
        versions = data.get("versions")
        if not isinstance(versions, dict):
            raise ValueError("versions is not a table")
        counts: dict[str, _Counts] = {}
        for version, raw in versions.items():
            if not isinstance(raw, dict):
                raise ValueError(f"versions.{version} is not a table")
            c = _Counts(self.prior_hazard(version)[0], self.config.prior_games)
            c.rugs, c.at_risk = whole(raw, "rugs"), whole(raw, "at_risk")
            c.bin_rugs = [whole({"n": n}, "n") for n in listed(raw, "bin_rugs")]
            c.bin_at_risk = [whole({"n": n}, "n") for n in listed(raw, "bin_at_risk")]
            bins_ok = len(c.bin_rugs) == len(c.bin_at_risk) == len(TICK_BINS)
            if (
                c.rugs > c.at_risk
                or not bins_ok
                or sum(c.bin_rugs) != c.rugs
                or sum(c.bin_at_risk) != c.at_risk
            ):
                raise ValueError(f"versions.{version}: inconsistent counts")
            counts[str(version)] = c
        seen = [str(g) for g in listed(data, "seen")][-self._keep_ids :]
        self._counts = counts
        self.games_observed = games
        self._seen = set(seen)
        self._seen_order = deque(seen)
        total = sum(c.rugs for c in counts.values())
        return f"{games} games ({total} rugs) over {len(counts)} fair version(s)"

    # ------------------------------------------------------------------ outputs
    def hazard_posterior(self, version: str | None = DEFAULT_VERSION) -> HazardPosterior:
        return self._counts_for(version).pooled()

    def hazard_by_bin(self, version: str | None = DEFAULT_VERSION) -> tuple[HazardPosterior, ...]:
        return self._counts_for(version).bins()

    def p_win_at(self, tick: int, *, version: str | None = DEFAULT_VERSION, by_bin: bool = False) -> float:
        """P(win) for a window starting at wire ``tick``. ``by_bin`` uses the per-bin hazards (diagnostic only)."""
        if not by_bin:
            return p_win_from_hazard(self._counts_for(version).mean(), self.window)
        bins = self.hazard_by_bin(version)
        survive = 1.0
        for i in range(tick, tick + self.window):
            survive *= 1.0 - bins[_bin_index(i)].mean
        return 1.0 - survive

    def _timing_of(self, view: GameView) -> TickTiming:
        return view.timing if view.timing.samples > 0 else self._last_timing

    def landing(self, view: GameView, now: float | None = None) -> Landing:
        return self.timing.landing(view.tick, view.last_tick_t, self._timing_of(view), now)

    def estimate(self, view: GameView, *, now: float | None = None) -> Estimate:
        post = self.hazard_posterior(view.version)
        _, version_note = self.prior_hazard(view.version)
        p = p_win_from_hazard(post.mean, self.window)
        p_low = p_win_from_hazard(post.low, self.window)
        p_high = p_win_from_hazard(post.high, self.window)
        promo = self.config.promo_value_per_bet
        ev = self.payout * p - 1.0 + promo
        ev_low = self.payout * p_low - 1.0 + promo
        ev_high = self.payout * p_high - 1.0 + promo
        be = self.break_even
        zone = Zone.ABOVE if p_low > be else Zone.BELOW if p_high < be else Zone.NEAR
        kelly = kelly_fraction(p, self.payout, promo) if ev > 0 else 0.0
        timing = self._timing_of(view)
        land = self.timing.landing(view.tick, view.last_tick_t, timing, now)
        win = self.timing.window(timing, self.window)

        notes = []
        feasible = True
        if view.phase is not Phase.ACTIVE:
            feasible = False
            notes.append(f"phase {view.phase.value}: no side bet now")
        elif view.rug_tick is not None:
            feasible = False
            notes.append(f"rugged at tick {view.rug_tick}: a click would land after the rug")
        elif view.tick < 0:
            feasible = False
            notes.append("no tick seen yet")
        elif land.elapsed_s > STALE_FEED_S:
            feasible = False
            notes.append(f"no tick for {land.elapsed_s:.1f}s: the game may have rugged already")
        if promo:
            notes.append(f"EV includes promo +{promo:.1%} (without: {ev - promo:+.2%})")
        if version_note:
            notes.append(version_note)
        return Estimate(
            p_win=p,
            p_low=p_low,
            p_high=p_high,
            ev=ev,
            ev_low=ev_low,
            ev_high=ev_high,
            break_even=be,
            zone=zone,
            kelly=kelly,
            landing_tick=land.tick,
            window_s_mean=win.mean_s,
            window_s_low=win.low_s,
            window_s_high=win.high_s,
            hazard=post.mean,
            feasible=feasible,
            note="; ".join(notes),
        )
