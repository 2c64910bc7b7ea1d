"""Backtest: recordings through the very session that runs live — tracker, model, decider, governor, provably-fair
auditor — with the replay broker (bets land ``latency`` after the decision on the recorded timeline) and a real
database.

Nothing here decides anything: it assembles the live parts (bot/app/assembly.py, as ``rugsbot run`` does, the
auditor included), feeds frames, and reads the outcome back from the bets table. What the bot *would have* done
is therefore what it does, halts included: every alarm raised to the governor is listed with its game
(:class:`BacktestAlarm`), so an offline check sees what a live run would have halted on, and a recording
``rugsbot verify`` fails has its ``fair_mismatch`` here for the same game. docs/BACKTESTING.md lists the
assumptions that remain (landing tick, rejected bets, rug tick).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from bot.bets.model import BetStatus
from bot.config import Profile
from bot.config.sections import EngineConfig, StrategyParam, StrategySpec
from bot.game.signals import GameRugged, Signal, TickAdvanced
from bot.game.state import AccountView, GameView
from bot.game.tracker import GameTracker
from bot.optimize.metrics import BetRecords
from bot.shorten import shorten

if TYPE_CHECKING:
    from bot.app.loop import TradingLoop
    from bot.fair.auditor import Auditor


class _WatchingTracker:
    """The real tracker, plus a note of rug ticks and tick gaps for the report (no behaviour of its own)."""

    def __init__(self, inner: GameTracker) -> None:
        self.inner = inner
        self.rug_ticks: list[int] = []
        self.tick_gaps: list[float] = []
        self.ticks = 0
        self._last: tuple[str, int, float] | None = None

    @property
    def view(self) -> GameView:
        return self.inner.view

    @property
    def account(self) -> AccountView:
        return self.inner.account

    def new_recording(self) -> None:
        """Another recording starts: another socket, hours or days later. Its games are not the last file's, and
        the gap between the files is no feed silence: the game state starts afresh, as at a start."""
        self.inner = GameTracker()
        self._last = None

    def on_frame(self, t: float, direction: str, text: str) -> list[Signal]:
        signals: list[Signal] = self.inner.on_frame(t, direction, text)
        for sig in signals:
            if isinstance(sig, TickAdvanced):
                self.ticks += 1
                last = self._last
                if last is not None and last[0] == sig.game_id and sig.tick == last[1] + 1:
                    self.tick_gaps.append(sig.t - last[2])
                self._last = (sig.game_id, sig.tick, sig.t)
            elif isinstance(sig, GameRugged) and sig.game.complete:
                self.rug_ticks.append(sig.game.rug_tick)
        return signals


@dataclass(frozen=True, slots=True)
class BacktestBet:
    bet_id: str
    game: str
    decided_tick: int
    start_tick: int | None
    end_tick: int | None
    amount_lamports: int
    status: str
    payout_lamports: int
    p_win: float | None
    latency_s: float | None


@dataclass(frozen=True, slots=True)
class BacktestAlarm:
    """An alarm the loop raised to the governor (bot/risk/guards/alarms.py kinds), as a live run would have.

    ``game``: the audited game for a ``fair_mismatch``, else the game the feed was in; ``t``: the receive time
    of the frame after which it was raised (seconds); ``reason``: the text the governor got."""

    kind: str
    reason: str
    game: str | None
    t: float


class _AlarmLog:
    """Reads the alarms a frame raised: the loop's alarm texts, the auditor's alarms for their games."""

    def __init__(self) -> None:
        self.alarms: list[BacktestAlarm] = []
        self._seen = 0

    def after_frame(self, session: TradingLoop, auditor: Auditor | None, t: float) -> None:
        texts = session.stats.alarms
        if len(texts) == self._seen:
            return
        audited = iter(auditor.take_alarms() if auditor is not None else [])
        for text in texts[self._seen :]:
            kind, _, reason = text.partition(": ")
            # the loop raises one fair_mismatch per auditor alarm, in the auditor's order (bot/app/loop.py)
            found = next(audited, None) if kind == "fair_mismatch" else None
            game = found.game_id if found is not None else session.tracker.view.game_id
            self.alarms.append(BacktestAlarm(kind, reason, game, t))
        self._seen = len(texts)


@dataclass(frozen=True, slots=True)
class BacktestResult:
    session_id: str
    frames: int
    ticks: int
    games: int
    decisions: int
    bets: list[BacktestBet]
    rug_ticks: list[int]
    tick_gaps: list[float]
    starting_bankroll: int
    elapsed_s: float
    guard_trips: list[str] = field(default_factory=list)
    no_bet_reasons: dict[str, int] = field(default_factory=dict)
    alarms: list[BacktestAlarm] = field(default_factory=list)

    def settled(self) -> list[BacktestBet]:
        return [b for b in self.bets if b.status in (BetStatus.WON.value, BetStatus.LOST.value)]

    def records(self, lag_ticks: int = 1) -> BetRecords:
        done = self.settled()
        p = [b.p_win for b in done]
        lat = [b.latency_s for b in done if b.latency_s is not None]
        return BetRecords(
            stake=np.array([b.amount_lamports for b in done], dtype=np.int64),
            won=np.array([b.status == BetStatus.WON.value for b in done], dtype=bool),
            starting_bankroll=self.starting_bankroll,
            games=self.games,
            p_pred=np.array(p, dtype=float) if done and all(x is not None for x in p) else None,
            latency_s=np.array(lat, dtype=float) if lat else None,
            tick_intervals_s=np.array(self.tick_gaps, dtype=float) if self.tick_gaps else None,
            final_pool=np.array(self.rug_ticks, dtype=np.int64) if self.rug_ticks else None,
            guard_trips=tuple(self.guard_trips),
            lag_ticks=lag_ticks,
        )


def scratch_dir() -> str | None:
    """Where throwaway backtest databases go: RAM (/dev/shm) when there is one — the write-ahead fsyncs
    that protect live money are 3-4x the cost of the whole replay and protect nothing here."""
    import os

    shm = Path("/dev/shm")
    return str(shm) if shm.is_dir() and os.access(shm, os.W_OK) else None


def engine_for(
    profile: Profile, strategy: str | None, params: dict[str, StrategyParam] | None
) -> EngineConfig:
    """The profile's engine, or the same engine running only ``strategy`` with ``params``."""
    if strategy is None:
        return profile.engine
    spec = StrategySpec(name=strategy, params=dict(params or {}), weight=1.0)
    return profile.engine.model_copy(update={"strategies": [spec]})


