"""The session: one loop from frames to bets, identical in live, dry-run, practice and replay.

``on_frame`` is the decision path: tracker → (on a new ACTIVE tick) probability → strategies/ranker →
governor → write-ahead intent. It returns the :class:`BetIntent` for the caller to hand to the broker
(async in a browser, immediate in replay) and everything the broker reports comes back through
:meth:`TradingLoop.apply`. Heavy work that is not needed for the next decision — the provably-fair audit of
``gameHistory`` frames — is queued and done in :meth:`TradingLoop.idle`, after the decision.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from loguru import logger

from bot.bets.model import TERMINAL, BetIntent, BetStatus, BrokerReport
from bot.bets.tracker import BetTracker
from bot.brokers.base import Broker
from bot.engine.types import Estimate, LedgerView, SideBet, Snapshot
from bot.faultpoints import CrashPoint, crash_point
from bot.game.signals import (
    GameRugged,
    GameStarted,
    HistoryReceived,
    MaintenanceNotice,
    OwnBetPlaced,
    OwnBetSettled,
    SidebetRequested,
    Signal,
    TickAdvanced,
)
from bot.game.state import AccountView, FinishedGame, GameView, Phase, TickTiming
from bot.mode import Mode

# ----------------------------------------------------------------- collaborator contracts


class TrackerLike(Protocol):
    @property
    def view(self) -> GameView: ...
    @property
    def account(self) -> AccountView: ...
    def on_frame(self, t: float, direction: str, text: str) -> list[Signal]: ...


class ModelLike(Protocol):
    def observe_game(self, game: FinishedGame) -> object: ...
    def observe_latency(self, latency_s: float) -> None: ...
    def observe_tick_timing(self, timing: TickTiming) -> None: ...
    def estimate(self, view: GameView, *, now: float | None = None) -> Estimate: ...
    @property
    def drift(self) -> Any: ...


class DecisionLike(Protocol):
    proposal: SideBet | None
    reason: str


class DeciderLike(Protocol):
    def decide(self, snapshot: Snapshot) -> Any: ...
    def on_settled(
        self, won: bool, stake_lamports: int, t: float, *, strategy: str | None = None
    ) -> None: ...


class VerdictLike(Protocol):
    @property
    def allowed(self) -> bool: ...


class GovernorLike(Protocol):
    def on_signal(self, signal: Signal, view: GameView) -> None: ...
    def tick(self, view: GameView, now: float) -> object: ...
    def review(self, proposal: SideBet, snapshot: Snapshot) -> Any: ...
    def open_bet(self, proposal: SideBet, view: GameView, coin: str) -> BetIntent: ...
    def on_report(self, report: BrokerReport) -> object: ...
    def alarm(self, kind: str, reason: str) -> None: ...
    def ledger_view(self) -> LedgerView: ...
    def record_decision(
        self,
        *,
        t: float,
        view: GameView,
        estimate: Estimate | None,
        proposal: SideBet | None,
        reason: str,
        verdict: str,
        strategy: str = "",
    ) -> None: ...
    @property
    def can_bet(self) -> bool: ...
    def open_bets(self) -> Sequence[Any]: ...
    @property
    def store(self) -> Any: ...
    @property
    def session(self) -> str: ...  # this run's session id (the bets this process owns)
    @property
    def account(self) -> str | None: ...  # whose bets this session places (None until the feed tells)
    def expected_cash(self, account: str) -> int | None: ...  # the ledger's cash of an account


class AuditorLike(Protocol):
    def feed_raw(self, raw: Any, t: float | None = None) -> list[Any]: ...
    def on_signal(self, signal: Signal) -> list[Any]: ...


class AnomalyLike(Protocol):
    """What the run's alerts watch on the frame path (bot/ops/anomalies.py: AnomalyWatch): each call only
    compares numbers and enqueues an alert."""

    def on_tick_gap(self, gap_s: float, game_id: str | None, tick: int) -> None: ...
    def on_settled(self, won: bool) -> None: ...
    def on_stake(self, amount_lamports: int, game_id: str | None) -> None: ...


class RecorderLike(Protocol):
    def write(self, t: float, direction: str, frame: str) -> None: ...


# ----------------------------------------------------------------- the session


@dataclass(frozen=True, slots=True)
class DecisionRecord:
    """What the session decided at one tick, for the screen, the log and the database."""

    t: float
    game_id: str | None
    tick: int
    estimate: Estimate
    proposal: SideBet | None
    reason: str
    verdict: str
    intent: BetIntent | None


@dataclass(slots=True)
class LoopStats:
    frames: int = 0
    decisions: int = 0
    intents: int = 0
    reports: dict[str, int] = field(default_factory=dict)
    games_finished: int = 0
    audits: int = 0
    alarms: list[str] = field(default_factory=list)


class TradingLoop:
    """Glue between the parts; owns no policy of its own."""

    def __init__(
        self,
        *,
        mode: Mode,
        coin: str,
        tracker: TrackerLike,
        model: ModelLike,
        decider: DeciderLike,
        governor: GovernorLike,
        broker: Broker,
        auditor: AuditorLike | None = None,
        recorder: RecorderLike | None = None,
        on_decision: Callable[[DecisionRecord], None] | None = None,
        anomalies: AnomalyLike | None = None,
    ) -> None:
        self.mode = mode
        self.coin = coin
        self.tracker = tracker
        self.model = model
        self.decider = decider
        self.governor = governor
        self.broker = broker
        self.auditor = auditor
        self.recorder = recorder
        self.on_decision = on_decision
        self.anomalies = anomalies
        self._timing_samples = 0  # tick gaps the anomaly watch has seen (a gap is fed once)
        self.stats = LoopStats()
        self.last_decision: DecisionRecord | None = None
        self.reports: deque[BrokerReport] = deque(maxlen=2048)  # recent reports, for the screen and tests
        self._stakes: dict[str, int] = {}
        self._strategies: dict[str, str] = {}
        self._pending_history: deque[HistoryReceived] = deque(maxlen=8)
        self._last_decided: tuple[str | None, int] = (None, -1)
        self._drift_reported = False
        # One owner for every bet's life: the broker books into it, bets left open by an earlier process are
        # explained by it from the feed before anything else is decided.
        self.bets = BetTracker(
            mode=mode, coin=coin, account=governor.account, expected_cash=governor.expected_cash
        )
        broker.attach(self.bets)
        self.bets.adopt(governor.open_bets(), session=governor.session)
        self._started = False
        self._betting = True

    def replace_broker(self, broker: Broker) -> None:
        """Click through ``broker`` from now on (a relaunched browser's new page): it books into this loop's
        bet tracker, so bets placed through the old page keep their one owner and are settled from the feed."""
        broker.attach(self.bets)
        self.broker = broker

    # ------------------------------------------------------------- decision path

    def on_frame(self, t: float, direction: str, text: str) -> BetIntent | None:
        """Process one frame; return a bet intent (already written ahead) if one should be placed now."""
        self.stats.frames += 1
        if not self._started:
            self._started = True
            for report in self.bets.start(t):
                self.apply(report)
        if self.recorder is not None:
            self.recorder.write(t, direction, text)
        signals = self.tracker.on_frame(t, direction, text)
        view = self.tracker.view
        new_tick = False
        for sig in signals:
            self._route(sig, view)
            if isinstance(sig, TickAdvanced):
                new_tick = True
        self.governor.tick(view, t)
        if not new_tick or view.phase is not Phase.ACTIVE:
            return None
        if (view.game_id, view.tick) == self._last_decided:
            return None
        self._last_decided = (view.game_id, view.tick)
        return self._decide(view, t)

    def stop_betting(self) -> None:
        """From now on no new bet is decided; the feed is still followed so open bets settle and are booked."""
        self._betting = False

    def _decide(self, view: GameView, t: float) -> BetIntent | None:
        if not self._betting:
            return None
        ledger = self.governor.ledger_view()
        estimate = self.model.estimate(view, now=t)
        snapshot = Snapshot(
            game=view, estimate=estimate, ledger=ledger, account=self.tracker.account, t=t, coin=self.coin
        )
        decision = self.decider.decide(snapshot)
        self.stats.decisions += 1
        proposal: SideBet | None = decision.proposal
        intent: BetIntent | None = None
        verdict_text = "no proposal"
        if proposal is not None:
            verdict = self.governor.review(proposal, snapshot)
            verdict_text = str(verdict)
            if verdict.allowed:
                intent = self._open(proposal, view)
                if intent is None:
                    verdict_text = "refused at open"
        self.governor.record_decision(
            t=t, view=view, estimate=estimate, proposal=proposal, reason=decision.reason, verdict=verdict_text
        )
        record = DecisionRecord(
            t, view.game_id, view.tick, estimate, proposal, decision.reason, verdict_text, intent
        )
        self.last_decision = record
        if self.on_decision is not None:
            self.on_decision(record)
        return intent

    def _open(self, proposal: SideBet, view: GameView) -> BetIntent | None:
        """Write the intent ahead of any click; the governor re-checks every guard and may still refuse."""
        try:
            intent = self.governor.open_bet(proposal, view, self.coin)
        except Exception as exc:  # BetRefused, or a store error: no intent row means no click
            logger.warning("bet not opened: {}", exc)
            return None
        self.bets.register(intent)
        crash_point(CrashPoint.AFTER_INTENT)
        self._stakes[intent.bet_id] = intent.amount_lamports
        self._strategies[intent.bet_id] = intent.strategy
        self.stats.intents += 1
        return intent

    # ------------------------------------------------------------- feedback

    def apply(self, report: BrokerReport) -> None:
        """A broker report (submit result, confirmation, settlement) reaches ledger, model and decider — once:
        the bet tracker drops a report that is not news (a duplicate, or one the feed already overtook)."""
        if not self.bets.book(report):
            return
        self.reports.append(report)
        self.stats.reports[report.status.value] = self.stats.reports.get(report.status.value, 0) + 1
        self.governor.on_report(report)
        if report.latency_s is not None and report.status is BetStatus.CONFIRMED:
            self.model.observe_latency(report.latency_s)
        if report.status in TERMINAL:
            stake = self._stakes.pop(report.bet_id, 0)
            strategy = self._strategies.pop(report.bet_id, None)
            if report.status in (BetStatus.WON, BetStatus.LOST):
                self.decider.on_settled(report.status is BetStatus.WON, stake, report.t, strategy=strategy)
                if self.anomalies is not None:
                    self.anomalies.on_settled(report.status is BetStatus.WON)

    def _route(self, sig: Signal, view: GameView) -> None:
        if isinstance(sig, SidebetRequested):
            crash_point(CrashPoint.AFTER_CLICK)
        elif isinstance(sig, OwnBetPlaced):
            crash_point(CrashPoint.BEFORE_CONFIRM)
        elif isinstance(sig, OwnBetSettled):
            crash_point(CrashPoint.BEFORE_SETTLE)
        self.governor.on_signal(sig, view)
        self.bets.account = self.governor.account  # whose evidence this is: the governor learns it first
        if isinstance(sig, GameStarted):  # a bet written outside this loop is followed too (one owner)
            self.bets.adopt(self.governor.open_bets(), session=self.governor.session)
        for report in self.broker.on_signal(sig, view):
            self.apply(report)
        for problem in self.bets.take_problems():
            self._alarm("reconciliation", problem)
        if self.auditor is not None and not isinstance(sig, HistoryReceived):
            self.auditor.on_signal(sig)  # cheap: remembers announced hashes and live prices
        if isinstance(sig, TickAdvanced):
            timing = view.timing
            if self.anomalies is not None and timing.samples != self._timing_samples:
                self._timing_samples = timing.samples  # a gap of consecutive ticks (not across a jump)
                self.anomalies.on_tick_gap(timing.last_gap_s, view.game_id, view.tick)
            return
        if isinstance(sig, OwnBetPlaced) and self.anomalies is not None:
            self.anomalies.on_stake(sig.bet.amount_lamports, sig.bet.game_id)
        if isinstance(sig, GameRugged):
            self.stats.games_finished += 1
            self.model.observe_tick_timing(view.timing)
            if sig.game.complete:
                self.model.observe_game(sig.game)
            drift = self.model.drift
            if getattr(drift, "alarm", False) and not self._drift_reported:
                self._drift_reported = True
                self._alarm("model_drift", str(getattr(drift, "reason", "model drift")))
        elif isinstance(sig, HistoryReceived):
            self._pending_history.append(sig)
        elif isinstance(sig, MaintenanceNotice) and sig.active:
            logger.warning("maintenance notice: {}", sig.message)

    # ------------------------------------------------------------- off the decision path

    def idle(self) -> None:
        """Work that must not delay a decision: the provably-fair audit of history frames."""
        while self._pending_history:
            sig = self._pending_history.popleft()
            if self.auditor is None:
                continue
            for alarm in self.auditor.on_signal(sig):
                self._alarm("fair_mismatch", str(alarm))
            self.stats.audits += 1

    def _alarm(self, kind: str, reason: str) -> None:
        self.stats.alarms.append(f"{kind}: {reason}")
        logger.error("ALARM {}: {}", kind, reason)
        self.governor.alarm(kind, reason)

    # ------------------------------------------------------------- replay loop

    async def run_frames(self, frames: Iterable[tuple[float, str, str]]) -> None:
        """Drive the session from recorded frames (backtest, replay of a dry-run)."""
        for t, direction, text in frames:
            intent = self.on_frame(t, direction, text)
            if intent is not None:
                self.apply(await self.broker.submit(intent))
            self.idle()
