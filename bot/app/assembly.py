"""One assembly of the trading loop, for every caller: ``rugsbot run`` (bot/app/live.py), the backtest behind
``backtest``, ``simulate --session`` and ``sweep`` on recordings (bot/optimize/backtest.py), and the benchmarks.

What is built, and from what:

* :class:`LoopConfig` says what the loop is for (profile, mode, coin, strategies, engine override, audit,
  gate): typed, frozen, no dict of parts;
* :func:`assemble` opens the governor's session on a store the caller opened, and builds the tracker, the
  probability model, the decider (behind an :class:`ArmGate` when the config asks for one) and the auditor.
  It returns a frozen :class:`LoopParts`;
* :meth:`LoopParts.attach` builds the :class:`~bot.app.loop.TradingLoop` once the broker exists (a paper
  broker at once; :func:`browser_broker` when the page is up) and :class:`ArmGate` holds every decision back
  until that broker is armed.

The caller owns what it opened (store, recorder, broker) and closes it; the parts close the governor's session
with :meth:`LoopParts.close`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, cast

from bot.app.loop import (
    AnomalyLike,
    DeciderLike,
    DecisionLike,
    DecisionRecord,
    RecorderLike,
    TrackerLike,
    TradingLoop,
)
from bot.brokers.base import Broker
from bot.config import Profile
from bot.config.sections import EngineConfig
from bot.engine.probability import ProbabilityModel
from bot.engine.ranking import Decider
from bot.engine.types import SideBet, Snapshot
from bot.fair.audit import Auditor
from bot.game.tracker import GameTracker
from bot.mode import Mode
from bot.money import sol_to_lamports
from bot.risk.governor import Governor
from bot.store.db import Store

if TYPE_CHECKING:
    from playwright.async_api import Page

AUDIT_REMEMBER = 256
"""Games the auditor remembers: ``gameHistory`` repeats the last 10 games, so 256 dedupes every repeat."""


@dataclass(frozen=True, slots=True)
class LoopConfig:
    """What a trading loop is built from.

    ``mode``: what the session row and the ledger say (DRY_RUN, PRACTICE or LIVE in a run; REPLAY in a
    backtest). ``coin``: the coin bet and booked (the run mode's coin live; a backtest books the profile's
    coin). ``strategies_dir``: user strategy plug-ins, ``None`` for the built-ins only. ``engine``: replaces
    ``profile.engine`` (a sweep point runs one strategy with its parameters). ``audit``: check provably-fair
    history frames off the decision path. ``gated``: decide nothing until :meth:`ArmGate.open`."""

    profile: Profile
    mode: Mode
    coin: str
    strategies_dir: Path | None
    engine: EngineConfig | None = None
    audit: bool = False
    gated: bool = False

    @classmethod
    def live(cls, profile: Profile, mode: Mode, strategies_dir: Path | None) -> LoopConfig:
        """A ``rugsbot run``: the mode's coin, history audited; decisions wait for the broker when it clicks (a
        paper bet needs no page: a dry run decides from the first frame)."""
        return cls(profile, mode, mode.coin, strategies_dir, audit=True, gated=mode.clicks)

    @property
    def engine_config(self) -> EngineConfig:
        return self.engine if self.engine is not None else self.profile.engine

    @property
    def starting_bankroll_lamports(self) -> int:
        """The paper bankroll (logged-in modes book the server's balance instead)."""
        return sol_to_lamports(self.profile.starting_bankroll_sol)


@dataclass(slots=True)
class Skipped:
    """The gate's decision while it is closed (the shape of :class:`~bot.app.loop.DecisionLike`, whose
    attributes are plain, so this one is not frozen)."""

    reason: str
    proposal: SideBet | None = None


class ArmGate:
    """The decider behind a gate: no proposal until the broker is armed, none on a frame from before that.

    The loop sees every frame from the first one (balances, the running game, history), but a decision taken
    while the wallet connects or the controls are verified would only become a cancelled intent row, and a
    decision on a frame received during arming is stale by the time its click can happen (issue 13: "not
    clicked: tick 55 is 9 ticks past the decision" on the first bet). So the gate opens only after ``arm()``
    has returned, from a receive time on (seconds, the frames' own clock), and only while the broker says
    it is armed (a reload disarms it)."""

    def __init__(self, decider: DeciderLike) -> None:
        self._decider = decider
        self._since: float | None = None
        self._broker: Broker | None = None

    @property
    def decider(self) -> DeciderLike:
        """The decider behind the gate (its adaptation is saved across restarts: bot/app/ops_hooks.py)."""
        return self._decider

    @property
    def opened_at(self) -> float | None:
        """Receive time (seconds) from which decisions pass, or ``None`` while closed."""
        return self._since

    def open(self, t: float, broker: Broker) -> None:
        """Decide on frames received at ``t`` or later, while ``broker.armed``."""
        self._since = t
        self._broker = broker

    def close(self) -> None:
        """Decide nothing until the next :meth:`open` (re-arming after a reload)."""
        self._since = None

    def decide(self, snapshot: Snapshot) -> DecisionLike:
        since, broker = self._since, self._broker
        if since is None or broker is None or not broker.armed:
            return Skipped("not armed yet (connecting / verifying controls)")
        if snapshot.t < since:
            return Skipped("frame received before the controls were armed")
        decision: DecisionLike = self._decider.decide(snapshot)
        return decision

    def on_settled(self, won: bool, stake_lamports: int, t: float, *, strategy: str | None = None) -> None:
        self._decider.on_settled(won, stake_lamports, t, strategy=strategy)


@dataclass(frozen=True, slots=True)
class LoopParts:
    """Everything of a trading loop but the broker. ``gate`` is the decider's gate when the config asked for
    one (``decider`` is then the gate itself)."""

    config: LoopConfig
    store: Store
    governor: Governor
    tracker: TrackerLike
    model: ProbabilityModel
    decider: DeciderLike
    gate: ArmGate | None
    auditor: Auditor | None
    recorder: RecorderLike | None

    def attach(
        self,
        broker: Broker,
        *,
        on_decision: Callable[[DecisionRecord], None] | None = None,
        anomalies: AnomalyLike | None = None,
    ) -> TradingLoop:
        """The trading loop on these parts with ``broker``; ``on_decision`` sees every decision record;
        ``anomalies`` the tick gaps, settled bets and stakes (the run's alerts)."""
        return TradingLoop(
            mode=self.config.mode,
            coin=self.config.coin,
            tracker=self.tracker,
            model=self.model,
            decider=self.decider,
            governor=self.governor,
            broker=broker,
            auditor=self.auditor,
            recorder=self.recorder,
            on_decision=on_decision,
            anomalies=anomalies,
        )

    def close(self, t: float) -> None:
        """Close the governor's session row at ``t`` (the store stays open: its owner closes it)."""
        self.governor.close(t)


def assemble(
    config: LoopConfig,
    store: Store,
    *,
    t: float,
    tracker: TrackerLike | None = None,
    recorder: RecorderLike | None = None,
) -> LoopParts:
    """Open the governor's session on ``store`` at ``t`` (seconds: the wall clock live, the first frame's
    receive time in a replay, so replays never read the wall clock) and build the loop's parts.

    ``tracker`` replaces a fresh :class:`~bot.game.tracker.GameTracker` (the backtest watches rug ticks through
    a wrapper); ``recorder`` gets every frame. Raises what :meth:`Governor.start` and :class:`Decider` raise
    (a store error; an unknown strategy)."""
    engine = config.engine_config
    decider: DeciderLike = Decider(engine, config.strategies_dir)
    gate = ArmGate(decider) if config.gated else None
    governor = Governor.start(
        config.profile.guards,
        store,
        mode=config.mode,
        profile=config.profile.name,
        coin=config.coin,
        logged_in=config.mode.clicks,
        starting_bankroll_lamports=config.starting_bankroll_lamports,
        t=t,
    )
    return LoopParts(
        config=config,
        store=store,
        governor=governor,
        tracker=tracker if tracker is not None else GameTracker(),
        # the model starts from the profile's latency prior and learns the latency from the broker's
        # confirmations: clicks live, the paper broker's landing delay in a replay
        model=ProbabilityModel(engine, timing=config.profile.timing),
        decider=gate if gate is not None else decider,
        gate=gate,
        auditor=Auditor(remember=AUDIT_REMEMBER) if config.audit else None,
        recorder=recorder,
    )


def browser_broker(
    page: Page,
    config: LoopConfig,
    *,
    arm_timeout_s: float,
    feed_ok: Callable[[], bool],
    on_halt: Callable[[str], None],
) -> Broker:
    """The broker that clicks on ``page`` (practice and live), with the profile's timing: confirmation timeout
    and the most ticks a click may lag its decision. ``feed_ok()``: the page's socket is up and talking (no
    click is buffered across a reconnect); ``on_halt(reason)``: a control is missing."""
    from bot.brokers.browser import BrowserBroker

    timing = config.profile.timing
    # cast: BrowserBroker narrows ``mode`` to PRACTICE | LIVE, which a Protocol's settable attribute rejects
    # (bot/brokers/base.py would declare ``mode`` read-only; that module belongs to the bet-lifecycle work)
    broker = BrowserBroker(
        page,
        config.profile.browser.selectors,
        mode=config.mode,
        coin=config.coin,
        confirm_timeout_s=timing.confirm_timeout_s,
        arm_timeout_s=arm_timeout_s,
        feed_ok=feed_ok,
        max_lag_ticks=timing.max_click_lag_ticks,
        on_halt=on_halt,
    )
    return cast(Broker, broker)
