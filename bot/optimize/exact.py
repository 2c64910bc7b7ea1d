"""The exact Monte Carlo runner: generated games through the real model, Decider, governor and paper broker.

Nothing here judges a bet. Every stake goes through the live parts, in the order the trading loop
(bot/app/loop.py) calls them: ``Governor.on_signal`` (the frame) → ``ProbabilityModel`` → ``Decider.decide`` →
``Governor.review`` → ``Governor.open_bet`` (the write-ahead intent, on an in-memory SQLite store) →
``PaperBroker.place`` → the broker's reports → ``Governor.on_report`` → ``Decider.on_settled``. So the guards
are the governor's own classes and verdicts: a loss limit binds here exactly as it binds live.

What makes it fast is *where* it looks, not what it decides (measured: bench/bench_simulate.py). The trading
loop visits every frame; this runner visits only the ticks on which something can change:

* with a bet open: its landing tick and the tick past its window (a loss is known), or the rug frame;
* with no bet open: every ACTIVE tick — or, for a tick-only rule (a :class:`WakeHint`, e.g. ``fixed``), only
  the tick on which its next slot is due. After a refused proposal the next look is at the first tick past
  every timed pause (``GovernorState.pauses``), at the next game or UTC day after a denial (stake, budget and
  per-game limits change only with a settlement, a new game or the daily loss limit's new day), or at the
  next tick while an open-ended pause lasts;
* a halt or kill ends the session: nobody runs ``rugsbot resume`` in a simulation.

And it asks the governor only what can change a verdict. ``open_bet`` judges every proposal (it re-runs every
guard and refuses with the verdict: ``review`` just before it, at the same feed time, would be the same
judgement twice); settlements (won, lost, rejected) go to ``on_report``, which re-runs every guard. The paper
broker's clicked and confirmed reports are not handed over: they come at feed times on which no decision is
taken and the ledger turns no money on them (intent → won/lost is a legal transition), so no verdict can
differ; nor is ``tick`` called, whose judgement ``open_bet`` repeats. ``every_report=True`` asks ``review``,
hands over every report and ticks on every visit, as the loop does — a test holds the two equal, another holds
this runner equal to the whole trading loop on the same games as frames (``simulate --session``), a third the
hinted and every-tick visits (tests/optimize/test_exact.py). Together they cut the governor's work per bet by
more than half.

Not driven: ``record_decision`` (the decisions table). For a tick-only rule the estimate's credible interval is
left at the mean (see :meth:`ExactRunner._estimate`). Tick statistics are those of a generated feed.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from bot.bets.model import TERMINAL, BetIntent, BetStatus, BrokerReport
from bot.brokers.paper import ReplayBroker
from bot.config.sections import EngineConfig, GuardsConfig, TimingConfig
from bot.engine.probability import ProbabilityModel, kelly_fraction
from bot.engine.ranking import Decider
from bot.engine.types import Estimate, Snapshot, Zone
from bot.feeds.generated import COOLDOWN_S, RUG_PRICE, PricedGames, Timeline, game_id
from bot.game.rules import PAYOUT_MULTIPLIER, WINDOW_TICKS
from bot.game.signals import GameRugged, TickAdvanced
from bot.game.state import AccountView, FinishedGame, GameView, Phase, TickTiming
from bot.mode import Mode
from bot.optimize.betlog import BetLog
from bot.risk.governor import BetRefused, Governor, Level
from bot.risk.ledger import next_utc_midnight
from bot.risk.verdict import Action
from bot.shorten import shorten
from bot.store.db import Store

_NUMBER = re.compile(r"[-+]?\d[\d.,]*")


def _kind(reason: str) -> str:
    """A reason without its numbers (P(win), EV, ticks): thousands of decisions count under a few kinds."""
    return shorten(_NUMBER.sub("#", reason.split(";")[0]), 80)


class WakeHint(Protocol):
    """A rule whose proposal depends only on the tick (or landing tick) and its bets this game."""

    def first_tick(self, tick: int, staked_this_game: int, ticks_ahead: int) -> int | None:
        """The first tick ≥ ``tick`` on which the rule proposes (``None``: not again this game)."""
        ...


@dataclass(frozen=True, slots=True)
class SessionSetup:
    """What one simulated session is: a fresh account (bankroll, ledger, governor) under a profile's rules."""

    guards: GuardsConfig
    engine: EngineConfig
    timing: TimingConfig  # the model's click-latency prior
    latency_s: float  # when paper bets land: the first tick at least this long after the decision
    starting_bankroll_lamports: int
    coin: str
    profile: str = "simulate"
    strategies_dir: Path | None = None


@dataclass(slots=True)
class _OpenBet:
    intent: BetIntent
    land_tick: int
    confirmed: bool = False