NEW_RECORDING = "recording"  # the direction of frames_of's marker between two recordings (no frame)


def frames_of(paths: Sequence[Path]) -> Iterable[tuple[float, str, str]]:
    """The frames of ``paths`` as ``(t, direction, text)``; between two recordings (a file and its rotated parts
    are one) a marker ``(t, NEW_RECORDING, path)``, which :func:`run_backtest` takes as a fresh start."""
    from bot.feeds.parts import recording_groups
    from bot.feeds.recording import RecordingReader

    groups, missing = recording_groups(paths)
    if missing:
        raise FileNotFoundError(missing[0])
    for i, group in enumerate(groups):
        for k, path in enumerate(group):
            for n, fr in enumerate(RecordingReader(path)):
                if i > 0 and k == 0 and n == 0:
                    yield fr.t, NEW_RECORDING, str(path)
                yield fr.t, fr.dir, fr.frame


def run_backtest(
    frames: Iterable[tuple[float, str, str]],
    profile: Profile,
    *,
    db_path: Path,
    strategies_dir: Path | None,
    latency_s: float,
    engine: EngineConfig | None = None,
    live_dry_run: bool = False,
    audit: bool = True,
) -> BacktestResult:
    """Feed frames through a fresh session with the replay broker; read bets back from the database.

    ``live_dry_run`` assembles a dry run instead (DryBroker, DRY-RUN mode) for frames arriving live from a
    socket: the acceptance test compares the two on the same frames. ``audit``: the provably-fair auditor of a
    live run checks every revealed game (its alarms halt, as live). Raises ``ValueError`` when there is no
    frame."""
    from bot.app.assembly import LoopConfig, LoopParts, assemble
    from bot.app.loop import DecisionRecord
    from bot.brokers.paper import DryBroker, ReplayBroker
    from bot.mode import Mode
    from bot.store.db import Store

    config = LoopConfig(
        profile=profile,
        mode=Mode.DRY_RUN if live_dry_run else Mode.REPLAY,
        coin=profile.coin,
        strategies_dir=strategies_dir,
        engine=engine,
        audit=audit,
    )
    tracker = _WatchingTracker(GameTracker())
    alarms = _AlarmLog()
    broker = DryBroker(latency_s) if live_dry_run else ReplayBroker(latency_s)
    p_by_bet: dict[str, float] = {}

    why: Counter[str] = Counter()

    def on_decision(rec: DecisionRecord) -> None:
        if rec.intent is not None:
            p_by_bet[rec.intent.bet_id] = rec.estimate.p_win
        else:  # why no bet: the strategy's reason, or the governor's verdict on a proposal
            text = rec.reason if rec.proposal is None else f"refused: {rec.verdict}"
            why[shorten(text.split(";")[0], 80)] += 1

    t0 = time.perf_counter()
    store = Store.open(db_path)
    try:
        parts: LoopParts | None = None
        session: TradingLoop | None = None
        auditor: Auditor | None = None
        frames_n = 0
        for t, direction, text in frames:
            if direction == NEW_RECORDING:
                tracker.new_recording()
                continue
            if session is None:
                # the governor's clock starts at the first frame: replays never read the wall clock
                parts = assemble(config, store, t=t, tracker=tracker)
                session = parts.attach(broker, on_decision=on_decision)
                auditor = parts.auditor
            frames_n += 1
            intent = session.on_frame(t, direction, text)
            if intent is not None:
                session.apply(broker.place(intent))
            session.idle()
            alarms.after_frame(session, auditor, t)
        if session is None or parts is None:
            raise ValueError("no frames to backtest")
        governor = parts.governor
        parts.close(session.tracker.view.t)
        rows = store.bets(governor.session)
        trips = [f"{e['guard']}: {e['action']} ({e['reason']})" for e in store.guard_events(governor.session)]
        bets = [
            BacktestBet(
                r.bet_id,
                r.game,
                r.decided_tick,
                r.start_tick,
                r.end_tick,
                r.amount_lamports,
                r.status.value,
                r.payout_lamports,
                p_by_bet.get(r.bet_id),
                r.latency_s,
            )
            for r in rows
        ]
        return BacktestResult(
            session_id=governor.session,
            frames=frames_n,
            ticks=tracker.ticks,
            games=session.stats.games_finished,
            decisions=session.stats.decisions,
            bets=bets,
            rug_ticks=tracker.rug_ticks,
            tick_gaps=tracker.tick_gaps,
            starting_bankroll=config.starting_bankroll_lamports,
            elapsed_s=time.perf_counter() - t0,
            guard_trips=trips,
            no_bet_reasons=dict(why.most_common(12)),
            alarms=alarms.alarms,
        )
    finally:
        store.close()