class ExactRunner:
    """One session over ``games``; :meth:`run` returns its settled bets."""

    def __init__(
        self,
        setup: SessionSetup,
        *,
        hint: WakeHint | None = None,
        timeline: Timeline | None = None,
        first_game: int = 0,
        every_report: bool = False,
    ) -> None:
        self.setup = setup
        self.every_report = every_report
        self.hint = hint
        self.timeline = timeline
        self.first_game = first_game
        self.model = ProbabilityModel(setup.engine, timing=setup.timing)
        self.decider = Decider(setup.engine, setup.strategies_dir)
        self.broker = ReplayBroker(setup.latency_s)
        self.account = AccountView()
        self.declined: Counter[str] = Counter()
        self._rows: list[tuple[int, int, int, int, int, bool, float, float]] = []
        self._open: _OpenBet | None = None
        self._over = False
        self._samples = 0  # tick gaps seen so far (the tracker's TickTiming.samples)
        self._refused: Action | None = None  # how the last decision ended without a bet (None: it bet)

    # ------------------------------------------------------------------ the run
    def run(self, games: PricedGames) -> BetLog:
        timeline = self.timeline or Timeline.of(games.rug)
        store = Store.open(Path(":memory:"), durable=False)
        try:
            self.gov = Governor.start(
                self.setup.guards,
                store,
                mode=Mode.REPLAY,
                profile=self.setup.profile,
                coin=self.setup.coin,
                logged_in=False,
                starting_bankroll_lamports=self.setup.starting_bankroll_lamports,
                t=float(timeline.tick0[0]) - COOLDOWN_S if len(games) else 0.0,
            )
            for g in range(len(games)):
                if self._over:
                    break
                self._game(games, timeline, g)
            trips = tuple(
                f"{e['guard']}: {e['action']} ({e['reason']})" for e in store.guard_events(self.gov.session)
            )
        finally:
            store.close()
        return BetLog.from_rows(
            self._rows,
            games.rug,
            self.setup.starting_bankroll_lamports,
            guard_trips=trips,
            declined=tuple(self.declined.most_common(12)),
            exact_sessions=1,
        )

    def _game(self, games: PricedGames, timeline: Timeline, g: int) -> None:
        rug = int(games.rug[g])
        path = games.path(g)
        self._g, self._rug, self._path = g, rug, path
        self._gid = game_id(self.first_game + g)
        self._t0, self._tick_s = float(timeline.tick0[g]), timeline.tick_s
        self._peaks: np.ndarray | None = None
        tick = 0
        while tick < rug and not self._over:
            bet = self._open
            if bet is not None:
                # landing, then the first tick past the window's end tick (where a loss is known)
                due = bet.land_tick if not bet.confirmed else bet.land_tick + WINDOW_TICKS + 1
                if due >= rug:
                    break  # the rug frame settles it
                self._visit(due)
                tick = due + 1
                continue
            decide_on = self._next_decision(tick)
            if decide_on is None or decide_on >= rug:
                break
            self._visit(decide_on)
            tick = self._after_decision(decide_on)
        self._samples += rug - 1
        self._rugged()

    # ------------------------------------------------------------------ one tick
    def _view(self, tick: int, phase: Phase = Phase.ACTIVE) -> GameView:
        t = self._t0 + tick * self._tick_s
        if phase is Phase.ACTIVE:
            if self._peaks is None:
                self._peaks = np.maximum.accumulate(self._path)
            price, peak = float(self._path[tick]), float(self._peaks[tick])
            rug_tick = None
            last_tick_t = t
        else:
            peaks = self._peaks
            price, rug_tick = RUG_PRICE, self._rug
            peak = float(peaks[-1]) if peaks is not None else float(self._path.max())
            last_tick_t = self._t0 + (self._rug - 1) * self._tick_s
        s, n = self._tick_s, self._samples + tick
        timing = TickTiming(n, s, 0.0, s, s, s if n else 0.0, 0, s if n else 0.0)
        return GameView(
            self._gid,
            phase,
            tick,
            price,
            t,
            last_tick_t,
            "v3",
            None,
            None,
            False,
            False,
            rug_tick,
            peak,
            timing,
        )

    def _visit(self, tick: int) -> None:
        view = self._view(tick)
        t = view.t
        signal = TickAdvanced(self._gid, tick, view.price, t)
        self.gov.on_signal(signal, view)  # the governor learns the frame (game, time) before any report
        if self._open is not None:
            for report in self.broker.on_signal(signal, view):
                self._apply(report)
        if self.every_report:
            self.gov.tick(view, t)
        if self._open is None and not self._over:
            self._decide(view)

    def _estimate(self, view: GameView) -> Estimate:
        """The model's estimate; for a tick-only rule only what it and the Decider read: the landing tick and
        P(win) (the adaptive stake weighs results by it). The credible interval is left at the mean — it is
        recomputed after every finished game (≈ 0.3 ms, more than the rest of a game costs here) and no
        tick-only rule reads it."""
        model = self.model
        if self.hint is None:
            return model.estimate(view, now=view.t)
        p = model.p_win_at(view.tick, version=view.version)
        promo = self.setup.engine.promo_value_per_bet
        ev = PAYOUT_MULTIPLIER * p - 1.0 + promo
        be = model.break_even
        window = model.timing.window(view.timing)
        return Estimate(
            p_win=p,
            p_low=p,
            p_high=p,
            ev=ev,
            ev_low=ev,
            ev_high=ev,
            break_even=be,
            zone=Zone.ABOVE if p > be else Zone.BELOW if p < be else Zone.NEAR,
            kelly=kelly_fraction(p, PAYOUT_MULTIPLIER, promo) if ev > 0 else 0.0,
            landing_tick=model.landing(view, view.t).tick,
            window_s_mean=window.mean_s,
            window_s_low=window.low_s,
            window_s_high=window.high_s,
            hazard=1.0 - (1.0 - p) ** (1.0 / WINDOW_TICKS),
            note="tick-only rule: credible interval not computed",
        )

    def _decide(self, view: GameView) -> None:
        self._refused = None
        t = view.t
        snapshot = Snapshot(
            view, self._estimate(view), self.gov.ledger_view(), self.account, t, self.setup.coin
        )
        decision = self.decider.decide(snapshot)
        proposal = decision.proposal
        if proposal is None:
            self._refused = Action.ALLOW  # the rule itself did not bet
            self.declined[_kind(decision.reason)] += 1
            return
        if self.every_report:  # the loop asks review first; open_bet asks the same guards again
            verdict = self.gov.review(proposal, snapshot)
            if not verdict.allowed:
                self._refused = verdict.action
                self.declined[_kind(f"refused: {verdict}")] += 1
                return
        try:
            intent = self.gov.open_bet(proposal, view, self.setup.coin)
        except BetRefused as exc:  # no intent row, no bet
            self._refused = exc.verdict.action
            self.declined[_kind(f"refused: {exc.verdict}")] += 1
            return
        land = view.tick + 1
        while self._t0 + land * self._tick_s < intent.decided_t + self.setup.latency_s:
            land += 1  # the paper broker's rule: the first tick at least latency_s after the decision
        self._open = _OpenBet(intent, land)
        self._apply(self.broker.place(intent))

    def _apply(self, report: BrokerReport) -> None:
        """A broker report reaches the governor, the model and the Decider (bot/app/loop.py ``apply``)."""
        if self.every_report or report.status in TERMINAL:
            self.gov.on_report(report)
        bet = self._open
        if bet is None or report.bet_id != bet.intent.bet_id:
            return
        if report.status is BetStatus.CONFIRMED:
            bet.confirmed = True
            if report.latency_s is not None:
                self.model.observe_latency(report.latency_s)
        if report.status not in TERMINAL:
            return
        self._open = None
        if report.status in (BetStatus.WON, BetStatus.LOST):
            won = report.status is BetStatus.WON
            i = bet.intent
            self.decider.on_settled(won, i.amount_lamports, report.t, strategy=i.strategy)
            self._rows.append(
                (
                    self._g,
                    i.decided_tick,
                    int(report.start_tick if report.start_tick is not None else bet.land_tick),
                    self._rug,
                    i.amount_lamports,
                    won,
                    i.decided_t,
                    report.t,
                )
            )
        if self.gov.state.level in (Level.HALTED, Level.KILLED):
            self._over = True

    def _rugged(self) -> None:
        view = self._view(self._rug, Phase.RUGGED)
        finished = FinishedGame(self._gid, self._rug, view.peak, view.t, 0, True, "v3")
        if self._open is not None:
            signal = GameRugged(finished)
            self.gov.on_signal(signal, view)
            for report in self.broker.on_signal(signal, view):
                self._apply(report)
        self.model.observe_game(finished)
        drift = self.model.drift
        if drift.alarm and not self._over:
            self.gov.alarm("model_drift", drift.reason)
        if self.gov.state.level in (Level.HALTED, Level.KILLED):
            self._over = True

    # ------------------------------------------------------------------ where to look next
    def _next_decision(self, tick: int) -> int | None:
        if self.hint is None:
            return tick
        view = self._view(min(tick, self._rug - 1))
        ahead = self.model.landing(view, view.t).ticks_ahead
        return self.hint.first_tick(tick, self.gov.ledger.staked_in_game(self._gid), ahead)

    def _after_decision(self, tick: int) -> int:
        """The next tick worth a look after a decision on ``tick`` (the bet's landing if one was opened)."""
        refused = self._refused
        if self._open is not None or self.hint is None or refused is None:
            return tick + 1
        state = self.gov.state
        if state.level in (Level.HALTED, Level.KILLED):
            self._over = True
            return self._rug
        if refused is Action.ALLOW:  # a due slot the Decider dropped (stake, bankroll): not before a new game
            return self._rug
        if state.level is Level.PAUSED:
            untils = [p.until for p in state.pauses]
            if any(u is None for u in untils):
                return tick + 1
            until = max(u for u in untils if u is not None)
            return max(tick + 1, int(np.ceil((until - self._t0) / self._tick_s)))
        # a denial: the stake does not fit a limit; only a new game or a new UTC day can change that
        midnight = next_utc_midnight(self._t0 + tick * self._tick_s)
        return max(tick + 1, int(np.ceil((midnight - self._t0) / self._tick_s)))
